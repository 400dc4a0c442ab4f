"""Transfer from a pool of pretrained source networks to a small target data set."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import numbers
import os
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy.optimize import nnls
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    HalvingGridSearchCV,
    check_cv,
    cross_val_predict,
)
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from tqdm.auto import tqdm

from ._candidates import (
    LIBRARY_PREDICTIONS,
    NO_TRANSFER,
    Candidate,
    _CandidateHead,
    _ClassifierHead,
    _Columns,  # noqa: F401  (pickles of refit pipelines name it here)
    _cv_chunk,
    _informative,
    _merge_results,
    _refit,
    _RegressorHead,
    is_partition,
)
from ._doc_link import DocLinkMixin
from ._finetune import FineTunedClassifier, FineTunedRegressor
from ._heads import LinearHeadClassifier, LinearHeadRegressor
from ._library_predictions import LibraryPredictionFeaturizer
from ._screen import ridge_loo_screen
from ._small_forest import SmallForestClassifier, SmallForestRegressor
from ._validation import check_finite_target
from .baseline import default_descriptors, input_kind
from .featurizers._base import coerce_items
from .featurizers.frozen import appended_columns
from .library import ModelLibrary, SourceModel
from .library._quality import check_sources
from .library.source_model import featurizer_key as _featurizer_key
from .library.source_model import featurizer_spec

__all__ = [
    "LIBRARY_PREDICTIONS",
    "NO_TRANSFER",
    "Candidate",
    "ShotgunTransferClassifier",
    "ShotgunTransferRegressor",
]

_FEATURE_PARTS = ("frozen", "prediction", "descriptor")
#: Trees of the default head (a forest with scikit-learn's other defaults).
_HEAD_TREES = 100
#: Heads named by a string (``head=``); any estimator is accepted too.
_HEAD_NAMES = ("forest", "paper", "linear")

_REGRESSION_METRICS = {
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "r2": "r2",
}
_CLASSIFICATION_METRICS = {"accuracy": "accuracy", "f1": "f1_macro"}


def _head_name(head: Any) -> str:
    """A head specification's name in ``transfer_table_["head"]``: the string, else the
    estimator's class name."""
    if head is None:
        return "forest"
    return head if isinstance(head, str) else type(head).__name__


class _ShotgunTransferBase(DocLinkMixin, BaseEstimator):
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
        top_k: int = 10,
        ensemble: int = 5,
        ensemble_weights: str = "stacked",
        features: str = "frozen+descriptor",
        descriptor: Any = "auto",
        no_transfer: bool | str = True,
        library_predictions: bool = True,
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
        self.ensemble_weights = ensemble_weights
        self.features = features
        self.descriptor = descriptor
        self.no_transfer = no_transfer
        self.library_predictions = library_predictions
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
        if self.ensemble_weights not in ("uniform", "stacked"):
            raise ValueError(
                f"ensemble_weights must be 'uniform' or 'stacked', got {self.ensemble_weights!r}."
            )
        if self.ensemble_weights == "stacked" and is_classifier(self):
            raise ValueError("ensemble_weights='stacked' is for regression; use 'uniform'.")
        specs = self._head_specs()
        bad = [h for h in specs if not (h in _HEAD_NAMES or hasattr(h, "fit"))]
        if not specs or bad or len({_head_name(h) for h in specs}) != len(specs):
            raise ValueError(
                "head must be None, 'forest', 'paper', 'linear', an estimator, or a list of "
                f"distinct ones (e.g. ('forest', 'linear')), got {self.head!r}."
            )
        if not (
            isinstance(self.no_transfer, bool | np.bool_) or self.no_transfer in ("stack", "prefer")
        ):
            raise ValueError(
                f"no_transfer must be True, False, 'stack' or 'prefer', got {self.no_transfer!r}."
            )
        if self.no_transfer == "stack" and self.strategy == "finetune":
            raise ValueError(
                "no_transfer='stack' combines a no-transfer model with frozen-feature "
                "heads; strategy='finetune' has no such ensemble."
            )
        if self.no_transfer == "prefer" and self.strategy == "finetune":
            raise ValueError(
                "no_transfer='prefer' may select a no-transfer model; strategy='finetune' "
                "fine-tunes source networks only."
            )
        if not isinstance(self.library_predictions, bool | np.bool_):
            raise ValueError(
                f"library_predictions must be True or False, got {self.library_predictions!r}."
            )
        for name in ("top_k", "ensemble", "n_reinit"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")

    def _resolve_library(self) -> ModelLibrary:
        library = self.library
        if isinstance(library, str) and library.startswith("hf://"):
            from .library.hub import load_hub_uri

            library = load_hub_uri(library)
        elif isinstance(library, str | os.PathLike):
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
        self, library: ModelLibrary, X: Any, known: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Descriptor matrix of ``X`` per distinct featurizer (computed once each; ``known``
        holds those already computed for the target, by featurizer key)."""
        matrices, failures = {}, {}
        for model in library:
            key = _featurizer_key(model)
            if key in matrices or key in failures:
                continue
            try:
                if known is not None and key in known:
                    D = known[key]
                elif model.featurizer is None:
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
        # "auto": the descriptor whose no-transfer forest cross-validates best (decided in
        # _candidates, inside this fit's rows only).
        return featurizers, None if self.descriptor == "source" else "auto"

    def _candidates(
        self, library: ModelLibrary, X: Any, y: np.ndarray, cv: Any, groups: Any
    ) -> list[Candidate]:
        n_rows = len(y)
        parts = set(self.features.split("+"))
        featurizers, appended = self._target_descriptors(X)
        if not (self.no_transfer or "descriptor" in parts):
            featurizers = {}  # neither the fallback nor "+descriptor" reads them
        self.target_featurizers_ = {}
        target: dict[str, np.ndarray] = {}
        known: dict[str, Any] = {}  # the sources with the same featurizer reuse its matrix
        for name, featurizer in featurizers.items():
            if featurizer is None:  # precomputed: X is the descriptor matrix
                T = X
                self.target_featurizers_[name] = "passthrough"
            else:
                featurizer = featurizer.fit(X)
                T = featurizer.transform(X)
                with contextlib.suppress(ValueError):  # a user's featurizer outside the registry
                    known[_featurizer_key(featurizer_spec(featurizer))] = T
                T = T.toarray() if hasattr(T, "toarray") else T
                self.target_featurizers_[name] = featurizer
            # C order: a reloaded model refits on the same bits (reductions such as the
            # linear head's scaling round differently over a Fortran-ordered frame).
            target[name] = np.ascontiguousarray(T, dtype=np.float32)
        matrices, failures = self._descriptor_groups(library, X, known)
        self.rejected_featurizers_ = failures
        self.source_coverage_ = check_sources(library, matrices, _featurizer_key)
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
        first = self._head_specs()[0]  # the others are added to the searched candidates
        fallback = []
        for name, T in target.items():
            T, columns = _informative(T)
            seed = int(rng.randint(np.iinfo(np.int32).max))
            fallback.append(
                Candidate(
                    None,
                    None,
                    T,
                    self._make_head(first, n_rows, T, seed),
                    name,
                    columns,
                    _head_name(first),
                )
            )
        if appended == "auto":
            if "descriptor" in parts and len(fallback) > 1:
                primary, _ = self._scoring()
                scores = self._search(fallback, y, cv, groups, grid=True)[f"mean_test_{primary}"]
                appended = fallback[int(np.argmax(scores))].descriptor
            else:
                appended = next(iter(target), None)
        self.appended_descriptor_ = appended if "descriptor" in parts else None
        own_descriptor = "descriptor" in parts and appended is None
        extra = target[appended] if "descriptor" in parts and appended is not None else None
        self._missing_layers: list[tuple[str, int]] = []
        candidates = []
        too_narrow = 0
        models = [m for m in library if _featurizer_key(m) in matrices]
        checked: set[str] = set()
        for model in tqdm(models, desc="frozen features", disable=not self.verbose):
            key = _featurizer_key(model)
            D = matrices[key]
            if key not in checked:  # FrozenNetFeaturizer.fit's validation, once per matrix
                check_array(D, accept_sparse="csr", dtype=(np.float32, np.float64))
                checked.add(key)
            if D.shape[1] <= int(np.max(model.columns)):
                too_narrow = max(too_narrow, int(np.max(model.columns)) + 1)
                continue
            choices = self._layer_choices(model)
            if not choices:
                continue
            # One forward pass through every hidden layer serves all of this source's
            # candidates (what FrozenNetFeaturizer gives layer by layer, to the bit).
            every = model.transform(D, layer="all", precomputed=True)
            bounds = np.cumsum([0, *model.hidden_widths])
            tail = appended_columns(model, D, "prediction" in parts, own_descriptor)
            if extra is not None:
                tail.append(extra)
            for layer in choices:
                hidden = range(model.n_hidden) if layer == "all" else [layer % model.n_hidden]
                H = np.hstack(
                    [every[:, bounds[k] : bounds[k + 1]] for k in hidden] + tail, dtype=np.float32
                )
                H, columns = _informative(H)
                seed = int(rng.randint(np.iinfo(np.int32).max))
                candidates.append(
                    Candidate(
                        model.id,
                        layer,
                        H,
                        self._make_head(first, n_rows, H, seed),
                        appended if extra is not None else None,
                        columns,
                        _head_name(first),
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
        if self.library_predictions and self.no_transfer and not self._precomputed:
            candidates.extend(self._prediction_candidates(library, X, matrices, target, rng))
        if self.no_transfer:
            candidates.extend(fallback)
            if "linear" not in self._head_specs():
                # Ridge (logistic) on each descriptor is the other model a practitioner fits
                # without transfer, and the better one on several benchmark tasks (RDKit
                # descriptors for polymer transport and optics, compositions for AFLOW kappa).
                candidates.extend(self._linear_twin(c) for c in fallback)
        return candidates

    def _prediction_candidates(
        self,
        library: ModelLibrary,
        X: Any,
        matrices: dict[str, Any],
        target: dict[str, np.ndarray],
        rng: np.random.RandomState,
    ) -> list[Candidate]:
        """Heads on every source's mean prediction, alone and beside each target descriptor
        (each with the first head and, unless listed, the linear head; never screened)."""
        cache = dict(matrices)
        cache.update(dict.fromkeys(self.rejected_featurizers_, ValueError("rejected")))
        try:
            selected = LibraryPredictionFeaturizer(library)
            selected._select(X, cache)
        except ValueError:  # no single-output regression source reads these inputs
            return []
        # Only the averaged networks, not the whole library: the fitted model (and every
        # task of a process-based joblib backend) carries what it uses.
        used = [m for models in selected.sources_.values() for m in models]
        featurizer = LibraryPredictionFeaturizer(
            ModelLibrary(used, name=library.name), selected.max_models_per_source
        )
        P = featurizer.fit_transform_cached(X, cache)
        n_rows = len(P)
        first = self._head_specs()[0]
        out = []
        for name, T in [(None, None), *target.items()]:
            H, columns = _informative(P if T is None else np.hstack([P, T]))
            if H.shape[1] == 0:
                continue
            seed = int(rng.randint(np.iinfo(np.int32).max))
            out.append(
                Candidate(
                    None,
                    None,
                    H,
                    self._make_head(first, n_rows, H, seed),
                    name,
                    columns,
                    _head_name(first),
                    featurizer,
                )
            )
        if "linear" not in self._head_specs():
            out += [self._linear_twin(c) for c in out]
        return out

    def _linear_twin(self, candidate: Candidate) -> Candidate:
        """``candidate`` with the "linear" head: the same features, a ridge (logistic) model."""
        return dataclasses.replace(candidate, head=self._linear(), head_name="linear")

    def _head_specs(self) -> list[Any]:
        """``head`` as a list of head specifications (None is the forest)."""
        if isinstance(self.head, list | tuple):
            return ["forest" if h is None else h for h in self.head]
        return ["forest" if self.head is None else self.head]

    def _with_heads(self, candidates: list[Candidate], n_rows: int) -> list[Candidate]:
        """``candidates`` (built with the first head) followed by their twins with each
        other head of ``head``: the same features, another model."""
        first, *specs = self._head_specs()
        if not specs:
            return candidates
        # Only the first head's candidates get twins: the linear no-transfer candidates
        # that no_transfer added have theirs already.
        candidates_first = [c for c in candidates if c.head_name == _head_name(first)]
        # A stream of its own: the seeds of the first head's candidates stay as they were.
        rng = check_random_state(self.random_state)
        twins = [
            dataclasses.replace(
                c,
                head=self._make_head(spec, n_rows, c.features, int(rng.randint(2**31 - 1))),
                head_name=_head_name(spec),
            )
            for spec in specs
            for c in candidates_first
        ]
        return candidates + twins

    def _make_head(self, spec: Any, n_rows: int, H: np.ndarray, seed: int) -> Any:
        if spec == "forest":
            return self._forest(n_estimators=_HEAD_TREES, random_state=seed)
        if spec == "linear":
            return self._linear()
        if not isinstance(spec, str):
            head = clone(spec)
            if "random_state" in head.get_params():
                head.set_params(random_state=seed)
            return head
        # "paper": the randomised forest of Yamada et al.: trees in [n/2, n] of the rows,
        # max_features in [N/2, N] of the features, drawn per candidate.
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
        self, candidates: list[Candidate], y: np.ndarray, cv: Any, groups: Any, grid: bool = False
    ) -> dict[str, Any]:
        """``cv_results_`` of the search over ``candidates`` (same order for the grid, which
        ``grid=True`` forces whatever ``search`` says)."""
        primary, metrics = self._scoring()
        index = np.arange(len(y)).reshape(-1, 1)
        if self.search == "halving" and not grid:
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
        # The splits are drawn once per fit (every candidate, and the stacked ensemble,
        # sees the same folds) and each candidate is cross-validated once per fit: the
        # no-transfer candidates that choose the appended descriptor are searched again.
        todo = [c for c in dict.fromkeys(candidates) if c not in self._cv_memo]
        # Chunks of candidates spread over the workers: thousands of 20 ms (candidate,
        # fold) tasks dispatched one by one leave the workers waiting on the dispatcher.
        # Threads, not processes: the trees are grown without the GIL, and a process pool
        # would first import torch and receive a copy of every candidate's features
        # (slower than one job on a small target set).
        n_chunks = min(len(todo), 4 * effective_n_jobs(self.n_jobs))
        bounds = np.linspace(0, len(todo), n_chunks + 1).astype(int)
        chunks = [todo[a:b] for a, b in itertools.pairwise(bounds)]
        parts = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_cv_chunk)(self._head_class(), chunk, index, y, self._splits, metrics)
            for chunk in chunks
        )
        # Entries in chunk order: a process or dask backend returns them for copies of the
        # candidates, which are mapped back to the originals here.
        for chunk, part in zip(chunks, parts, strict=True):
            self._cv_memo.update(zip(chunk, part, strict=True))
        return _merge_results([self._cv_memo[c] for c in candidates], candidates, metrics)

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
                source = NO_TRANSFER if cand.predictions is None else LIBRARY_PREDICTIONS
                row = {"source": source, "property": "", "dataset": "", "layer": None}
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
            row["head"] = cand.head_name
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
        # Layers are ints, "all" or None (no transfer): keep them as given, not as floats.
        table["layer"] = pd.Series([row["layer"] for row in rows], dtype=object)
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
        # The search's per-fit state (folds, scores, out-of-fold predictions) is not part of
        # the fitted model and is not left behind by a fit that fails. Not a helper method:
        # the warnings' stacklevels count the frames from fit to the caller.
        try:
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
            # Drawn once: every candidate, the stacked ensemble and the descriptor choice see
            # the same folds (a splitter shuffled without a seed would draw new ones per call).
            # HalvingGridSearchCV subsamples rows per round, so it alone gets the splitter.
            self._splits = list(cv.split(np.zeros((len(y), 1)), y, groups))
            self._cv_memo: dict[Candidate, dict[str, Any]] = {}
            self._input_kind = "numeric" if self._precomputed else input_kind(X)
            if not self._precomputed:
                library = _reading(library, self._input_kind)
            candidates = self._candidates(library, X, y, cv, groups)
            screen = None
            if self.search == "screen":
                # The no-transfer candidates are always searched: they are the fallback.
                screened = [c for c in candidates if c.model_id is not None]
                scores = ridge_loo_screen(
                    [c.features for c in screened],
                    y,
                    classification=is_classifier(self),
                    groups=groups,
                    n_jobs=self.n_jobs,
                )
                screen = {id(c): s for c, s in zip(screened, scores, strict=True)}
                order = np.argsort(-scores, kind="stable")[: self.top_k]
                searched = [screened[i] for i in order]
                searched += [c for c in candidates if c.model_id is None]
            else:
                searched = candidates
            searched = self._with_heads(searched, len(y))
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
            plain = [c for c in ranked if c.model_id is None and c.predictions is None]
            if (
                self.no_transfer == "prefer"
                and plain
                and not self._clearly_better(ranked[0], plain[0])
            ):
                chosen = plain[:1]
            if self.no_transfer == "stack" and not any(c in plain for c in chosen):
                # The best no-transfer model joins the ensemble: its weight, fitted on the
                # out-of-fold predictions, says how much of it the transfer models need.
                chosen += plain[:1]
            self.ensemble_weights_ = np.full(len(chosen), 1.0 / len(chosen))
            if self.ensemble_weights == "stacked" and len(chosen) > 1:
                self.ensemble_weights_ = self._stacking_weights(chosen, y, cv, groups)
            best = chosen[0].model_id
            if best is None:
                best = NO_TRANSFER if chosen[0].predictions is None else LIBRARY_PREDICTIONS
            self.best_source_ = best
            self.best_layer_ = chosen[0].layer
            primary, _ = self._scoring()
            self.best_score_ = (
                float(self.cv_results_[f"mean_test_{primary}"].max())
                if (self.search != "halving")
                else float(table[f"cv_{primary}_mean"].iloc[0])
            )
            if chosen[0] is not ranked[0]:  # "prefer" fell back: the chosen model's own score
                self.best_score_ = float(np.mean(self._cv_memo[chosen[0]][f"test_{primary}"]))
            if self.strategy == "finetune":
                self.estimators_ = Parallel(n_jobs=self.n_jobs)(
                    delayed(self._finetune)(library[c.model_id], X, y) for c in chosen
                )
            else:
                self.estimators_ = Parallel(n_jobs=self.n_jobs, prefer="threads")(
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
        finally:
            self.__dict__.pop("_cv_memo", None)
            self.__dict__.pop("_splits", None)

    def _clearly_better(self, candidate: Candidate, reference: Candidate) -> bool:
        """Whether ``candidate`` beats ``reference`` by more than one standard error.

        The standard error is that of the mean of their paired per-fold score differences
        (the same folds for both). The halving search scores candidates on other row counts
        per round: there the candidate counts as better when it ranks first.
        """
        if candidate is reference or self.search == "halving":
            return candidate is not reference
        primary, _ = self._scoring()
        diff = np.subtract(
            self._cv_memo[candidate][f"test_{primary}"],
            self._cv_memo[reference][f"test_{primary}"],
        )
        return bool(diff.mean() > diff.std(ddof=1) / np.sqrt(len(diff)))

    def _stacking_weights(
        self, chosen: list[Candidate], y: np.ndarray, cv: Any, groups: Any
    ) -> np.ndarray:
        """Non-negative weights summing to one that best combine the candidates'
        out-of-fold predictions (the inner CV's own splits), by least squares."""
        index = np.arange(len(y)).reshape(-1, 1)
        if not is_partition(self._splits, len(y)):
            warnings.warn(
                "ensemble_weights='stacked' needs out-of-fold predictions, which a splitter "
                "whose test folds do not partition the rows (ShuffleSplit, repeated K-fold) "
                "does not give: the ensemble is weighted uniformly.",
                UserWarning,
                stacklevel=3,
            )
            return np.full(len(chosen), 1.0 / len(chosen))
        # The search's own out-of-fold predictions where it kept them (same splits, same
        # seeded heads, so the same numbers); the candidates halving searched are refit.
        known = [self._cv_memo.get(c, {}).get("oof") for c in chosen]
        missing = [c for c, oof in zip(chosen, known, strict=True) if oof is None]
        fitted = iter(
            Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(cross_val_predict)(
                    self._head_class().set_params(candidate=c),
                    index,
                    y,
                    cv=self._splits,
                    groups=groups,
                )
                for c in missing
            )
        )
        P = np.column_stack([oof if oof is not None else next(fitted) for oof in known])
        # The sum-to-one constraint as a heavily weighted extra equation.
        penalty = 1e3 * max(float(np.abs(y).max()), 1.0)
        A = np.vstack([P, np.full((1, P.shape[1]), penalty)])
        weights, _ = nnls(A, np.append(y, penalty))
        total = weights.sum()
        return weights / total if total > 0 else np.full(len(chosen), 1.0 / len(chosen))

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
    model (by default a 100-tree random forest) is cross-validated on them; the best
    candidate is refit on all rows. With ``no_transfer=True`` (the default) a forest and a
    ridge model on each of the target's own descriptors are candidates too, so that the
    search can fall back on no transfer when no source helps
    (``best_source_ == "no transfer"``).

    The best inner CV score of a search over hundreds of sources is optimistically
    biased: report the nested score of :func:`sklearn_shotgun.evaluation.evaluate_transfer`.
    The defaults are those of the accuracy benchmark (``docs/accuracy.md``).

    Parameters
    ----------
    library : ModelLibrary, SourceModel, path or "hf://owner/name@revision"
        The pretrained pool (filter it first, e.g. ``library.filter(property="Cv")``); a
        ``"hf://"`` name is downloaded from the Hugging Face Hub (``ModelLibrary.from_hub``,
        cached; pin a commit hash as the revision for reproducible results). A
        library may mix sources of several properties and descriptors: every source whose
        featurizer accepts the inputs is searched (composition sources read SMILES as well
        as formulas); the others are left out with a warning that names them.
    layers : "last", "each", "all", int or list, default="each"
        Which hidden layers are candidates: the last one; each hidden layer separately;
        all hidden layers concatenated; or the given indices (negative from the last).
    head : estimator, "forest", "paper", "linear", None, or a list of these, default=None
        Model fit on the candidate features. None or "forest" is a random forest of 100
        trees with scikit-learn's defaults (``RandomForestRegressor``'s model, grown by a
        compiled builder for small data, ``sklearn_shotgun._small_forest``: the same
        accuracy, 5-14x faster on 48 rows).
        "paper" is the randomised forest of Yamada et al. 2019: a number of trees drawn
        in [n/2, n] of the training rows and ``max_features`` in [N/2, N] of the feature
        count, drawn per candidate (fewer trees: noisier scores). "linear" is ridge
        regression on standardised features with its penalty chosen by leave-one-out MAE
        (the screen's model, ``sklearn_shotgun._heads.LinearHeadRegressor``): a linear
        probe, which can re-scale and extrapolate what the source learnt. A list, e.g.
        ``("forest", "linear")``: every searched candidate is cross-validated with each
        head (``transfer_table_["head"]``), the screen ranks the features once, and the
        best (source, layer, head) triples are kept and stacked. Columns that are
        constant over the training rows are dropped before the head (they cannot inform
        it).
    search : {"grid", "halving", "screen"}, default="screen"
        "grid": every candidate cross-validated with the head (the numbers and
        ``cv_results_`` of ``GridSearchCV``, on folds drawn once per fit).
        "halving": ``HalvingGridSearchCV``.
        "screen": a closed-form leave-one-out ridge screen of every transfer candidate in
        one batched pass (leave-one-group-out when ``groups`` are given; ranked by MAE, or
        accuracy for classifiers, whatever ``scoring`` says), then the grid search with the
        head on the ``top_k`` best and on every no-transfer candidate: the selection is
        made by the head that is kept, the screen only shortens the list. With "halving",
        ``transfer_table_`` holds the ``scoring`` metric only (``HalvingGridSearchCV``
        scores one metric).
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
        frozen features (``sklearn_shotgun._finetune.FineTunedRegressor``).
    top_k : int, default=10
        Transfer candidates kept by the screen.
    ensemble : int, default=5
        Combine the predictions of this many best candidates (each refit on all rows; with
        the screen, at most ``top_k`` plus the no-transfer candidates).
    ensemble_weights : {"uniform", "stacked"}, default="stacked"
        "uniform" averages the ``ensemble`` best. "stacked" (regression) weighs them by the
        non-negative weights, summing to one, that best combine their out-of-fold
        predictions of the inner CV (least squares): a dominant candidate keeps most of
        the weight, complementary ones share it. With a ``cv`` whose test folds do not
        partition the rows (``ShuffleSplit``) there are no out-of-fold predictions: the
        weights are uniform, with a warning.
    features : str, default="frozen+descriptor"
        "frozen": the hidden features only. "+descriptor" appends ``descriptor`` of the
        target inputs, so that the head can use the source's features where they add to
        the target's own descriptor (the best option of the accuracy benchmark);
        "+prediction" appends the source network's own prediction of its property
        (stacking), e.g. "frozen+prediction+descriptor".
    descriptor : "auto", "source" or featurizer, default="auto"
        The target's own descriptor, for "+descriptor" and the no-transfer candidates.
        "auto": the no-transfer candidates are models on each of count Morgan
        fingerprints, RDKit descriptors and compositions (SMILES) or on compositions
        (formulas), as in :class:`~sklearn_shotgun.NoTransferRegressor`; "+descriptor"
        appends the one of them whose forest cross-validates best on the fit rows
        (``appended_descriptor_``).
        "source": "+descriptor" appends the source's own input columns. A featurizer is
        used for both.
    no_transfer : bool, "stack" or "prefer", default=True
        Add the no-transfer candidates to the search (never screened out): the head (each
        head of a list) on each target descriptor, and the "linear" head too when
        ``head`` does not name it (a practitioner fits a forest and a ridge model; ridge
        on RDKit descriptors is the best no-transfer model of two benchmark tasks).
        "stack": also
        make the best of them a member of the ensemble when the ``ensemble`` best are all
        transfer candidates (one more member; with ``ensemble_weights="stacked"`` its
        weight is fitted like the others'), so that the prediction can blend the transfer
        models with the model one would fit without transfer.
        "prefer": the best no-transfer model alone is selected unless the top candidate
        beats it by more than one standard error of their paired per-fold score
        differences (a one-standard-error rule against the optimism of picking the best
        of many candidates on a few dozen rows); otherwise as ``True``. With
        ``search="halving"`` (no paired folds) it is ``True``; not with
        ``strategy="finetune"``. Measured worse than ``True`` on the accuracy benchmark
        (:doc:`/user_guide/choosing`).
    library_predictions : bool, default=True
        Add candidates on the mean prediction of each source of the library (one column
        per source: :class:`~sklearn_shotgun.LibraryPredictionFeaturizer`, the mean of
        the first 8 networks of each source), alone and beside each target descriptor,
        with the head (each head of a list) and the "linear" head. They are always
        cross-validated (never screened out); in
        ``transfer_table_`` their source is "library predictions". Where one network's
        hidden layers describe the target through one property, these describe it
        through every source property at once, and the search need not pick one source
        out of many on a few dozen rows. Like the no-transfer candidates they are
        references beside the single sources: ``no_transfer=False`` (the selected model is
        one source network) leaves them out too; with ``no_transfer="stack"`` they count as
        transfer candidates. Ignored for precomputed (numeric) sources.
    n_reinit : int, default=1
        Layers re-initialised before fine-tuning (1: the output layer).
    verbose : int, default=0

    Attributes
    ----------
    best_source_ : str
        Model id of the selected source, "no transfer" or "library predictions".
    best_layer_ : int, "all" or None
        Its selected hidden layer (negative index); None for no transfer and for the
        library predictions.
    best_score_ : float
        Its inner CV score (optimistic, see above).
    best_estimator_ : Pipeline
        ``Pipeline(FrozenNetFeaturizer, head)`` refit on all rows, on raw inputs (the
        features step is a ``FeatureUnion`` when a descriptor or the library predictions
        are part of them). The library-prediction members of ``estimators_`` share one
        fitted ``LibraryPredictionFeaturizer``: refit a member on a clone.
    estimators_ : list
        The ``ensemble`` best pipelines (or fine-tuned networks), and the best no-transfer
        one after them where ``no_transfer="stack"`` added it.
    ensemble_weights_ : ndarray
        Weight of each of ``estimators_`` in the prediction.
    target_featurizers_ : dict
        The target descriptors (fitted featurizers) of the no-transfer candidates.
    appended_descriptor_ : str or None
        Name of the target descriptor that "+descriptor" appended (None: none, or the
        source's own columns).
    rejected_featurizers_ : dict
        Source featurizers that did not accept the inputs, with the reason.
    source_coverage_ : dict
        Per source (recipe source, else property/form/descriptor): how much of the inputs'
        descriptor its networks cannot see (``n_active``, ``n_unseen``, ``unseen_fraction``,
        ``rows_affected``; see ``SourceModel.coverage``). A warning names the sources that
        ignore more than 5 % of the active columns, and those with a weak out-of-bag score
        (median R2 below 0.5).
    cv_results_ : dict
        The search's ``cv_results_`` (one entry per searched candidate).
    transfer_table_ : pandas.DataFrame
        One row per candidate: source id, property, layer, head, source metrics, target CV
        mean and standard deviation of every metric (and the screen score), by rank.
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
    >>> model.best_source_ in [*library.ids, "no transfer"], model.predict(X[30:33]).shape
    (True, (3,))
    """

    _metrics = _REGRESSION_METRICS

    @staticmethod
    def _head_class() -> _CandidateHead:
        return _RegressorHead()

    @staticmethod
    def _forest(**params: Any) -> SmallForestRegressor:
        return SmallForestRegressor(n_jobs=1, **params)

    @staticmethod
    def _linear() -> LinearHeadRegressor:
        return LinearHeadRegressor()

    def predict(self, X: Any) -> np.ndarray:
        """Predictions (the ``ensemble_weights_``-weighted mean over ``estimators_``)."""
        X = self._check_predict_input(X)
        preds = np.stack([est.predict(X) for est in self.estimators_])
        return np.tensordot(self.ensemble_weights_, preds, axes=1)


class ShotgunTransferClassifier(ClassifierMixin, _ShotgunTransferBase):
    """Classification counterpart of :class:`ShotgunTransferRegressor`.

    The default head is a random forest with ``RandomForestClassifier``'s model (100
    trees, grown by the compiled builder of ``sklearn_shotgun._small_forest``; "linear"
    is an L2 logistic regression with ``C=1`` on standardised features); the default
    ``scoring`` is "accuracy" (accuracy and macro F1 are recorded), the default splitter is
    stratified, the default ``ensemble`` is 1 and an ensemble averages class probabilities
    (``ensemble_weights="uniform"``; stacking is for regression). The screen
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
        top_k: int = 10,
        ensemble: int = 1,
        ensemble_weights: str = "uniform",
        features: str = "frozen+descriptor",
        descriptor: Any = "auto",
        no_transfer: bool | str = True,
        library_predictions: bool = True,
        n_reinit: int = 1,
        verbose: int = 0,
    ) -> None:
        # Only the default scoring and ensemble differ from the regressor's.
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
            ensemble_weights=ensemble_weights,
            features=features,
            descriptor=descriptor,
            no_transfer=no_transfer,
            library_predictions=library_predictions,
            n_reinit=n_reinit,
            verbose=verbose,
        )

    @staticmethod
    def _head_class() -> _CandidateHead:
        return _ClassifierHead()

    @staticmethod
    def _forest(**params: Any) -> SmallForestClassifier:
        return SmallForestClassifier(n_jobs=1, **params)

    @staticmethod
    def _linear() -> LinearHeadClassifier:
        return LinearHeadClassifier()

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
