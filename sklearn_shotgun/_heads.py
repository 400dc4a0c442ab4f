"""Linear heads of the transfer search: the model of the screen, as a kept head.

A network's last hidden layer feeds its output through one linear map, so a linear model
on frozen features is the classic "linear probe" of transfer learning: it can re-scale and
re-combine what the source learnt, and extrapolate along it, where a forest on 40-100 rows
only cuts the features into boxes. The screen (:func:`~sklearn_shotgun._screen.ridge_loo_screen`)
already ranks candidates by this model; these classes make it a head that can be searched,
stacked and refit like the forest.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._screen import _ALPHAS

__all__ = ["LinearHeadClassifier", "LinearHeadRegressor"]


class LinearHeadRegressor(RegressorMixin, BaseEstimator):
    """Ridge regression on standardised features, its penalty chosen by leave-one-out MAE.

    The penalties are those of the screen (``logspace(-3, 3, 13)`` times the number of
    rows), so the head ranks candidates as the screen does; the leave-one-out error is
    exact and costs one SVD (``RidgeCV``).

    Parameters
    ----------
    clip : float or None, default=0.25
        Predictions are clipped to the training targets' range widened by this fraction
        of it on each side (None: not clipped). A linear model extrapolates without
        bound: one test row far outside the training descriptors (an element or a
        descriptor value the 40 training rows never showed) otherwise gets a prediction
        hundreds of ranges away, which the accuracy benchmark saw on compositions (an
        experimental band gap predicted at thousands of eV).

    Attributes
    ----------
    alpha_ : float
        The selected ridge penalty.
    target_range_ : tuple of float
        The bounds that predictions are clipped to (infinite when ``clip=None``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun._heads import LinearHeadRegressor
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> head = LinearHeadRegressor().fit(X, X[:, 0] * 2)
    >>> head.predict(X[:2]).shape
    (2,)
    """

    def __init__(self, clip: float | None = 0.25) -> None:
        self.clip = clip

    def fit(self, X: Any, y: Any) -> LinearHeadRegressor:
        if self.clip is not None and not (isinstance(self.clip, Real) and self.clip >= 0):
            raise ValueError(f"clip must be a non-negative number or None, got {self.clip!r}.")
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        if self.clip is None:
            self.target_range_ = (-np.inf, np.inf)
        else:
            margin = float(self.clip) * float(np.ptp(y))
            self.target_range_ = (float(y.min()) - margin, float(y.max()) + margin)
        self.scaler_ = StandardScaler().fit(X)
        self.ridge_ = RidgeCV(alphas=_ALPHAS * len(y), scoring="neg_mean_absolute_error")
        self.ridge_.fit(self.scaler_.transform(X), y)
        self.alpha_ = float(self.ridge_.alpha_)
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.clip(self.ridge_.predict(self.scaler_.transform(X)), *self.target_range_)


class LinearHeadClassifier(ClassifierMixin, BaseEstimator):
    """L2-penalised logistic regression (``C=1``) on standardised features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun._heads import LinearHeadClassifier
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> head = LinearHeadClassifier().fit(X, X[:, 0] > 9)
    >>> head.predict_proba(X[:2]).shape
    (2, 2)
    """

    def fit(self, X: Any, y: Any) -> LinearHeadClassifier:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.scaler_ = StandardScaler().fit(X)
        self.logistic_ = LogisticRegression(max_iter=1000).fit(self.scaler_.transform(X), y)
        self.classes_ = self.logistic_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.logistic_.predict_proba(self.scaler_.transform(X))

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
