"""Validation and digests of ``library.json`` model entries.

Two digests protect a model entry of ``library.json``:

- ``"sha256"``: the model's tensors (:func:`sklearn_shotgun._io.sha256_tensors`);
- ``"entry_sha256"`` (format version 2): the sha256 of the entry itself, as canonical JSON
  (:func:`canonical_json`: keys sorted, no whitespace, ASCII escapes, floats in Python's
  shortest round-trip ``repr``) over every field except ``"shard"`` and ``"entry_sha256"``.
  It covers everything that changes a prediction (featurizer class and parameters, tensor
  references, architecture, activation, task and classes, ``x_scaling``, ``y_scaling``,
  ``target_transform``), the descriptive metadata (property, units, material, dataset,
  training, metrics) and the tensor ``"sha256"``, which binds the entry to its weights.
  ``"shard"`` is left out because it only says where the tensors are (a re-save with another
  ``shard_size`` moves them), and the tensors are checked by their own digest wherever they are.

The digests detect corruption and edits, not a forger: whoever can write ``library.json`` can
recompute them. Independently of the digests every field is checked for type and range (a
hand-made or forged file must still give a clear error, never an ``AttributeError`` or an
allocation of gigabytes), and the featurizer is re-created and its parameters validated at
load time.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sklearn_shotgun._io import sha256_tensors

__all__ = [
    "ENTRY_DIGEST_KEY",
    "LibraryFormatError",
    "LibraryIntegrityError",
    "UnverifiedLibraryWarning",
    "canonical_json",
    "check_depth",
    "entry_digest",
    "model_arguments",
    "parse_json",
    "validate_entry",
]

#: The key of the entry digest in a model entry.
ENTRY_DIGEST_KEY = "entry_sha256"

#: Entry fields the entry digest does not cover (see the module docstring).
UNCOVERED_FIELDS = ("shard", ENTRY_DIGEST_KEY)

#: Deepest nesting of JSON containers accepted in ``library.json`` (real files need 4).
MAX_DEPTH = 32

#: Hidden activations of :class:`~sklearn_shotgun.nets.pyramid.PyramidNet` (kept here so that
#: checking a library does not import torch; a test keeps the two in step).
ACTIVATIONS = ("elu", "gelu", "leaky_relu", "relu", "silu", "tanh")

TASKS = ("regression", "classification")

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")

_REQUIRED = ("id", "architecture", "columns", "x_scaling", "sha256")
_STRINGS = ("property", "units", "material", "dataset")
_KNOWN = frozenset(
    (
        *_REQUIRED,
        *_STRINGS,
        "shard",
        ENTRY_DIGEST_KEY,
        "featurizer",
        "activation",
        "task",
        "classes",
        "target_transform",
        "y_scaling",
        "training",
        "metrics",
    )
)


class LibraryFormatError(ValueError):
    """A model library's files are malformed: the message names the file, model and field.

    Attributes
    ----------
    path : str or None
        The offending file (``library.json`` or a shard).
    model : str or None
        The model id, when one entry is at fault.
    field : str or None
        The entry field (dotted for nested ones, e.g. ``"y_scaling.mean"``), when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Any = None,
        model: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.model = model
        self.field = field
        self.reason = message
        parts = []
        if path is not None:
            parts.append(str(path))
        if model is not None:
            parts.append(f"model {model!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        super().__init__(": ".join([*parts, message]))

    def located(self, path: Any = None, model: str | None = None) -> LibraryFormatError:
        """The same error with the file and model filled in where it had none."""
        return type(self)(
            self.reason,
            path=self.path if self.path is not None else path,
            model=self.model if self.model is not None else model,
            field=self.field,
        )


class LibraryIntegrityError(LibraryFormatError):
    """Content that does not match its sha256 (or cannot be read): a corrupted or edited file.

    ``path`` is the file whose content is at fault: a shard whose tensors differ from the
    entry's ``sha256``, or ``library.json`` when an entry differs from its ``entry_sha256``.
    """


class UnverifiedLibraryWarning(UserWarning):
    """A format-version-1 library: its entries carry no ``entry_sha256``, so edits to fields
    other than the tensors (scaling, featurizer, activation ...) cannot be detected."""


# --------------------------------------------------------------------------- JSON


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value`` that digests are computed over.

    Keys sorted, no whitespace, non-ASCII characters escaped, floats in Python's shortest
    round-trip ``repr`` (so parsing and re-serialising gives the same text); NaN and infinities
    are refused, since JSON has none.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def entry_digest(entry: Mapping[str, Any]) -> str:
    """sha256 of an entry's canonical JSON, without the fields in :data:`UNCOVERED_FIELDS`."""
    covered = {k: v for k, v in entry.items() if k not in UNCOVERED_FIELDS}
    return hashlib.sha256(canonical_json(covered).encode("ascii")).hexdigest()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of the float range")
    return value


def parse_json(text: str | bytes, path: Any) -> Any:
    """Parse ``library.json`` strictly: no NaN/Infinity, no overflowing numbers, bounded depth.

    Raises
    ------
    LibraryFormatError
        Naming ``path`` for ``NaN``/``Infinity``, numbers out of range and nesting deeper
        than :data:`MAX_DEPTH`; its subclass :class:`LibraryIntegrityError` for text that is
        not JSON or not UTF-8 (a truncated or damaged file).
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise LibraryFormatError(
            f"is not a valid library: JSON nested deeper than {MAX_DEPTH} levels", path=path
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        # Most likely truncated or damaged on the way: an integrity problem of the file.
        raise LibraryIntegrityError(f"is not valid JSON: {exc}", path=path) from exc
    except ValueError as exc:  # NaN/Infinity, out-of-range numbers: written that way
        raise LibraryFormatError(f"is not valid JSON: {exc}", path=path) from exc
    check_depth(value, path)
    return value


def check_depth(value: Any, path: Any = None, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`LibraryFormatError` if containers nest deeper than ``limit`` (iterative,
    so it cannot itself overflow the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                raise LibraryFormatError(
                    f"is not a valid library: JSON nested deeper than {limit} levels", path=path
                )
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


# --------------------------------------------------------------------------- entry fields


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (values in messages come from the file)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fail(field: str, message: str) -> LibraryFormatError:
    return LibraryFormatError(message, field=field)


def _expect(entry: Mapping[str, Any], field: str, ok: bool, wanted: str) -> None:
    if not ok:
        value = entry.get(field)
        raise _fail(field, f"must be {wanted}, got {_type_name(value)} {short(value)}")


def _check_ref(value: Any, model_id: str, field: str) -> None:
    prefix = f"{model_id}/"
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) == len(prefix):
        raise _fail(field, f"must name a tensor '{prefix}<name>', got {short(value)}")


def validate_entry(entry: Any) -> None:
    """Check the JSON types and ranges of one model entry.

    Raises
    ------
    LibraryFormatError
        With ``field`` set, for a missing or unknown field or a value of the wrong type or
        range. ``path`` is left for the caller to fill in (:meth:`LibraryFormatError.located`).
    """
    if not isinstance(entry, dict):
        raise LibraryFormatError(f"a model entry must be a JSON object, got {_type_name(entry)}")
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not ID_RE.match(model_id):
        raise _fail(
            "id",
            f"must be 1-128 characters from [A-Za-z0-9._-] starting with a letter or digit, "
            f"got {short(model_id)}",
        )
    try:
        _validate_fields(entry, model_id)
    except LibraryFormatError as exc:
        raise exc.located(model=model_id) from None


def _validate_fields(entry: dict[str, Any], model_id: str) -> None:
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise _fail(missing[0], f"is missing (required: {list(_REQUIRED)})")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise _fail(unknown[0], f"is not a field of this library format (unknown: {unknown})")
    arch = entry["architecture"]
    _expect(
        entry,
        "architecture",
        isinstance(arch, list) and len(arch) >= 3 and all(_is_int(w) and w >= 1 for w in arch),
        "a list [d_in, h1, ..., n_out] of at least 3 positive integers",
    )
    _check_ref(entry["columns"], model_id, "columns")
    x_scaling = entry["x_scaling"]
    _expect(entry, "x_scaling", isinstance(x_scaling, dict), "an object {kind, mean, scale}")
    extra = sorted(set(x_scaling) - {"kind", "mean", "scale"})
    if extra:
        raise _fail(f"x_scaling.{extra[0]}", "is not a field of x_scaling")
    if x_scaling.get("kind", "standard") != "standard":
        raise _fail("x_scaling.kind", f"must be 'standard', got {short(x_scaling.get('kind'))}")
    _check_ref(x_scaling.get("mean"), model_id, "x_scaling.mean")
    _check_ref(x_scaling.get("scale"), model_id, "x_scaling.scale")
    if "y_scaling" in entry:
        y_scaling = entry["y_scaling"]
        _expect(entry, "y_scaling", isinstance(y_scaling, dict), "an object {mean, scale}")
        extra = sorted(set(y_scaling) - {"mean", "scale"})
        if extra:
            raise _fail(f"y_scaling.{extra[0]}", "is not a field of y_scaling")
        for key in ("mean", "scale"):
            value = y_scaling.get(key, 0.0)
            if not _is_number(value) or not math.isfinite(value):
                raise _fail(f"y_scaling.{key}", f"must be a finite number, got {short(value)}")
    for key in _STRINGS:
        if key in entry:
            _expect(entry, key, isinstance(entry[key], str), "a string")
    if "activation" in entry:
        _expect(
            entry, "activation", entry["activation"] in ACTIVATIONS, f"one of {list(ACTIVATIONS)}"
        )
    if "task" in entry:
        _expect(entry, "task", entry["task"] in TASKS, f"one of {list(TASKS)}")
    if "target_transform" in entry:
        from sklearn_shotgun._targets import TARGET_TRANSFORMS

        value = entry["target_transform"]
        _expect(
            entry,
            "target_transform",
            value is None or (isinstance(value, str) and value in TARGET_TRANSFORMS),
            f"null or one of {sorted(TARGET_TRANSFORMS)}",
        )
    classes = entry.get("classes")
    if classes is not None:
        scalars = isinstance(classes, list) and all(
            isinstance(c, str | bool) or (_is_number(c) and math.isfinite(c)) for c in classes
        )
        _expect(entry, "classes", scalars and len(classes) >= 1, "null or a list of labels")
        if len({canonical_json(c) for c in classes}) != len(classes):
            raise _fail("classes", f"contains duplicate labels: {short(classes)}")
    if entry.get("task", "regression") == "classification" and classes is None:
        raise _fail("classes", "is required by classification models")
    for key in ("training", "metrics"):
        if key in entry:
            _expect(entry, key, isinstance(entry[key], dict), "an object")
    featurizer = entry.get("featurizer")
    if featurizer is not None:
        _expect(
            entry,
            "featurizer",
            isinstance(featurizer, dict)
            and set(featurizer) <= {"class", "params"}
            and isinstance(featurizer.get("class"), str),
            'null or an object {"class": name, "params": {...}}',
        )
        if not isinstance(featurizer.get("params", {}), dict):
            raise _fail("featurizer.params", "must be an object of constructor parameters")
    for key in ("sha256", ENTRY_DIGEST_KEY):
        if key in entry:
            _expect(
                entry,
                key,
                isinstance(entry[key], str) and bool(_HEX64_RE.match(entry[key])),
                "64 lowercase hexadecimal digits",
            )


def model_arguments(
    entry: Mapping[str, Any],
    tensors: Mapping[str, Any],
    *,
    verify: bool = True,
    source: Any = None,
) -> dict[str, Any]:
    """The ``SourceModel`` constructor arguments of a checked entry and its tensors.

    See :meth:`SourceModel.from_entry`, whose work this is.
    """
    validate_entry(entry)
    model_id = entry["id"]

    def error(message: str, field: str | None = None, kind: type = LibraryFormatError):
        return kind(message, path=source, model=model_id, field=field)

    x_scaling = entry["x_scaling"]
    prefix = len(model_id) + 1
    names = {
        "columns": entry["columns"][prefix:],
        "x_mean": x_scaling["mean"][prefix:],
        "x_scale": x_scaling["scale"][prefix:],
    }
    arch = list(entry["architecture"])
    needed = set(names.values())
    for i in range(len(arch) - 1):
        needed |= {f"linears.{i}.weight", f"linears.{i}.bias"}
    missing = sorted(needed - set(tensors))
    if missing:
        raise error(f"missing tensor(s) {missing}")
    if verify:
        if ENTRY_DIGEST_KEY in entry and entry_digest(entry) != entry[ENTRY_DIGEST_KEY]:
            # The entry, not the tensor file, is at fault: no path.
            raise LibraryIntegrityError(
                "entry_sha256 mismatch: the library.json entry was modified or corrupted "
                "(the digest covers every field except 'shard')",
                model=model_id,
                field=ENTRY_DIGEST_KEY,
            )
        actual = sha256_tensors(tensors)
        if actual != entry["sha256"]:
            raise error(
                f"sha256 mismatch (library.json says {entry['sha256']}, tensors hash to "
                f"{actual}); the file is corrupted or was modified",
                "sha256",
                LibraryIntegrityError,
            )
    if tensors[names["columns"]].dtype.kind not in "iu":
        raise error(f"columns tensor has dtype {tensors[names['columns']].dtype}, not integer")
    special = set(names.values())
    state_dict = {k: v for k, v in tensors.items() if k not in special}
    y_scaling = entry.get("y_scaling") or {}
    return dict(
        id=model_id,
        architecture=arch,
        state_dict=state_dict,
        columns=tensors[names["columns"]],
        x_mean=tensors[names["x_mean"]],
        x_scale=tensors[names["x_scale"]],
        y_mean=y_scaling.get("mean", 0.0),
        y_scale=y_scaling.get("scale", 1.0),
        featurizer=entry.get("featurizer"),
        activation=entry.get("activation", "relu"),
        task=entry.get("task", "regression"),
        classes=entry.get("classes"),
        property=entry.get("property", ""),
        units=entry.get("units", ""),
        material=entry.get("material", ""),
        dataset=entry.get("dataset", ""),
        target_transform=entry.get("target_transform"),
        training=entry.get("training") or {},
        metrics=entry.get("metrics") or {},
    )


def check_featurizer(spec: Mapping[str, Any] | None) -> None:
    """Re-create the featurizer of a ``{"class", "params"}`` spec and validate its parameters.

    The featurizer's own validation decides what is acceptable: ``_check_params()`` (the
    package's featurizers; what ``fit`` runs), else scikit-learn's ``_validate_params()`` when
    the class declares ``_parameter_constraints``; a class with neither is not checked. A
    parameter out of range (e.g. an ``n_bits`` that would allocate gigabytes per row) is then
    refused when the library is loaded, not when a model first featurizes.

    Raises
    ------
    LibraryFormatError
        ``field="featurizer.class"`` for an unknown class, ``"featurizer.params"`` for
        parameters the class refuses.
    """
    if spec is None:
        return
    from sklearn_shotgun.library.source_model import build_featurizer, get_featurizer_class

    try:
        cls = get_featurizer_class(spec["class"])
    except ValueError as exc:
        raise _fail("featurizer.class", str(exc)) from None
    try:
        featurizer = build_featurizer(cls, spec.get("params") or {})
        check = getattr(featurizer, "_check_params", None)
        if callable(check):
            check()
        elif getattr(cls, "_parameter_constraints", None) and hasattr(cls, "_validate_params"):
            featurizer._validate_params()
    except (TypeError, ValueError, OverflowError) as exc:
        reason = str(exc) if len(str(exc)) <= 300 else str(exc)[:297] + "..."
        raise _fail("featurizer.params", f"rejected by {spec['class']}: {reason}") from None


def warn_unverified(path: Path, n_entries: int) -> None:
    """One :class:`UnverifiedLibraryWarning` for a library written without entry digests."""
    warnings.warn(
        f"{path}: format_version 1 library: the {n_entries} model entries carry no "
        f"{ENTRY_DIGEST_KEY}, so only their tensors are verified; edits to the scaling, "
        "featurizer or activation would go unnoticed. Save it again with this version of "
        "sklearn-shotgun to add the digests.",
        UnverifiedLibraryWarning,
        stacklevel=3,
    )
