"""``sklearn-shotgun featurize``: descriptors of a CSV file's inputs, as CSV or Parquet."""

from __future__ import annotations

import argparse

from ._common import HelpFormatter, add_featurizer, make_featurizer, read_csv, write_table

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the subcommand."""
    p = sub.add_parser(
        "featurize",
        help="compute fingerprints, RDKit descriptors or compositions of a CSV column",
        description="Featurize the input column of a CSV file: one row per input, one column "
        "per feature (named as the featurizer's get_feature_names_out). The output format "
        "follows --out's extension: .csv, or .parquet (needs pyarrow).",
        formatter_class=HelpFormatter,
    )
    p.add_argument("data", help="CSV file with an input column")
    p.add_argument(
        "--input",
        "--input-column",
        dest="input_column",
        default="smiles",
        metavar="COLUMN",
        help="CSV column of the inputs (SMILES, polymer repeat units with '*', or formulas)",
    )
    p.add_argument("--out", required=True, help="output table: .csv or .parquet")
    p.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COLUMN",
        help="copy this column (e.g. an id) to the output, before the features; repeatable",
    )
    p.add_argument(
        "--errors",
        choices=("raise", "nan"),
        default="raise",
        help="an invalid input stops the command (raise) or gives a row of NaN (nan)",
    )
    p.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers (default: one; -1: all cores)"
    )
    add_featurizer(p)
    p.set_defaults(handler=run_featurize)
    return p


def run_featurize(args: argparse.Namespace) -> int:
    """Handler of ``featurize``."""
    import numpy as np
    import pandas as pd

    frame = read_csv(args.data, [args.input_column, *args.keep])
    items = frame[args.input_column].tolist()
    featurizer = make_featurizer(args, items, errors=args.errors).fit(items)
    F = featurizer.transform(items)
    F = F.toarray() if hasattr(F, "toarray") else np.asarray(F)
    features = pd.DataFrame(F, columns=featurizer.get_feature_names_out())
    clash = [c for c in args.keep if c in features]
    if clash:
        raise ValueError(f"--keep column(s) {clash} have the name of a feature")
    out = pd.concat([frame[args.keep].reset_index(drop=True), features], axis=1)
    write_table(out, args.out)
    print(f"{len(out)} rows x {features.shape[1]} features written to {args.out}")
    return 0
