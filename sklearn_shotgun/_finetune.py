"""Fine-tuning a pretrained source network on the target data (skorch)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["FineTunedClassifier", "FineTunedRegressor"]


class _FineTunedBase(BaseEstimator):
    """Shared fitting code: source weights, re-initialised last layers, small learning rate."""

    _classifier = False

    def __init__(
        self,
        source: Any,
        *,
        n_reinit: int = 1,
        learning_rate: float = 1e-4,
        max_epochs: int = 300,
        patience: int = 30,
        batch_size: int = 16,
        validation_fraction: float = 0.2,
        random_state: int | None = None,
        device: str = "cpu",
    ) -> None:
        self.source = source
        self.n_reinit = n_reinit
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.patience = patience
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device

    def _inputs(self, X: Any) -> np.ndarray:
        source = self.source
        D = source.descriptor_matrix(X) if source.featurizer is not None else X
        cols = D[:, source.columns]
        cols = cols.toarray() if sp.issparse(cols) else np.asarray(cols, dtype=np.float32)
        return ((cols - source.x_mean) / source.x_scale).astype(np.float32)

    def _module(self, n_outputs: int, seed: int) -> Any:
        import torch

        module = self.source.module(fresh=True)
        n_layers = len(module.linears)
        if not 1 <= self.n_reinit <= n_layers:
            raise ValueError(f"n_reinit must be in [1, {n_layers}], got {self.n_reinit!r}.")
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        try:
            last = module.linears[-1]
            if last.out_features != n_outputs:
                module.linears[-1] = torch.nn.Linear(last.in_features, n_outputs)
            for linear in list(module.linears)[n_layers - self.n_reinit :]:
                linear.reset_parameters()
        finally:
            torch.random.set_rng_state(generator_state)
        for param in module.parameters():
            param.requires_grad_(True)
        return module.train()

    def fit(self, X: Any, y: Any) -> _FineTunedBase:
        """Fine-tune the source network on ``(X, y)``.

        Parameters
        ----------
        X : raw inputs of the source's featurizer
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        import torch
        from skorch import NeuralNetClassifier, NeuralNetRegressor
        from skorch.callbacks import EarlyStopping
        from skorch.dataset import ValidSplit

        seed = int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        Z = self._inputs(X)
        y = np.asarray(y)
        if self._classifier:
            self.classes_, target = np.unique(y, return_inverse=True)
            target = target.astype(np.int64)
            n_outputs = len(self.classes_)
            net_class, extra = NeuralNetClassifier, {"criterion": torch.nn.CrossEntropyLoss}
        else:
            y = y.astype(np.float64)
            self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
            target = ((y - self.y_mean_) / self.y_scale_).astype(np.float32)[:, None]
            n_outputs, net_class, extra = 1, NeuralNetRegressor, {}
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.net_ = net_class(
                self._module(n_outputs, seed),
                optimizer=torch.optim.Adam,
                lr=self.learning_rate,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                train_split=ValidSplit(
                    self.validation_fraction, stratified=self._classifier, random_state=seed
                ),
                callbacks=[EarlyStopping(patience=self.patience, load_best=True)],
                device=self.device,
                verbose=0,
                **extra,
            )
            self.net_.fit(Z, target)
        self.n_epochs_ = len(self.net_.history)
        return self


class FineTunedRegressor(RegressorMixin, _FineTunedBase):
    """A source network fine-tuned on a small regression target.

    The network starts from the source's weights; its last ``n_reinit`` linear layers (1:
    the output layer only) are re-initialised, then all layers are retrained with Adam at
    a small learning rate, with early stopping on a random validation split of the target
    rows (the best epoch's weights are kept). The target is standardised with its own
    mean and standard deviation.

    Parameters
    ----------
    source : SourceModel
    n_reinit : int, default=1
    learning_rate : float, default=1e-4
    max_epochs : int, default=300
    patience : int, default=30
    batch_size : int, default=16
    validation_fraction : float, default=0.2
    random_state : int or None, default=None
    device : str, default="cpu"
    """

    def predict(self, X: Any) -> np.ndarray:
        """Predictions in the target's units."""
        check_is_fitted(self, "net_")
        out = self.net_.predict(self._inputs(X)).ravel()
        return out * self.y_scale_ + self.y_mean_


class FineTunedClassifier(ClassifierMixin, _FineTunedBase):
    """A source network fine-tuned on a small classification target (softmax output).

    See :class:`FineTunedRegressor`; the output layer is replaced by one with a unit per
    class and trained with cross-entropy.
    """

    _classifier = True

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities."""
        check_is_fitted(self, "net_")
        return self.net_.predict_proba(self._inputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
