"""``expected_failed_checks``: a user's own ``check_estimator`` run, as the README shows it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from sklearn_shotgun import (
    CompositionFeaturizer,
    DescriptorFeaturizer,
    FingerprintFeaturizer,
    FrozenNetFeaturizer,
    NoTransferRegressor,
    ShotgunPretrainer,
    ShotgunTransferClassifier,
    ShotgunTransferRegressor,
    expected_failed_checks,
)


@pytest.fixture(scope="module")
def raw_library(qm9_frame):
    """Two tiny nets pretrained on the fingerprints of 100 QM9 molecules (raw SMILES in)."""
    frame = qm9_frame.iloc[:100]
    pretrainer = ShotgunPretrainer(
        FingerprintFeaturizer(n_bits=128, counts=True),
        n_models=2,
        max_epochs=3,
        random_state=0,
        verbose=0,
    )
    return pretrainer.fit(frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"]).library_


@pytest.fixture(scope="module")
def numeric_library():
    """Two tiny nets trained on a numeric descriptor matrix (featurizer=None)."""
    X = np.random.default_rng(0).normal(size=(80, 2))
    pool = ShotgunPretrainer(n_models=2, max_epochs=3, random_state=0, verbose=0)
    return pool.fit(X, X[:, 0] - X[:, 1]).library_


def _run(estimator):
    expected = expected_failed_checks(estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, expected_failed_checks=expected, on_fail=None)
    return expected, results


def _assert_story(expected, results, exact=True):
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert not failed, failed
    xfailed = {r["check_name"]: r for r in results if r["status"] == "xfail"}
    for name, result in xfailed.items():
        assert result["expected_to_fail_reason"] == expected[name]
        assert len(expected[name]) > 20, name  # a reason a reader can follow
    ran = {r["check_name"] for r in results}
    # No stale entry: every named check exists, and (where the checks are deterministic)
    # really fails.
    assert set(expected) <= ran
    if exact:
        assert set(xfailed) == set(expected)


@pytest.mark.parametrize(
    "featurizer",
    [
        FingerprintFeaturizer(),
        CompositionFeaturizer(),
        CompositionFeaturizer(stats=["gmean"], input="smiles"),
        DescriptorFeaturizer(),
    ],
    ids=repr,
)
def test_featurizer_check_estimator_as_a_user_runs_it(featurizer):
    # Exactly the user's call: raises on any check that fails without an expected reason.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(featurizer, expected_failed_checks=expected_failed_checks(featurizer))
    expected, results = _run(featurizer)
    _assert_story(expected, results)
    # (a few checks run twice, with different arguments)
    assert len({r["check_name"] for r in results if r["status"] == "xfail"}) == len(expected) > 20
    # the checks that apply still run and pass
    assert len({r["check_name"] for r in results if r["status"] == "passed"}) >= 15
    assert "check_estimators_nan_inf" in expected
    assert "NaN" in expected["check_estimators_nan_inf"]


def test_frozen_featurizer_raw_and_precomputed(raw_library, numeric_library):
    for estimator in [
        FrozenNetFeaturizer(raw_library[0]),
        FrozenNetFeaturizer(raw_library[0], precomputed=True),
        FrozenNetFeaturizer(numeric_library[0]),
        FrozenNetFeaturizer(numeric_library[0], precomputed=True),
    ]:
        _assert_story(*_run(estimator))
    assert expected_failed_checks(FrozenNetFeaturizer(numeric_library[0], precomputed=True)) == {}
    misconfigured = expected_failed_checks(FrozenNetFeaturizer(numeric_library[0]))
    assert "use precomputed=True" in misconfigured["check_transformer_general"]
    width = expected_failed_checks(FrozenNetFeaturizer(raw_library[0], precomputed=True))
    assert "fixed width" in width["check_estimators_pickle"]


def test_pretrainer_raw_and_numeric():
    raw = ShotgunPretrainer(FingerprintFeaturizer(n_bits=64), n_models=2, max_epochs=3, verbose=0)
    _assert_story(*_run(raw))
    numeric = ShotgunPretrainer(n_models=2, max_epochs=3, random_state=0, verbose=0)
    expected, results = _run(numeric)
    # Whether the sparse check trips over the missing classifier tags depends on the
    # classes the check draws; at least one of the two does.
    _assert_story(expected, results, exact=False)
    assert set(expected) == {"check_estimator_sparse_array", "check_estimator_sparse_matrix"}
    assert "task='regression'" in expected["check_estimator_sparse_matrix"]
    assert expected_failed_checks(numeric.set_params(task="regression")) == {}


@pytest.mark.parametrize("cls", [ShotgunTransferRegressor, ShotgunTransferClassifier])
def test_transfer_on_raw_inputs(cls, raw_library):
    estimator = cls(raw_library, cv=3, random_state=0)
    expected, results = _run(estimator)
    _assert_story(expected, results)
    kind = "regressor" if cls is ShotgunTransferRegressor else "classifier"
    assert any(kind in name for name in expected)


def test_numeric_estimators_expect_no_failure(numeric_library):
    # A numeric library makes the transfer estimators pass every check (run in
    # test_common.py); here only the dicts, which need no fitting.
    assert expected_failed_checks(ShotgunTransferRegressor(numeric_library)) == {}
    assert expected_failed_checks(ShotgunTransferClassifier(numeric_library)) == {}
    baseline = NoTransferRegressor(n_estimators=5, cv=2, random_state=0)
    assert expected_failed_checks(baseline) == {}
    _assert_story(*_run(baseline))
