"""Random forests compiled for the tiny target sets of shotgun transfer.

The transfer search cross-validates a forest head on every candidate: thousands of forests
of 100 trees on 30-60 rows and 20-300 columns. scikit-learn's Cython builder, driven
without its Python overhead (:mod:`~sklearn_shotgun._forest`), still spends ~1 ms per tree
there, because at every node it re-sorts each feature's rows. With so few rows it is
cheaper to rank every feature once per forest: a node then visits its rows in a feature's
order through a bit set of their ranks (:mod:`~sklearn_shotgun._small_forest_kernels`), and
a split only partitions the node's own row list. The trees are scikit-learn's CART trees
(squared error or Gini, bootstrap, the best of ``max_features`` features per node,
features constant in a node passed down as constant, midpoint thresholds, the first of
equal splits kept), grown by a numba-compiled kernel that releases the GIL, so the search's
threads run them in parallel. The random streams are the kernel's, not scikit-learn's, so
the forests are not scikit-learn's tree for tree (without bootstrap and feature sampling a
tree partitions the training rows as scikit-learn's does; tested). When every feature is
visited at every node, ties between equally good features are broken by one random order
per tree rather than per node.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from ._forest import FastRandomForestClassifier, FastRandomForestRegressor, _tree_settings

__all__ = ["SmallForestClassifier", "SmallForestRegressor"]

_MAX_SEED = np.iinfo(np.int32).max
#: Above this many training rows the forest is scikit-learn's (see the class docstrings).
MAX_ROWS = 10_000
_TREE_ATTRIBUTES = (
    "tree_feature_",
    "tree_threshold_",
    "tree_left_",
    "tree_right_",
    "tree_value_",
    "tree_missing_left_",
)


def _kernels() -> Any:
    """The compiled kernels (numba is imported on the first fit, not with the package)."""
    from . import _small_forest_kernels

    return _small_forest_kernels


class _SmallForest(BaseEstimator):
    """Parameters, tree growing and traversal shared by the regressor and the classifier."""

    _parameter_constraints: ClassVar[dict] = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_features": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            StrOptions({"sqrt", "log2"}),
            None,
        ],
        "min_samples_split": [
            Interval(Integral, 2, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
        ],
        "min_samples_leaf": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "bootstrap": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def _grow(self, X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
        """Grow the trees on validated ``X`` and float targets (class codes when
        ``n_classes`` > 0), or fit ``fallback_`` instead (see the class docstring)."""
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=self.n_estimators)
        if np.isnan(X).any() or len(y) > MAX_ROWS:
            fallback = FastRandomForestClassifier if n_classes else FastRandomForestRegressor
            self.fallback_ = fallback(**{**self.get_params(), "random_state": int(seeds[0])})
            self.fallback_.fit(X, self.classes_[y.astype(int)] if n_classes else y)
            for name in _TREE_ATTRIBUTES:  # of an earlier fit
                self.__dict__.pop(name, None)
            return
        self.fallback_ = None
        if isinstance(self.max_features, Integral) and self.max_features > X.shape[1]:
            raise ValueError(
                f"max_features must be in (0, n_features], got {self.max_features} for "
                f"{X.shape[1]} features."
            )
        s = _tree_settings(self, *X.shape)
        Xt = np.ascontiguousarray(X.T)  # a feature's values contiguous
        build = _kernels().build_trees
        # Centred regression targets: the kernel's pure-node and perfect-split tests are
        # relative to the sum of squares, which an offset (a heat capacity of ~1,500 +- 300)
        # would swamp.
        offset = float(y.mean()) if n_classes == 0 else 0.0
        yc = np.ascontiguousarray(y - offset)
        n_jobs = min(effective_n_jobs(self.n_jobs), self.n_estimators)
        args = (
            len(y),
            self.bootstrap,
            s["max_features"],
            s["min_samples_leaf"],
            s["min_samples_split"],
            s["max_depth"],
            n_classes,
        )
        if n_jobs == 1:
            parts = [build(Xt, yc, seeds, *args)]
        else:
            parts = Parallel(n_jobs=n_jobs, prefer="threads")(
                delayed(build)(Xt, yc, chunk, *args) for chunk in np.array_split(seeds, n_jobs)
            )
        width = max(int(part[5].max()) for part in parts)
        self.tree_feature_, self.tree_threshold_, self.tree_left_, self.tree_right_ = (
            np.concatenate([part[i][:, :width] for part in parts]) for i in range(4)
        )
        self.tree_missing_left_ = np.concatenate([part[6][:, :width] for part in parts])
        self.tree_value_ = np.concatenate([part[4][:, :width] for part in parts]) + offset

    def _mean_leaf_values(self, X: Any) -> np.ndarray:
        """The trees' mean leaf values of each row, shape (rows, outputs)."""
        X = self._check_X(X)
        return _kernels().predict_trees(
            np.ascontiguousarray(X),
            self.tree_feature_,
            self.tree_threshold_,
            self.tree_left_,
            self.tree_right_,
            self.tree_value_,
            self.tree_missing_left_,
        )

    def _check_X(self, X: Any) -> np.ndarray:
        return validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite="allow-nan")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class SmallForestRegressor(RegressorMixin, _SmallForest):
    """Random forest of CART regression trees, fast on tens to a few thousand rows.

    The same model as scikit-learn's ``RandomForestRegressor`` with squared error: each
    tree grown to purity (by default) on a bootstrap draw of the rows, splitting each node
    on the best threshold among ``max_features`` randomly drawn features, the prediction
    the mean of the trees'. It is the transfer search's forest head, where thousands of
    small forests are cross-validated: 5.2x faster than scikit-learn's on 48 x 300 and
    14.4x on 48 x 30 (100 trees, ``benchmarks/bench_transfer.py``), and the trees grow
    without the GIL, so threads run in parallel. Training input with missing values
    (which scikit-learn's forest supports), or more than ``MAX_ROWS`` (10,000) rows, is
    fitted by scikit-learn's forest instead (``fallback_``): the node arrays grow with the
    rows times the trees, and a node scans bit sets as long as the rows. A missing value
    at predict time goes to the child with more training rows.

    Parameters
    ----------
    n_estimators : int, default=100
        Number of trees.
    max_features : {"sqrt", "log2"}, int, float or None, default=1.0
        Features drawn per node, as scikit-learn's (1.0 and None: all of them).
    min_samples_split : int or float, default=2
        Fewest distinct rows a node needs to be split.
    min_samples_leaf : int or float, default=1
        Fewest distinct rows in a leaf.
    max_depth : int or None, default=None
        Depth limit of the trees (None: grown until pure).
    bootstrap : bool, default=True
        Whether each tree sees a bootstrap draw of the rows (else all of them).
    random_state : int, RandomState or None, default=None
        Seeds the trees' bootstrap draws and feature draws.
    n_jobs : int or None, default=None
        Threads that grow the trees (joblib); the trees, and so the predictions, do not
        depend on it.

    Attributes
    ----------
    fallback_ : FastRandomForestRegressor or None
        scikit-learn's forest, when it was fitted instead (missing values, many rows).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names, when ``X`` had string column names.
    tree_feature_ : ndarray of shape (n_estimators, max_nodes)
        Split feature of each node (-1: a leaf); ``tree_threshold_``, ``tree_left_``,
        ``tree_right_`` and ``tree_value_`` (n_estimators, max_nodes, 1) hold the rest of
        the nodes.

    See Also
    --------
    sklearn.ensemble.RandomForestRegressor : the reference implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun._small_forest import SmallForestRegressor
    >>> X = np.arange(40.0).reshape(20, 2)
    >>> forest = SmallForestRegressor(n_estimators=10, random_state=0).fit(X, X[:, 0] ** 2)
    >>> forest.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        max_features: Any = 1.0,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_depth: int | None = None,
        bootstrap: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.bootstrap = bootstrap
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any) -> SmallForestRegressor:
        """Grow the trees.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Training targets.

        Returns
        -------
        self : SmallForestRegressor
            The fitted forest.
        """
        self._validate_params()
        X, y = validate_data(
            self, X, y, y_numeric=True, dtype=np.float32, ensure_all_finite="allow-nan"
        )
        self._grow(X, np.asarray(y, dtype=np.float64), 0)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Mean prediction of the trees.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predictions.
        """
        check_is_fitted(self, "fallback_")
        if self.fallback_ is not None:
            return self.fallback_.predict(self._check_X(X))
        return self._mean_leaf_values(X)[:, 0]


class SmallForestClassifier(ClassifierMixin, _SmallForest):
    """Random forest of CART classification trees (Gini), fast on tens to thousands of rows.

    The same model as scikit-learn's ``RandomForestClassifier`` with the Gini criterion:
    each tree grown to purity (by default) on a bootstrap draw of the rows, splitting each
    node on the best threshold among ``max_features`` randomly drawn features (``"sqrt"``
    by default, as scikit-learn's), the class probabilities the mean of the trees' leaf
    class frequencies. The transfer classifier's forest head. Input with missing values,
    or more than ``MAX_ROWS`` (10,000) rows, is fitted by scikit-learn's forest instead
    (``fallback_``).

    Parameters
    ----------
    n_estimators : int, default=100
        Number of trees.
    max_features : {"sqrt", "log2"}, int, float or None, default="sqrt"
        Features drawn per node, as scikit-learn's (1.0 and None: all of them).
    min_samples_split : int or float, default=2
        Fewest distinct rows a node needs to be split.
    min_samples_leaf : int or float, default=1
        Fewest distinct rows in a leaf.
    max_depth : int or None, default=None
        Depth limit of the trees (None: grown until pure).
    bootstrap : bool, default=True
        Whether each tree sees a bootstrap draw of the rows (else all of them).
    random_state : int, RandomState or None, default=None
        Seeds the trees' bootstrap draws and feature draws.
    n_jobs : int or None, default=None
        Threads that grow the trees (joblib); the trees, and so the predictions, do not
        depend on it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    fallback_ : FastRandomForestClassifier or None
        scikit-learn's forest, when it was fitted instead (missing values, many rows).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names, when ``X`` had string column names.
    tree_feature_ : ndarray of shape (n_estimators, max_nodes)
        Split feature of each node (-1: a leaf); ``tree_threshold_``, ``tree_left_``,
        ``tree_right_`` and ``tree_value_`` (n_estimators, max_nodes, n_classes: class
        frequencies) hold the rest of the nodes.

    See Also
    --------
    sklearn.ensemble.RandomForestClassifier : the reference implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun._small_forest import SmallForestClassifier
    >>> X = np.arange(40.0).reshape(20, 2)
    >>> forest = SmallForestClassifier(n_estimators=10, random_state=0).fit(X, X[:, 0] > 15)
    >>> forest.predict_proba(X[:3]).shape
    (3, 2)
    """

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        max_features: Any = "sqrt",
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        max_depth: int | None = None,
        bootstrap: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.bootstrap = bootstrap
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any) -> SmallForestClassifier:
        """Grow the trees.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : SmallForestClassifier
            The fitted forest.
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        self._grow(X, codes.astype(np.float64), len(self.classes_))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean class frequencies of the trees' leaves.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, in the order of ``classes_``.
        """
        check_is_fitted(self, "fallback_")
        if self.fallback_ is not None:
            return self.fallback_.predict_proba(self._check_X(X))
        return self._mean_leaf_values(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self, "fallback_")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
