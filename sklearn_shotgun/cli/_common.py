"""Pieces shared by the subcommands: argument types, CSV reading and table writing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Featurizer names of ``--featurizer``: fingerprint families, RDKit 2D descriptors,
#: compositions.
FINGERPRINTS = (
    "morgan",
    "feature_morgan",
    "atom_pair",
    "torsion",
    "rdkit",
    "maccs",
    "avalon",
    "pattern",
    "layered",
)
FEATURIZERS = (*FINGERPRINTS, "rdkit2d", "composition")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (None, "", [], a flag)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, "", []) or isinstance(action.default, bool):
            return action.help or ""
        return super()._get_help_string(action)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def fraction(text: str) -> float:
    """An argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {value}")
    return value


def int_range(text: str) -> int | tuple[int, int]:
    """An argparse type: ``N`` or ``LOW,HIGH`` (positive integers)."""
    parts = text.split(",")
    if len(parts) > 2:
        raise argparse.ArgumentTypeError(f"expected N or LOW,HIGH, got {text!r}")
    values = tuple(positive_int(p.strip()) for p in parts)
    return values[0] if len(values) == 1 else values


def float_range(text: str) -> float | tuple[float, float]:
    """An argparse type: ``X`` or ``LOW,HIGH`` (positive numbers)."""
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X or LOW,HIGH, got {text!r}") from None
    if len(values) > 2 or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"expected X or LOW,HIGH (positive), got {text!r}")
    return values[0] if len(values) == 1 else values


def add_columns(parser: argparse.ArgumentParser, target: bool, input_default: str | None) -> None:
    """``--input`` (and ``--target``) column options."""
    parser.add_argument(
        "--input",
        "--input-column",
        dest="input_column",
        default=input_default,
        metavar="COLUMN",
        help="CSV column of the inputs (SMILES, polymer repeat units with '*', or formulas)",
    )
    if target:
        parser.add_argument(
            "--target",
            "--target-column",
            dest="target_column",
            required=True,
            metavar="COLUMN",
            help="CSV column of the property to learn",
        )


def add_featurizer(parser: argparse.ArgumentParser, default: str = "morgan") -> None:
    """``--featurizer`` and its options."""
    group = parser.add_argument_group("featurizer")
    group.add_argument(
        "--featurizer",
        "--descriptor",
        dest="featurizer",
        default=default,
        choices=FEATURIZERS,
        metavar="NAME",
        help=f"descriptor of the inputs: a fingerprint ({', '.join(FINGERPRINTS)}), 'rdkit2d' "
        "(RDKit 2D descriptors) or 'composition' (elemental statistics)",
    )
    group.add_argument("--counts", action="store_true", help="count fingerprints rather than bits")
    group.add_argument("--n-bits", type=positive_int, default=2048, help="fingerprint length")
    group.add_argument("--radius", type=positive_int, default=2, help="Morgan radius")
    group.add_argument(
        "--polymer",
        choices=("dummy", "hydrogen", "cyclic"),
        default="dummy",
        help="how fingerprints and descriptors treat the '*' ends of polymer repeat units",
    )
    group.add_argument(
        "--composition-input",
        choices=("auto", "formula", "smiles"),
        default="auto",
        help="what 'composition' reads; auto: SMILES when every input parses as SMILES",
    )


def make_featurizer(args: argparse.Namespace, items: list[Any], errors: str = "raise") -> Any:
    """The featurizer that ``add_featurizer``'s options describe."""
    from ..featurizers import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer

    n_jobs = getattr(args, "n_jobs", None)
    if args.featurizer == "composition":
        kind = args.composition_input
        if kind == "auto":
            from ..baseline import input_kind

            kind = input_kind(items)
        return CompositionFeaturizer(input=kind, errors=errors, n_jobs=n_jobs)
    if args.featurizer == "rdkit2d":
        return DescriptorFeaturizer(polymer=args.polymer, errors=errors, n_jobs=n_jobs)
    return FingerprintFeaturizer(
        kind=args.featurizer,
        radius=args.radius,
        n_bits=args.n_bits,
        counts=args.counts,
        polymer=args.polymer,
        errors=errors,
        n_jobs=n_jobs,
    )


def read_csv(path: str, columns: list[str]) -> pd.DataFrame:
    """A CSV file that must hold ``columns``; a clear ValueError for anything else."""
    import pandas as pd  # here, not at the top: --help and --version need no pandas

    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if file.is_dir():
        raise ValueError(f"{path} is a directory, not a CSV file")
    try:
        frame = pd.read_csv(file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path} as CSV: {' '.join(str(exc).split())}") from None
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(
            f"{path} has no column {', '.join(map(repr, missing))}; its columns are "
            f"{', '.join(map(str, frame.columns[:20]))}{' ...' if frame.shape[1] > 20 else ''}"
        )
    return frame


def read_xy(
    path: str, input_column: str, target_column: str, numeric: bool = True
) -> tuple[list[Any], np.ndarray]:
    """Inputs and targets (numbers unless ``numeric=False``, e.g. class labels); rows
    missing either are dropped, with a note."""
    import numpy as np
    import pandas as pd

    frame = read_csv(path, [input_column, target_column])
    kept = frame.dropna(subset=[input_column, target_column])
    if len(kept) < len(frame):
        note(
            f"{path}: {len(frame) - len(kept)} rows without {input_column} or "
            f"{target_column} left out"
        )
    if kept.empty:
        raise ValueError(f"{path} has no row with both {input_column} and {target_column}")
    if not numeric:
        return kept[input_column].tolist(), kept[target_column].to_numpy()
    y = pd.to_numeric(kept[target_column], errors="coerce")
    if y.isna().any():
        row = int(np.flatnonzero(y.isna().to_numpy())[0])
        raise ValueError(
            f"{path}: column {target_column} is not numeric "
            f"(row {kept.index[row]}: {kept[target_column].iloc[row]!r})"
        )
    return kept[input_column].tolist(), y.to_numpy(dtype=float)


def note(message: str) -> None:
    """A progress or information line on stderr (stdout carries the results)."""
    print(message, file=sys.stderr)


def write_table(frame: pd.DataFrame, path: str | None) -> None:
    """Write ``frame`` as CSV or Parquet (by extension), or as CSV to stdout (no path)."""
    if path is None or path == "-":
        frame.to_csv(sys.stdout, index=False)
        return
    from .._io import atomic_write_bytes

    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValueError(
                "writing Parquet needs pyarrow: pip install pyarrow "
                "(or pip install 'sklearn-shotgun[parquet]')"
            ) from None
        import io

        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        data = buffer.getvalue()
    elif suffix in (".csv", ".txt", ""):
        data = frame.to_csv(index=False, lineterminator="\n").encode()
    else:
        raise ValueError(f"{path}: unknown output format {suffix!r}; use .csv or .parquet")
    parent = Path(path).parent
    if not parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {parent} does not exist")
    atomic_write_bytes(path, data)
