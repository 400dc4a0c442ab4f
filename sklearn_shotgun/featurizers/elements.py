"""The element property tables bundled with the package.

Every table has the 58 elemental properties of XenonPy's ``elements_completed`` table (the
descriptor basis of the inorganic models in the shotgun transfer learning paper), in the same
column order and under the same names (three spellings differ from XenonPy's, see
``docs/element_table.md``). Available through ``which``:

``"xenonpy"`` (the default of :class:`~sklearn_shotgun.featurizers.CompositionFeaturizer`)
    XenonPy's own ``elements_completed`` (BSD-3-Clause), Z = 1..94 (H..Pu), no missing value:
    with it the featurizer reproduces XenonPy's 290 descriptors. Provenance in
    :func:`element_table_build_info`.
``"curated"``
    The table rebuilt from permissively licensed packages (mendeleev, pymatgen, matminer's
    Magpie tables) by ``tools/build_element_table.py``, with corrections of known source errors;
    Z = 1..94, missing values imputed with scikit-learn's ``IterativeImputer`` (which cells:
    :func:`imputed_mask`; units, sources and licences: :func:`element_table_sources`).
``"extended"``
    Z = 1..103 (H..Lr): the curated rows followed by Am..Lr with source values only (NaN where
    the sources have no value).
``"raw"``
    The curated table, Z = 1..103, source values only: the imputed cells are NaN.
``"default"``
    The curated table as shipped before its corrections, frozen: models saved with
    ``element_table="default"`` keep their features. Not for new work (its known errors are
    listed in ``docs/element_table.md``).

CSV files are read so that every value is the float nearest to its decimal text, whatever the
pandas version.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import pandas as pd

__all__ = [
    "DEFAULT_ELEMENT_TABLE",
    "ELEMENT_TABLES",
    "NAMED_TABLES",
    "element_table_build_info",
    "element_table_sources",
    "imputed_mask",
    "load_element_table",
    "read_exact_csv",
]

#: Accepted values of ``which``.
ELEMENT_TABLES: tuple[str, ...] = ("xenonpy", "curated", "extended", "raw", "default")

#: Tables a ``CompositionFeaturizer`` accepts by name (complete over H..Pu).
NAMED_TABLES: tuple[str, ...] = ("xenonpy", "curated", "default")

#: The table ``CompositionFeaturizer`` uses unless told otherwise.
DEFAULT_ELEMENT_TABLE = "xenonpy"

#: Rows of the complete tables (Z = 1..Z_COMPLETE have no missing value).
Z_COMPLETE = 94

#: Views of the curated build (its imputation mask and column sources apply to them).
_CURATED = ("curated", "extended", "raw")
_FILES = {"xenonpy": "elements_xenonpy", "default": "elements_legacy"}

_DATA = "data"


def _data_file(name: str):
    return resources.files("sklearn_shotgun.featurizers").joinpath(_DATA, name)


def _check_which(which: str, accepted: tuple[str, ...] = ELEMENT_TABLES) -> None:
    if not isinstance(which, str) or which not in accepted:
        raise ValueError(f"which must be one of {accepted}, got {which!r}.")


def read_exact_csv(source, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv`` giving, for every number, the float nearest to its decimal text.

    pandas < 3 parses floats with a fast routine that is off in the last digit for some
    values unless ``float_precision="round_trip"`` is given; pandas 3 parses exactly by
    default and deprecates the argument. Either way the values equal Python's ``float()`` of
    the text, so features do not depend on the pandas version.
    """
    if int(pd.__version__.split(".", 1)[0]) < 3:
        kwargs["float_precision"] = "round_trip"
    return pd.read_csv(source, **kwargs)


@functools.lru_cache(maxsize=3)
def _read_values(name: str = "elements") -> pd.DataFrame:
    with _data_file(f"{name}.csv").open("r", encoding="utf-8") as fh:
        frame = read_exact_csv(fh, index_col="symbol")
    return frame.astype("float64")


@functools.lru_cache(maxsize=1)
def _read_mask() -> pd.DataFrame:
    with _data_file("elements_imputed.csv").open("r", encoding="utf-8") as fh:
        frame = read_exact_csv(fh, index_col="symbol")
    return frame.astype(bool)


@functools.lru_cache(maxsize=1)
def _read_sources() -> pd.DataFrame:
    with _data_file("elements_sources.csv").open("r", encoding="utf-8") as fh:
        frame = read_exact_csv(fh, keep_default_na=False)
    for name in ("n_source", "n_fallback", "n_imputed"):
        frame[name] = frame[name].astype("int64")
    return frame.set_index("column")


@functools.lru_cache(maxsize=len(ELEMENT_TABLES))
def _table(which: str) -> pd.DataFrame:
    if which in _FILES:
        return _read_values(_FILES[which])
    values = _read_values()
    if which == "curated":
        return values.iloc[:Z_COMPLETE]
    if which == "raw":
        return values.mask(_read_mask())
    return values


def load_element_table(which: str = DEFAULT_ELEMENT_TABLE) -> pd.DataFrame:
    """Load a bundled table of elemental properties.

    Parameters
    ----------
    which : {"xenonpy", "curated", "extended", "raw", "default"}, default="xenonpy"
        ``"xenonpy"``: XenonPy's ``elements_completed``, H..Pu (Z = 1..94), complete.
        ``"curated"``: the rebuilt and corrected table, H..Pu, complete (imputed cells
        included). ``"extended"``: the curated table over H..Lr (Z = 1..103), NaN where the
        sources have no value for Z > 94. ``"raw"``: the curated table over H..Lr with source
        values only (imputed cells are NaN). ``"default"``: the curated table as shipped
        before its corrections, kept unchanged for models saved with it.

    Returns
    -------
    pandas.DataFrame
        One row per element, indexed by the element symbol and ordered by atomic number; 58
        float64 columns (see :func:`element_table_sources` for units and sources). A new copy
        on every call, so it may be modified freely.

    Raises
    ------
    ValueError
        If ``which`` is not one of the accepted values.

    See Also
    --------
    element_table_sources : Unit, source and licence of every column.
    imputed_mask : Which cells were imputed.

    Examples
    --------
    >>> from sklearn_shotgun.featurizers.elements import load_element_table
    >>> table = load_element_table()
    >>> table.shape
    (94, 58)
    >>> float(table.loc["Fe", "atomic_number"])
    26.0
    >>> float(table.loc["O", "atomic_volume"])  # cm^3/mol of solid oxygen
    14.0
    >>> float(load_element_table("curated").loc["F", "en_pauling"])
    3.98
    """
    _check_which(which)
    return _table(which).copy()


def imputed_mask(which: str = "curated") -> pd.DataFrame:
    """Boolean mask of the imputed cells of the curated element table.

    Parameters
    ----------
    which : {"curated", "extended", "raw"}, default="curated"
        View whose rows the mask is aligned with (see :func:`load_element_table`). For
        ``"raw"`` the mask tells which cells are NaN because they were imputed in the other
        views. (XenonPy does not say which cells of its table are imputed.)

    Returns
    -------
    pandas.DataFrame
        Same index and columns as ``load_element_table(which)``; True where the value was
        imputed rather than read from a source. A new copy on every call.

    Examples
    --------
    >>> from sklearn_shotgun.featurizers.elements import imputed_mask
    >>> mask = imputed_mask()
    >>> bool(mask.loc["Fe", "atomic_weight"])
    False
    >>> int(mask.to_numpy().sum()) > 0
    True
    """
    _check_which(which, _CURATED)
    mask = _read_mask()
    if which == "curated":
        mask = mask.iloc[:Z_COMPLETE]
    return mask.copy()


def element_table_sources() -> pd.DataFrame:
    """Provenance of every column of the curated element table.

    Returns
    -------
    pandas.DataFrame
        Indexed by column name (in table order), with the columns

        - ``unit``: unit of the values (``"1"`` for dimensionless numbers);
        - ``description``: what the property is;
        - ``source``: package and function, attribute or data file the values come from;
        - ``licence``: licence of the source package;
        - ``reference``: primary reference of the data;
        - ``xenonpy_name``: name of the matching column in XenonPy's ``elements_completed``;
        - ``n_source``: number of elements (Z = 1..103) with a source value;
        - ``n_fallback`` / ``fallback_elements``: cells filled from a secondary source;
        - ``n_imputed`` / ``imputed_elements``: cells imputed (Z <= 94);
        - ``imputation``: how the imputed cells were computed;
        - ``corrected_elements``: cells whose source value was corrected (the corrections,
          with their reasons, are listed in :func:`element_table_build_info`).

    Examples
    --------
    >>> from sklearn_shotgun.featurizers.elements import element_table_sources
    >>> sources = element_table_sources()
    >>> sources.loc["density", "unit"]
    'g/cm^3'
    >>> len(sources)
    58
    """
    return _read_sources().copy()


def element_table_build_info(which: str = "curated") -> dict:
    """Provenance of a bundled table.

    Parameters
    ----------
    which : {"xenonpy", "curated", "extended", "raw", "default"}, default="curated"
        The table (the curated views share one build).

    Returns
    -------
    dict
        For the curated views, ``elements_build.json`` written by
        ``tools/build_element_table.py``: source package versions, imputation settings and the
        corrected cells with their reasons. For ``"xenonpy"``, ``elements_xenonpy.json``: the
        package and file the table was taken from, its sha256 and licence, the renamed
        columns. For ``"default"``, ``elements_legacy.json``: what the frozen table is and its
        known errors.

    Examples
    --------
    >>> from sklearn_shotgun.featurizers.elements import element_table_build_info
    >>> element_table_build_info()["imputation"]["random_state"]
    0
    >>> element_table_build_info("xenonpy")["licence"].split()[0]
    'BSD-3-Clause'
    """
    _check_which(which)
    name = _FILES.get(which, "elements_build")
    with _data_file(f"{name}.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)
