"""The ``sklearn-shotgun`` command: pretrain a pool, inspect it, transfer it to a CSV target."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["main"]


def _featurizer(args: argparse.Namespace):
    from .featurizers import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer

    if args.descriptor == "composition":
        return CompositionFeaturizer(n_jobs=args.n_jobs)
    if args.descriptor == "rdkit2d":
        return DescriptorFeaturizer(n_jobs=args.n_jobs)
    return FingerprintFeaturizer(
        kind=args.descriptor, counts=args.counts, n_bits=args.n_bits, n_jobs=args.n_jobs
    )


def _read_table(path: str, input_column: str, target_column: str) -> tuple[list, np.ndarray]:
    frame = pd.read_csv(path)
    missing = [c for c in (input_column, target_column) if c not in frame]
    if missing:
        raise SystemExit(f"error: {path} has no column(s) {missing}; columns: {list(frame)}")
    frame = frame.dropna(subset=[input_column, target_column])
    return frame[input_column].tolist(), frame[target_column].to_numpy()


def _pretrain(args: argparse.Namespace) -> int:
    from .library import ModelLibrary
    from .pretrain import ShotgunPretrainer

    X, y = _read_table(args.data, args.input_column, args.target_column)
    if args.max_rows and len(X) > args.max_rows:
        rows = np.random.default_rng(args.random_state).choice(len(X), args.max_rows, replace=False)
        X, y = [X[i] for i in rows], y[rows]
    pre = ShotgunPretrainer(
        _featurizer(args),
        n_models=args.n_models,
        max_epochs=(args.epochs, args.epochs) if args.epochs else (100, 200),
        checkpoint_dir=args.checkpoint_dir,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
        property=args.property or args.target_column,
        units=args.units,
        material=args.material,
        dataset=args.dataset,
        target_transform=args.target_transform,
    ).fit(X, y)
    library: ModelLibrary = pre.library_
    library.save(args.out)
    print(f"saved {len(library)} models to {args.out}")
    print(library.to_frame()[["r2", "mae"]].describe().to_string())
    return 0


def _info(args: argparse.Namespace) -> int:
    from .library import ModelLibrary

    library = ModelLibrary.load(args.library, lazy=True)
    frame = library.to_frame()
    print(f"{args.library}: {len(library)} models")
    keys = ["property", "units", "material", "dataset", "descriptor", "task"]
    print(frame.groupby(keys, dropna=False).size().rename("models").to_string())
    metric_columns = [c for c in ("r2", "mae", "rmse", "accuracy") if c in frame]
    if metric_columns:
        print(frame[metric_columns].describe().to_string())
    return 0


def _transfer(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_transfer
    from .library import ModelLibrary
    from .transfer import ShotgunTransferRegressor

    X, y = _read_table(args.data, args.input_column, args.target_column)
    library = ModelLibrary.load(args.library)
    model = ShotgunTransferRegressor(
        library,
        search=args.search,
        cv=args.cv,
        ensemble=args.ensemble,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
    )
    if args.evaluate:
        print(evaluate_transfer(model, X, y, cv=args.cv, random_state=args.random_state))
        return 0
    model.fit(X, y)
    columns = ["source", "descriptor", "layer", "source_r2", "cv_mae_mean", "cv_mae_std"]
    print(model.transfer_table_[columns].head(args.top).to_string(index=False))
    print(f"best source: {model.best_source_} (layer {model.best_layer_}); the inner CV score")
    print("is optimistic after a search, run with --evaluate for the nested score.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sklearn-shotgun`` command."""
    parser = argparse.ArgumentParser(prog="sklearn-shotgun", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    pre = sub.add_parser("pretrain", help="pretrain a pool on a CSV source data set")
    pre.add_argument("data", help="CSV file")
    pre.add_argument("--input-column", default="smiles")
    pre.add_argument("--target-column", required=True)
    pre.add_argument("--out", required=True, help="library directory to write")
    pre.add_argument(
        "--descriptor", default="morgan", help="fingerprint kind, 'rdkit2d' or 'composition'"
    )
    pre.add_argument(
        "--target-transform",
        default=None,
        choices=("per_gram", "per_heavy_atom", "per_atom", "log10"),
        help="form of the target the networks learn (default: as measured)",
    )
    pre.add_argument("--counts", action="store_true", help="count fingerprints")
    pre.add_argument("--n-bits", type=int, default=2048)
    pre.add_argument("--n-models", type=int, default=100)
    pre.add_argument("--epochs", type=int, default=None, help="fixed epoch budget per model")
    pre.add_argument("--max-rows", type=int, default=None, help="random subset of the rows")
    pre.add_argument("--checkpoint-dir", default=None)
    for name in ("property", "units", "material", "dataset"):
        pre.add_argument(f"--{name}", default="")

    info = sub.add_parser("info", help="summarise a saved library")
    info.add_argument("library")

    tr = sub.add_parser("transfer", help="select the best source for a CSV target")
    tr.add_argument("library")
    tr.add_argument("data", help="CSV file")
    tr.add_argument("--input-column", default="smiles")
    tr.add_argument("--target-column", required=True)
    tr.add_argument("--search", choices=("grid", "halving", "screen"), default="screen")
    tr.add_argument("--cv", type=int, default=5)
    tr.add_argument("--ensemble", type=int, default=5, help="stacked ensemble of the k best")
    tr.add_argument("--top", type=int, default=10, help="rows of the transfer table to show")
    tr.add_argument("--evaluate", action="store_true", help="nested CV against a baseline")

    for p in (pre, tr):
        p.add_argument("--n-jobs", type=int, default=None)
        p.add_argument("--random-state", type=int, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    handler = {"pretrain": _pretrain, "info": _info, "transfer": _transfer}[args.command]
    return handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
