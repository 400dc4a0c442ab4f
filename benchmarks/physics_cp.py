"""A physics baseline for RadonPy Cp: classical equipartition, 3R per atom.

RadonPy's heat capacities come from classical molecular dynamics, so Cp per kilogram should
follow the number of atoms per kilogram. The script prints the correlation of Cp with
``3R n / M`` (n atoms of the repeat unit, hydrogens included, M its molar mass) over every
polymer with a Cp, and the 5-fold CV MAE (plain CV: the models have no hyper-parameter to
tune beyond the ridge penalty chosen inside each fit) on 5 random draws of 58 polymers of a
straight line on that one number, and of ridge (the "linear" head) and a forest on
XenonPy-style compositions.

Run: ``SKLEARN_SHOTGUN_DATA=../shared/data .venv/bin/python benchmarks/physics_cp.py``
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_val_predict

from sklearn_shotgun import CompositionFeaturizer
from sklearn_shotgun._heads import LinearHeadRegressor
from sklearn_shotgun._small_forest import SmallForestRegressor
from sklearn_shotgun.datasets import load_radonpy

R = 8.314462618  # J/(mol K)


def equipartition(smiles: str) -> float | None:
    """3R n / M in J/(kg K) of a repeat unit, its two '*' capped by the chain's neighbours."""
    mol = Chem.MolFromSmiles(smiles.replace("*", "[H]"))
    if mol is None:
        return None
    mol = Chem.AddHs(mol)
    n_atoms = mol.GetNumAtoms() - 2  # the two H that stand for the '*'
    mass = Descriptors.MolWt(mol) - 2 * 1.008
    return 3 * R * n_atoms / (mass / 1000)


def main() -> None:
    frame = load_radonpy().dropna(subset=["Cp"])
    values = [equipartition(s) for s in frame["smiles"]]
    keep = np.array([v is not None for v in values])
    frame = frame[keep].reset_index(drop=True)
    physics = np.array([v for v in values if v is not None])[:, None]
    cp = frame["Cp"].to_numpy()
    r = np.corrcoef(cp, physics[:, 0])[0, 1]
    print(f"{len(cp)} polymers: correlation of Cp with 3R n/M {r:.3f}")
    composition = np.nan_to_num(
        np.asarray(CompositionFeaturizer(input="smiles").fit_transform(frame["smiles"].tolist()))
    )
    models = [
        ("straight line on 3R n/M", LinearRegression(), physics),
        ("ridge on compositions", LinearHeadRegressor(), composition),
        ("forest on compositions", SmallForestRegressor(100, random_state=0), composition),
    ]
    for name, model, X in models:
        maes = []
        for draw in range(5):
            rows = np.random.RandomState(draw).permutation(len(cp))[:58]
            cv = KFold(5, shuffle=True, random_state=draw)
            pred = cross_val_predict(model, X[rows], cp[rows], cv=cv)
            maes.append(np.abs(pred - cp[rows]).mean())
        print(f"{name}: 5-fold CV MAE, 5 draws of 58: {np.mean(maes):.1f} +- {np.std(maes):.1f}")


if __name__ == "__main__":
    main()
