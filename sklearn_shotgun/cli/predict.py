"""``sklearn-shotgun predict``: apply a saved transfer model to a CSV file."""

from __future__ import annotations

import argparse

from ._common import HelpFormatter, read_csv, write_table

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the subcommand."""
    p = sub.add_parser(
        "predict",
        help="predict a CSV file with a model saved by 'transfer --save'",
        description="Load a model saved by 'sklearn-shotgun transfer --save' (its members are "
        "refit on the stored training rows, checked against the stored predictions) and "
        "predict the inputs of a CSV file. The output is the input table with a prediction "
        "column added.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", help="folder written by 'sklearn-shotgun transfer --save'")
    p.add_argument("data", help="CSV file with an input column")
    p.add_argument(
        "--input",
        "--input-column",
        dest="input_column",
        default=None,
        metavar="COLUMN",
        help="CSV column of the inputs (default: the training file's input column)",
    )
    p.add_argument(
        "--out",
        default=None,
        help="output table, .csv or .parquet (default: CSV on standard output)",
    )
    p.add_argument(
        "--column",
        default=None,
        help="name of the prediction column (default: '<target>_predicted')",
    )
    p.add_argument(
        "--no-check",
        action="store_true",
        help="skip the check that the loaded model reproduces its stored predictions "
        "(the sha256 checks always run)",
    )
    p.set_defaults(handler=run_predict)
    return p


def run_predict(args: argparse.Namespace) -> int:
    """Handler of ``predict``."""
    from .._persist import load_transfer, read_manifest

    metadata = read_manifest(args.model).get("metadata", {})
    column = args.input_column or metadata.get("input_column") or "smiles"
    frame = read_csv(args.data, [column])
    missing = frame[column].isna().to_numpy().nonzero()[0]
    if len(missing):
        raise ValueError(
            f"{args.data}: column {column} is empty in {len(missing)} rows (first: row "
            f"{int(missing[0])})"
        )
    model = load_transfer(args.model, check=not args.no_check)
    name = args.column or f"{metadata.get('target_column', 'target')}_predicted"
    frame[name] = model.predict(frame[column].tolist())
    write_table(frame, args.out)
    return 0
