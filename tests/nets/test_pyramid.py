"""Tests of random pyramid architectures and PyramidNet."""

import itertools

import numpy as np
import pytest
import torch

from sklearn_shotgun.nets.pyramid import PyramidNet, init_pyramid_parameters, sample_architecture


class TestSampleArchitecture:
    @pytest.mark.parametrize("seed", range(200))
    def test_ranges_and_monotone(self, seed):
        rng = np.random.default_rng(seed)
        d_in = int(rng.integers(1, 1000))
        arch = sample_architecture(
            rng, d_in, 3, n_hidden_layers=(3, 6), max_first_width=400, last_width=(10, 30)
        )
        hidden = arch[1:-1]
        assert arch[0] == d_in and arch[-1] == 3
        assert 3 <= len(hidden) <= 6
        assert 10 <= hidden[-1] <= 30
        assert hidden[0] <= min(400, max(d_in, hidden[-1]))
        assert all(a >= b for a, b in itertools.pairwise(hidden))
        if hidden[0] - hidden[-1] >= len(hidden) - 1:
            assert all(a > b for a, b in itertools.pairwise(hidden))

    def test_wide_input_gets_wide_first_layer(self):
        firsts = [
            sample_architecture(np.random.default_rng(s), 500, max_first_width=400)[1]
            for s in range(50)
        ]
        assert min(firsts) >= 200 and max(firsts) <= 400

    def test_deterministic(self):
        a = [sample_architecture(np.random.default_rng(7), 300) for _ in range(2)]
        assert a[0] == a[1]
        drawn = {tuple(sample_architecture(np.random.default_rng(s), 300)) for s in range(20)}
        assert len(drawn) > 10

    def test_single_hidden_layer(self):
        arch = sample_architecture(np.random.default_rng(0), 50, n_hidden_layers=(1, 1))
        assert len(arch) == 3 and 10 <= arch[1] <= 30

    @pytest.mark.parametrize("bad", [{"n_hidden_layers": (4, 3)}, {"last_width": (0, 3)}])
    def test_invalid_ranges(self, bad):
        with pytest.raises(ValueError, match="range"):
            sample_architecture(np.random.default_rng(0), 10, **bad)


class TestPyramidNet:
    def test_shapes_and_names(self):
        net = PyramidNet([12, 8, 5, 3, 2])
        assert net.n_hidden == 3
        assert net(torch.zeros(4, 12)).shape == (4, 2)
        names = {k: tuple(v.shape) for k, v in net.state_dict().items()}
        assert names == {
            "linears.0.weight": (8, 12), "linears.0.bias": (8,),
            "linears.1.weight": (5, 8), "linears.1.bias": (5,),
            "linears.2.weight": (3, 5), "linears.2.bias": (3,),
            "linears.3.weight": (2, 3), "linears.3.bias": (2,),
        }  # fmt: skip

    def test_hidden_matches_forward(self):
        torch.manual_seed(0)
        net = PyramidNet([6, 5, 4, 1])
        x = torch.randn(7, 6)
        h0, h1, last = net.hidden(x, [0, 1, -1])
        assert h0.shape == (7, 5) and h1.shape == (7, 4)
        torch.testing.assert_close(h1, last)
        torch.testing.assert_close(h0, torch.relu(net.linears[0](x)))
        torch.testing.assert_close(net.linears[2](h1), net(x))
        assert bool((h0 >= 0).all())
        assert net.hidden(x, []) == []
        with pytest.raises(ValueError, match="out of range"):
            net.hidden(x, [2])
        with pytest.raises(ValueError, match="out of range"):
            net.hidden(x, [-3])

    @pytest.mark.parametrize("activation", ["tanh", "gelu"])
    def test_other_activations(self, activation):
        net = PyramidNet([3, 4, 2, 1], activation=activation)
        (h,) = net.hidden(torch.ones(2, 3), [0])
        assert torch.isfinite(h).all()

    def test_invalid(self):
        with pytest.raises(ValueError, match="hidden layer"):
            PyramidNet([3, 1])
        with pytest.raises(ValueError, match="activation"):
            PyramidNet([3, 2, 1], activation="nope")

    def test_seeded_init_is_nn_linear_default(self):
        # nn.Linear draws kaiming_uniform(a=sqrt(5)) weights then uniform biases, layer by layer,
        # from the global generator; the seeded init must reproduce it exactly.
        arch = [20, 9, 4, 1]
        torch.manual_seed(123)
        reference = PyramidNet(arch).state_dict()
        state = init_pyramid_parameters(arch, 123)
        assert state.keys() == reference.keys()
        for k in state:
            torch.testing.assert_close(state[k], reference[k], rtol=0, atol=0)
        net = PyramidNet(arch).reset_parameters(123)
        for k, v in net.state_dict().items():
            torch.testing.assert_close(v, reference[k], rtol=0, atol=0)
