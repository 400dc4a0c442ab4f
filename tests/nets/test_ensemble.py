"""Tests of batched pool training against single-model and skorch training, on QM9 heat capacity."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from sklearn_shotgun.nets.ensemble import ModelSpec, TrainResult, predict_state_dict, train_models
from sklearn_shotgun.nets.pyramid import PyramidNet, sample_architecture


def make_spec(X, seed, *, n_cols=150, n_hidden=3, max_width=64, n_out=1, **kwargs):
    rng = np.random.default_rng(seed)
    frequent = np.flatnonzero((X > 0).mean(axis=0) >= 0.01)
    cols = np.sort(rng.choice(frequent, min(n_cols, len(frequent)), replace=False))
    arch = sample_architecture(
        rng, len(cols), n_out, n_hidden_layers=(n_hidden, n_hidden), max_first_width=max_width
    )
    train = rng.integers(0, X.shape[0], X.shape[0])
    params = {
        "learning_rate": 3e-3, "max_epochs": 30, "batch_size": 32, "patience": 5, "seed": seed,
    }  # fmt: skip
    params.update(kwargs)
    return ModelSpec(arch, cols, train, np.setdiff1d(np.arange(X.shape[0]), train), **params)


def predict(result: TrainResult, spec: ModelSpec, X, rows) -> np.ndarray:
    Xs = (X[rows][:, spec.columns] - result.x_mean) / result.x_scale
    return predict_state_dict(result.state_dict, Xs)


def oob_rmse(result, spec, X, y) -> float:
    pred = predict(result, spec, X, spec.valid_rows)[:, 0] * result.y_scale + result.y_mean
    return float(np.sqrt(np.mean((pred - y[spec.valid_rows]) ** 2)))


def assert_same_weights(a: TrainResult, b: TrainResult, atol=1e-5):
    assert a.state_dict.keys() == b.state_dict.keys()
    for k in a.state_dict:
        np.testing.assert_allclose(a.state_dict[k], b.state_dict[k], rtol=0, atol=atol, err_msg=k)


class TestBatchedEngine:
    def test_result_fields(self, qm9):
        X, y = qm9
        spec = make_spec(X, 0, max_epochs=3)
        (res,) = train_models([spec], X, y)
        net = PyramidNet(spec.architecture)
        net.load_state_dict({k: torch.from_numpy(v) for k, v in res.state_dict.items()})
        assert all(v.dtype == np.float32 for v in res.state_dict.values())
        assert res.x_mean.shape == res.x_scale.shape == (len(spec.columns),)
        assert res.x_mean.dtype == np.float32 and bool((res.x_scale > 0).all())
        np.testing.assert_allclose(res.y_mean, y[spec.train_rows].mean(), rtol=1e-6)
        np.testing.assert_allclose(res.y_scale, y[spec.train_rows].std(), rtol=1e-6)
        assert len(res.history) == res.epochs_run <= 3

    def test_group_equals_alone(self, qm9):
        # Padding must not leak: a model trained inside a group of wider and narrower models,
        # with other batch sizes, epoch budgets and early stopping, ends where it ends alone.
        X, y = qm9
        specs = [
            make_spec(X, 1, max_epochs=6, patience=None),
            make_spec(X, 2, n_cols=300, max_width=120, batch_size=48, max_epochs=4),
            make_spec(X, 3, n_cols=60, max_width=30, batch_size=16, patience=1),
            make_spec(X, 4, n_hidden=4, max_epochs=3),
        ]
        together = train_models(specs, X, y)
        for spec, res in zip(specs, together, strict=True):
            (alone,) = train_models([spec], X, y)
            assert_same_weights(alone, res)
            assert alone.epochs_run == res.epochs_run and alone.best_epoch == res.best_epoch
            np.testing.assert_allclose(alone.history, res.history, rtol=1e-5)

    def test_deterministic(self, qm9):
        X, y = qm9
        specs = [make_spec(X, s, max_epochs=3) for s in (5, 6)]
        first, second = train_models(specs, X, y), train_models(specs, X, y)
        for a, b in zip(first, second, strict=True):
            for k in a.state_dict:
                np.testing.assert_array_equal(a.state_dict[k], b.state_dict[k])
            assert a.history == b.history

    def test_sparse_equals_dense(self, qm9):
        X, y = qm9
        specs = [make_spec(X, s, max_epochs=3, patience=None) for s in (7, 8)]
        dense = train_models(specs, X, y)
        sparse = train_models(specs, sp.csr_matrix(X), y)
        for spec, d, s in zip(specs, dense, sparse, strict=True):
            np.testing.assert_allclose(d.x_mean, s.x_mean, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(d.x_scale, s.x_scale, rtol=1e-5)
            np.testing.assert_allclose(d.history, s.history, rtol=1e-4)
            np.testing.assert_allclose(
                predict(d, spec, X, spec.valid_rows), predict(s, spec, X, spec.valid_rows),
                atol=2e-3,
            )  # fmt: skip

    @pytest.mark.parametrize("engine", ["batched", "skorch"])
    def test_early_stopping_restores_best(self, qm9, engine):
        X, y = qm9
        # A large learning rate on a small net overfits within a few epochs.
        spec = make_spec(X, 9, learning_rate=1e-2, patience=2, max_epochs=40)
        (res,) = train_models([spec], X, y, engine=engine)
        best = int(np.argmin(res.history)) + 1
        assert res.best_epoch == best
        assert res.epochs_run == best + 2 < 40
        assert res.valid_loss == pytest.approx(min(res.history), rel=1e-6)
        target = (y[spec.valid_rows] - res.y_mean) / res.y_scale
        mse = np.mean((predict(res, spec, X, spec.valid_rows)[:, 0] - target) ** 2)
        assert mse == pytest.approx(res.valid_loss, rel=1e-4)

    @pytest.mark.parametrize("engine", ["batched", "skorch"])
    def test_without_validation_rows(self, qm9, engine):
        X, y = qm9
        spec = make_spec(X, 13, max_epochs=2, patience=None)
        spec.valid_rows = np.array([], dtype=np.int64)
        (res,) = train_models([spec], X, y, engine=engine)
        assert np.isnan(res.valid_loss) and res.best_epoch == res.epochs_run == 2
        assert all(np.isfinite(v).all() for v in res.state_dict.values())

    def test_callback_and_order(self, qm9):
        X, y = qm9
        specs = [
            make_spec(X, s, max_epochs=e, n_hidden=h)
            for s, e, h in [(1, 2, 3), (2, 1, 4), (3, 3, 3)]
        ]
        calls = []
        results = train_models(specs, X, y, callback=calls.append)
        assert calls == sorted(calls) and calls[-1] == 3
        assert [r.epochs_run for r in results] == [2, 1, 3]

    def test_validation(self, qm9):
        X, y = qm9
        spec = make_spec(X, 0)
        spec.architecture = [spec.architecture[0] + 1, *spec.architecture[1:]]
        with pytest.raises(ValueError, match="len\\(columns\\)"):
            train_models([spec], X, y)
        with pytest.raises(ValueError, match="engine"):
            train_models([make_spec(X, 0)], X, y, engine="keras")
        assert train_models([], X, y) == []

    @pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU error")
    def test_cuda_without_gpu(self, qm9):
        X, y = qm9
        with pytest.raises(ValueError, match="CUDA"):
            train_models([make_spec(X, 0)], X, y, device="cuda")


class TestAgainstSkorch:
    def test_comparable_oob_error(self, qm9):
        X, y = qm9
        specs = [make_spec(X, s) for s in (10, 11)]
        batched = train_models(specs, X, y, engine="batched")
        reference = train_models(specs, X, y, engine="skorch")
        rmse_b = np.mean([oob_rmse(r, s, X, y) for r, s in zip(batched, specs, strict=True)])
        rmse_s = np.mean([oob_rmse(r, s, X, y) for r, s in zip(reference, specs, strict=True)])
        baseline = np.mean([y[s.valid_rows].std() for s in specs])
        assert abs(rmse_b - rmse_s) <= 0.15 * rmse_s
        assert rmse_b < 0.85 * baseline and rmse_s < 0.85 * baseline
        # Same initial weights: the first epoch's losses agree closely despite other shuffles.
        for b, s in zip(batched, reference, strict=True):
            assert b.history[0] == pytest.approx(s.history[0], rel=0.1)

    @pytest.mark.parametrize("engine", ["batched", "skorch"])
    def test_classification(self, qm9, engine):
        X, y = qm9
        labels = (y > np.median(y)).astype(np.int64)
        spec = make_spec(X, 12, n_out=2, task="classification", max_epochs=10, patience=3)
        (res,) = train_models([spec], X, labels, engine=engine)
        assert res.y_mean == 0.0 and res.y_scale == 1.0
        logits = predict(res, spec, X, spec.valid_rows)
        assert logits.shape == (len(spec.valid_rows), 2)
        accuracy = np.mean(logits.argmax(axis=1) == labels[spec.valid_rows])
        assert accuracy > 0.65  # classes are balanced: chance is 0.5
