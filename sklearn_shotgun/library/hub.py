"""Sharing model libraries on the Hugging Face Hub, and the library's model card.

A Hub model repository holds exactly the library directory (``library.json``, ``shards/``,
``README.md``), so :func:`from_hub` is :meth:`ModelLibrary.load` on downloaded files: it fetches
``library.json``, then, with ``hf_hub_download`` one file at a time, only the shards that hold
the models a filter keeps, all pinned to the commit of that ``library.json``.
:meth:`ModelLibrary.load` checks every model's tensors (and entry) against ``library.json``. A
downloaded file that fails these checks is removed from the Hugging Face cache (the snapshot's
link and the blob behind it) and downloaded once more, so that one bad transfer does not make
every later call fail on the same cached copy.

``"hf://owner/name@revision"`` (:func:`parse_hub_uri`, :func:`load_hub_uri`) names a Hub library
wherever a library path is accepted (``ShotgunTransferRegressor(library=...)``, the CLI).

This module imports :mod:`sklearn_shotgun.library.library` only inside functions (the library
module imports this one lazily too, for ``push_to_hub``/``from_hub`` and the card), so neither
needs the other at import time. The card itself is built in :mod:`._card`.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sklearn_shotgun.library._card import model_card

if TYPE_CHECKING:
    from sklearn_shotgun.library.library import ModelLibrary

__all__ = ["from_hub", "load_hub_uri", "model_card", "parse_hub_uri", "push_to_hub"]

_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

_T = TypeVar("_T")


# --------------------------------------------------------------------------- Hub transfer


def push_to_hub(
    library: ModelLibrary,
    repo_id: str,
    *,
    token: str | bool | None = None,
    private: bool = False,
    commit_message: str = "Upload sklearn-shotgun model library",
    revision: str | None = None,
    create_pr: bool = False,
    shard_size: int = 256,
) -> Any:
    """Save ``library`` to a temporary directory and upload it as a Hub model repository.

    The repository is created if needed, and the upload is one commit of ``library.json``,
    the shards and the model card (:func:`model_card`). Shards of a previous upload that the
    new library does not have are deleted in the same commit, so every commit of the
    repository holds exactly one library. The Hub decides how each file travels (shards go
    through its large-file storage, the JSON and the card inline).

    Parameters
    ----------
    library : ModelLibrary
    repo_id : str
        ``"owner/name"``.
    token : str or bool, optional
        Hub token (default: the logged-in user's).
    private : bool, default=False
        Visibility of a newly created repository.
    commit_message : str
    revision : str, optional
        Branch to commit to (created from the main branch if missing); default the main
        branch.
    create_pr : bool, default=False
        Open a pull request instead of committing directly.
    shard_size : int, default=256
        Models per shard file.

    Returns
    -------
    huggingface_hub.CommitInfo
        ``.oid`` is the commit hash: pin it in ``from_hub(repo_id, revision=...)`` or
        ``"hf://owner/name@<oid>"`` so that later pushes do not change what users get.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    _check_repo_id(repo_id)
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True, token=token)
    if revision is not None and not create_pr:
        api.create_branch(repo_id, branch=revision, repo_type="model", exist_ok=True, token=token)
    with tempfile.TemporaryDirectory(prefix="sklearn-shotgun-push-") as tmp:
        folder = Path(tmp) / "library"
        library.save(folder, shard_size=shard_size)
        # The card written by save() does not know where the library will live.
        (folder / "README.md").write_text(model_card(library, repo_id=repo_id), encoding="utf-8")
        local = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        remote = api.list_repo_files(
            repo_id, repo_type="model", revision=None if create_pr else revision, token=token
        )
        stale = [f for f in remote if f.startswith("shards/") and f.endswith(".safetensors")]
        operations: list[Any] = [
            CommitOperationDelete(path_in_repo=f) for f in stale if f not in local
        ]
        operations += [
            CommitOperationAdd(path_in_repo=f, path_or_fileobj=folder / f) for f in local
        ]
        return api.create_commit(
            repo_id,
            operations,
            commit_message=commit_message,
            repo_type="model",
            revision=revision,
            create_pr=create_pr,
            token=token,
        )


def _check_repo_id(repo_id: Any) -> None:
    if not isinstance(repo_id, str) or not _REPO_RE.match(repo_id):
        raise ValueError(f"repo_id must be 'owner/name', got {repo_id!r}")


def parse_hub_uri(uri: str) -> tuple[str, str | None]:
    """``"hf://owner/name@revision"`` -> ``("owner/name", "revision")`` (revision optional).

    Raises
    ------
    ValueError
        If ``uri`` does not have that form.
    """
    if not isinstance(uri, str) or not uri.startswith("hf://"):
        raise ValueError(f"a Hub library is named 'hf://owner/name[@revision]', got {uri!r}")
    repo_id, _, revision = uri[len("hf://") :].partition("@")
    _check_repo_id(repo_id)
    if "@" in uri and not revision:
        raise ValueError(f"{uri!r} names no revision after '@' (hf://owner/name@revision)")
    return repo_id, revision or None


def load_hub_uri(uri: str, **kwargs: Any) -> ModelLibrary:
    """:func:`from_hub` of ``"hf://owner/name@revision"``; ``kwargs`` go to :func:`from_hub`."""
    repo_id, revision = parse_hub_uri(uri)
    return from_hub(repo_id, revision=revision, **kwargs)


def from_hub(
    repo_id: str,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    token: str | bool | None = None,
    force_download: bool = False,
    **filters: Any,
) -> ModelLibrary:
    """Download a library from the Hub (into the Hugging Face cache) and load it.

    ``library.json`` is fetched first; with ``filters`` (the keywords of
    :meth:`ModelLibrary.filter`) only the shards holding matching models are downloaded,
    one ``hf_hub_download`` each, pinned to the commit of that ``library.json`` (so a push in
    between cannot mix two libraries). Files already in the cache are not downloaded again;
    works offline (``HF_HUB_OFFLINE=1``) from the cache.

    Parameters
    ----------
    repo_id : str
        ``"owner/name"``.
    revision : str, optional
        Branch, tag or commit hash; a commit hash pins the library for good.
    cache_dir : path-like, optional
        Hugging Face cache directory (default ``HF_HUB_CACHE``).
    token : str or bool, optional
        Hub token, for private repositories.
    force_download : bool, default=False
        Download the needed files again even if they are cached.
    **filters
        Passed to :meth:`ModelLibrary.filter` (e.g. ``property="Cv"``, ``material=[...]``,
        ``min_r2=0.8``).

    Returns
    -------
    ModelLibrary
        Only the models the filters keep; their tensors are read and checked.

    Raises
    ------
    LibraryIntegrityError
        If a file fails its sha256 check after being downloaded again, or cannot be downloaded
        again. A cached file that fails the check is first removed from the cache (with a
        ``UserWarning`` naming it) and downloaded once more; whatever happens, a corrupted
        copy does not stay in the cache.
    """
    from sklearn_shotgun.library.library import ModelLibrary

    fetch = _fetcher(repo_id, cache_dir, token)
    index_dir, index = _load_index(repo_id, revision, fetch, force_download)
    selected = index.filter(**filters)
    # Snapshot folders are named by commit hash: pin the shards to the commit whose
    # library.json we read.
    commit = index_dir.name
    pinned = commit if _COMMIT_RE.match(commit) else revision
    shards = sorted({obj.entry["shard"] for obj in selected._models.values()})

    forced = [force_download]

    def shard_files() -> str:
        folder = index_dir
        for shard in shards:
            folder = fetch(shard, pinned, forced[0]).parents[1]
        forced[0] = False  # a retry after an eviction downloads the evicted file anyway
        return str(folder)

    return _load_or_refetch(
        repo_id, shard_files, lambda folder: ModelLibrary.load(folder, models=selected.ids)
    )


def _fetcher(
    repo_id: str, cache_dir: str | os.PathLike | None, token: str | bool | None
) -> Callable[[str, str | None, bool], Path]:
    """``fetch(filename, revision, force)``: one file of ``repo_id`` through the HF cache."""
    from huggingface_hub import hf_hub_download

    _check_repo_id(repo_id)

    def fetch(filename: str, revision: str | None, force: bool) -> Path:
        return Path(
            hf_hub_download(
                repo_id,
                filename,
                revision=revision,
                repo_type="model",
                cache_dir=cache_dir,
                token=token,
                force_download=force,
            )
        )

    return fetch


def _load_index(
    repo_id: str,
    revision: str | None,
    fetch: Callable[[str, str | None, bool], Path] | None = None,
    force_download: bool = False,
) -> tuple[Path, ModelLibrary]:
    """The snapshot folder of ``library.json`` and the library read lazily from it (no shard
    downloaded): enough to filter and summarise a Hub library."""
    from sklearn_shotgun.library.library import ModelLibrary

    fetch = fetch or _fetcher(repo_id, None, None)
    forced = [force_download]

    def index() -> str:
        path = fetch("library.json", revision, forced[0])
        forced[0] = False
        return str(path.parent)

    def read(folder: Path) -> tuple[Path, ModelLibrary]:
        return folder, ModelLibrary.load(folder, lazy=True)

    return _load_or_refetch(repo_id, index, read)


def _evict(path: str | None, snapshot: Path) -> str | None:
    """Remove a damaged file of a downloaded snapshot from the Hugging Face cache.

    Removes the snapshot's entry and, when it is a link into the cache's ``blobs/`` (the usual
    layout), the blob too: otherwise the next download would link the same bad blob again.
    Returns the file's path in the repository, or None (nothing removed) when ``path`` is not
    inside ``snapshot``.
    """
    if path is None:
        return None
    file = Path(path)
    try:
        relative = file.relative_to(snapshot)
    except ValueError:
        return None
    targets = [file]
    if file.is_symlink():
        blob = file.resolve()
        if (snapshot.parent.parent / "blobs").resolve() in blob.parents:
            targets.insert(0, blob)
    for target in targets:
        with suppress(FileNotFoundError):
            target.unlink()
    return relative.as_posix()


def _load_or_refetch(repo_id: str, download: Callable[[], str], load: Callable[[Path], _T]) -> _T:
    """``load(download())``; on a corrupted file, evict it from the cache and try once more."""
    from sklearn_shotgun.library._verify import LibraryIntegrityError

    folder = Path(download())
    try:
        return load(folder)
    except LibraryIntegrityError as exc:
        damaged = _evict(exc.path, folder)
        if damaged is None:
            raise
        first = exc
    warnings.warn(
        f"{damaged} of {repo_id} in the Hugging Face cache is corrupted ({first.reason}); "
        "removed it from the cache and downloading it again.",
        UserWarning,
        stacklevel=3,
    )
    located = {"path": first.path, "model": first.model, "field": first.field}
    try:
        folder = Path(download())
        return load(folder)
    except LibraryIntegrityError as exc:
        again = _evict(exc.path, folder)
        note = "; it was removed from the cache again" if again else ""
        raise LibraryIntegrityError(
            f"{exc.reason}. This is a fresh download that replaced a corrupted cached copy: the "
            f"file on the Hub itself is damaged{note}.",
            path=exc.path,
            model=exc.model,
            field=exc.field,
        ) from exc
    except Exception as exc:
        raise LibraryIntegrityError(
            f"{first.reason}. The corrupted file ({damaged}) was removed from the Hugging Face "
            f"cache, but downloading it again failed ({type(exc).__name__}: {exc}); the next "
            "call downloads it again.",
            **located,
        ) from exc
