"""``sklearn-shotgun map``: the transferability map of a library over several small targets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import HelpFormatter, add_columns, note, positive_int, read_xy, write_table

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the subcommand."""
    p = sub.add_parser(
        "map",
        help="which source transfers to which target: nested-CV error relative to no transfer",
        description="For every source of the library (searched alone) and every target, the "
        "nested-CV error of transfer divided by that of the no-transfer baseline on the same "
        "outer folds (below 1: the source helps). Writes the sources x targets table as CSV "
        "and, with --figure, a heatmap.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("library", help="library directory or hf://owner/name[@revision]")
    p.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="a CSV file (columns --input and --target), or a registered data set NAME or "
        "NAME:TARGET_COLUMN (sklearn_shotgun.datasets; --max-rows random rows of it)",
    )
    add_columns(p, target=False, input_default="smiles")
    p.add_argument(
        "--target",
        "--target-column",
        dest="target_column",
        metavar="COLUMN",
        help="CSV column of the property (needed for CSV targets)",
    )
    p.add_argument("--max-rows", type=positive_int, default=100, help="rows of a data set target")
    p.add_argument("--cv", type=positive_int, default=5, help="folds of the outer (nested) CV")
    p.add_argument("--inner-cv", type=positive_int, default=3, help="folds of each search")
    p.add_argument(
        "--metric", choices=("mae", "rmse", "max_ae"), default="mae", help="error compared"
    )
    p.add_argument("--random-state", type=int, default=0, help="seed of folds and searches")
    p.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers over the fits (-1: all cores)"
    )
    p.add_argument("--out", metavar="CSV", help="write the table here (default: stdout)")
    p.add_argument("--figure", metavar="PNG", help="write the heatmap here")
    p.set_defaults(handler=run_map)
    return p


def _target(spec: str, args: argparse.Namespace) -> tuple[str, tuple[list[Any], Any]]:
    """``(name, (X, y))`` of a CSV file or a registered data set."""
    import numpy as np

    if Path(spec).suffix.lower() in (".csv", ".txt", ".gz") or Path(spec).exists():
        if args.target_column is None:
            raise ValueError(f"{spec}: a CSV target needs --target COLUMN")
        X, y = read_xy(spec, args.input_column, args.target_column)
        return Path(spec).name.split(".")[0], (X, y)
    from ..datasets import DATASETS, fetch_dataset

    name, _, column = spec.partition(":")
    if name not in DATASETS:
        raise ValueError(
            f"{spec} is neither a CSV file nor a registered data set "
            f"(sklearn_shotgun.datasets.list_datasets(); e.g. {', '.join(sorted(DATASETS)[:4])})"
        )
    X, y = fetch_dataset(name, target=column or None, return_X_y=True)
    if np.ndim(X) != 1:
        raise ValueError(f"{name} has several input columns; give a CSV file instead")
    rows = np.arange(len(y))
    if len(rows) > args.max_rows:
        rng = np.random.default_rng(args.random_state)
        rows = np.sort(rng.choice(len(rows), args.max_rows, replace=False))
    return spec, ([X[i] for i in rows], np.asarray(y, dtype=float)[rows])


def run_map(args: argparse.Namespace) -> int:
    """Handler of ``map``."""
    from ..transfer import ShotgunTransferRegressor
    from ..transfer_map import transferability_map
    from .library import open_library

    if args.figure and Path(args.figure).suffix.lower() not in (".png", ".pdf", ".svg"):
        raise ValueError(f"{args.figure}: --figure must end in .png, .pdf or .svg")
    for out in (args.out, args.figure):
        if out and out != "-" and not Path(out).resolve().parent.is_dir():
            raise FileNotFoundError(f"{out}: the folder {Path(out).parent} does not exist")
    library = open_library(args.library)
    targets = dict(_target(spec, args) for spec in args.targets)
    if len(targets) < len(args.targets):
        raise ValueError("two targets have the same name; rename a file")
    note(f"{len(library)} models; {len(targets)} targets: {', '.join(targets)}")
    # Each source searched alone: no fallback on the no-transfer forests (see transferability_map).
    estimator = ShotgunTransferRegressor(
        library, cv=args.inner_cv, no_transfer=False, random_state=args.random_state
    )
    table = transferability_map(
        library,
        targets,
        estimator=estimator,
        cv=args.cv,
        metric=args.metric,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
        verbose=1,
    )
    write_table(table.reset_index(), args.out)
    if args.figure:
        import matplotlib

        matplotlib.use("Agg")
        from .._io import atomic_write_bytes
        from ..plotting import plot_transferability_map

        ax = plot_transferability_map(table)
        import io

        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format=Path(args.figure).suffix[1:].lower(), dpi=150,
                          bbox_inches="tight")  # fmt: skip
        atomic_write_bytes(args.figure, buffer.getvalue())
        note(f"heatmap written to {args.figure}")
    return 0
