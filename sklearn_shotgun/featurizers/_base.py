"""Shared machinery of the featurizers: input coercion, error policy, chunked ``n_jobs``.

A featurizer turns a 1-D sequence of raw items (SMILES, formulas, RDKit molecules ...)
into a numeric matrix. Subclasses implement two hooks:

``_featurize_chunk(params, items, offset)``
    a *static* function (so joblib workers can rebuild any unpicklable state, such as
    RDKit fingerprint generators, from plain parameters) that returns a
    :class:`ChunkResult`;
``_make_feature_names()``
    the output column names, computed from the parameters alone.

Everything else (input checking, the ``errors`` policy, splitting the rows over joblib
workers, assembling dense or sparse output, ``get_feature_names_out``) lives here, so
that every featurizer behaves the same way.
"""

from __future__ import annotations

import itertools
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._doc_link import DocLinkMixin

__all__ = [
    "BaseFeaturizer",
    "ChunkResult",
    "InvalidInputWarning",
    "coerce_items",
    "invalid",
    "is_missing",
    "short_repr",
    "validate_params",
]

#: Rows per joblib task. Large enough that process start-up and result transfer are
#: amortised, small enough that both cores stay busy until the end.
_CHUNK_ROWS = 4096


class InvalidInputWarning(UserWarning):
    """Raised (as a warning) when ``errors="nan"`` turned invalid rows into NaN rows."""


@dataclass
class ChunkResult:
    """What a featurizer worker returns for one chunk of rows.

    Attributes
    ----------
    values : ndarray or scipy.sparse.csr_matrix of shape (n_rows, n_features)
        The features; rows listed in ``bad`` hold zeros and are replaced by NaN
        (``errors="nan"``) by the caller.
    bad : list of (int, object, str)
        ``(row index in the full input, offending value, reason)`` for invalid rows.
    """

    values: Any
    bad: list[tuple[int, Any, str]] = field(default_factory=list)


def short_repr(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut in the middle when longer than ``limit`` characters.

    An error message must name the offending value, but not repeat a megabyte of it.
    """
    try:
        text = repr(value)
    except Exception as exc:  # a user object whose __repr__ fails still gets reported
        text = f"<{type(value).__name__} object, repr failed: {type(exc).__name__}>"
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]} ({len(text)} characters)"


def is_missing(item: Any) -> bool:
    """True for None, NaN, pandas' NA/NaT and blank strings: always invalid input."""
    if item is None or type(item).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(item, float | np.floating) and np.isnan(item):
        return True
    return isinstance(item, str) and not item.strip()


def _is_row(value: Any) -> bool:
    return isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim == 1)


def coerce_items(X: Any, what: str = "items") -> tuple[list[Any], list[str] | None]:
    """Turn the accepted input containers into a plain list of items.

    Parameters
    ----------
    X : list, tuple, 1-D ndarray, pandas Series, single-column DataFrame, 2-D ndarray
        with one column, or any other ordered iterable (a generator is read once).
    what : str
        Name of the items for error messages ("SMILES", "formulas" ...).

    Returns
    -------
    items : list
        One entry per row.
    feature_names_in : list of str or None
        The column name when ``X`` was a DataFrame with a string column name.

    Raises
    ------
    ValueError
        If ``X`` is empty, a bare string, unordered (a set or a dict), or has more than one
        column.
    """
    feature_names_in = None
    if isinstance(X, str | bytes):
        raise ValueError(
            f"Expected a 1-D sequence of {what}, got a single string {X!r}; wrap it in a list."
        )
    if isinstance(X, Set | Mapping) and not sp.issparse(X):
        # A set's order changes between runs, so its rows could not be matched to y.
        raise ValueError(
            f"Expected an ordered 1-D sequence of {what} (list, array, Series ...), got "
            f"a {type(X).__name__}."
        )
    if hasattr(X, "iloc") and hasattr(X, "columns"):  # pandas DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"Expected a single column of {what}, got a DataFrame with {X.shape[1]} columns."
            )
        if isinstance(X.columns[0], str):
            feature_names_in = [X.columns[0]]
        items = X.iloc[:, 0].tolist()
    elif hasattr(X, "iloc"):  # pandas Series
        items = X.tolist()
    elif sp.issparse(X):
        raise ValueError(f"Expected a 1-D sequence of {what}, got a sparse matrix.")
    else:
        if isinstance(X, np.ndarray):
            arr = X
        else:
            try:
                items = list(X)
            except TypeError as exc:
                raise ValueError(
                    f"Expected a 1-D sequence of {what}, got {type(X).__name__}."
                ) from exc
            # A list of rows (lists, tuples, 1-D arrays) is a 2-D input: a single column
            # is allowed, with every row holding one item (no rows mixed with items).
            if items and _is_row(items[0]):
                for row, value in enumerate(items):
                    if not _is_row(value) or len(value) != 1:
                        raise ValueError(
                            f"Expected a 1-D sequence of {what} or a single column; row 0 is "
                            f"a {type(items[0]).__name__} of {len(items[0])}, so every row must "
                            f"be a list, tuple or 1-D array of one item, but row {row} is "
                            f"{short_repr(value)}."
                        )
                items = [value[0] for value in items]
            arr = None
        if arr is not None:
            if arr.ndim == 2 and arr.shape[1] == 1:
                arr = arr[:, 0]
            if arr.ndim != 1:
                raise ValueError(
                    f"Expected a 1-D sequence of {what} (or a single column), "
                    f"got an array of shape {arr.shape}."
                )
            items = arr.tolist()
    if len(items) == 0:
        raise ValueError(f"Found an empty input: at least one of the {what} is required.")
    return items, feature_names_in


def _compressed(
    func: Callable[..., ChunkResult], params: dict[str, Any], items: list[Any], offset: int
) -> ChunkResult:
    """Run ``func`` in a worker and send sparse results back as CSR.

    Fingerprints are mostly zeros: shipping CSR instead of the dense block cuts the
    inter-process transfer (the main cost of ``n_jobs`` > 1) by one to two orders.
    """
    result = func(params, items, offset)
    values = result.values
    if not sp.issparse(values) and values.size and np.count_nonzero(values) < 0.25 * values.size:
        result.values = sp.csr_matrix(values)
    return result


def _check_errors_param(errors: Any) -> None:
    if not isinstance(errors, str) or errors not in ("raise", "nan"):
        raise ValueError(f"errors must be 'raise' or 'nan', got {errors!r}.")


def _check_n_jobs(n_jobs: Any) -> None:
    if n_jobs is not None and (
        not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0
    ):
        raise ValueError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r}.")


def validate_params(estimator: BaseEstimator) -> None:
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    scikit-learn's own validation, plus one rule of this package: a bool is accepted only
    where the constraints say ``"boolean"`` (Python's ``True`` is an ``int``, so
    ``n_bits=True`` would otherwise be a valid one-bit fingerprint).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` (and ``TypeError``) naming the parameter, what it must be and the
        value it got.
    """
    estimator._validate_params()
    params = estimator.get_params(deep=False)
    for name, constraints in estimator._parameter_constraints.items():
        value = params.get(name)
        if isinstance(value, bool | np.bool_) and "boolean" not in constraints:
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must not be a bool "
                f"(see its documentation for the accepted values). Got {value!r} instead."
            )


class BaseFeaturizer(DocLinkMixin, TransformerMixin, BaseEstimator):
    """Base class of the featurizers (not used directly).

    Featurizers are stateless: ``fit`` only validates the parameters and the input
    container, so ``fit`` on a handful of rows and ``transform`` on millions is fine,
    and ``fit_transform`` equals ``fit(X).transform(X)``.

    Invalid rows: with ``errors="raise"`` the first invalid row raises a ``ValueError``
    that names its index and value; with ``errors="nan"`` every invalid row becomes a
    row of NaN (the output is then floating point) and a single
    :class:`InvalidInputWarning` lists them all. ``None``, NaN and empty strings are
    always invalid.

    ``n_jobs`` splits the rows into chunks that joblib dispatches to workers; the
    result does not depend on ``n_jobs``.

    ``X`` may be any ordered iterable of items, including a generator (which
    ``fit_transform`` reads once).
    """

    #: Types and bounds of the parameters, checked in ``fit`` (scikit-learn's format);
    #: subclasses extend it.
    _parameter_constraints: ClassVar[dict] = {
        "errors": [StrOptions({"raise", "nan"})],
        "n_jobs": [None, numbers.Integral],
    }

    #: Singular and plural name of the items in messages; overridden by subclasses.
    _item_name = "item"
    _items_name = "items"

    # -- hooks for subclasses ------------------------------------------------------
    def _check_params(self) -> None:
        """Validate the constructor parameters (called by ``fit``)."""
        _check_errors_param(self.errors)
        _check_n_jobs(self.n_jobs)
        validate_params(self)

    #: Types an item may have (besides missing values, which are always invalid).
    _item_types: tuple[type, ...] = (str,)

    def _worker_params(self) -> dict[str, Any]:
        """Plain, picklable parameters passed to :meth:`_featurize_chunk`."""
        return self.get_params()

    @staticmethod
    def _featurize_chunk(params: dict[str, Any], items: list[Any], offset: int) -> ChunkResult:
        raise NotImplementedError

    def _make_feature_names(self) -> list[str]:
        raise NotImplementedError

    def _sparse_output(self) -> bool:
        return bool(getattr(self, "sparse", False))

    # -- scikit-learn API ---------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> BaseFeaturizer:
        """Validate the parameters and the input container.

        Parameters
        ----------
        X : sequence of raw items (see the class docstring)
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        items, names_in = coerce_items(X, self._items_name)
        if self.errors == "raise":
            # A cheap type check catches numeric matrices passed by mistake at fit time;
            # parsing every item is left to transform.
            for row, item in enumerate(items):
                if not is_missing(item) and not isinstance(item, self._item_types):
                    raise ValueError(
                        f"Invalid {self._item_name} at row {row}: {short_repr(item)} (expected "
                        f"{' or '.join(t.__name__ for t in self._item_types)}, "
                        f"got {type(item).__name__})."
                    )
        self.n_features_in_ = 1
        if names_in is not None:
            self.feature_names_in_ = np.asarray(names_in, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.feature_names_out_ = np.asarray(self._make_feature_names(), dtype=object)
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit to ``X`` (parameter checks only), then featurize it.

        Parameters
        ----------
        X : sequence of raw items (see the class docstring); a generator is read once
        y : ignored
        **fit_params : ignored

        Returns
        -------
        ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_features_out)
        """
        if isinstance(X, Iterator):  # fit would exhaust it and leave transform nothing
            X = list(X)
        return self.fit(X, y).transform(X)

    def transform(self, X: Any) -> np.ndarray | sp.csr_matrix:
        """Featurize ``X``.

        Parameters
        ----------
        X : sequence of raw items (see the class docstring)

        Returns
        -------
        ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "feature_names_out_")
        items, _ = coerce_items(X, self._items_name)
        params = self._worker_params()
        func: Callable[..., ChunkResult] = type(self)._featurize_chunk
        n_jobs = effective_n_jobs(self.n_jobs)
        if n_jobs == 1 or len(items) <= _CHUNK_ROWS:
            results = [func(params, items, 0)]
        else:
            # Chunks of about _CHUNK_ROWS rows, a multiple of the worker count so that no
            # worker idles while another finishes the last chunk.
            n_chunks = -(-len(items) // _CHUNK_ROWS)
            n_chunks = -(-n_chunks // n_jobs) * n_jobs
            bounds = np.linspace(0, len(items), n_chunks + 1).astype(int)
            # A generator lets the parent copy each finished chunk into the output while
            # the workers compute the next ones, instead of doing all copies at the end.
            results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(_compressed)(func, params, items[a:b], int(a))
                for a, b in itertools.pairwise(bounds)
                if b > a
            )
        return self._assemble(results, len(items))

    def _assemble(self, results: Iterable[ChunkResult], n_rows: int) -> np.ndarray | sp.csr_matrix:
        bad: list[tuple[int, Any, str]] = []
        blocks: list[Any] = []
        out: np.ndarray | None = None
        start = 0
        for result in results:  # in row order, as they arrive
            bad.extend(result.bad)
            block = result.values
            if self._sparse_output():
                blocks.append(sp.csr_matrix(block))
                continue
            if out is None:
                if block.shape[0] == n_rows and not sp.issparse(block):
                    out = block  # a single chunk: no copy
                    start = n_rows
                    continue
                out = np.empty((n_rows, block.shape[1]), dtype=block.dtype)
            stop = start + block.shape[0]
            out[start:stop] = block.toarray() if sp.issparse(block) else block
            start = stop
        if self._sparse_output():
            out = blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")
        if not bad:
            return out
        if self.errors == "raise":  # workers raise themselves; this is a safety net
            row, value, reason = bad[0]
            raise ValueError(
                f"Invalid {self._item_name} at row {row}: {short_repr(value)} ({reason})."
            )
        rows = np.array(sorted(b[0] for b in bad))
        listing = ", ".join(
            f"{r} ({short_repr(v)}: {why})" for r, v, why in sorted(bad, key=lambda b: b[0])
        )
        warnings.warn(
            f"{len(rows)} invalid {self._items_name} set to NaN: rows {listing}.",
            InvalidInputWarning,
            stacklevel=3,
        )
        if sp.issparse(out):
            out = out.astype(np.float64).tolil()
            out[rows, :] = np.nan
            return out.tocsr()
        out = out.astype(np.float64, copy=False)
        out[rows] = np.nan
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : ignored
            Present for API compatibility; the names depend on the parameters only.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.one_d_array = True
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags


def invalid(row: int, value: Any, reason: str, errors: str, item_name: str) -> tuple[int, Any, str]:
    """Record an invalid row, or raise at once when ``errors="raise"``.

    Parameters
    ----------
    row : int
        Index of the row in the full input.
    value : object
        The offending value, shown with ``repr``.
    reason : str
        Why it is invalid.
    errors : {"raise", "nan"}
    item_name : str
        Singular name of the item ("SMILES", "formula").

    Returns
    -------
    tuple
        ``(row, value, reason)`` for ``errors="nan"``.
    """
    if errors == "raise":
        raise ValueError(f"Invalid {item_name} at row {row}: {short_repr(value)} ({reason}).")
    return (row, value, reason)
