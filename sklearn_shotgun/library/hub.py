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
module imports this one lazily too, for the card), so neither needs the other at import time.
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

__all__ = ["from_hub", "load_hub_uri", "model_card", "parse_hub_uri", "push_to_hub"]

_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

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
    ]
    lines += _usage(library, repo_id)
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
    lines += _sources_section(library)
    lines += _featurizer_section(library)
    lines += _data_section(library, datasets)
    lines += ["## Citation", "", "```bibtex", _CITATION, "```", ""]
    return "\n".join(lines)


_CITATION = """@article{yamada2019shotgun,
  title   = {Predicting Materials Properties with Little Data Using Shotgun Transfer Learning},
  author  = {Yamada, Hironao and Liu, Chang and Wu, Stephen and Koyama, Yukinori and Ju, Shenghong
             and Shiomi, Junichiro and Morikawa, Junko and Yoshida, Ryo},
  journal = {ACS Central Science},
  volume  = {5},
  number  = {10},
  pages   = {1717--1730},
  year    = {2019},
  doi     = {10.1021/acscentsci.9b00804}
}"""


def _registry() -> dict[str, Any]:
    from sklearn_shotgun.datasets import DATASETS

    return dict(DATASETS)


def _source_records(library: ModelLibrary) -> dict[str, dict[str, Any]]:
    sources = (library.metadata or {}).get("sources")
    return sources if isinstance(sources, dict) else {}


def _usage(library: ModelLibrary, repo_id: str | None) -> list[str]:
    """A usage snippet; it runs as is when a source's data set is in the registry (it then
    stands in for the user's small target)."""
    repo = repo_id or "<repo_id>"
    registry = _registry()
    example = None
    for record in _source_records(library).values():
        if isinstance(record, dict) and record.get("dataset") in registry:
            dataset = registry[record["dataset"]]
            if len(dataset.inputs) == 1 and record.get("target") in dataset.targets:
                example = (record["dataset"], record["target"])
                break
    lines = [
        "## Usage",
        "",
        "```python",
        "from sklearn_shotgun import ModelLibrary, ShotgunTransferRegressor",
    ]
    if example:
        lines += ["from sklearn_shotgun.datasets import fetch_dataset"]
    lines += [
        "",
        "# every model, or only the shards a filter needs: .from_hub(repo, property=...)",
        f'library = ModelLibrary.from_hub("{repo}")',
    ]
    if example:
        lines += [
            f"# a small target: here 40 rows of {example[0]} ({example[1]}); use your own data",
            f'X, y = fetch_dataset("{example[0]}", target="{example[1]}", return_X_y=True)',
            "X, y = list(X[:40]), y[:40]",
        ]
    else:
        lines += ["# X_small: raw inputs (SMILES or formulas) of your target, y_small its values"]
    fit = "X, y" if example else "X_small, y_small"
    lines += [
        f"model = ShotgunTransferRegressor(library, cv=3, random_state=0).fit({fit})",
        "print(model.best_source_)",
        "```",
        "",
        f'A transfer estimator also takes the name directly: `library="hf://{repo}@<commit>"` '
        "(pin a commit hash so that a later push does not change your results).",
        "",
    ]
    return lines


def _sources_section(library: ModelLibrary) -> list[str]:
    """Per source: target form, descriptor, models and out-of-bag metrics."""
    if not len(library):
        return []
    table = library.summary()
    lines = [
        "## Sources and their out-of-bag metrics",
        "",
        "Target form: the transform the networks learned (`per_gram`, `per_heavy_atom`, "
        "`log10`, ...; none: as published). Metrics are each network's out-of-bag R2 and MAE "
        "(rows of the source data it did not train on), median and range over the source's "
        "networks; *weak*: median R2 below 0.5.",
        "",
        "| source | property | target form | units | material | dataset | descriptor | models "
        "| R2 median (min-max) | MAE median (min-max) | weak |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(row: Any, metric: str) -> str:
        med, lo, hi = (row[f"{metric}_{k}"] for k in ("median", "min", "max"))
        return "-" if not np.isfinite(med) else f"{med:.3g} ({lo:.3g}-{hi:.3g})"

    for _, row in table.iterrows():
        lines.append(
            f"| {row['source']} | {row['property']} | {row['target_transform'] or 'none'} "
            f"| {row['units']} | {row['material']} | {row['dataset']} | {row['descriptor']} "
            f"| {row['n_models']} | {cell(row, 'r2')} | {cell(row, 'mae')} "
            f"| {'yes' if row['weak'] else ''} |"
        )
    return [*lines, ""]


def _featurizer_section(library: ModelLibrary) -> list[str]:
    """The distinct featurizer settings (class and parameters) of the pool."""
    specs: Counter[str] = Counter()
    for obj in library._models.values():
        entry = getattr(obj, "entry", None)
        spec = entry.get("featurizer") if entry is not None else obj.featurizer
        specs[json.dumps(spec, sort_keys=True)] += 1
    if not specs:
        return []
    lines = ["## Featurizer settings", ""]
    for spec, count in sorted(specs.items()):
        lines.append(f"- {count} models: `{spec}`")
    return [*lines, ""]


def _data_section(library: ModelLibrary, datasets: list[str]) -> list[str]:
    """Licence, citation and origin of every source data set (from the data set registry, or
    the licence the build recorded)."""
    if not datasets:
        return []
    registry = _registry()
    recorded = {
        r.get("dataset"): r.get("licence")
        for r in _source_records(library).values()
        if isinstance(r, dict)
    }
    lines = [
        "## Source data and licences",
        "",
        f"The library as a whole is released under `{library.license or 'unknown'}`; the "
        "networks were trained on these data sets, whose licences and citations apply:",
        "",
        "| dataset | title | licence | citation | origin |",
        "|---|---|---|---|---|",
    ]
    for name in datasets:
        ds = registry.get(name)
        if ds is not None:
            lines.append(f"| {name} | {ds.title} | {ds.licence} | {ds.citation} | {ds.source} |")
        else:
            licence = recorded.get(name) or "not recorded"
            lines.append(f"| {name} | | {licence} | | |")
    return [*lines, ""]


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
