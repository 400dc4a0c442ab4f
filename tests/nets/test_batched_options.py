"""Batched engine: groups of similar networks, the sparse first layer, bf16, out-of-bag cadence,
thread settings, and the pretrainer options that reach them; on QM9 heat capacity."""

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
import torch

# The engine tests' helpers (tests/nets is on sys.path in pytest's default prepend mode).
from test_ensemble import assert_same_weights, make_spec, oob_rmse

from sklearn_shotgun import FingerprintFeaturizer, ShotgunPretrainer
from sklearn_shotgun.nets import _batched, _common
from sklearn_shotgun.nets._batched import (
    _first_layer_forward,
    _first_layer_grads,
    group_widths,
    n_params,
    plan_groups,
)
from sklearn_shotgun.nets.ensemble import ModelSpec, predict_state_dict, train_models


def pool(X, n, seed=0, **kwargs) -> list[ModelSpec]:
    """Networks of one depth with widths spread from narrow to wide."""
    rng = np.random.default_rng(seed)
    return [
        make_spec(
            X,
            int(rng.integers(2**31)),
            n_cols=int(rng.integers(30, 200)),
            max_width=int(rng.integers(16, 128)),
            **kwargs,
        )
        for _ in range(n)
    ]


def padded_params(specs, groups) -> int:
    return sum(len(ids) * n_params(group_widths(specs, ids)) for ids in groups)


class TestGroups:
    def test_plan(self, qm9):
        X, _ = qm9
        specs = [*pool(X, 11), make_spec(X, 99, n_hidden=4), *pool(X, 9, seed=1)]
        groups = plan_groups(specs, 4)
        assert sorted(i for ids in groups for i in ids) == list(range(len(specs)))
        for ids in groups:
            assert 1 <= len(ids) <= 4
            assert len({len(specs[i].architecture) for i in ids}) == 1
            hidden = [specs[i].architecture[1:] for i in ids]
            assert hidden == sorted(hidden, reverse=True)
        # 20 three-layer nets: five groups of four; the four-layer one alone.
        assert sorted(len(ids) for ids in groups) == [1, 4, 4, 4, 4, 4]
        assert plan_groups(specs, 4) == groups  # a function of the specs only

    def test_less_padding_than_whole_depth_classes(self, qm9):
        X, _ = qm9
        specs = pool(X, 24)
        assert len({s.architecture[1] for s in specs}) > 10  # widths really spread
        needed = sum(n_params(s.architecture) for s in specs)
        whole = padded_params(specs, plan_groups(specs, 24))
        grouped = padded_params(specs, plan_groups(specs, 8))
        assert len(plan_groups(specs, 24)) == 1 and len(plan_groups(specs, 8)) == 3
        assert padded_params(specs, plan_groups(specs, 4)) < grouped
        assert needed <= grouped < 0.75 * whole

    def test_grouped_equals_ungrouped(self, qm9):
        X, y = qm9
        specs = pool(X, 6, max_epochs=4, patience=2, learning_rate=1e-2)
        Xs = sp.csr_matrix(X)
        grouped = train_models(specs, Xs, y, group_size=2)
        whole = train_models(specs, Xs, y, group_size=6)
        for a, b in zip(grouped, whole, strict=True):
            assert_same_weights(a, b)
            assert (a.epochs_run, a.best_epoch) == (b.epochs_run, b.best_epoch)
            np.testing.assert_allclose(a.history, b.history, rtol=1e-5)

    def test_sparse_input_bit_identical_across_runs(self, qm9):
        X, y = qm9
        specs = pool(X, 4, seed=3, max_epochs=2)
        first = train_models(specs, sp.csr_matrix(X), y)
        second = train_models(specs, sp.csr_matrix(X), y)
        for a, b in zip(first, second, strict=True):
            for name in a.state_dict:
                np.testing.assert_array_equal(a.state_dict[name], b.state_dict[name])
            assert a.history == b.history

    def test_group_size_validated(self, qm9):
        X, y = qm9
        with pytest.raises(ValueError, match="group_size"):
            train_models([make_spec(X, 0)], X, y, group_size=0)


class TestSparseFirstLayer:
    def test_matches_dense_centred_product_and_its_gradients(self):
        # Two models (3 weight rows each, 2 units), three rows each; one empty row, a repeated
        # index; float64. Reference: the dense (X_s - c) W + b of each model with autograd.
        gen = torch.Generator().manual_seed(0)
        M, D, H, R = 2, 3, 2, 3
        weight = torch.randn(M, D, H, dtype=torch.float64, generator=gen, requires_grad=True)
        bias = torch.randn(M, H, dtype=torch.float64, generator=gen, requires_grad=True)
        centre = torch.randn(M, D, dtype=torch.float64, generator=gen)
        # (model, row, local column) of each nonzero, bags in (model, row) order.
        entries = [(0, 0, 2), (0, 0, 0), (0, 0, 2), (0, 2, 1), (1, 0, 1), (1, 1, 0), (1, 1, 2)]
        values = torch.randn(len(entries), dtype=torch.float64, generator=gen)
        bag = torch.tensor([m * R + r for m, r, _ in entries])
        idx = torch.tensor([m * D + c for m, _, c in entries])
        offsets = torch.searchsorted(bag, torch.arange(M * R))
        dense = torch.zeros(M, R, D, dtype=torch.float64)
        for (m, r, c), v in zip(entries, values, strict=True):
            dense[m, r, c] += v

        with torch.no_grad():
            ours = _first_layer_forward(weight, bias, idx, offsets, values, centre)
        theirs = torch.bmm(dense - centre[:, None, :], weight) + bias[:, None, :]
        torch.testing.assert_close(ours, theirs)
        grad_out = torch.randn(M, R, H, dtype=torch.float64, generator=gen)
        for a, b in zip(
            _first_layer_grads(grad_out, idx, values, bag, centre),
            torch.autograd.grad(theirs, (weight, bias), grad_out),
            strict=True,
        ):
            torch.testing.assert_close(a, b)

    def test_never_zero_fills_a_dense_first_layer_gradient(self, qm9):
        X, y = qm9
        spec = make_spec(X, 5, max_epochs=1)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            (res,) = train_models([spec], sp.csr_matrix(X), y)
        ops = {event.key for event in prof.key_averages()}
        assert "aten::embedding_bag" in ops  # forward and weight gradient
        # Autograd's embedding-bag backward allocates a zeroed gradient of the whole layer; no
        # backward of autograd runs at all for a regression (the gradients are written out).
        assert not any("embedding_bag_dense_backward" in op for op in ops)
        assert not any(op.startswith("autograd::engine") for op in ops)
        assert np.isfinite(res.history).all()


class TestGradients:
    """The backpropagation written out (``_BatchedGroup.gradients``) against autograd."""

    @pytest.mark.parametrize("sparse", [True, False])
    @pytest.mark.parametrize("task", ["regression", "classification"])
    def test_match_autograd(self, qm9, sparse, task):
        # Three networks of one depth and different widths (zero padding), the third sitting
        # out the step (it finished its epoch); sample weights of a short last batch.
        X, y = qm9
        n_out = 1 if task == "regression" else 3
        if task == "classification":
            y = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3])).astype(np.int64)
        specs = [
            make_spec(X, seed, n_out=n_out, task=task, max_width=w)
            for seed, w in [(0, 64), (1, 40), (2, 24)]
        ]
        Xs = sp.csr_matrix(X) if sparse else X
        scalings = [_common._scaling(Xs, y, spec) for spec in specs]
        data = _batched.prepare_data(Xs, y, task == "classification", torch.device("cpu"))
        if task == "classification":
            data["y"] = data["y_int"]
        group = _batched._BatchedGroup([0, 1, 2], specs, scalings, data, torch.device("cpu"))
        # Trained a little first, so that no layer sits at its initialisation.
        group.train_epoch()
        k, B = 2, 32
        gen = torch.Generator().manual_seed(0)
        rows = torch.randint(0, X.shape[0], (k, B), generator=gen)
        weights = torch.rand(k, B, generator=gen) / B
        weights[1, 20:] = 0.0
        sparse_inputs = group.gather(rows, group.block[:k]) if sparse else None
        ours = group.gradients(rows, weights, k, sparse_inputs)

        params = [p[:k].clone().requires_grad_() for p in group.params]
        out = group.forward(rows, params, k, sparse_inputs)
        loss = (group.sample_loss(out, rows, k) * weights).sum()
        theirs = torch.autograd.grad(loss, params)
        assert len(ours) == len(theirs) == 2 * group.n_layers
        for a, b in zip(ours, theirs, strict=True):
            assert a.dtype == torch.float32 and a.shape == b.shape
            assert b.abs().max() > 0
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


class TestAdam:
    @pytest.mark.parametrize("fused", [True, False])
    def test_matches_torch_adam_per_model(self, qm9, fused):
        # Three models with their own learning rates; the last one sits out the second step
        # (it has finished its epoch), so its moments and step count must not move then.
        X, y = qm9
        specs = [make_spec(X, s, learning_rate=lr) for s, lr in [(0, 1e-3), (1, 3e-3), (2, 1e-2)]]
        scalings = [_common._scaling(X, y, spec) for spec in specs]
        data = _batched.prepare_data(X, y, False, torch.device("cpu"))
        group = _batched._BatchedGroup([0, 1, 2], specs, scalings, data, torch.device("cpu"))
        group.fused = fused
        L = group.n_layers
        refs = []
        for m, i in enumerate(group.ids):
            arch = specs[i].architecture
            tensors = [p.detach()[m].clone().requires_grad_() for p in group.params]
            refs.append((tensors, torch.optim.Adam(tensors, lr=specs[i].learning_rate), arch))
        gen = torch.Generator().manual_seed(0)
        for n_active in (3, 2, 3):
            grads = [torch.randn(p.shape, generator=gen) for p in group.params]
            for k in range(L):  # real entries only: padding keeps zero gradients
                for m, (_, _, arch) in enumerate(refs):
                    grads[k][m, arch[k] :] = 0
                    grads[k][m, :, arch[k + 1] :] = 0
                    grads[L + k][m, arch[k + 1] :] = 0
            group.adam_step(grads, n_active)
            for m, (tensors, opt, _) in enumerate(refs[:n_active]):
                for t, g in zip(tensors, grads, strict=True):
                    t.grad = g[m].clone()
                opt.step()
        assert group.fused is fused  # the fused kernel ran where asked
        for m, (tensors, _, _) in enumerate(refs):
            for p, t in zip(group.params, tensors, strict=True):
                # A wrong step would be off by about lr (1e-3); rounding differs by < 1e-6.
                torch.testing.assert_close(p.detach()[m], t.detach(), rtol=0, atol=1e-6)

    def test_missing_fused_kernel_falls_back_before_touching_the_models(self, qm9, monkeypatch):
        # A torch whose fused kernel raises (no CPU kernel before torch 2.4): the probe sees it
        # once, and the vectorised update counts each step once.
        X, y = qm9

        def missing(*args, **kwargs):
            raise NotImplementedError("no kernel")

        monkeypatch.setattr(torch, "_fused_adam_", missing)
        _batched._fused_adam_works.cache_clear()
        try:
            specs = [make_spec(X, 0), make_spec(X, 1)]
            scalings = [_common._scaling(X, y, spec) for spec in specs]
            data = _batched.prepare_data(X, y, False, torch.device("cpu"))
            group = _batched._BatchedGroup([0, 1], specs, scalings, data, torch.device("cpu"))
            assert not group.fused
            group.adam_step([torch.ones_like(p) for p in group.params], 2)
            group.adam_step([torch.ones_like(p) for p in group.params], 1)
            assert group.step.tolist() == [2.0, 1.0]
        finally:
            _batched._fused_adam_works.cache_clear()


class TestThreads:
    def test_results_do_not_depend_on_the_thread_count(self, qm9):
        # Groups run side by side in threads, each op on one torch thread: same bits.
        X, y = qm9
        specs = pool(X, 10, seed=4, max_epochs=2)
        assert len(plan_groups(specs)) > 2
        previous = torch.get_num_threads()
        runs, counts = [], []
        try:
            for threads in (1, 3):
                torch.set_num_threads(threads)
                seen = []
                runs.append(train_models(specs, sp.csr_matrix(X), y, callback=seen.append))
                assert torch.get_num_threads() == threads  # restored
                counts.append(seen)
        finally:
            torch.set_num_threads(previous)
        for a, b in zip(*runs, strict=True):
            for name in a.state_dict:
                np.testing.assert_array_equal(a.state_dict[name], b.state_dict[name])
            assert a.history == b.history
        for seen in counts:  # cumulative counts, increasing, ending at the pool size
            assert seen == sorted(set(seen)) and seen[-1] == len(specs)

    def test_an_error_in_one_thread_stops_the_others(self, qm9, monkeypatch):
        # The callback raises when the first group finishes (as a build's callback may, to
        # stop it): the error reaches the caller, and no thread starts another epoch after it
        # (at most one, racing with the signal), nor another group.
        X, y = qm9
        specs = pool(X, 12, seed=5, max_epochs=4, patience=None)
        n_groups = len(plan_groups(specs, 2))
        raised, after, started = [], [], []
        train_epoch, init = _batched._BatchedGroup.train_epoch, _batched._BatchedGroup.__init__

        def counted(group):
            if raised:
                after.append(1)
            train_epoch(group)

        def counted_init(group, *args, **kwargs):
            started.append(1)
            init(group, *args, **kwargs)

        monkeypatch.setattr(_batched._BatchedGroup, "train_epoch", counted)
        monkeypatch.setattr(_batched._BatchedGroup, "__init__", counted_init)

        def callback(n_done):
            raised.append(1)
            raise KeyboardInterrupt

        previous = torch.get_num_threads()
        torch.set_num_threads(2)
        try:
            with pytest.raises(KeyboardInterrupt):
                train_models(specs, sp.csr_matrix(X), y, callback=callback, group_size=2)
            assert torch.get_num_threads() == 2
        finally:
            torch.set_num_threads(previous)
        assert n_groups >= 4 and len(raised) == 1
        assert len(after) <= 1 and len(started) <= 3


class TestPrecision:
    def test_bf16_trains_close_to_fp32(self, qm9):
        X, y = qm9
        specs = [make_spec(X, s, max_epochs=15, patience=4) for s in (20, 21)]
        Xs = sp.csr_matrix(X)
        fp32 = train_models(specs, Xs, y)
        bf16 = train_models(specs, Xs, y, precision="bf16")
        for spec, a, b in zip(specs, fp32, bf16, strict=True):
            assert all(v.dtype == np.float32 for v in b.state_dict.values())
            assert a.history != b.history  # the products did run in bfloat16
            rmse_a, rmse_b = oob_rmse(a, spec, X, y), oob_rmse(b, spec, X, y)
            assert abs(rmse_b - rmse_a) <= 0.15 * rmse_a
            assert rmse_b < 0.75 * y[spec.valid_rows].std()

    def test_bf16_dense_input(self, qm9):
        X, y = qm9
        (res,) = train_models([make_spec(X, 22, max_epochs=2)], X, y, precision="bf16")
        assert np.isfinite(res.history).all() and res.valid_loss < 1.0

    def test_invalid(self, qm9, monkeypatch):
        X, y = qm9
        spec = make_spec(X, 0, max_epochs=1)
        with pytest.raises(ValueError, match="precision"):
            train_models([spec], X, y, precision="fp16")
        with pytest.raises(ValueError, match="engine='batched'"):
            train_models([spec], X, y, engine="skorch", precision="bf16")
        # A GPU without bfloat16 (before Ampere) is refused, not silently slow or wrong.
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
        with pytest.raises(ValueError, match="bfloat16"):
            train_models([spec], X, y, device="cuda", precision="bf16")


class TestOutOfBagCadence:
    def count_evaluations(self, monkeypatch) -> list[int]:
        calls = []
        original = _batched._BatchedGroup.valid_losses

        def counted(self, models):
            calls.append(len(models))
            return original(self, models)

        monkeypatch.setattr(_batched._BatchedGroup, "valid_losses", counted)
        return calls

    def test_every_third_epoch_and_the_last(self, qm9, monkeypatch):
        X, y = qm9
        spec = make_spec(X, 30, max_epochs=7, patience=None, valid_every=3)
        calls = self.count_evaluations(monkeypatch)
        (res,) = train_models([spec], sp.csr_matrix(X), y)
        assert len(calls) == 3 and res.epochs_run == 7
        evaluated = np.flatnonzero(np.isfinite(res.history)) + 1
        assert evaluated.tolist() == [3, 6, 7]
        assert res.best_epoch in (3, 6, 7)
        assert res.valid_loss == pytest.approx(np.nanmin(res.history))

    def test_default_evaluates_every_epoch(self, qm9, monkeypatch):
        X, y = qm9
        calls = self.count_evaluations(monkeypatch)
        (res,) = train_models([make_spec(X, 31, max_epochs=4, patience=None)], X, y)
        assert len(calls) == 4 and np.isfinite(res.history).all()

    def test_early_stopping_counts_epochs(self, qm9):
        X, y = qm9
        # A large learning rate on a small net overfits within a few epochs.
        spec = make_spec(X, 9, learning_rate=1e-2, patience=2, max_epochs=40, valid_every=2)
        (res,) = train_models([spec], sp.csr_matrix(X), y)
        assert res.epochs_run < 40 and res.epochs_run % 2 == 0
        assert res.best_epoch % 2 == 0 and res.epochs_run - res.best_epoch >= 2
        assert res.valid_loss == pytest.approx(np.nanmin(res.history))
        target = (y[spec.valid_rows] - res.y_mean) / res.y_scale
        Xv = (X[spec.valid_rows][:, spec.columns] - res.x_mean) / res.x_scale
        mse = np.mean((predict_state_dict(res.state_dict, Xv)[:, 0] - target) ** 2)
        assert mse == pytest.approx(res.valid_loss, rel=1e-4)

    def test_models_finishing_apart_are_evaluated_alone(self, qm9, monkeypatch):
        X, y = qm9
        specs = [
            make_spec(X, s, max_epochs=e, patience=None, valid_every=5) for s, e in ((1, 2), (2, 5))
        ]
        calls = self.count_evaluations(monkeypatch)
        train_models(specs, X, y)
        assert calls == [1, 1]  # epoch 2: the first network's last; epoch 5: the second's

    def test_invalid(self, qm9):
        X, y = qm9
        with pytest.raises(ValueError, match="valid_every"):
            train_models([make_spec(X, 0, valid_every=0)], X, y)
        with pytest.raises(ValueError, match="valid_every"):
            train_models([make_spec(X, 0, valid_every=2)], X, y, engine="skorch")


class TestPretrainerOptions:
    def test_precision_and_interval_recorded(self, qm9_frame):
        frame = qm9_frame.sample(n=600, random_state=1)
        pre = ShotgunPretrainer(
            FingerprintFeaturizer(counts=True, n_bits=1024), n_models=3, max_epochs=8,
            precision="bf16", oob_interval=2, chunk_size=2, random_state=0, verbose=0,
        )  # fmt: skip
        pre.fit(frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"].to_numpy())
        for model in pre.library_:
            assert model.training["precision"] == "bf16"
            assert model.training["oob_interval"] == 2
            assert np.isfinite(model.metrics["rmse"]) and model.metrics["r2"] > 0

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"precision": "float16"}, "precision"),
            ({"oob_interval": 0}, "oob_interval"),
            ({"engine": "skorch", "precision": "bf16"}, "engine='skorch'"),
            ({"engine": "skorch", "oob_interval": 3}, "engine='skorch'"),
        ],
    )
    def test_invalid(self, qm9, params, match):
        X, y = qm9
        with pytest.raises(ValueError, match=match):
            ShotgunPretrainer(n_models=1, verbose=0, **params).fit(X[:50], y[:50])


def test_openmp_threads_sleep_while_waiting():
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    code = "import os, sklearn_shotgun; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"  # the user's choice wins
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "ACTIVE"


@pytest.mark.parametrize("n_keys", [1, 1000, 2**16, 2**16 + 1])
def test_stable_order_matches_torch_argsort(n_keys):
    # The radix path (up to 2**16 keys) and the torch fallback both give the stable order.
    rng = np.random.default_rng(n_keys)
    keys = torch.from_numpy(rng.integers(0, n_keys, size=5000))
    order = _batched._stable_order(keys, n_keys)
    assert order.dtype == torch.int64
    assert torch.equal(order, torch.argsort(keys, stable=True))
