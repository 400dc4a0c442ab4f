"""The sklearn-shotgun command: pretrain a pool, inspect it, transfer it to a CSV target,
save the fitted model and predict new CSV files with it, featurize CSV files.

Each subcommand lives in its own module with an ``add_parser(subparsers)`` function that
registers it and sets its handler (``set_defaults(handler=...)``); ``SUBCOMMANDS`` lists
them in the order ``--help`` shows them.

Errors the user can fix (a missing file or column, a bad value, a changed library) end
the command with one ``sklearn-shotgun ...: error: ...`` line on stderr and exit status 2,
as argparse does for its own errors. Any other exception is a bug and shows its
traceback; ``--debug`` (or ``SKLEARN_SHOTGUN_DEBUG=1``) shows tracebacks always.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from . import featurize, info, library, predict, pretrain, transfer
from . import map as map_
from ._common import HelpFormatter

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

#: Modules with an ``add_parser(subparsers)`` function, one per subcommand.
SUBCOMMANDS = (pretrain, info, transfer, predict, featurize, library, map_)

#: Exceptions that mean "the input is wrong", not "the program is wrong".
_USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError, PermissionError)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sklearn-shotgun")
    except PackageNotFoundError:  # running from a source tree that is not installed
        from .. import __version__

        return __version__


class _VersionAction(argparse.Action):
    """``--version``, resolved only when asked (no package metadata read otherwise)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"sklearn-shotgun {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sklearn-shotgun`` command."""
    parser = argparse.ArgumentParser(
        prog="sklearn-shotgun",
        description="Shotgun transfer learning for materials and molecules: pretrain a pool "
        "of small networks on a source property, transfer it to a small target data set, "
        "predict new inputs.",
        epilog="Run 'sklearn-shotgun COMMAND --help' for the options of a command.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of every error (also: SKLEARN_SHOTGUN_DEBUG=1)",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="the command to run"
    )
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 for an input error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get("SKLEARN_SHOTGUN_DEBUG", "") not in ("", "0")
    prog = f"sklearn-shotgun {args.command}"

    def show(message, category, filename, lineno, file=None, line=None):
        # A user of the command needs the warning, not the package's source line.
        where = f" ({filename}:{lineno})" if debug else ""
        print(f"{prog}: warning: {message}{where}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        try:
            return args.handler(args)
        except _USER_ERRORS as exc:
            if debug:
                raise
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"{prog}: error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            if debug:
                raise
            print(f"{prog}: interrupted", file=sys.stderr)
            return 130
