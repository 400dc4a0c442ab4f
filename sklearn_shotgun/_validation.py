"""Input checks shared by the estimators."""

from __future__ import annotations

import numpy as np

__all__ = ["check_finite_target", "raise_bad_target_rows"]

_SHOWN = 20


def raise_bad_target_rows(y: np.ndarray, rows: np.ndarray) -> None:
    """Raise a ``ValueError`` naming the rows of ``y`` (and their values) in ``rows``, if any."""
    if len(rows) == 0:
        return
    more = " ..." if len(rows) > _SHOWN else ""
    values = ", ".join(f"row {i}: {y[i]!r}" for i in rows[:_SHOWN])
    raise ValueError(
        f"y holds missing or non-finite values at rows {rows[:_SHOWN].tolist()}{more} "
        f"({values}{more}); drop those rows first."
    )


def check_finite_target(y: np.ndarray) -> None:
    """Raise a ``ValueError`` naming every row where a numeric ``y`` is NaN or infinite."""
    if y.dtype.kind in "fc":
        raise_bad_target_rows(y, np.flatnonzero(~np.isfinite(y)))
