"""Accuracy benchmark: does transfer beat the best model one would fit without it?

For every small-data task (``tasks.py``) and each of its fixed random draws, every method
is scored by nested cross-validation on the *same* outer folds
(:func:`sklearn_shotgun.evaluate_transfer` with a dict of variants):

- no-transfer baselines: a random forest and a linear model (ridge on standardised
  features, penalty by leave-one-out error: the transfer search's "linear" head) on each
  descriptor the inputs allow (count Morgan fingerprints, RDKit 2D descriptors,
  compositions), and ``NoTransferRegressor``, which picks among the forests by inner CV
  (``evaluate_transfer``'s default baseline);
- transfer with the package defaults, and each option (``--variants``);
- the untrained control: the first variant's search over the same architectures with
  random weights (named after that variant in the table).

The reference of each task is the *best* of the single-descriptor no-transfer models
(forests and linear models), chosen by their nested score (which favours the baseline: the
choice is made on the test folds). Ratios are
transfer MAE / that MAE, per draw and averaged; a win is a draw where the ratio is below 1.
The inner-CV score of the defaults' selection is printed too, labelled optimistic.

The sources come from ``--library`` (``library.py``): the package's ``quick`` or ``mdl``
recipe (built once into its cache folder), the benchmark's ``own`` recipe (that of the
published table) or a library directory; by default ``mdl`` when a finished build of it is
cached, else ``quick``. Each task leaves out the sources built from its own data set
(``guard.py``: the ``mdl`` recipe pretrains RadonPy MD properties, four tasks are RadonPy
targets) and says how many it dropped.

Results are appended to a CSV in the cache (one per mode and library) as each (task, draw)
finishes, so an interrupted run resumes. A full run (all tasks, 5 draws) rewrites
``docs/accuracy.md`` and ``docs/accuracy.csv``; any other run writes under
``runs/accuracy-<mode>-<library><tag>/`` unless ``--out`` says otherwise.

    python benchmarks/accuracy/run.py --quick      # 8 tasks x 2 draws, the defaults
    python benchmarks/accuracy/run.py              # 8 tasks x 5 draws, 4 variants
    python benchmarks/accuracy/run.py --variants "fine-tuning" ...   # any of VARIANTS
    python benchmarks/accuracy/run.py --quick --library quick --tasks radonpy_cp --draws 1
    python benchmarks/accuracy/run.py --library mdl --dry-run   # pools per task, no fitting
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
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guard import drop_leaked
from library import resolve
from tasks import draws, load_tasks

from sklearn_shotgun import (
    NoTransferRegressor,
    ShotgunTransferRegressor,
    evaluate_transfer,
)
from sklearn_shotgun._forest import FastRandomForestRegressor
from sklearn_shotgun._heads import LinearHeadRegressor
from sklearn_shotgun.baseline import default_descriptors

ROOT = Path(__file__).resolve().parents[2]
QUICK_TASKS = [
    "radonpy_cp",
    "radonpy_tc",
    "radonpy_ri",
    "polyverse_gap_chain",
    "md_tg",
    "freesolv",
    "aflow_kappa_log",
    "expt_gap",
]

#: Transfer variants: name -> ShotgunTransferRegressor parameters (besides the library).
#: The untrained control is the search of the *first* variant run, over untrained weights.
VARIANTS = {
    "transfer, frozen only": {"features": "frozen"},
    "transfer (defaults)": {},
    "transfer, forest and linear heads": {"head": ("forest", "linear")},
    "transfer, linear head": {"head": "linear"},
    "transfer, stacked with no transfer": {"no_transfer": "stack"},
    "transfer, prefer no transfer": {"no_transfer": "prefer"},
    "transfer, frozen only, no fallback": {"features": "frozen", "no_transfer": False},
    "transfer, frozen only, single best": {"features": "frozen", "ensemble": 1},
    "transfer +prediction": {"features": "frozen+prediction+descriptor"},
    "transfer, last layer": {"layers": "last"},
    "transfer, mean of top 3": {"ensemble": 3, "ensemble_weights": "uniform"},
    "transfer, mean of top 5": {"ensemble_weights": "uniform"},
    "transfer, paper head": {"head": "paper", "ensemble": 1},
    "transfer, top 30": {"top_k": 30},
    "transfer, no library predictions": {"library_predictions": False},
    "fine-tuning": {"strategy": "finetune", "ensemble": 1},
}
FULL_VARIANTS = [
    "transfer, frozen only",
    "transfer (defaults)",
    "transfer, frozen only, no fallback",
    "transfer, frozen only, single best",
]
QUICK_VARIANTS = ["transfer (defaults)"]
FULL_TASKS = QUICK_TASKS


def _forest(seed: int) -> FastRandomForestRegressor:
    return FastRandomForestRegressor(n_estimators=300, random_state=seed)


def run_one(task, rows, library, variants, seed, n_jobs) -> list[dict]:
    X = [task.X[i] for i in rows]
    y = task.y[rows]
    kind = "formula" if task.input_kind == "formula" else "smiles"
    models = {
        name: ShotgunTransferRegressor(library, random_state=seed, **VARIANTS[name])
        for name in variants
    }
    for name, featurizer in default_descriptors(kind).items():
        models[f"forest: {name}"] = make_pipeline(featurizer, _forest(seed))
        models[f"linear: {name}"] = make_pipeline(clone(featurizer), LinearHeadRegressor())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sources left out: expected per class
        result = evaluate_transfer(
            models,
            X,
            y,
            cv=5,
            baseline=NoTransferRegressor(random_state=seed),
            control="untrained",
            random_state=seed,
            n_jobs=n_jobs,
        )
    out = []
    control = f"control ({variants[0]}, untrained)"
    for model in result.models:
        values = result.folds[(result.folds["model"] == model) & (result.folds["metric"] == "mae")]
        picks = result.selected[result.selected["model"] == model]
        out.append(
            {
                "model": control if model == "control" else model,
                "mae": float(values["value"].mean()),
                "inner_mae": -float(picks["inner_score"].mean()) if len(picks) else np.nan,
                "no_transfer_picks": int((picks["best_source"] == "no transfer").sum()),
            }
        )
    return out


def summarise(raw: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    rows, lines = [], []
    for task, frame in raw.groupby("task", sort=False):
        wide = frame.pivot_table(index="draw", columns="model", values="mae")
        # Tables run before the linear baselines existed have forests only.
        plain = [c for c in wide.columns if c.startswith(("forest: ", "linear: "))]
        best = min(plain, key=lambda c: wide[c].mean())
        ref = wide[best]
        controls = [c for c in wide.columns if c.startswith("control")]
        for model in wide.columns:
            ratio = wide[model] / ref
            # Paired per draw (same rows, same folds): how much lower the MAE is than the
            # untrained control's, and that gain's standard error over the draws.
            gain = wide[controls[0]] - wide[model] if controls else pd.Series(np.nan)
            inner = frame[frame["model"] == model]["inner_mae"].mean()
            picks = frame[frame["model"] == model]["no_transfer_picks"].sum()
            rows.append(
                {
                    "task": task,
                    "title": frame["title"].iloc[0],
                    "units": frame["units"].iloc[0],
                    "draws": len(wide),
                    "model": model,
                    "mae_mean": wide[model].mean(),
                    "mae_std": wide[model].std(ddof=0),
                    "best_plain": best,
                    "ratio_mean": ratio.mean(),
                    "ratio_std": ratio.std(ddof=0),
                    "wins": int((ratio < 1).sum()),
                    "inner_mae_optimistic": inner,
                    "no_transfer_folds": int(picks),
                    "gain_vs_control": gain.mean(),
                    "gain_vs_control_se": gain.std(ddof=1) / np.sqrt(len(gain))
                    if len(gain) > 1
                    else np.nan,
                    "draws_beating_control": int((gain > 0).sum()),
                }
            )
    table = pd.DataFrame(rows)
    models = list(dict.fromkeys(table["model"]))
    lines.append(
        "| task (rows, draws) | best no-transfer model: MAE | " + " | ".join(models) + " |"
    )
    lines.append("|---" * (len(models) + 2) + "|")
    for _, frame in table.groupby("task", sort=False):
        first = frame.iloc[0]
        ref = frame[frame["model"] == first["best_plain"]].iloc[0]
        cells = []
        for model in models:
            r = frame[frame["model"] == model]
            if r.empty:
                cells.append("")
                continue
            r = r.iloc[0]
            cells.append(f"{r.mae_mean:.4g} ({r.ratio_mean:.2f}, {r.wins}/{r.draws})")
        lines.append(
            f"| {first.title} [{first.units}] ({first.draws}) | "
            f"{first.best_plain}: {ref.mae_mean:.4g} | " + " | ".join(cells) + " |"
        )
    lines.append("")
    lines.append(
        "Cells: nested-CV MAE averaged over draws (ratio to the best no-transfer model, a "
        "forest or a linear model on one descriptor, chosen in hindsight; draws won)."
    )
    lines.append("")
    lines.append(
        "| model | geometric mean ratio to the best no-transfer model | tasks above 1.05 | "
        "tasks won "
        "(ratio < 1) | geometric mean ratio to NoTransferRegressor |"
    )
    lines.append("|---|---|---|---|---|")
    base = table[table["model"] == "baseline"].set_index("task")["mae_mean"]
    for model in models:
        r = table[table["model"] == model]
        geo = float(np.exp(np.log(r["ratio_mean"]).mean()))
        vs_base = float(np.exp(np.log(r.set_index("task")["mae_mean"] / base).mean()))
        lines.append(
            f"| {model} | {geo:.3f} | {int((r['ratio_mean'] > 1.05).sum())}/{len(r)} | "
            f"{int((r['ratio_mean'] < 1).sum())}/{len(r)} | {vs_base:.3f} |"
        )
    defaults = table[table["model"] == "transfer (defaults)"].set_index("task")
    controls = [m for m in models if m.startswith("control")]
    if len(defaults) and controls:
        control = table[table["model"] == controls[0]].set_index("task")
        variant = controls[0].removeprefix("control (").removesuffix(", untrained)")
        own = table[table["model"] == variant].set_index("task")
        lines.append("")
        beat = int((own["mae_mean"] < control["mae_mean"]).sum())
        clear = int(_clearly_better(own).sum())
        lines.append(
            f"Pretrained vs untrained weights: {variant} beats {controls[0]} on "
            f"{beat}/{len(own)} tasks, by more than one standard error of the paired per-draw "
            f"differences on {clear}/{len(own)}."
        )
        if variant != "transfer (defaults)":
            beat = int((defaults["mae_mean"] < control["mae_mean"]).sum())
            lines.append(
                f"Transfer (defaults) beats that control on {beat}/{len(defaults)} tasks (the "
                "defaults' own control, untrained networks with the descriptor appended, was "
                "not run)."
            )
        fallback = defaults["no_transfer_folds"].sum()
        total = (defaults["draws"] * 5).sum()
        lines.append(
            f"The defaults' top candidate was no transfer in {fallback}/{total} outer folds."
        )
        lines.append("")
        lines.append(
            "Inner-CV MAE of the defaults' top candidate (the best of the search: optimistic, "
            "not a result) vs the nested MAE:"
        )
        for task, r in defaults.iterrows():
            lines.append(f"- {task}: inner {r.inner_mae_optimistic:.4g}, nested {r.mae_mean:.4g}")
    if len(defaults):
        lines.append("")
        own = len(controls) and controls[0] == "control (transfer (defaults), untrained)"
        lines += _verdicts(defaults, control if own else None)
    return table, "\n".join(lines)


def _clearly_better(rows: pd.DataFrame) -> pd.Series:
    """Per row: a mean MAE below the untrained control's by more than one standard error of
    the paired per-draw differences (never with one draw: no error to compare with)."""
    return (rows["gain_vs_control"] > 0) & (rows["gain_vs_control"] > rows["gain_vs_control_se"])


def _verdicts(defaults: pd.DataFrame, control: pd.DataFrame | None) -> list[str]:
    """One line per task: does transfer (the defaults) help there, and do the pretrained
    weights (against the untrained control, when it is the defaults' own)?

    A lower mean than the control's alone is not enough for "the pretrained weights
    matter": over five draws the two often differ by less than the draws scatter, so the
    gain must exceed one standard error of the paired per-draw differences."""
    lines = [
        "Where transfer helps (the defaults: a ratio below 1 that wins at least half of the "
        "draws"
        + (
            "; pretrained weights matter where they beat the untrained control by more than "
            "one standard error of the paired per-draw differences"
            if control is not None
            else ""
        )
        + "):"
    ]
    clear = _clearly_better(defaults)
    for task, r in defaults.iterrows():
        score = f"ratio {r.ratio_mean:.2f}, {r.wins}/{r.draws} draws"
        if not (r.ratio_mean < 1 and 2 * r.wins >= r.draws):
            lines.append(f"- {task}: transfer does not help ({score}); use {r.best_plain} instead")
            continue
        line = f"- {task}: transfer helps ({score})"
        if control is not None and task in control.index:
            ratio = control.loc[task, "ratio_mean"]
            paired = (
                f"control ratio {ratio:.2f}; below it in {r.draws_beating_control}/{r.draws} draws"
            )
            if clear[task]:
                line += f", and the pretrained weights matter ({paired})"
            elif control.loc[task, "mae_mean"] > r.mae_mean:
                line += (
                    ", but not clearly more than untrained networks (within one standard "
                    f"error; {paired})"
                )
            else:
                line += f", but no more than untrained networks ({paired})"
        lines.append(line)
    return lines


def _source_lines(record: dict) -> list[str]:
    lines = []
    for src in record["sources"]:
        r2 = src["oob_r2_median"]
        seconds = "" if src["seconds"] is None else f", {float(src['seconds']):.0f} s"
        rows = "" if src["rows"] is None else f" on {src['rows']} rows"
        lines.append(
            f"- {src['name']} ({src['dataset'] or 'data set not recorded'}): "
            f"{src['models']} nets{rows}{seconds}"
            + ("" if r2 is None else f", OOB R2 median {float(r2):.3f}")
        )
    return lines


def _library_notes(record: dict, pools: dict[str, tuple[int, int, list[str]]]) -> str:
    build = record["build_seconds"]
    text = (
        f"Source library: `--library {record['label']}` ({record['reason']}); recipe "
        f"{record['recipe']}, sha256 {record['sha256'][:12]}; {record['n_models']} networks "
        f"over {record['n_sources']} sources"
        + ("" if build is None else f", built in {float(build) / 60:.1f} min (summed per source)")
        + ".\n\n"
        + "\n".join(_source_lines(record))
        + "\n\nPool per task after the leakage guard (sources built from the task's own data "
        "set, or from one computed for the same entries by the same workflow, dropped):\n\n"
        + "\n".join(
            f"- {task}: {n} networks over {k} sources"
            + (f"; dropped {', '.join(dropped)}" if dropped else "")
            for task, (n, k, dropped) in pools.items()
        )
    )
    return text + "\n\n"


def _names(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [n for v in values for n in v.split(",") if n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 tasks x 2 draws, defaults only")
    parser.add_argument("--list", action="store_true", help="list tasks and variants, exit")
    parser.add_argument("--draws", type=int, default=None)
    parser.add_argument("--tasks", nargs="*", default=None, help="NAME[,NAME] (see --list)")
    parser.add_argument("--variants", nargs="*", default=None)
    parser.add_argument(
        "--library",
        default=None,
        help="quick, mdl (the package's recipes, built into their cache folder once), own (the "
        "benchmark's recipe of docs/accuracy.md) or a library directory; default: mdl if its "
        "cache holds a finished library, else quick",
    )
    parser.add_argument(
        "--n-models", type=int, default=8, help="networks per source of --library own"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--out",
        default=None,
        help="where accuracy.md/csv go (default: docs/ for a full run, all tasks and draws; "
        "else runs/accuracy-<mode>-<library><tag>/)",
    )
    parser.add_argument("--tag", default="", help="suffix of the cached results file")
    parser.add_argument(
        "--dry-run", action="store_true", help="list the pool of each task after the guard, exit"
    )
    args = parser.parse_args()
    if args.list:
        print("tasks:", ", ".join(t.name for t in load_tasks()))
        print("variants:", ", ".join(VARIANTS))
        return
    n_draws = args.draws or (2 if args.quick else 5)
    names = _names(args.tasks) or (QUICK_TASKS if args.quick else FULL_TASKS)
    variants = args.variants or (QUICK_VARIANTS if args.quick else FULL_VARIANTS)

    start = time.perf_counter()
    library, record = resolve(args.library, n_models=args.n_models, n_jobs=args.n_jobs)
    print(f"source library: {record['label']} ({record['reason']})")
    print(
        f"  recipe {record['recipe']}, sha256 {record['sha256'][:12]}, {record['n_models']} "
        f"networks over {record['n_sources']} sources, build time "
        + (
            "not recorded"
            if record["build_seconds"] is None
            else f"{float(record['build_seconds']):.0f} s"
        )
    )
    for line in _source_lines(record):
        print("  " + line)
    print(f"library ready after {time.perf_counter() - start:.0f} s", flush=True)

    tasks = load_tasks(names=names)
    pools, libraries = {}, {}
    for task in tasks:
        kept, dropped = drop_leaked(library, (task.dataset, *task.related))
        k = len(kept.summary())
        pools[task.name] = (len(kept), k, dropped)
        libraries[task.name] = kept
        print(
            f"{task.name}: dropped {len(dropped)} source(s) built from "
            f"{', '.join((task.dataset, *task.related))}"
            + (f" ({', '.join(dropped)})" if dropped else "")
            + f"; {len(kept)} networks over {k} sources left",
            flush=True,
        )
    if args.dry_run:
        return
    cache = Path.home() / ".cache" / "sklearn_shotgun" / "accuracy"
    cache.mkdir(parents=True, exist_ok=True)
    mode = "quick" if args.quick else "full"
    raw_path = cache / f"results-{mode}-{record['cache_key']}{args.tag}.csv"
    raw = pd.read_csv(raw_path) if raw_path.exists() else pd.DataFrame()
    for task in tasks:
        for d, rows in enumerate(draws(task, n_draws)):
            if len(raw) and ((raw["task"] == task.name) & (raw["draw"] == d)).any():
                continue
            t0 = time.perf_counter()
            out = run_one(task, rows, libraries[task.name], variants, seed=d, n_jobs=args.n_jobs)
            seconds = time.perf_counter() - t0
            new = pd.DataFrame(out).assign(
                task=task.name, title=task.title, units=task.units, draw=d, seconds=seconds
            )
            raw = pd.concat([raw, new], ignore_index=True)
            tmp = raw_path.with_suffix(".tmp")
            raw.to_csv(tmp, index=False)
            tmp.replace(raw_path)
            scores = ", ".join(f"{r['model']} {r['mae']:.4g}" for r in out)
            print(f"{task.name} draw {d} ({time.perf_counter() - t0:.0f} s): {scores}", flush=True)
    raw = raw[raw["task"].isin([t.name for t in tasks]) & (raw["draw"] < n_draws)]
    table, text = summarise(raw)
    print()
    print(text)
    full = not args.quick and args.tasks is None and args.draws is None
    if args.out:
        out = Path(args.out)
    elif full:
        out = ROOT / "docs"
    else:
        out = ROOT / "runs" / f"accuracy-{mode}-{record['cache_key']}{args.tag}"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "accuracy.csv", index=False)
    command = " ".join(["python benchmarks/accuracy/run.py", *sys.argv[1:]])
    header = (
        "# Accuracy benchmark\n\n"
        f"`{command}` ({len(tasks)} tasks x {n_draws} draws, nested 5-fold CV; "
        f"{raw.groupby(['task', 'draw'])['seconds'].first().sum() / 60:.0f} min "
        "of nested CV on this 2-core machine, library build excluded).\n\n"
        + _library_notes(record, pools)
    )
    (out / "accuracy.md").write_text(header + text + "\n")
    print(
        f"\nwrote {out / 'accuracy.md'} and {out / 'accuracy.csv'} "
        f"({time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
