"""Save a fitted transfer estimator without pickle, and load it back.

A saved transfer model is a directory:

``model.json``
    The manifest (``"format": "sklearn-shotgun-transfer"``, ``"format_version": 1``): the
    package version that wrote it, the estimator's class and ``get_params()`` (estimators
    among them as ``{"class": "sklearn.x.Y", "params": {...}}``), the fitted selection (one
    entry per ensemble member: source model id, hidden layer, appended target descriptor,
    kept feature columns, the head's class and parameters with its random seed, and its
    weight), the target featurizers, the sha256 of every file below and of every source
    network used, and the fitted model's predictions of its own training rows.
``training.csv``
    The rows the estimator was fit on: ``input`` and ``target`` (numeric descriptor
    matrices: ``x0`` ... ``x{n-1}`` and ``target``).
``library/``
    A model library (``library.json`` and safetensors shards) holding only the source
    networks that the ensemble uses, so the directory works without the original library.
``transfer_table.csv``
    The search's ``transfer_table_``, for reading; loading does not use it.

Loading never executes code from the files: the JSON is parsed, classes are resolved only
inside the ``sklearn`` and ``sklearn_shotgun`` packages, tensors are checked against their
sha256. Instead of storing fitted forests, loading refits the selected members on the
training rows (no search: each member's features are computed and its head is refit with
its stored parameters and seed), which gives the same estimator as the one saved. Loading
then checks that the refit model reproduces the stored predictions of the training rows:
an edited manifest (another seed, weight or column) or a changed library or training file
is an error. These checks guard against accidental changes and corruption; they are not a
signature against deliberate ones.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._io import atomic_write_text, replace_directory, sha256_file, temporary_sibling_directory

__all__ = ["FORMAT", "FORMAT_VERSION", "load_transfer", "save_transfer"]

FORMAT = "sklearn-shotgun-transfer"
FORMAT_VERSION = 1
_MANIFEST = "model.json"
_TRAINING = "training.csv"
_LIBRARY = "library"
_TABLE = "transfer_table.csv"
#: Modules whose classes a manifest may name; anything else is refused on load.
_TRUSTED = ("sklearn", "sklearn_shotgun")
#: Relative tolerance of the reproduction check (the refit is exact on one machine; this
#: only absorbs last-bit differences of another BLAS or thread count).
_RTOL = 1e-6


# -- parameters as JSON ------------------------------------------------------------------
def _trusted(module: str) -> bool:
    return module.split(".")[0] in _TRUSTED


def _init_params(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "get_params"):
        return obj.get_params(deep=False)
    # scikit-learn's CV splitters have no get_params but store each __init__ argument.
    names = [
        p.name
        for p in inspect.signature(type(obj).__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return {name: getattr(obj, name) for name in names}


def _encode(value: Any, where: str) -> Any:
    """``value`` as JSON; objects of the trusted packages as ``{"class", "params"}``."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v, f"{where}.{k}") for k, v in value.items()}}
    cls = type(value)
    if _trusted(cls.__module__) and not isinstance(value, np.ndarray):
        params = _init_params(value)
        return {
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "params": {k: _encode(v, f"{where}.{k}") for k, v in params.items()},
        }
    raise ValueError(
        f"Cannot save {where}={value!r}: only JSON values and scikit-learn or sklearn_shotgun "
        "objects with such parameters can be saved (e.g. pass random_state as an int)."
    )


def _resolve_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    if not module or not _trusted(module):
        raise ValueError(f"The manifest names the class {path!r}, outside {_TRUSTED}.")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ValueError(f"The manifest names the class {path!r}, which does not exist.") from None
    from sklearn.base import BaseEstimator

    # Estimators and CV splitters only: their constructors just store their arguments.
    splitter = hasattr(cls, "split") and hasattr(cls, "get_n_splits")
    if not isinstance(cls, type) or not (issubclass(cls, BaseEstimator) or splitter):
        raise ValueError(f"The manifest names {path!r}, which is no estimator nor CV splitter.")
    return cls


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"dict"}:
            return {k: _decode(v) for k, v in value["dict"].items()}
        if set(value) == {"class", "params"}:
            cls = _resolve_class(value["class"])
            params = {k: _decode(v) for k, v in value["params"].items()}
            # JSON turned tuples into lists; give back tuples where the default is one.
            signature = inspect.signature(cls)
            for name, param in signature.parameters.items():
                if isinstance(param.default, tuple) and isinstance(params.get(name), list):
                    params[name] = tuple(params[name])
            return cls(**params)
        raise ValueError(f"Unreadable value in the manifest: {value!r}.")
    return value


# -- the fitted selection ----------------------------------------------------------------
def _descriptor_name(obj: Any, target_featurizers: dict[str, Any]) -> str:
    """Name of the fitted target featurizer ``obj`` in ``target_featurizers_``."""
    from sklearn.preprocessing import FunctionTransformer

    # "passthrough" (a precomputed matrix appended as it is) becomes an identity
    # FunctionTransformer once a FeatureUnion is fit.
    if isinstance(obj, str) or (isinstance(obj, FunctionTransformer) and obj.func is None):
        obj = "passthrough"
    for name, featurizer in target_featurizers.items():
        if featurizer is obj or (isinstance(obj, str) and featurizer == obj):
            return name
    # Members refit in other processes hold copies: match by class and parameters.
    matches = [
        name
        for name, featurizer in target_featurizers.items()
        if type(featurizer) is type(obj) and _encode(featurizer, name) == _encode(obj, name)
    ]
    if len(matches) != 1:
        raise ValueError("Cannot tell which target descriptor an ensemble member uses.")
    return matches[0]


def _member(pipe: Any, target_featurizers: dict[str, Any], index: int) -> dict[str, Any]:
    from sklearn.pipeline import Pipeline

    if not isinstance(pipe, Pipeline):
        raise ValueError(
            f"Ensemble member {index} is a {type(pipe).__name__}: only strategy='frozen' "
            "models can be saved."
        )
    steps = dict(pipe.steps)
    frozen, descriptor, predictions = None, None, None
    if "features" in steps:
        parts = dict(steps["features"].transformer_list)
        frozen, descriptor = parts.get("frozen"), parts.get("descriptor")
        predictions = parts.get("predictions")
    elif "frozen" in steps:
        frozen = steps["frozen"]
    elif "descriptor" in steps:
        descriptor = steps["descriptor"]
    if descriptor is not None:
        name = _descriptor_name(descriptor, target_featurizers)
    elif frozen is None and predictions is None:  # no transfer on a precomputed matrix
        name = next(k for k, v in target_featurizers.items() if isinstance(v, str))
    else:
        name = None
    columns = steps["columns"].columns if "columns" in steps else None
    member: dict[str, Any] = {
        "source": None if frozen is None else frozen.source.id,
        "layer": None if frozen is None else _encode(frozen.layer, "layer"),
        "descriptor": name,
        "columns": None if columns is None else np.asarray(columns).tolist(),
        "head": _encode(steps["head"], f"member {index} head"),
    }
    if frozen is not None:
        member["with_descriptor"] = bool(frozen.with_descriptor)
        member["with_prediction"] = bool(frozen.with_prediction)
    if predictions is not None:
        member["predictions"] = {
            "max_models_per_source": int(predictions.max_models_per_source),
            "sources": {k: [m.id for m in v] for k, v in predictions.sources_.items()},
        }
    return member


def _used_sources(estimator: Any) -> list[Any]:
    from sklearn.pipeline import Pipeline

    sources = {}
    for pipe in estimator.estimators_:
        if not isinstance(pipe, Pipeline):
            continue
        steps = dict(pipe.steps)
        parts = dict(steps["features"].transformer_list) if "features" in steps else steps
        frozen, predictions = parts.get("frozen"), parts.get("predictions")
        if frozen is not None:
            sources[frozen.source.id] = frozen.source
        for models in [] if predictions is None else predictions.sources_.values():
            sources.update((m.id, m) for m in models)
    return list(sources.values())


# -- the training table ------------------------------------------------------------------
def _target_kind(y: np.ndarray) -> str:
    if y.dtype.kind == "f":
        return "float"
    if y.dtype.kind in "iu":
        return "int"
    if y.dtype.kind == "b":
        return "bool"
    if all(isinstance(v, str) for v in y):
        return "str"
    raise ValueError(f"Cannot save targets of dtype {y.dtype}: use numbers or strings.")


def _training_frame(estimator: Any, X: Any, y: Any) -> tuple[pd.DataFrame, Any, np.ndarray]:
    from .featurizers._base import coerce_items

    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if estimator._precomputed:
        X = np.asarray(X, dtype=np.float32)
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    else:
        X, _ = coerce_items(X, "inputs")
        bad = [i for i, item in enumerate(X) if not isinstance(item, str)]
        if bad:
            raise ValueError(
                f"Only string inputs (SMILES, formulas) can be saved; row {bad[0]} is "
                f"{type(X[bad[0]]).__name__}."
            )
        frame = pd.DataFrame({"input": X})
    if len(y) != len(frame):
        raise ValueError(f"X has {len(frame)} rows but y has {len(y)}.")
    frame["target"] = y
    return frame, X, y


def _read_training(path: Path, manifest: dict[str, Any]) -> tuple[Any, np.ndarray]:
    kind = manifest["training"]["target_kind"]
    dtype = {"float": np.float64, "int": np.int64, "bool": bool, "str": str}[kind]
    # Inputs verbatim ("NA" or "None" are formulas or names here, not missing values) and
    # floats read back to the same bits as written (pandas' default parser is exact).
    frame = pd.read_csv(
        path,
        dtype={"target": dtype} if manifest["precomputed"] else {"input": str, "target": dtype},
        keep_default_na=False,
        na_filter=False,
    )
    if manifest["precomputed"]:
        X = frame.drop(columns="target").to_numpy(dtype=np.float32)
    else:
        X = frame["input"].tolist()
    return X, frame["target"].to_numpy()


# -- save --------------------------------------------------------------------------------
def save_transfer(
    estimator: Any,
    path: str | os.PathLike,
    X: Any,
    y: Any,
    *,
    overwrite: bool = False,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Save a fitted transfer estimator to a directory, without pickle.

    The estimator does not keep its training rows, so they are given again: ``X`` and
    ``y`` must be the data it was fit on. Before the directory is put in place it is loaded
    back, and the save fails unless the loaded model reproduces the estimator's predictions
    of ``X``. See the module docstring of ``sklearn_shotgun._persist`` for the format.

    Parameters
    ----------
    estimator : ShotgunTransferRegressor or ShotgunTransferClassifier
        Fitted, with ``strategy="frozen"``.
    path : path-like
        Directory to write (atomically: a complete directory or none).
    X : list of str or array-like
        The inputs ``estimator`` was fit on (SMILES or formulas, or the numeric matrix of
        precomputed sources).
    y : array-like of shape (n_samples,)
        The targets it was fit on.
    overwrite : bool, default=False
        Replace an existing saved model at ``path``. A non-empty directory that holds no
        ``model.json`` is never replaced.
    metadata : dict, optional
        JSON values stored in the manifest as they are (e.g. the CSV column names).

    Raises
    ------
    FileExistsError
        If ``path`` exists and is not empty, and ``overwrite`` is False (or it is not a
        saved model).
    ValueError
        If a parameter cannot be written as JSON, or ``X``, ``y`` are not the fit data.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn_shotgun import ShotgunPretrainer, ShotgunTransferRegressor
    >>> from sklearn_shotgun._persist import load_transfer, save_transfer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 6))
    >>> library = ShotgunPretrainer(n_models=2, max_epochs=5, random_state=0, verbose=0
    ...                             ).fit(X, X[:, 0]).library_
    >>> model = ShotgunTransferRegressor(library, cv=3, random_state=0).fit(X[:30], X[:30, 1])
    >>> folder = tempfile.mkdtemp() + "/model"
    >>> save_transfer(model, folder, X[:30], X[:30, 1])
    >>> bool(np.all(load_transfer(folder).predict(X[30:40]) == model.predict(X[30:40])))
    True
    """
    from sklearn.base import is_classifier
    from sklearn.utils.validation import check_is_fitted

    from . import __version__
    from .library import ModelLibrary
    from .transfer import ShotgunTransferClassifier, ShotgunTransferRegressor

    if not isinstance(estimator, ShotgunTransferRegressor | ShotgunTransferClassifier):
        raise ValueError(
            "save_transfer saves a ShotgunTransferRegressor or ShotgunTransferClassifier, got "
            f"{type(estimator).__name__}."
        )
    check_is_fitted(estimator, "estimators_")
    try:
        json.dumps(metadata or {}, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(f"metadata must hold JSON values only, got {metadata!r}.") from None
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        if not overwrite:
            raise FileExistsError(f"{path} exists and is not empty (pass overwrite=True).")
        if not (path / _MANIFEST).is_file():
            raise FileExistsError(f"{path} is not empty and holds no saved model: not replaced.")

    params = estimator.get_params(deep=False)
    library = params.pop("library")
    encoded = {k: _encode(v, k) for k, v in params.items()}
    origin = os.fspath(library) if isinstance(library, str | os.PathLike) else None
    members = [
        _member(pipe, estimator.target_featurizers_, i)
        for i, pipe in enumerate(estimator.estimators_)
    ]
    for member, weight in zip(members, estimator.ensemble_weights_, strict=True):
        member["weight"] = float(weight)
    sources = _used_sources(estimator)
    frame, X, y = _training_frame(estimator, X, y)
    fitted = {
        "best_source": estimator.best_source_,
        "best_layer": _encode(estimator.best_layer_, "best_layer_"),
        "best_score": float(estimator.best_score_),
        "appended_descriptor": estimator.appended_descriptor_,
        "n_candidates": int(estimator.n_candidates_),
        "rejected_featurizers": dict(estimator.rejected_featurizers_),
        "input_kind": estimator._input_kind,
    }
    if hasattr(estimator, "feature_names_in_"):
        fitted["feature_names_in"] = [str(n) for n in estimator.feature_names_in_]
    reference = estimator.predict_proba(X) if is_classifier(estimator) else estimator.predict(X)
    with temporary_sibling_directory(path) as tmp:
        atomic_write_text(tmp / _TRAINING, frame.to_csv(index=False, lineterminator="\n"))
        ModelLibrary(sources, name="sources of a saved transfer model").save(tmp / _LIBRARY)
        estimator.transfer_table_.to_csv(tmp / _TABLE, index=False, lineterminator="\n")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_with": __version__,
            "estimator": type(estimator).__name__,
            "params": encoded,
            "library_origin": origin,
            "precomputed": bool(estimator._precomputed),
            "target_featurizers": {
                name: f if isinstance(f, str) else _encode(f, f"target_featurizers_[{name!r}]")
                for name, f in estimator.target_featurizers_.items()
            },
            "fitted": fitted,
            "members": members,
            "sources": {m.id: m.sha256 for m in sources},
            "training": {
                "file": _TRAINING,
                "sha256": sha256_file(tmp / _TRAINING),
                "n_rows": len(frame),
                "target_kind": _target_kind(y),
            },
            "library": {"path": _LIBRARY, "sha256": sha256_file(tmp / _LIBRARY / "library.json")},
            "training_predictions": np.asarray(reference, dtype=float).tolist(),
            "metadata": metadata or {},
        }
        atomic_write_text(tmp / _MANIFEST, json.dumps(manifest, indent=1) + "\n")
        try:
            load_transfer(tmp)
        except ValueError as exc:
            raise ValueError(
                f"The saved model does not reproduce the estimator ({exc}); are X and y the "
                "rows it was fit on?"
            ) from None
        replace_directory(tmp, path)


# -- load --------------------------------------------------------------------------------
def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """The parsed ``model.json`` of a saved transfer model, its format checked."""
    file = Path(path) / _MANIFEST
    if not file.is_file():
        raise FileNotFoundError(f"{path} is not a saved transfer model: {file} does not exist")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{file} is not a sklearn-shotgun transfer model manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{file} has format_version {manifest.get('format_version')!r}; this version of "
            f"sklearn-shotgun reads {FORMAT_VERSION}."
        )
    return manifest


def load_transfer(path: str | os.PathLike, *, check: bool = True) -> Any:
    """Load a transfer estimator saved by :func:`save_transfer`.

    The selected ensemble members are refit on the stored training rows with their stored
    parameters and seeds (no search), which reproduces the saved estimator.

    Parameters
    ----------
    path : path-like
        The saved model directory.
    check : bool, default=True
        Check that the loaded model reproduces the stored predictions of its training rows
        (relative tolerance 1e-6). False skips only this check (e.g. on a machine whose
        arithmetic differs in the last bits); the sha256 checks always run.

    Returns
    -------
    ShotgunTransferRegressor or ShotgunTransferClassifier
        Fitted: ``predict`` works; ``cv_results_`` and ``transfer_table_`` are not
        restored (the table is in ``transfer_table.csv``).

    Raises
    ------
    FileNotFoundError
        If ``path`` holds no ``model.json``.
    ValueError
        If the manifest is unreadable, a file or source network differs from its sha256,
        or the model does not reproduce its stored predictions.
    """
    from sklearn.base import is_classifier

    from .library import ModelLibrary
    from .transfer import ShotgunTransferClassifier, ShotgunTransferRegressor

    path = Path(path)
    manifest = read_manifest(path)
    classes = {
        "ShotgunTransferRegressor": ShotgunTransferRegressor,
        "ShotgunTransferClassifier": ShotgunTransferClassifier,
    }
    if manifest.get("estimator") not in classes:
        raise ValueError(f"Unknown estimator {manifest.get('estimator')!r} in the manifest.")
    for what, entry in (("training file", manifest["training"]), ("library", None)):
        file = path / (entry["file"] if entry else f"{_LIBRARY}/library.json")
        expected = entry["sha256"] if entry else manifest["library"]["sha256"]
        if not file.is_file():
            raise ValueError(f"The {what} {file} of the saved model is missing.")
        if sha256_file(file) != expected:
            raise ValueError(
                f"The {what} {file} has changed since the model was saved (sha256 differs)."
            )
    library = ModelLibrary.load(path / _LIBRARY)
    for model_id, sha in manifest["sources"].items():
        if model_id not in library or library[model_id].sha256 != sha:
            raise ValueError(f"Source network {model_id!r} differs from the saved one.")
    X, y = _read_training(path / _TRAINING, manifest)
    params = {k: _decode(v) for k, v in manifest["params"].items()}
    origin = manifest.get("library_origin")
    estimator = classes[manifest["estimator"]](library=origin or library, **params)
    _fit_members(estimator, manifest, library, X, y)
    if check:
        stored = np.asarray(manifest["training_predictions"], dtype=float)
        now = estimator.predict_proba(X) if is_classifier(estimator) else estimator.predict(X)
        now = np.asarray(now, dtype=float)
        if now.shape != stored.shape or not np.allclose(now, stored, rtol=_RTOL, atol=1e-12):
            worst = float(np.max(np.abs(now - stored))) if now.shape == stored.shape else np.nan
            raise ValueError(
                "the loaded model does not reproduce the predictions stored in the manifest "
                f"(largest difference {worst:.3g}): the manifest was edited or the model "
                "cannot be refit identically here (load_transfer(path, check=False) skips "
                "this check)"
            )
    return estimator


def _fit_members(estimator: Any, manifest: dict[str, Any], library: Any, X: Any, y: Any) -> None:
    """Set the fitted attributes: target featurizers and the members refit on ``X``, ``y``."""
    from sklearn.base import is_classifier

    from ._candidates import Candidate, _refit
    from ._library_predictions import LibraryPredictionFeaturizer
    from ._transfer_candidates import _reading
    from .featurizers.frozen import FrozenNetFeaturizer

    fitted = manifest["fitted"]
    estimator._precomputed = manifest["precomputed"]
    estimator._input_kind = fitted["input_kind"]
    if estimator._precomputed:
        estimator.n_features_in_ = X.shape[1]
    else:
        estimator.n_features_in_ = 1
        library = _reading(library, estimator._input_kind)
    if "feature_names_in" in fitted:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
    if is_classifier(estimator):
        estimator.classes_ = np.unique(y)
    featurizers, target = {}, {}
    for name, spec in manifest["target_featurizers"].items():
        if isinstance(spec, str):  # "passthrough": X is the descriptor matrix
            featurizers[name], T = spec, X
        else:
            featurizers[name] = _decode(spec).fit(X)
            T = featurizers[name].transform(X)
            T = T.toarray() if hasattr(T, "toarray") else T
        target[name] = np.ascontiguousarray(T, dtype=np.float32)  # as the search did
    estimator.target_featurizers_ = featurizers
    members = []
    for member in manifest["members"]:
        # The same features, in the same column order, as the search computed for it.
        model = library[member["source"]] if member["source"] is not None else None
        predictions = None
        if member.get("predictions"):
            spec = member["predictions"]
            ids = [i for group in spec["sources"].values() for i in group]
            predictions = LibraryPredictionFeaturizer(
                [library[i] for i in ids], spec["max_models_per_source"]
            )
            H = predictions.fit_transform(X)
            if list(predictions.sources_) != list(spec["sources"]):
                raise ValueError("The saved library does not give the saved source predictions.")
            if member["descriptor"] is not None:
                H = np.hstack([H, target[member["descriptor"]]])
        elif model is None:
            H = target[member["descriptor"]]
        else:
            D = X if model.featurizer is None else model.descriptor_matrix(X)
            frozen = FrozenNetFeaturizer(
                model,
                _decode(member["layer"]),
                precomputed=True,
                with_descriptor=member["with_descriptor"],
                with_prediction=member["with_prediction"],
            )
            H = frozen.fit(D).transform_descriptors(D)
            if member["descriptor"] is not None:
                H = np.hstack([H, target[member["descriptor"]]])
        columns = None if member["columns"] is None else np.asarray(member["columns"])
        if columns is not None:
            H = np.ascontiguousarray(H[:, columns])
        candidate = Candidate(
            member["source"],
            _decode(member["layer"]),
            H,
            _decode(member["head"]),
            member["descriptor"],
            columns,
            predictions=predictions,
        )
        members.append(_refit(model, candidate, X, y, estimator.features, featurizers))
    estimator.estimators_ = members
    estimator.best_estimator_ = members[0]
    estimator.ensemble_weights_ = np.asarray([m["weight"] for m in manifest["members"]])
    estimator.best_source_ = fitted["best_source"]
    estimator.best_layer_ = _decode(fitted["best_layer"])
    estimator.best_score_ = fitted["best_score"]
    estimator.appended_descriptor_ = fitted["appended_descriptor"]
    estimator.n_candidates_ = fitted["n_candidates"]
    estimator.rejected_featurizers_ = fitted["rejected_featurizers"]
