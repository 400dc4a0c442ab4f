"""End-to-end demonstration on real data (run with ``make demo``).

Featurizes QM9 molecules (from the PyPI package ``qm9pack``) with count Morgan
fingerprints and cross-validates a ridge regression of the heat capacity Cv: the
descriptor step of shotgun transfer learning, in a scikit-learn pipeline.
"""

from __future__ import annotations

import time

from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline

from sklearn_shotgun import FingerprintFeaturizer
from sklearn_shotgun.datasets import load_qm9


def main() -> None:
    qm9 = load_qm9(n_samples=20_000, random_state=0)
    smiles, cv_heat = qm9["SMILES"].tolist(), qm9["Heatcapacity_Cv_cal_mol_K"].to_numpy()
    print(f"QM9: {len(smiles):,} molecules, Cv {cv_heat.min():.1f}-{cv_heat.max():.1f} cal/(mol K)")

    featurizer = FingerprintFeaturizer(kind="morgan", counts=True, n_bits=2048, n_jobs=2)
    start = time.perf_counter()
    X = featurizer.fit_transform(smiles)
    print(f"Morgan count fingerprints {X.shape} in {time.perf_counter() - start:.1f} s")

    model = make_pipeline(FingerprintFeaturizer(counts=True), RidgeCV(alphas=(0.1, 1, 10)))
    scores = cross_validate(
        model,
        smiles,
        cv_heat,
        cv=KFold(5, shuffle=True, random_state=0),
        scoring=("r2", "neg_mean_absolute_error"),
    )
    print(
        f"5-fold CV of Pipeline(FingerprintFeaturizer(counts=True), RidgeCV()): "
        f"R2 {scores['test_r2'].mean():.3f} +- {scores['test_r2'].std():.3f}, "
        f"MAE {-scores['test_neg_mean_absolute_error'].mean():.3f} cal/(mol K)"
    )


if __name__ == "__main__":
    main()
