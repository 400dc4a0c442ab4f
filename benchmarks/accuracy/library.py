"""The benchmark's source library: several source properties over three material classes.

A recipe of the benchmark's own (the package's recipe system is a later issue): each source
names a public data set in ``shared/data``, its input and target columns, the target form
(``target_transform``), the descriptor and the pool size. Each source's pool is saved under
the cache folder as soon as it is trained, so an interrupted build resumes where it stopped
and later runs reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_shotgun import (
    CompositionFeaturizer,
    DescriptorFeaturizer,
    FingerprintFeaturizer,
    ModelLibrary,
    ShotgunPretrainer,
)

try:
    from .tasks import DEFAULT_DATA_DIR
except ImportError:  # run as a script
    from tasks import DEFAULT_DATA_DIR

#: (id, material, file, input column, target column, target_transform, descriptor, rows, units)
SOURCES = [
    (
        "Cv",
        "molecule",
        "qm9",
        "SMILES",
        "Heatcapacity_Cv_cal_mol_K",
        "per_gram",
        "rdkit2d",
        6000,
        "cal/(mol K)",
    ),
    (
        "Cv",
        "molecule",
        "qm9",
        "SMILES",
        "Heatcapacity_Cv_cal_mol_K",
        "per_gram",
        "composition",
        6000,
        "cal/(mol K)",
    ),
    (
        "Cv",
        "molecule",
        "qm9",
        "SMILES",
        "Heatcapacity_Cv_cal_mol_K",
        None,
        "morgan_counts",
        6000,
        "cal/(mol K)",
    ),
    ("gap", "molecule", "qm9", "SMILES", "HOMO_LUMO_gap_au", None, "rdkit2d", 6000, "Ha"),
    (
        "alpha",
        "molecule",
        "qm9",
        "SMILES",
        "Polarizability_bohr3",
        "per_heavy_atom",
        "rdkit2d",
        6000,
        "bohr^3",
    ),
    (
        "atomization_enthalpy",
        "polymer",
        "polyverse_atomization",
        "smiles1",
        "value",
        None,
        "rdkit2d",
        None,
        "eV/atom",
    ),
    (
        "ionization_energy",
        "polymer",
        "polyverse_ie",
        "smiles",
        "value",
        None,
        "rdkit2d",
        None,
        "eV",
    ),
    ("e_form", "inorganic", "mp_e_form", "formula", "target", None, "composition", 6000, "eV/atom"),
    ("gap_pbe", "inorganic", "mp_gap", "formula", "target", None, "composition", 6000, "eV"),
    (
        "log10_K_VRH",
        "inorganic",
        "elasticity_K",
        "formula",
        "target",
        None,
        "composition",
        6000,
        "log10 GPa",
    ),
]

FILES = {
    "qm9": "qm9_qm9pack/qm9.csv.gz",
    "polyverse_atomization": "polymer_polyverse_ramprasad/atomization_enthalpy_202412051524.csv",
    "polyverse_ie": "polymer_polyverse_ramprasad/ionization_energy_202412051526.csv",
    "mp_e_form": "inorganic_crabnet_matbench_formula/mp_e_form.csv",
    "mp_gap": "inorganic_crabnet_matbench_formula/mp_gap.csv",
    "elasticity_K": "inorganic_crabnet_matbench_formula/elasticity_log10_K_VRH.csv",
}

DATASETS = {
    "qm9": "QM9",
    "polyverse_atomization": "polyVERSE",
    "polyverse_ie": "polyVERSE",
    "mp_e_form": "Materials Project (matbench)",
    "mp_gap": "Materials Project (matbench)",
    "elasticity_K": "Materials Project (matbench)",
}


def _featurizer(name: str, material: str):
    if name == "rdkit2d":
        return DescriptorFeaturizer(n_jobs=2)
    if name == "morgan_counts":
        return FingerprintFeaturizer(counts=True)
    return CompositionFeaturizer(input="formula" if material == "inorganic" else "smiles")


def _pretrainer(featurizer, n_models: int, seed: int, **meta) -> ShotgunPretrainer:
    # Small, quick pools: the benchmark compares transfer options, not pool sizes.
    return ShotgunPretrainer(
        featurizer,
        n_models=n_models,
        n_hidden_layers=(3, 4),
        max_first_width=128,
        max_epochs=(30, 60),
        max_sparsity=0.99,
        random_state=seed,
        verbose=0,
        **meta,
    )


def recipe_hash(n_models: int) -> str:
    text = json.dumps([SOURCES, FILES, n_models], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(n_models: int = 8, cache: str | Path | None = None, verbose: bool = True):
    """Build (or load from the cache) the benchmark library; returns (library, build log)."""
    root = Path(cache or os.environ.get("SHOTGUN_BENCH_CACHE", Path.home() / ".cache"))
    folder = root / "sklearn_shotgun" / "accuracy" / f"library-{recipe_hash(n_models)}"
    folder.mkdir(parents=True, exist_ok=True)
    frames: dict[str, pd.DataFrame] = {}
    pools, log = [], []
    for i, (prop, material, file, xcol, ycol, form, desc, rows, units) in enumerate(SOURCES):
        out = folder / f"source-{i:02d}"
        if (out / "library.json").exists():
            pools.append(ModelLibrary.load(out))
            info = json.loads((out / "build.json").read_text())
            log.append(info)
            continue
        if file not in frames:
            frames[file] = pd.read_csv(Path(DEFAULT_DATA_DIR) / FILES[file])
        frame = frames[file].dropna(subset=[xcol, ycol])
        if rows is not None and len(frame) > rows:
            frame = frame.sample(rows, random_state=0)
        start = time.perf_counter()
        pre = _pretrainer(
            _featurizer(desc, material),
            n_models,
            seed=i,
            property=prop,
            units=units,
            material=material,
            dataset=DATASETS[file],
            target_transform=form,
        )
        pool = pre.fit(frame[xcol].tolist(), frame[ycol].to_numpy(dtype=float)).library_
        seconds = time.perf_counter() - start
        r2 = [m.metrics["r2"] for m in pool]
        info = {
            "source": f"{prop}{'/' + form if form else ''} on {desc} ({DATASETS[file]})",
            "rows": len(frame),
            "models": len(pool),
            "seconds": round(seconds, 1),
            "oob_r2_median": float(np.median(r2)),
        }
        pool.save(out)
        (out / "build.json").write_text(json.dumps(info))
        pools.append(pool)
        log.append(info)
        if verbose:
            print(
                f"  built {info['source']}: {info['models']} nets on {info['rows']} rows in "
                f"{seconds:.0f} s, OOB R2 median {info['oob_r2_median']:.3f}",
                flush=True,
            )
    models = [m for pool in pools for m in pool]
    return ModelLibrary(models, name="accuracy benchmark library"), log
