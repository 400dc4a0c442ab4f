"""``FrozenNetFeaturizer``: the hidden layers of a pretrained source network as features."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._doc_link import DocLinkMixin
from ._base import validate_params

__all__ = ["FrozenNetFeaturizer", "resolve_layers"]


def appended_columns(
    source: Any, D: Any, with_prediction: bool, with_descriptor: bool
) -> list[np.ndarray]:
    """The float32 blocks that follow the hidden features: the source's prediction (class
    probabilities for a classifier), then the raw descriptor columns it reads."""
    parts = []
    if with_prediction:
        out = (
            source.predict_proba(D, precomputed=True)
            if source.task == "classification"
            else source.predict(D, precomputed=True)
        )
        parts.append(np.asarray(out, dtype=np.float32).reshape(D.shape[0], -1))
    if with_descriptor:
        raw = D[:, source.columns]
        raw = raw.toarray() if sp.issparse(raw) else np.asarray(raw)
        parts.append(raw.astype(np.float32))
    return parts


def resolve_layers(layer: int | str | Sequence[int], n_hidden: int) -> list[int]:
    """Hidden-layer indices (0-based, in order) selected by ``layer``.

    Parameters
    ----------
    layer : int, "last", "all" or list of int
        Negative indices count back from the last hidden layer; "all" selects every hidden
        layer.
    n_hidden : int
        Number of hidden layers of the network.

    Returns
    -------
    list of int
    """
    if isinstance(layer, str):
        if layer == "last":
            return [n_hidden - 1]
        if layer == "all":
            return list(range(n_hidden))
        raise ValueError(f"layer must be an int, a list of ints, 'last' or 'all', got {layer!r}.")
    if isinstance(layer, bool | np.bool_):
        raise ValueError(f"layer must be an int, a list of ints, 'last' or 'all', got {layer!r}.")
    layers = [layer] if isinstance(layer, int | np.integer) else list(layer)
    out = []
    for value in layers:
        if (
            not isinstance(value, int | np.integer)
            or isinstance(value, bool | np.bool_)
            or not -n_hidden <= value < n_hidden
        ):
            raise ValueError(
                f"layer {value!r} does not exist in a network with {n_hidden} hidden layers."
            )
        out.append(int(value) % n_hidden)
    if not out:
        raise ValueError("layer must select at least one hidden layer.")
    return out


#: What FrozenNetFeaturizer uses of a source network (the interface of library.SourceModel).
_SOURCE_INTERFACE = (
    "id",
    "n_hidden",
    "hidden_widths",
    "columns",
    "featurizer",
    "make_featurizer",
    "transform",
    "predict",
    "task",
)


class FrozenNetFeaturizer(DocLinkMixin, TransformerMixin, BaseEstimator):
    """Activations of a hidden layer of a pretrained source network, as features.

    Raw inputs go through the source's own featurizer (its stored parameters), its column
    subset and input scaling, then through the frozen network up to hidden layer
    ``layer``. The values are taken *after* the ReLU (post-activation), as in Yamada et al.
    (2019). Nothing is trained: ``fit`` only resolves the source and checks the layer, and
    ``transform`` runs the network in eval mode under ``torch.no_grad`` in batches.

    Parameters
    ----------
    source : SourceModel or str
        The pretrained network, or its model id in ``library``.
    layer : int, "last", "all" or list of int, default=-1
        Hidden layer, 0-based (-1 is the last hidden layer, -2 the one before ...); "all" or
        a list concatenates several layers in network order. Checked in ``fit``: a bool
        (``True`` is an int to Python) or an index out of range raises a ``ValueError``.
    library : ModelLibrary or None, default=None
        Where a model id given as ``source`` is looked up.
    precomputed : bool, default=False
        ``X`` is the source featurizer's descriptor matrix rather than raw inputs, so that a
        pipeline featurizes once for many frozen networks.
    with_descriptor : bool, default=False
        Append the source's own (unscaled) descriptor columns to the frozen features, so
        that a downstream model can fall back on the raw descriptor.
    with_prediction : bool, default=False
        Append the source network's own prediction of its property (in the form it was
        trained on, see ``SourceModel.target_transform``; class probabilities for a
        classifier), after the hidden features: stacking, useful when the source property
        is the target's or a close relative.

    Attributes
    ----------
    source_ : SourceModel
        The resolved source network.
    layers_ : list of int
        Selected hidden layers (0-based).
    feature_names_out_ : ndarray of str
        ``"<model id>/h<k>_<j>"`` for unit ``j`` of hidden layer ``k`` (1-based, so ``h1`` is
        the first hidden layer), then ``"<model id>/<descriptor column name>"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun import FrozenNetFeaturizer, ShotgunPretrainer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 12))
    >>> pool = ShotgunPretrainer(n_models=1, max_epochs=5, random_state=0, verbose=0)
    >>> source = pool.fit(X, X[:, 0]).library_[0]
    >>> H = FrozenNetFeaturizer(source, precomputed=True).fit_transform(X)
    >>> H.shape[1] == source.hidden_widths[-1]
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "source": "no_validation",  # a SourceModel or a model id: checked when resolved
        "layer": [numbers.Integral, StrOptions({"last", "all"}), list, tuple, np.ndarray],
        "library": "no_validation",
        "precomputed": ["boolean"],
        "with_descriptor": ["boolean"],
        "with_prediction": ["boolean"],
    }

    def __init__(
        self,
        source: Any,
        layer: int | str | Sequence[int] = -1,
        *,
        library: Any = None,
        precomputed: bool = False,
        with_descriptor: bool = False,
        with_prediction: bool = False,
    ) -> None:
        self.source = source
        self.layer = layer
        self.library = library
        self.precomputed = precomputed
        self.with_descriptor = with_descriptor
        self.with_prediction = with_prediction

    def _resolve_source(self) -> Any:
        # Duck-typed rather than isinstance(SourceModel): featurizers/ must not import
        # library/, which imports featurizers/ (tests/test_import_graph.py).
        if all(hasattr(self.source, name) for name in _SOURCE_INTERFACE):
            return self.source
        if isinstance(self.source, str):
            if self.library is None:
                raise ValueError(f"source {self.source!r} is a model id but no library was given.")
            if self.source not in self.library:
                raise ValueError(f"Model {self.source!r} is not in the library.")
            return self.library[self.source]
        raise ValueError(f"source must be a SourceModel or a model id, got {type(self.source)}.")

    def fit(self, X: Any, y: Any = None) -> FrozenNetFeaturizer:
        """Resolve the source network and check ``X``.

        Parameters
        ----------
        X : raw inputs, or the descriptor matrix with ``precomputed=True``
        y : ignored

        Returns
        -------
        self
        """
        validate_params(self)  # types (no bool for layer); the layer's range below
        source = self._resolve_source()
        self.layers_ = resolve_layers(self.layer, source.n_hidden)
        if self.precomputed:
            X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64))
            if X.shape[1] <= int(np.max(source.columns)):
                raise ValueError(
                    f"precomputed=True needs the full descriptor matrix of {source.id!r} "
                    f"(at least {int(np.max(source.columns)) + 1} columns), got "
                    f"n_features={X.shape[1]}."
                )
        else:
            if source.featurizer is None:
                raise ValueError(
                    f"{source.id!r} was trained on precomputed descriptors; use precomputed=True."
                )
            self.featurizer_ = source.make_featurizer().fit(X)
            self.n_features_in_ = 1
        self.source_ = source
        names = [
            f"{source.id}/h{k + 1}_{j:02d}"
            for k in self.layers_
            for j in range(source.hidden_widths[k])
        ]
        if self.with_prediction:
            n_pred = len(source.classes) if source.task == "classification" else 1
            names += [f"{source.id}/prediction_{j}" for j in range(n_pred)]
        if self.with_descriptor:
            names += [f"{source.id}/{n}" for n in self._descriptor_names(source)]
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def _descriptor_names(self, source: Any) -> list[str]:
        if source.featurizer is None:
            return [f"x{c}" for c in source.columns]
        # Featurizers are stateless and their names depend on the parameters only; "C"
        # (methane, or carbon as a formula) is valid for every one of them.
        names = source.make_featurizer().fit(["C"]).get_feature_names_out()
        return [str(names[c]) for c in source.columns]

    def descriptors(self, X: Any) -> Any:
        """The source featurizer's descriptor matrix of ``X`` (``X`` itself if precomputed)."""
        check_is_fitted(self, "source_")
        if self.precomputed:
            return validate_data(
                self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=False
            )
        return self.featurizer_.transform(X)

    def transform(self, X: Any) -> np.ndarray:
        """Frozen hidden-layer features of ``X``.

        Parameters
        ----------
        X : raw inputs, or the descriptor matrix with ``precomputed=True``

        Returns
        -------
        ndarray of float32, shape (n_samples, n_features_out)
        """
        return self.transform_descriptors(self.descriptors(X))

    def transform_descriptors(self, D: Any) -> np.ndarray:
        """Frozen features from an already computed descriptor matrix ``D``."""
        check_is_fitted(self, "source_")
        source = self.source_
        parts = [source.transform(D, layer=self.layers_, precomputed=True)]
        parts += appended_columns(source, D, self.with_prediction, self.with_descriptor)
        return parts[0] if len(parts) == 1 else np.hstack(parts)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.string = not self.precomputed
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns (see ``feature_names_out_``)."""
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
