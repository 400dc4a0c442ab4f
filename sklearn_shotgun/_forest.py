"""Random forests that build their trees without scikit-learn's per-tree Python overhead.

On the tiny target sets of shotgun transfer (tens of rows) a forest's fit time is dominated
not by growing trees but by the plumbing around each one: ``_make_estimator`` cloning the
template tree through ``get_params``/``set_params``, two ``RandomState`` objects created
per tree (one for the bootstrap, one for the splitter; ~0.2 ms each), ``_check_sample_weight``
and the other input checks of ``DecisionTreeRegressor._fit``, and a joblib task per tree.
The transfer search fits thousands of such forests, so in the common case (dense input, one
output, bootstrap, no sample or class weights, ``n_jobs=1``) these subclasses validate the
input once per forest and drive scikit-learn's own Cython tree builder directly, with one
re-seeded ``RandomState`` serving every tree's bootstrap draw and splitter. The seeds are
drawn from the same stream in the same order, so the fitted forests are identical, tree for
tree, to scikit-learn's (tested); any other configuration falls back to scikit-learn's fit.
They are ordinary ``RandomForestRegressor``/``RandomForestClassifier`` instances.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from scipy.sparse import issparse
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

try:  # scikit-learn internals (>= 1.4); tests/test_forest.py checks the trees they build
    from sklearn.ensemble._forest import _get_n_samples_bootstrap
    from sklearn.tree._classes import CRITERIA_CLF, CRITERIA_REG, DENSE_SPLITTERS
    from sklearn.tree._tree import DepthFirstTreeBuilder, Tree
except ImportError:  # pragma: no cover - a scikit-learn that moved them: its own fit
    _get_n_samples_bootstrap = None

__all__ = ["FastRandomForestClassifier", "FastRandomForestRegressor"]

_MAX_SEED = np.iinfo(np.int32).max


class _DirectTrees:
    """Mixin: direct tree construction, and a bulk fit/predict path for the common case."""

    def _make_estimator(self, append: bool = True, random_state: Any = None) -> Any:
        params = {p: getattr(self, p) for p in self.estimator_params}
        if random_state is not None:
            # scikit-learn's _set_random_states draws one integer per "random_state"
            # parameter; a tree has exactly one, so this is the same draw.
            params["random_state"] = random_state.randint(_MAX_SEED)
        tree = type(self.estimator_)(**params)
        if append:
            self.estimators_.append(tree)
        return tree

    def _bulk_ok(self, X: Any, y: Any, sample_weight: Any) -> bool:
        """Whether the bulk path reproduces scikit-learn's fit for these arguments."""
        return (
            _get_n_samples_bootstrap is not None
            and sample_weight is None
            and self.bootstrap
            and not self.oob_score
            and not self.warm_start
            and self.class_weight is None
            and self.max_leaf_nodes is None
            and self.monotonic_cst is None
            and self.ccp_alpha == 0.0
            and isinstance(self.criterion, str)
            and self.criterion != "poisson"
            and (self.n_jobs is None or effective_n_jobs(self.n_jobs) == 1)
            and not issparse(X)
            and not issparse(y)
            and np.ndim(y) == 1
        )

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Build the forest (see scikit-learn's ``fit``; same trees for the same seed)."""
        if not self._bulk_ok(X, y, sample_weight):
            return super().fit(X, y, sample_weight)
        self._validate_params()
        X, y = validate_data(
            self, X, y, multi_output=True, dtype=np.float32, ensure_all_finite=False
        )
        template = type(self.estimator)(criterion=self.criterion)
        missing = template._compute_missing_values_in_feature_mask(
            X, estimator_name=type(self).__name__
        )
        y = np.reshape(np.atleast_1d(y), (-1, 1))
        self._n_samples, self.n_outputs_ = y.shape
        y, _ = self._validate_y_class_weight(y, None)
        y = np.ascontiguousarray(y, dtype=np.float64)
        self._sample_weight = None
        n_samples = X.shape[0]
        n_boot = _get_n_samples_bootstrap(n_samples, self.max_samples, None)
        self._n_samples_bootstrap = n_boot
        self._validate_estimator()
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=self.n_estimators)
        self.estimators_ = _build_trees(self, X, y, seeds, n_boot, missing)
        if hasattr(self, "classes_") and self.n_outputs_ == 1:
            self.n_classes_ = self.n_classes_[0]
            self.classes_ = self.classes_[0]
        return self


def _tree_settings(forest: Any, n_samples: int, n_features: int) -> dict[str, Any]:
    """The per-tree constants ``BaseDecisionTree._fit`` derives from the parameters."""
    leaf, split = forest.min_samples_leaf, forest.min_samples_split
    leaf = leaf if isinstance(leaf, Integral) else int(np.ceil(leaf * n_samples))
    if not isinstance(split, Integral):
        split = max(2, int(np.ceil(split * n_samples)))
    mf = forest.max_features
    if mf == "sqrt":
        max_features = max(1, int(np.sqrt(n_features)))
    elif mf == "log2":
        max_features = max(1, int(np.log2(n_features)))
    elif mf is None:
        max_features = n_features
    elif isinstance(mf, Integral):
        max_features = int(mf)
    else:
        max_features = max(1, int(mf * n_features)) if mf > 0.0 else 0
    return {
        "min_samples_leaf": leaf,
        "min_samples_split": max(split, 2 * leaf),
        "max_features": max_features,
        "max_depth": np.iinfo(np.int32).max if forest.max_depth is None else forest.max_depth,
    }


def _build_trees(
    forest: Any, X: np.ndarray, y: np.ndarray, seeds: np.ndarray, n_boot: int, missing: Any
) -> list[Any]:
    """Fit one tree per seed exactly as ``_parallel_build_trees`` + ``_fit`` would."""
    n_samples, n_features = X.shape
    s = _tree_settings(forest, n_samples, n_features)
    classification = hasattr(forest, "classes_")
    params = {p: getattr(forest, p) for p in forest.estimator_params}
    tree_class = type(forest.estimator_)
    if classification:
        # The forest encoded y as 0..k-1; the tree's own np.unique finds the same codes.
        classes = [np.unique(y[:, k]) for k in range(y.shape[1])]
        n_classes = np.array([len(c) for c in classes], dtype=np.intp)
    else:
        n_classes = np.ones(y.shape[1], dtype=np.intp)
    # One RandomState, re-seeded per use: the same draws as the two fresh RandomState(seed)
    # scikit-learn creates per tree, at a hundredth of the cost.
    rng = np.random.RandomState()
    trees = []
    for seed in seeds:
        seed = int(seed)
        rng.seed(seed)
        counts = np.bincount(
            rng.randint(0, n_samples, n_boot).astype(np.int32), minlength=n_samples
        ).astype(np.float64)
        min_weight_leaf = forest.min_weight_fraction_leaf * counts.sum()
        if classification:
            criterion = CRITERIA_CLF[forest.criterion](y.shape[1], n_classes)
        else:
            criterion = CRITERIA_REG[forest.criterion](y.shape[1], n_samples)
        rng.seed(seed)  # the splitter draws its own state from the tree's seed in build()
        splitter = DENSE_SPLITTERS[forest.estimator_.splitter](
            criterion, s["max_features"], s["min_samples_leaf"], min_weight_leaf, rng, None
        )
        tree = tree_class(**{**params, "random_state": seed})
        tree.n_features_in_ = n_features
        tree.n_outputs_ = y.shape[1]
        tree.max_features_ = s["max_features"]
        tree.tree_ = Tree(n_features, n_classes, y.shape[1])
        DepthFirstTreeBuilder(
            splitter,
            s["min_samples_split"],
            s["min_samples_leaf"],
            min_weight_leaf,
            s["max_depth"],
            forest.min_impurity_decrease,
        ).build(tree.tree_, X, y, counts, missing)
        if classification:
            tree.classes_ = classes[0] if y.shape[1] == 1 else classes
            tree.n_classes_ = n_classes[0] if y.shape[1] == 1 else n_classes
        trees.append(tree)
    return trees


def _sequential(forest: Any, X: Any, method: str) -> np.ndarray | None:
    """Sum of the trees' ``method`` outputs in tree order (what scikit-learn's threaded
    accumulation computes with one job), without a joblib task per tree; None: not here."""
    check_is_fitted(forest)
    if forest.n_outputs_ != 1 or effective_n_jobs(forest.n_jobs) != 1:
        return None
    X = forest._validate_X_predict(X)
    if issparse(X):
        return None
    # With one output, a tree's predict/predict_proba is its Tree's node values (the first
    # n_classes of them); the forest has validated X once for all the trees.
    width = np.atleast_1d(forest.n_classes_)[0] if method == "predict_proba" else 1
    out = np.zeros((X.shape[0], width))
    for tree in forest.estimators_:
        out += tree.tree_.predict(X)[:, :width]
    out /= len(forest.estimators_)
    return out if method == "predict_proba" else out[:, 0]


class FastRandomForestRegressor(_DirectTrees, RandomForestRegressor):
    """``RandomForestRegressor`` with cheaper tree construction (identical results)."""

    def predict(self, X: Any) -> np.ndarray:
        """Mean prediction of the trees (as scikit-learn's, same floating-point order)."""
        out = _sequential(self, X, "predict")
        return super().predict(X) if out is None else out


class FastRandomForestClassifier(_DirectTrees, RandomForestClassifier):
    """``RandomForestClassifier`` with cheaper tree construction (identical results)."""

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean class probabilities of the trees (as scikit-learn's)."""
        out = _sequential(self, X, "predict_proba")
        return super().predict_proba(X) if out is None else out
