"""Reference engine: train pyramid networks one at a time with skorch."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._common import _finish_result, _scaling, _seeded_init
from .pyramid import PyramidNet


def _design(X, rows, cols, x_mean, x_scale) -> np.ndarray:
    sub = X[rows][:, cols]
    if sp.issparse(sub):
        sub = sub.toarray()
    return ((sub - x_mean) / x_scale).astype(np.float32)


def train_skorch(specs, X, y, *, device, callback=None):
    """Train each spec with skorch (see :func:`sklearn_shotgun.nets.ensemble.train_models`)."""
    results = []
    for n_done, spec in enumerate(specs, start=1):
        scaling = _scaling(X, y, spec)
        x_mean, x_scale, y_mean, y_scale = scaling
        train = np.asarray(spec.train_rows, dtype=np.int64)
        valid = np.asarray(spec.valid_rows, dtype=np.int64)
        cols = np.asarray(spec.columns, dtype=np.int64)
        X_tr = _design(X, train, cols, x_mean, x_scale)
        if spec.task == "regression":
            cls = NeuralNetRegressor
            extra = {}
            y_tr = ((y[train] - y_mean) / y_scale).astype(np.float32)[:, None]
            y_va = ((y[valid] - y_mean) / y_scale).astype(np.float32)[:, None]
        else:
            cls = NeuralNetClassifier
            extra = {
                "criterion": torch.nn.CrossEntropyLoss,
                "classes": list(range(spec.architecture[-1])),
            }
            y_tr, y_va = y[train].astype(np.int64), y[valid].astype(np.int64)
        init_state, gen = _seeded_init(spec)
        has_valid = len(valid) > 0
        callbacks = []
        if has_valid:
            patience = spec.max_epochs + 1 if spec.patience is None else spec.patience
            # threshold=0: improving means strictly lower loss, as in the batched engine.
            callbacks.append(
                EarlyStopping(
                    monitor="valid_loss", patience=patience, threshold=0.0, load_best=True
                )
            )
            split = predefined_split(Dataset(_design(X, valid, cols, x_mean, x_scale), y_va))
        else:
            split = None
        net = cls(
            PyramidNet,
            module__architecture=list(spec.architecture),
            optimizer=torch.optim.Adam,
            lr=spec.learning_rate,
            max_epochs=spec.max_epochs,
            batch_size=spec.batch_size,
            iterator_train__shuffle=True,
            iterator_train__generator=gen,
            train_split=split,
            callbacks=callbacks,
            device=str(device),
            verbose=0,
            **extra,
        )
        net.initialize()
        net.module_.load_state_dict(init_state)
        net.partial_fit(X_tr, y_tr)
        history = list(net.history[:, "valid_loss"]) if has_valid else [np.nan] * len(net.history)
        if has_valid:
            best_epoch = (
                int(callbacks[0].best_epoch_) if hasattr(callbacks[0], "best_epoch_") else 0
            )
            valid_loss = float(np.nanmin(history))
        else:
            best_epoch, valid_loss = len(net.history), np.nan
        state = {k: v.detach().cpu().numpy() for k, v in net.module_.state_dict().items()}
        results.append(
            _finish_result(state, scaling, len(net.history), best_epoch, valid_loss, history)
        )
        if callback is not None:
            callback(n_done)
    return results
