"""``SourceModel``: one pretrained source network with everything needed to use it on raw inputs.

A source model bundles the featurizer's parameters, the descriptor columns the network sees, the
input and target scaling, the weights of a :class:`~sklearn_shotgun.nets.pyramid.PyramidNet` and
metadata (source property, data set, training provenance, held-out metrics). It is a plain value
type, not a scikit-learn estimator: :class:`~sklearn_shotgun.featurizers.FrozenNetFeaturizer` and
the transfer estimators wrap it.

Integrity: an entry's ``"sha256"`` covers the tensors; its ``"entry_sha256"`` covers every other
field but ``"shard"`` (featurizer, architecture, activation, scaling, target_transform, metadata,
and the tensor digest), so any edit is rejected on load (details in ``library/_verify.py``).

Featurizers are re-created from their class *name* through an explicit allow-list
(:func:`register_featurizer`, :func:`get_featurizer_class`); nothing in a library file can make
the loader import or execute arbitrary code.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sklearn_shotgun._io import sha256_tensors
from sklearn_shotgun.library._verify import (
    ACTIVATIONS,
    ENTRY_DIGEST_KEY,
    ID_RE,
    LibraryFormatError,
    entry_digest,
    model_arguments,
)

__all__ = [
    "SourceModel",
    "build_featurizer",
    "featurizer_spec",
    "get_featurizer_class",
    "make_model_id",
    "register_featurizer",
]

#: Rows per forward pass: bounds peak memory on large inputs while keeping the matrix products big.
_BATCH_ROWS = 4096

#: Featurizers of this package that a library may name. They are imported from
#: ``sklearn_shotgun.featurizers`` only when first needed (keeps ``import sklearn_shotgun`` cheap
#: and RDKit optional until a fingerprint model is used).
_BUILTIN_FEATURIZERS = ("FingerprintFeaturizer", "CompositionFeaturizer", "DescriptorFeaturizer")

#: Classes added with :func:`register_featurizer` (third-party or test featurizers).
_REGISTERED_FEATURIZERS: dict[str, type] = {}

_TENSOR_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


# --------------------------------------------------------------------------- featurizer registry


def register_featurizer(cls: type, name: str | None = None) -> type:
    """Allow library files to name the featurizer class ``cls``.

    Usable as a class decorator. The class must be a scikit-learn transformer whose
    ``get_params()`` values are JSON-serialisable (tuples are stored as lists and turned back
    into tuples where the constructor default is a tuple).

    Parameters
    ----------
    cls : type
        The featurizer class.
    name : str, optional
        The name stored in library files; defaults to ``cls.__name__``.

    Returns
    -------
    type
        Unchanged, so that the function works as a decorator.
    """
    key = name or cls.__name__
    if key in _BUILTIN_FEATURIZERS:
        raise ValueError(f"{key!r} is a built-in featurizer name and cannot be re-registered")
    _REGISTERED_FEATURIZERS[key] = cls
    return cls


def get_featurizer_class(name: str) -> type:
    """Return the featurizer class registered under ``name``.

    Only the package's own featurizers and classes passed to :func:`register_featurizer` are
    known: the name read from a library file is looked up, never imported as a dotted path.
    """
    if name in _REGISTERED_FEATURIZERS:
        return _REGISTERED_FEATURIZERS[name]
    if name in _BUILTIN_FEATURIZERS:
        module = importlib.import_module("sklearn_shotgun.featurizers")
        try:
            return getattr(module, name)
        except AttributeError:
            raise ValueError(
                f"featurizer {name!r} is not available in this installation of sklearn_shotgun"
            ) from None
    known = sorted({*_BUILTIN_FEATURIZERS, *_REGISTERED_FEATURIZERS})
    raise ValueError(
        f"unknown featurizer class {name!r}; known: {known}. Third-party featurizers must be "
        "registered with sklearn_shotgun.library.source_model.register_featurizer"
    )


def _to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples to JSON types; non-finite floats become None.

    JSON has no NaN/Infinity, and a library.json with them is rejected by strict parsers (the Hub
    viewer among them), so an undefined metric is stored as ``null``.
    """
    if isinstance(value, Mapping):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [
            _to_jsonable(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)
        ]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{type(value).__name__} value {value!r} is not JSON-serialisable")


def featurizer_spec(featurizer: Any) -> dict[str, Any]:
    """The ``{"class", "params"}`` description of a featurizer instance stored in library files.

    Raises ``ValueError`` if the class is not in the registry (it could not be re-created).
    """
    name = type(featurizer).__name__
    if get_featurizer_class(name) is not type(featurizer):
        raise ValueError(f"{name!r} in the registry is a different class than {type(featurizer)}")
    params = featurizer.get_params(deep=False)
    try:
        return {"class": name, "params": _to_jsonable(params)}
    except TypeError:
        bad = [k for k, v in params.items() if not _is_jsonable(v)]
        raise ValueError(
            f"{name} parameter(s) {bad} cannot be stored in a model library (only JSON values "
            "can; e.g. use element_table='default' rather than a DataFrame)."
        ) from None


def featurizer_key(model: Any) -> str:
    """A source's featurizer (or a ``featurizer_spec``) as text: equal for equal settings.

    Sources with equal keys featurize the same inputs into the same matrix, so a search
    computes it once per key.
    """
    spec = model if isinstance(model, dict) else model.featurizer
    return json.dumps(spec, sort_keys=True, default=str)


def build_featurizer(cls: type, params: Mapping[str, Any]) -> Any:
    """``cls(**params)`` with stored parameters: lists become tuples where the constructor's
    default is a tuple (JSON has no tuples), so ``get_params()`` equals the original's."""
    params = dict(params)
    signature = inspect.signature(cls)
    for name, value in params.items():
        param = signature.parameters.get(name)
        if param is not None and isinstance(param.default, tuple) and isinstance(value, list):
            params[name] = tuple(value)
    return cls(**params)


def _is_jsonable(value: Any) -> bool:
    try:
        _to_jsonable(value)
    except TypeError:
        return False
    return True


def make_model_id(property: str, descriptor: str, seed: int) -> str:
    """A short, filename-safe model id: ``"{property}-{descriptor}-{seed:08x}"``.

    Characters outside ``[A-Za-z0-9._-]`` become ``-`` and each name part is cut to 40
    characters. Ids must not contain ``/`` because tensors are stored as ``"<id>/<tensor>"``.

    Examples
    --------
    >>> make_model_id("Cp (J/mol K)", "morgan", 48879)
    'Cp-J-mol-K-morgan-0000beef'
    """

    def clean(part: str) -> str:
        return re.sub(r"[^A-Za-z0-9._]+", "-", str(part)).strip("-._")[:40] or "x"

    return f"{clean(property)}-{clean(descriptor)}-{int(seed):08x}"


def _descriptor_label(featurizer: Mapping[str, Any] | None) -> str:
    if featurizer is None:
        return "precomputed"
    kind = (featurizer.get("params") or {}).get("kind")
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list | tuple) and kind:
        return "+".join(str(k) for k in kind)
    return str(featurizer["class"])


def _descriptor_names(featurizer: Mapping[str, Any] | None) -> set[str]:
    names = {_descriptor_label(featurizer)}
    if featurizer is not None:
        names.add(str(featurizer["class"]))
        kind = (featurizer.get("params") or {}).get("kind")
        if isinstance(kind, list | tuple):
            names.update(str(k) for k in kind)
    return names


# --------------------------------------------------------------------------- SourceModel


def _as_numpy(value: Any, dtype: Any, what: str) -> np.ndarray:
    if hasattr(value, "detach"):  # torch tensor: accept a module's state_dict() directly
        value = value.detach().cpu().numpy()
    arr = np.ascontiguousarray(value, dtype=dtype)
    if what and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains non-finite values")
    return arr


@dataclass(eq=False)
class SourceModel:
    """A pretrained source network plus everything needed to apply it to raw inputs.

    Parameters
    ----------
    id : str
        Unique, filename-safe id (``[A-Za-z0-9][A-Za-z0-9._-]*``, at most 128 characters, no
        ``/``); see :func:`make_model_id`.
    architecture : list of int
        Layer widths ``[d_in, h1, ..., hk, n_out]`` of the
        ``sklearn_shotgun.nets.pyramid.PyramidNet``.
    state_dict : dict of str to ndarray
        The PyramidNet weights (``"linears.{i}.weight"``, ``"linears.{i}.bias"``), stored as
        float32.
    columns : ndarray of int64, shape (d_in,)
        Indices of the descriptor columns the network sees.
    x_mean, x_scale : ndarray of float32, shape (d_in,)
        Standardisation of the selected columns: the network sees ``(x - x_mean) / x_scale``.
    y_mean, y_scale : float
        Target scaling of regression outputs: predictions are ``out * y_scale + y_mean``.
    featurizer : dict or None
        ``{"class": name, "params": {...}}`` re-creating the descriptor from raw inputs (see
        ``featurizer_spec``); ``None`` for models that only take precomputed descriptors.
    activation : str
        Hidden activation of the PyramidNet.
    task : {"regression", "classification"}
        Classification networks output one logit per class (or a single logit for two classes).
    classes : list or None
        Class labels, in output order, for classification.
    property, units, material, dataset : str
        What the network predicts and on which data it was trained (``units`` of the
        property as measured, before ``target_transform``).
    target_transform : str or None
        The form of the property the network learnt and predicts (None: as measured;
        ``"per_gram"``, ``"per_heavy_atom"``, ``"per_atom"``, ``"log10"``; see
        :class:`~sklearn_shotgun.ShotgunPretrainer`).
    training : dict
        Provenance: seed, n_samples, bootstrap_sha256, epochs, optimizer, lr, batch_size ...
    metrics : dict
        Held-out quality: mae, rmse, r2, pearson, max_ae and ``rows`` (e.g. ``"out-of-bag"``).

    Notes
    -----
    Treat instances as immutable: :meth:`module` caches the network built from
    ``state_dict``. Equality is identity (arrays make field-wise ``==`` ambiguous); compare
    :attr:`sha256` and :meth:`to_entry` to test two models for equal content.

    :meth:`descriptor` fits a fresh featurizer on the very inputs it transforms. The package's
    featurizers are stateless (``fit`` learns nothing from the data), so this equals a plain
    ``transform`` and keeps a source model free of fitted state.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> arch = [4, 3, 2, 1]
    >>> weights = {}
    >>> for i, (n_in, n_out) in enumerate(zip(arch[:-1], arch[1:])):
    ...     weights[f"linears.{i}.weight"] = rng.normal(size=(n_out, n_in))
    ...     weights[f"linears.{i}.bias"] = np.zeros(n_out)
    >>> model = SourceModel(
    ...     id="demo-0001", architecture=arch, state_dict=weights,
    ...     columns=np.array([0, 2, 4, 6]), x_mean=np.zeros(4), x_scale=np.ones(4),
    ...     featurizer=None, property="density", units="g/cm3")
    >>> X = rng.normal(size=(5, 8))   # a precomputed descriptor matrix
    >>> model.transform(X, precomputed=True).shape
    (5, 2)
    >>> model.transform(X, layer="all", precomputed=True).shape
    (5, 5)
    >>> model.predict(X, precomputed=True).shape
    (5,)
    """

    id: str
    architecture: list[int]
    state_dict: dict[str, np.ndarray]
    columns: np.ndarray
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float = 0.0
    y_scale: float = 1.0
    featurizer: dict | None = None
    activation: str = "relu"
    task: str = "regression"
    classes: list | None = None
    property: str = ""
    units: str = ""
    material: str = ""
    dataset: str = ""
    target_transform: str | None = None
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ValueError(
                f"invalid model id {self.id!r}: use 1-128 characters from [A-Za-z0-9._-], "
                "starting with a letter or digit (see make_model_id)"
            )
        arch = [int(w) for w in self.architecture]
        if len(arch) < 3 or min(arch) < 1:
            raise ValueError(
                f"model {self.id!r}: architecture must be [d_in, h1, ..., n_out] with at least "
                f"one hidden layer and positive widths, got {self.architecture!r}"
            )
        self.architecture = arch
        self.state_dict = {
            str(k): _as_numpy(v, np.float32, f"model {self.id!r}: tensor {k!r}")
            for k, v in self.state_dict.items()
        }
        for name in self.state_dict:
            if not _TENSOR_NAME_RE.match(name) or name in ("columns", "x_mean", "x_scale"):
                raise ValueError(f"model {self.id!r}: invalid state_dict name {name!r}")
        expected = {}
        for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
            expected[f"linears.{i}.weight"] = (n_out, n_in)
            expected[f"linears.{i}.bias"] = (n_out,)
        missing = sorted(set(expected) - set(self.state_dict))
        if missing:
            raise ValueError(f"model {self.id!r}: state_dict lacks {missing}")
        unexpected = sorted(set(self.state_dict) - set(expected))
        if unexpected:
            raise ValueError(f"model {self.id!r}: unexpected state_dict tensors {unexpected}")
        for name, shape in expected.items():
            if self.state_dict[name].shape != shape:
                raise ValueError(
                    f"model {self.id!r}: {name} has shape {self.state_dict[name].shape}, "
                    f"architecture {arch} needs {shape}"
                )
        self.columns = _as_numpy(self.columns, np.int64, "")
        self.x_mean = _as_numpy(self.x_mean, np.float32, f"model {self.id!r}: x_mean")
        self.x_scale = _as_numpy(self.x_scale, np.float32, f"model {self.id!r}: x_scale")
        for name in ("columns", "x_mean", "x_scale"):
            if getattr(self, name).shape != (arch[0],):
                raise ValueError(
                    f"model {self.id!r}: {name} has shape {getattr(self, name).shape}, "
                    f"expected ({arch[0]},) = (d_in,)"
                )
        if arch[0] and self.columns.min() < 0:
            raise ValueError(f"model {self.id!r}: columns must be non-negative")
        if np.any(self.x_scale == 0):
            raise ValueError(f"model {self.id!r}: x_scale contains zeros")
        self.y_mean = float(self.y_mean)
        self.y_scale = float(self.y_scale)
        if not (math.isfinite(self.y_mean) and math.isfinite(self.y_scale)):
            raise ValueError(f"model {self.id!r}: y_mean and y_scale must be finite")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"model {self.id!r}: activation must be one of {list(ACTIVATIONS)}, "
                f"got {self.activation!r}"
            )
        from sklearn_shotgun._targets import check_target_transform

        check_target_transform(self.target_transform)
        for name in ("property", "units", "material", "dataset"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"model {self.id!r}: {name} must be a string")
        if self.task not in ("regression", "classification"):
            raise ValueError(f"model {self.id!r}: task must be 'regression' or 'classification'")
        if self.task == "classification":
            if not self.classes:
                raise ValueError(f"model {self.id!r}: classification models need classes")
            n_out = arch[-1]
            if n_out != len(self.classes) and not (n_out == 1 and len(self.classes) == 2):
                raise ValueError(
                    f"model {self.id!r}: {len(self.classes)} classes but {n_out} outputs"
                )
            self.classes = list(self.classes)
        if self.featurizer is not None:
            if not isinstance(self.featurizer, Mapping) or "class" not in self.featurizer:
                raise ValueError(
                    f"model {self.id!r}: featurizer must be {{'class': name, 'params': {{...}}}}"
                )
            self.featurizer = {
                "class": str(self.featurizer["class"]),
                "params": dict(self.featurizer.get("params") or {}),
            }
        self.training = dict(self.training)
        self.metrics = dict(self.metrics)
        self._module_cache = None

    # ---------------------------------------------------------------- pickling / repr

    def __getstate__(self) -> dict[str, Any]:
        # The torch module is a cache rebuilt on demand; dropping it keeps pickles (joblib
        # workers, sklearn.clone's deepcopy) small and free of torch objects.
        state = self.__dict__.copy()
        state["_module_cache"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return (
            f"SourceModel(id={self.id!r}, property={self.property!r}, "
            f"descriptor={self.descriptor!r}, architecture={self.architecture}, "
            f"task={self.task!r})"
        )

    # ---------------------------------------------------------------- shape / metadata

    @builtins.property  # the `property` field shadows the builtin in the class body
    def n_hidden(self) -> int:
        """Number of hidden layers."""
        return len(self.architecture) - 2

    @builtins.property
    def hidden_widths(self) -> list[int]:
        """Widths of the hidden layers, first to last."""
        return list(self.architecture[1:-1])

    @builtins.property
    def n_outputs(self) -> int:
        """Width of the output layer."""
        return self.architecture[-1]

    @builtins.property
    def descriptor(self) -> str:
        """Short descriptor label: the featurizer's ``kind`` (``"+"``-joined), else its class."""
        return _descriptor_label(self.featurizer)

    def descriptor_names(self) -> set[str]:
        """Every name a ``descriptor=`` filter matches: class name, label and each ``kind``."""
        return _descriptor_names(self.featurizer)

    # ---------------------------------------------------------------- featurizer

    def make_featurizer(self) -> Any:
        """A fresh, unfitted featurizer instance built from the stored parameters."""
        if self.featurizer is None:
            raise ValueError(
                f"model {self.id!r} stores no featurizer; pass a descriptor matrix with "
                "precomputed=True"
            )
        cls = get_featurizer_class(self.featurizer["class"])
        return build_featurizer(cls, self.featurizer["params"])

    def descriptor_matrix(self, X: Any) -> Any:
        """Featurize raw inputs: the full descriptor matrix (dense array or sparse matrix)."""
        if not hasattr(X, "__len__"):
            X = list(X)  # the featurizer may traverse X twice (fit, then transform)
        return self.make_featurizer().fit(X).transform(X)

    def coverage(self, X: Any, precomputed: bool = False) -> dict[str, Any]:
        """How much of the inputs ``X`` this network cannot see.

        A network reads only its ``columns``, drawn among the descriptor columns that were
        non-constant and dense enough in its training data: a fingerprint bit of an atom
        environment its data set lacks (sulfur, chlorine or silicon for QM9) never reaches
        it. This reports the columns that are active (non-zero in some row) for ``X`` but
        not read, so a user sees what a source ignores before trusting its features.

        Parameters
        ----------
        X : raw inputs, or the full descriptor matrix with ``precomputed=True``
        precomputed : bool, default=False

        Returns
        -------
        dict
            ``n_active`` (columns of the descriptor of ``X`` non-zero in some row),
            ``n_unseen`` (active columns the network does not read), ``unseen_fraction``,
            ``unseen_columns`` (their indices) and ``rows_affected`` (fraction of the rows of
            ``X`` with a non-zero value in an unseen column).
        """
        from sklearn_shotgun.library._quality import unseen

        return unseen(self.columns, X if precomputed else self.descriptor_matrix(X))

    # ---------------------------------------------------------------- network

    def module(self, fresh: bool = False) -> Any:
        """The PyramidNet with these weights, in eval mode.

        Parameters
        ----------
        fresh : bool, default=False
            ``False`` returns a cached module shared by all inference calls (gradients
            disabled; do not train it). ``True`` builds a new, independent, trainable copy
            (for fine-tuning).
        """
        if not fresh and self._module_cache is not None:
            return self._module_cache
        import torch

        from sklearn_shotgun.nets.pyramid import PyramidNet

        net = PyramidNet(list(self.architecture), activation=self.activation)
        # load_state_dict copies into the module's parameters: training a fresh module never
        # changes this SourceModel's arrays.
        net.load_state_dict({k: torch.from_numpy(v) for k, v in self.state_dict.items()})
        net.eval()
        if fresh:
            return net
        for p in net.parameters():
            p.requires_grad_(False)
        self._module_cache = net
        return net

    def _network_input(self, X: Any, precomputed: bool) -> np.ndarray:
        """Raw inputs or full descriptor -> standardised float32 input of the network."""
        D = X if precomputed else self.descriptor_matrix(X)
        if hasattr(D, "to_numpy") and not sp.issparse(D):  # pandas (set_output="pandas")
            D = D.to_numpy()
        if sp.issparse(D):
            if D.ndim != 2:
                raise ValueError(f"descriptor must be 2-D, got shape {D.shape}")
            n_cols = D.shape[1]
        else:
            D = np.asarray(D)
            if D.ndim != 2:
                raise ValueError(f"descriptor must be 2-D, got shape {D.shape}")
            n_cols = D.shape[1]
        if self.columns.size and self.columns.max() >= n_cols:
            raise ValueError(
                f"model {self.id!r} reads descriptor column {int(self.columns.max())}, but the "
                f"descriptor has {n_cols} columns"
            )
        # Sparse fingerprints: select columns on CSR first, then densify only d_in columns.
        Z = sp.csr_matrix(D)[:, self.columns].toarray() if sp.issparse(D) else D[:, self.columns]
        Z = np.asarray(Z, dtype=np.float32)
        return (Z - self.x_mean) / self.x_scale

    def _hidden_indices(self, layer: int | str | Sequence[int]) -> list[int]:
        if isinstance(layer, str):
            if layer == "all":
                return list(range(self.n_hidden))
            if layer == "last":
                return [self.n_hidden - 1]
            raise ValueError(
                f"layer must be an int, a list of ints, 'last' or 'all'; got {layer!r}"
            )
        layers = list(layer) if isinstance(layer, list | tuple | range | np.ndarray) else [layer]
        out = []
        for value in layers:
            is_int = isinstance(value, int | np.integer) and not isinstance(value, bool)
            if not is_int or not -self.n_hidden <= value < self.n_hidden:
                raise ValueError(
                    f"layer {value!r} out of range for model {self.id!r} with {self.n_hidden} "
                    f"hidden layers (use 0..{self.n_hidden - 1} or negatives from the end)"
                )
            out.append(int(value) % self.n_hidden)
        return out

    def _batched(self, Z: np.ndarray, fn: Any, width: int) -> np.ndarray:
        import torch

        out = np.empty((Z.shape[0], width), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, Z.shape[0], _BATCH_ROWS):
                xb = torch.from_numpy(np.ascontiguousarray(Z[start : start + _BATCH_ROWS]))
                out[start : start + _BATCH_ROWS] = fn(xb).numpy()
        return out

    def transform(
        self, X: Any, layer: int | str | Sequence[int] = -1, precomputed: bool = False
    ) -> np.ndarray:
        """Hidden-layer activations (after the activation function), as float32.

        Parameters
        ----------
        X : sequence of raw inputs, or array-like / sparse matrix of shape (n, n_descriptor)
            Raw inputs (SMILES, formulas ...) or, with ``precomputed=True``, the *full*
            descriptor matrix; the model selects its ``columns`` and standardises them.
        layer : int, list of int, "last" or "all", default=-1
            Hidden layer(s), 0-based; negatives count back from the last hidden layer. Several
            layers (or ``"all"``) are concatenated in order.
        precomputed : bool, default=False
            Whether ``X`` is already the descriptor matrix.

        Returns
        -------
        ndarray of float32, shape (n, sum of the selected widths)
        """
        layers = self._hidden_indices(layer)
        Z = self._network_input(X, precomputed)
        net = self.module()
        width = sum(self.hidden_widths[i] for i in layers)

        def fn(xb: Any) -> Any:
            import torch

            return torch.cat(list(net.hidden(xb, layers)), dim=1)

        return self._batched(Z, fn, width)

    def _raw_output(self, X: Any, precomputed: bool) -> np.ndarray:
        Z = self._network_input(X, precomputed)
        return self._batched(Z, self.module(), self.n_outputs)

    def predict(self, X: Any, precomputed: bool = False) -> np.ndarray:
        """Predictions of the source property in its original units (class labels for
        classification); shape (n,) for a single output, else (n, n_outputs)."""
        out = self._raw_output(X, precomputed)
        if self.task == "classification":
            proba = self._proba(out)
            return np.asarray(self.classes)[np.argmax(proba, axis=1)]
        y = out.astype(np.float64) * self.y_scale + self.y_mean
        return y[:, 0] if y.shape[1] == 1 else y

    def _proba(self, out: np.ndarray) -> np.ndarray:
        out = out.astype(np.float64)
        if out.shape[1] == 1:  # binary with one logit
            p1 = 1.0 / (1.0 + np.exp(-out[:, 0]))
            return np.column_stack([1.0 - p1, p1])
        out = out - out.max(axis=1, keepdims=True)
        e = np.exp(out)
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba(self, X: Any, precomputed: bool = False) -> np.ndarray:
        """Class probabilities, shape (n, n_classes), columns in ``classes`` order."""
        if self.task != "classification":
            raise AttributeError(f"model {self.id!r} is a regression model: no predict_proba")
        return self._proba(self._raw_output(X, precomputed))

    # ---------------------------------------------------------------- serialisation

    def tensors(self) -> dict[str, np.ndarray]:
        """All arrays of the model by tensor name (without the ``"<id>/"`` prefix)."""
        out = dict(self.state_dict)
        out["columns"] = self.columns
        out["x_mean"] = self.x_mean
        out["x_scale"] = self.x_scale
        return out

    @builtins.property
    def sha256(self) -> str:
        """sha256 of :meth:`tensors` (see ``sklearn_shotgun._io.sha256_tensors``)."""
        return sha256_tensors(self.tensors())

    def to_entry(self, shard: str | None = None) -> dict[str, Any]:
        """The model's ``library.json`` entry; tensors are referenced as ``"<id>/<name>"``.

        Ends with the tensor digest ``"sha256"`` and the entry digest ``"entry_sha256"`` (see
        the module docstring). Non-finite floats in ``training``/``metrics`` are written as
        ``null`` (JSON has no NaN).
        """
        entry: dict[str, Any] = {
            "id": self.id,
            "property": self.property,
            "units": self.units,
            "material": self.material,
            "dataset": self.dataset,
            "target_transform": self.target_transform,
            "featurizer": _to_jsonable(self.featurizer),
            "columns": f"{self.id}/columns",
            "architecture": list(self.architecture),
            "activation": self.activation,
            "task": self.task,
            "classes": _to_jsonable(self.classes),
            "x_scaling": {
                "kind": "standard",
                "mean": f"{self.id}/x_mean",
                "scale": f"{self.id}/x_scale",
            },
            "y_scaling": {"mean": self.y_mean, "scale": self.y_scale},
            "training": _to_jsonable(self.training),
            "metrics": _to_jsonable(self.metrics),
        }
        if shard is not None:
            entry["shard"] = shard
        entry["sha256"] = self.sha256
        entry[ENTRY_DIGEST_KEY] = entry_digest(entry)
        return entry

    @classmethod
    def from_entry(
        cls,
        entry: Mapping[str, Any],
        tensors: Mapping[str, np.ndarray],
        verify: bool = True,
        *,
        source: Any = None,
    ) -> SourceModel:
        """Rebuild a model from its ``library.json`` entry and its tensors.

        Parameters
        ----------
        entry : dict
            The entry, as written by :meth:`to_entry`.
        tensors : dict of str to ndarray
            The model's tensors, names without the ``"<id>/"`` prefix.
        verify : bool, default=True
            Check the tensors against ``entry["sha256"]`` (required) and the entry against its
            ``"entry_sha256"`` when it has one (:meth:`ModelLibrary.load` requires it from
            format version 2 on).
        source : path-like, optional
            The file the tensors were read from, named in errors.

        Raises
        ------
        LibraryFormatError
            A ``ValueError`` naming the file, the model id and the field, for a malformed
            entry, a missing tensor or tensors that do not fit the architecture;
            :class:`LibraryIntegrityError` (a subclass) if a digest does not match.
        """
        kwargs = model_arguments(entry, tensors, verify=verify, source=source)
        try:
            return cls(**kwargs)
        except (ValueError, TypeError, OverflowError) as exc:
            raise LibraryFormatError(str(exc), path=source, model=kwargs["id"]) from None
