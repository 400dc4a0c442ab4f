"""Pyramid-shaped fully connected networks and their random architectures.

A "pyramid" is a multilayer perceptron whose hidden layers get narrower (or at least not wider) from
the input to the output, as in the pools of Yamada et al. (ACS Cent. Sci. 2019).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["PyramidNet", "init_pyramid_parameters", "sample_architecture"]

_ACTIVATIONS = {
    "relu": nn.functional.relu,
    "tanh": torch.tanh,
    "leaky_relu": nn.functional.leaky_relu,
    "elu": nn.functional.elu,
    "gelu": nn.functional.gelu,
    "silu": nn.functional.silu,
}


def _check_range(name: str, value: Sequence[int]) -> tuple[int, int]:
    lo, hi = (int(v) for v in value)
    if lo < 1 or hi < lo:
        raise ValueError(
            f"{name} must be an inclusive range (lo, hi) with 1 <= lo <= hi, got {value}"
        )
    return lo, hi


def sample_architecture(
    rng: np.random.Generator,
    n_inputs: int,
    n_outputs: int = 1,
    *,
    n_hidden_layers: Sequence[int] = (3, 6),
    max_first_width: int = 400,
    last_width: Sequence[int] = (10, 30),
) -> list[int]:
    """Draw a random pyramid architecture.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the result is a deterministic function of its state.
    n_inputs : int
        Number of input features ``d_in``.
    n_outputs : int, default=1
        Width of the (linear) output layer.
    n_hidden_layers : (int, int), default=(3, 6)
        Inclusive range of the number of hidden layers ``k``.
    max_first_width : int, default=400
        Upper bound of the first hidden width.
    last_width : (int, int), default=(10, 30)
        Inclusive range of the last hidden width.

    Returns
    -------
    list of int
        ``[d_in, h1, ..., hk, n_outputs]``. ``hk`` is drawn uniformly from ``last_width``
        (clipped to ``max_first_width``); ``h1`` uniformly from ``[lo, hi]`` with
        ``hi = min(max_first_width, max(d_in, hk))`` and ``lo = min(hi, max(hk + k - 1, hi // 2))``,
        so the first layer is never much narrower than the input allows. The widths in between are
        a geometric interpolation between ``h1`` and ``hk``, rounded, and made strictly decreasing
        when ``h1 - hk >= k - 1`` (non-increasing otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> sample_architecture(np.random.default_rng(0), 500)
    [500, 302, 180, 108, 64, 38, 23, 1]
    """
    n_inputs, n_outputs = int(n_inputs), int(n_outputs)
    if n_inputs < 1 or n_outputs < 1:
        raise ValueError(f"n_inputs and n_outputs must be >= 1, got {n_inputs} and {n_outputs}")
    if int(max_first_width) < 1:
        raise ValueError(f"max_first_width must be >= 1, got {max_first_width}")
    k_lo, k_hi = _check_range("n_hidden_layers", n_hidden_layers)
    w_lo, w_hi = _check_range("last_width", last_width)
    k = int(rng.integers(k_lo, k_hi + 1))
    last = min(int(rng.integers(w_lo, w_hi + 1)), int(max_first_width))
    first_hi = max(min(int(max_first_width), max(n_inputs, last)), last)
    first_lo = min(first_hi, max(last + k - 1, first_hi // 2))
    first = int(rng.integers(first_lo, first_hi + 1))
    if k == 1:
        return [n_inputs, last, n_outputs]
    t = np.arange(k) / (k - 1)
    widths = [int(w) for w in np.rint(first * (last / first) ** t)]
    widths[0], widths[-1] = first, last
    strict = first - last >= k - 1
    gap = 1 if strict else 0
    for i in range(1, k - 1):
        widths[i] = min(widths[i], widths[i - 1] - gap)
    for i in range(k - 2, 0, -1):
        widths[i] = max(widths[i], widths[i + 1] + gap)
    return [n_inputs, *widths, n_outputs]


def init_pyramid_parameters(
    architecture: Sequence[int], seed: int | torch.Generator
) -> dict[str, torch.Tensor]:
    """Seeded version of ``torch.nn.Linear``'s default initialisation.

    Weights are drawn with ``kaiming_uniform_(a=sqrt(5))`` and biases uniformly in
    ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``, layer by layer (weight then bias), exactly as
    ``nn.Linear.reset_parameters`` does, but from a private CPU generator so that every training
    engine starts from the same weights for the same seed.

    Parameters
    ----------
    architecture : sequence of int
        ``[d_in, h1, ..., n_out]``.
    seed : int or torch.Generator
        Seed of a fresh CPU generator, or a generator to draw from (its state advances).

    Returns
    -------
    dict of str to torch.Tensor
        float32 CPU tensors named ``linears.{i}.weight`` (out x in) and ``linears.{i}.bias``.
    """
    gen = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(int(seed))
    state = {}
    for i, (d_in, d_out) in enumerate(itertools.pairwise(architecture)):
        weight = torch.empty(int(d_out), int(d_in))
        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=gen)
        bound = 1.0 / math.sqrt(int(d_in))
        bias = torch.empty(int(d_out)).uniform_(-bound, bound, generator=gen)
        state[f"linears.{i}.weight"] = weight
        state[f"linears.{i}.bias"] = bias
    return state


class PyramidNet(nn.Module):
    """Fully connected network: activation after every hidden layer, linear output.

    Parameters
    ----------
    architecture : sequence of int
        ``[d_in, h1, ..., hk, n_out]`` with at least one hidden layer.
    activation : {"relu", "tanh", "leaky_relu", "elu", "gelu", "silu"}, default="relu"
        Hidden-layer nonlinearity.

    Attributes
    ----------
    linears : torch.nn.ModuleList
        The ``nn.Linear`` layers; state-dict names are ``linears.{i}.weight`` and
        ``linears.{i}.bias``.

    Examples
    --------
    >>> import torch
    >>> net = PyramidNet([8, 6, 4, 1])
    >>> net(torch.zeros(5, 8)).shape
    torch.Size([5, 1])
    >>> [h.shape[1] for h in net.hidden(torch.zeros(5, 8), [0, -1])]
    [6, 4]
    """

    def __init__(self, architecture: Sequence[int], activation: str = "relu"):
        super().__init__()
        arch = [int(a) for a in architecture]
        if len(arch) < 3 or min(arch) < 1:
            raise ValueError(
                "architecture must be [d_in, h1, ..., n_out] with at least one hidden layer and "
                f"positive widths, got {list(architecture)}"
            )
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.architecture = arch
        self.activation = activation
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(arch))

    @property
    def n_hidden(self) -> int:
        """Number of hidden layers."""
        return len(self.linears) - 1

    def reset_parameters(self, seed: int) -> PyramidNet:
        """Re-initialise all layers with :func:`init_pyramid_parameters` and return self."""
        state = init_pyramid_parameters(self.architecture, seed)
        with torch.no_grad():
            for name, tensor in self.named_parameters():
                tensor.copy_(state[name])
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the network, shape ``(n_samples, n_out)``."""
        act = _ACTIVATIONS[self.activation]
        for linear in self.linears[:-1]:
            x = act(linear(x))
        return self.linears[-1](x)

    def hidden(self, x: torch.Tensor, layers: Sequence[int]) -> list[torch.Tensor]:
        """Post-activation outputs of the given hidden layers.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples, d_in)
        layers : sequence of int
            0-based hidden-layer indices; negative ones count from the last hidden layer
            (``-1`` is the last hidden layer).

        Returns
        -------
        list of torch.Tensor
            One ``(n_samples, h_i)`` tensor per requested layer, in the requested order.
        """
        n = self.n_hidden
        wanted = []
        for layer in layers:
            layer = int(layer)
            if not -n <= layer < n:
                raise ValueError(
                    f"hidden layer {layer} out of range for a net with {n} hidden layers"
                )
            wanted.append(layer % n)
        if not wanted:
            return []
        act = _ACTIVATIONS[self.activation]
        outputs = {}
        for i, linear in enumerate(self.linears[: max(wanted) + 1]):
            x = act(linear(x))
            outputs[i] = x
        return [outputs[i] for i in wanted]
