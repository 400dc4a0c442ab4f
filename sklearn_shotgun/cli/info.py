"""``sklearn-shotgun info``: summarise a saved library."""

from __future__ import annotations

import argparse

from ._common import HelpFormatter

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the subcommand."""
    p = sub.add_parser(
        "info",
        help="summarise a saved model library",
        description="Count the networks of a library by property, descriptor and data set, "
        "and summarise their out-of-bag metrics.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("library", help="library directory (library.json and shards)")
    p.set_defaults(handler=run_info)
    return p


def run_info(args: argparse.Namespace) -> int:
    """Handler of ``info``."""
    from ..library import ModelLibrary

    library = ModelLibrary.load(args.library, lazy=True)
    frame = library.to_frame()
    print(f"{args.library}: {len(library)} models")
    keys = ["property", "units", "material", "dataset", "descriptor", "task"]
    print(frame.groupby(keys, dropna=False).size().rename("models").to_string())
    metric_columns = [c for c in ("r2", "mae", "rmse", "accuracy") if c in frame]
    if metric_columns:
        print(frame[metric_columns].describe().to_string())
    return 0
