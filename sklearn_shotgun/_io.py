"""Crash-safe file writes and sha256 helpers.

Everything the package persists (model libraries, caches) goes through these helpers so that an
interrupted write (crash, full disk, ``KeyboardInterrupt``) leaves either the old content or the
new content on disk, never a truncated mix:

- single files are written to a temporary file in the *same* directory (``os.replace`` is only
  atomic within one file system), flushed and ``fsync``-ed, then renamed over the target;
- directories are built completely in a temporary sibling directory and swapped into place with
  :func:`replace_directory`.

``tempfile`` creates files 0600 and directories 0700 whatever the umask; both helpers give them
the permissions an ordinary ``open``/``mkdir`` would (``0o666 & ~umask``, ``0o777 & ~umask``)
before the rename, so a library, checkpoint or cache on a shared (group) file system is as
readable as the user's umask allows.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

__all__ = [
    "apply_umask",
    "atomic_write_bytes",
    "atomic_write_text",
    "current_umask",
    "fsync_directory",
    "fsync_file",
    "replace_directory",
    "sha256_bytes",
    "sha256_file",
    "sha256_tensors",
    "temporary_sibling_directory",
]

_CHUNK = 1 << 20


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting and restoring
    it, which is not atomic (a thread creating a file in between would use umask 0o022).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_directory(path: str | os.PathLike) -> None:
    """Flush a directory entry to disk so that a rename inside it survives a power loss.

    A no-op where directories cannot be opened (Windows).
    """
    try:
        fd = os.open(os.fspath(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        # Some file systems (e.g. certain network mounts) refuse fsync on directories.
        pass
    finally:
        os.close(fd)


def apply_umask(path: str | os.PathLike) -> None:
    """Give ``path`` the mode ``open``/``mkdir`` would: ``0o666`` (files) or ``0o777``
    (directories) less the umask. For files made by writers that ignore the umask (``tempfile``,
    ``safetensors``)."""
    full = 0o777 if os.path.isdir(path) else 0o666
    os.chmod(path, full & ~current_umask())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The data goes to a temporary file in the same directory, is ``fsync``-ed and then renamed
    over ``path`` with :func:`os.replace`, so readers see either the old file or the new one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        apply_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_directory(path.parent)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode(encoding))


def fsync_file(path: str | os.PathLike) -> None:
    """``fsync`` a file written by a third-party writer (e.g. ``safetensors.numpy.save_file``)."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def temporary_sibling_directory(target: str | os.PathLike) -> Iterator[Path]:
    """Create an empty hidden directory next to ``target``; remove it on exit if still there.

    Build the new content inside it, then call :func:`replace_directory` from within the
    ``with`` block. Being a sibling keeps it on the same file system, so the final rename is
    atomic; being hidden (leading dot) keeps it out of casual listings.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        apply_umask(tmp)
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def replace_directory(new: str | os.PathLike, target: str | os.PathLike) -> None:
    """Move the finished directory ``new`` to ``target``, replacing ``target`` if it exists.

    Directories cannot be renamed over non-empty directories, so an existing ``target`` is first
    renamed aside, then ``new`` is renamed in, then the old copy is deleted. A crash between the
    two renames leaves the complete old copy in a hidden ``.<name>.old-*`` sibling; any error
    while moving ``new`` in puts the old copy back. At every moment the complete old or the
    complete new directory exists on disk.
    """
    new = Path(new)
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a directory")
    if not target.exists():
        os.rename(new, target)
        fsync_directory(target.parent)
        return
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    fsync_directory(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's content, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_tensors(tensors: Mapping[str, np.ndarray]) -> str:
    """Hex sha256 of a set of named arrays, independent of insertion order and byte order.

    The arrays are visited in name order; for each one the hash sees the name, the dtype (as a
    little-endian numpy type string, e.g. ``<f4``), the shape and the C-ordered little-endian
    bytes, each field terminated by a NUL byte (names, dtypes and shapes cannot contain one) so
    that different tensor sets cannot produce the same byte stream.
    """
    h = hashlib.sha256()
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        little = arr.dtype.newbyteorder("<")
        arr = np.ascontiguousarray(arr, dtype=little)
        shape = ",".join(str(int(s)) for s in arr.shape)
        h.update(f"{name}\0{little.str}\0{shape}\0{arr.nbytes}\0".encode())
        h.update(arr.tobytes(order="C"))
    return h.hexdigest()
