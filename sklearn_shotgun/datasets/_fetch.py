"""Local data home, sha256-checked downloads and the download cache."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from .._io import atomic_write_bytes, sha256_file

__all__ = ["data_home", "fetch_file"]


def data_home(path: str | os.PathLike | None = None) -> Path:
    """The folder where data sets are looked for and cached.

    Parameters
    ----------
    path : path-like, optional
        Explicit folder; otherwise ``$SKLEARN_SHOTGUN_DATA`` or
        ``~/.cache/sklearn_shotgun``.

    Returns
    -------
    pathlib.Path
    """
    if path is None:
        path = os.environ.get("SKLEARN_SHOTGUN_DATA") or Path.home() / ".cache" / "sklearn_shotgun"
    return Path(path).expanduser()


def fetch_file(
    url: str,
    sha256: str,
    relpath: str,
    *,
    home: str | os.PathLike | None = None,
    download: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Return a verified local copy of ``url``, downloading it into the data home if needed.

    ``relpath`` (e.g. ``"polymer_radonpy_pi1070/PI1070.csv"``) is where the file lives under
    the data home, so a folder laid out like ``../shared/data`` serves as a ready cache.
    A download is written to a temporary file, checked against ``sha256`` and only then
    renamed into place, so an interrupted or corrupted download never leaves a file that
    later calls would trust.

    Parameters
    ----------
    url : str
        Where the file lives publicly (pinned to a commit or version).
    sha256 : str
        Its expected hex digest.
    relpath : str
        Path under the data home.
    home : path-like, optional
        Data home (see :func:`data_home`).
    download : bool, default=True
        If False and the file is not present, raise ``FileNotFoundError``.
    timeout : float, default=60
        Seconds to wait for the server.

    Returns
    -------
    pathlib.Path
        Path of the verified file.

    Raises
    ------
    ValueError
        If a local or downloaded copy does not match ``sha256``.
    """
    target = data_home(home) / relpath
    if target.exists():
        found = sha256_file(target)
        if found != sha256:
            raise ValueError(
                f"{target} has sha256 {found}, expected {sha256}: the file is corrupted or a "
                "different version; delete it to download it again."
            )
        return target
    if not download:
        raise FileNotFoundError(f"{target} is missing and download=False.")
    with urllib.request.urlopen(url, timeout=timeout) as response:
        payload = response.read()
    found = hashlib.sha256(payload).hexdigest()
    if found != sha256:
        raise ValueError(f"Download of {url} has sha256 {found}, expected {sha256}; not saved.")
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, payload)
    return target
