"""``LibraryPredictionFeaturizer``: what every source of a library predicts, as features.

Where one source network's hidden layers describe a target only through one property, the
predictions of all sources together describe it through all of them at once: a polymer's
predicted band gaps, ionization energy, melting point and formation energy. The transfer
search adds these features (beside each target descriptor) as candidates of its own, so
that no single source has to be picked from ~48 rows.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._doc_link import DocLinkMixin
from .featurizers._base import validate_params
from .library._quality import model_entry, source_key
from .library.source_model import featurizer_key

__all__ = ["LibraryPredictionFeaturizer"]


class LibraryPredictionFeaturizer(DocLinkMixin, TransformerMixin, BaseEstimator):
    """The mean prediction of each source of a model library, one column per source.

    A source is a recipe source (``training["source"]``), else a property, target form,
    descriptor and data set (as ``ModelLibrary.summary`` groups them). Each column is the
    mean, over the first ``max_models_per_source`` networks of that source in library
    order, of their predictions in the form they were trained on (see
    ``SourceModel.target_transform``). Only single-output regression sources with their own
    featurizer take part; sources whose featurizer rejects the inputs of ``fit`` are left
    out (``rejected_``). Nothing is trained: the networks are frozen.

    Parameters
    ----------
    library : ModelLibrary or iterable of SourceModel
    max_models_per_source : int, default=8
        Networks averaged per source. It bounds the cost of ``transform`` and the size of a
        saved transfer model, which stores the networks it uses.

    Attributes
    ----------
    sources_ : dict of str to list of SourceModel
        The networks averaged for each source, by source name (the columns' order).
    rejected_ : dict of str to str
        Sources left out, with the reason.
    feature_names_out_ : ndarray of str
        ``"<source>/prediction"``.
    n_features_in_ : int
        1 (raw inputs).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun import LibraryPredictionFeaturizer, ShotgunPretrainer
    >>> from sklearn_shotgun import FingerprintFeaturizer
    >>> smiles = ["CCO", "CCC", "CCN", "CCCl", "c1ccccc1", "CC(=O)O"] * 10
    >>> pool = ShotgunPretrainer(FingerprintFeaturizer(n_bits=64), n_models=2,
    ...                          max_epochs=3, random_state=0, verbose=0)
    >>> library = pool.fit(smiles, np.arange(60.0)).library_
    >>> LibraryPredictionFeaturizer(library).fit_transform(smiles[:4]).shape
    (4, 1)
    """

    _parameter_constraints: ClassVar[dict] = {
        "library": "no_validation",
        "max_models_per_source": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, library: Any, max_models_per_source: int = 8) -> None:
        self.library = library
        self.max_models_per_source = max_models_per_source

    def fit(self, X: Any, y: Any = None) -> LibraryPredictionFeaturizer:
        """Group the library's networks by source and keep those that read ``X``.

        Parameters
        ----------
        X : raw inputs (SMILES, formulas ...)
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit`` then ``transform``, featurizing ``X`` once per source featurizer."""
        return self._transform(X, self._fit(X))

    def _fit(self, X: Any) -> dict[str, Any]:
        matrices = self._select(X, {})
        if self.rejected_:
            warnings.warn(
                f"{len(self.rejected_)} source(s) of the library were left out: "
                + "; ".join(f"{k}: {v}" for k, v in self.rejected_.items()),
                UserWarning,
                stacklevel=3,
            )
        return matrices

    def _select(self, X: Any, matrices: dict[str, Any]) -> dict[str, Any]:
        """Fit on ``X``, reusing and filling ``matrices`` (descriptor matrix by featurizer)."""
        validate_params(self)
        groups: dict[str, list[Any]] = {}
        rejected: dict[str, str] = {}
        for model in self.library:
            name = source_key(model_entry(model))
            if name in rejected or len(groups.get(name, ())) >= self.max_models_per_source:
                continue
            if model.featurizer is None:
                rejected[name] = "trained on precomputed descriptors"
            elif model.task == "classification" or model.n_outputs != 1:
                rejected[name] = "not a single-output regression source"
            else:
                key = featurizer_key(model)
                if key not in matrices:
                    try:
                        matrices[key] = model.descriptor_matrix(X)
                    except (ValueError, TypeError) as exc:
                        matrices[key] = exc
                if isinstance(matrices[key], Exception):
                    rejected[name] = f"{model.descriptor}: {matrices[key]}"
                else:
                    groups.setdefault(name, []).append(model)
        for name in rejected:
            groups.pop(name, None)
        if not groups:
            raise ValueError(
                "No source of the library predicts from these inputs "
                f"({'; '.join(f'{k}: {v}' for k, v in rejected.items()) or 'empty library'})."
            )
        self.sources_ = groups
        self.rejected_ = rejected
        self.n_features_in_ = 1
        self.feature_names_out_ = np.asarray([f"{n}/prediction" for n in groups], dtype=object)
        return matrices

    def transform(self, X: Any) -> np.ndarray:
        """The mean prediction of each source, shape (n_samples, n_sources), float64."""
        return self._transform(X, {})

    def _transform(self, X: Any, matrices: dict[str, Any]) -> np.ndarray:
        check_is_fitted(self, "sources_")
        columns = []
        for models in self.sources_.values():
            total = None
            for model in models:
                key = featurizer_key(model)
                if key not in matrices:
                    matrices[key] = model.descriptor_matrix(X)
                p = model.predict(matrices[key], precomputed=True)
                total = p if total is None else total + p
            columns.append(total / len(models))
        return np.column_stack(columns).astype(np.float64)

    def fit_transform_cached(self, X: Any, matrices: dict[str, Any]) -> np.ndarray:
        """``fit_transform`` that reuses descriptor matrices already computed for ``X``
        (keyed by featurizer settings, as the transfer search holds them; a value that is
        an exception marks a featurizer that rejects ``X``), without warning."""
        return self._transform(X, self._select(X, dict(matrices)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.one_d_array = True
        tags.target_tags.required = False
        return tags

    def get_feature_names_out(self, input_features: Iterable[str] | None = None) -> np.ndarray:
        """``"<source>/prediction"`` for each source, in column order."""
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
