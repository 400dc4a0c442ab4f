"""The batched engine of :func:`sklearn_shotgun.nets.ensemble.train_models`.

Networks of one depth are stacked into zero-padded ``(n_models, fan_in, fan_out)`` tensors and
trained together with batched matrix products, a backpropagation written out (no autograd graph:
:meth:`_BatchedGroup.gradients`) and the fused Adam kernel. Padding is executed work, so each
depth class is sorted by size and cut into groups of a few networks of similar widths
(:func:`plan_groups`).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import numpy as np
import scipy.sparse as sp
import torch
from torch.nn import functional as F

from ._common import ModelSpec, TrainResult, _finish_result, _scaling, _seeded_init

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8
#: Default for the most networks trained together. Fewer means less padding but smaller matrix
#: products, more Python overhead and, with two training threads, more contention for the GIL
#: (every op releases and takes it again). On 32-network chunks of the default pools (3-6 hidden
#: layers, 250-500 count-fingerprint inputs) groups of 1, 2, 4, 8 and whole depth classes execute
#: 1.01, 1.15, 1.36, 1.79 and 1.90x the needed FLOPs. With the backpropagation written out
#: (2026-12-06), one epoch of 32 networks on 2 cores (two groups at a time, one torch thread
#: each) took 0.63 and 0.58 s with groups of 2 and 4 at 5,000 rows, 2.46 and 2.21 s at 20,000,
#: and 3.61 and 3.67 s at 20,000 on one thread (best of 3, two interleaved rounds).
GROUP_SIZE = 4
# Cap on the padded parameters trained together: bounds memory (params, grads, two Adam moments,
# best weights) to roughly 24 bytes per parameter.
_MAX_GROUP_PARAMS = 2**24
# Cap on the activations of one validation chunk (models x rows x widest layer). Chunks that
# stay in cache: one epoch of 32 networks at 20,000 rows took 5.81 s on one thread with 2**20,
# 5.95 s with 2**24 (best of 4, 2026-12-05).
_MAX_EVAL_ELEMENTS = 2**20
# Bags of one block of steps gathered at once (epoch_gather): bounds its memory to about
# 20 bytes per nonzero of 2**16 rows (~50 MB at 40 nonzeros a row).
_MAX_GATHER_BAGS = 2**16
# Nonzeros of out-of-bag rows whose gathered inputs are kept between epochs (~160 MB).
_MAX_CACHED_NNZ = 2**23


@functools.cache
def _fused_adam_works(device_type: str) -> bool:
    """Whether ``torch._fused_adam_`` runs on this device type (CPU since torch 2.4).

    Tried once on a scratch tensor, so that a kernel that turns out to be missing never
    half-updates real parameters or step counts.
    """
    if not hasattr(torch, "_fused_adam_"):
        return False
    t = [torch.zeros(2, device=device_type) for _ in range(4)]
    try:
        torch._fused_adam_(
            [t[0]], [t[1]], [t[2]], [t[3]], [], [torch.ones((), device=device_type)],
            amsgrad=False, lr=1e-3, beta1=_BETA1, beta2=_BETA2, weight_decay=0.0, eps=_EPS,
            maximize=False, grad_scale=None, found_inf=None,
        )  # fmt: skip
    except (RuntimeError, NotImplementedError):
        return False
    return True


def n_params(arch: Sequence[int]) -> int:
    """Weights and biases of a fully connected network ``[d_in, h1, ..., n_out]``."""
    return sum((a + 1) * b for a, b in itertools.pairwise(arch))


def group_widths(specs: Sequence[ModelSpec], ids: Sequence[int]) -> list[int]:
    """Padded layer widths of a group: the widest of its networks at every layer."""
    archs = [specs[i].architecture for i in ids]
    return [max(a[k] for a in archs) for k in range(len(archs[0]))]


def plan_groups(specs: Sequence[ModelSpec], group_size: int = GROUP_SIZE) -> list[list[int]]:
    """Split specs into groups of equal depth, task and output width.

    Each class is sorted by decreasing hidden widths, then input width (ties by position), and
    cut into consecutive groups of at most ``group_size`` networks, sized as evenly as possible,
    within the memory cap. Similar widths side by side keep the zero padding, which is executed
    work, small. The plan depends only on the specs, so the same specs always train in the same
    groups.
    """
    by_key: dict[tuple, list[int]] = {}
    for i, spec in enumerate(specs):
        key = (len(spec.architecture), spec.task, spec.architecture[-1])
        by_key.setdefault(key, []).append(i)
    groups = []
    for key in sorted(by_key):
        # Hidden widths first: the sparse first layer costs per nonzero, not per input column.
        idx = sorted(by_key[key], key=lambda i: (_widths_key(specs[i].architecture), i))
        n_groups = -(-len(idx) // group_size)
        bounds = np.linspace(0, len(idx), n_groups + 1).round().astype(int)
        for lo, hi in itertools.pairwise(bounds):
            current: list[int] = []
            for i in idx[lo:hi]:
                widths = group_widths(specs, [*current, i])
                if current and (len(current) + 1) * n_params(widths) > _MAX_GROUP_PARAMS:
                    groups.append(current)
                    current = []
                current.append(i)
            groups.append(current)
    return groups


def _widths_key(arch: Sequence[int]) -> list[int]:
    return [-w for w in [*arch[1:], arch[0]]]


def _take(tensor: torch.Tensor, sel: int | torch.Tensor | None) -> torch.Tensor:
    """Rows of the model stack: all (None), a prefix (int, a free view) or an index tensor."""
    if isinstance(sel, int):
        # No slice at all for the whole stack: the backward of a slice zero-fills a buffer of the
        # full parameter size on every step.
        return tensor if sel >= tensor.shape[0] else tensor[:sel]
    return tensor if sel is None else tensor[sel]


def column_block(X: sp.csr_matrix, columns) -> sp.csr_matrix:
    """``X[:, columns]`` as CSR with sorted indices: a model's inputs, sliced once per training."""
    block = X[:, np.asarray(columns, dtype=np.int64)].tocsr()
    block.sort_indices()
    return block


def _stack_columns(blocks: Sequence[sp.csr_matrix], inv_scale: np.ndarray):
    """CSR of the models' column blocks stacked vertically, with scaled values.

    Block ``m`` holds ``blocks[m] * inv_scale[m]`` (``blocks[m]`` is :func:`column_block` of the
    model's columns) with local column indices, so that a training step gathers each sample's
    nonzeros for each model directly, without mapping global columns to local ones or dropping
    columns a model does not use; ``(indptr, indices, values)`` as int64, int64 and float32
    tensors. The extra memory is the nonzeros of each model's columns (12 bytes each).
    """
    indptr, indices, values, nnz = [np.zeros(1, dtype=np.int64)], [], [], 0
    for m, block in enumerate(blocks):
        indptr.append(block.indptr[1:].astype(np.int64) + nnz)
        indices.append(block.indices.astype(np.int64))
        values.append(block.data.astype(np.float32) * inv_scale[m, block.indices])
        nnz += block.nnz
    return tuple(torch.from_numpy(np.concatenate(parts)) for parts in (indptr, indices, values))


def _first_layer_grads(grad, idx, values, bag, centre) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias gradients of the sparse first layer ``X_s W + (b - c W)`` per model.

    ``grad`` is the gradient of its outputs, ``(models, rows, width)``; the other arguments are
    those of :func:`_first_layer_forward`, plus ``bag`` (the bag of each nonzero). Autograd's
    embedding-bag backward would zero-fill a dense gradient of the whole padded layer and
    accumulate into it, and the shift's gradient would be a batched outer product (a matrix
    product with an inner dimension of 1, which ran at about 1 ms a step, the costliest product
    of the step). Here the weight gradient is another embedding bag over the transposed
    structure (one bag per weight row, gathering the output gradients of the samples that use
    it), which writes every row once, and the shift's part ``-c (sum of output gradients)`` is
    added in place. The bias gradient is that sum of output gradients.
    """
    M, R, H = grad.shape
    D = centre.shape[1]
    order = _stable_order(idx, M * D)
    counts = torch.bincount(idx, minlength=M * D)
    offsets = torch.cumsum(counts, 0) - counts
    grad = grad.contiguous()
    grad_weight = F.embedding_bag(
        bag.index_select(0, order),
        grad.view(M * R, H),
        offsets,
        mode="sum",
        per_sample_weights=values.index_select(0, order),
    ).view(M, D, H)
    grad_bias = grad.sum(1)
    grad_weight.addcmul_(centre[:, :, None], grad_bias[:, None, :], value=-1.0)
    return grad_weight, grad_bias


def _stable_order(keys: torch.Tensor, n_keys: int) -> torch.Tensor:
    """The permutation that sorts ``keys`` (integers in ``[0, n_keys)``), ties in order.

    On the CPU with at most 2**16 distinct keys, numpy's stable sort of uint16 is a radix sort:
    on 12,000 keys below 1,000 it took 44 us against ``torch.argsort(stable=True)``'s 492 us
    (one thread, 2026-12-05), and it is called once per training step.
    """
    if keys.device.type == "cpu" and n_keys <= 2**16:
        return torch.from_numpy(np.argsort(keys.numpy().astype(np.uint16), kind="stable"))
    return torch.argsort(keys, stable=True)


def _first_layer_forward(weight, bias, idx, offsets, values, centre) -> torch.Tensor:
    """Sparse first layer ``X_s W + (b - c W)`` of each model, ``(models, rows, width)``.

    ``X_s W`` is ``embedding_bag(idx, W, offsets, mode="sum", per_sample_weights=values)`` over
    the models' stacked weights (:meth:`_BatchedGroup.gather` gives the bags); ``c = x_mean /
    x_scale`` is the centring, applied as one shift per model so that nothing of the size of
    the dense inputs is built. Gradients: :func:`_first_layer_grads`.
    """
    M, D, H = weight.shape
    h = F.embedding_bag(
        idx, weight.reshape(M * D, H), offsets, mode="sum", per_sample_weights=values
    )
    # The shift in float32 under bf16 autocast too: its gradient is computed as exact.
    with torch.autocast(weight.device.type, enabled=False):
        shift = torch.bmm(centre[:, None, :], weight)
    return h.view(M, -1, H).add_(bias[:, None, :] - shift)


class _Stopped(Exception):
    """Raised in a training thread when another one failed (see :func:`train_batched`)."""


class _BatchedGroup:
    """Models of equal depth stacked into zero-padded tensors and trained together.

    Weights are stored as ``(n_models, fan_in, fan_out)`` so that a layer is one ``baddbmm``.
    Padded units have zero weights and biases; with ReLU their activations and all their gradients
    are exactly zero, so they never influence the real units (and Adam leaves zero parameters
    with zero gradients at zero).
    """

    def __init__(
        self, ids, specs, scalings, data, device, precision="fp32", stop=None, blocks=None
    ):
        # Models with more steps per epoch first: at any step the models still inside their
        # epoch are then a prefix of the stack, and slicing a prefix is free (a view).
        self.ids = sorted(
            ids, key=lambda i: -(-len(specs[i].train_rows) // specs[i].batch_size), reverse=True
        )
        ids = self.ids
        self.data = data
        self.device = device
        self.bf16 = precision == "bf16"
        M = len(ids)
        self.n_layers = len(specs[ids[0]].architecture) - 1
        self.widths = group_widths(specs, ids)
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
        self.params = [t.to(device) for t in weights + biases]
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.best = [p.clone() for p in self.params]

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
            self.n_rows = data["csr"].shape[0]
            if blocks is None:
                blocks = {i: column_block(data["csr"], specs[i].columns) for i in ids}
            self.stacked = _stack_columns([blocks[i] for i in ids], inv_scale)
            self.stacked = tuple(t.to(device) for t in self.stacked)
            self.block = torch.arange(M, device=device)
        self.y_mean = torch.tensor([scalings[i][2] for i in ids], dtype=torch.float32).to(device)
        self.y_scale = torch.tensor([scalings[i][3] for i in ids], dtype=torch.float32).to(device)
        self.lr = torch.tensor([specs[i].learning_rate for i in ids], dtype=torch.float32)
        self.lr = self.lr.to(device)
        self.lr_list = [float(specs[i].learning_rate) for i in ids]
        # Adam's step count per model; the fused kernel reads it through 0-d views.
        self.step = torch.zeros(M, dtype=torch.float32, device=device)
        self.fused = _fused_adam_works(device.type)
        self._fused_views()

        self.train_rows = [np.asarray(specs[i].train_rows, dtype=np.int64) for i in ids]
        self.batch_size = np.array([specs[i].batch_size for i in ids])
        self.max_epochs = np.array([specs[i].max_epochs for i in ids])
        self.valid_every = np.array([specs[i].valid_every for i in ids])
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
        self.valid_gathered: dict = {}
        self.cached_nnz = 0
        # Set by a training thread that failed: the others stop at their next step.
        self.stop = threading.Event() if stop is None else stop
        self.history: list[list[float]] = [[] for _ in ids]

    # ---- bookkeeping

    @property
    def n_models(self) -> int:
        return len(self.ids)

    def autocast(self):
        """bf16 autocast of the matrix products (``precision="bf16"``), else a no-op."""
        if not self.bf16:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def select(self, keep: np.ndarray) -> None:
        """Drop finished models so that later epochs do not compute them."""
        idx = torch.from_numpy(keep).to(self.device)
        self.params = [p[idx] for p in self.params]
        for name in ("exp_avg", "exp_avg_sq", "best"):
            setattr(self, name, [t[idx] for t in getattr(self, name)])
        for name in ("cols", "x_mean", "inv_scale", "y_mean", "y_scale", "lr", "step"):
            setattr(self, name, getattr(self, name)[idx])
        if self.data["sparse"]:
            self.block = self.block[idx]
        self.valid_rows, self.valid_w = self.valid_rows[idx], self.valid_w[idx]
        self.valid_gathered, self.cached_nnz = {}, 0
        for name in ("ids", "gens", "train_rows", "history", "lr_list"):
            setattr(self, name, [getattr(self, name)[k] for k in keep])
        for name in (
            "batch_size", "max_epochs", "valid_every", "patience", "has_valid", "best_loss",
            "best_epoch",
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

    def _first_layer(self, rows: torch.Tensor, weight, bias, sel, sparse=None) -> tuple:
        """First-layer outputs, and what its gradients need (:meth:`gradients`)."""
        data = self.data
        x_mean, inv_scale = _take(self.x_mean, sel), _take(self.inv_scale, sel)
        if not data["sparse"]:
            xb = data["X"][rows[:, :, None], _take(self.cols, sel)[:, None, :]]
            xb = (xb - x_mean[:, None, :]) * inv_scale[:, None, :]
            return torch.baddbmm(bias[:, None, :], xb, weight), xb
        idx, offsets, values, bag = sparse
        centre = x_mean * inv_scale
        h = _first_layer_forward(weight, bias, idx, offsets, values, centre)
        return h, (idx, values, bag, centre)

    def gather(self, rows: torch.Tensor, block: torch.Tensor, local=None) -> tuple:
        """Embedding-bag inputs of the sparse first layer for the bags ``(p, r)``.

        Sparse inputs: W (x - mu) / s = W (x / s) - W (mu / s). The first term sums the rows of
        W picked by each sample's nonzeros (an embedding bag with the scaled values as weights),
        the second is one per-model shift (:func:`_first_layer_forward`); nothing of the size of
        ``X[rows]`` is ever densified. Row ``p`` of ``rows`` (shape ``(P, R)``) belongs to the
        model whose column block is ``block[p]`` and whose weights sit at position ``local[p]``
        of the weight stack (default ``p``). Returns ``(idx, offsets, values, bag)``: for each
        nonzero its weight row ``local * D + column`` and scaled value, and for each bag, in
        ``(p, r)`` order, its first nonzero; ``bag`` maps nonzeros to bags.
        """
        P, R = rows.shape
        D = self.widths[0]
        if local is None:
            local = torch.arange(P, device=self.device)
        indptr, indices, values = self.stacked
        # index_select rather than advanced indexing: 4x faster on these 1-D gathers (16 against
        # 61 us for 12,000 elements, one thread).
        flat = (rows + (block * self.n_rows)[:, None]).reshape(-1)
        start = indptr.index_select(0, flat)
        count = indptr.index_select(0, flat + 1) - start
        offsets = torch.cumsum(count, 0) - count
        bag = torch.repeat_interleave(torch.arange(P * R, device=self.device), count)
        pos = torch.arange(bag.shape[0], device=self.device) + (start - offsets).index_select(
            0, bag
        )
        idx = indices.index_select(0, pos) + (local * D).repeat_interleave(R).index_select(0, bag)
        return idx, offsets, values.index_select(0, pos), bag

    def epoch_gather(self, rows: torch.Tensor, n_steps: np.ndarray, lo: int, hi: int) -> list:
        """The first layer's inputs of steps ``lo`` to ``hi`` of an epoch, gathered at once.

        The per-step index arithmetic of :meth:`gather` is some twenty small ops; done once on
        a block of steps (bags in step-major order), each step only slices it. Returns per step
        ``(idx, offsets, values, bag)`` as views and two subtractions.
        """
        B = rows.shape[2]
        active = np.arange(lo, hi)[:, None] < n_steps[None, :]  # (steps, models), prefixes
        pair_s, pair_m = np.nonzero(active)  # step-major, models ascending
        pair_m_t = torch.from_numpy(pair_m).to(self.device)
        pair_s_t = torch.from_numpy(pair_s + lo).to(self.device)
        idx, offsets, values, bag = self.gather(
            rows[pair_m_t, pair_s_t], self.block[pair_m_t], pair_m_t
        )
        first = np.concatenate([[0], np.cumsum(active.sum(1))]) * B  # first bag of each step
        ends = torch.cat([offsets, offsets.new_tensor([len(idx)])])[
            torch.from_numpy(first).to(self.device)
        ].tolist()
        steps = []
        for s in range(hi - lo):
            b0, b1, e0, e1 = first[s], first[s + 1], ends[s], ends[s + 1]
            steps.append((idx[e0:e1], offsets[b0:b1] - e0, values[e0:e1], bag[e0:e1] - b0))
        return steps

    def forward(self, rows: torch.Tensor, params, sel=None, sparse=None, saved=None):
        """Outputs ``(models, rows, n_out)`` of the models ``sel`` (see :func:`_take`).

        ``sparse``: for sparse data, the first layer's inputs from :meth:`gather` (None for dense).
        ``saved``: a list that receives what :meth:`gradients` needs: the first layer's inputs,
        then the input (activation) of every later layer.
        """
        params = [_take(p, sel) for p in params]
        L = self.n_layers
        h, inputs = self._first_layer(rows, params[0], params[L], sel, sparse)
        if saved is not None:
            saved.append(inputs)
        for k in range(1, L):
            # In place: the backward needs only the activation (h > 0 exactly where it is > 0).
            a = h.relu_()
            if saved is not None:
                saved.append(a)
            h = torch.baddbmm(params[L + k][:, None, :], a, params[k])
        return h

    def gradients(self, rows, weights, sel: int, sparse, target=None) -> list:
        """Gradients of one step's weighted loss for the first ``sel`` models, in float32.

        Backpropagation written out, op for op what autograd ran before (float32 results are
        bit for bit the same), without autograd's graph: recording the forward and running the
        engine's nodes cost more than the small products of a step (:meth:`loss_gradient` for
        the loss). ``target``: the standardised regression targets of ``rows`` if already known.
        """
        L = self.n_layers
        # Taken once for the forward and the backward (taking a prefix again returns it as is).
        params = [_take(p, sel) for p in self.params]
        saved: list = []
        with self.autocast():
            out = self.forward(rows, params, sel, sparse, saved)
        g = self.loss_gradient(out, rows, weights, sel, target)
        grads: list = [None] * (2 * L)
        with self.autocast():
            for k in range(L - 1, 0, -1):
                a = saved[k]
                grads[k] = torch.bmm(a.transpose(1, 2), g)
                grads[L + k] = g.sum(1)
                # Back to the activation's dtype, as autograd's cast of a bf16 product does.
                g = torch.bmm(g, params[k].transpose(1, 2)).to(a.dtype)
                g = torch.ops.aten.threshold_backward(g, a, 0)
        if self.data["sparse"]:
            grads[0], grads[L] = _first_layer_grads(g, *saved[0])
        else:
            with self.autocast():
                grads[0] = torch.bmm(saved[0].transpose(1, 2), g)
            grads[L] = g.sum(1)
        return [grad.float() for grad in grads] if self.bf16 else grads

    def standardised_targets(self, rows: torch.Tensor, sel=None) -> torch.Tensor:
        """Regression targets of ``rows`` (``(models, ...)``), standardised per model."""
        shape = (-1,) + (1,) * (rows.dim() - 1)
        y_mean, y_scale = _take(self.y_mean, sel), _take(self.y_scale, sel)
        return (self.data["y"][rows] - y_mean.view(shape)) / y_scale.view(shape)

    def sample_loss(self, out: torch.Tensor, rows: torch.Tensor, sel=None) -> torch.Tensor:
        # The loss in float32 whatever the precision of the products.
        out = out.float()
        if self.task == "regression":
            return (out[..., 0] - self.standardised_targets(rows, sel)) ** 2
        target = self.data["y"][rows]
        M, R, C = out.shape
        return F.cross_entropy(out.reshape(M * R, C), target.reshape(-1), reduction="none").view(
            M, R
        )

    def loss_gradient(self, out, rows, weights, sel: int, target=None) -> torch.Tensor:
        """Gradient of the weighted loss ``sum(weights * sample_loss)`` in ``out``'s dtype.

        Squared error by hand: ``2 (out - target) weights``, the value autograd gives (the
        product by 2 is exact). Cross-entropy through autograd on the loss alone.
        """
        if self.task == "regression":
            if target is None:
                target = self.standardised_targets(rows, sel)
            g = (out[..., 0].float() - target).mul_(2.0).mul_(weights)
            return g[..., None].to(out.dtype)
        out.requires_grad_()
        with torch.enable_grad():
            loss = (self.sample_loss(out, rows, sel) * weights).sum()
        return torch.autograd.grad(loss, out)[0]

    # ---- training

    def _fused_views(self) -> None:
        """Per-model views of the parameters and Adam moments, for the fused Adam kernel."""
        views = []
        for m in range(self.n_models):
            views.append(
                (
                    [p[m] for p in self.params],
                    [t[m] for t in self.exp_avg],
                    [t[m] for t in self.exp_avg_sq],
                    # The kernel reads a step count per tensor: the model's, for all of them.
                    [self.step[m]] * len(self.params),
                    float(self.lr_list[m]),
                )
            )
        self.views = views

    def adam_step(self, grads, n_active: int) -> None:
        """One Adam step (as ``torch.optim.Adam``) of the first ``n_active`` models.

        The other models are left untouched (moments and step count included). The fused kernel
        is called once per model on views of the stacked tensors, which reads and writes each
        parameter once instead of the ~7 passes of a vectorised update; the vectorised update
        is the fallback where the kernel is unavailable.
        """
        if self.fused:
            self._fused_adam_step(grads, n_active)
        else:
            self._vectorised_adam_step(grads, n_active)

    def _fused_adam_step(self, grads, n_active) -> None:
        # What torch.optim.adam.adam(fused=True) does, without its per-call grouping of tensors
        # by device and dtype and its increment of every tensor's step: one increment per model.
        self.step[:n_active] += 1
        # Unbound once per tensor: a view per tensor and model costs about a microsecond each.
        per_model = list(zip(*(g.unbind(0) for g in grads), strict=True))
        for m in range(n_active):
            params, exp_avg, exp_avg_sq, steps, lr = self.views[m]
            torch._fused_adam_(
                params, list(per_model[m]), exp_avg, exp_avg_sq, [], steps, amsgrad=False,
                lr=lr, beta1=_BETA1, beta2=_BETA2, weight_decay=0.0, eps=_EPS, maximize=False,
                grad_scale=None, found_inf=None,
            )  # fmt: skip

    def _vectorised_adam_step(self, grads, n_active) -> None:
        on = torch.zeros(self.n_models, device=self.device)
        on[:n_active] = 1.0
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
        S, B = rows.shape[1], rows.shape[2]
        # The sparse inputs are gathered in blocks of steps of at most _MAX_GATHER_BAGS bags.
        per_block = max(1, _MAX_GATHER_BAGS // (B * self.n_models))
        block: list = []
        step_inputs = None
        # One gather for the epoch instead of one per step.
        targets = self.standardised_targets(rows) if self.task == "regression" else None
        # n_steps is non-increasing along the stack, so the models still inside their epoch at
        # step s are the first k; the others are neither computed nor updated.
        for s in range(S):
            if self.stop.is_set():
                raise _Stopped
            if self.data["sparse"]:
                if s % per_block == 0:
                    block = self.epoch_gather(rows, n_steps, s, min(S, s + per_block))
                step_inputs = block[s % per_block]
            k = int((n_steps > s).sum())
            target = None if targets is None else targets[:k, s]
            grads = self.gradients(rows[:k, s], weights[:k, s], k, step_inputs, target)
            self.adam_step(grads, k)

    @torch.inference_mode()
    def valid_losses(self, models: np.ndarray) -> np.ndarray:
        """Mean out-of-bag loss of the given models (positions in the stack)."""
        sel = None if len(models) == self.n_models else torch.from_numpy(models).to(self.device)
        rows_all, w_all = _take(self.valid_rows, sel), _take(self.valid_w, sel)
        M, V = rows_all.shape
        chunk = max(1, _MAX_EVAL_ELEMENTS // (M * max(self.widths)))
        total = torch.zeros(M, dtype=torch.float64, device=self.device)
        params = self.params
        for lo in range(0, V, chunk):
            r = rows_all[:, lo : lo + chunk]
            sparse = None
            if self.data["sparse"]:
                # The out-of-bag rows are fixed: their first-layer inputs are gathered once
                # (until models finish), up to _MAX_CACHED_NNZ nonzeros; beyond, per epoch.
                key = (tuple(models.tolist()), lo)
                sparse = self.valid_gathered.get(key)
                if sparse is None:
                    sparse = self.gather(r, _take(self.block, sel))
                    if self.cached_nnz + len(sparse[0]) <= _MAX_CACHED_NNZ:
                        self.valid_gathered[key] = sparse
                        self.cached_nnz += len(sparse[0])
            with self.autocast():
                out = self.forward(r, params, sel, sparse)
            total += (self.sample_loss(out, r, sel) * w_all[:, lo : lo + chunk]).sum(1).double()
        return total.cpu().numpy()


def prepare_data(X, y, task_needs_int: bool, device: torch.device) -> dict:
    data = {"n_features": X.shape[1], "sparse": sp.issparse(X)}
    if data["sparse"]:
        # Each group stacks its own column blocks of it (_stack_columns).
        data["csr"] = X
    else:
        # joblib hands workers read-only memory maps; torch wants writable memory.
        data["X"] = torch.from_numpy(X if X.flags.writeable else X.copy()).to(device)
    data["y"] = torch.from_numpy(np.asarray(y, dtype=np.float32)).to(device)
    if task_needs_int:
        data["y_int"] = torch.from_numpy(np.asarray(y).astype(np.int64)).to(device)
    return data


def train_batched(
    specs, X, y, *, device, callback, precision="fp32", group_size=GROUP_SIZE
) -> list[TrainResult]:
    """The batched engine; arguments as :func:`sklearn_shotgun.nets.ensemble.train_models`.

    On CPU the groups are trained by ``torch.get_num_threads()`` Python threads at once, each
    op running on one torch thread (restored afterwards). The matrix products of a group are
    small (a few networks x 128 rows), and splitting each of them over two OpenMP threads made
    training slower, not faster (2.3 s against 1.7 s on one thread for 32 networks at 5,000
    rows), while two groups side by side took 1.0 s (``benchmarks/bench_pretrain.py``). Torch
    releases the GIL inside its ops, so the threads overlap. Every group runs its ops on one
    thread whatever the thread count, so results do not depend on it. The thread count is
    process-wide torch state: while training runs, other torch work in the process also gets
    one thread. ``callback`` is called from the training threads, one call at a time.
    """
    # Filled per group in the training threads: each spec is in one group, so no two threads
    # write the same entry, and the scaling of later groups overlaps the training of earlier ones.
    scalings: list = [None] * len(specs)
    needs_int = any(spec.task == "classification" for spec in specs)
    data = prepare_data(X, y, needs_int, device)
    results: list[TrainResult | None] = [None] * len(specs)
    groups = plan_groups(specs, group_size)
    lock = threading.Lock()
    stop = threading.Event()
    n_done = 0

    def finished(ids: list[int], trained: list[TrainResult]) -> None:
        nonlocal n_done
        with lock:
            for i, result in zip(ids, trained, strict=True):
                results[i] = result
            n_done += len(ids)
            if callback is None or stop.is_set():
                return
            try:
                callback(n_done)
            except BaseException:
                # Set under the lock: a thread whose models finished meanwhile does not call
                # the callback again once it has raised.
                stop.set()
                raise

    def run(ids: list[int]) -> None:
        group_data = dict(data)
        if specs[ids[0]].task == "classification":
            group_data["y"] = data["y_int"]
        if stop.is_set():
            return
        try:
            # Each model's columns are sliced once, for its scaling and its stacked inputs.
            blocks = {i: column_block(X, specs[i].columns) for i in ids} if sp.issparse(X) else None
            for i in ids:
                scalings[i] = _scaling(X, y, specs[i], None if blocks is None else blocks[i])
            group = _BatchedGroup(ids, specs, scalings, group_data, device, precision, stop, blocks)
            _train_group(group, specs, scalings, finished)
        except BaseException:
            # Signalled here, in the failing thread, so that the others stop at their next
            # step without waiting for the main thread to wake up.
            stop.set()
            raise

    if device.type != "cpu":
        for ids in groups:
            run(ids)
        return results
    n_workers = min(torch.get_num_threads(), len(groups))
    if n_workers <= 1:
        with _one_torch_thread():
            for ids in groups:
                run(ids)
        return results
    # Costliest groups first, so that no thread is left with a large group at the end.
    order = sorted(groups, key=lambda ids: -_group_cost(specs, ids))
    with (
        _one_torch_thread(),
        ThreadPoolExecutor(n_workers, initializer=torch.set_num_threads, initargs=(1,)) as pool,
    ):
        futures = [pool.submit(run, ids) for ids in order]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
        finally:
            # All done, or an error, an exception from the callback or Ctrl-C: the other
            # threads stop at their next step and the groups not started are dropped, instead
            # of being trained to the end first. Leaving the block waits for the threads.
            stop.set()
            for future in futures:
                future.cancel()
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]
    # The failing thread's own error, not the _Stopped of the threads it stopped.
    errors.sort(key=lambda error: isinstance(error, _Stopped))
    if errors:
        raise errors[0]
    return results


def _group_cost(specs: Sequence[ModelSpec], ids: Sequence[int]) -> float:
    """Rough training cost of a group: padded parameters x training rows x epochs."""
    rows = max(len(specs[i].train_rows) * specs[i].max_epochs for i in ids)
    return len(ids) * n_params(group_widths(specs, ids)) * rows


@contextlib.contextmanager
def _one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _train_group(group: _BatchedGroup, specs, scalings, finished) -> None:
    """Train one group to the end, reporting models as they finish."""
    device = group.device
    epoch = 0
    while group.n_models:
        epoch += 1
        group.train_epoch()
        last = epoch >= group.max_epochs
        evaluated = group.has_valid & ((epoch % group.valid_every == 0) | last)
        losses = np.full(group.n_models, np.nan)
        if evaluated.any():
            losses[evaluated] = group.valid_losses(np.flatnonzero(evaluated))
        # Without validation rows every epoch counts as the best: the last one is kept.
        improved = (evaluated & (losses < group.best_loss)) | ~group.has_valid
        for m in range(group.n_models):
            group.history[m].append(float(losses[m]))
        idx = np.flatnonzero(improved)
        if len(idx):
            sel = torch.from_numpy(idx).to(device)
            for best, p in zip(group.best, group.params, strict=True):
                best[sel] = p[sel]
        group.best_loss[improved] = losses[improved]
        group.best_epoch[improved] = epoch
        stale = evaluated & (epoch - group.best_epoch >= group.patience)
        done = stale | last
        if not done.any():
            continue
        ids, trained = [], []
        for m in np.flatnonzero(done):
            i = group.ids[m]
            ids.append(i)
            trained.append(
                _finish_result(
                    group.best_state(m, specs[i].architecture),
                    scalings[i],
                    epoch,
                    group.best_epoch[m],
                    group.best_loss[m] if group.has_valid[m] else np.nan,
                    group.history[m],
                )
            )
        finished(ids, trained)
        group.select(np.flatnonzero(~done))
