"""Candidates of the transfer search and their cross-validation over cached features.

A candidate is one (source network, hidden layer) pair, or a no-transfer descriptor, with
its features of every fit row computed once; the search cross-validates a head on them by
row indices, so no network runs again per fold, and refits the chosen ones on raw inputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
)
from sklearn.metrics import check_scoring
from sklearn.pipeline import FeatureUnion, Pipeline

from .featurizers.frozen import FrozenNetFeaturizer
from .library import SourceModel

#: ``transfer_table_["source"]`` of the candidates that use no source network.
NO_TRANSFER = "no transfer"
#: ``transfer_table_["source"]`` of the candidates on every source's mean prediction.
LIBRARY_PREDICTIONS = "library predictions"


@dataclass(eq=False)
class Candidate:
    """One (source network, hidden layer) pair and its frozen features of the fit rows.

    Candidates are the values searched over (the ``candidate`` parameter of the head in
    ``cv_results_``, as in a ``GridSearchCV`` over them). They are immutable and
    ``copy.deepcopy`` returns the same object, so cloning a grid of a thousand candidates
    costs nothing; the features were computed once, for every row, before the search.
    """

    model_id: str | None
    layer: int | str | None
    features: np.ndarray
    head: Any
    descriptor: str | None = None
    columns: np.ndarray | None = None
    head_name: str = "forest"
    #: The fitted ``LibraryPredictionFeaturizer`` whose columns come first (None: none).
    predictions: Any = None

    def __deepcopy__(self, memo: dict) -> Candidate:
        return self

    def __repr__(self) -> str:
        head = "" if self.head_name == "forest" else f"/{self.head_name}"
        if self.predictions is not None:
            return f"{LIBRARY_PREDICTIONS}[{self.descriptor}]{head}"
        if self.model_id is None:
            return f"{NO_TRANSFER}[{self.descriptor}]{head}"
        return f"{self.model_id}@{self.layer}{head}"


def _informative(H: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``H`` without the columns that are constant over its rows, and the kept indices.

    A constant column (a dead ReLU unit, a fingerprint bit absent from the target set) can
    never split a tree nor inform any model fit on these rows, but a forest still visits it
    at every split: on count fingerprints of 50 polymers, dropping them makes the forest
    about ten times faster. None means every column was kept.
    """
    keep = np.flatnonzero(np.ptp(H, axis=0) > 0) if len(H) else np.arange(H.shape[1])
    if len(keep) == H.shape[1]:
        return H, None
    return np.ascontiguousarray(H[:, keep]), keep


class _Columns(TransformerMixin, BaseEstimator):
    """Selects fixed columns (those a candidate's head was fit on) in a refit pipeline."""

    def __init__(self, columns: Any = None) -> None:
        self.columns = columns

    def fit(self, X: Any, y: Any = None) -> _Columns:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # stateless

    def transform(self, X: Any) -> np.ndarray:
        return np.asarray(X)[:, self.columns]


class _CandidateHead(BaseEstimator):
    """The head of one candidate, fit on rows given as indices into the cached features.

    ``X`` holds row indices (one column), which is what lets scikit-learn's search
    classes run over cached features: they split and subsample ``X`` like any matrix.
    """

    def __init__(self, candidate: Candidate | None = None) -> None:
        self.candidate = candidate

    def _rows(self, X: Any) -> np.ndarray:
        return self.candidate.features[np.asarray(X)[:, 0].astype(np.intp)]

    def fit(self, X: Any, y: Any) -> _CandidateHead:
        self.head_ = clone(self.candidate.head).fit(self._rows(X), y)
        if hasattr(self.head_, "classes_"):
            self.classes_ = self.head_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.head_.predict(self._rows(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.head_.predict_proba(self._rows(X))


class _RegressorHead(RegressorMixin, _CandidateHead):
    pass


class _ClassifierHead(ClassifierMixin, _CandidateHead):
    pass


class _Recorded:
    """A fitted head that keeps the output of its last ``predict`` (scorers call it once)."""

    def __init__(self, estimator: Any) -> None:
        self._estimator = estimator
        self.prediction: np.ndarray | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._estimator, name)

    def predict(self, X: Any) -> np.ndarray:
        self.prediction = self._estimator.predict(X)
        return self.prediction


def is_partition(splits: list[tuple[np.ndarray, np.ndarray]], n_rows: int) -> bool:
    """Whether the test folds hold every row exactly once (out-of-fold predictions exist)."""
    tested = np.zeros(n_rows, dtype=np.intp)
    for _, test in splits:
        tested[test] += 1
    return bool((tested == 1).all())


def _cv_chunk(
    head: _CandidateHead,
    candidates: list[Candidate],
    index: np.ndarray,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    metrics: dict[str, str],
) -> list[dict[str, Any]]:
    """Cross-validate some candidates on fixed splits (a joblib task).

    Returns, for each candidate in order, its entries of ``GridSearchCV.cv_results_``
    (fit and score times, each split's scores) and, under ``"oof"``, its out-of-fold
    predictions when the test folds partition the rows (else None): the stacked ensemble
    combines those instead of fitting every chosen candidate's folds a second time.
    """
    scorer = check_scoring(head, scoring=metrics)
    partition = is_partition(splits, len(y))
    out = []
    for candidate in candidates:
        entry: dict[str, Any] = {"fit_time": [], "score_time": []}
        entry.update({f"test_{name}": [] for name in metrics})
        oof = None
        for train, test in splits:
            estimator = clone(head).set_params(candidate=candidate)
            start = time.perf_counter()
            estimator.fit(index[train], y[train])
            entry["fit_time"].append(time.perf_counter() - start)
            start = time.perf_counter()
            recorded = _Recorded(estimator)
            for name, value in scorer(recorded, index[test], y[test]).items():
                entry[f"test_{name}"].append(value)
            entry["score_time"].append(time.perf_counter() - start)
            if partition:
                prediction = recorded.prediction
                if prediction is None:  # only probability- or decision-based scorers
                    prediction = estimator.predict(index[test])
                if oof is None:
                    oof = np.empty(len(y), dtype=np.asarray(prediction).dtype)
                oof[test] = prediction
        entry["oof"] = oof
        out.append(entry)
    return out


def _rank(means: np.ndarray) -> np.ndarray:
    """``GridSearchCV``'s ranks: best first, ties share the lowest rank, NaN means last."""
    if np.isnan(means).all():
        return np.ones(len(means), dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32)


def _merge_results(
    entries: list[dict[str, Any]], candidates: list[Candidate], metrics: dict[str, str]
) -> dict[str, Any]:
    """``cv_results_`` (``GridSearchCV``'s keys) of the candidates' entries, in order."""
    merged: dict[str, Any] = {}
    for key in ("fit_time", "score_time"):
        values = np.array([entry[key] for entry in entries])
        merged[f"mean_{key}"] = values.mean(axis=1)
        merged[f"std_{key}"] = values.std(axis=1)
    column = np.empty(len(candidates), dtype=object)
    column[:] = candidates
    merged["param_candidate"] = np.ma.MaskedArray(column, mask=False)
    merged["params"] = [{"candidate": cand} for cand in candidates]
    for name in metrics:
        values = np.array([entry[f"test_{name}"] for entry in entries], dtype=np.float64)
        for split in range(values.shape[1]):
            merged[f"split{split}_test_{name}"] = values[:, split]
        merged[f"mean_test_{name}"] = values.mean(axis=1)
        merged[f"std_test_{name}"] = values.std(axis=1)
        merged[f"rank_test_{name}"] = _rank(merged[f"mean_test_{name}"])
    return merged


def _refit(
    model: SourceModel | None,
    cand: Candidate,
    X: Any,
    y: np.ndarray,
    features: str,
    target_featurizers: dict[str, Any],
) -> Pipeline:
    """Pipeline(features, head) on raw inputs, with the head refit on all rows."""
    head = [("head", clone(cand.head).fit(cand.features, y))]
    if cand.columns is not None:
        head.insert(0, ("columns", _Columns(cand.columns)))
    descriptor = target_featurizers.get(cand.descriptor) if cand.descriptor else None
    if cand.predictions is not None:  # every source's prediction, then the descriptor
        # The predictions part is already fitted on these rows (in the search); refitting
        # it would featurize the rows once more for every source featurizer.
        parts = [("predictions", cand.predictions)]
        if descriptor is not None:
            part = descriptor if isinstance(descriptor, str) else clone(descriptor).fit(X)
            parts.append(("descriptor", part))
        return Pipeline([("features", FeatureUnion(parts)), *head])
    if model is None:  # no transfer: the head on the target's own descriptor
        steps = [("descriptor", descriptor)] if descriptor not in (None, "passthrough") else []
        return Pipeline([*steps, *head])
    parts = set(features.split("+"))
    frozen = FrozenNetFeaturizer(
        model,
        cand.layer,
        precomputed=model.featurizer is None,
        with_descriptor="descriptor" in parts and cand.descriptor is None,
        with_prediction="prediction" in parts,
    ).fit(X)
    if descriptor is not None:
        # The union refits its parts; a clone keeps the refits (on threads) independent.
        part = descriptor if isinstance(descriptor, str) else clone(descriptor)
        union = FeatureUnion([("frozen", frozen), ("descriptor", part)]).fit(X)
        return Pipeline([("features", union), *head])
    return Pipeline([("frozen", frozen), *head])
