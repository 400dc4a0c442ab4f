"""Loaders of the registered public data sets (scikit-learn ``fetch_*`` style)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._io import sha256_file
from ._fetch import DataIntegrityError, data_home, fetch_file, read_verified
from ._registry import (
    CHEMICALS_FILES,
    CHEMICALS_WHEEL,
    DATASETS,
    QM9_COLUMNS,
    QM9_MIRROR,
    QM9_PARTS,
    QM9_PROPERTIES,
    DataSet,
    RemoteFile,
)

__all__ = ["QM9_PROPERTIES", "fetch_dataset", "load_qm9", "load_radonpy", "read_frame"]


def _get(name: str) -> DataSet:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(
            f"unknown data set {name!r}; known: {', '.join(sorted(DATASETS))} "
            "(see sklearn_shotgun.datasets.list_datasets())"
        ) from None


def _need(module: str, dataset: DataSet) -> None:
    if importlib.util.find_spec(module) is None:
        raise ImportError(
            f"data set {dataset.name!r} needs the package {module!r}: "
            "pip install 'sklearn-shotgun[data]'"
        )


def _read_rdata(path: Path, obj: str) -> pd.DataFrame:
    import pyreadr

    try:
        frame = pyreadr.read_r(str(path))[obj]
    except pyreadr.custom_errors.PyreadrError as exc:
        raise DataIntegrityError(
            f"{path} could not be read as R data ({exc}): delete it and run again."
        ) from exc
    # R factors come back as pandas categoricals: plain values are what the other readers give.
    for column in frame.columns[frame.dtypes == "category"]:
        frame[column] = frame[column].astype(object)
    # pyreadr puts R's row names into the index; keep them as a column, number rows 0..n-1.
    frame = frame.reset_index()
    if "rownames" in frame and frame["rownames"].astype(str).tolist() == [
        str(i) for i in range(1, len(frame) + 1)
    ]:
        frame = frame.drop(columns="rownames")
    return frame


def _read_qm9_zip(path: Path) -> pd.DataFrame:
    """The QM9 table from the qm9pack wheel (its three CSVs, each sha256-checked)."""
    frames = []
    with zipfile.ZipFile(path) as wheel:
        for member, sha256 in QM9_PARTS.items():
            payload = wheel.read(member)
            found = hashlib.sha256(payload).hexdigest()
            if found != sha256:
                raise DataIntegrityError(
                    f"{member} in {path} has sha256 {found}, expected {sha256}: delete the "
                    "file and run again."
                )
            frames.append(pd.read_csv(io.BytesIO(payload), usecols=list(QM9_COLUMNS)))
    return pd.concat(frames, ignore_index=True)[list(QM9_COLUMNS)]


def _read_qm9(
    dataset: DataSet, home, download: bool, base_url: str | None, timeout: float
) -> pd.DataFrame:
    local = data_home(home) / QM9_MIRROR.relpath
    if local.exists():
        found = sha256_file(local)
        if found != QM9_MIRROR.sha256:
            raise DataIntegrityError(
                f"{local} has sha256 {found}, expected {QM9_MIRROR.sha256}: the file is "
                "truncated or corrupted. Delete it (QM9 is then read from qm9pack or "
                f"downloaded from {dataset.url})."
            )
        return read_verified(local, lambda p: pd.read_csv(p, usecols=list(QM9_COLUMNS)))
    # Locate qm9pack's data without importing it: its __init__ needs pkg_resources, which
    # recent setuptools no longer provides.
    spec = importlib.util.find_spec("qm9pack")
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        frames = []
        for member, sha256 in QM9_PARTS.items():
            part = package.parent / member
            found = sha256_file(part)
            if found != sha256:
                raise DataIntegrityError(
                    f"{part} has sha256 {found}, expected {sha256}: reinstall qm9pack==1.0.3."
                )
            frames.append(pd.read_csv(part, usecols=list(QM9_COLUMNS)))
        return pd.concat(frames, ignore_index=True)[list(QM9_COLUMNS)]
    wheel = fetch_file(
        *_remote(dataset.files[0]), home=home, download=download, base_url=base_url,
        timeout=timeout,
    )  # fmt: skip
    return read_verified(wheel, _read_qm9_zip, dataset.url)


def _is_pinned(member: str, data: bytes) -> bool:
    """Whether ``data`` has the sha256 pinned for the chemicals file ``member``."""
    return hashlib.sha256(data).hexdigest() == CHEMICALS_FILES[member]


def _chemicals_members(
    members: Sequence[str], home, download: bool, base_url: str | None, timeout: float
) -> dict[str, bytes]:
    """The bytes of files of chemicals 1.5.2, each sha256-checked.

    From an installed ``chemicals`` whose files match, else from the wheel (cached in the
    data home, downloaded from PyPI when missing).
    """
    spec = importlib.util.find_spec("chemicals")
    if spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations))).parent
        found = {m: (root / m).read_bytes() for m in members if (root / m).is_file()}
        if len(found) == len(members) and all(_is_pinned(m, d) for m, d in found.items()):
            return found
    # Another version of chemicals (or none) is installed: read the pinned wheel instead.
    wheel = fetch_file(
        *_remote(CHEMICALS_WHEEL), home=home, download=download, base_url=base_url,
        timeout=timeout,
    )  # fmt: skip

    def read(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            out = {m: z.read(m) for m in members}
        for m, data in out.items():
            if not _is_pinned(m, data):
                raise DataIntegrityError(f"{m} in {path} does not have the pinned sha256.")
        return out

    return read_verified(wheel, read, CHEMICALS_WHEEL.url)


_CHEMICALS_IDS = (
    "chemicals/Identifiers/chemical identifiers pubchem large.tsv",
    "chemicals/Identifiers/chemical identifiers pubchem small.tsv",
    "chemicals/Identifiers/Inorganic db.tsv",
)


def _read_chemicals(
    member: str, home, download: bool, base_url: str | None, timeout: float
) -> pd.DataFrame:
    """A table of chemicals with a SMILES and a molar mass joined on its CAS number."""
    files = _chemicals_members([member, *_CHEMICALS_IDS], home, download, base_url, timeout)
    table = pd.read_csv(io.BytesIO(files[member]), sep="\t")
    # The identifier tables have a variable number of synonym columns: only the first five
    # (PubChem id, CAS, formula, molar mass, SMILES) are read; the first table naming a CAS
    # number wins.
    smiles: dict[str, str] = {}
    mass: dict[str, float] = {}
    for name in _CHEMICALS_IDS:
        for line in files[name].decode("utf-8").splitlines():
            fields = line.split("\t", 5)
            if len(fields) > 4 and fields[1] not in smiles and fields[4]:
                smiles[fields[1]] = fields[4]
                mass[fields[1]] = float(fields[3])
    at = table.columns.get_loc("CAS") + 1
    table.insert(at, "SMILES", table["CAS"].map(smiles))
    table.insert(at + 1, "molar_mass", table["CAS"].map(mass))
    return table


# pandas' default missing-value markers, applied to every column but the inputs: "NaN" is
# sodium nitride in a formula column (CrabNet's mp_e_hull and mp_mu_b hold it), not a gap.
_NA_VALUES = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


def _read_csv(path: Path, inputs: Sequence[str], **kwargs) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0, **kwargs).columns
    na_values = {c: [""] if c in inputs else list(_NA_VALUES) for c in header}
    return pd.read_csv(path, keep_default_na=False, na_values=na_values, **kwargs)


def _to_float(column: pd.Series) -> pd.Series:
    """Target values as float64; a footnote letter after a number ("6.22b") is dropped."""
    if column.dtype.kind in "biuf":
        return column.astype(np.float64)
    text = column.astype(object).where(column.notna(), None)
    text = text.map(lambda v: v.strip() if isinstance(v, str) else v)
    text = text.str.replace(r"^([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)[a-z]$", r"\1", regex=True)
    return pd.to_numeric(text, errors="coerce").astype(np.float64)


def _remote(f: RemoteFile) -> tuple[str, str, str]:
    return f.url, f.sha256, f.relpath


def read_frame(
    name: str,
    *,
    home: str | os.PathLike | None = None,
    download: bool = True,
    base_url: str | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """The whole table of a registered data set, as published (no row dropped).

    Parameters are those of :func:`fetch_dataset`.

    Returns
    -------
    pandas.DataFrame
        ``DataSet.n_rows`` rows; CrabNet split sets carry an extra ``split`` column.
    """
    dataset = _get(name)
    if dataset.reader == "qm9":
        return _read_qm9(dataset, home, download, base_url, timeout)
    if dataset.reader.startswith("chemicals:"):
        member = dataset.reader.split(":", 1)[1]
        return _read_chemicals(member, home, download, base_url, timeout)
    if dataset.reader == "xlsx":
        _need("openpyxl", dataset)
    if dataset.reader.startswith("rdata:"):
        _need("pyreadr", dataset)
    paths = [
        fetch_file(*_remote(f), home=home, download=download, base_url=base_url, timeout=timeout)
        for f in dataset.files
    ]
    if dataset.reader == "splits":
        parts = []
        for path, f in zip(paths, dataset.files, strict=True):
            part = read_verified(path, lambda p: _read_csv(p, dataset.inputs), f.url)
            parts.append(part.assign(split=path.stem))
        return pd.concat(parts, ignore_index=True)
    path, url = paths[0], dataset.url
    if dataset.reader == "csv":
        return read_verified(path, lambda p: _read_csv(p, dataset.inputs), url)
    if dataset.reader == "csv-bom":
        return read_verified(
            path, lambda p: _read_csv(p, dataset.inputs, encoding="utf-8-sig"), url
        )
    if dataset.reader == "xlsx":
        return read_verified(path, pd.read_excel, url)
    if dataset.reader.startswith("rdata:"):
        obj = dataset.reader.split(":", 1)[1]
        return read_verified(path, lambda p: _read_rdata(p, obj), url)
    raise ValueError(f"data set {name!r}: unknown reader {dataset.reader!r}")  # pragma: no cover


def fetch_dataset(
    name: str,
    target: str | Sequence[str] | None = None,
    *,
    as_frame: bool = False,
    return_X_y: bool = False,
    dropna: bool = True,
    home: str | os.PathLike | None = None,
    download: bool = True,
    base_url: str | None = None,
    timeout: float = 60.0,
):
    """Load a registered public data set: inputs, target(s), units, licence and description.

    The file(s) are looked for under the data home (``home``, else ``$SKLEARN_SHOTGUN_DATA``,
    else ``~/.cache/sklearn_shotgun``), laid out like the project's shared data folder;
    missing ones are downloaded from their address pinned to a commit, verified by sha256
    and cached (see :func:`fetch_file`). Every read verifies the sha256 of the file.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (see :func:`list_datasets`).
    target : str or list of str, optional
        Target column(s); default: the data set's first target (``DATASETS[name].targets``).
    as_frame : bool, default=False
        Return ``data`` and ``target`` as pandas objects (Series for one column, DataFrame
        for several, indexed by the row numbers of ``frame``) rather than numpy arrays.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.
    dropna : bool, default=True
        Leave out of ``data`` and ``target`` the rows with a missing input, a missing or
        non-finite target, or a row the authors flag as unusable (``DataSet.exclude``).
        ``frame`` always holds every row of the file.
    home : path-like, optional
        Data home.
    download : bool, default=True
        Allow downloads of missing files (``False``: raise ``FileNotFoundError``).
    base_url : str, optional
        A mirror serving the files under the same URL paths as their public home.
    timeout : float, default=60
        Seconds to wait for the server.

    Returns
    -------
    sklearn.utils.Bunch or tuple
        With ``return_X_y``: ``(data, target)``. Otherwise a Bunch with

        - ``frame``: the whole table (pandas DataFrame, every row and column of the file);
        - ``data``: the inputs, one entry per row (1-D: SMILES, formulas, ...; 2-D when the
          data set has several input columns);
        - ``target``: float64 values of the target column(s);
        - ``feature_names``, ``target_names``: the input and target column names;
        - ``units``: ``{target column: units}``;
        - ``DESCR``: description (source, licence, citation, caveats);
        - ``name``, ``material``, ``input_kind``, ``licence``, ``citation``, ``url``.

    Examples
    --------
    >>> from sklearn_shotgun.datasets import fetch_dataset
    >>> esol = fetch_dataset("esol")
    >>> esol.data.shape, esol.units[esol.target_names[0]]
    ((1128,), 'log10 mol/L')
    """
    dataset = _get(name)
    if target is None:
        targets = [dataset.default_target]
    elif isinstance(target, str):
        targets = [target]
    else:
        targets = list(target)
    unknown = [t for t in targets if t not in dataset.targets]
    if unknown or not targets:
        raise ValueError(
            f"target={target!r} is not a target of data set {name!r}; its targets: "
            f"{list(dataset.targets)}"
        )
    frame = read_frame(name, home=home, download=download, base_url=base_url, timeout=timeout)
    inputs = list(dataset.inputs)
    y = frame[targets].apply(_to_float)
    X = frame[inputs]
    if dropna:
        keep = X.notna().all(axis=1) & np.isfinite(y.to_numpy()).all(axis=1)
        if dataset.exclude is not None:
            keep &= frame[dataset.exclude].isna()
        X, y = X[keep], y[keep]
    data = X[inputs[0]] if len(inputs) == 1 else X
    y_out = y[targets[0]] if len(targets) == 1 else y
    if not as_frame:
        data = data.to_numpy(dtype=object) if dataset.input_kind != "features" else data.to_numpy()
        y_out = y_out.to_numpy(dtype=np.float64)
    if return_X_y:
        return data, y_out
    return Bunch(
        frame=frame,
        data=data,
        target=y_out,
        feature_names=inputs,
        target_names=targets,
        units={t: dataset.targets[t] for t in targets},
        DESCR=dataset.descr,
        name=dataset.name,
        material=dataset.material,
        input_kind=dataset.input_kind,
        licence=dataset.licence,
        citation=dataset.citation,
        url=[f.url for f in dataset.files],
    )


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
    download: bool = True,
    base_url: str | None = None,
) -> pd.DataFrame:
    """QM9: 130,831 small organic molecules with 12 B3LYP properties.

    Looks for ``qm9_qm9pack/qm9.csv.gz`` under the data home (a folder laid out like
    the project's shared data), then reads the copy shipped by the PyPI package
    ``qm9pack`` (``pip install sklearn-shotgun[data]``), else downloads the qm9pack wheel
    from PyPI (pinned, sha256-checked, cached). Same data as ``fetch_dataset("qm9")``,
    kept as a DataFrame for backward compatibility.

    Parameters
    ----------
    n_samples : int, optional
        Random subset of this many molecules (in QM9 order).
    random_state : int, optional
        Seed of the subset.
    home : path-like, optional
        Data home (default ``$SKLEARN_SHOTGUN_DATA`` or ``~/.cache/sklearn_shotgun``).
    download : bool, default=True
        Allow the download of the wheel when neither local copy exists.
    base_url : str, optional
        A mirror of PyPI's file host.

    Returns
    -------
    pandas.DataFrame
        Columns ``Index``, ``SMILES`` and the properties of :data:`QM9_PROPERTIES`.
    """
    columns = ["Index", "SMILES", *QM9_PROPERTIES]
    frame = read_frame("qm9", home=home, download=download, base_url=base_url)
    return _subsample(frame[columns], n_samples, random_state)


def load_radonpy(
    *,
    home: str | os.PathLike | None = None,
    download: bool = True,
    url: str | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """RadonPy PI1070: MD-computed properties of 1,077 amorphous polymers.

    Hayashi et al., npj Comput. Mater. 8, 222 (2022), BSD-3 licence. Repeat units are
    SMILES with ``*`` attachment points (column ``smiles``); ``Cp`` and ``Cv`` are in
    J/(kg K), ``thermal_conductivity`` in W/(m K). The CSV is fetched from the RadonPy
    repository pinned to a commit, verified by sha256 and cached under the data home.
    Same table as ``fetch_dataset("radonpy_pi1070").frame``.

    Parameters
    ----------
    home : path-like, optional
        Data home.
    download : bool, default=True
        Allow the download when the file is not cached.
    url : str, optional
        Source address of the file (a mirror; the sha256 check still applies).
    base_url : str, optional
        A mirror serving the file under the same path as the public address.

    Returns
    -------
    pandas.DataFrame
        One row per polymer, 157 columns.
    """
    if url is None:
        return read_frame("radonpy_pi1070", home=home, download=download, base_url=base_url)
    f = DATASETS["radonpy_pi1070"].files[0]
    path = fetch_file(url, f.sha256, f.relpath, home=home, download=download)
    return read_verified(path, lambda p: _read_csv(p, DATASETS["radonpy_pi1070"].inputs), url)
