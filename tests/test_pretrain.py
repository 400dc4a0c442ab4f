"""ShotgunPretrainer on QM9 heat capacities."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_shotgun import FingerprintFeaturizer, ModelLibrary, ShotgunPretrainer

CV = "Heatcapacity_Cv_cal_mol_K"


@pytest.fixture(scope="module")
def qm9_cv(qm9_frame):
    frame = qm9_frame.sample(n=1600, random_state=0)
    return frame["SMILES"].tolist(), frame[CV].to_numpy()


def _pretrainer(**params):
    defaults = dict(
        featurizer=FingerprintFeaturizer(counts=True, n_bits=1024),
        n_models=6,
        n_hidden_layers=(3, 4),
        max_epochs=(15, 25),
        learning_rate=(1e-3, 3e-3),
        chunk_size=3,
        random_state=0,
        verbose=0,
        property="Cv",
        units="cal/(mol K)",
        material="molecule",
        dataset="QM9",
    )
    defaults.update(params)
    return ShotgunPretrainer(**defaults)


def _assert_same_pool(a: ModelLibrary, b: ModelLibrary, exact: bool = True) -> None:
    assert a.ids == b.ids
    for ma, mb in zip(a, b, strict=True):
        assert ma.architecture == mb.architecture
        np.testing.assert_array_equal(ma.columns, mb.columns)
        for name in ma.state_dict:
            if exact:
                np.testing.assert_array_equal(ma.state_dict[name], mb.state_dict[name])
            else:
                np.testing.assert_allclose(ma.state_dict[name], mb.state_dict[name], atol=1e-4)


@pytest.fixture(scope="module")
def fitted(qm9_cv):
    X, y = qm9_cv
    return _pretrainer().fit(X[:1200], y[:1200])


class TestPool:
    def test_pool_size_and_metadata(self, fitted):
        lib = fitted.library_
        assert len(lib) == 6
        assert len(set(lib.ids)) == 6
        for model in lib:
            assert (model.property, model.units, model.material, model.dataset) == (
                "Cv",
                "cal/(mol K)",
                "molecule",
                "QM9",
            )
            assert model.featurizer["class"] == "FingerprintFeaturizer"
            assert model.featurizer["params"]["counts"] is True
            assert 3 <= model.n_hidden <= 4
            widths = model.hidden_widths
            assert all(a >= b for a, b in itertools.pairwise(widths))
            assert 10 <= widths[-1] <= 30
            assert model.training["optimizer"] == "adam"
            assert 15 <= model.training["max_epochs"] <= 25
            assert set(model.metrics) >= {"mae", "rmse", "r2", "pearson", "max_ae", "rows"}
            assert model.metrics["rows"] == "out-of-bag"

    def test_models_differ_in_columns_rows_and_seeds(self, fitted):
        lib = list(fitted.library_)
        assert len({m.training["seed"] for m in lib}) == len(lib)
        assert len({m.training["bootstrap_sha256"] for m in lib}) == len(lib)
        assert all(np.isin(m.columns, fitted.descriptor_columns_).all() for m in lib)

    def test_sparsity_filter(self, fitted, qm9_cv):
        X, _ = qm9_cv
        D = FingerprintFeaturizer(counts=True, n_bits=1024).fit_transform(X[:1200])
        nonzero_fraction = (D[:, fitted.descriptor_columns_] != 0).mean(axis=0)
        assert (nonzero_fraction >= 0.1 - 1e-9).all()
        dropped = np.setdiff1d(np.arange(D.shape[1]), fitted.descriptor_columns_)
        assert ((D[:, dropped] != 0).mean(axis=0) < 0.1 + 1e-9).all() or np.ptp(D[:, dropped]) == 0

    def test_source_models_learn_heat_capacity(self, fitted, qm9_cv):
        X, y = qm9_cv
        r2 = [m.metrics["r2"] for m in fitted.library_]
        assert np.median(r2) > 0.5, r2
        mean, std = fitted.predict(X[1200:], return_std=True)
        held_out = y[1200:]
        r2_pool = 1 - np.sum((mean - held_out) ** 2) / np.sum((held_out - held_out.mean()) ** 2)
        assert r2_pool > 0.6
        assert (std > 0).all()

    def test_each_model_reproduces_its_out_of_bag_metrics_from_raw_inputs(self, fitted, qm9_cv):
        # A SourceModel goes from raw SMILES to predictions on its own.
        X, y = qm9_cv
        model = fitted.library_[0]
        pred = model.predict(X[1200:])
        assert np.corrcoef(pred, y[1200:])[0, 1] > 0.6

    def test_library_round_trip(self, fitted, qm9_cv, tmp_path):
        X, _ = qm9_cv
        fitted.library_.save(tmp_path / "pool")
        loaded = ModelLibrary.load(tmp_path / "pool")
        _assert_same_pool(fitted.library_, loaded)
        np.testing.assert_array_equal(loaded[0].predict(X[:50]), fitted.library_[0].predict(X[:50]))


class TestReproducibility:
    def test_same_random_state_same_pool(self, fitted, qm9_cv):
        X, y = qm9_cv
        again = clone(fitted).fit(X[:1200], y[:1200])
        _assert_same_pool(fitted.library_, again.library_)

    def test_other_random_state_other_pool(self, fitted, qm9_cv):
        X, y = qm9_cv
        other = clone(fitted).set_params(random_state=1, n_models=3).fit(X[:1200], y[:1200])
        assert set(other.library_.ids).isdisjoint(fitted.library_.ids)

    def test_n_jobs_gives_the_same_pool(self, fitted, qm9_cv):
        X, y = qm9_cv
        parallel = clone(fitted).set_params(n_jobs=2).fit(X[:1200], y[:1200])
        # Bit for bit: the batched engine runs every op on one torch thread, however many
        # threads the worker has.
        _assert_same_pool(fitted.library_, parallel.library_)

    def test_dask_backend(self, fitted, qm9_cv):
        from dask.distributed import Client, LocalCluster
        from joblib import parallel_config

        X, y = qm9_cv
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster,
            Client(cluster),
            parallel_config(backend="dask"),
        ):
            pool = clone(fitted).set_params(n_jobs=-1).fit(X[:1200], y[:1200])
        _assert_same_pool(fitted.library_, pool.library_)


_KILLED_RUN = """
import sys, numpy as np, pandas as pd, torch
torch.set_num_threads(1)
sys.path.insert(0, {tests!r})
from test_pretrain import _pretrainer
frame = pd.read_csv({qm9!r}, nrows=3000).sample(n=1600, random_state=0)
X, y = frame["SMILES"].tolist()[:600], frame["{cv}"].to_numpy()[:600]
_pretrainer(n_models=12, chunk_size=2, checkpoint_dir={ckpt!r}).fit(X, y)
"""


@pytest.mark.slow
def test_resume_after_sigkill(qm9_cv, tmp_path, shared_data):
    """A run killed with SIGKILL resumes, trains only the missing chunks and equals a full run."""
    X, y = qm9_cv
    X, y = X[:600], y[:600]
    ckpt = tmp_path / "ckpt"
    script = _KILLED_RUN.format(
        tests=os.path.dirname(__file__),
        qm9=str(shared_data / "qm9_qm9pack" / "qm9.csv.gz"),
        cv=CV,
        ckpt=str(ckpt),
    )
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)])
    try:
        deadline = time.monotonic() + 120
        while not (ckpt / "chunk-00001" / "library.json").exists():
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = sorted(p.name for p in ckpt.glob("chunk-*"))
    assert 2 <= len(saved) < 6, saved

    resumed = _pretrainer(n_models=12, chunk_size=2, checkpoint_dir=ckpt).fit(X, y)
    assert resumed.n_trained_ == 12 - 2 * len(saved)
    uninterrupted = _pretrainer(n_models=12, chunk_size=2).fit(X, y)
    assert uninterrupted.n_trained_ == 12
    _assert_same_pool(resumed.library_, uninterrupted.library_)

    # Nothing left to do: a third call loads everything from the checkpoint.
    again = _pretrainer(n_models=12, chunk_size=2, checkpoint_dir=ckpt).fit(X, y)
    assert again.n_trained_ == 0
    _assert_same_pool(again.library_, uninterrupted.library_)


def test_checkpoint_of_another_run_is_refused(qm9_cv, tmp_path):
    X, y = qm9_cv
    _pretrainer(n_models=2, checkpoint_dir=tmp_path).fit(X[:300], y[:300])
    with pytest.raises(ValueError, match="different run"):
        _pretrainer(n_models=2, checkpoint_dir=tmp_path, random_state=5).fit(X[:300], y[:300])


def test_featurizer_that_cannot_be_stored_is_a_clear_error(qm9_cv):
    from sklearn_shotgun import CompositionFeaturizer
    from sklearn_shotgun.featurizers.elements import load_element_table

    featurizer = CompositionFeaturizer(input="smiles", element_table=load_element_table())
    X, y = qm9_cv
    with pytest.raises(ValueError, match=r"\['element_table'\] cannot be stored"):
        _pretrainer(featurizer=featurizer, n_models=1).fit(X[:100], y[:100])


def test_checkpoint_needs_a_fixed_random_state(qm9_cv, tmp_path):
    X, y = qm9_cv
    with pytest.raises(ValueError, match="integer random_state"):
        _pretrainer(n_models=2, checkpoint_dir=tmp_path, random_state=None).fit(X[:300], y[:300])


def test_engines_reach_the_same_quality(qm9_cv):
    X, y = qm9_cv
    params = dict(n_models=3, max_epochs=20, early_stopping=None, learning_rate=2e-3)
    batched = _pretrainer(engine="batched", **params).fit(X[:1000], y[:1000])
    reference = _pretrainer(engine="skorch", **params).fit(X[:1000], y[:1000])
    rmse_b = np.median([m.metrics["rmse"] for m in batched.library_])
    rmse_s = np.median([m.metrics["rmse"] for m in reference.library_])
    assert rmse_b < 1.25 * rmse_s and rmse_s < 1.25 * rmse_b, (rmse_b, rmse_s)


def test_classification_pool(qm9_cv):
    X, y = qm9_cv
    labels = np.where(y > np.median(y), "high", "low")
    pre = _pretrainer(n_models=3).fit(X[:1200], labels[:1200])
    assert pre.task_ == "classification"
    assert list(pre.classes_) == ["high", "low"]
    for model in pre.library_:
        assert model.task == "classification" and model.metrics["accuracy"] > 0.7
    proba = pre.predict_proba(X[1200:])
    assert proba.shape == (400, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    accuracy = np.mean(pre.predict(X[1200:]) == labels[1200:])
    assert accuracy > 0.75


class TestBadInput:
    def test_nan_target_names_rows(self, qm9_cv):
        X, y = qm9_cv
        y = y[:100].copy()
        y[[3, 7]] = np.nan
        with pytest.raises(ValueError, match=r"rows \[3, 7\]"):
            _pretrainer().fit(X[:100], y)

    def test_featurizer_failure_names_row(self, qm9_cv):
        X, y = qm9_cv
        X = list(X[:100])
        X[5] = "C1CC"
        with pytest.raises(ValueError, match="row 5: 'C1CC'"):
            _pretrainer().fit(X, y[:100])
        nan_featurizer = FingerprintFeaturizer(counts=True, errors="nan")
        with pytest.raises(ValueError, match=r"rows \[5\]"), pytest.warns(UserWarning):
            _pretrainer(featurizer=nan_featurizer).fit(X, y[:100])

    def test_length_mismatch(self, qm9_cv):
        X, y = qm9_cv
        with pytest.raises(ValueError, match="100 rows but y has 99"):
            _pretrainer().fit(X[:100], y[:99])

    def test_bootstrap_needs_rows(self, qm9_cv):
        X, y = qm9_cv
        with pytest.raises(ValueError, match="out-of-bag"):
            _pretrainer(bootstrap_size=5000).fit(X[:20], y[:20])

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"n_models": 0}, "n_models"),
            ({"n_hidden_layers": (4, 3)}, "low <= high"),
            ({"learning_rate": -1.0}, "positive"),
            ({"max_sparsity": 1.5}, "max_sparsity"),
            ({"bootstrap_size": (0.5, 100)}, "two ints"),
            ({"engine": "jax"}, "engine"),
            ({"task": "ranking"}, "task"),
            ({"early_stopping": 0}, "early_stopping"),
        ],
    )
    def test_invalid_parameters(self, qm9_cv, params, match):
        X, y = qm9_cv
        with pytest.raises(ValueError, match=match):
            _pretrainer(**params).fit(X[:50], y[:50])
