"""Transfer from a pool of pretrained source networks to a small target data set."""

from __future__ import annotations

import dataclasses
import itertools
import json
import numbers
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import rankdata
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, check_cv
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from ._finetune import FineTunedClassifier, FineTunedRegressor
from ._forest import FastRandomForestClassifier, FastRandomForestRegressor
from ._screen import ridge_loo_screen
from ._validation import check_finite_target
from .baseline import default_descriptors, input_kind
from .featurizers._base import coerce_items
from .featurizers.frozen import FrozenNetFeaturizer
from .library import ModelLibrary, SourceModel

__all__ = ["NO_TRANSFER", "Candidate", "ShotgunTransferClassifier", "ShotgunTransferRegressor"]

#: ``transfer_table_["source"]`` of the candidates that use no source network.
NO_TRANSFER = "no transfer"
_FEATURE_PARTS = ("frozen", "prediction", "descriptor")

_REGRESSION_METRICS = {
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "r2": "r2",
}
_CLASSIFICATION_METRICS = {"accuracy": "accuracy", "f1": "f1_macro"}


@dataclass(eq=False)
class Candidate:
    """One (source network, hidden layer) pair and its frozen features of the fit rows.

    Candidates are the values searched over by ``GridSearchCV``. They are immutable and
    ``copy.deepcopy`` returns the same object, so cloning a grid of a thousand candidates
    costs nothing; the features were computed once, for every row, before the search.
    """

    model_id: str | None
    layer: int | str | None
    features: np.ndarray
    head: Any
    descriptor: str | None = None

    def __deepcopy__(self, memo: dict) -> Candidate:
        return self

    def __repr__(self) -> str:
        if self.model_id is None:
            return f"{NO_TRANSFER}[{self.descriptor}]"
        return f"{self.model_id}@{self.layer}"


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


def _featurizer_key(model: SourceModel) -> str:
    return json.dumps(model.featurizer, sort_keys=True, default=str)


class _ShotgunTransferBase(BaseEstimator):
    """Candidate building, search and refit shared by the regressor and the classifier."""

    _metrics: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        library: Any,
        layers: str | int | Sequence[int | str] = "each",
        head: Any = None,
        search: str = "screen",
        cv: Any = 5,
        scoring: str | None = "neg_mean_absolute_error",
        n_jobs: int | None = None,
        random_state: Any = None,
        *,
        strategy: str = "frozen",
        top_k: int = 20,
        ensemble: int = 1,
        features: str = "frozen",
        descriptor: Any = "auto",
        no_transfer: bool = True,
        n_reinit: int = 1,
        verbose: int = 0,
    ) -> None:
        self.library = library
        self.layers = layers
        self.head = head
        self.search = search
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.strategy = strategy
        self.top_k = top_k
        self.ensemble = ensemble
        self.features = features
        self.descriptor = descriptor
        self.no_transfer = no_transfer
        self.n_reinit = n_reinit
        self.verbose = verbose

    # -- validation ----------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.search not in ("grid", "halving", "screen"):
            raise ValueError(f"search must be 'grid', 'halving' or 'screen', got {self.search!r}.")
        if self.strategy not in ("frozen", "finetune"):
            raise ValueError(f"strategy must be 'frozen' or 'finetune', got {self.strategy!r}.")
        parts = self.features.split("+") if isinstance(self.features, str) else []
        if (
            not parts
            or parts[0] != "frozen"
            or len(set(parts)) != len(parts)
            or not set(parts) <= set(_FEATURE_PARTS)
        ):
            raise ValueError(
                "features must be 'frozen' optionally followed by '+prediction' and/or "
                f"'+descriptor' (e.g. 'frozen+prediction+descriptor'), got {self.features!r}."
            )
        if not (
            (isinstance(self.descriptor, str) and self.descriptor in ("auto", "source"))
            or hasattr(self.descriptor, "transform")
        ):
            raise ValueError(
                f"descriptor must be 'auto', 'source' or a featurizer, got {self.descriptor!r}."
            )
        if not isinstance(self.no_transfer, bool | np.bool_):
            raise ValueError(f"no_transfer must be True or False, got {self.no_transfer!r}.")
        for name in ("top_k", "ensemble", "n_reinit"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")

    def _resolve_library(self) -> ModelLibrary:
        library = self.library
        if isinstance(library, str | os.PathLike):
            library = ModelLibrary.load(library)
        if isinstance(library, SourceModel):
            library = ModelLibrary([library])
        if not isinstance(library, ModelLibrary):
            raise ValueError(f"library must be a ModelLibrary or a path, got {type(library)}.")
        if len(library) == 0:
            raise ValueError("The library is empty: there is no source model to transfer from.")
        return library

    def _layer_choices(self, model: SourceModel) -> list[int | str]:
        spec = self.layers
        if spec == "last":
            return [-1]
        if spec == "each":
            return list(range(-model.n_hidden, 0))
        if spec == "all":
            return ["all"]
        values = [spec] if isinstance(spec, int | np.integer) else list(spec)
        out: list[int | str] = []
        for value in values:
            if value == "all":
                out.append("all")
            elif isinstance(value, int | np.integer) and -model.n_hidden <= value < model.n_hidden:
                # One convention in results: negative indices count back from the last layer.
                out.append(int(value) - model.n_hidden if value >= 0 else int(value))
            elif isinstance(value, int | np.integer):
                self._missing_layers.append((model.id, int(value)))
            else:
                raise ValueError(f"layers must be 'last', 'each', 'all' or ints, got {spec!r}.")
        return out

    def _check_target(
        self, library: ModelLibrary, X: Any, y: Any
    ) -> tuple[list[Any] | np.ndarray, np.ndarray]:
        """Validate ``X`` (raw items, or a numeric matrix for precomputed sources) and ``y``."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if all(m.featurizer is None for m in library):
            # Sources trained on precomputed descriptors: X is a numeric matrix.
            X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=not is_classifier(self))
        else:
            items, names_in = coerce_items(X, "inputs")
            self.n_features_in_ = 1
            if names_in is not None:
                self.feature_names_in_ = np.asarray(names_in, dtype=object)
            X = items
            y = np.asarray(y)
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.ravel()
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D, got shape {y.shape}.")
            if len(X) != len(y):
                raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
        check_finite_target(y)
        if is_classifier(self):
            check_classification_targets(y)
        return X, y

    def _check_predict_input(self, X: Any) -> Any:
        check_is_fitted(self, "estimators_")
        if self._precomputed:
            return validate_data(self, X, dtype=np.float32, reset=False)
        items, _ = coerce_items(X, "inputs")  # the same containers (and errors) as in fit
        return items

    # -- candidates --------------------------------------------------------------------------
    def _descriptor_groups(
        self, library: ModelLibrary, X: Any
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Descriptor matrix of ``X`` per distinct featurizer (computed once each)."""
        matrices, failures = {}, {}
        for model in library:
            key = _featurizer_key(model)
            if key in matrices or key in failures:
                continue
            try:
                if model.featurizer is None:
                    if not isinstance(X, np.ndarray):
                        raise ValueError("a precomputed source needs a descriptor matrix")
                    D = X
                else:
                    D = model.descriptor_matrix(X)
                matrices[key] = D
            except (ValueError, TypeError) as exc:
                failures[key] = f"{model.descriptor}: {exc}"
        if not matrices:
            reasons = "; ".join(failures.values())
            raise ValueError(f"No source model in the library accepts these inputs ({reasons}).")
        return matrices, failures

    def _target_descriptors(self, X: Any) -> tuple[dict[str, Any], str | None]:
        """Fitted target featurizers by name (for the no-transfer candidates), and the name
        of the one that ``features="...+descriptor"`` appends (None: the source's own)."""
        if self._precomputed:
            return {"X": None}, None if self.descriptor == "source" else "X"
        if hasattr(self.descriptor, "transform"):
            return {"descriptor": clone(self.descriptor)}, "descriptor"
        featurizers = default_descriptors(self._input_kind)
        appended = "rdkit2d" if self._input_kind == "smiles" else "composition"
        return featurizers, None if self.descriptor == "source" else appended

    def _candidates(self, library: ModelLibrary, X: Any, n_rows: int) -> list[Candidate]:
        parts = set(self.features.split("+"))
        featurizers, appended = self._target_descriptors(X)
        self.target_featurizers_ = {}
        target: dict[str, np.ndarray] = {}
        for name, featurizer in featurizers.items():
            if featurizer is None:  # precomputed: X is the descriptor matrix
                T = X
            else:
                featurizer = featurizer.fit(X)
                T = featurizer.transform(X)
                T = T.toarray() if hasattr(T, "toarray") else T
                self.target_featurizers_[name] = featurizer
            target[name] = np.asarray(T, dtype=np.float32)
        matrices, failures = self._descriptor_groups(library, X)
        self.rejected_featurizers_ = failures
        if failures:
            skipped = [m.id for m in library if _featurizer_key(m) in failures]
            warnings.warn(
                f"{len(skipped)} source model(s) were left out because their featurizer does "
                f"not accept these inputs ({'; '.join(failures.values())}), e.g. "
                f"{skipped[:3]}.",
                UserWarning,
                stacklevel=3,
            )
        rng = check_random_state(self.random_state)
        own_descriptor = "descriptor" in parts and appended is None
        extra = target[appended] if "descriptor" in parts and appended is not None else None
        self._missing_layers: list[tuple[str, int]] = []
        candidates = []
        too_narrow = 0
        models = [m for m in library if _featurizer_key(m) in matrices]
        for model in tqdm(models, desc="frozen features", disable=not self.verbose):
            D = matrices[_featurizer_key(model)]
            if D.shape[1] <= int(np.max(model.columns)):
                too_narrow = max(too_narrow, int(np.max(model.columns)) + 1)
                continue
            for layer in self._layer_choices(model):
                frozen = FrozenNetFeaturizer(
                    model,
                    layer,
                    precomputed=True,
                    with_descriptor=own_descriptor,
                    with_prediction="prediction" in parts,
                )
                H = frozen.fit(D).transform_descriptors(D)
                if extra is not None:
                    H = np.hstack([H, extra])
                seed = int(rng.randint(np.iinfo(np.int32).max))
                candidates.append(
                    Candidate(
                        model.id,
                        layer,
                        H,
                        self._make_head(n_rows, H, seed),
                        appended if extra is not None else None,
                    )
                )
        if self._missing_layers:
            warnings.warn(
                f"{len(self._missing_layers)} (source, layer) pairs were skipped because the "
                f"source has no such hidden layer, e.g. {self._missing_layers[:3]}.",
                UserWarning,
                stacklevel=3,
            )
        if not candidates:
            detail = (
                f": the sources need {too_narrow} descriptor columns, the inputs give "
                f"n_features={max(D.shape[1] for D in matrices.values())}"
                if too_narrow
                else ""
            )
            raise ValueError(f"No (source, layer) candidate fits these inputs and layers{detail}.")
        if self.no_transfer:
            for name, T in target.items():
                seed = int(rng.randint(np.iinfo(np.int32).max))
                candidates.append(Candidate(None, None, T, self._make_head(n_rows, T, seed), name))
        return candidates

    def _make_head(self, n_rows: int, H: np.ndarray, seed: int) -> Any:
        if self.head is not None:
            head = clone(self.head)
            if "random_state" in head.get_params():
                head.set_params(random_state=seed)
            return head
        # The paper's randomised forest: trees in [n/2, n] of the rows, max_features in
        # [N/2, N] of the features, drawn per candidate.
        rng = np.random.default_rng(seed)
        n_features = H.shape[1]
        n_trees = int(rng.integers(max(1, n_rows // 2), max(2, n_rows) + 1))
        max_features = int(rng.integers(max(1, n_features // 2), n_features + 1))
        return self._forest(n_estimators=n_trees, max_features=max_features, random_state=seed)

    # -- search ------------------------------------------------------------------------------
    def _scoring(self) -> tuple[str, dict[str, str]]:
        primary = self.scoring or next(iter(self._metrics.values()))
        metrics = dict(self._metrics)
        if primary not in metrics.values():
            metrics["score"] = primary
        name = next(k for k, v in metrics.items() if v == primary)
        return name, metrics

    def _search(
        self, candidates: list[Candidate], y: np.ndarray, cv: Any, groups: Any
    ) -> dict[str, Any]:
        """``cv_results_`` of the search over ``candidates`` (same order for the grid)."""
        primary, metrics = self._scoring()
        index = np.arange(len(y)).reshape(-1, 1)
        if self.search == "halving":
            search = HalvingGridSearchCV(
                self._head_class(),
                {"candidate": candidates},
                cv=cv,
                scoring=metrics[primary],
                refit=False,
                n_jobs=self.n_jobs,
                random_state=self.random_state,
                min_resources="exhaust",
                error_score="raise",
            )
            return search.fit(index, y, groups=groups).cv_results_
        # One GridSearchCV per chunk of candidates, the chunks spread over the workers:
        # thousands of 20 ms (candidate, fold) tasks dispatched one by one leave the
        # workers waiting on the dispatcher.
        n_chunks = min(len(candidates), 4 * effective_n_jobs(self.n_jobs))
        bounds = np.linspace(0, len(candidates), n_chunks + 1).astype(int)
        parts = Parallel(n_jobs=self.n_jobs)(
            delayed(_grid_chunk)(self._head_class(), candidates[a:b], index, y, cv, groups, metrics)
            for a, b in itertools.pairwise(bounds)
        )
        return _merge_results(parts, candidates, list(metrics))

    def _table(self, library, candidates, results, screen) -> pd.DataFrame:
        primary, metrics = self._scoring()
        halving = self.search == "halving"
        rows = []
        params = results["param_candidate"]
        # Halving search scores a candidate once per iteration it survives: keep its last.
        last: dict[int, int] = {}
        for i, cand in enumerate(params):
            last[id(cand)] = i
        for index, cand in enumerate(candidates):
            if cand.model_id is None:
                row = {"source": NO_TRANSFER, "property": "", "dataset": "", "layer": None}
                row["descriptor"] = cand.descriptor
                row["target_transform"] = None
            else:
                model = library[cand.model_id]
                row = {
                    "source": cand.model_id,
                    "property": model.property,
                    "dataset": model.dataset,
                    "descriptor": model.descriptor,
                    "target_transform": model.target_transform,
                    "layer": cand.layer,
                }
                row.update({f"source_{k}": v for k, v in model.metrics.items() if k != "rows"})
            row["n_features"] = cand.features.shape[1]
            row["_candidate"] = index
            if screen is not None:
                row["screen_score"] = screen.get(id(cand), np.nan)
            i = last.get(id(cand))
            names = [primary] if halving else list(metrics)
            for name in names:
                key = "score" if halving else name
                mean = results[f"mean_test_{key}"][i] if i is not None else np.nan
                std = results[f"std_test_{key}"][i] if i is not None else np.nan
                sign = -1.0 if metrics[name].startswith("neg_") else 1.0
                row[f"cv_{name}_mean"] = sign * mean
                row[f"cv_{name}_std"] = std
            if halving:
                row["n_resources"] = results["n_resources"][i] if i is not None else np.nan
            row["_score"] = (
                results[f"mean_test_{'score' if halving else primary}"][i]
                if i is not None
                else -np.inf
            )
            rows.append(row)
        table = pd.DataFrame(rows)
        if halving:  # a candidate eliminated early was scored on fewer rows: rank it after
            table["_score"] = np.where(
                table["n_resources"] == table["n_resources"].max(), table["_score"], -np.inf
            )
        table["rank"] = table["_score"].rank(ascending=False, method="first").astype(int)
        return table.drop(columns="_score").sort_values("rank").reset_index(drop=True)

    # -- fit / predict -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any, groups: Any = None) -> _ShotgunTransferBase:
        """Search the candidates by cross-validation and refit the best on all rows.

        Parameters
        ----------
        X : raw inputs (SMILES, formulas ...) of the target set
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,), optional
            Group labels passed to the CV splitter (e.g. ``GroupKFold``).

        Returns
        -------
        self
        """
        self._check_params()
        library = self._resolve_library()
        self._precomputed = all(m.featurizer is None for m in library)
        X, y = self._check_target(library, X, y)
        if is_classifier(self):
            self.classes_ = np.unique(y)
        cv = check_cv(self.cv, y, classifier=is_classifier(self))
        n_splits = cv.get_n_splits(np.zeros((len(y), 1)), y, groups)
        if len(y) < 2 * n_splits:
            raise ValueError(
                f"n_samples={len(y)} is too few for {n_splits}-fold cross-validation "
                f"(at least {2 * n_splits} rows needed)."
            )
        self._input_kind = "numeric" if self._precomputed else input_kind(X)
        if not self._precomputed:
            library = _reading(library, self._input_kind)
        candidates = self._candidates(library, X, len(y))
        screen = None
        if self.search == "screen":
            # The no-transfer candidates are always searched: they are the fallback.
            screened = [c for c in candidates if c.model_id is not None]
            scores = ridge_loo_screen(
                [c.features for c in screened],
                y,
                classification=is_classifier(self),
                groups=groups,
            )
            screen = {id(c): s for c, s in zip(screened, scores, strict=True)}
            order = np.argsort(-scores, kind="stable")[: self.top_k]
            searched = [screened[i] for i in order]
            searched += [c for c in candidates if c.model_id is None]
        else:
            searched = candidates
        self.cv_results_ = self._search(searched, y, cv, groups)
        table = self._table(library, searched, self.cv_results_, screen)
        chosen_rows = table["_candidate"].to_numpy()
        table = table.drop(columns="_candidate")
        if screen is not None:  # screened-out candidates are listed after the searched ones
            rest = [c for c in candidates if c not in searched]
            extra = pd.DataFrame(
                [
                    {"source": c.model_id, "layer": c.layer, "screen_score": screen[id(c)]}
                    for c in rest
                ]
            )
            table = pd.concat([table, extra], ignore_index=True)
            table["rank"] = np.arange(1, len(table) + 1)
        self.transfer_table_ = table
        self.n_candidates_ = len(candidates)

        # Only searched candidates have CV scores; the screen's leftovers rank after them.
        ranked = [searched[i] for i in chosen_rows]
        if self.strategy == "finetune":  # fine-tuning needs a source network
            ranked = [c for c in ranked if c.model_id is not None]
        chosen = ranked[: self.ensemble]
        self.best_source_ = chosen[0].model_id if chosen[0].model_id is not None else NO_TRANSFER
        self.best_layer_ = chosen[0].layer
        primary, _ = self._scoring()
        self.best_score_ = (
            float(self.cv_results_[f"mean_test_{primary}"].max())
            if (self.search != "halving")
            else float(table[f"cv_{primary}_mean"].iloc[0])
        )
        if self.strategy == "finetune":
            self.estimators_ = Parallel(n_jobs=self.n_jobs)(
                delayed(self._finetune)(library[c.model_id], X, y) for c in chosen
            )
        else:
            self.estimators_ = Parallel(n_jobs=self.n_jobs)(
                delayed(_refit)(
                    library[c.model_id] if c.model_id is not None else None,
                    c,
                    X,
                    y,
                    self.features,
                    self.target_featurizers_,
                )
                for c in chosen
            )
        self.best_estimator_ = self.estimators_[0]
        return self

    def _finetune(self, model: SourceModel, X: Any, y: np.ndarray) -> Any:
        cls = FineTunedClassifier if is_classifier(self) else FineTunedRegressor
        return cls(model, n_reinit=self.n_reinit, random_state=self.random_state).fit(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        library = self.library
        raw = not (
            isinstance(library, ModelLibrary)
            and len(library)
            and all(m.featurizer is None for m in library)
        )
        # Raw inputs (SMILES, formulas) come as one column; precomputed sources take a
        # numeric descriptor matrix.
        tags.input_tags.string = raw
        tags.input_tags.one_d_array = raw
        return tags


def _grid_chunk(head, candidates, index, y, cv, groups, metrics) -> dict[str, Any]:
    """``cv_results_`` of a sequential ``GridSearchCV`` over some candidates (a joblib task)."""
    search = GridSearchCV(
        head, {"candidate": candidates}, cv=cv, scoring=metrics, refit=False, error_score="raise"
    )
    return search.fit(index, y, groups=groups).cv_results_


def _merge_results(
    parts: list[dict[str, Any]], candidates: list[Candidate], metrics: list[str]
) -> dict[str, Any]:
    """One ``cv_results_`` from the chunks' (in candidate order), ranks recomputed."""
    merged: dict[str, Any] = {}
    for key in parts[0]:
        if key == "params" or key == "param_candidate" or key.startswith("rank_"):
            continue
        merged[key] = np.concatenate([part[key] for part in parts])
    # The workers returned copies of the candidates; point back to the originals.
    column = np.empty(len(candidates), dtype=object)
    column[:] = candidates
    merged["param_candidate"] = np.ma.MaskedArray(column, mask=False)
    merged["params"] = [{"candidate": cand} for cand in candidates]
    for name in metrics:
        merged[f"rank_test_{name}"] = rankdata(-merged[f"mean_test_{name}"], method="min").astype(
            np.int32
        )
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
    head = clone(cand.head).fit(cand.features, y)
    descriptor = target_featurizers.get(cand.descriptor) if cand.descriptor else None
    if model is None:  # no transfer: the head on the target's own descriptor
        steps = [("descriptor", descriptor)] if descriptor is not None else []
        return Pipeline([*steps, ("head", head)])
    parts = set(features.split("+"))
    frozen = FrozenNetFeaturizer(
        model,
        cand.layer,
        precomputed=model.featurizer is None,
        with_descriptor="descriptor" in parts and cand.descriptor is None,
        with_prediction="prediction" in parts,
    ).fit(X)
    if descriptor is not None:
        union = FeatureUnion([("frozen", frozen), ("descriptor", descriptor)]).fit(X)
        return Pipeline([("features", union), ("head", head)])
    return Pipeline([("frozen", frozen), ("head", head)])


def _reading(library: ModelLibrary, kind: str) -> ModelLibrary:
    """``library`` with its composition sources reading ``kind`` ("smiles" or "formula").

    A composition source only sees element amounts, which a SMILES gives as well as a
    formula (hydrogens included), so a source trained on formulas applies to molecules and
    polymer repeat units, and one trained on SMILES to formulas.
    """
    models, changed = [], False
    for model in library:
        spec = model.featurizer
        if (
            spec is not None
            and spec.get("class") == "CompositionFeaturizer"
            and spec.get("params", {}).get("input", "formula") != kind
        ):
            spec = {**spec, "params": {**spec.get("params", {}), "input": kind}}
            model = dataclasses.replace(model, featurizer=spec)
            changed = True
        models.append(model)
    if not changed:
        return library
    return ModelLibrary(models, name=library.name, description=library.description)


class ShotgunTransferRegressor(RegressorMixin, _ShotgunTransferBase):
    """Pick the pretrained source network whose hidden features predict the target best.

    Every (source network, hidden layer) pair of ``library`` is a candidate. Its frozen
    features (:class:`FrozenNetFeaturizer`) are computed once for every row, then a head
    model (by default the randomised random forest of Yamada et al. 2019) is
    cross-validated on them; the best candidate is refit on all rows.

    The best inner CV score of a search over hundreds of sources is optimistically
    biased: report the nested score of :func:`sklearn_shotgun.evaluation.evaluate_transfer`.

    Parameters
    ----------
    library : ModelLibrary, SourceModel or path
        The pretrained pool (filter it first, e.g. ``library.filter(property="Cv")``).
    layers : "last", "each", "all", int or list, default="last"
        Which hidden layers are candidates: the last one; each hidden layer separately;
        all hidden layers concatenated; or the given indices (negative from the last).
    head : estimator or None, default=None
        Model fit on the frozen features. None is the paper's randomised forest: a
        ``RandomForestRegressor`` with a number of trees drawn in [n/2, n] of the training
        rows and ``max_features`` in [N/2, N] of the feature count, drawn per candidate.
    search : {"grid", "halving", "screen"}, default="grid"
        "grid": ``GridSearchCV`` over all candidates. "halving": ``HalvingGridSearchCV``.
        "screen": a closed-form leave-one-out ridge screen of every candidate in one
        batched pass (leave-one-group-out when ``groups`` are given; ranked by MAE, or
        accuracy for classifiers, whatever ``scoring`` says), then the grid search on the
        ``top_k`` best. With "halving", ``transfer_table_`` holds the ``scoring`` metric only
        (``HalvingGridSearchCV`` scores one metric).
    cv : int or CV splitter, default=5
        Inner cross-validation (``groups`` given to ``fit`` reach it).
    scoring : str, default="neg_mean_absolute_error"
        Selection metric (a scikit-learn scorer name; None means the default). MAE, RMSE and
        R2 are always recorded in ``transfer_table_``.
    n_jobs : int or None, default=None
        joblib workers of the search.
    random_state : int or None, default=None
        Seeds the heads.
    strategy : {"frozen", "finetune"}, default="frozen"
        "finetune" fine-tunes the selected source network(s) instead of fitting a head on
        frozen features (:class:`~sklearn_shotgun._finetune.FineTunedRegressor`).
    top_k : int, default=20
        Candidates kept by the screen.
    ensemble : int, default=1
        Average the predictions of this many best candidates (each refit on all rows; with
        the screen, at most ``top_k``).
    features : {"frozen", "frozen+descriptor"}, default="frozen"
        "frozen+descriptor" appends the source's own descriptor columns to its frozen
        features, so that the head can fall back on the raw descriptor.
    n_reinit : int, default=1
        Layers re-initialised before fine-tuning (1: the output layer).
    verbose : int, default=0

    Attributes
    ----------
    best_source_ : str
        Model id of the selected source.
    best_layer_ : int or "all"
        Its selected hidden layer (negative index).
    best_score_ : float
        Its inner CV score (optimistic, see above).
    best_estimator_ : Pipeline
        ``Pipeline(FrozenNetFeaturizer, head)`` refit on all rows, on raw inputs.
    estimators_ : list
        The ``ensemble`` best pipelines (or fine-tuned networks).
    cv_results_ : dict
        The search's ``cv_results_`` (one entry per searched candidate).
    transfer_table_ : pandas.DataFrame
        One row per candidate: source id, property, layer, source metrics, target CV mean
        and standard deviation of every metric (and the screen score), by rank.
    n_candidates_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun import ShotgunPretrainer, ShotgunTransferRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 10))
    >>> pool = ShotgunPretrainer(n_models=3, max_epochs=10, random_state=0, verbose=0)
    >>> library = pool.fit(X, X[:, 0] + X[:, 1]).library_
    >>> model = ShotgunTransferRegressor(library, cv=3, random_state=0)
    >>> model = model.fit(X[:30], X[:30, 0] - X[:30, 1])
    >>> model.best_source_ in library.ids, model.predict(X[30:33]).shape
    (True, (3,))
    """

    _metrics = _REGRESSION_METRICS

    @staticmethod
    def _head_class() -> _CandidateHead:
        return _RegressorHead()

    @staticmethod
    def _forest(**params: Any) -> FastRandomForestRegressor:
        return FastRandomForestRegressor(n_jobs=1, **params)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions (the mean over ``estimators_`` when ``ensemble`` > 1)."""
        X = self._check_predict_input(X)
        return np.mean([est.predict(X) for est in self.estimators_], axis=0)


class ShotgunTransferClassifier(ClassifierMixin, _ShotgunTransferBase):
    """Classification counterpart of :class:`ShotgunTransferRegressor`.

    The default head is a ``RandomForestClassifier`` with the same randomised size; the
    default ``scoring`` is "accuracy" (accuracy and macro F1 are recorded), the default
    splitter is stratified, and the ensemble averages class probabilities. The screen
    uses leave-one-out ridge regression on one-hot targets.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun import ShotgunPretrainer, ShotgunTransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 10))
    >>> pool = ShotgunPretrainer(n_models=2, max_epochs=10, random_state=0, verbose=0)
    >>> library = pool.fit(X, X[:, 0]).library_
    >>> labels = np.where(X[:40, 0] > 0, "high", "low")
    >>> clf = ShotgunTransferClassifier(library, cv=3, random_state=0).fit(X[:40], labels)
    >>> sorted(set(clf.predict(X[40:50]))) <= ["high", "low"]
    True
    """

    _metrics = _CLASSIFICATION_METRICS

    def __init__(
        self,
        library: Any,
        layers: str | int | Sequence[int | str] = "each",
        head: Any = None,
        search: str = "screen",
        cv: Any = 5,
        scoring: str | None = "accuracy",
        n_jobs: int | None = None,
        random_state: Any = None,
        *,
        strategy: str = "frozen",
        top_k: int = 20,
        ensemble: int = 1,
        features: str = "frozen",
        descriptor: Any = "auto",
        no_transfer: bool = True,
        n_reinit: int = 1,
        verbose: int = 0,
    ) -> None:
        # Only the default scoring differs from the regressor's.
        super().__init__(
            library,
            layers,
            head,
            search,
            cv,
            scoring,
            n_jobs,
            random_state,
            strategy=strategy,
            top_k=top_k,
            ensemble=ensemble,
            features=features,
            descriptor=descriptor,
            no_transfer=no_transfer,
            n_reinit=n_reinit,
            verbose=verbose,
        )

    @staticmethod
    def _head_class() -> _CandidateHead:
        return _ClassifierHead()

    @staticmethod
    def _forest(**params: Any) -> FastRandomForestClassifier:
        return FastRandomForestClassifier(n_jobs=1, **params)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (averaged over ``estimators_``), columns in ``classes_``."""
        X = self._check_predict_input(X)
        probas = []
        for est in self.estimators_:
            p = est.predict_proba(X)
            aligned = np.zeros((p.shape[0], len(self.classes_)))
            aligned[:, np.searchsorted(self.classes_, est.classes_)] = p
            probas.append(aligned)
        return np.mean(probas, axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
