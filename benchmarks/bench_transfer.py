"""Speed of the transfer search over a 1,000-model pool (polymer Cp, 58 rows, 5-fold CV).

Run: ``.venv/bin/python benchmarks/bench_transfer.py [--n-models 1000] [--n-jobs 2]``.

A pool is pretrained on QM9 Cv with few epochs (speed, not quality, is measured here) and
saved under ``--pool`` (reused when present). In one run the script times
``ShotgunTransferRegressor`` with ``search="grid"`` (every candidate, 5-fold CV) and with
``search="screen"`` (batched leave-one-out ridge screen, then the grid on the top 20),
and a naive scikit-learn search: ``GridSearchCV(Pipeline([featurizer+frozen net,
forest]))`` over the same candidates, which re-featurizes and re-runs the network in
every fold. The naive search is timed on ``--naive-subset`` candidates and extrapolated
linearly. Goals on a 2-core machine: grid <= 120 s, screen <= 20 s, grid >= 20x faster
than the naive search.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

from sklearn_shotgun import (
    FingerprintFeaturizer,
    FrozenNetFeaturizer,
    ModelLibrary,
    ShotgunPretrainer,
    ShotgunTransferRegressor,
)
from sklearn_shotgun.datasets import load_qm9, load_radonpy


def pool(path: Path, n_models: int, n_jobs: int) -> ModelLibrary:
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
            max_epochs=5,
            early_stopping=None,
            random_state=0,
            n_jobs=n_jobs,
            property="Cv",
            dataset="QM9",
            material="molecule",
        )
        .fit(qm9["SMILES"].tolist(), qm9["Heatcapacity_Cv_cal_mol_K"].to_numpy())
        .library_
    )
    print(
        f"pretrained {n_models} models (5 epochs, 5,000 QM9 rows) in "
        f"{time.perf_counter() - start:.0f} s"
    )
    library.save(path)
    return library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-models", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--naive-subset", type=int, default=20)
    parser.add_argument("--pool", type=Path, default=Path("runs/bench_pool"))
    args = parser.parse_args()

    library = pool(args.pool, args.n_models, args.n_jobs)
    polymers = load_radonpy().dropna(subset=["Cp"]).sample(n=58, random_state=0)
    X, y = polymers["smiles"].tolist(), polymers["Cp"].to_numpy()
    cv = KFold(5, shuffle=True, random_state=0)
    print(
        f"{len(library)} candidates (last hidden layer), {len(y)} polymers, 5-fold CV, "
        f"n_jobs={args.n_jobs}"
    )

    times = {}
    for search in ("grid", "screen"):
        model = ShotgunTransferRegressor(
            library, search=search, top_k=20, cv=cv, n_jobs=args.n_jobs, random_state=0
        )
        start = time.perf_counter()
        model.fit(X, y)
        times[search] = time.perf_counter() - start
        print(
            f"search={search!r:9} {times[search]:7.1f} s   best {model.best_source_} "
            f"inner CV MAE {-model.best_score_:.0f} J/(kg K)"
        )

    subset = list(library)[: args.naive_subset]
    naive = GridSearchCV(
        Pipeline(
            [
                ("frozen", FrozenNetFeaturizer(subset[0])),
                ("head", RandomForestRegressor(n_estimators=43, random_state=0)),
            ]
        ),
        {"frozen__source": subset},
        cv=cv,
        scoring="neg_mean_absolute_error",
        n_jobs=args.n_jobs,
    )
    start = time.perf_counter()
    naive.fit(X, y)
    per_candidate = (time.perf_counter() - start) / len(subset)
    times["naive"] = per_candidate * len(library)
    print(
        f"naive Pipeline GridSearchCV: {per_candidate * len(subset):.1f} s for "
        f"{len(subset)} candidates -> {times['naive']:.0f} s extrapolated to {len(library)}"
    )
    print(f"grid   / goal 120 s              {times['grid']:7.1f} s")
    print(f"screen / goal  20 s              {times['screen']:7.1f} s")
    print(f"naive / grid                     {times['naive'] / times['grid']:7.1f}x (goal >= 20x)")
    print(f"naive / screen                   {times['naive'] / times['screen']:7.1f}x")


if __name__ == "__main__":
    main()
