"""Sharing model libraries on the Hugging Face Hub, and the library's model card.

A Hub model repository holds exactly the library directory (``library.json``, ``shards/``,
``README.md``), so :func:`from_hub` is :meth:`ModelLibrary.load` on a downloaded snapshot. The
Hub checks the sha256 of every LFS file it serves; :meth:`ModelLibrary.load` then checks every
model's tensors against ``library.json``. A downloaded file that fails these checks is removed
from the Hugging Face cache (the snapshot's link and the blob behind it) and downloaded once
more, so that one bad transfer does not make every later call fail on the same cached copy.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from sklearn_shotgun.library.library import ModelLibrary

__all__ = ["from_hub", "model_card", "push_to_hub"]

_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_INDEX_FILES = ["library.json", "README.md"]

_T = TypeVar("_T")


# --------------------------------------------------------------------------- model card


def _yaml(data: dict[str, Any]) -> str:
    try:
        import yaml
    except ImportError:  # JSON is valid YAML, so the card stays parseable without PyYAML
        return json.dumps(data, indent=2)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def _range(values: list[int]) -> str:
    return f"{min(values)}" if min(values) == max(values) else f"{min(values)}-{max(values)}"


def _metric_names(members: list[dict[str, Any]]) -> list[str]:
    return sorted({k for m in members for k, v in (m["metrics"] or {}).items() if _numeric(v)})


def model_card(library: ModelLibrary, repo_id: str | None = None) -> str:
    """The ``README.md`` of a library: YAML front matter for the Hub and a summary of the pool.

    The front matter carries ``library_name: sklearn-shotgun``, tags, the source data sets, the
    licence and a ``model-index`` with, per (property, data set), the *median* of each metric
    over the pool's models. The body lists the properties, descriptors, architecture ranges and
    metric quantiles, and how to load the library.
    """
    meta = library._entries_metadata()
    n = len(meta)
    tasks = sorted({m["task"] for m in meta})
    descriptors = Counter(m["descriptor"] for m in meta)
    datasets = sorted({m["dataset"] for m in meta if m["dataset"]})

    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for m in meta:
        groups[(m["property"], m["units"], m["dataset"], m["task"])].append(m)

    results = []
    for (prop, units, dataset, task), members in groups.items():
        metric_names = _metric_names(members)
        if not metric_names:
            continue
        rows = sorted({str(m["metrics"].get("rows")) for m in members if m["metrics"].get("rows")})
        rows_text = f" ({', '.join(rows)} rows)" if rows else ""
        metrics = []
        for name in metric_names:
            values = [m["metrics"][name] for m in members if _numeric(m["metrics"].get(name))]
            metrics.append(
                {
                    "type": name,
                    "value": round(float(np.median(values)), 6),
                    "name": f"median {name} over {len(values)} models{rows_text}",
                }
            )
        label = f"{prop} ({units})" if units else prop
        results.append(
            {
                "task": {"type": f"tabular-{task}", "name": label or "source property"},
                "dataset": {"name": dataset or prop or "unknown", "type": dataset or "custom"},
                "metrics": metrics,
            }
        )

    front: dict[str, Any] = {
        "library_name": "sklearn-shotgun",
        "license": library.license or "unknown",
        "tags": [
            "sklearn-shotgun",
            "shotgun-transfer-learning",
            "transfer-learning",
            "materials-science",
            "chemistry",
            "safetensors",
            *[f"tabular-{t}" for t in tasks],
        ],
    }
    if datasets:
        front["datasets"] = datasets
    if results:
        front["model-index"] = [
            {"name": library.name or "sklearn-shotgun-library", "results": results}
        ]

    title = library.name or "sklearn-shotgun model library"
    lines = [f"---\n{_yaml(front)}---", "", f"# {title}", ""]
    if library.description:
        lines += [library.description, ""]
    lines += [
        f"A pool of **{n}** pretrained source networks for shotgun transfer learning "
        "(Yamada et al., ACS Cent. Sci. 2019), stored by "
        "[sklearn-shotgun](https://pypi.org/project/sklearn-shotgun/): `library.json` holds the "
        "metadata, `shards/*.safetensors` the weights (no pickles; every model's tensors are "
        "checked against the sha256 in `library.json` on load).",
        "",
        "## Usage",
        "",
        "```python",
        "from sklearn_shotgun import ModelLibrary, ShotgunTransferRegressor",
        "",
        f'library = ModelLibrary.from_hub("{repo_id or "<repo_id>"}")  # or .filter(property=...)',
        "model = ShotgunTransferRegressor(library).fit(X_small, y_small)",
        "```",
        "",
    ]
    if n:
        lines += ["## Source properties", ""]
        lines += [
            "| property | units | material | dataset | task | models |",
            "|---|---|---|---|---|---|",
        ]
        counts = Counter(
            (m["property"], m["units"], m["material"], m["dataset"], m["task"]) for m in meta
        )
        for (prop, units, material, dataset, task), count in sorted(counts.items()):
            lines.append(f"| {prop} | {units} | {material} | {dataset} | {task} | {count} |")
        lines += ["", "## Descriptors", ""]
        lines += [f"- `{d}`: {c} models" for d, c in sorted(descriptors.items())]
        archs = [list(m["architecture"]) for m in meta]
        lines += [
            "",
            "## Architectures",
            "",
            f"- input columns: {_range([a[0] for a in archs])}",
            f"- hidden layers: {_range([len(a) - 2 for a in archs])}",
            f"- first hidden width: {_range([a[1] for a in archs])}",
            f"- last hidden width: {_range([a[-2] for a in archs])}",
            "",
        ]
        quantile_rows = []
        for (prop, _units, dataset, _task), members in sorted(groups.items()):
            names = sorted(
                {k for m in members for k, v in (m["metrics"] or {}).items() if _numeric(v)}
            )
            for name in names:
                values = [m["metrics"][name] for m in members if _numeric(m["metrics"].get(name))]
                q = np.quantile(values, [0.0, 0.25, 0.5, 0.75, 1.0])
                cells = " | ".join(f"{v:.4g}" for v in q)
                quantile_rows.append(f"| {prop} | {dataset} | {name} | {len(values)} | {cells} |")
        if quantile_rows:
            lines += [
                "## Metric distribution over the pool",
                "",
                "| property | dataset | metric | models | min | 25% | median | 75% | max |",
                "|---|---|---|---|---|---|---|---|---|",
                *quantile_rows,
                "",
            ]
    return "\n".join(lines)


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

    The repository is created if needed. Shards of a previous upload that the new library does
    not reuse are deleted in the same commit, so the repository always equals one library.

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
        Branch to commit to (created if missing); default the main branch.
    create_pr : bool, default=False
        Open a pull request instead of committing directly.
    shard_size : int, default=256
        Models per shard file.

    Returns
    -------
    huggingface_hub.CommitInfo
    """
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True, token=token)
    if revision is not None and not create_pr:
        api.create_branch(repo_id, branch=revision, repo_type="model", exist_ok=True, token=token)
    with tempfile.TemporaryDirectory(prefix="sklearn-shotgun-push-") as tmp:
        folder = Path(tmp) / "library"
        library.save(folder, shard_size=shard_size)
        # The card written by save() does not know where the library will live.
        (folder / "README.md").write_text(model_card(library, repo_id=repo_id), encoding="utf-8")
        return api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            repo_type="model",
            revision=revision,
            commit_message=commit_message,
            create_pr=create_pr,
            token=token,
            delete_patterns=["shards/*.safetensors"],
        )


def from_hub(
    repo_id: str,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    token: str | bool | None = None,
    **filters: Any,
) -> ModelLibrary:
    """Download a library from the Hub (into the Hugging Face cache) and load it.

    ``library.json`` is fetched first; with ``filters`` (the keywords of
    :meth:`ModelLibrary.filter`) only the shards holding matching models are downloaded.
    Both downloads are pinned to the same commit. Works offline (``HF_HUB_OFFLINE=1``) from a
    cached snapshot.

    Parameters
    ----------
    repo_id : str
        ``"owner/name"``.
    revision : str, optional
        Branch, tag or commit hash.
    cache_dir : path-like, optional
        Hugging Face cache directory (default ``HF_HUB_CACHE``).
    token : str or bool, optional
        Hub token, for private repositories.
    **filters
        Passed to :meth:`ModelLibrary.filter`.

    Returns
    -------
    ModelLibrary

    Raises
    ------
    LibraryIntegrityError
        If a file fails its sha256 check after being downloaded again, or cannot be downloaded
        again. A cached file that fails the check is first removed from the cache (with a
        ``UserWarning`` naming it) and downloaded once more; whatever happens, a corrupted
        copy does not stay in the cache.
    """
    from huggingface_hub import snapshot_download

    from sklearn_shotgun.library.library import ModelLibrary

    common = {"repo_type": "model", "cache_dir": cache_dir, "token": token}

    def index() -> str:
        return snapshot_download(repo_id, revision=revision, allow_patterns=_INDEX_FILES, **common)

    def select(folder: Path) -> tuple[Path, ModelLibrary]:
        return folder, ModelLibrary.load(folder, lazy=True).filter(**filters)

    index_dir, selected = _load_or_refetch(repo_id, index, select)
    # Snapshot folders are named by commit hash: pin the shard download to the commit whose
    # library.json we read, so a push in between cannot mix two libraries.
    commit = index_dir.name
    pinned = commit if _COMMIT_RE.match(commit) else revision
    shards = sorted({obj.entry["shard"] for obj in selected._models.values()})

    def shard_files() -> str:
        return snapshot_download(
            repo_id, revision=pinned, allow_patterns=[*_INDEX_FILES, *shards], **common
        )

    return _load_or_refetch(
        repo_id, shard_files, lambda folder: ModelLibrary.load(folder, models=selected.ids)
    )


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
