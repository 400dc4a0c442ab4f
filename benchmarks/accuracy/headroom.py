"""Headroom of a source library: what is there to select, before any selection.

``run.py`` measures what the defaults' *search* reaches by nested CV. This asks the question
before it: how good is the best candidate the library offers at all? For every task and draw
of the accuracy benchmark, every candidate of the transfer search (each (source network,
hidden layer) pair with the target's descriptor appended, the library-prediction candidates,
and the no-transfer forests and ridge models on each descriptor; each with the forest and the
ridge head) is cross-validated on the benchmark's *outer* folds of that draw
(``KFold(5, shuffle=True, random_state=draw)``, the folds of ``run.py``), once with the
library and once with its untrained twin (:func:`sklearn_shotgun.untrained_library`, seeded
by the draw).

It runs through the public API: a ``ShotgunTransferRegressor(search="grid", head=("forest",
"linear"))`` whose ``cv`` is the outer splitter, so its ``transfer_table_`` holds each
candidate's MAE on the outer test folds. (The refit on all rows at the end of that ``fit`` is
not used.)

Per task it prints, as ratios to the best no-transfer model in hindsight (the best of the
forest and ridge models on one descriptor, by its MAE averaged over the draws, as in
``run.py``):

- **oracle**: the best candidate of each draw, chosen on the test folds, averaged over draws.
  No selection rule can do better with these candidates and heads: a goal below it is out of
  reach of this library whatever the search does. (It is optimistic by the winner's curse of
  choosing among hundreds of noisy scores: a real search gets less. The same oracle over the
  no-transfer models alone shows how much of it per-draw choice alone gives.)
- **best fixed**: the one transfer candidate (same source network, layer and head in every
  draw) with the lowest mean ratio; less optimistic than the oracle;
- the 10th and 50th percentiles of the transfer candidates' ratios, and the share of them
  below 1;
- the same for the untrained twin: where the pretrained population is no better than the
  untrained one, pretraining gave the candidates nothing that random features of the same
  descriptors do not.

Results are cached (``~/.cache/sklearn_shotgun/accuracy/headroom-<library key><tag>.csv``) per
(task, draw) and resumed; the table goes to ``--out`` (``headroom.md`` and ``headroom.csv``).

    python benchmarks/accuracy/headroom.py --library quick --draws 5 \\
        --tasks radonpy_cp radonpy_tc radonpy_ri md_tg polyverse_gap_chain
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guard import drop_leaked
from library import resolve
from run import _names
from tasks import draws, load_tasks

from sklearn_shotgun import ShotgunTransferRegressor, untrained_library

ROOT = Path(__file__).resolve().parents[2]
#: Candidates that use no source network, as ``transfer_table_["source"]`` names them.
PLAIN = "no transfer"
PREDICTIONS = "library predictions"


def candidate_scores(library, X, y, draw: int, n_jobs: int | None = None) -> pd.DataFrame:
    """Every candidate's MAE on the outer folds of ``draw``: one row per candidate.

    Columns ``candidate`` (source, layer, head and appended descriptor, the same name in
    every draw for the same network), ``kind`` (``"plain"``, ``"predictions"`` or
    ``"transfer"``) and ``mae`` (mean over the 5 outer test folds).
    """
    search = ShotgunTransferRegressor(
        library,
        search="grid",
        head=("forest", "linear"),
        cv=KFold(5, shuffle=True, random_state=draw),
        random_state=draw,
        n_jobs=n_jobs,
        ensemble=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sources left out, coverage: expected
        search.fit(X, y)
    table = search.transfer_table_
    kind = np.where(
        table["source"] == PLAIN,
        "plain",
        np.where(table["source"] == PREDICTIONS, "predictions", "transfer"),
    )
    name = [
        f"{r.source}@{r.layer}/{r.head}+{r.descriptor}"
        for r in table[["source", "layer", "head", "descriptor"]].itertuples()
    ]
    return pd.DataFrame({"candidate": name, "kind": kind, "mae": table["cv_mae_mean"]})


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, weights): oracle, best fixed candidate and percentiles as ratios."""
    rows = []
    for task, frame in raw.groupby("task", sort=False):
        plain = frame[(frame["kind"] == "plain") & (frame["weights"] == "pretrained")]
        by_model = plain.groupby("candidate")["mae"].mean()
        reference = by_model.idxmin()
        ref = plain[plain["candidate"] == reference].set_index("draw")["mae"]
        for weights, part in frame.groupby("weights", sort=False):
            ratio = part["mae"] / part["draw"].map(ref).to_numpy()
            part = part.assign(ratio=ratio)
            transfer = part[part["kind"] == "transfer"]
            # The untrained twin's ids end in "-untrained": one name per network in every draw.
            fixed = transfer.groupby("candidate")["ratio"].mean()
            rows.append(
                {
                    "task": task,
                    "weights": weights,
                    "draws": part["draw"].nunique(),
                    "reference": reference,
                    "reference_mae": ref.mean(),
                    "candidates": int(len(part) / part["draw"].nunique()),
                    "oracle": part.groupby("draw")["ratio"].min().mean(),
                    "oracle_plain": part[part["kind"] == "plain"]
                    .groupby("draw")["ratio"]
                    .min()
                    .mean(),
                    "oracle_transfer": transfer.groupby("draw")["ratio"].min().mean(),
                    "best_fixed": fixed.min(),
                    "best_fixed_candidate": fixed.idxmin(),
                    "p10": transfer["ratio"].quantile(0.1),
                    "p50": transfer["ratio"].median(),
                    "share_below_1": float((transfer["ratio"] < 1).mean()),
                }
            )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    lines = [
        "| task | weights | reference: MAE | oracle | oracle, no transfer | oracle, transfer "
        "only | best fixed transfer candidate | p10 | p50 | share below 1 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.task} ({r.draws}) | {r.weights} | {r.reference}: {r.reference_mae:.4g} | "
            f"{r.oracle:.3f} | {r.oracle_plain:.3f} | {r.oracle_transfer:.3f} | "
            f"{r.best_fixed:.3f} | {r.p10:.3f} | {r.p50:.3f} | {r.share_below_1:.0%} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library", default="quick", help="as run.py's --library")
    parser.add_argument("--tasks", nargs="*", default=None, help="NAME[,NAME] (run.py --list)")
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--tag", default="", help="suffix of the cached results file")
    parser.add_argument("--out", default=None, help="folder of headroom.md/csv")
    args = parser.parse_args()
    names = _names(args.tasks) or None  # none named: every task
    library, record = resolve(args.library, n_jobs=args.n_jobs)
    tasks = load_tasks(names=names)
    cache = Path.home() / ".cache" / "sklearn_shotgun" / "accuracy"
    cache.mkdir(parents=True, exist_ok=True)
    raw_path = cache / f"headroom-{record['cache_key']}{args.tag}.csv"
    raw = pd.read_csv(raw_path) if raw_path.exists() else pd.DataFrame()
    for task in tasks:
        kept, _ = drop_leaked(library, (task.dataset, *task.related))
        for d, rows in enumerate(draws(task, args.draws)):
            if len(raw) and ((raw["task"] == task.name) & (raw["draw"] == d)).any():
                continue
            X, y = [task.X[i] for i in rows], task.y[rows]
            t0 = time.perf_counter()
            parts = []
            for weights, lib in (
                ("pretrained", kept),
                ("untrained", untrained_library(kept, random_state=d)),
            ):
                scores = candidate_scores(lib, X, y, d, n_jobs=args.n_jobs)
                parts.append(scores.assign(task=task.name, draw=d, weights=weights))
            raw = pd.concat([raw, *parts], ignore_index=True)
            tmp = raw_path.with_suffix(".tmp")
            raw.to_csv(tmp, index=False)
            tmp.replace(raw_path)  # atomic: an interrupted run keeps the draws before it
            print(f"{task.name} draw {d}: {time.perf_counter() - t0:.0f} s", flush=True)
    raw = raw[raw["task"].isin([t.name for t in tasks]) & (raw["draw"] < args.draws)]
    table = summarise(raw)
    text = markdown(table)
    print(text)
    out = Path(args.out) if args.out else ROOT / "runs" / f"headroom-{record['cache_key']}"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "headroom.csv", index=False)
    (out / "headroom.md").write_text(text + "\n")
    print(f"wrote {out / 'headroom.md'}")


if __name__ == "__main__":
    main()
