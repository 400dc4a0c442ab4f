"""Compositional descriptors: statistics of elemental properties, vectorised.

Every row is parsed once into a sparse (rows x elements) matrix of amounts; each statistic
is then a handful of array operations over all rows at once (a sparse product for the
weighted mean and sum, ``ufunc.reduceat`` over the gathered property rows for the others).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pymatgen.core import Composition
from pymatgen.core.structure import SiteCollection
from rdkit import Chem, rdBase
from sklearn.utils.validation import check_is_fitted

from ._base import (
    BaseFeaturizer,
    ChunkResult,
    InvalidInputWarning,
    coerce_items,
    invalid,
    is_missing,
    short_repr,
)
from ._formula import ELEMENT_SYMBOLS, MAX_AMOUNT, FormulaError, parse_formula
from ._smiles import parse_smiles
from .elements import NAMED_TABLES, load_element_table

__all__ = ["COMPOSITION_STATS", "CompositionFeaturizer"]

#: Every statistic, in XenonPy's order (XenonPy calls the mean ``ave``).
COMPOSITION_STATS: tuple[str, ...] = ("mean", "sum", "var", "max", "min", "gmean", "hmean")
_INPUTS = ("formula", "smiles")
_KNOWN = frozenset(ELEMENT_SYMBOLS)
#: Rows per block of the statistics: bounds the (rows x k x properties) temporaries.
_BLOCK_ROWS = 1024


def _expand_stats(stats: Any) -> tuple[str, ...]:
    names = (stats,) if isinstance(stats, str) else stats
    try:
        names = tuple(names)
    except TypeError:
        raise ValueError(f"stats must be a string or a list of strings, got {stats!r}.") from None
    if not names:
        raise ValueError("stats must name at least one statistic.")
    for name in names:
        if name not in COMPOSITION_STATS:
            raise ValueError(
                f"Unknown statistic {name!r}; choose from {', '.join(COMPOSITION_STATS)}."
            )
    if len(set(names)) != len(names):
        raise ValueError(f"stats lists a statistic twice: {list(names)}.")
    return names


def _resolve_table(element_table: Any) -> pd.DataFrame:
    """The element table as a validated float64 DataFrame (a new object)."""
    names = ", ".join(repr(n) for n in NAMED_TABLES)
    if isinstance(element_table, str):
        if element_table not in NAMED_TABLES:
            raise ValueError(
                f"element_table must be one of {names} or a pandas DataFrame, got "
                f"{element_table!r}."
            )
        return load_element_table(element_table)
    if not isinstance(element_table, pd.DataFrame):
        raise ValueError(
            f"element_table must be one of {names} or a pandas DataFrame (index: element "
            f"symbols, columns: properties), got {type(element_table).__name__}."
        )
    if element_table.shape[0] == 0 or element_table.shape[1] == 0:
        raise ValueError(f"element_table is empty (shape {element_table.shape}).")
    unknown = [s for s in element_table.index if not (isinstance(s, str) and s in _KNOWN)]
    if unknown:
        raise ValueError(
            f"element_table's index must hold element symbols; not symbols: {unknown[:5]}."
        )
    if not element_table.index.is_unique:
        dup = element_table.index[element_table.index.duplicated()].tolist()
        raise ValueError(f"element_table lists elements twice: {dup[:5]}.")
    columns = [str(c) for c in element_table.columns]
    if len(set(columns)) != len(columns):
        raise ValueError("element_table has duplicate column names.")
    try:
        table = element_table.astype("float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"element_table must be numeric: {exc}") from None
    if np.isinf(table.to_numpy()).any():
        raise ValueError("element_table has infinite values.")
    missing = table.isna()
    if missing.to_numpy().any():
        cells = missing.stack()
        where = [f"{el}:{col}" for (el, col) in cells[cells].index[:5]]
        warnings.warn(
            f"element_table has {int(missing.to_numpy().sum())} missing values (e.g. "
            f"{', '.join(where)}); every statistic over a composition that contains such an "
            "element is NaN for that property, except max and min, which skip it as XenonPy "
            "does.",
            UserWarning,
            stacklevel=4,
        )
    table.columns = columns
    return table


def _check_amounts(amounts: dict[str, float]) -> None:
    if not amounts:
        raise ValueError("empty composition")
    for sym, amt in amounts.items():
        if sym not in _KNOWN:
            raise ValueError(f"unknown element symbol {sym!r}")
        if not (0 < amt <= MAX_AMOUNT):
            raise ValueError(
                f"amount of {sym} is {amt}; amounts must be positive and at most {MAX_AMOUNT:g}"
            )


def _mapping_amounts(item: Mapping) -> dict[str, float]:
    amounts: dict[str, float] = {}
    for key, value in item.items():
        sym = getattr(key, "symbol", key)  # pymatgen Element / Species keys
        if not isinstance(sym, str):
            raise ValueError(f"element keys must be symbols, got {key!r}")
        try:
            if isinstance(value, bool | np.bool_):
                raise TypeError
            amt = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"amount of {sym} is not a number: {value!r}") from None
        amounts[sym] = amounts.get(sym, 0.0) + amt
    _check_amounts(amounts)
    return amounts


def _smiles_amounts(item: Any) -> dict[str, float]:
    """Atom counts of a molecule or repeat unit: ``*`` ignored, hydrogens counted."""
    mol, reason = parse_smiles(item)  # strict, as for the fingerprints
    if mol is None:
        raise ValueError(reason)
    amounts: dict[str, float] = {}
    n_h = 0
    try:
        for atom in mol.GetAtoms():
            if atom.GetAtomicNum() == 0:  # attachment point '*' of a repeat unit
                continue
            sym = atom.GetSymbol()
            amounts[sym] = amounts.get(sym, 0.0) + 1.0
            n_h += atom.GetTotalNumHs()
    except RuntimeError as exc:  # e.g. an unsanitised Mol
        raise ValueError(f"RDKit: {exc}") from None
    if n_h:
        amounts["H"] = amounts.get("H", 0.0) + n_h
    if not amounts:
        raise ValueError("empty composition (no atom but '*')")
    return amounts


def _formula_amounts(item: Any) -> dict[str, float]:
    if isinstance(item, str):
        try:
            return parse_formula(item)
        except FormulaError as exc:
            raise ValueError(str(exc)) from None
    if isinstance(item, Composition):
        return _mapping_amounts(item.get_el_amt_dict())
    if isinstance(item, SiteCollection):  # Structure, IStructure, Molecule
        return _mapping_amounts(item.composition.get_el_amt_dict())
    if isinstance(item, Mapping):
        return _mapping_amounts(item)
    if isinstance(item, Chem.Mol):
        raise ValueError("an RDKit Mol needs input='smiles'")
    raise ValueError(
        "expected a formula string, a dict, or a pymatgen Composition, Structure or "
        f"Molecule, got {type(item).__name__}"
    )


def _parse_chunk(
    items: Sequence[Any], symbols: Sequence[str], input: str, errors: str, offset: int
) -> tuple[sp.csr_matrix, list[tuple[int, Any, str]]]:
    """Amount matrix (rows x table elements) of ``items``; invalid rows are empty."""
    index = {sym: j for j, sym in enumerate(symbols)}
    to_amounts = _smiles_amounts if input == "smiles" else _formula_amounts
    item_name = "SMILES" if input == "smiles" else "formula"
    indptr = np.zeros(len(items) + 1, dtype=np.int64)
    indices: list[int] = []
    data: list[float] = []
    bad = []
    with rdBase.BlockLogs():
        for i, item in enumerate(items):
            if type(item) is str and input == "formula" and item:  # the fast, common case
                try:
                    amounts = parse_formula(item)
                except FormulaError as exc:
                    reason = "missing value" if is_missing(item) else str(exc)
                    bad.append(invalid(offset + i, item, reason, errors, item_name))
                    indptr[i + 1] = len(indices)
                    continue
            elif is_missing(item):
                bad.append(invalid(offset + i, item, "missing value", errors, item_name))
                indptr[i + 1] = len(indices)
                continue
            else:
                try:
                    amounts = to_amounts(item)
                except ValueError as exc:
                    bad.append(invalid(offset + i, item, str(exc), errors, item_name))
                    indptr[i + 1] = len(indices)
                    continue
            try:
                cols = [index[sym] for sym in amounts]
            except KeyError:
                missing = [sym for sym in amounts if sym not in index]
                reason = (
                    f"element {missing[0]!r} is not in the element table"
                    if missing[0] in _KNOWN
                    else f"unknown element symbol {missing[0]!r}"
                )
                bad.append(invalid(offset + i, item, reason, errors, item_name))
                indptr[i + 1] = len(indices)
                continue
            indices.extend(cols)
            data.extend(amounts.values())
            indptr[i + 1] = len(indices)
    matrix = sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(items), len(symbols)),
    )
    return matrix, bad


def _gmean(values: np.ndarray, n: np.ndarray, total: np.ndarray) -> np.ndarray:
    """XenonPy's ``prod(p ** n) ** (1 / N)`` for one bucket, in log space with its sign rules.

    ``values`` is (k, rows, properties), ``n`` (rows, k) and ``total`` (rows,).
    """
    k = values.shape[0]
    exponent = 1.0 / total
    whole = n == np.floor(n)
    odd = whole & (np.fmod(n, 2.0) == 1.0)
    logs = np.zeros(values.shape[1:])
    nan = np.zeros(values.shape[1:], dtype=bool)
    negative = np.zeros(values.shape[1:], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(k):
            logs += n[:, j, None] * np.log(np.abs(values[j]))
            neg = values[j] < 0
            # A negative value to a fractional power is NaN; to an odd one, it flips the sign.
            nan |= neg & ~whole[:, j, None]
            negative ^= neg & odd[:, j, None]
        out = np.exp(logs * exponent[:, None])
    # A negative product to the power 1/N: NaN unless 1/N is whole (odd keeps the sign).
    e_whole = (exponent == np.floor(exponent))[:, None]
    e_odd = e_whole & (np.fmod(exponent, 2.0) == 1.0)[:, None]
    nan |= negative & ~e_whole & (out != 0)
    out = np.where(negative & e_odd, -out, out)
    out[nan] = np.nan
    return out


def _weighted_sum(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``sum_j weights[:, j] * values[j]``, accumulated in element order (as ``w.dot(p)``).

    Each output cell depends on its own row only, so results do not change with the batch
    or with the table's other columns.
    """
    acc = weights[:, 0, None] * values[0]
    for j in range(1, values.shape[0]):
        acc += weights[:, j, None] * values[j]
    return acc


def _bucket_statistics(
    table: np.ndarray, idx: np.ndarray, n: np.ndarray, stats: Sequence[str]
) -> np.ndarray:
    """Statistics of rows that all hold ``k`` elements: ``idx``, ``n`` are (rows, k)."""
    n_props = table.shape[1]
    k = idx.shape[1]
    values = table[idx.T]  # (k, rows, properties): one contiguous slab per element slot
    total = n.sum(axis=1)
    w = n / total[:, None]
    block = np.empty((idx.shape[0], len(stats) * n_props), dtype=np.float64)
    mean = _weighted_sum(w, values) if {"mean", "var"} & set(stats) else None
    for s, stat in enumerate(stats):
        cols = slice(s * n_props, (s + 1) * n_props)
        if stat == "mean":
            block[:, cols] = mean
        elif stat == "sum":
            block[:, cols] = _weighted_sum(n, values)
        elif stat == "var":
            dev = values - mean
            dev *= dev
            block[:, cols] = _weighted_sum(w, dev)
        elif stat in ("max", "min"):
            func = np.fmax if stat == "max" else np.fmin  # NaN skipped, as pandas does
            acc = block[:, cols]
            acc[...] = values[0]
            for j in range(1, k):
                func(acc, values[j], out=acc)
        elif stat == "gmean":
            block[:, cols] = _gmean(values, n, total)
        else:  # hmean
            with np.errstate(divide="ignore", invalid="ignore"):
                block[:, cols] = total[:, None] / _weighted_sum(n, 1.0 / values)
    return block


def _statistics(amounts: sp.csr_matrix, table: np.ndarray, stats: Sequence[str]) -> np.ndarray:
    """Features of the rows of ``amounts`` (every row must hold at least one element).

    Rows are grouped by their number of elements ``k``; each group's property rows are
    gathered into a (k, rows, properties) array and every statistic is ``k`` whole-array
    operations, so the work is a few array passes whatever the number of rows.
    """
    n_rows = amounts.shape[0]
    out = np.empty((n_rows, len(stats) * table.shape[1]), dtype=np.float64)
    indptr, indices, data = amounts.indptr, amounts.indices, amounts.data
    counts = np.diff(indptr)
    order = np.argsort(counts, kind="stable")
    bounds = np.searchsorted(counts[order], np.arange(counts.max() + 2))
    for k in range(1, counts.max() + 1):
        group = order[bounds[k] : bounds[k + 1]]
        for a in range(0, len(group), _BLOCK_ROWS):
            rows = group[a : a + _BLOCK_ROWS]
            pos = indptr[rows][:, None] + np.arange(k)
            out[rows] = _bucket_statistics(table, indices[pos], data[pos], stats)
    return out


def _features(amounts: sp.csr_matrix, table: np.ndarray, stats: Sequence[str]) -> np.ndarray:
    """Features of every row; empty rows (invalid input) are zeros."""
    filled = np.diff(amounts.indptr) > 0
    if filled.all():
        return _statistics(amounts, table, stats)
    out = np.zeros((amounts.shape[0], len(stats) * table.shape[1]), dtype=np.float64)
    if filled.any():
        out[filled] = _statistics(amounts[filled], table, stats)
    return out


def _reject_overflow(
    values: np.ndarray, params: dict[str, Any], items: list[Any], offset: int, bad: list
) -> None:
    """Make rows invalid whose mean, sum, var, max or min overflowed to infinity.

    Amounts are bounded (``MAX_AMOUNT``), but a user table with huge values can still
    overflow ``sum`` or ``var``; such a row must not pass as valid. (``gmean`` and
    ``hmean`` keep XenonPy's documented NaN and infinite values.)
    """
    n_props = params["table"].shape[1]
    cols = [
        np.arange(s * n_props, (s + 1) * n_props)
        for s, stat in enumerate(params["stats"])
        if stat not in ("gmean", "hmean")
    ]
    if not cols:
        return
    rows = np.flatnonzero(np.isinf(values[:, np.concatenate(cols)]).any(axis=1))
    name = "SMILES" if params["input"] == "smiles" else "formula"
    for r in rows:
        reason = "a statistic overflows float64 with these amounts and the table's values"
        bad.append(invalid(offset + int(r), items[r], reason, params["errors"], name))


class CompositionFeaturizer(BaseFeaturizer):
    """Statistics of elemental properties over a composition (XenonPy's descriptors).

    For each composition, every column ``p`` of the element table is summarised by the
    chosen statistics over the elements present; with the bundled 58-property table and the
    five default statistics this gives the 290 compositional features of the inorganic
    models of Yamada et al. (2019). The definitions are those of XenonPy's
    ``xenonpy.descriptor.compositions`` (``Compositions(featurizers="classic")`` for the
    default five), so with the default ``element_table="xenonpy"`` the output equals
    XenonPy's (XenonPy's ``ave:p`` is ``mean:p`` here, and its columns ``num_valance``,
    ``Polarizability``, ``electron_negativity`` are spelt ``num_valence``,
    ``polarizability``, ``electronegativity``). With ``n_i`` the amount of element ``i``
    (as written: ``Fe2O3`` has ``n_Fe = 2``), ``N = sum_i n_i`` and ``w_i = n_i / N`` its
    fraction:

    ============  ==========================================  ========================
    ``stats``     value                                        XenonPy class (label)
    ============  ==========================================  ========================
    ``"mean"``    ``sum_i w_i p_i``                           WeightedAverage (``ave``)
    ``"sum"``     ``sum_i n_i p_i`` (raw amounts)             WeightedSum (``sum``)
    ``"var"``     ``sum_i w_i (p_i - mean)^2``                WeightedVariance (``var``)
    ``"max"``     ``max_i p_i`` (NaN values skipped)          MaxPooling (``max``)
    ``"min"``     ``min_i p_i`` (NaN values skipped)          MinPooling (``min``)
    ``"gmean"``   ``(prod_i p_i^n_i)^(1/N)``                  GeometricMean (``gmean``)
    ``"hmean"``   ``N / sum_i (n_i / p_i)``                   HarmonicMean (``hmean``)
    ============  ==========================================  ========================

    ``var`` is the fraction-weighted population variance; ``sum`` depends on how the
    formula is written (``Fe2O3`` and ``Fe4O6`` differ), the others do not. Like XenonPy,
    ``gmean`` follows real powers: a negative value with a fractional amount, or a negative
    product with a fractional ``1/N``, gives NaN; a zero value gives 0. It is computed in log
    space, so it stays finite where XenonPy's direct product overflows. ``hmean`` is 0 when
    a present element has the value 0. NaN cells of a user table propagate into ``mean``,
    ``sum``, ``var``, ``gmean`` and ``hmean`` and are skipped by ``max`` and ``min`` (as
    pandas does in XenonPy).

    Parameters
    ----------
    stats : str or sequence of str, default=("mean", "sum", "var", "max", "min")
        Statistics to compute, in output order; any of ``"mean"``, ``"sum"``, ``"var"``,
        ``"max"``, ``"min"``, ``"gmean"``, ``"hmean"`` (see above).
    element_table : {"xenonpy", "curated", "default"} or pandas.DataFrame, default="xenonpy"
        A bundled table of 58 properties of H..Pu (see
        :func:`~sklearn_shotgun.featurizers.elements.load_element_table` and
        ``docs/element_table.md``):

        - ``"xenonpy"``: XenonPy's ``elements_completed``. The default because it gives
          exactly the published descriptors of XenonPy, of the shotgun transfer learning paper
          and of the models pretrained on them (its few doubtful values are listed in the
          docs).
        - ``"curated"``: rebuilt from mendeleev, pymatgen and matminer with its source
          errors corrected and every value's source and imputation recorded (values differ
          from XenonPy's in 33 of the 58 columns, see the docs).
        - ``"default"``: the curated table as shipped before its corrections (gas-phase
          atomic volumes, among others), frozen so that libraries saved with it keep their
          features; not for new models.

        Or a DataFrame indexed by element symbol with one numeric column per property; it is
        stored unchanged and validated in ``fit``. The name is what ``get_params`` records in
        a saved library, so a library always names the table its sources were trained on.
    input : {"formula", "smiles"}, default="formula"
        ``"formula"``: formula strings (``"Fe2O3"``, ``"Ca(OH)2"``, ``"K4[Fe(CN)6]"``,
        ``"Li0.5CoO2"``, hydrates ``"CuSO4·5H2O"`` or ``"CuSO4.5H2O"``), dicts
        ``{symbol: amount}``, pymatgen ``Composition`` (species are reduced to elements), or
        pymatgen ``Structure`` / ``Molecule`` (their composition). ``"smiles"``: SMILES
        strings or RDKit ``Mol`` objects, counted atom by atom with implicit hydrogens;
        the attachment points ``*`` of polymer repeat units are ignored, so
        ``"*CC(*)c1ccccc1"`` is C8H8. This lets molecules and polymers share the
        descriptor of inorganic compounds.
    errors : {"raise", "nan"}, default="raise"
        Invalid input (an unparsable formula or SMILES, an unknown element symbol, an element
        missing from the table such as Am with the default table, an empty composition, an
        amount that is not a number in (0, 1e9], None/NaN/empty strings, any other type, a
        row whose mean, sum, var, max or min overflows with a user table of huge values):
        raise a ``ValueError`` naming the row and the value, or return NaN rows with one
        :class:`~sklearn_shotgun.featurizers.InvalidInputWarning` listing them. SMILES are
        parsed as strictly as by :class:`FingerprintFeaturizer` (no inner blanks, printable
        ASCII only); formulas allow ASCII digits and blanks only.
    n_jobs : int, default=None
        Number of joblib workers over chunks of rows; the result is identical for every
        value. Parsing is the costly part; the statistics take well under a microsecond
        per row.

    Attributes
    ----------
    element_table_ : pandas.DataFrame
        The resolved element table (float64, string column names).
    n_features_in_ : int
        Always 1 (one column of compositions).
    feature_names_out_ : ndarray of str
        ``"<stat>:<property>"``, statistic-major: ``mean:atomic_number``, ...,
        ``min:polarizability``.
    n_features_out_ : int
        ``len(stats) * element_table_.shape[1]``.

    See Also
    --------
    FingerprintFeaturizer : fingerprints of molecules and polymer repeat units.
    sklearn_shotgun.featurizers.elements.load_element_table : the bundled table.

    Notes
    -----
    The formula parser treats ``.`` as a decimal point (``Bi2Te1.5Se1.5``) except between a
    whole count and a trailing water molecule (``CuSO4.5H2O`` is a pentahydrate), where
    pymatgen would read ``O4.5``. ``·``, ``•``, ``⋅`` and ``*`` always separate the parts of
    an adduct; a leading number multiplies its part.

    Examples
    --------
    >>> from sklearn_shotgun.featurizers.composition import CompositionFeaturizer
    >>> cf = CompositionFeaturizer()
    >>> X = cf.fit_transform(["NaCl", "Fe2O3", "CuSO4·5H2O"])
    >>> X.shape
    (3, 290)
    >>> names = list(cf.get_feature_names_out())
    >>> names[0], names[-1]
    ('mean:atomic_number', 'min:polarizability')
    >>> z = [names.index(f"{s}:atomic_number") for s in ("mean", "sum", "var", "max", "min")]
    >>> X[:2, z].round(6).tolist()
    [[14.0, 28.0, 9.0, 17.0, 11.0], [15.2, 76.0, 77.76, 26.0, 8.0]]

    Molecules and polymer repeat units through their composition:

    >>> smiles = CompositionFeaturizer(input="smiles", stats="mean").fit(["*CC(*)c1ccccc1"])
    >>> bool((smiles.transform(["*CC(*)c1ccccc1"]) ==
    ...       CompositionFeaturizer(stats="mean").fit_transform(["C8H8"])).all())
    True
    """

    def __init__(
        self,
        stats: str | Sequence[str] = ("mean", "sum", "var", "max", "min"),
        element_table: str | pd.DataFrame = "xenonpy",
        input: str = "formula",
        errors: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.stats = stats
        self.element_table = element_table
        self.input = input
        self.errors = errors
        self.n_jobs = n_jobs

    # -- hooks -------------------------------------------------------------------------
    @property
    def _item_types(self) -> tuple[type, ...]:  # type: ignore[override]
        if self.input == "smiles":
            return (str, Chem.Mol)
        return (str, Mapping, Composition, SiteCollection)

    def _check_params(self) -> None:
        super()._check_params()
        _expand_stats(self.stats)
        if not isinstance(self.input, str) or self.input not in _INPUTS:
            raise ValueError(f"input must be one of {', '.join(_INPUTS)}, got {self.input!r}.")

    def _worker_params(self) -> dict[str, Any]:
        return {
            "table": self.element_table_.to_numpy(dtype=np.float64),
            "symbols": tuple(self.element_table_.index),
            "stats": _expand_stats(self.stats),
            "input": self.input,
            "errors": self.errors,
        }

    def _make_feature_names(self) -> list[str]:
        columns = list(self.element_table_.columns)
        return [f"{stat}:{col}" for stat in _expand_stats(self.stats) for col in columns]

    @staticmethod
    def _featurize_chunk(params: dict[str, Any], items: list[Any], offset: int) -> ChunkResult:
        amounts, bad = _parse_chunk(
            items, params["symbols"], params["input"], params["errors"], offset
        )
        with np.errstate(over="ignore"):  # overflowing rows are rejected just below
            values = _features(amounts, params["table"], params["stats"])
        _reject_overflow(values, params, items, offset, bad)
        return ChunkResult(values, bad)

    @property
    def _item_name(self) -> str:  # type: ignore[override]
        return "SMILES" if self.input == "smiles" else "formula"

    @property
    def _items_name(self) -> str:  # type: ignore[override]
        return "SMILES" if self.input == "smiles" else "formulas"

    def _check_container(self, X: Any) -> None:
        # (scipy's dok_matrix is a Mapping: sparse input is rejected by coerce_items.)
        if isinstance(X, Mapping | Composition | SiteCollection) and not sp.issparse(X):
            raise ValueError(
                f"Expected a 1-D sequence of compositions, got a single {type(X).__name__}; "
                "wrap it in a list."
            )

    # -- scikit-learn API ----------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> CompositionFeaturizer:
        """Validate the parameters, resolve the element table and check the input container.

        Parameters
        ----------
        X : sequence of formulas, dicts, Compositions, Structures, Molecules (or SMILES)
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        self._check_container(X)
        self.element_table_ = _resolve_table(self.element_table)
        return super().fit(X, y)

    def transform(self, X: Any) -> np.ndarray:
        """Compute the statistics of every composition.

        Parameters
        ----------
        X : sequence of formulas, dicts, Compositions, Structures, Molecules (or SMILES)

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
        """
        self._check_container(X)
        return super().transform(X)

    def amount_matrix(self, X: Any) -> sp.csr_matrix:
        """Parse ``X`` into a sparse matrix of element amounts (the first step of ``transform``).

        Parameters
        ----------
        X : sequence of formulas, dicts, Compositions, Structures, Molecules (or SMILES)

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_samples, n_elements)
            ``amounts[i, j]`` is the amount of element ``element_table_.index[j]`` in row
            ``i``. With ``errors="nan"``, invalid rows are empty (and one warning lists them).
        """
        check_is_fitted(self, "element_table_")
        self._check_container(X)
        items, _ = coerce_items(X, self._items_name)
        amounts, bad = _parse_chunk(
            items, tuple(self.element_table_.index), self.input, self.errors, 0
        )
        if bad:
            self._warn(bad)
        return amounts

    def transform_amounts(self, amounts: Any) -> np.ndarray:
        """Compute the statistics from a matrix of amounts (``transform`` without parsing).

        Parameters
        ----------
        amounts : sparse matrix or array-like of shape (n_samples, n_elements)
            Non-negative amounts, columns in the order of ``element_table_.index`` (as
            returned by :meth:`amount_matrix`).

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            Rows without any element are invalid: ``errors="raise"`` raises a ``ValueError``
            naming the first one, ``errors="nan"`` returns NaN rows and warns.
        """
        check_is_fitted(self, "element_table_")
        matrix = sp.csr_matrix(amounts, dtype=np.float64)
        n_elements = len(self.element_table_)
        if matrix.ndim != 2 or matrix.shape[1] != n_elements:
            raise ValueError(
                f"amounts must have {n_elements} columns (one per element of the table), "
                f"got shape {matrix.shape}."
            )
        matrix.eliminate_zeros()
        symbols = self.element_table_.index
        row_of = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        bad_rows = set(np.flatnonzero(np.diff(matrix.indptr) == 0).tolist())
        ok = (matrix.data > 0) & (matrix.data <= MAX_AMOUNT)  # False for NaN
        bad_rows.update(row_of[~ok].tolist())
        good = np.ones(matrix.shape[0], dtype=bool)
        good[sorted(bad_rows)] = False
        stats = _expand_stats(self.stats)
        table = self.element_table_.to_numpy()
        out = np.full((matrix.shape[0], self.n_features_out_), np.nan)
        if good.any():
            with np.errstate(over="ignore"):  # overflowing rows are rejected below
                out[good] = _features(matrix[good], table, stats)
        overflow: list[tuple[int, Any, str]] = []
        _reject_overflow(
            out,
            {"table": table, "stats": stats, "input": "", "errors": "nan"},
            [None] * len(out),
            0,
            overflow,
        )
        bad_rows.update(r for r, _, _ in overflow)
        bad = []
        for r in sorted(bad_rows):
            row = matrix[r]
            value = {symbols[j]: float(v) for j, v in zip(row.indices, row.data, strict=True)}
            if not value:
                reason = "no element"
            elif good[r]:
                reason = "a statistic overflows float64 with these amounts and the table's values"
            else:
                reason = f"amounts must be positive and at most {MAX_AMOUNT:g}"
            bad.append((int(r), value, reason))
        if bad and self.errors == "raise":
            row, value, reason = bad[0]
            raise ValueError(f"Invalid amounts at row {row}: {value!r} ({reason}).")
        if bad:
            out[[b[0] for b in bad]] = np.nan
            self._warn(bad)
        return out

    def _warn(self, bad: list[tuple[int, Any, str]]) -> None:
        listing = ", ".join(f"{r} ({short_repr(v)}: {why})" for r, v, why in bad)
        warnings.warn(
            f"{len(bad)} invalid {self._items_name}: rows {listing}.",
            InvalidInputWarning,
            stacklevel=3,
        )
