"""The best model a practitioner would fit without transfer, on the best descriptor.

Transfer is only worth its cost if it beats what one would fit anyway. On RadonPy Cp a
forest on RDKit 2D descriptors beats the same forest on fingerprints by a quarter, and on
RadonPy thermal conductivity and refractive index a ridge model on those descriptors beats
every forest, so a baseline of one model on the first descriptor at hand flatters transfer.
:class:`NoTransferRegressor` computes every descriptor the inputs allow, cross-validates a
forest and a ridge model on each and keeps the best: it is the default baseline of
:func:`~sklearn_shotgun.evaluation.evaluate_transfer`, and the "no transfer" candidates of
the transfer search are the same models on the same descriptors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted, validate_data

from ._doc_link import DocLinkMixin
from ._forest import FastRandomForestRegressor
from ._heads import LinearHeadRegressor
from ._validation import check_finite_target
from .featurizers._base import coerce_items

__all__ = ["NoTransferRegressor", "default_descriptors", "input_kind"]

_MODELS = ("forest", "linear")


def input_kind(items: list[Any]) -> str:
    """``"smiles"`` when RDKit parses every item (or it is a Mol), else ``"formula"``.

    Formulas such as ``Fe2O3`` or ``NaCl`` are not valid SMILES; the few strings that are
    both (``CO``) are read as SMILES only when every item of the set parses as SMILES.
    """
    from rdkit import rdBase

    from .featurizers._smiles import parse_smiles

    # The featurizers' strict parser, so that "CC junk" is not taken for a SMILES here either;
    # RDKit's parse errors are the expected answer for a formula, not news for the log.
    with rdBase.BlockLogs():
        if any(parse_smiles(item)[0] is None for item in items):
            return "formula"
    return "smiles"


def default_descriptors(kind: str) -> dict[str, Any]:
    """The descriptors a practitioner would try for ``kind`` (``"smiles"`` or ``"formula"``).

    Molecules and polymer repeat units: count Morgan fingerprints, RDKit 2D descriptors and
    XenonPy-style compositions of the SMILES; formulas: compositions.
    """
    from .featurizers import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer

    if kind == "formula":
        return {"composition": CompositionFeaturizer()}
    return {
        "morgan_counts": FingerprintFeaturizer(counts=True),
        "rdkit2d": DescriptorFeaturizer(),
        "composition": CompositionFeaturizer(input="smiles"),
    }


class NoTransferRegressor(DocLinkMixin, RegressorMixin, BaseEstimator):
    """The (model, descriptor) pair that cross-validates best: the honest baseline.

    Each descriptor of ``descriptors`` is computed once for all rows; each model of
    ``models`` (a random forest, a ridge model) is cross-validated on each (mean absolute
    error) and the best pair is refit on all rows.

    Parameters
    ----------
    descriptors : "auto" or dict of str to featurizer, default="auto"
        Candidate descriptors by name. "auto" reads the inputs: SMILES (every item parses
        with RDKit) get count Morgan fingerprints, RDKit 2D descriptors and compositions;
        anything else is read as formulas and gets compositions
        (:func:`default_descriptors`). A numeric matrix ``X`` is its own descriptor.
    models : "forest", "linear" or a tuple of them, default=("forest", "linear")
        The models tried on each descriptor. "forest": a random forest of
        ``n_estimators`` trees. "linear": ridge regression on standardised features, its
        penalty chosen by leave-one-out MAE, predictions clipped to a quarter of the
        target range beyond the training targets (the transfer search's "linear" head,
        ``sklearn_shotgun._heads.LinearHeadRegressor``).
    n_estimators : int, default=300
        Trees per forest.
    cv : int, default=5
        Folds of the (shuffled) cross-validation that picks the descriptor.
    random_state : int or None, default=None
        Seeds the folds and the forests.
    n_jobs : int or None, default=None
        joblib workers of each forest.

    Attributes
    ----------
    best_descriptor_ : str
        Name of the selected descriptor.
    best_model_ : str
        Name of the selected model ("forest" or "linear").
    cv_results_ : pandas.DataFrame
        One row per (descriptor, model): ``descriptor``, ``model``, ``n_features``,
        ``cv_mae_mean``, ``cv_mae_std`` (the optimistic inner estimate), sorted best first.
    best_score_ : float
        Negated inner CV MAE of the selection (scikit-learn's "greater is better").
    estimator_ : Pipeline
        ``Pipeline(featurizer, model)`` refit on all rows, on raw inputs; the model's step
        is named after it ("forest" or "linear").
    n_features_in_ : int
        Always 1 (one column of raw inputs).

    Examples
    --------
    >>> from sklearn_shotgun import NoTransferRegressor
    >>> smiles = ["C", "CC", "CCC", "CCCC", "CCO", "CCCO", "CO", "CCCCO", "OCCO", "CCOC"]
    >>> y = [6.5, 10.1, 14.8, 19.7, 13.8, 18.6, 8.8, 23.5, 16.0, 16.9]
    >>> model = NoTransferRegressor(cv=3, n_estimators=20, random_state=0).fit(smiles, y)
    >>> len(model.cv_results_)  # a forest and a ridge model on each of 3 descriptors
    6
    >>> model.cv_results_["cv_mae_mean"].is_monotonic_increasing
    True
    >>> model.predict(["CCCCCC"]).shape
    (1,)
    """

    def __init__(
        self,
        descriptors: Any = "auto",
        models: Any = _MODELS,
        n_estimators: int = 300,
        cv: int = 5,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.descriptors = descriptors
        self.models = models
        self.n_estimators = n_estimators
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _candidates(self, items: list[Any]) -> dict[str, Any]:
        if isinstance(self.descriptors, str):
            if self.descriptors != "auto":
                raise ValueError(
                    "descriptors must be 'auto' or a dict of featurizers, got "
                    f"{self.descriptors!r}."
                )
            return default_descriptors(input_kind(items))
        if not isinstance(self.descriptors, dict) or not self.descriptors:
            raise ValueError("descriptors must be 'auto' or a non-empty dict of featurizers.")
        return dict(self.descriptors)

    def _models(self) -> list[str]:
        models = [self.models] if isinstance(self.models, str) else self.models
        try:
            models = list(models)
        except TypeError:
            models = []
        if not models or any(m not in _MODELS for m in models) or len(set(models)) < len(models):
            raise ValueError(
                "models must be 'forest', 'linear' or a tuple of distinct ones, got "
                f"{self.models!r}."
            )
        return models

    def _model(self, name: str) -> Any:
        if name == "linear":
            return LinearHeadRegressor()
        return FastRandomForestRegressor(
            n_estimators=self.n_estimators, random_state=self.random_state, n_jobs=self.n_jobs
        )

    def fit(self, X: Any, y: Any) -> NoTransferRegressor:
        """Cross-validate each model on every descriptor and refit the best on all rows.

        Parameters
        ----------
        X : sequence of SMILES or formulas, or a numeric matrix of shape (n, n_features)
            A numeric matrix is taken as the descriptor itself (``descriptors`` unused).
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        models = self._models()
        self._numeric = _is_numeric_matrix(X)
        if self._numeric:
            X, y = validate_data(self, X, y, y_numeric=True)
            items, candidates = X, {"X": None}
        else:
            items, _ = coerce_items(X, "inputs")
            y = np.asarray(y, dtype=np.float64)
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.ravel()
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D, got shape {y.shape}.")
            if len(y) != len(items):
                raise ValueError(f"X has {len(items)} rows but y has {len(y)}.")
            self.n_features_in_ = 1
            candidates = self._candidates(items)
        check_finite_target(y)
        if self.cv > len(y):
            raise ValueError(f"n_samples={len(y)} is too few for cv={self.cv} folds.")
        splitter = KFold(self.cv, shuffle=True, random_state=self.random_state)
        rows, fitted = [], {}
        for name, featurizer in candidates.items():
            if featurizer is None:
                D = items
            else:
                featurizer = clone(featurizer).fit(items)
                D = featurizer.transform(items)
                D = D.toarray() if hasattr(D, "toarray") else np.asarray(D, dtype=np.float64)
            for model in models:
                scores = -cross_val_score(
                    self._model(model), D, y, cv=splitter, scoring="neg_mean_absolute_error"
                )
                rows.append(
                    {
                        "descriptor": name,
                        "model": model,
                        "n_features": D.shape[1],
                        "cv_mae_mean": scores.mean(),
                        "cv_mae_std": scores.std(),
                    }
                )
            fitted[name] = (featurizer, D)
        table = pd.DataFrame(rows).sort_values("cv_mae_mean", kind="stable")
        self.cv_results_ = table.reset_index(drop=True)
        best = self.cv_results_.iloc[0]
        self.best_descriptor_ = str(best["descriptor"])
        self.best_model_ = str(best["model"])
        self.best_score_ = -float(best["cv_mae_mean"])
        featurizer, D = fitted[self.best_descriptor_]
        model = self._model(self.best_model_).fit(D, y)
        steps = [("featurizer", featurizer)] if featurizer is not None else []
        self.estimator_ = Pipeline([*steps, (self.best_model_, model)])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions of the selected model."""
        check_is_fitted(self, "estimator_")
        if self._numeric:
            return self.estimator_.predict(validate_data(self, X, reset=False))
        items, _ = coerce_items(X, "inputs")
        return self.estimator_.predict(items)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags


def _is_numeric_matrix(X: Any) -> bool:
    """A 2-D numeric array, frame or nested list (not a column of SMILES or formulas)."""
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # DataFrame
        return all(np.issubdtype(dtype, np.number) for dtype in X.dtypes)
    if hasattr(X, "toarray"):  # sparse
        return X.ndim == 2
    nested = isinstance(X, list | tuple) and len(X) and isinstance(X[0], list | tuple)
    if not (hasattr(X, "__array__") or nested):
        return False
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError):
        return False
    if arr.ndim != 2:
        return False
    if arr.dtype.kind == "O" and arr.shape[1] > 1:  # numbers in an object array
        try:
            arr.astype(np.float64)
        except (ValueError, TypeError):
            return False
        return True
    return arr.dtype.kind in "biufc"
