"""Transfer from a pool of pretrained source networks to a small target data set."""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    is_classifier,
)
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._candidates import (
    LIBRARY_PREDICTIONS,
    NO_TRANSFER,
    Candidate,
    _CandidateHead,
    _ClassifierHead,
    _Columns,  # noqa: F401  (pickles of refit pipelines name it here)
    _refit,
    _RegressorHead,
)
from ._doc_link import DocLinkMixin
from ._finetune import FineTunedClassifier, FineTunedRegressor
from ._heads import LinearHeadClassifier, LinearHeadRegressor
from ._screen import ridge_loo_screen
from ._small_forest import SmallForestClassifier, SmallForestRegressor
from ._transfer_candidates import (
    _FEATURE_PARTS,
    _HEAD_NAMES,
    _CandidateBuilder,
    _head_name,
    _reading,
)
from ._transfer_search import _Search
from ._validation import check_finite_target
from .baseline import input_kind
from .featurizers._base import coerce_items
from .library import ModelLibrary, SourceModel

__all__ = [
    "LIBRARY_PREDICTIONS",
    "NO_TRANSFER",
    "Candidate",
    "ShotgunTransferClassifier",
    "ShotgunTransferRegressor",
]

_REGRESSION_METRICS = {
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "r2": "r2",
}
_CLASSIFICATION_METRICS = {"accuracy": "accuracy", "f1": "f1_macro"}


class _ShotgunTransferBase(_CandidateBuilder, _Search, DocLinkMixin, BaseEstimator):
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
        if self.strategy == "finetune" and self.no_transfer in ("stack", "prefer"):
            raise ValueError(
                f"no_transfer={self.no_transfer!r} may keep a no-transfer model; "
                "strategy='finetune' fine-tunes source networks only."
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
