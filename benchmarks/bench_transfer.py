"""Speed of the transfer search: heads, screen and grid, with one and two jobs (polymer Cp).

Run: ``.venv/bin/python benchmarks/bench_transfer.py [--quick] [--n-models 1000]``
(with ``SKLEARN_SHOTGUN_DATA=/work/shared/data`` or a data cache).

Everything is measured in one run, interleaved (every repeat times each variant once, in
turn) and the best of ``--repeats`` is kept, so that ratios stay meaningful on a shared,
loaded machine; the ``uptime`` load averages are printed at the start and the end, and
each search's CPU time: with the kernel's autogroup scheduling (Linux desktops and many
shared hosts) a session's threads share one session's slice of the CPUs, so on a machine
busy with other sessions ``n_jobs=2`` cannot run faster than ``n_jobs=1`` however well the
work splits ("cores busy" then stays near the session's share). Before each pool a
"headroom" line measures what two threads gain on plain forest fits at that moment: the
most ``n_jobs=2`` can gain there.

1. Heads: ``SmallForestRegressor`` (the transfer heads, a compiled builder for small data)
   and ``FastRandomForestRegressor`` (scikit-learn's builder without its per-tree Python
   overhead, the baseline's forest) against scikit-learn's ``RandomForestRegressor``, 100
   trees, ``n_jobs=1``, fit and predict on a 48 x 300 and a 48 x 30 count matrix (Poisson
   counts, like a fingerprint block). The fast forest is scikit-learn's, tree for tree; the
   small forest is the same model with other random streams (its test error is printed
   beside scikit-learn's, mean of 5 seeds on 200 held-out rows).
2. A representative pool: ``--n-models`` networks pretrained on QM9 Cv with count Morgan
   fingerprints and ``max_sparsity=0.99`` (279 inputs per network on these 5,000 rows,
   where ``max_sparsity=0.9`` gave 31; one epoch, since speed, not quality, is measured),
   cached under ``--pool``.
3. A multi-property library: the cached ``mdl`` library (``build_library("mdl")``, 42
   properties over molecules, polymers and inorganic compounds, 2,688 networks) or else the
   cached ``quick`` one (six properties) when present, else a small
   multi-property pool pretrained here (QM9 Cv, polarizability and HOMO-LUMO gap).

For each pool, on 58 RadonPy polymers (Cp, 5-fold inner CV, ``layers="last"`` by default
so that a source is one candidate, the estimator's defaults otherwise) the script times
``search="screen"`` over every candidate and ``search="grid"`` over the candidates of
``--grid-sources`` sources, with ``n_jobs=1`` and ``n_jobs=2``, and reports the time per
candidate by phase (the grid's head CV is extrapolated linearly to the whole pool: each
candidate costs the same five forest fits); then it runs the grid over every candidate of
the pool once, with ``n_jobs=2`` (``--no-full-grid`` skips it). The selected sources of
both ``n_jobs`` settings are checked to be the same.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold

from sklearn_shotgun import (
    FingerprintFeaturizer,
    ModelLibrary,
    ShotgunPretrainer,
    ShotgunTransferRegressor,
    transfer,
)
from sklearn_shotgun._forest import FastRandomForestRegressor
from sklearn_shotgun._small_forest import SmallForestRegressor
from sklearn_shotgun.datasets import load_qm9, load_radonpy


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def best_of(repeats: int, variants: dict) -> dict[str, float]:
    """Best wall time of each variant, the variants run in turn in every repeat."""
    best = dict.fromkeys(variants, np.inf)
    for _ in range(repeats):
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def bench_heads(repeats: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.poisson(0.7, size=(248, 300)).astype(np.float32)
    y = X[:, :10].sum(axis=1) + rng.normal(size=248)
    X, test, y, y_test = X[:48], X[48:], y[:48], y[48:]
    classes = {
        "scikit-learn": RandomForestRegressor,
        "fast": FastRandomForestRegressor,
        "small": SmallForestRegressor,
    }
    # 300 columns: a last hidden layer plus a descriptor block; 30: a last hidden layer alone.
    for width in (300, 30):
        fitted = {}

        def run(name, width=width, fitted=fitted):
            def go():
                model = classes[name](n_estimators=100, random_state=0, n_jobs=1)
                fitted[name] = model.fit(X[:, :width], y)
                fitted[name].predict(test[:, :width])

            return go

        SmallForestRegressor(n_estimators=2).fit(X, y)  # numba's compile or cache load
        t = best_of(repeats, {name: run(name) for name in classes})
        same = np.array_equal(
            fitted["fast"].predict(test[:, :width]),
            fitted["scikit-learn"].predict(test[:, :width]),
        )
        mae = {
            name: np.mean(
                [
                    np.abs(
                        classes[name](n_estimators=100, random_state=seed)
                        .fit(X[:, :width], y)
                        .predict(test[:, :width])
                        - y_test
                    ).mean()
                    for seed in range(5)
                ]
            )
            for name in ("scikit-learn", "small")
        }
        print(
            f"heads (48 x {width}, 100 trees, fit + predict): scikit-learn "
            f"{t['scikit-learn']:.3f} s, fast {t['fast']:.3f} s -> "
            f"{t['scikit-learn'] / t['fast']:.2f}x (identical predictions: {same}), small "
            f"{t['small']:.3f} s -> {t['scikit-learn'] / t['small']:.2f}x (test MAE "
            f"{mae['small']:.3f} vs scikit-learn's {mae['scikit-learn']:.3f})"
        )


def bench_headroom(repeats: int) -> None:
    """What two threads can gain here now: forests fit on one thread, then on two."""
    rng = np.random.default_rng(1)
    X = rng.poisson(0.7, size=(46, 230)).astype(np.float32)
    y = X[:, :10].sum(axis=1) + rng.normal(size=46)

    def work():
        for _ in range(6):
            SmallForestRegressor(n_estimators=100, random_state=0, n_jobs=1).fit(X, y)

    def threads():
        pool = [threading.Thread(target=work) for _ in range(2)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()

    best = {}
    for _ in range(repeats):
        for name, run in (("1 thread", lambda: (work(), work())), ("2 threads", threads)):
            start, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            if wall < best.get(name, (np.inf,))[0]:
                best[name] = (wall, cpu / wall)
    (w1, c1), (w2, c2) = best["1 thread"], best["2 threads"]
    print(
        f"headroom: 12 forests on 1 thread {w1:.2f} s ({c1:.2f} cores busy), on 2 threads "
        f"{w2:.2f} s ({c2:.2f} cores busy) -> {w1 / w2:.2f}x: the most n_jobs=2 can gain now"
    )


def fingerprint_pool(path: Path, n_models: int) -> ModelLibrary:
    if (path / "library.json").exists():
        library = ModelLibrary.load(path)
        if len(library) == n_models:
            return library
    qm9 = load_qm9(n_samples=5000, random_state=0)
    start = time.perf_counter()
    library = (
        ShotgunPretrainer(
            FingerprintFeaturizer(counts=True),
            n_models=n_models,
            max_sparsity=0.99,
            max_epochs=1,
            early_stopping=None,
            random_state=0,
            n_jobs=1,
            verbose=0,
            property="Cv",
            dataset="QM9",
            material="molecule",
        )
        .fit(qm9["SMILES"].tolist(), qm9["Heatcapacity_Cv_cal_mol_K"].to_numpy())
        .library_
    )
    print(
        f"pretrained {n_models} models (1 epoch, 5,000 QM9 rows) in "
        f"{time.perf_counter() - start:.0f} s"
    )
    library.save(path)
    return library


def multi_property_library(path: Path, n_models: int) -> tuple[ModelLibrary, str]:
    try:
        from sklearn_shotgun.library.build import library_cache_dir

        for name in ("mdl", "quick"):  # the larger of the package's libraries, if built
            cached = library_cache_dir(name)
            if (cached / "library.json").exists():
                return ModelLibrary.load(cached), f"cached {name} library ({cached})"
    except ImportError:
        pass
    if (path / "library.json").exists():
        library = ModelLibrary.load(path)
        return library, f"multi-property pool ({path})"
    qm9 = load_qm9(n_samples=2000, random_state=1)
    smiles = qm9["SMILES"].tolist()
    parts = []
    for column, prop in [
        ("Heatcapacity_Cv_cal_mol_K", "Cv"),
        ("Polarizability_bohr3", "polarizability"),
        ("HOMO_LUMO_gap_au", "HOMO-LUMO gap"),
    ]:
        if column not in qm9:
            continue
        pretrainer = ShotgunPretrainer(
            FingerprintFeaturizer(counts=True),
            n_models=n_models,
            max_sparsity=0.99,
            max_epochs=1,
            early_stopping=None,
            random_state=len(parts),
            verbose=0,
            property=prop,
            dataset="QM9",
            material="molecule",
        )
        parts.append(pretrainer.fit(smiles, qm9[column].to_numpy()).library_)
    library = parts[0]
    for part in parts[1:]:
        library = library + part
    library.save(path)
    return library, f"multi-property pool of {len(parts)} QM9 properties ({path})"


class Phases:
    """Wall time of a fit's phases: building the candidates (featurizing, frozen features,
    choosing the appended descriptor), the ridge screen, the head's CV search of the
    (screened) candidates, and the rest (ensemble weights, refit)."""

    current: Phases | None = None

    def __init__(self, model: ShotgunTransferRegressor) -> None:
        self.times: dict[str, float] = {}
        self.n_searched = 0
        self._inside = False
        build, search = model._candidates, model._search

        def timed_build(*args, **kwargs):
            self._inside = True
            start = time.perf_counter()
            try:
                return build(*args, **kwargs)
            finally:
                self.times["candidates"] += time.perf_counter() - start
                self._inside = False

        def timed_search(candidates, *args, **kwargs):
            start = time.perf_counter()
            out = search(candidates, *args, **kwargs)
            if not self._inside:  # not the descriptor choice inside _candidates
                self.times["search"] += time.perf_counter() - start
                self.n_searched = len(candidates)
            return out

        model._candidates, model._search = timed_build, timed_search

    def start(self) -> None:
        self.times = dict.fromkeys(("candidates", "screen", "search"), 0.0)
        Phases.current = self


def _timed_screen(*args, **kwargs):
    start = time.perf_counter()
    out = _ridge_loo_screen(*args, **kwargs)
    Phases.current.times["screen"] += time.perf_counter() - start
    return out


_ridge_loo_screen = transfer.ridge_loo_screen
transfer.ridge_loo_screen = _timed_screen


def bench_pool(name: str, library: ModelLibrary, args, X, y) -> None:
    cv = KFold(5, shuffle=True, random_state=0)
    # Sources spread over the library (a multi-property library lists them by property).
    step = max(1, len(library) // args.grid_sources)
    keep = set(list(library.ids)[::step][: args.grid_sources])
    grid_library = library.filter(lambda m: m.id in keep)
    widths = [len(m.columns) for m in library]
    print(
        f"\n{name}: {len(library)} sources ({min(widths)}-{max(widths)} inputs, median "
        f"{int(np.median(widths))}), layers={args.layers!r}, features={args.features!r}"
    )
    bench_headroom(args.repeats)
    models, best = {}, {}

    def variant(key, lib, search, n_jobs):
        model = ShotgunTransferRegressor(
            lib,
            layers=args.layers,
            features=args.features,
            search=search,
            cv=cv,
            n_jobs=n_jobs,
            random_state=0,
        )
        models[key], timer = model, Phases(model)

        def go():
            timer.start()
            start, cpu = time.perf_counter(), time.process_time()
            model.fit(X, y)
            total = time.perf_counter() - start
            if total < best.get(key, (np.inf,))[0]:
                cpu = time.process_time() - cpu
                best[key] = (total, dict(timer.times), timer.n_searched, cpu)

        return go

    variants = {}
    for n_jobs in (1, 2):
        variants[("screen", n_jobs)] = variant(("screen", n_jobs), library, "screen", n_jobs)
        variants[("grid", n_jobs)] = variant(("grid", n_jobs), grid_library, "grid", n_jobs)
    best_of(args.repeats, variants)
    for search in ("screen", "grid"):
        n = models[(search, 1)].n_candidates_
        label = "all" if search == "screen" else f"{args.grid_sources} sources'"
        print(f"  search={search!r} over {label} {n} candidates (best of {args.repeats}):")
        for n_jobs in (1, 2):
            total, t, n_searched, cpu = best[(search, n_jobs)]
            rest = total - sum(t.values())
            line = (
                f"    n_jobs={n_jobs}: {total:6.1f} s = {1e3 * total / n:6.1f} ms/candidate | "
                f"candidates {t['candidates']:5.1f} s"
            )
            if search == "screen":
                line += (
                    f", ridge screen {t['screen']:5.2f} s ({1e3 * t['screen'] / n:.2f} ms/cand.)"
                )
            line += (
                f", head CV {t['search']:5.1f} s ({n_searched} cand., "
                f"{1e3 * t['search'] / n_searched:.0f} ms/cand.), ensemble+refit {rest:4.1f} s"
                f" | CPU {cpu:5.1f} s ({cpu / total:.2f} cores busy)"
            )
            print(line)
        one, two = best[(search, 1)], best[(search, 2)]
        same = (
            models[(search, 1)].best_source_ == models[(search, 2)].best_source_
            and models[(search, 1)].best_score_ == models[(search, 2)].best_score_
        )
        print(
            f"    n_jobs=1 / n_jobs=2: {one[0] / two[0]:.2f}x (head CV "
            f"{one[1]['search'] / two[1]['search']:.2f}x); same selection and score: {same}"
        )
    _, t, n_searched, _ = best[("grid", 2)]
    n_all = models[("screen", 1)].n_candidates_
    print(
        f"  grid head CV extrapolated to all {n_all} candidates (n_jobs=2): "
        f"{t['search'] / n_searched * n_all:.0f} s"
    )
    if args.full_grid:
        run = variant(("full grid", 2), library, "grid", 2)
        run()
        total, t, n_searched, cpu = best[("full grid", 2)]
        print(
            f"  search='grid' over all {n_all} candidates, n_jobs=2, measured once: "
            f"{total:.1f} s = {1e3 * total / n_all:.1f} ms/candidate | candidates "
            f"{t['candidates']:.1f} s, head CV {t['search']:.1f} s, ensemble+refit "
            f"{total - sum(t.values()):.1f} s | CPU {cpu:.1f} s ({cpu / total:.2f} cores busy)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 sources, 1 repeat")
    parser.add_argument("--n-models", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", default="last", help="the estimator's layers")
    parser.add_argument("--grid-sources", type=int, default=20)
    parser.add_argument(
        "--no-full-grid",
        dest="full_grid",
        action="store_false",
        help="skip the grid search over every candidate of each pool (measured once)",
    )
    parser.add_argument("--features", default="frozen+descriptor", help="the estimator's features")
    parser.add_argument("--pool", type=Path, default=Path("runs/bench_transfer_pool"))
    parser.add_argument("--skip", nargs="*", default=[], choices=["heads", "pool", "library"])
    args = parser.parse_args()
    # Weak-source and coverage warnings of the fast-pretrained pools are expected here.
    warnings.simplefilter("ignore", UserWarning)
    if args.quick:
        args.n_models, args.repeats, args.grid_sources = 100, 1, 5
    print(f"start: {load()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    if "heads" not in args.skip:
        bench_heads(args.repeats)
    polymers = load_radonpy().dropna(subset=["Cp"]).sample(n=58, random_state=0)
    X, y = polymers["smiles"].tolist(), polymers["Cp"].to_numpy()
    if "pool" not in args.skip:
        pool = fingerprint_pool(
            args.pool.with_name(f"{args.pool.name}_{args.n_models}"), args.n_models
        )
        bench_pool("count-fingerprint pool (QM9 Cv, max_sparsity=0.99)", pool, args, X, y)
    if "library" not in args.skip:
        library, name = multi_property_library(args.pool.with_name(f"{args.pool.name}_multi"), 16)
        bench_pool(name, library, args, X, y)
    print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
