"""Nested evaluation of transfer learning against a no-transfer baseline and an untrained control.

A shotgun transfer estimator picks, by an *inner* cross-validation, the best of hundreds of
source networks (and layers). The best inner CV score of such a search is optimistic: with
enough candidates one of them looks good on a few dozen rows by chance. :func:`evaluate_transfer`
measures what the whole procedure -- search included -- achieves on data it never saw, with an
*outer* cross-validation around it, and compares it on the very same outer folds with

* a **baseline** without transfer (by default a random forest on the source library's own
  descriptor), which tells whether transfer helped at all, and
* a **control** (``control="untrained"``): the same estimator and search on a library of networks
  with the same architectures, columns, scaling and featurizer but random, untrained weights
  (:func:`untrained_library`), which tells whether *pretraining* made the difference rather
  than selection among many random feature maps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import numbers
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_samples

from ._validation import check_finite_target, raise_bad_target_rows

__all__ = ["TransferEvaluation", "evaluate_transfer", "untrained_library"]

#: Default metrics of regressors and classifiers.
REGRESSION_METRICS = ("mae", "rmse", "max_ae", "r2", "pearson")
CLASSIFICATION_METRICS = ("accuracy", "f1")

#: Suffix of the ids of :func:`untrained_library` models.
UNTRAINED_SUFFIX = "-untrained"

_MAX_ID = 128


# --------------------------------------------------------------------------- metrics


def _pearson(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if len(y_true) < 2 or np.ptp(y_true) == 0 or np.ptp(y_pred) == 0:
        return float("nan")  # undefined, not an error: a constant fold or prediction
    return float(np.corrcoef(y_true, y_pred)[0, 1])


def _r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    if len(y_true) < 2:
        return float("nan")  # sklearn warns and returns nan for a single row
    return float(r2_score(y_true, y_pred))


def _mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(y_true, y_pred))


def _rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import root_mean_squared_error

    return float(root_mean_squared_error(y_true, y_pred))


def _mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(y_true, y_pred))


def _max_ae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import max_error

    return float(max_error(y_true, y_pred))


def _spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from scipy.stats import rankdata

    return _pearson(rankdata(y_true), rankdata(y_pred))


def _accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():  # a fold missing a class: sklearn warns, value still defined
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(y_true, y_pred))


def _f1_macro(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


#: Metric name -> ``fn(y_true, y_pred) -> float``. Names ending in the lower-is-better set are
#: errors; the others are scores.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mae": _mae,
    "rmse": _rmse,
    "mse": _mse,
    "max_ae": _max_ae,
    "r2": _r2,
    "pearson": _pearson,
    "spearman": _spearman,
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced_accuracy,
    "f1": _f1_macro,
}
_CLASSIFICATION_ONLY = {"accuracy", "balanced_accuracy", "f1"}
_LOWER_IS_BETTER = {"mae", "rmse", "mse", "max_ae"}


def _resolve_scoring(
    scoring: Any, classification: bool
) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    if isinstance(scoring, Mapping):
        out = {}
        for name, fn in scoring.items():
            if isinstance(fn, str):
                fn = _resolve_scoring([fn], classification)[fn]
            if not callable(fn):
                raise ValueError(
                    f"scoring[{name!r}] must be a metric name or a callable "
                    f"fn(y_true, y_pred) -> float, got {fn!r}"
                )
            out[str(name)] = fn
        if not out:
            raise ValueError("scoring must name at least one metric")
        return out
    names = [scoring] if isinstance(scoring, str) else list(scoring)
    if classification and tuple(names) == REGRESSION_METRICS:
        names = list(CLASSIFICATION_METRICS)  # the default, for a classifier
    if not names:
        raise ValueError("scoring must name at least one metric")
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(
            f"unknown metric(s) {unknown}; use {sorted(METRICS)} or a dict of name -> "
            "callable fn(y_true, y_pred)"
        )
    if not classification:
        wrong = [n for n in names if n in _CLASSIFICATION_ONLY]
        if wrong:
            raise ValueError(
                f"{wrong} are classification metrics, but the estimator is a regressor"
            )
    else:
        wrong = [n for n in names if n not in _CLASSIFICATION_ONLY]
        if wrong:
            raise ValueError(
                f"{wrong} are regression metrics, but the estimator is a classifier; use "
                f"{sorted(_CLASSIFICATION_ONLY)}"
            )
    return {n: METRICS[n] for n in dict.fromkeys(names)}


# --------------------------------------------------------------------------- untrained control


def _seed_sequence(random_state: Any) -> np.random.SeedSequence:
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    rng = check_random_state(random_state)
    return np.random.SeedSequence(int(rng.randint(np.iinfo(np.int32).max)))


def untrained_library(library: Any, random_state: Any = None) -> Any:
    """A copy of ``library`` whose networks have freshly initialised, untrained weights.

    Every model keeps its architecture, activation, descriptor columns, input and target
    scaling, featurizer, task and metadata (property, units, material, dataset), so a transfer
    estimator handles the copy exactly as the original; only the weights differ. They are drawn
    with ``sklearn_shotgun.nets.pyramid.init_pyramid_parameters`` (PyTorch's default
    ``nn.Linear`` initialisation) from one seed per model, spawned from ``random_state`` with
    :class:`numpy.random.SeedSequence`.

    Used as the ``control="untrained"`` of :func:`evaluate_transfer`: if the control does as
    well as the pretrained library, the gain came from choosing among many random feature maps,
    not from pretraining.

    Parameters
    ----------
    library : ModelLibrary
        The pretrained pool (lazy libraries are read model by model).
    random_state : int, RandomState instance, SeedSequence or None, default=None
        Seeds the weights. An int gives the same weights, bit for bit, on every call.

    Returns
    -------
    ModelLibrary
        New models with ids ``"<id>-untrained"`` (the original id is cut if the result would
        exceed 128 characters), empty ``metrics`` (the source metrics described the trained
        weights), and ``training = {"untrained": True, "init_seed": seed, "pretrained_id": id}``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun import ModelLibrary, SourceModel
    >>> from sklearn_shotgun.nets.pyramid import init_pyramid_parameters
    >>> arch = [4, 3, 2, 1]
    >>> weights = {k: v.numpy() for k, v in init_pyramid_parameters(arch, 0).items()}
    >>> model = SourceModel(id="demo", architecture=arch, state_dict=weights,
    ...                     columns=np.arange(4), x_mean=np.zeros(4), x_scale=np.ones(4),
    ...                     property="Cp", metrics={"r2": 0.9})
    >>> control = untrained_library(ModelLibrary([model]), random_state=0)
    >>> control.ids
    ['demo-untrained']
    >>> control["demo-untrained"].architecture, control["demo-untrained"].metrics
    ([4, 3, 2, 1], {})
    >>> bool(np.array_equal(control[0].state_dict["linears.0.weight"], weights["linears.0.weight"]))
    False
    """
    from sklearn_shotgun.library import ModelLibrary, SourceModel
    from sklearn_shotgun.nets.pyramid import init_pyramid_parameters

    if not isinstance(library, ModelLibrary):
        raise TypeError(f"library must be a ModelLibrary, got {type(library).__name__}")
    children = _seed_sequence(random_state).spawn(len(library))
    models = []
    for model, child in zip(library, children, strict=True):
        if not isinstance(model, SourceModel):  # pragma: no cover - ModelLibrary guarantees it
            raise TypeError(f"expected SourceModel, got {type(model).__name__}")
        seed = int(child.generate_state(1, dtype=np.uint32)[0])
        state = {k: v.numpy() for k, v in init_pyramid_parameters(model.architecture, seed).items()}
        new_id = model.id[: _MAX_ID - len(UNTRAINED_SUFFIX)] + UNTRAINED_SUFFIX
        models.append(
            dataclasses.replace(
                model,
                id=new_id,
                state_dict=state,
                metrics={},
                training={"untrained": True, "init_seed": seed, "pretrained_id": model.id},
            )
        )
    description = "Untrained copies (same architectures, columns, scaling) of " + (
        repr(library.name) if library.name else "a pretrained library"
    )
    return ModelLibrary(
        models,
        name=f"{library.name} (untrained)" if library.name else "untrained",
        description=description,
        license=library.license,
    )


# --------------------------------------------------------------------------- result object


@dataclass(repr=False)
class TransferEvaluation:
    """Result of :func:`evaluate_transfer`.

    Attributes
    ----------
    folds : pandas.DataFrame
        Long format, one row per (model, outer fold, metric): columns ``model``
        (``"transfer"``, ``"baseline"``, ``"control"``), ``fold``, ``metric``, ``value``.
    summary : pandas.DataFrame
        One row per model; columns are a two-level index ``(metric, statistic)`` with the
        statistics ``mean`` and ``std`` over the outer folds (``std`` with ``ddof=0``, as in
        scikit-learn's ``cv_results_``) and ``overall``: the metric on all out-of-fold
        predictions together. E.g. ``summary.loc["transfer", ("mae", "mean")]``.
    predictions : pandas.DataFrame or None
        With ``return_predictions=True``: one row per (model, outer-test row) with ``model``,
        ``fold``, ``row`` (0-based position in ``X``), ``y_true``, ``y_pred``.
    selected : pandas.DataFrame
        One row per (model, fold) whose fitted estimator exposes ``best_source_``:
        ``model``, ``fold``, ``best_source``, ``best_layer`` and ``inner_score`` (the
        estimator's ``best_score_``, or the best ``mean_test_score`` of its ``cv_results_``;
        the optimistic inner estimate, in the estimator's own scoring convention).
    fits : pandas.DataFrame
        One row per (model, fold): ``n_train``, ``n_test`` and ``fit_time`` (seconds).
    splits : list of (ndarray, ndarray)
        The outer (train, test) row indices, shared by all models.
    task : {"regression", "classification"}
    n_samples : int
    inner_scoring : str or None
        The transfer estimator's ``scoring`` parameter, if it has one.
    """

    folds: pd.DataFrame
    summary: pd.DataFrame
    predictions: pd.DataFrame | None
    selected: pd.DataFrame
    fits: pd.DataFrame
    splits: list[tuple[np.ndarray, np.ndarray]]
    task: str
    n_samples: int
    inner_scoring: str | None = None

    @property
    def models(self) -> list[str]:
        """The evaluated models, in the order transfer, baseline, control."""
        return list(self.summary.index)

    @property
    def metrics(self) -> list[str]:
        """The metric names, in the order requested."""
        return list(dict.fromkeys(self.summary.columns.get_level_values(0)))

    def to_string(self, digits: int = 4) -> str:
        """A readable report: nested scores per model, selections, and the optimism caveat."""

        def fmt(value: float) -> str:
            return "nan" if not np.isfinite(value) else f"{value:.{digits}g}"

        n_folds = len(self.splits)
        lines = [
            f"Nested cross-validation of transfer learning ({self.task}): {self.n_samples} "
            f"samples, {n_folds} outer folds.",
            "Scores are mean ± std over outer folds [metric on all out-of-fold predictions].",
        ]
        width = max(len(m) for m in self.models)
        for model in self.models:
            parts = []
            for metric in self.metrics:
                row = self.summary.loc[model, metric]
                parts.append(
                    f"{metric} {fmt(row['mean'])} ± {fmt(row['std'])} [{fmt(row['overall'])}]"
                )
            lines.append(f"  {model:<{width}}  " + "; ".join(parts))
        for model in self.selected["model"].unique() if len(self.selected) else []:
            sel = self.selected[self.selected["model"] == model]
            counts = sel["best_source"].astype(str).value_counts()
            shown = ", ".join(f"{src} x{n}" for src, n in counts.items())
            lines.append(f"Sources selected by {model} ({len(sel)} folds): {shown}")
            inner = pd.to_numeric(sel["inner_score"], errors="coerce")
            if inner.notna().any():
                scoring = f" ({self.inner_scoring})" if self.inner_scoring else ""
                lines.append(
                    f"  mean best inner CV score{scoring}: {fmt(float(inner.mean()))} -- "
                    "optimistic (best of the search); report the nested scores above."
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return (
            f"TransferEvaluation(task={self.task!r}, n_samples={self.n_samples}, "
            f"n_folds={len(self.splits)}, models={self.models}, metrics={self.metrics})"
        )


# --------------------------------------------------------------------------- validation


def _check_y(y: Any, n_samples: int, classification: bool) -> np.ndarray:
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one target), got shape {y.shape}")
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {len(y)}; they must match")
    if classification:
        raise_bad_target_rows(y, np.flatnonzero(pd.isna(y)))
        return y
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "y must be numeric for a regressor (use a classifier for labels)"
        ) from None
    check_finite_target(y)
    return y


def _outer_splitter(
    cv: Any, classification: bool, groups: np.ndarray | None, seed: int | None
) -> Any:
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        n_splits = int(cv)
        if n_splits < 2:
            raise ValueError(f"cv must be >= 2 outer folds, got {cv}")
        if groups is not None:
            cls = StratifiedGroupKFold if classification else GroupKFold
            return cls(n_splits=n_splits, shuffle=True, random_state=seed)
        cls = StratifiedKFold if classification else KFold
        return cls(n_splits=n_splits, shuffle=True, random_state=seed)
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    if isinstance(cv, Sequence) and not isinstance(cv, str):
        return list(cv)  # an iterable of (train, test) pairs
    raise ValueError(
        f"cv must be an int (number of outer folds), a scikit-learn splitter or a list of "
        f"(train, test) index pairs; got {cv!r}"
    )


def _check_splits(
    splits: list[tuple[np.ndarray, np.ndarray]], n_samples: int, inner_cv: Any
) -> None:
    if not splits:
        raise ValueError("the outer cross-validation produced no splits")
    for k, (train, test) in enumerate(splits):
        if len(train) < 2 or len(test) < 1:
            raise ValueError(
                f"outer fold {k} has {len(train)} training and {len(test)} test rows; too "
                f"few rows ({n_samples}) for this outer cross-validation"
            )
        if np.intersect1d(train, test).size:
            raise ValueError(f"outer fold {k}: train and test rows overlap")
        if min(train.min(), test.min()) < 0 or max(train.max(), test.max()) >= n_samples:
            raise ValueError(f"outer fold {k} has row indices outside 0..{n_samples - 1}")
        inner_int = isinstance(inner_cv, numbers.Integral) and not isinstance(inner_cv, bool)
        if inner_int and len(train) < int(inner_cv):
            raise ValueError(
                f"outer fold {k} leaves {len(train)} training rows, fewer than the "
                f"estimator's inner cv={inner_cv} folds; use fewer folds or more data"
            )


def _find_library_param(estimator: Any) -> str | None:
    """The (shallowest) ``library`` or ``<step>__library`` parameter holding a library, a
    source model or a library path."""
    from sklearn_shotgun.library import ModelLibrary, SourceModel

    try:
        params = estimator.get_params(deep=True)
    except Exception:  # not an sklearn estimator
        return None
    keys = [
        k
        for k, v in params.items()
        if (k == "library" or k.endswith("__library"))
        and isinstance(v, ModelLibrary | SourceModel | str | os.PathLike)
    ]
    return min(keys, key=lambda k: k.count("__")) if keys else None


def _as_library(value: Any) -> Any:
    """The ``ModelLibrary`` behind a ``library`` parameter (a library, one model or a path)."""
    from sklearn_shotgun.library import ModelLibrary, SourceModel

    if isinstance(value, SourceModel):
        return ModelLibrary([value])
    if isinstance(value, str | os.PathLike):
        return ModelLibrary.load(value)
    return value


def _default_baseline(library: Any, classification: bool, seed: int | None) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.pipeline import Pipeline

    from .baseline import NoTransferRegressor

    if len(library) == 0:
        raise ValueError("the estimator's library is empty; pass baseline=<estimator> or None")
    if library[0].featurizer is not None and not classification:
        # Raw inputs: the best forest or ridge model over every descriptor the inputs allow.
        return NoTransferRegressor(random_state=seed)
    forest_cls = RandomForestClassifier if classification else RandomForestRegressor
    forest = forest_cls(n_estimators=500, random_state=seed)
    if library[0].featurizer is None:  # precomputed descriptors: the forest takes X as is
        return forest
    return Pipeline([("featurizer", library[0].make_featurizer()), ("forest", forest)])


def _accepts_groups(estimator: Any) -> bool:
    fit = getattr(estimator, "fit", None)
    if fit is None:
        return False
    try:
        params = inspect.signature(fit).parameters
    except (TypeError, ValueError):
        return False
    return "groups" in params


def _inner_score(estimator: Any) -> float:
    score = getattr(estimator, "best_score_", None)
    if score is not None:
        try:
            return float(score)
        except (TypeError, ValueError):
            return float("nan")
    results = getattr(estimator, "cv_results_", None)
    try:
        scores = np.asarray(results["mean_test_score"], dtype=float)  # type: ignore[index]
    except (KeyError, TypeError, ValueError, IndexError):
        return float("nan")
    return float(np.nanmax(scores)) if np.isfinite(scores).any() else float("nan")


def _fit_predict(
    name: str,
    estimator: Any,
    X: Any,
    y: np.ndarray,
    groups: np.ndarray | None,
    fold: int,
    train: np.ndarray,
    test: np.ndarray,
) -> dict[str, Any]:
    from sklearn.utils import _safe_indexing

    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    fit_params = {}
    if groups is not None and _accepts_groups(estimator):
        fit_params["groups"] = groups[train]
    start = time.perf_counter()
    # Recorded here (under the filters in force), re-issued once per model by
    # evaluate_transfer: one fit per outer fold would repeat each warning (with other
    # numbers) five times, and a process worker's warnings would not reach the caller.
    # Recording swaps process-wide state, so a thread of a threading backend does not.
    record = threading.current_thread() is threading.main_thread()
    with warnings.catch_warnings(record=True) if record else contextlib.nullcontext() as caught:
        try:
            estimator.fit(X_train, y[train], **fit_params)
            fit_time = time.perf_counter() - start
            y_pred = np.asarray(estimator.predict(X_test))
        except Exception as exc:
            if hasattr(exc, "add_note"):
                exc.add_note(
                    f"(evaluate_transfer: while fitting the {name} model on outer fold {fold})"
                )
                for w in (caught or [])[:5]:  # often the explanation of the failure
                    exc.add_note(f"warning before it: {w.category.__name__}: {w.message}")
            raise
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred.ravel()
    if y_pred.shape != (len(test),):
        raise ValueError(
            f"the {name} model predicted shape {y_pred.shape} for {len(test)} rows on outer "
            f"fold {fold}; expected ({len(test)},)"
        )
    out = {
        "model": name,
        "fold": fold,
        "test": test,
        "y_pred": y_pred,
        "fit_time": fit_time,
        "n_train": len(train),
        "best_source": None,
        "best_layer": None,
        "inner_score": float("nan"),
        "warnings": [(w.category, str(w.message), w.filename, w.lineno) for w in caught or []],
    }
    if hasattr(estimator, "best_source_"):
        out["best_source"] = estimator.best_source_
        out["best_layer"] = getattr(estimator, "best_layer_", None)
        out["inner_score"] = _inner_score(estimator)
    return out


# --------------------------------------------------------------------------- main entry point


def evaluate_transfer(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    cv: Any = 5,
    baseline: Any = "default",
    control: Any = None,
    groups: Any = None,
    scoring: Any = REGRESSION_METRICS,
    n_jobs: int | None = None,
    random_state: Any = None,
    return_predictions: bool = False,
    verbose: int = 0,
) -> TransferEvaluation:
    """Nested cross-validation of a transfer estimator against a baseline and a control.

    The *outer* cross-validation splits ``X, y`` into folds. For each outer fold a clone of
    ``estimator`` is fit on the outer-training rows only -- its own inner cross-validated
    search over sources and layers never sees the outer-test rows -- and scored on the
    outer-test rows. The best inner CV score of a search over hundreds of source models is
    optimistic (the winner of many noisy comparisons); **the nested score returned here is the
    one to report.** The baseline and the control are fit and scored on exactly the same
    outer folds, so their per-fold scores are paired with the transfer scores.

    Parameters
    ----------
    estimator : estimator or dict of str to estimator
        The transfer estimator, e.g. ``ShotgunTransferRegressor(library)``; any scikit-learn
        regressor or classifier works. It is cloned for every fold; ``estimator`` itself is
        not fitted. A dict compares several named variants on the same outer folds in one
        call (result rows carry their names instead of ``"transfer"``); the baseline and
        the control are computed once, from the first variant.
    X : sequence or array-like of shape (n_samples, ...)
        Raw inputs (SMILES, formulas ...) or whatever ``estimator`` accepts; rows are taken
        with ``sklearn.utils._safe_indexing`` (lists, arrays, pandas objects by position).
    y : array-like of shape (n_samples,)
        Target values (regression) or labels (classification). Missing values are an error.
    cv : int, splitter or list of (train, test), default=5
        The outer cross-validation. An int ``k`` means ``KFold(k, shuffle=True,
        random_state=random_state)`` for regressors and ``StratifiedKFold`` for classifiers
        (``GroupKFold`` / ``StratifiedGroupKFold``, shuffled, when ``groups`` is given). With
        an int, at least ``2 * k`` rows are required. Splitters whose test sets overlap
        (``ShuffleSplit``, ``RepeatedKFold``) are allowed; the ``overall`` metrics then pool
        all out-of-fold predictions, repeated rows included.
    baseline : "default", estimator or None, default="default"
        The model without transfer. For a regressor on raw inputs, ``"default"`` is
        :class:`~sklearn_shotgun.NoTransferRegressor` (``random_state=random_state``): the
        best of a forest and a ridge model on every descriptor the inputs allow (count
        fingerprints, RDKit 2D descriptors and compositions for SMILES; compositions for
        formulas), chosen by its
        own inner CV inside each outer fold, which is the model a practitioner would fit
        without transfer. For classifiers it is a pipeline of the featurizer of the first
        model of the library and a ``RandomForestClassifier(n_estimators=500)``; for
        sources on precomputed descriptors a forest on ``X``. An estimator is cloned and fit
        on raw ``X``. None skips the baseline.
    control : None, "untrained" or ModelLibrary, default=None
        ``"untrained"`` evaluates a clone of ``estimator`` whose library is replaced by
        ``untrained_library(library, random_state)``: same architectures, columns, scaling
        and featurizers, random weights, same search, same folds. It tells whether
        pretraining made the difference, rather than selection among many random feature
        maps. A ``ModelLibrary`` is swapped in as is. The library is the estimator parameter
        ``library`` (or ``<step>__library`` inside a pipeline): a ``ModelLibrary``, a
        ``SourceModel`` or the path of a saved library.
    groups : array-like of shape (n_samples,), optional
        Group labels (e.g. polymer families) passed to the outer splitter, and for the
        outer-training rows to the ``fit`` of every model that accepts ``groups`` (so a
        group-aware inner search keeps groups together as well: give the estimator a group
        splitter such as ``cv=GroupKFold(3)``; scikit-learn's plain ``KFold`` ignores groups
        and warns).
    scoring : sequence of str or dict, default=("mae", "rmse", "max_ae", "r2", "pearson")
        Metrics computed on every outer fold and on the pooled out-of-fold predictions. Names:
        ``"mae"``, ``"rmse"``, ``"mse"``, ``"max_ae"``, ``"r2"``, ``"pearson"``,
        ``"spearman"`` for regressors; ``"accuracy"``, ``"balanced_accuracy"``, ``"f1"``
        (macro-averaged) for classifiers. For a classifier the default becomes
        ``("accuracy", "f1")``. A dict maps names to callables ``fn(y_true, y_pred) -> float``.
        Undefined values (r2 of one row, Pearson r of a constant prediction) are NaN.
    n_jobs : int or None, default=None
        joblib workers over the (model, fold) fits. Nested parallelism inside ``estimator``
        (its own ``n_jobs``) multiplies with this.
    random_state : int, RandomState instance or None, default=None
        Seeds the outer folds (for an int ``cv``), the default baseline forest and the
        untrained control. Not passed to ``estimator``: set its own ``random_state``.
    return_predictions : bool, default=False
        Keep the out-of-fold predictions in ``TransferEvaluation.predictions``.
    verbose : int, default=0
        Show a tqdm progress bar over the fits.

    Returns
    -------
    TransferEvaluation
        Per-fold scores (``folds``), the ``summary``, the sources each fold's search selected
        (``selected``), the outer ``splits`` and, optionally, the ``predictions``.
        ``print(result)`` gives a readable report.

    Raises
    ------
    ValueError
        If ``X`` and ``y`` (or ``groups``) differ in length, ``y`` holds NaN/inf or missing
        labels (the message names the rows), there are too few rows for the outer (or the
        estimator's inner) cross-validation, or ``baseline="default"`` / ``control`` need a
        library that ``estimator`` does not have.

    See Also
    --------
    untrained_library : the weights-only control library.

    Examples
    --------
    Any regressor can be evaluated; here a ridge regression on numeric inputs against a
    constant baseline:

    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3))
    >>> y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=40)
    >>> result = evaluate_transfer(Ridge(), X, y, cv=4, baseline=DummyRegressor(),
    ...                            random_state=0, return_predictions=True)
    >>> result.models
    ['transfer', 'baseline']
    >>> bool(result.summary.loc["transfer", ("mae", "mean")]
    ...      < result.summary.loc["baseline", ("mae", "mean")])
    True
    >>> sorted(result.predictions["row"][result.predictions["model"] == "transfer"]) == list(
    ...     range(40))
    True

    With a library: ``evaluate_transfer(ShotgunTransferRegressor(library), smiles, y,
    control="untrained", random_state=0)`` adds the default forest baseline and the untrained
    control.
    """
    variants = _check_variants(estimator)
    estimator = next(iter(variants.values()))
    classification = is_classifier(estimator)
    task = "classification" if classification else "regression"
    try:
        n_samples = _num_samples(X)
    except TypeError as exc:
        raise ValueError(f"X must be a sequence or array of samples: {exc}") from None
    y = _check_y(y, n_samples, classification)
    if groups is not None:
        groups = np.asarray(groups.to_numpy() if hasattr(groups, "to_numpy") else groups)
        if groups.ndim != 1 or len(groups) != n_samples:
            raise ValueError(
                f"groups must be 1-D with one label per row ({n_samples}), got shape {groups.shape}"
            )
    metrics = _resolve_scoring(scoring, classification)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        seed: int | None = int(random_state)
    elif random_state is None:
        seed = None
    else:
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    # ---- the outer splits, drawn once and shared by every model
    splitter = _outer_splitter(cv, classification, groups, seed)
    if isinstance(cv, numbers.Integral) and n_samples < 2 * int(cv):
        raise ValueError(
            f"too few rows for {int(cv)} outer folds: got {n_samples}, need at least "
            f"{2 * int(cv)} (2 * cv); use fewer folds"
        )
    if isinstance(splitter, list):
        raw_splits = splitter
    else:
        raw_splits = list(splitter.split(np.zeros((n_samples, 1)), y, groups))
    splits = [
        (np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64)) for tr, te in raw_splits
    ]
    inner_cv = None
    with contextlib.suppress(Exception):  # not an sklearn estimator: no inner cv to check
        inner_cv = estimator.get_params().get("cv")
    _check_splits(splits, n_samples, inner_cv)

    # ---- the models
    library_key = _find_library_param(estimator)
    library = _as_library(estimator.get_params(deep=True)[library_key]) if library_key else None
    models: dict[str, Any] = dict(variants)
    if isinstance(baseline, str):
        if baseline != "default":
            raise ValueError(f"baseline must be 'default', an estimator or None, got {baseline!r}")
        if library is None:
            raise ValueError(
                "baseline='default' uses the featurizer of the estimator's library, but "
                f"{type(estimator).__name__} has no 'library' parameter; pass an estimator"
            )
        models["baseline"] = _default_baseline(library, classification, seed)
    elif baseline is not None:
        if not hasattr(baseline, "fit"):
            raise TypeError(f"baseline must be an estimator, got {type(baseline).__name__}")
        models["baseline"] = baseline
    if control is not None:
        from sklearn_shotgun.library import ModelLibrary

        if library_key is None:
            raise ValueError(
                f"control={control!r} replaces the estimator's library, but "
                f"{type(estimator).__name__} has no 'library' parameter"
            )
        if isinstance(control, str):
            if control != "untrained":
                raise ValueError(
                    f"control must be 'untrained', a ModelLibrary or None; got {control!r}"
                )
            control_library = untrained_library(library, random_state=seed)
        elif isinstance(control, ModelLibrary):
            control_library = control
        else:
            raise ValueError(
                f"control must be 'untrained', a ModelLibrary or None; got {type(control).__name__}"
            )
        models["control"] = clone(estimator).set_params(**{library_key: control_library})

    # ---- fit every (model, fold) on the outer-train rows, predict the outer-test rows
    tasks = [
        delayed(_fit_predict)(name, clone(model), X, y, groups, k, train, test)
        for name, model in models.items()
        for k, (train, test) in enumerate(splits)
    ]
    results_iter = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    if verbose:
        from tqdm.auto import tqdm

        results_iter = tqdm(results_iter, total=len(tasks), desc="nested CV", unit="fit")
    results = list(results_iter)
    _reissue_warnings(results)
    return _collect(
        results, y, metrics, splits, task, n_samples, return_predictions, estimator, list(models)
    )


def _reissue_warnings(results: list[dict[str, Any]]) -> None:
    """Issue each distinct warning of the outer fits once, naming the model and folds.

    Warnings that differ only in their numbers (a coverage count per outer fold) are one
    warning; the first fold's text is shown. Each is issued from its original file and line,
    so filters by module and Python's default filters (library deprecations) apply as usual.
    """
    seen: dict[tuple, tuple[tuple, list[int]]] = {}
    for result in results:
        for category, message, filename, lineno in result.pop("warnings", ()):
            shape = re.sub(r"(?<![\w.])\d+(?:\.\d+)?", "#", message)
            key = (result["model"], category, shape)
            seen.setdefault(key, ((message, filename, lineno), []))[1].append(result["fold"])
    for (model, category, _), ((message, filename, lineno), folds) in seen.items():
        where = ", ".join(str(k) for k in sorted(set(folds)))
        warnings.warn_explicit(
            f"{message} [evaluate_transfer: the {model} model, outer fold(s) {where}]",
            category,
            filename,
            lineno,
        )


def _check_variants(estimator: Any) -> dict[str, Any]:
    """``{name: estimator}`` of the models under test (one estimator is named "transfer")."""
    variants = dict(estimator) if isinstance(estimator, Mapping) else {"transfer": estimator}
    if not variants:
        raise ValueError("estimator is an empty dict; give at least one estimator")
    for name, est in variants.items():
        if not isinstance(name, str) or name in ("baseline", "control"):
            raise ValueError(
                f"variant names must be strings other than 'baseline' and 'control', got {name!r}"
            )
        if not hasattr(est, "fit") or not hasattr(est, "predict"):
            raise TypeError(f"estimator must have fit and predict, got {type(est).__name__}")
    kinds = {is_classifier(est) for est in variants.values()}
    if len(kinds) > 1:
        raise ValueError("the variants mix classifiers and regressors; evaluate them apart")
    return variants


def _collect(
    results: list[dict[str, Any]],
    y: np.ndarray,
    metrics: dict[str, Callable[[np.ndarray, np.ndarray], float]],
    splits: list[tuple[np.ndarray, np.ndarray]],
    task: str,
    n_samples: int,
    return_predictions: bool,
    estimator: Any,
    order: list[str],
) -> TransferEvaluation:
    fold_rows = []
    pred_frames = []
    fit_rows = []
    for res in results:
        test, y_pred = res["test"], res["y_pred"]
        y_true = y[test]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for metric, fn in metrics.items():
                fold_rows.append(
                    {
                        "model": res["model"],
                        "fold": res["fold"],
                        "metric": metric,
                        "value": float(fn(y_true, y_pred)),
                    }
                )
        pred_frames.append(
            pd.DataFrame(
                {
                    "model": res["model"],
                    "fold": res["fold"],
                    "row": test,
                    "y_true": y_true,
                    "y_pred": y_pred,
                }
            )
        )
        fit_rows.append(
            {
                "model": res["model"],
                "fold": res["fold"],
                "n_train": res["n_train"],
                "n_test": len(test),
                "fit_time": res["fit_time"],
                "best_source": res["best_source"],
                "best_layer": res["best_layer"],
                "inner_score": res["inner_score"],
            }
        )
    folds = pd.DataFrame(fold_rows, columns=["model", "fold", "metric", "value"])
    predictions = pd.concat(pred_frames, ignore_index=True)
    fits = pd.DataFrame(fit_rows)
    # Layers are ints or "all": keep them as given (a float column would turn -1 into -1.0).
    fits["best_layer"] = pd.Series([r["best_layer"] for r in fit_rows], dtype=object)
    models = [m for m in order if m in set(folds["model"])]

    summary_rows = {}
    for model in models:
        row: dict[tuple[str, str], float] = {}
        pred = predictions[predictions["model"] == model]
        for metric, fn in metrics.items():
            values = folds.loc[
                (folds["model"] == model) & (folds["metric"] == metric), "value"
            ].to_numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                row[(metric, "mean")] = float(np.nanmean(values)) if len(values) else np.nan
                row[(metric, "std")] = float(np.nanstd(values)) if len(values) else np.nan
                row[(metric, "overall")] = float(
                    fn(pred["y_true"].to_numpy(), pred["y_pred"].to_numpy())
                )
        summary_rows[model] = row
    summary = pd.DataFrame.from_dict(summary_rows, orient="index")
    summary.columns = pd.MultiIndex.from_tuples(summary.columns, names=["metric", "statistic"])
    summary.index.name = "model"

    has_selection = fits["best_source"].notna()
    selected = fits.loc[
        has_selection, ["model", "fold", "best_source", "best_layer", "inner_score"]
    ].reset_index(drop=True)
    fits = fits[["model", "fold", "n_train", "n_test", "fit_time"]]
    inner_scoring = None
    try:
        value = estimator.get_params().get("scoring")
        inner_scoring = value if isinstance(value, str) else None
    except Exception:
        pass
    return TransferEvaluation(
        folds=folds,
        summary=summary,
        predictions=predictions if return_predictions else None,
        selected=selected,
        fits=fits,
        splits=splits,
        task=task,
        n_samples=n_samples,
        inner_scoring=inner_scoring,
    )
