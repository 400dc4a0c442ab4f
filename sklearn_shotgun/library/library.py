"""``ModelLibrary``: a queryable pool of source models and its directory format.

On disk (and in a Hugging Face Hub repository) a library is a directory::

    library.json                   {"format_version": 2, "name", "description", "license",
                                    "created_with", "models": [entry, ...]}
    shards/part-00000.safetensors  tensors named "<model id>/<tensor>", ``shard_size`` models each
    README.md                      model card (YAML front matter + a summary of the pool)

Each entry is :meth:`SourceModel.to_entry` plus the ``"shard"`` holding the model's tensors. No
pickles: tensors are read with ``safetensors`` (numpy framework).

Checks on load: every field of every entry is checked for type and range and the featurizer is
re-created and its parameters validated (for all entries, lazy or not); each entry must match its
``"entry_sha256"`` (every field but ``"shard"``) and each model's tensors the ``"sha256"`` of its
entry before the model is used. Free to change without invalidating anything: the library-level
``name``, ``description``, ``license`` and ``created_with``, the order of the entries, and the
removal of whole entries. Any problem raises :class:`LibraryFormatError` (a ``ValueError``)
naming the file, the model and the field; digest mismatches and unreadable shards raise its
subclass :class:`LibraryIntegrityError`.

Format versions: 2 adds ``"entry_sha256"``. Version-1 files (earlier releases) still load,
with an :class:`UnverifiedLibraryWarning`: only their tensors can be verified. Saving writes
version 2; unknown versions are refused with an "upgrade sklearn-shotgun" error.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from sklearn_shotgun._io import (
    apply_umask,
    atomic_write_text,
    fsync_directory,
    fsync_file,
    replace_directory,
    temporary_sibling_directory,
)
from sklearn_shotgun.library._verify import (
    ENTRY_DIGEST_KEY,
    LibraryFormatError,
    LibraryIntegrityError,
    UnverifiedLibraryWarning,
    canonical_json,
    check_featurizer,
    entry_digest,
    parse_json,
    short,
    validate_entry,
    warn_unverified,
)
from sklearn_shotgun.library.source_model import (
    SourceModel,
    _descriptor_label,
    _descriptor_names,
)

__all__ = [
    "FORMAT_VERSION",
    "LibraryFormatError",
    "LibraryIntegrityError",
    "ModelLibrary",
    "UnverifiedLibraryWarning",
]

#: Version of the directory format written by :meth:`ModelLibrary.save`.
FORMAT_VERSION = 2

#: Versions :meth:`ModelLibrary.load` reads (1: no entry digests, loaded with a warning).
READABLE_VERSIONS = (1, 2)

_SHARD_RE = re.compile(r"^shards/part-\d{5,}\.safetensors$")

#: Keys accepted by :meth:`ModelLibrary.filter`.
_FILTER_KEYS = (
    "id",
    "property",
    "units",
    "material",
    "dataset",
    "target_transform",
    "descriptor",
    "featurizer",
    "task",
    "activation",
    "architecture",
    "n_hidden",
    "classes",
    "training",
    "metrics",
)


class _LazyModel:
    """A library entry whose tensors are read (and verified) on first access.

    Exposes the metadata ``filter`` and ``to_frame`` need straight from the JSON entry, so that
    querying a large pool never touches its shards.
    """

    __slots__ = ("entry", "model", "shard_path")

    def __init__(self, entry: dict[str, Any], shard_path: Path):
        self.entry = entry
        self.shard_path = shard_path
        self.model: SourceModel | None = None

    @property
    def id(self) -> str:
        return self.entry["id"]

    def resolve(self) -> SourceModel:
        if self.model is None:
            self.model = _read_shard(self.shard_path, [self.entry])[0]
        return self.model


def _read_shard(shard_path: Path, entries: list[dict[str, Any]]) -> list[SourceModel]:
    """Read and verify the models of ``entries`` from one safetensors shard."""
    from safetensors import safe_open

    ids = [e["id"] for e in entries]
    models = f"models {_short_list(ids)}"
    if not shard_path.is_file():
        raise LibraryFormatError(f"the shard of {models} is missing", path=shard_path)
    try:
        handle = safe_open(os.fspath(shard_path), framework="numpy")
    except Exception as exc:  # SafetensorError, OSError: a damaged header or unreadable file
        raise LibraryIntegrityError(
            f"the shard of {models} cannot be read as safetensors: {exc}", path=shard_path
        ) from exc
    with handle as f:
        keys = list(f.keys())
        out = []
        for entry in entries:
            prefix = f"{entry['id']}/"
            try:
                tensors = {k[len(prefix) :]: f.get_tensor(k) for k in keys if k.startswith(prefix)}
            except Exception as exc:
                raise LibraryIntegrityError(
                    f"cannot read the tensors: {exc}", path=shard_path, model=entry["id"]
                ) from exc
            out.append(SourceModel.from_entry(entry, tensors, verify=True, source=shard_path))
    return out


def _short_list(ids: list[str], n: int = 5) -> str:
    shown = ", ".join(repr(i) for i in ids[:n])
    return shown + (f", ... ({len(ids) - n} more)" if len(ids) > n else "")


def _meta(obj: SourceModel | _LazyModel, key: str) -> Any:
    """Metadata value ``key`` of a loaded or lazy model (lazy ones answer from their entry)."""
    if isinstance(obj, SourceModel):
        if key == "descriptor":
            return obj.descriptor
        if key == "featurizer":
            return None if obj.featurizer is None else obj.featurizer["class"]
        return getattr(obj, key)
    entry = obj.entry
    if key == "descriptor":
        return _descriptor_label(entry.get("featurizer"))
    if key == "featurizer":
        featurizer = entry.get("featurizer")
        return None if featurizer is None else featurizer["class"]
    if key == "n_hidden":
        return len(entry["architecture"]) - 2
    value = entry.get(key)
    if value is None:  # absent or null: the same defaults as SourceModel's constructor
        defaults = {"activation": "relu", "task": "regression", "training": {}, "metrics": {}}
        return defaults.get(key, None if key in ("classes", "target_transform") else "")
    return value


def _matches(obj: SourceModel | _LazyModel, key: str, wanted: Any) -> bool:
    value = _meta(obj, key)
    if callable(wanted):
        return bool(wanted(value))
    if key == "descriptor":
        featurizer = obj.featurizer if isinstance(obj, SourceModel) else obj.entry.get("featurizer")
        names = _descriptor_names(featurizer)
        options = [wanted] if isinstance(wanted, str) else list(wanted)
        return any(o in names for o in options)
    if isinstance(value, str) and isinstance(wanted, list | tuple | set | frozenset):
        return value in wanted
    if key == "architecture":
        return list(value) == list(wanted)
    return value == wanted


class ModelLibrary:
    """A pool of pretrained :class:`SourceModel` s, queryable by metadata, saved without pickles.

    Parameters
    ----------
    models : iterable of SourceModel, default=()
        The models; ids must be unique.
    name : str, default=""
        Name of the pool (the model card's title).
    description : str, default=""
        Free text for the model card.
    license : str, default="unknown"
        Licence identifier for the model card (Hugging Face Hub licence ids, e.g. ``"mit"``,
        ``"cc-by-4.0"``); choose one compatible with the source data sets.
    metadata : dict, optional
        JSON-serialisable facts about the whole pool, saved in ``library.json`` under
        ``"metadata"`` (``build_library`` records the recipe and, per source, its build time,
        rows and out-of-bag metrics).

    Notes
    -----
    ``library["id"]`` and iteration give :class:`SourceModel` s in insertion order; a library
    opened with ``ModelLibrary.load(path, lazy=True)`` reads (and verifies) each model's
    tensors on first access only, while :meth:`filter`, :meth:`to_frame`, ``len`` and ``in``
    work from ``library.json`` alone.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn_shotgun.library import ModelLibrary, SourceModel
    >>> def toy(model_id, prop, seed):
    ...     rng = np.random.default_rng(seed)
    ...     arch = [4, 3, 2, 1]
    ...     sd = {}
    ...     for i, (a, b) in enumerate(zip(arch[:-1], arch[1:])):
    ...         sd[f"linears.{i}.weight"] = rng.normal(size=(b, a))
    ...         sd[f"linears.{i}.bias"] = rng.normal(size=b)
    ...     return SourceModel(id=model_id, architecture=arch, state_dict=sd,
    ...                        columns=np.arange(4), x_mean=np.zeros(4), x_scale=np.ones(4),
    ...                        property=prop, metrics={"mae": 0.1 * seed})
    >>> library = ModelLibrary([toy("cp-1", "Cp", 1), toy("rho-2", "density", 2)], name="demo")
    >>> len(library), library.ids
    (2, ['cp-1', 'rho-2'])
    >>> library.filter(property="Cp").ids
    ['cp-1']
    >>> path = tempfile.mkdtemp() + "/demo-library"
    >>> library.save(path)
    >>> loaded = ModelLibrary.load(path)
    >>> loaded["rho-2"].sha256 == library["rho-2"].sha256
    True
    """

    def __init__(
        self,
        models: Iterable[SourceModel] = (),
        name: str = "",
        description: str = "",
        license: str = "unknown",
        metadata: dict[str, Any] | None = None,
    ):
        self.name = name
        self.description = description
        self.license = license
        self.metadata = dict(metadata or {})
        self._models: dict[str, SourceModel | _LazyModel] = {}
        for model in models:
            self.add(model)

    # ---------------------------------------------------------------- collection protocol

    def _resolve(self, model_id: str) -> SourceModel:
        obj = self._models[model_id]
        return obj.resolve() if isinstance(obj, _LazyModel) else obj

    def __len__(self) -> int:
        return len(self._models)

    def __iter__(self) -> Iterator[SourceModel]:
        for model_id in list(self._models):
            yield self._resolve(model_id)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, SourceModel):
            return item.id in self._models
        return item in self._models

    def __getitem__(self, key: str | int) -> SourceModel:
        if isinstance(key, int | np.integer):
            return self._resolve(self.ids[key])
        if key not in self._models:
            raise KeyError(f"no model {key!r} in library {self.name!r} ({len(self)} models)")
        return self._resolve(key)

    def __add__(self, other: ModelLibrary) -> ModelLibrary:
        if not isinstance(other, ModelLibrary):
            return NotImplemented
        clash = [i for i in other._models if i in self._models]
        if clash:
            raise ValueError(f"model ids occur in both libraries: {_short_list(clash)}")
        out = self._empty_like()
        out._models = {**self._models, **other._models}
        return out

    def __repr__(self) -> str:
        props = sorted({str(_meta(m, "property")) for m in self._models.values()})
        return f"ModelLibrary(name={self.name!r}, n_models={len(self)}, properties={props})"

    def __deepcopy__(self, memo: dict[int, Any]) -> ModelLibrary:
        # scikit-learn's clone() deep-copies non-estimator parameters, so every clone of a
        # transfer estimator (GridSearchCV, cross_validate) would copy every weight of a pool of
        # hundreds of models. Source models are treated as immutable values: copies of a
        # library get their own container but share the models.
        out = self._empty_like()
        out._models = dict(self._models)
        memo[id(self)] = out
        return out

    def _empty_like(self) -> ModelLibrary:
        return ModelLibrary(
            name=self.name,
            description=self.description,
            license=self.license,
            metadata=self.metadata,
        )

    @property
    def ids(self) -> list[str]:
        """Model ids, in insertion order."""
        return list(self._models)

    def add(self, model: SourceModel) -> None:
        """Add ``model``; raises ``ValueError`` if its id is already in the library."""
        if not isinstance(model, SourceModel):
            raise TypeError(f"expected a SourceModel, got {type(model).__name__}")
        if model.id in self._models:
            raise ValueError(f"model id {model.id!r} is already in the library")
        self._models[model.id] = model

    # ---------------------------------------------------------------- queries

    def filter(
        self,
        predicate: Callable[[SourceModel], bool] | None = None,
        /,
        *,
        min_r2: float | None = None,
        **metadata: Any,
    ) -> ModelLibrary:
        """The models matching every criterion, as a new library (models are shared, not copied).

        Parameters
        ----------
        predicate : callable, optional
            ``predicate(model) -> bool`` on the :class:`SourceModel` (loads lazy models).
        **metadata
            ``key=value`` criteria on ``id``, ``property``, ``units``, ``material``,
            ``dataset``, ``target_transform``, ``descriptor``, ``featurizer`` (class name),
            ``task``, ``activation``, ``architecture``, ``n_hidden``, ``classes``,
            ``training``, ``metrics``. A value
            matches by equality; a list/tuple/set of strings matches any member; a callable is
            applied to the model's value (e.g. ``metrics=lambda m: m["r2"] > 0.9``).
            ``descriptor`` matches the featurizer's class name, its ``kind`` (any of several
            kinds) or the ``"+"``-joined label.
        min_r2 : float, optional
            Keep only models whose out-of-bag R2 (``metrics["r2"]``) is at least this;
            models without an R2 (classifiers) are dropped. Sources whose median R2 is below
            ``sklearn_shotgun.library._quality.WEAK_R2`` (0.5) are flagged as weak when built
            and when used in a transfer.

        Examples
        --------
        ``library.filter(material=["molecule", "polymer"], descriptor="rdkit2d", min_r2=0.8)``
        keeps the RDKit-descriptor sources of molecules and polymers whose networks reached an
        out-of-bag R2 of 0.8.
        """
        unknown = sorted(set(metadata) - set(_FILTER_KEYS))
        if unknown:
            raise TypeError(f"unknown filter key(s) {unknown}; use {list(_FILTER_KEYS)}")
        out = self._empty_like()
        for model_id, obj in self._models.items():
            if not all(_matches(obj, k, v) for k, v in metadata.items()):
                continue
            if min_r2 is not None:
                r2 = (_meta(obj, "metrics") or {}).get("r2")
                if r2 is None or not r2 >= min_r2:
                    continue
            if predicate is not None and not predicate(self._resolve(model_id)):
                continue
            out._models[model_id] = obj
        return out

    def to_frame(self) -> Any:
        """One row per model: id, property, units, material, dataset, descriptor, task,
        architecture, n_inputs, n_hidden, n_samples (training rows) and one column per metric."""
        import pandas as pd

        base = [
            "id",
            "property",
            "target_transform",
            "units",
            "material",
            "dataset",
            "descriptor",
            "task",
        ]
        rows = []
        for obj in self._models.values():
            row = {k: _meta(obj, k) for k in base}
            arch = list(_meta(obj, "architecture"))
            row["architecture"] = arch
            row["n_inputs"] = arch[0]
            row["n_hidden"] = len(arch) - 2
            row["n_samples"] = (_meta(obj, "training") or {}).get("n_samples")
            for k, v in (_meta(obj, "metrics") or {}).items():
                row[k if k not in row else f"metric_{k}"] = v
            rows.append(row)
        columns = [*base, "architecture", "n_inputs", "n_hidden", "n_samples"]
        frame = pd.DataFrame(rows)
        return frame if rows else pd.DataFrame(columns=columns)

    def summary(self) -> Any:
        """One row per source property: what it predicts, from what, and how well.

        A source is the group of models of one recipe source (``training["source"]``) or,
        for pools built otherwise, of one property, target form, descriptor and data set.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``property``, ``target_transform``, ``units``, ``material``,
            ``dataset``, ``descriptor``, ``featurizer``, ``n_models``, ``r2_median``,
            ``r2_min``, ``r2_max``, ``mae_median``, ``mae_min``, ``mae_max`` (out-of-bag
            metrics of the models; NaN where absent) and ``weak`` (median R2 below
            ``WEAK_R2`` = 0.5).
        """
        import pandas as pd

        from sklearn_shotgun.library._quality import WEAK_R2, source_key

        groups: dict[str, list[dict[str, Any]]] = {}
        for obj in self._models.values():
            entry = {k: _meta(obj, k) for k in ("property", "target_transform", "units")}
            entry.update({k: _meta(obj, k) for k in ("material", "dataset", "descriptor")})
            entry.update({k: _meta(obj, k) for k in ("featurizer", "training", "metrics")})
            groups.setdefault(source_key(entry), []).append(entry)
        rows = []
        for key, entries in groups.items():
            first = entries[0]
            row = {"source": key}
            row.update({k: v for k, v in first.items() if k not in ("training", "metrics")})
            row["n_models"] = len(entries)
            for metric in ("r2", "mae"):
                values = [(e["metrics"] or {}).get(metric) for e in entries]
                values = np.array([np.nan if v is None else v for v in values], dtype=float)
                finite = values[np.isfinite(values)]
                for name, fn in (("median", np.median), ("min", np.min), ("max", np.max)):
                    row[f"{metric}_{name}"] = float(fn(finite)) if len(finite) else np.nan
            row["weak"] = bool(row["r2_median"] < WEAK_R2)
            rows.append(row)
        columns = [
            "source",
            "property",
            "target_transform",
            "units",
            "material",
            "dataset",
            "descriptor",
            "featurizer",
            "n_models",
            *(f"{m}_{s}" for m in ("r2", "mae") for s in ("median", "min", "max")),
            "weak",
        ]
        return pd.DataFrame(rows, columns=columns)

    # ---------------------------------------------------------------- persistence

    def save(self, path: str | os.PathLike, shard_size: int = 256) -> None:
        """Write the library directory atomically.

        Everything is written into a hidden temporary sibling directory which then replaces
        ``path`` (see ``sklearn_shotgun._io.replace_directory``): an interrupted save leaves
        the old library or the new one, never a mix. An existing ``path`` is replaced only if it
        is empty or holds a library (``library.json``), so a typo cannot delete other data.

        Parameters
        ----------
        path : path-like
            Target directory.
        shard_size : int, default=256
            Models per ``shards/part-NNNNN.safetensors`` file.
        """
        from safetensors.numpy import save_file

        if isinstance(shard_size, bool) or not isinstance(shard_size, int | np.integer):
            raise TypeError(f"shard_size must be an int, got {shard_size!r}")
        if shard_size < 1:
            raise ValueError(f"shard_size must be >= 1, got {shard_size}")
        path = Path(path)
        if path.exists():
            if not path.is_dir():
                raise FileExistsError(f"{path} exists and is not a directory")
            if any(path.iterdir()) and not (path / "library.json").is_file():
                raise FileExistsError(
                    f"{path} is a non-empty directory without library.json; refusing to replace it"
                )
        # Read every lazy model first: the target may be the directory they come from.
        models = list(self)
        entries = []
        with temporary_sibling_directory(path) as tmp:
            (tmp / "shards").mkdir()
            for start in range(0, len(models), shard_size):
                shard = f"shards/part-{start // shard_size:05d}.safetensors"
                tensors = {}
                for model in models[start : start + shard_size]:
                    entries.append(model.to_entry(shard=shard))
                    for name, arr in model.tensors().items():
                        tensors[f"{model.id}/{name}"] = np.ascontiguousarray(arr)
                save_file(
                    tensors,
                    os.fspath(tmp / shard),
                    metadata={"format": "sklearn-shotgun", "format_version": str(FORMAT_VERSION)},
                )
                apply_umask(tmp / shard)  # safetensors creates 0600 files
                fsync_file(tmp / shard)
            fsync_directory(tmp / "shards")
            atomic_write_text(
                tmp / "library.json",
                json.dumps(self._library_json(entries), indent=1, allow_nan=False) + "\n",
            )
            from sklearn_shotgun.library.hub import model_card

            atomic_write_text(tmp / "README.md", model_card(self))
            replace_directory(tmp, path)

    def _library_json(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        import sklearn_shotgun

        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "description": self.description,
            "license": self.license,
            "created_with": sklearn_shotgun.__version__,
            **({"metadata": self.metadata} if self.metadata else {}),
            "models": entries,
        }

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        models: Iterable[str] | None = None,
        *,
        lazy: bool = False,
    ) -> ModelLibrary:
        """Read a library directory written by :meth:`save` (or downloaded from the Hub).

        Parameters
        ----------
        path : path-like
            The library directory.
        models : iterable of str, optional
            Load only these model ids (the others' shards are not read).
        lazy : bool, default=False
            Read each model's tensors on first access instead of now. Querying
            (:meth:`filter`, :meth:`to_frame`) then needs only ``library.json``; a damaged
            tensor is reported when the model is first used, and the directory must stay in
            place until then.

        Raises
        ------
        FileNotFoundError
            If ``path`` has no ``library.json``.
        LibraryFormatError
            A ``ValueError`` naming the file, the model id and the field: invalid JSON, an
            unsupported ``format_version``, a field of the wrong type or range, featurizer
            parameters the featurizer refuses, a missing shard or tensor.
        LibraryIntegrityError
            (A subclass of the above.) An entry differs from its ``entry_sha256``, tensors
            from their ``sha256``, or a shard cannot be read: the file named is corrupted or
            was edited.

        Warns
        -----
        UnverifiedLibraryWarning
            For a format-version-1 library (no entry digests).
        """
        path = Path(path)
        index = path / "library.json"
        if not index.is_file():
            raise FileNotFoundError(f"{path} is not a model library: {index} does not exist")
        meta = parse_json(index.read_bytes(), index)
        if not isinstance(meta, dict):
            raise LibraryFormatError("must hold a JSON object", path=index)
        version = meta.get("format_version")
        if type(version) is not int or version not in READABLE_VERSIONS:
            raise LibraryFormatError(
                f"has format_version {short(version)}; this version of sklearn-shotgun reads "
                f"format_version {', '.join(map(str, READABLE_VERSIONS))} (the file was written "
                f"by sklearn-shotgun {meta.get('created_with', '?')!s:.40}); upgrade "
                "sklearn-shotgun to read it",
                path=index,
                field="format_version",
            )
        for key in ("name", "description", "license", "created_with"):
            if key in meta and not isinstance(meta[key], str):
                raise LibraryFormatError("must be a string", path=index, field=key)
        entries = meta.get("models")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise LibraryFormatError("must be a list of objects", path=index, field="models")
        seen: set[str] = set()
        featurizers: set[str] = set()
        unverified = 0
        for entry in entries:
            try:
                validate_entry(entry)
                model_id = entry["id"]
                if model_id in seen:
                    raise LibraryFormatError("occurs twice", model=model_id, field="id")
                seen.add(model_id)
                shard = entry.get("shard")
                # Only shards/part-NNNNN.safetensors inside the library: a crafted library.json
                # must not make the loader read arbitrary files.
                if not isinstance(shard, str) or not _SHARD_RE.match(shard):
                    raise LibraryFormatError(f"invalid shard {short(shard)}", field="shard")
                if ENTRY_DIGEST_KEY in entry:
                    if entry_digest(entry) != entry[ENTRY_DIGEST_KEY]:
                        raise LibraryIntegrityError(
                            "entry_sha256 mismatch: the entry was modified or corrupted (the "
                            "digest covers every field except 'shard')",
                            field=ENTRY_DIGEST_KEY,
                        )
                elif version >= 2:
                    raise LibraryFormatError(
                        "is missing (required from format_version 2 on)", field=ENTRY_DIGEST_KEY
                    )
                else:
                    unverified += 1
                spec = entry.get("featurizer")
                key = canonical_json(spec)
                if key not in featurizers:  # pools share a handful of featurizers
                    check_featurizer(spec)
                    featurizers.add(key)
            except LibraryFormatError as exc:
                model_id = entry.get("id")
                named = isinstance(model_id, str) and len(model_id) <= 128
                raise exc.located(path=index, model=model_id if named else None) from None
        if unverified:
            warn_unverified(index, unverified)
        if models is not None:
            wanted = [models] if isinstance(models, str) else list(models)
            unknown = [m for m in wanted if m not in seen]
            if unknown:
                raise KeyError(f"models not in {index}: {_short_list(unknown)}")
            wanted_set = set(wanted)
            entries = [e for e in entries if e["id"] in wanted_set]

        library = cls(
            name=meta.get("name", ""),
            description=meta.get("description", ""),
            license=meta.get("license", "unknown"),
            metadata=meta.get("metadata") if isinstance(meta.get("metadata"), dict) else None,
        )
        lazies = [_LazyModel(e, path / PurePosixPath(e["shard"])) for e in entries]
        library._models = {lz.id: lz for lz in lazies}
        if not lazy:
            by_shard: dict[Path, list[_LazyModel]] = {}
            for lz in lazies:
                by_shard.setdefault(lz.shard_path, []).append(lz)
            for shard_path, group in by_shard.items():
                loaded = _read_shard(shard_path, [lz.entry for lz in group])
                for lz, model in zip(group, loaded, strict=True):
                    library._models[lz.id] = model
        return library

    # ---------------------------------------------------------------- Hugging Face Hub

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> Any:
        """Upload the library to a Hub model repository; see :func:`.hub.push_to_hub`."""
        from sklearn_shotgun.library.hub import push_to_hub

        return push_to_hub(self, repo_id, **kwargs)

    @classmethod
    def from_hub(
        cls,
        repo_id: str,
        revision: str | None = None,
        *,
        cache_dir: str | os.PathLike | None = None,
        token: str | bool | None = None,
        **filters: Any,
    ) -> ModelLibrary:
        """Download (only the needed shards of) a Hub library; see :func:`.hub.from_hub`."""
        from sklearn_shotgun.library.hub import from_hub

        return from_hub(repo_id, revision=revision, cache_dir=cache_dir, token=token, **filters)

    # ---------------------------------------------------------------- helpers for the card

    def _entries_metadata(self) -> list[dict[str, Any]]:
        """Lightweight per-model metadata (no tensors read) for the model card."""
        out = []
        for obj in self._models.values():
            out.append(
                {
                    k: _meta(obj, k)
                    for k in (
                        "id",
                        "property",
                        "units",
                        "material",
                        "dataset",
                        "descriptor",
                        "task",
                        "architecture",
                        "metrics",
                        "training",
                    )
                }
            )
        return out
