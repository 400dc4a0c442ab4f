"""``build_library``: one model library over many source properties, built from a recipe.

The output directory is a library (``ModelLibrary.load(out_dir)`` reads it; a transfer
estimator takes it as ``library=out_dir``) plus the build's working files::

    out_dir/
      library.json, shards/, README.md     the library over every source of the recipe
      checkpoints/<source>-<key>/          the source's pretrainer checkpoint (chunks)
      checkpoints/<source>-<key>/build.json  its rows and accumulated build seconds

``<key>`` is a digest of the source's settings (everything but ``n_models``) and of its
data, so an edited source trains into a new folder while an unchanged one is re-used:

- **resumable**: an interrupted build (crash, Ctrl-C, a raising ``callback``) keeps every
  finished chunk; building again trains only the missing networks, and the final library
  equals an uninterrupted build's, bit for bit;
- **growable**: raising a source's ``n_models`` trains only the new networks; the first ones
  are re-used unchanged (see ``ShotgunPretrainer``'s ``checkpoint_dir``).

The library is written last: ``library.json`` is removed first and put back, atomically,
once the new shards are in place, so a crash never leaves a ``library.json`` that points at
missing or other shards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import warnings
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from sklearn_shotgun._io import atomic_write_text
from sklearn_shotgun._targets import defined_rows
from sklearn_shotgun.library._quality import WEAK_R2, warn_weak
from sklearn_shotgun.library._recipe import Recipe, RecipeError, Source, load_recipe
from sklearn_shotgun.library.library import ModelLibrary
from sklearn_shotgun.library.source_model import _descriptor_label, featurizer_spec

__all__ = ["RecipeError", "build_library", "library_cache_dir", "load_recipe"]


def library_cache_dir(recipe: str | os.PathLike | Recipe) -> Path:
    """Where a shipped or given recipe's library is cached for reuse (e.g. by the demo).

    ``$SKLEARN_SHOTGUN_LIBRARIES/<name>-<sha256 of the recipe text, 12 digits>``, by default
    under ``~/.cache/sklearn_shotgun/libraries``: an edited recipe gets a new folder.
    """
    recipe = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    root = os.environ.get("SKLEARN_SHOTGUN_LIBRARIES") or (
        Path.home() / ".cache" / "sklearn_shotgun" / "libraries"
    )
    digest = hashlib.sha256(recipe.text.encode()).hexdigest()[:12]
    return Path(root).expanduser() / f"{recipe.name}-{digest}"


def _source_seed(random_state: int, name: str) -> int:
    """A source's seed: independent of the order of the sources and of the others' names."""
    sequence = np.random.SeedSequence([random_state, zlib.crc32(name.encode())])
    return int(sequence.generate_state(1)[0])


def _valid_rows(items: list[Any], featurizer: Any) -> np.ndarray:
    """Boolean mask of the inputs the featurizer reads without a NaN."""
    from sklearn_shotgun.featurizers import DescriptorFeaturizer
    from sklearn_shotgun.featurizers.fingerprint import molecule_or_invalid

    if isinstance(featurizer, DescriptorFeaturizer):
        # Computing every descriptor twice would double the build's slowest step: check
        # that each SMILES parses (as the featurizer does); the pretrainer reports the rest.
        from rdkit import rdBase

        bad: list = []
        with rdBase.BlockLogs():  # invalid rows are counted in the build record, not logged
            for row, item in enumerate(items):
                molecule_or_invalid(item, row, featurizer.polymer, "nan", bad)
        keep = np.ones(len(items), dtype=bool)
        keep[[b[0] for b in bad]] = False
        return keep
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the invalid rows are counted in the build record
        D = featurizer.set_params(errors="nan").fit_transform(items)
    values = D.toarray() if hasattr(D, "toarray") else np.asarray(D, dtype=float)
    return np.isfinite(values).all(axis=1)


def _load_source(source: Source, seed: int) -> tuple[list[Any], np.ndarray, dict[str, int]]:
    """The source's inputs and targets: rows with missing values and invalid inputs left out,
    then ``n_samples`` of them drawn without replacement (in data set order)."""
    from sklearn_shotgun.datasets import DATASETS, fetch_dataset

    bunch = fetch_dataset(source.dataset, target=source.target)
    data = bunch.data
    if data.ndim == 2:
        data = data[:, list(DATASETS[source.dataset].inputs).index(source.input)]
    items, y = list(data), np.asarray(bunch.target, dtype=np.float64)
    counts = {"n_rows_data": len(bunch.frame), "n_rows_valid_target": len(items)}
    if source.target_transform == "log10":
        # Cheap to check before sampling; the per-size forms are checked on the sample.
        positive = y > 0
        items, y = [x for x, k in zip(items, positive, strict=True) if k], y[positive]
    if source.n_samples is not None and source.n_samples < len(items):
        # Oversample before the (slower) validity check, then keep n_samples valid rows.
        rng = np.random.default_rng(seed)
        order = np.sort(rng.permutation(len(items))[: int(source.n_samples * 1.05) + 10])
        items, y = [items[i] for i in order], y[order]
    featurizer = source.make_featurizer()
    keep = _valid_rows(items, featurizer)
    counts["n_invalid_inputs"] = int((~keep).sum())
    items, y = [x for x, k in zip(items, keep, strict=True) if k], y[keep]
    inputs = "formula" if getattr(featurizer, "input", None) == "formula" else "smiles"
    defined = defined_rows(source.target_transform, items, y, inputs=inputs)
    # Rows whose target form is undefined (no heavy atom for per_heavy_atom: "[HH]").
    counts["n_undefined_target_form"] = int((~defined).sum())
    items, y = [x for x, k in zip(items, defined, strict=True) if k], y[defined]
    if source.n_samples is not None and source.n_samples < len(items):
        rows = np.sort(np.random.default_rng(seed + 1).permutation(len(items))[: source.n_samples])
        items, y = [items[i] for i in rows], y[rows]
    counts["n_rows"] = len(items)
    return items, y, counts


def _checkpoint_key(source: Source, seed: int, items: list[Any], y: np.ndarray) -> str:
    digest = hashlib.sha256()
    settings = {k: v for k, v in source.__dict__.items() if k not in ("n_models", "name")}
    digest.update(json.dumps([settings, seed], sort_keys=True, default=str).encode())
    digest.update("\0".join(map(str, items)).encode())
    digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()[:12]


def _oob(models: list[Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for metric in ("r2", "mae"):
        values = np.array([m.metrics.get(metric, np.nan) for m in models], dtype=float)
        values = values[np.isfinite(values)]
        for name, fn in (("median", np.median), ("min", np.min), ("max", np.max)):
            out[f"{metric}_{name}"] = float(fn(values)) if len(values) else None
    return out


def _write_library(library: ModelLibrary, out: Path) -> None:
    """Put the library files into ``out`` beside the checkpoints (see the module docstring)."""
    staging = out / ".library-staging"
    if staging.exists():
        shutil.rmtree(staging)
    library.save(staging)
    (out / "library.json").unlink(missing_ok=True)
    if (out / "shards").exists():
        shutil.rmtree(out / "shards")
    os.replace(staging / "shards", out / "shards")
    os.replace(staging / "README.md", out / "README.md")
    os.replace(staging / "library.json", out / "library.json")
    shutil.rmtree(staging)


def _summary_table(records: dict[str, dict[str, Any]]) -> str:
    import pandas as pd

    rows = []
    for name, r in records.items():
        rows.append(
            {
                "source": name,
                "property": r["property"]
                + (f" {r['target_transform']}" if r["target_transform"] else ""),
                "descriptor": r["descriptor"],
                "rows": r["n_rows"],
                "models": r["n_models"],
                "seconds": round(r["seconds"], 1),
                "OOB R2 (median)": r["oob"]["r2_median"],
                "OOB R2 (min)": r["oob"]["r2_min"],
                "OOB MAE (median)": r["oob"]["mae_median"],
                "weak": "WEAK" if r["weak"] else "",
            }
        )
    with pd.option_context("display.float_format", "{:.3g}".format, "display.width", 200):
        return pd.DataFrame(rows).to_string(index=False)


def build_library(
    recipe: str | os.PathLike | Recipe,
    out_dir: str | os.PathLike,
    n_jobs: int | None = None,
    verbose: int = 1,
    random_state: int | None = None,
    *,
    callback: Any = None,
    n_models: int | None = None,
) -> Path:
    """Pretrain every source of a recipe into one library directory (resumable, growable).

    Parameters
    ----------
    recipe : str, path or Recipe
        A shipped recipe name (``"quick"``: a few sources in minutes; ``"mdl"``: the full
        library over molecules, polymers and inorganic compounds), a TOML file (see
        ``sklearn_shotgun.library._recipe`` for the format) or a loaded recipe.
    out_dir : path
        The library directory; it may hold an earlier (partial) build of any recipe, whose
        finished networks are re-used where the source's settings and data are unchanged.
    n_jobs : int, optional
        joblib workers over each source's chunks of networks (``ShotgunPretrainer``). With
        one worker (the default) the progress bar advances as each network finishes; with
        several, as each chunk finishes.
    verbose : int, default=1
        0: silent. 1: one progress bar over every network of the recipe (the estimate of
        the time left comes from the networks trained so far; loading and featurizing a
        source shows as a pause) and a summary table at the end.
    random_state : int, optional
        Seed of the whole library (default: the recipe's ``random_state``). Each source gets
        its own seed from it and from its name, so adding or reordering sources changes no
        other source's networks.
    callback : callable, optional
        Called as ``callback(n)`` after every ``n`` networks trained (not for re-used ones);
        an exception it raises stops the build, which a later call resumes.
    n_models : int, optional
        Networks per source for every source, in place of the recipe's: a smaller build of
        the same recipe for a first look (the ``mdl`` recipe at 16 instead of 64 took 22 min
        instead of 62 on 2 cores), recorded as ``metadata["recipe"]["n_models"]``. Each
        source's networks are the first of the full build (same architectures, rows and
        seeds; the weights agree to float32 rounding, since the engine trains them in groups
        of another size), and a later call without it, into the same directory, trains only
        the rest. With fewer networks than the directory holds, nothing is trained: the
        library is written from the first networks of each source (the others' checkpoints
        stay).

    Returns
    -------
    pathlib.Path
        ``out_dir``; ``ModelLibrary.load(out_dir)`` reads the library. Its ``metadata``
        holds the recipe (name, sha256, random seed) and, per source, the data set, rows,
        build seconds (summed over interrupted runs), out-of-bag metrics and a ``weak`` flag
        (median out-of-bag R2 below 0.5, also warned about).

    Raises
    ------
    RecipeError
        For an invalid recipe (a ``ValueError`` naming the file and the source).

    Notes
    -----
    The batched engine runs each op on one torch thread and trains as many groups of
    networks side by side as torch has threads (``cpu_count // n_jobs`` per worker with
    ``n_jobs`` workers): on a 2-core machine shared with other jobs (load average 5 to 9),
    16 networks on 8,000 formulas had taken 360-400 s wall and 190-200 s CPU with each op
    split over two threads, 53 s and 25 s on one. A finished library is cached for reuse
    under ``sklearn_shotgun.library.build.library_cache_dir``.

    Examples
    --------
    >>> from sklearn_shotgun.library import build_library
    >>> from sklearn_shotgun.library.build import library_cache_dir
    >>> path = build_library("quick", library_cache_dir("quick"))  # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    from sklearn_shotgun import ShotgunPretrainer

    recipe = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    if n_models is not None:
        if isinstance(n_models, bool) or not isinstance(n_models, int | np.integer) or n_models < 1:
            raise ValueError(f"n_models must be a positive integer, got {n_models!r}")
        sources = tuple(replace(s, n_models=int(n_models)) for s in recipe.sources)
        recipe = replace(recipe, sources=sources)
    seed = recipe.random_state if random_state is None else random_state
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"random_state must be a non-negative integer, got {random_state!r}")
    out = Path(out_dir)
    if out.is_file():
        raise FileExistsError(f"{out} is a file, not a library directory")
    known = (out / "library.json").exists() or (out / "checkpoints").is_dir()
    if out.is_dir() and any(out.iterdir()) and not known:
        raise FileExistsError(
            f"{out} is a non-empty directory that holds no library build; refusing to write into it"
        )
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)

    plans = []
    for source in recipe.sources:
        source_seed = _source_seed(int(seed), source.name)
        items, y, counts = _load_source(source, source_seed)
        folder = (
            out / "checkpoints" / f"{source.name}-{_checkpoint_key(source, source_seed, items, y)}"
        )
        pretrainer = ShotgunPretrainer(
            source.make_featurizer(),
            n_models=source.n_models,
            random_state=source_seed,
            checkpoint_dir=folder,
            n_jobs=n_jobs,
            verbose=0,
            property=source.property,
            units=source.units,
            material=source.material,
            dataset=source.dataset,
            target_transform=source.target_transform,
            **source.pretrainer_params(),
        )
        saved = pretrainer._chunk_plan(folder if folder.is_dir() else None)
        n_saved = sum(stop - start for start, stop, path, _ in saved if path is not None)
        plans.append((source, items, y, counts, folder, pretrainer, saved, n_saved))

    bar = tqdm(
        total=sum(s.n_models for s in recipe.sources),
        initial=sum(p[-1] for p in plans),
        desc=f"building {recipe.name}",
        unit="model",
        disable=not verbose,
        smoothing=0.1,
    )

    def step(n: int) -> None:
        bar.update(n)
        if callback is not None:
            callback(n)

    records: dict[str, dict[str, Any]] = {}
    models = []
    try:
        for source, items, y, counts, folder, pretrainer, saved, n_saved in plans:
            record_path = folder / "build.json"
            record = json.loads(record_path.read_text()) if record_path.exists() else {}
            if n_saved == source.n_models:
                pool = [
                    m
                    for start, stop, path, _ in saved
                    for m in list(ModelLibrary.load(path))[: stop - start]
                ]
            else:
                bar.set_postfix_str(source.name)
                start, cpu = time.perf_counter(), time.process_time()
                try:
                    pool = list(pretrainer.fit(items, y, callback=step).library_)
                finally:
                    # Time spent on networks that were saved counts even if the run stops.
                    record["seconds"] = record.get("seconds", 0.0) + time.perf_counter() - start
                    record["cpu_seconds"] = (
                        record.get("cpu_seconds", 0.0) + time.process_time() - cpu
                    )
                    folder.mkdir(parents=True, exist_ok=True)
                    atomic_write_text(record_path, json.dumps(record, indent=1))
            for model in pool:
                model.training = {**model.training, "source": source.name}
            models.extend(pool)
            oob = _oob(pool)
            records[source.name] = {
                "dataset": source.dataset,
                "input": source.input,
                "target": source.target,
                "property": source.property,
                "target_transform": source.target_transform,
                "units": source.units,
                "material": source.material,
                "descriptor": _descriptor_label(featurizer_spec(source.make_featurizer())),
                "featurizer": featurizer_spec(source.make_featurizer()),
                "licence": source.licence,
                **counts,
                "n_models": len(pool),
                "seconds": round(record.get("seconds", 0.0), 2),
                "cpu_seconds": round(record.get("cpu_seconds", 0.0), 2),
                "oob": oob,
                "weak": oob["r2_median"] is not None and oob["r2_median"] < WEAK_R2,
                "checkpoint": folder.relative_to(out).as_posix(),
            }
    finally:
        bar.close()

    library = ModelLibrary(
        models,
        name=recipe.name,
        description=recipe.description,
        license=recipe.license,
        metadata={
            "recipe": {
                "name": recipe.name,
                "sha256": hashlib.sha256(recipe.text.encode()).hexdigest(),
                "random_state": int(seed),
                # Only when the recipe's counts were overridden: the text's sha256 alone
                # would not tell this build from the full one.
                **({} if n_models is None else {"n_models": int(n_models)}),
            },
            "build_seconds": round(sum(r["seconds"] for r in records.values()), 1),
            "sources": records,
        },
    )
    _write_library(library, out)
    warn_weak(
        [
            {
                "property": m.property,
                "target_transform": m.target_transform,
                "descriptor": m.descriptor,
                "dataset": m.dataset,
                "training": m.training,
                "metrics": m.metrics,
            }
            for m in models
        ],
        f"build_library({recipe.name!r})",
    )
    if verbose:
        print(_summary_table(records))
        print(f"{len(models)} networks over {len(records)} sources in {out}")
    return out
