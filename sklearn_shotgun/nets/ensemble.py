"""Training many small pyramid networks at once.

The pretraining pool of shotgun transfer learning holds hundreds to thousands of small networks,
each on its own column subset and bootstrap sample. Trained one by one, each step is a handful of
tiny matrix products dominated by Python and framework overhead. :func:`train_models` instead
stacks networks of the same depth and similar widths, a few at a time, into zero-padded 3-D weight
tensors and trains them together with batched matrix products and a fused Adam step
(``engine="batched"``, in ``_batched``). A one-by-one skorch reference engine
(``engine="skorch"``, in ``_skorch_engine``) is kept to check and benchmark it against. Both
share ``_common`` and do not import each other.

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
  With ``ModelSpec.valid_every = k`` only every k-th epoch (and the last) is evaluated; training
  stops at the first evaluated epoch at least ``patience`` epochs after the best one.

Threads
-------
With two or more torch threads on a machine whose cores are busy with other work, OpenMP's default
busy-waiting made training 5-45x slower than with one thread. ``import sklearn_shotgun`` therefore
sets ``OMP_WAIT_POLICY=PASSIVE`` unless the variable is already set; it only takes effect if torch
(and its OpenMP runtime) is imported after sklearn_shotgun, so set it in the environment when
torch comes first. ``ShotgunPretrainer(n_jobs=k)`` also gives each worker ``cpu_count // k``
threads.

The batched engine on CPU uses its ``torch.get_num_threads()`` threads to train that many groups
of networks side by side, each op on one torch thread: a group's matrix products (a few networks
x 128 rows) ran slower, not faster, when split over two OpenMP threads. Its results are therefore
the same, bit for bit, whatever the number of threads.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from ._batched import GROUP_SIZE, train_batched
from ._common import ModelSpec, TrainResult
from .pyramid import PyramidNet

__all__ = ["ModelSpec", "TrainResult", "predict_state_dict", "train_models"]

_TASKS = ("regression", "classification")
_PRECISIONS = ("fp32", "bf16")


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
        if not isinstance(spec.valid_every, numbers.Integral) or spec.valid_every < 1:
            raise ValueError(
                f"spec {i}: valid_every must be an integer >= 1, got {spec.valid_every}"
            )
        if spec.task == "regression" and arch[-1] != 1:
            raise ValueError(f"spec {i}: regression needs one output, got {arch[-1]}")
        if spec.task == "classification":
            codes = y[np.asarray(spec.train_rows)]
            if not np.issubdtype(codes.dtype, np.integer):
                raise ValueError(f"spec {i}: classification needs integer class codes in y")
            if codes.min() < 0 or codes.max() >= arch[-1]:
                raise ValueError(f"spec {i}: class codes must lie in [0, {arch[-1]})")
    return X, y


def _check_device(device: str, precision: str = "fp32") -> torch.device:
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} requested but no CUDA GPU is available")
    if precision == "bf16" and dev.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(f"precision='bf16' needs a GPU with bfloat16 support; {device!r} has none")
    return dev


def train_models(
    specs: Sequence[ModelSpec],
    X,
    y,
    *,
    engine: str = "batched",
    device: str = "cpu",
    callback: Callable[[int], object] | None = None,
    precision: str = "fp32",
    group_size: int = GROUP_SIZE,
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
        ``"batched"`` trains models of the same depth together with zero-padded batched matrix
        products and a fused Adam step; ``"skorch"`` trains them one by one with skorch (the
        reference implementation). Both use the same initialisation, scaling, Adam
        hyper-parameters and early-stopping rule; they differ only in the order of the mini-batch
        shuffles and in floating-point rounding.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``. A ValueError is raised if CUDA is requested but absent.
    callback : callable or None, default=None
        Called as ``callback(n_done)`` with the cumulative number of finished models whenever
        models finish (for a progress bar); on CPU the batched engine calls it from its
        training threads, one call at a time. An exception it raises stops the training.
    precision : {"fp32", "bf16"}, default="fp32"
        ``"bf16"`` runs the matrix products of the batched engine (training and out-of-bag
        evaluation) under bfloat16 autocast; weights, gradients, Adam moments, the sparse first
        layer (its centring shift included) and losses stay float32. The bf16 products
        themselves ran 4-9x faster than float32 on an AVX512-BF16 CPU, training 0.9-1.1x
        (``benchmarks/bench_pretrain.py``, 2026-12-05); out-of-bag losses move in the second
        or third digit. Slower
        than float32 on CPUs without bf16 instructions; on CUDA it needs a GPU with bfloat16
        (``torch.cuda.is_bf16_supported()``). ``"fp32"`` gives bit-identical results for
        identical inputs on one machine.
    group_size : int, default=4
        Most networks the batched engine trains together. Each depth class is sorted by size
        and cut into groups of at most this many; smaller groups pad less (padding is executed
        work) but pay more per-step overhead. Results change only in rounding (networks built
        before 2026-12-06 were trained in groups of 2).

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
    if precision not in _PRECISIONS:
        raise ValueError(f"precision must be one of {_PRECISIONS}, got {precision!r}")
    if not isinstance(group_size, numbers.Integral) or group_size < 1:
        raise ValueError(f"group_size must be an integer >= 1, got {group_size!r}")
    dev = _check_device(device, precision)
    X, y = _check_inputs(specs, X, y)
    if not specs:
        return []
    if engine == "skorch":
        if precision != "fp32":
            raise ValueError("precision='bf16' is only available with engine='batched'")
        if any(spec.valid_every != 1 for spec in specs):
            raise ValueError("valid_every other than 1 is only available with engine='batched'")
        from ._skorch_engine import train_skorch

        return train_skorch(specs, X, y, device=dev, callback=callback)
    return train_batched(
        specs, X, y, device=dev, callback=callback, precision=precision, group_size=group_size
    )
