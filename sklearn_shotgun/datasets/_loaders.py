"""Loaders of the public data sets used by the examples and benchmarks."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ._fetch import data_home, fetch_file

__all__ = ["QM9_PROPERTIES", "load_qm9", "load_radonpy"]

#: QM9 property columns (names as in qm9pack) and their units.
QM9_PROPERTIES = {
    "Heatcapacity_Cv_cal_mol_K": "cal/(mol K)",
    "HOMO_au": "Hartree",
    "LUMO_au": "Hartree",
    "HOMO_LUMO_gap_au": "Hartree",
    "ZPVE_au": "Hartree",
    "InternalEnergy_0K_au": "Hartree",
    "InternalEnergy_298K_au": "Hartree",
    "Enthalphy_298K_au": "Hartree",
    "GibbsFreeEnergy_298K_au": "Hartree",
    "Polarizability_bohr3": "bohr^3",
    "R2_bohr2": "bohr^2",
    "Dipole_debye": "Debye",
}

_RADONPY_URL = (
    "https://raw.githubusercontent.com/RadonPy/RadonPy/"
    "648c9a492808339c9bb7ad2c1137e5a7b07614ca/data/PI1070.csv"
)
_RADONPY_SHA256 = "4ee41d526db3d03eb5b83010672b4e63a4d51a114871a2187ca7fd57d30556a4"
_QM9_LOCAL = "qm9_qm9pack/qm9.csv.gz"


def _subsample(frame: pd.DataFrame, n_samples: int | None, random_state) -> pd.DataFrame:
    if n_samples is None or n_samples >= len(frame):
        return frame.reset_index(drop=True)
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(len(frame), size=n_samples, replace=False))
    return frame.iloc[rows].reset_index(drop=True)


def load_qm9(
    *,
    n_samples: int | None = None,
    random_state: int | None = None,
    home: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """QM9: 130,831 small organic molecules with 12 B3LYP properties.

    Looks for ``qm9_qm9pack/qm9.csv.gz`` under the data home (a folder laid out like
    the project's shared data), then reads the copy shipped by the PyPI package
    ``qm9pack`` (``pip install sklearn-shotgun[data]``).

    Parameters
    ----------
    n_samples : int, optional
        Random subset of this many molecules (in QM9 order).
    random_state : int, optional
        Seed of the subset.
    home : path-like, optional
        Data home (default ``$SKLEARN_SHOTGUN_DATA`` or ``~/.cache/sklearn_shotgun``).

    Returns
    -------
    pandas.DataFrame
        Columns ``SMILES``, ``Index`` and the properties of :data:`QM9_PROPERTIES`.
    """
    columns = ["Index", "SMILES", *QM9_PROPERTIES]
    local = data_home(home) / _QM9_LOCAL
    if local.exists():
        frame = pd.read_csv(local, usecols=columns)
    else:
        # Locate qm9pack's data without importing it: its __init__ needs pkg_resources,
        # which recent setuptools no longer provides.
        spec = importlib.util.find_spec("qm9pack")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(
                f"QM9 was not found at {local} and the package 'qm9pack' is not installed: "
                "pip install 'sklearn-shotgun[data]'."
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / "data"
        parts = [folder / f"qm9_part{i}.csv" for i in (1, 2, 3)]
        frame = pd.concat([pd.read_csv(p, usecols=columns) for p in parts], ignore_index=True)
    return _subsample(frame[columns], n_samples, random_state)


def load_radonpy(
    *,
    home: str | os.PathLike | None = None,
    download: bool = True,
    url: str = _RADONPY_URL,
) -> pd.DataFrame:
    """RadonPy PI1070: MD-computed properties of 1,077 amorphous polymers.

    Hayashi et al., npj Comput. Mater. 8, 222 (2022), BSD-3 licence. Repeat units are
    SMILES with ``*`` attachment points (column ``smiles``); ``Cp`` and ``Cv`` are in
    J/(kg K), ``thermal_conductivity`` in W/(m K). The CSV is fetched from the RadonPy
    repository pinned to a commit, verified by sha256 and cached under the data home.

    Parameters
    ----------
    home : path-like, optional
        Data home.
    download : bool, default=True
        Allow the download when the file is not cached.
    url : str
        Source address (a mirror may be given; the sha256 check still applies).

    Returns
    -------
    pandas.DataFrame
        One row per polymer, 187 columns.
    """
    path = fetch_file(
        url, _RADONPY_SHA256, "polymer_radonpy_pi1070/PI1070.csv", home=home, download=download
    )
    return pd.read_csv(path)
