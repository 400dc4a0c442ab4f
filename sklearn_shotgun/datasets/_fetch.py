"""Local data home, sha256-checked downloads and the download cache.

A file is looked for under the data home at its ``relpath`` (laid out like the project's
``shared/data`` folder, so such a folder serves as a ready local mirror). A missing file is
downloaded under a file lock (so that concurrent processes download it once), streamed into a
temporary file beside its final place, checked against its sha256 and only then renamed into
place: an interrupted, truncated or corrupted download never leaves a file that a later call
would trust.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .._io import fsync_directory, sha256_file

__all__ = [
    "DataIntegrityError",
    "DownloadError",
    "data_home",
    "fetch_file",
    "mirror_url",
    "read_verified",
]

_CHUNK = 1 << 20
_T = TypeVar("_T")


class DataIntegrityError(ValueError):
    """A data file (downloaded or cached) does not match its sha256 or cannot be read."""


class DownloadError(OSError):
    """A download failed or was interrupted; nothing was cached."""


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


def mirror_url(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base_url`` (its path is kept).

    ``mirror_url("https://raw.githubusercontent.com/o/r/<commit>/a.csv", "http://127.0.0.1:8000")``
    is ``"http://127.0.0.1:8000/o/r/<commit>/a.csv"``: a mirror serves the files under the
    same paths as their public home. The sha256 check still applies to what a mirror sends.
    """
    if not base_url:
        return url
    return base_url.rstrip("/") + urllib.parse.urlsplit(url).path


def _umask() -> int:
    # Read without setting it (setting and restoring races with other threads).
    from .._io import current_umask

    return current_umask()


def _verify_cached(path: Path, sha256: str, url: str) -> None:
    found = sha256_file(path)
    if found != sha256:
        raise DataIntegrityError(
            f"{path} has sha256 {found}, expected {sha256}: the file is truncated, corrupted or "
            f"a different version. Delete it and run again to download it from {url}."
        )


def _download(url: str, sha256: str, target: Path, timeout: float) -> None:
    """Stream ``url`` into a temporary sibling of ``target``; rename it in only if verified."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    digest = hashlib.sha256()
    received = 0
    expected: int | None = None
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    length = response.headers.get("Content-Length")
                    expected = int(length) if length and length.isdigit() else None
                    while chunk := response.read(_CHUNK):
                        fh.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
            except urllib.error.HTTPError as exc:
                raise DownloadError(
                    f"Download of {url} failed: HTTP {exc.code} {exc.reason}; nothing was cached."
                ) from exc
            except http.client.IncompleteRead as exc:
                raise DownloadError(
                    f"Download of {url} was interrupted after {received + len(exc.partial)} "
                    "bytes; nothing was cached. Run again to restart the download."
                ) from exc
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                raise DownloadError(
                    f"Download of {url} failed ({exc}); nothing was cached. Check the network "
                    "(or pass a mirror) and run again."
                ) from exc
            if expected is not None and received != expected:
                # http.client's chunked read() returns b"" at an early end of stream instead
                # of raising IncompleteRead, so the byte count is checked here.
                raise DownloadError(
                    f"Download of {url} was interrupted after {received} of {expected} bytes; "
                    "nothing was cached. Run again to restart the download."
                )
            fh.flush()
            os.fsync(fh.fileno())
        found = digest.hexdigest()
        if found != sha256:
            raise DataIntegrityError(
                f"Download of {url} has sha256 {found}, expected {sha256}; it was not saved "
                f"(the server sent a corrupted or different file: {received} bytes)."
            )
        # mkstemp creates 0600 files; a shared cache should follow the umask like any file.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_directory(target.parent)


def fetch_file(
    url: str,
    sha256: str,
    relpath: str,
    *,
    home: str | os.PathLike | None = None,
    download: bool = True,
    timeout: float = 60.0,
    base_url: str | None = None,
) -> Path:
    """Return a verified local copy of ``url``, downloading it into the data home if needed.

    ``relpath`` (e.g. ``"polymer_radonpy_pi1070/PI1070.csv"``) is where the file lives under
    the data home, so a folder laid out like ``../shared/data`` serves as a ready cache.
    A download runs under a file lock (``<relpath>.lock`` beside the file: a second process
    waits and then uses the first one's file), is streamed to a temporary file, checked
    against ``sha256`` and only then renamed into place, so an interrupted or corrupted
    download never leaves a file that later calls would trust.

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
    base_url : str, optional
        A mirror serving the file under the same path as ``url`` (see :func:`mirror_url`).

    Returns
    -------
    pathlib.Path
        Path of the verified file.

    Raises
    ------
    DataIntegrityError
        If a cached or downloaded copy does not match ``sha256`` (a ``ValueError``).
    DownloadError
        If the download fails or is interrupted (an ``OSError``); nothing is cached.
    FileNotFoundError
        If the file is missing and ``download=False``.
    """
    from filelock import FileLock

    target = data_home(home) / relpath
    if target.exists():
        _verify_cached(target, sha256, url)
        return target
    if not download:
        raise FileNotFoundError(f"{target} is missing and download=False (its source: {url}).")
    source = mirror_url(url, base_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(target.with_name(f".{target.name}.lock")):
        if target.exists():  # another process downloaded it while this one waited
            _verify_cached(target, sha256, url)
            return target
        _download(source, sha256, target, timeout)
    return target


def read_verified(path: str | os.PathLike, reader: Callable[[Path], _T], url: str = "") -> _T:
    """Call ``reader(path)``, turning the errors of a truncated or corrupted file into one.

    A truncated gzip raises a bare ``EOFError`` deep inside pandas, a damaged zip
    ``BadZipFile``: both become a :class:`DataIntegrityError` that names the file and what to
    do about it.
    """
    path = Path(path)
    try:
        return reader(path)
    except (EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile) as exc:
        where = f" from {url}" if url else ""
        raise DataIntegrityError(
            f"{path} is truncated or corrupted ({type(exc).__name__}: {exc}). Delete it and run "
            f"again to get a fresh copy{where}."
        ) from exc
