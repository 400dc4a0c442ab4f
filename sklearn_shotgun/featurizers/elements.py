"""The element property table bundled with the package.

The table covers the 58 elemental properties of XenonPy's ``elements_completed`` table (the
descriptor basis of the inorganic models in the shotgun transfer learning paper), rebuilt from
permissively licensed packages (mendeleev, pymatgen, matminer's Magpie tables) by
``tools/build_element_table.py``. Missing values of H..Pu (Z = 1..94) are imputed with
scikit-learn's ``IterativeImputer``; which cells were imputed is recorded and available from
:func:`imputed_mask`. Units, sources and licences of every column are available from
:func:`element_table_sources`; the documentation lists them in ``docs/element_table.md``.

Three views are available through ``which``:

``"default"``
    Z = 1..94 (H..Pu), no missing value (imputed cells included).
``"extended"``
    Z = 1..103 (H..Lr): the default rows followed by Am..Lr with source values only (NaN where
    the sources have no value).
``"raw"``
    Z = 1..103, source values only: the imputed cells are NaN.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import pandas as pd

__all__ = [
    "ELEMENT_TABLES",
    "element_table_build_info",
    "element_table_sources",
    "imputed_mask",
    "load_element_table",
]

#: Accepted values of ``which``.
ELEMENT_TABLES: tuple[str, ...] = ("default", "extended", "raw")

#: Rows of the ``"default"`` table (Z = 1..Z_COMPLETE have no missing value).
Z_COMPLETE = 94

_DATA = "data"


def _data_file(name: str):
    return resources.files("sklearn_shotgun.featurizers").joinpath(_DATA, name)


def _check_which(which: str) -> None:
    if not isinstance(which, str) or which not in ELEMENT_TABLES:
        raise ValueError(f"which must be one of {ELEMENT_TABLES}, got {which!r}.")


@functools.lru_cache(maxsize=1)
def _read_values() -> pd.DataFrame:
    with _data_file("elements.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, index_col="symbol")
    return frame.astype("float64")


@functools.lru_cache(maxsize=1)
def _read_mask() -> pd.DataFrame:
    with _data_file("elements_imputed.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, index_col="symbol")
    return frame.astype(bool)


@functools.lru_cache(maxsize=1)
def _read_sources() -> pd.DataFrame:
    with _data_file("elements_sources.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, keep_default_na=False)
    for name in ("n_source", "n_fallback", "n_imputed"):
        frame[name] = frame[name].astype("int64")
    return frame.set_index("column")


@functools.lru_cache(maxsize=len(ELEMENT_TABLES))
def _table(which: str) -> pd.DataFrame:
    values = _read_values()
    if which == "default":
        return values.iloc[:Z_COMPLETE]
    if which == "raw":
        return values.mask(_read_mask())
    return values


def load_element_table(which: str = "default") -> pd.DataFrame:
    """Load the bundled table of elemental properties.

    Parameters
    ----------
    which : {"default", "extended", "raw"}, default="default"
        ``"default"``: H..Pu (Z = 1..94), complete (imputed cells included).
        ``"extended"``: H..Lr (Z = 1..103), imputed cells included for Z <= 94 and NaN where
        the sources have no value for Z > 94. ``"raw"``: H..Lr with source values only (imputed
        cells are NaN).

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
    >>> float(table.loc["F", "en_pauling"])
    3.98
    """
    _check_which(which)
    return _table(which).copy()


def imputed_mask(which: str = "default") -> pd.DataFrame:
    """Boolean mask of the imputed cells of the element table.

    Parameters
    ----------
    which : {"default", "extended", "raw"}, default="default"
        Table whose rows the mask is aligned with (see :func:`load_element_table`). For
        ``"raw"`` the mask tells which cells are NaN because they were imputed in the other
        views.

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
    _check_which(which)
    mask = _read_mask()
    if which == "default":
        mask = mask.iloc[:Z_COMPLETE]
    return mask.copy()


def element_table_sources() -> pd.DataFrame:
    """Provenance of every column of the element table.

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
        - ``imputation``: how the imputed cells were computed.

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


def element_table_build_info() -> dict:
    """Build metadata of the bundled table: source package versions and imputation settings.

    Returns
    -------
    dict
        The content of ``elements_build.json`` written by ``tools/build_element_table.py``.

    Examples
    --------
    >>> from sklearn_shotgun.featurizers.elements import element_table_build_info
    >>> element_table_build_info()["imputation"]["random_state"]
    0
    """
    with _data_file("elements_build.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)
