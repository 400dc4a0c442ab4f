"""``sklearn-shotgun transfer``: select the best source for a CSV target, optionally save it."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import HelpFormatter, add_columns, note, positive_int, read_xy

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the subcommand."""
    p = sub.add_parser(
        "transfer",
        help="select the best source network for a CSV target (and save the model)",
        description="Fit a ShotgunTransferRegressor: every (source network, hidden layer) of "
        "the library and the no-transfer models (a forest and a ridge model on each of the "
        "target's own descriptors) are "
        "cross-validated on the target rows; the best are refit on all rows. Prints the "
        "transfer table; --save writes the fitted model for 'sklearn-shotgun predict'.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("library", help="library directory written by 'sklearn-shotgun pretrain'")
    p.add_argument("data", help="CSV file with an input column and a target column")
    add_columns(p, target=True, input_default="smiles")
    p.add_argument(
        "--search",
        choices=("grid", "halving", "screen"),
        default="screen",
        help="screen: a ridge screen keeps the top-k sources for the cross-validated search; "
        "grid: every candidate; halving: successive halving",
    )
    p.add_argument("--cv", type=positive_int, default=5, help="folds of the inner CV")
    p.add_argument("--top-k", type=positive_int, default=10, help="sources kept by the screen")
    p.add_argument(
        "--ensemble", type=positive_int, default=5, help="stacked ensemble of the k best"
    )
    p.add_argument(
        "--layers",
        choices=("each", "last", "all"),
        default="each",
        help="hidden layers searched: each one, the last one, or all concatenated",
    )
    p.add_argument(
        "--head",
        nargs="+",
        choices=("forest", "paper", "linear"),
        default=None,
        help="head(s) fit on each candidate's features: a 100-tree forest, the paper's "
        "randomised forest, ridge on standardised features; several: each candidate with each "
        "(default: the package's, a forest)",
    )
    p.add_argument("--top", type=int, default=10, help="rows of the transfer table to print")
    p.add_argument(
        "--save",
        default=None,
        metavar="DIR",
        help="write the fitted model to this folder (JSON manifest, training rows, the used "
        "source networks; no pickle), for 'sklearn-shotgun predict'",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing saved model at --save"
    )
    p.add_argument(
        "--evaluate",
        action="store_true",
        help="print the nested-CV score against the no-transfer baseline instead",
    )
    p.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers (default: one; -1: all cores)"
    )
    p.add_argument("--random-state", type=int, default=0, help="seed of the heads")
    p.set_defaults(handler=run_transfer)
    return p


def _head(names: list[str]) -> str | tuple[str, ...]:
    """``--head`` as the estimator's ``head``: one name, or a tuple of distinct names."""
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else tuple(names)


def run_transfer(args: argparse.Namespace) -> int:
    """Handler of ``transfer``."""
    from .._persist import save_transfer
    from ..evaluation import evaluate_transfer
    from ..library import ModelLibrary
    from ..transfer import ShotgunTransferRegressor

    if args.save is not None and args.evaluate:
        raise ValueError("--save and --evaluate exclude each other (--evaluate fits no model)")
    if args.save is not None:
        save = Path(args.save)
        if save.exists() and any(save.iterdir()) and not args.overwrite:
            raise FileExistsError(f"--save {save} exists and is not empty (pass --overwrite)")
    library = ModelLibrary.load(args.library)
    X, y = read_xy(args.data, args.input_column, args.target_column)
    model = ShotgunTransferRegressor(
        str(args.library),
        layers=args.layers,
        head=None if args.head is None else _head(args.head),
        search=args.search,
        cv=args.cv,
        top_k=args.top_k,
        ensemble=args.ensemble,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
    )
    if args.evaluate:
        print(
            evaluate_transfer(
                model.set_params(library=library), X, y, cv=args.cv, random_state=args.random_state
            )
        )
        return 0
    model.set_params(library=library).fit(X, y)
    # Saved with the library's path as its parameter, as a user would pass it.
    model.set_params(library=str(args.library))
    columns = ["source", "descriptor", "layer", "head", "source_r2", "cv_mae_mean", "cv_mae_std"]
    table = model.transfer_table_
    print(table[[c for c in columns if c in table]].head(args.top).to_string(index=False))
    layer = "" if model.best_layer_ is None else f" (layer {model.best_layer_})"
    print(f"best source: {model.best_source_}{layer}; the inner CV score")
    print("is optimistic after a search, run with --evaluate for the nested score.")
    if args.save is not None:
        save_transfer(
            model,
            args.save,
            X,
            y,
            overwrite=args.overwrite,
            metadata={
                "input_column": args.input_column,
                "target_column": args.target_column,
                "data": str(args.data),
            },
        )
        note(f"saved the fitted model to {args.save}")
    return 0
