"""Pieces shared by the training engines of :mod:`sklearn_shotgun.nets.ensemble`.

The batched engine (``ensemble``) and the skorch reference engine (``_skorch_engine``) both import
from here, so that neither imports the other (``ensemble`` loads the skorch engine only when asked
for it). Scaling conventions are described in the docstring of ``ensemble``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

from .pyramid import init_pyramid_parameters


@dataclass
class ModelSpec:
    """Everything needed to train one network of the pool.

    Parameters
    ----------
    architecture : list of int
        ``[d_in, h1, ..., hk, n_out]``; ``d_in == len(columns)``; ``n_out`` is 1 for regression and
        the number of classes for classification.
    columns : numpy.ndarray of int64
        Sorted column indices into ``X``.
    train_rows : numpy.ndarray of int64
        Row indices of the bootstrap sample (repeats allowed).
    valid_rows : numpy.ndarray of int64
        Out-of-bag rows, used for early stopping and for the reported validation loss.
    learning_rate : float
        Adam learning rate.
    max_epochs : int
        Maximum number of epochs.
    batch_size : int
        Mini-batch size.
    patience : int or None
        Early-stopping patience in epochs on the ``valid_rows`` loss; None disables early stopping.
    seed : int
        Seeds weight initialisation and mini-batch shuffling.
    task : {"regression", "classification"}, default="regression"
        Classification expects integer class codes ``0 .. n_out - 1`` in ``y``.
    valid_every : int, default=1
        Evaluate the ``valid_rows`` loss every ``valid_every`` epochs (and after the last
        epoch) instead of after every epoch. The out-of-bag pass took 10-15 % of the training
        time, so 5 saves most of that; early stopping and the returned best weights then only
        consider the evaluated epochs (``patience`` still counts epochs), and ``history`` holds
        NaN for the others. Only the batched engine supports values other than 1.
    """

    architecture: list[int]
    columns: np.ndarray
    train_rows: np.ndarray
    valid_rows: np.ndarray
    learning_rate: float
    max_epochs: int
    batch_size: int
    patience: int | None
    seed: int
    task: str = "regression"
    valid_every: int = 1


@dataclass
class TrainResult:
    """Outcome of training one :class:`ModelSpec`.

    Attributes
    ----------
    state_dict : dict of str to numpy.ndarray
        float32 :class:`~sklearn_shotgun.nets.pyramid.PyramidNet` state dict of the best epoch.
    x_mean, x_scale : numpy.ndarray of float32
        Input scaling; the net sees ``(X[:, columns] - x_mean) / x_scale``.
    y_mean, y_scale : float
        Target scaling (regression); 0.0 and 1.0 for classification.
    epochs_run : int
        Number of epochs trained.
    best_epoch : int
        1-based epoch whose weights are returned.
    valid_loss : float
        Best validation loss (standardised scale; NaN without validation rows).
    history : list of float
        Validation loss of every epoch (NaN for epochs not evaluated, see
        :attr:`ModelSpec.valid_every`).
    """

    state_dict: dict[str, np.ndarray]
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    epochs_run: int
    best_epoch: int
    valid_loss: float
    history: list[float] = field(default_factory=list)


def _scaling(X, y, spec: ModelSpec, block=None) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Input means and scales, target mean and scale over the spec's training rows.

    ``block``: ``X[:, spec.columns]`` when the caller has it already (slicing a sparse matrix's
    columns costs more than its rows); the result is the same.
    """
    rows = np.asarray(spec.train_rows, dtype=np.int64)
    cols = np.asarray(spec.columns, dtype=np.int64)
    sub = X[rows][:, cols] if block is None else block[rows]
    if sp.issparse(sub):
        # Two-pass variance over the nonzeros plus the implicit zeros, as accurate as the dense
        # path (E[x^2] - E[x]^2 would cancel badly for frequent bits).
        coo = sub.tocoo()
        n, d = sub.shape
        mean = np.bincount(coo.col, coo.data.astype(np.float64), minlength=d) / n
        nnz = np.bincount(coo.col, minlength=d)
        dev = (coo.data - mean[coo.col]) ** 2
        var = (np.bincount(coo.col, dev, minlength=d) + (n - nnz) * mean**2) / n
    else:
        mean = sub.mean(axis=0, dtype=np.float64)
        var = sub.var(axis=0, dtype=np.float64)
    scale = np.sqrt(var)
    # Relative threshold so that rounding noise of a constant column is not blown up.
    scale[scale <= 1e-7 * np.maximum(1.0, np.abs(mean))] = 1.0
    if spec.task == "regression":
        yt = y[rows].astype(np.float64)
        y_mean, y_scale = float(yt.mean()), float(yt.std())
        if y_scale <= 1e-12 * max(1.0, abs(y_mean)):
            y_scale = 1.0
    else:
        y_mean, y_scale = 0.0, 1.0
    return mean.astype(np.float32), scale.astype(np.float32), y_mean, y_scale


def _finish_result(state, scaling, epochs_run, best_epoch, valid_loss, history) -> TrainResult:
    x_mean, x_scale, y_mean, y_scale = scaling
    return TrainResult(
        state_dict={k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()},
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=float(y_mean),
        y_scale=float(y_scale),
        epochs_run=int(epochs_run),
        best_epoch=int(best_epoch),
        valid_loss=float(valid_loss),
        history=[float(h) for h in history],
    )


def _seeded_init(spec: ModelSpec) -> tuple[dict[str, torch.Tensor], torch.Generator]:
    gen = torch.Generator().manual_seed(int(spec.seed))
    return init_pyramid_parameters(spec.architecture, gen), gen
