"""Training many small pyramid networks at once.

The pretraining pool of shotgun transfer learning holds hundreds to thousands of small networks,
each on its own column subset and bootstrap sample. Trained one by one, each step is a handful of
tiny matrix products dominated by Python and framework overhead. :func:`train_models` instead
stacks all networks of the same depth into zero-padded 3-D weight tensors and trains them
together with batched matrix products and a fused Adam step (``engine="batched"``). A one-by-one
skorch reference engine (``engine="skorch"``) is kept to check and benchmark it against.

Scaling conventions (both engines)
----------------------------------
* Inputs: each model sees ``(X[:, columns] - x_mean) / x_scale`` where ``x_mean`` and ``x_scale``
  are the mean and population standard deviation of its *bootstrap sample* (``X[train_rows]``,
  repeats included, i.e. the data it is trained on); constant columns get ``x_scale = 1``.
* Regression targets: the net predicts ``(y - y_mean) / y_scale`` with the mean and population
  standard deviation of ``y[train_rows]`` (``y_scale = 1`` for a constant target). Losses and
  ``valid_loss`` are on this standardised scale. Classification uses raw logits and cross-entropy
  (``y_mean = 0``, ``y_scale = 1``).
* Early stopping: an epoch improves when its valid loss is strictly lower than the best so far;
  training stops after ``patience`` consecutive epochs without improvement and the weights of the
  best epoch are returned (also when ``patience`` is None, as long as ``valid_rows`` is not empty).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
from torch.nn import functional as F
from torch.optim.adam import adam as _adam_functional

from .pyramid import PyramidNet, init_pyramid_parameters

__all__ = ["ModelSpec", "TrainResult", "predict_state_dict", "train_models"]

_TASKS = ("regression", "classification")
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8
# Cap on the padded parameters trained together: bounds memory (params, grads, two Adam moments,
# best weights) to roughly 24 bytes per parameter.
_MAX_GROUP_PARAMS = 2**24
# Cap on the activations of one validation chunk (models x rows x widest layer, float32).
_MAX_EVAL_ELEMENTS = 2**24
# torch.optim.adam.adam(fused=True) runs on CPU since torch 2.4 (CUDA before).
_FUSED_ADAM = hasattr(torch, "_fused_adam_")


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
        Validation loss of every epoch.
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


def predict_state_dict(
    state_dict: dict[str, np.ndarray], X_cols_scaled: np.ndarray, activation: str = "relu"
) -> np.ndarray:
    """Forward pass of a stored network.

    Parameters
    ----------
    state_dict : dict of str to numpy.ndarray
        A :attr:`TrainResult.state_dict`.
    X_cols_scaled : numpy.ndarray of shape (n_samples, d_in)
        Inputs already restricted to the model's columns and scaled with ``x_mean`` / ``x_scale``.
    activation : str, default="relu"

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_out)
        Raw outputs (standardised target for regression, logits for classification).
    """
    n_layers = len(state_dict) // 2
    arch = [state_dict["linears.0.weight"].shape[1]]
    arch += [state_dict[f"linears.{i}.weight"].shape[0] for i in range(n_layers)]
    net = PyramidNet(arch, activation=activation)
    net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state_dict.items()})
    with torch.no_grad():
        out = net(torch.as_tensor(np.asarray(X_cols_scaled, dtype=np.float32)))
    return out.numpy()


# --------------------------------------------------------------------------- validation


def _check_inputs(specs: Sequence[ModelSpec], X, y) -> tuple[object, np.ndarray]:
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float32)
        X.sort_indices()
    else:
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {X.shape}")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with {X.shape[0]} entries, got shape {y.shape}")
    n_rows, n_cols = X.shape
    for i, spec in enumerate(specs):
        arch = list(spec.architecture)
        if spec.task not in _TASKS:
            raise ValueError(f"spec {i}: task must be one of {_TASKS}, got {spec.task!r}")
        if len(arch) < 3 or min(arch) < 1:
            raise ValueError(f"spec {i}: invalid architecture {arch}")
        cols = np.asarray(spec.columns)
        if arch[0] != len(cols):
            raise ValueError(f"spec {i}: architecture[0]={arch[0]} != len(columns)={len(cols)}")
        if len(cols) and (cols.min() < 0 or cols.max() >= n_cols):
            raise ValueError(f"spec {i}: columns out of range for X with {n_cols} columns")
        for name in ("train_rows", "valid_rows"):
            rows = np.asarray(getattr(spec, name))
            if len(rows) and (rows.min() < 0 or rows.max() >= n_rows):
                raise ValueError(f"spec {i}: {name} out of range for X with {n_rows} rows")
        if len(spec.train_rows) == 0:
            raise ValueError(f"spec {i}: train_rows is empty")
        if spec.batch_size < 1 or spec.max_epochs < 1 or spec.learning_rate <= 0:
            raise ValueError(f"spec {i}: batch_size, max_epochs and learning_rate must be positive")
        if spec.patience is not None and spec.patience < 1:
            raise ValueError(f"spec {i}: patience must be None or >= 1, got {spec.patience}")
        if spec.task == "regression" and arch[-1] != 1:
            raise ValueError(f"spec {i}: regression needs one output, got {arch[-1]}")
        if spec.task == "classification":
            codes = y[np.asarray(spec.train_rows)]
            if not np.issubdtype(codes.dtype, np.integer):
                raise ValueError(f"spec {i}: classification needs integer class codes in y")
            if codes.min() < 0 or codes.max() >= arch[-1]:
                raise ValueError(f"spec {i}: class codes must lie in [0, {arch[-1]})")
    return X, y


def _check_device(device: str) -> torch.device:
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} requested but no CUDA GPU is available")
    return dev


def _scaling(X, y, spec: ModelSpec) -> tuple[np.ndarray, np.ndarray, float, float]:
    rows = np.asarray(spec.train_rows, dtype=np.int64)
    cols = np.asarray(spec.columns, dtype=np.int64)
    sub = X[rows][:, cols]
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


# --------------------------------------------------------------------------- public entry


def train_models(
    specs: Sequence[ModelSpec],
    X,
    y,
    *,
    engine: str = "batched",
    device: str = "cpu",
    callback: Callable[[int], object] | None = None,
) -> list[TrainResult]:
    """Train a pool of pyramid networks.

    Parameters
    ----------
    specs : sequence of ModelSpec
        One entry per network.
    X : numpy.ndarray or scipy.sparse matrix of shape (n_samples, n_features)
        Descriptors, shared by all models (each uses its own ``columns``). Sparse input (e.g.
        binary or count fingerprints) is exploited in the first layer by the batched engine.
    y : numpy.ndarray of shape (n_samples,)
        Float targets (regression) or integer class codes (classification).
    engine : {"batched", "skorch"}, default="batched"
        ``"batched"`` trains all models of the same depth together with zero-padded batched matrix
        products and a vectorised Adam; ``"skorch"`` trains them one by one with skorch (the
        reference implementation). Both use the same initialisation, scaling, Adam
        hyper-parameters and early-stopping rule; they differ only in the order of the mini-batch
        shuffles and in floating-point rounding.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``. A ValueError is raised if CUDA is requested but absent.
    callback : callable or None, default=None
        Called as ``callback(n_done)`` with the cumulative number of finished models whenever
        models finish (for a progress bar).

    Returns
    -------
    list of TrainResult
        In the order of ``specs``. Scaling conventions are described in the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype(np.float32)
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> spec = ModelSpec([3, 8, 4, 1], np.array([0, 1, 2]), rng.integers(0, 150, 150),
    ...                  np.arange(150, 200), 1e-2, 20, 32, 5, seed=0)
    >>> res = train_models([spec], X, y)
    >>> res[0].valid_loss < 0.5
    True
    """
    specs = list(specs)
    if engine not in ("batched", "skorch"):
        raise ValueError(f"engine must be 'batched' or 'skorch', got {engine!r}")
    dev = _check_device(device)
    X, y = _check_inputs(specs, X, y)
    if not specs:
        return []
    if engine == "skorch":
        from ._skorch_engine import train_skorch

        return train_skorch(specs, X, y, device=dev, callback=callback)
    return _train_batched(specs, X, y, device=dev, callback=callback)


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


def _n_params(arch: Sequence[int]) -> int:
    return sum((a + 1) * b for a, b in itertools.pairwise(arch))


def _seeded_init(spec: ModelSpec) -> tuple[dict[str, torch.Tensor], torch.Generator]:
    gen = torch.Generator().manual_seed(int(spec.seed))
    return init_pyramid_parameters(spec.architecture, gen), gen


# --------------------------------------------------------------------------- batched engine


def _plan_groups(specs: Sequence[ModelSpec]) -> list[list[int]]:
    """Split specs into groups of equal depth, task and output width, each within the memory cap.

    Sorting by size inside a depth class keeps similar widths together, which limits padding.
    """
    by_key: dict[tuple, list[int]] = {}
    for i, spec in enumerate(specs):
        key = (len(spec.architecture), spec.task, spec.architecture[-1])
        by_key.setdefault(key, []).append(i)
    groups = []
    for key in sorted(by_key):
        idx = sorted(by_key[key], key=lambda i: -_n_params(specs[i].architecture))
        current: list[int] = []
        widths: list[int] = []
        for i in idx:
            arch = specs[i].architecture
            new_widths = (
                [max(a, b) for a, b in zip(widths, arch, strict=True)] if widths else list(arch)
            )
            if current and (len(current) + 1) * _n_params(new_widths) > _MAX_GROUP_PARAMS:
                groups.append(current)
                current, new_widths = [], list(arch)
            current.append(i)
            widths = new_widths
        groups.append(current)
    return groups


class _BatchedGroup:
    """Models of equal depth stacked into zero-padded tensors and trained together.

    Weights are stored as ``(n_models, fan_in, fan_out)`` so that a layer is one ``baddbmm``.
    Padded units have zero weights and biases; with ReLU their activations and all their gradients
    are exactly zero, so they never influence the real units (and Adam leaves zero parameters
    with zero gradients at zero).
    """

    def __init__(self, ids, specs, scalings, data, device):
        # Models with more steps per epoch first: at any step the models still inside their
        # epoch are then a prefix of the stack, and slicing a prefix is free (a view).
        self.ids = sorted(
            ids, key=lambda i: -(-len(specs[i].train_rows) // specs[i].batch_size), reverse=True
        )
        ids = self.ids
        self.data = data
        self.device = device
        M = len(ids)
        archs = [list(specs[i].architecture) for i in ids]
        self.n_layers = len(archs[0]) - 1
        self.widths = [max(a[k] for a in archs) for k in range(self.n_layers + 1)]
        self.task = specs[ids[0]].task
        D = self.widths[0]

        weights = [torch.zeros(M, a, b) for a, b in itertools.pairwise(self.widths)]
        biases = [torch.zeros(M, b) for b in self.widths[1:]]
        self.gens = []
        for m, i in enumerate(ids):
            state, gen = _seeded_init(specs[i])
            self.gens.append(gen)
            for k in range(self.n_layers):
                w = state[f"linears.{k}.weight"]
                weights[k][m, : w.shape[1], : w.shape[0]] = w.T
                biases[k][m, : w.shape[0]] = state[f"linears.{k}.bias"]
        self.params = [t.to(device).requires_grad_() for t in weights + biases]
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.best = [p.detach().clone() for p in self.params]

        cols = np.zeros((M, D), dtype=np.int64)
        x_mean = np.zeros((M, D), dtype=np.float32)
        # inv_scale = 0 on padded inputs zeroes them whatever column they gather.
        inv_scale = np.zeros((M, D), dtype=np.float32)
        for m, i in enumerate(ids):
            d = len(specs[i].columns)
            cols[m, :d] = specs[i].columns
            x_mean[m, :d] = scalings[i][0]
            inv_scale[m, :d] = 1.0 / scalings[i][1]
        self.cols = torch.from_numpy(cols).to(device)
        self.x_mean = torch.from_numpy(x_mean).to(device)
        self.inv_scale = torch.from_numpy(inv_scale).to(device)
        if data["sparse"]:
            colmap = np.full((M, data["n_features"]), -1, dtype=np.int64)
            for m, i in enumerate(ids):
                colmap[m, specs[i].columns] = np.arange(len(specs[i].columns))
            self.colmap = torch.from_numpy(colmap).to(device)
        self.y_mean = torch.tensor(
            [scalings[i][2] for i in ids], dtype=torch.float32, device=device
        )
        self.y_scale = torch.tensor(
            [scalings[i][3] for i in ids], dtype=torch.float32, device=device
        )
        self.lr = torch.tensor(
            [specs[i].learning_rate for i in ids], dtype=torch.float32, device=device
        )
        self.lr_list = [float(specs[i].learning_rate) for i in ids]
        self.step = torch.zeros(M, dtype=torch.float32, device=device)
        self.fused_steps = torch.zeros(M, len(self.params), dtype=torch.float32, device=device)
        self.fused = _FUSED_ADAM
        self._fused_views()

        self.train_rows = [np.asarray(specs[i].train_rows, dtype=np.int64) for i in ids]
        self.batch_size = np.array([specs[i].batch_size for i in ids])
        self.max_epochs = np.array([specs[i].max_epochs for i in ids])
        self.patience = np.array(
            [np.inf if specs[i].patience is None else specs[i].patience for i in ids]
        )
        valid = [np.asarray(specs[i].valid_rows, dtype=np.int64) for i in ids]
        self.has_valid = np.array([len(v) > 0 for v in valid])
        v_max = max(1, max(len(v) for v in valid))
        v_rows = np.zeros((M, v_max), dtype=np.int64)
        v_w = np.zeros((M, v_max), dtype=np.float32)
        for m, v in enumerate(valid):
            v_rows[m, : len(v)] = v
            v_w[m, : len(v)] = 1.0 / max(1, len(v))
        self.valid_rows = torch.from_numpy(v_rows).to(device)
        self.valid_w = torch.from_numpy(v_w).to(device)

        self.best_loss = np.full(M, np.inf)
        self.best_epoch = np.zeros(M, dtype=np.int64)
        self.bad_epochs = np.zeros(M, dtype=np.int64)
        self.history: list[list[float]] = [[] for _ in ids]

    # ---- bookkeeping

    @property
    def n_models(self) -> int:
        return len(self.ids)

    def select(self, keep: np.ndarray) -> None:
        """Drop finished models so that later epochs do not compute them."""
        idx = torch.from_numpy(keep).to(self.device)
        self.params = [p.detach()[idx].requires_grad_() for p in self.params]
        for name in ("exp_avg", "exp_avg_sq", "best"):
            setattr(self, name, [t[idx] for t in getattr(self, name)])
        for name in (
            "cols",
            "x_mean",
            "inv_scale",
            "y_mean",
            "y_scale",
            "lr",
            "step",
            "fused_steps",
        ):
            setattr(self, name, getattr(self, name)[idx])
        if self.data["sparse"]:
            self.colmap = self.colmap[idx]
        self.valid_rows, self.valid_w = self.valid_rows[idx], self.valid_w[idx]
        for name in ("ids", "gens", "train_rows", "history", "lr_list"):
            setattr(self, name, [getattr(self, name)[k] for k in keep])
        for name in (
            "batch_size", "max_epochs", "patience", "has_valid", "best_loss", "best_epoch",
            "bad_epochs",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name)[keep])
        self._fused_views()

    def best_state(self, m: int, arch: Sequence[int]) -> dict[str, np.ndarray]:
        state = {}
        L = self.n_layers
        for k in range(L):
            w = self.best[k][m, : arch[k], : arch[k + 1]]
            state[f"linears.{k}.weight"] = w.T.contiguous().cpu().numpy()
            state[f"linears.{k}.bias"] = self.best[L + k][m, : arch[k + 1]].cpu().numpy()
        return state

    # ---- forward

    def _first_layer(self, rows: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor):
        # rows covers the first rows.shape[0] models of the stack (see train_epoch).
        data, k = self.data, rows.shape[0]
        x_mean, inv_scale = self.x_mean[:k], self.inv_scale[:k]
        if not data["sparse"]:
            xb = data["X"][rows[:, :, None], self.cols[:k, None, :]]
            xb = (xb - x_mean[:, None, :]) * inv_scale[:, None, :]
            return torch.baddbmm(bias[:, None, :], xb, weight)
        # Sparse inputs: W (x - mu) / s = W (x / s) - W (mu / s). The first term sums the rows of W
        # picked by each sample's nonzeros (an embedding bag with the scaled values as weights),
        # the second is one per-model bias shift; nothing of size X[rows] is ever densified.
        M, R = rows.shape
        D, H = weight.shape[1], weight.shape[2]
        flat = rows.reshape(-1)
        start = data["indptr"][flat]
        count = data["indptr"][flat + 1] - start
        bag = torch.repeat_interleave(torch.arange(M * R, device=self.device), count)
        first = torch.cumsum(count, 0) - count
        pos = torch.arange(bag.shape[0], device=self.device) - first[bag] + start[bag]
        model = torch.div(bag, R, rounding_mode="floor")
        local = self.colmap[:k][model, data["indices"][pos]]
        keep = local >= 0
        bag, local, model = bag[keep], local[keep], model[keep]
        values = data["values"][pos][keep] * inv_scale[model, local]
        counts = torch.bincount(bag, minlength=M * R)
        offsets = torch.cumsum(counts, 0) - counts
        h = F.embedding_bag(
            model * D + local, weight.reshape(M * D, H), offsets, mode="sum",
            per_sample_weights=values,
        )  # fmt: skip
        shift = torch.bmm((x_mean * inv_scale)[:, None, :], weight)[:, 0, :]
        return h.reshape(M, R, H) + (bias - shift)[:, None, :]

    def forward(self, rows: torch.Tensor, params=None) -> torch.Tensor:
        params = self.params if params is None else params
        k = rows.shape[0]
        if k < self.n_models:
            params = [p[:k] for p in params]
        L = self.n_layers
        h = self._first_layer(rows, params[0], params[L])
        for k in range(1, L):
            h = torch.baddbmm(params[L + k][:, None, :], torch.relu(h), params[k])
        return h

    def sample_loss(self, out: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        target = self.data["y"][rows]
        if self.task == "regression":
            k = rows.shape[0]
            target = (target - self.y_mean[:k, None]) / self.y_scale[:k, None]
            return (out[..., 0] - target) ** 2
        M, R, C = out.shape
        return F.cross_entropy(out.reshape(M * R, C), target.reshape(-1), reduction="none").view(
            M, R
        )

    # ---- training

    def _fused_views(self) -> None:
        """Per-model views of the parameters and Adam moments, for the fused Adam kernel."""
        views = []
        for m in range(self.n_models):
            views.append(
                (
                    [p.detach()[m] for p in self.params],
                    [t[m] for t in self.exp_avg],
                    [t[m] for t in self.exp_avg_sq],
                    # One step counter per tensor: the kernel increments each one it is given.
                    [self.fused_steps[m, k] for k in range(len(self.params))],
                    float(self.lr_list[m]),
                )
            )
        self.views = views

    def adam_step(self, grads, active: np.ndarray | None) -> None:
        """One Adam step (as ``torch.optim.Adam``) with per-model learning rates.

        Models whose ``active`` entry is False are left untouched (moments and step count
        included). The fused kernel is called once per model on views of the stacked tensors,
        which reads and writes each parameter once instead of the ~7 passes of a vectorised
        update; the vectorised update is the fallback where the kernel is unavailable.
        """
        if self.fused:
            try:
                self._fused_adam_step(grads, active)
                return
            except (RuntimeError, NotImplementedError):
                self.fused = False
        self._vectorised_adam_step(grads, active)

    def _fused_adam_step(self, grads, active) -> None:
        models = np.arange(self.n_models) if active is None else np.flatnonzero(active)
        for m in models:
            params, exp_avg, exp_avg_sq, steps, lr = self.views[m]
            _adam_functional(
                params, [g[m] for g in grads], exp_avg, exp_avg_sq, [], steps, fused=True,
                amsgrad=False, beta1=_BETA1, beta2=_BETA2, lr=lr, weight_decay=0.0, eps=_EPS,
                maximize=False,
            )  # fmt: skip
        self.step[torch.from_numpy(models).to(self.device)] += 1

    def _vectorised_adam_step(self, grads, active) -> None:
        on = torch.ones(self.n_models, device=self.device)
        if active is not None:
            on = torch.from_numpy(active.astype(np.float32)).to(self.device)
        self.step += on
        t = self.step.clamp(min=1.0)
        step_size = on * self.lr / (1.0 - _BETA1**t)
        sqrt_bc2 = torch.sqrt(1.0 - _BETA2**t)
        w1, w2 = on * (1.0 - _BETA1), on * (1.0 - _BETA2)
        with torch.no_grad():
            for p, g, m1, m2 in zip(self.params, grads, self.exp_avg, self.exp_avg_sq, strict=True):
                shape = (-1,) + (1,) * (p.dim() - 1)
                m1.lerp_(g, w1.view(shape))
                m2.lerp_(g * g, w2.view(shape))
                denom = (m2.sqrt() / sqrt_bc2.view(shape)).add_(_EPS)
                p.addcdiv_(m1 * step_size.view(shape), denom, value=-1.0)
        # Keep the fused kernel's counters in sync in case both paths are ever mixed.
        self.fused_steps.copy_(self.step[:, None].expand_as(self.fused_steps))

    def epoch_batches(self) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """Each model's own shuffled bootstrap rows for one epoch, padded to a common shape."""
        n_steps = np.array(
            [-(-len(r) // b) for r, b in zip(self.train_rows, self.batch_size, strict=True)],
            dtype=np.int64,
        )
        S, B = int(n_steps.max()), int(self.batch_size.max())
        rows = np.zeros((self.n_models, S, B), dtype=np.int64)
        weights = np.zeros((self.n_models, S, B), dtype=np.float32)
        for m, (train, b, gen) in enumerate(
            zip(self.train_rows, self.batch_size, self.gens, strict=True)
        ):
            perm = torch.randperm(len(train), generator=gen).numpy()
            n = len(train)
            padded = np.zeros(n_steps[m] * b, dtype=np.int64)
            padded[:n] = train[perm]
            rows[m, : n_steps[m], :b] = padded.reshape(n_steps[m], b)
            sizes = np.full(n_steps[m], b, dtype=np.float32)
            sizes[-1] = n - b * (n_steps[m] - 1)
            mask = np.arange(n_steps[m] * b).reshape(n_steps[m], b) < n
            weights[m, : n_steps[m], :b] = mask / sizes[:, None]
        return (
            torch.from_numpy(rows).to(self.device),
            torch.from_numpy(weights).to(self.device),
            n_steps,
        )

    def train_epoch(self) -> None:
        rows, weights, n_steps = self.epoch_batches()
        # n_steps is non-increasing along the stack, so the models still inside their epoch at
        # step s are the first k; the others are neither computed nor updated.
        for s in range(rows.shape[1]):
            k = int((n_steps > s).sum())
            r = rows[:k, s]
            out = self.forward(r)
            loss = (self.sample_loss(out, r) * weights[:k, s]).sum()
            grads = torch.autograd.grad(loss, self.params)
            self.adam_step(grads, None if k == self.n_models else n_steps > s)

    @torch.no_grad()
    def valid_losses(self) -> np.ndarray:
        M, V = self.valid_rows.shape
        chunk = max(1, _MAX_EVAL_ELEMENTS // (M * max(self.widths)))
        total = torch.zeros(M, dtype=torch.float64, device=self.device)
        params = [p.detach() for p in self.params]
        for lo in range(0, V, chunk):
            r = self.valid_rows[:, lo : lo + chunk]
            out = self.forward(r, params)
            total += (self.sample_loss(out, r) * self.valid_w[:, lo : lo + chunk]).sum(1).double()
        losses = total.cpu().numpy()
        losses[~self.has_valid] = np.nan
        return losses


def _prepare_data(X, y, task_needs_int: bool, device: torch.device) -> dict:
    data = {"n_features": X.shape[1], "sparse": sp.issparse(X)}
    if data["sparse"]:
        data["indptr"] = torch.from_numpy(X.indptr.astype(np.int64)).to(device)
        data["indices"] = torch.from_numpy(X.indices.astype(np.int64)).to(device)
        data["values"] = torch.from_numpy(X.data.astype(np.float32)).to(device)
    else:
        # joblib hands workers read-only memory maps; torch wants writable memory.
        data["X"] = torch.from_numpy(X if X.flags.writeable else X.copy()).to(device)
    data["y"] = torch.from_numpy(np.asarray(y, dtype=np.float32)).to(device)
    if task_needs_int:
        data["y_int"] = torch.from_numpy(np.asarray(y).astype(np.int64)).to(device)
    return data


def _train_batched(specs, X, y, *, device, callback) -> list[TrainResult]:
    scalings = [_scaling(X, y, spec) for spec in specs]
    needs_int = any(spec.task == "classification" for spec in specs)
    data = _prepare_data(X, y, needs_int, device)
    results: list[TrainResult | None] = [None] * len(specs)
    n_done = 0
    for ids in _plan_groups(specs):
        group_data = dict(data)
        if specs[ids[0]].task == "classification":
            group_data["y"] = data["y_int"]
        group = _BatchedGroup(ids, specs, scalings, group_data, device)
        epoch = 0
        while group.n_models:
            epoch += 1
            group.train_epoch()
            losses = group.valid_losses()
            improved = (losses < group.best_loss) | ~group.has_valid
            for m in range(group.n_models):
                group.history[m].append(float(losses[m]))
            idx = np.flatnonzero(improved)
            if len(idx):
                sel = torch.from_numpy(idx).to(device)
                for best, p in zip(group.best, group.params, strict=True):
                    best[sel] = p.detach()[sel]
            group.best_loss[improved] = losses[improved]
            group.best_epoch[improved] = epoch
            group.bad_epochs[improved] = 0
            group.bad_epochs[~improved] += 1
            done = (group.bad_epochs >= group.patience) | (epoch >= group.max_epochs)
            if not done.any():
                continue
            for m in np.flatnonzero(done):
                i = group.ids[m]
                results[i] = _finish_result(
                    group.best_state(m, specs[i].architecture),
                    scalings[i],
                    epoch,
                    group.best_epoch[m],
                    group.best_loss[m] if group.has_valid[m] else np.nan,
                    group.history[m],
                )
            n_done += int(done.sum())
            if callback is not None:
                callback(n_done)
            group.select(np.flatnonzero(~done))
    return results
