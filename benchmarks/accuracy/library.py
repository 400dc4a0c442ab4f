"""The benchmark's source libraries: the package's recipes, or the benchmark's own.

:func:`resolve` turns ``run.py --library`` into a library and a record of what it is:

- ``quick`` / ``mdl``: the package's shipped recipes (``sklearn_shotgun/recipes/*.toml``),
  built by ``sklearn_shotgun.library.build_library`` into
  ``sklearn_shotgun.library.build.library_cache_dir(name)`` (resumable; a finished build of
  the same recipe text is loaded, not rebuilt);
- ``own``: the benchmark's own 10-source recipe below (:data:`SOURCES`, :func:`build`), which
  produced the published table of ``docs/accuracy.md``; each source's pool is saved under
  the cache folder as soon as it is trained, so an interrupted build resumes;
- any other value: an existing library directory (``ModelLibrary.load``).

:func:`default_choice` picks ``mdl`` when its cache holds a finished library, else ``quick``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
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
from sklearn_shotgun.library import UnverifiedLibraryWarning

try:
    from .guard import library_sources
    from .tasks import DEFAULT_DATA_DIR
except ImportError:  # run as a script
    from guard import library_sources
    from tasks import DEFAULT_DATA_DIR

RECIPES = ("quick", "mdl")

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
    pools, log, unverified = [], [], 0
    for i, (prop, material, file, xcol, ycol, form, desc, rows, units) in enumerate(SOURCES):
        out = folder / f"source-{i:02d}"
        if (out / "library.json").exists():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UnverifiedLibraryWarning)
                pools.append(ModelLibrary.load(out))
            old = [w for w in caught if issubclass(w.category, UnverifiedLibraryWarning)]
            for w in caught:
                if w not in old:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            unverified += bool(old)
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
    if unverified and verbose:
        # One line instead of one warning per cached pool: these pools predate per-entry
        # digests (library format 1); their tensors are still checked against sha256.
        print(
            f"  note: {unverified} cached pool(s) in {folder} are format-1 libraries (tensors "
            "verified, entries not); delete the folder to rebuild them",
            flush=True,
        )
    models = [m for pool in pools for m in pool]
    return ModelLibrary(models, name="accuracy benchmark library"), log


def _finished(folder: Path) -> bool:
    return (folder / "library.json").is_file()


def default_choice() -> tuple[str, str]:
    """``("mdl", why)`` when the mdl recipe's cache holds a finished library, else quick's."""
    from sklearn_shotgun.library.build import library_cache_dir

    folder = library_cache_dir("mdl")
    if _finished(folder):
        return "mdl", f"default: a finished mdl library is cached in {folder}"
    return "quick", f"default: no finished mdl library in {folder}, so the quick one"


def _record(library: ModelLibrary, label: str, path: Path | None, reason: str) -> dict:
    """What the table's notes say about a library built by ``build_library`` (or not)."""
    recipe = library.metadata.get("recipe") or {}
    sources = []
    for name, info in library_sources(library).items():
        oob = info.get("oob") or {}
        sources.append(
            {
                "name": name,
                "dataset": info.get("dataset") or "",
                "models": int(info.get("n_models") or 0),
                "rows": info.get("n_rows"),
                "seconds": info.get("seconds"),
                "oob_r2_median": oob.get("r2_median", info.get("r2_median")),
            }
        )
    sha = recipe.get("sha256") or hashlib.sha256("\n".join(library.ids).encode()).hexdigest()
    # A smaller build of a recipe (build_library's n_models) shares the recipe's text and sha256.
    n_models = recipe.get("n_models")
    return {
        "label": label,
        "recipe": (recipe.get("name") or "(no recipe recorded)")
        + (f" ({n_models} networks per source)" if n_models else ""),
        "sha256": sha,
        "path": str(path) if path else "",
        "n_models": len(library),
        "n_sources": len(sources),
        "build_seconds": library.metadata.get("build_seconds"),
        "sources": sources,
        "reason": reason,
        # Results of different libraries must never be mixed in the resumable results CSV.
        "cache_key": f"{recipe.get('name') or Path(label).name}-{sha[:12]}"
        + (f"-n{n_models}" if n_models else ""),
    }


def resolve(
    spec: str | None, n_models: int = 8, n_jobs: int | None = None, verbose: bool = True
) -> tuple[ModelLibrary, dict]:
    """The library named by ``run.py --library`` and its record (see the module docstring).

    Parameters
    ----------
    spec : str or None
        ``"quick"``, ``"mdl"``, ``"own"``, a library directory, or None for
        :func:`default_choice`.
    n_models : int
        Networks per source of the ``own`` recipe (the recipes set their own).
    n_jobs : int, optional
        Workers of ``build_library`` when a recipe's library has to be built.

    Returns
    -------
    library : ModelLibrary
    record : dict
        ``label``, ``recipe``, ``sha256``, ``path``, ``n_models``, ``n_sources``,
        ``build_seconds``, ``sources`` (name, dataset, models, rows, seconds, OOB R2 median),
        ``reason`` (why this library) and ``cache_key`` (of the results file).
    """
    from sklearn_shotgun.library import build_library
    from sklearn_shotgun.library.build import library_cache_dir, load_recipe

    reason = "chosen with --library"
    if spec is None:
        spec, reason = default_choice()
    if spec == "own":
        library, log = build(n_models, verbose=verbose)
        sources = [
            {
                "name": i["source"].removesuffix(f" ({DATASETS[src[2]]})"),
                "dataset": DATASETS[src[2]],
                "models": i["models"],
                "rows": i["rows"],
                "seconds": i["seconds"],
                "oob_r2_median": i["oob_r2_median"],
            }
            for i, src in zip(log, SOURCES, strict=True)
        ]
        record = {
            "label": "own",
            "recipe": f"benchmarks/accuracy/library.py ({n_models} networks per source)",
            "sha256": recipe_hash(n_models),
            "path": "",
            "n_models": len(library),
            "n_sources": len(sources),
            "build_seconds": round(sum(i["seconds"] for i in log), 1),
            "sources": sources,
            "reason": reason,
            "cache_key": str(n_models),  # the name the published results were cached under
        }
        return library, record
    if spec in RECIPES:
        folder = library_cache_dir(spec)
        sha = hashlib.sha256(load_recipe(spec).text.encode()).hexdigest()
        library = ModelLibrary.load(folder) if _finished(folder) else None
        if library is not None and (library.metadata.get("recipe") or {}).get("sha256") == sha:
            reason += f"; cached build in {folder}"
        else:
            if verbose:
                print(f"building the {spec} library into {folder} (resumable)", flush=True)
            if Path(DEFAULT_DATA_DIR).is_dir():
                # The sources then read the same (sha256-checked) copies as the tasks do,
                # instead of downloading them into the user cache.
                os.environ.setdefault("SKLEARN_SHOTGUN_DATA", str(DEFAULT_DATA_DIR))
            start = time.perf_counter()
            build_library(spec, folder, n_jobs=n_jobs, verbose=int(verbose))
            reason += f"; built now in {time.perf_counter() - start:.0f} s, into {folder}"
            library = ModelLibrary.load(folder)
        return library, _record(library, spec, folder, reason)
    folder = Path(spec).expanduser()
    if not _finished(folder):
        raise ValueError(
            f"--library {spec!r}: not one of quick, mdl, own, nor a library directory "
            "(no library.json there)"
        )
    library = ModelLibrary.load(folder)
    return library, _record(library, str(folder), folder, reason)
