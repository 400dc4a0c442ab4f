"""Nested evaluation: a small QM9 Cv pool transferred to RadonPy polymer heat capacities."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    max_error,
    mean_absolute_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.model_selection import GroupKFold, KFold, ShuffleSplit
from sklearn.pipeline import make_pipeline

from sklearn_shotgun import FingerprintFeaturizer, ModelLibrary, NoTransferRegressor
from sklearn_shotgun.evaluation import TransferEvaluation, evaluate_transfer, untrained_library
from sklearn_shotgun.transfer import ShotgunTransferRegressor

# Fits recorded by RecordingRegressor, by log key. evaluate_transfer runs its fits in this
# process when n_jobs is None, and clone() deep-copies parameters, so the log is global.
_FIT_LOG: dict[str, list[dict]] = {}


class RecordingRegressor(RegressorMixin, BaseEstimator):
    """Wraps a regressor and records the rows, groups and library of every ``fit``."""

    def __init__(self, estimator=None, log_key="default"):
        self.estimator = estimator
        self.log_key = log_key

    def fit(self, X, y, groups=None):
        params = self.estimator.get_params()
        library = params.get("library")
        _FIT_LOG.setdefault(self.log_key, []).append(
            {
                "X": list(X),
                "y": np.asarray(y).copy(),
                "groups": None if groups is None else np.asarray(groups).copy(),
                "library_ids": None if library is None else list(library.ids),
            }
        )
        extra = {} if groups is None else {"groups": groups}
        self.estimator_ = clone(self.estimator).fit(X, y, **extra)
        for name in ("best_source_", "best_layer_", "best_score_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
        return self

    def predict(self, X):
        return self.estimator_.predict(X)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def small_forest():
    return make_pipeline(
        FingerprintFeaturizer(counts=True, n_bits=1024),
        RandomForestRegressor(n_estimators=50, random_state=0),
    )


@pytest.fixture(scope="module")
def recorded(qm9_pool, polymers, small_forest) -> tuple[TransferEvaluation, list[dict]]:
    """A full evaluation (transfer, baseline, untrained control) with every fit recorded."""
    X, y = polymers
    _FIT_LOG.pop("recorded", None)
    estimator = RecordingRegressor(
        ShotgunTransferRegressor(qm9_pool, layers="last", no_transfer=False, cv=3, random_state=0),
        log_key="recorded",
    )
    result = evaluate_transfer(
        estimator,
        X,
        y,
        cv=5,
        baseline=small_forest,
        control="untrained",
        random_state=0,
        return_predictions=True,
    )
    return result, _FIT_LOG.pop("recorded")


# --------------------------------------------------------------------------- folds


def test_outer_folds_partition_the_rows(recorded, polymers):
    result, _ = recorded
    n = len(polymers[1])
    assert len(result.splits) == 5
    tests = [test for _, test in result.splits]
    for train, test in result.splits:
        assert np.intersect1d(train, test).size == 0
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n))
    for a in range(5):
        for b in range(a + 1, 5):
            assert np.intersect1d(tests[a], tests[b]).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(n))
    # The int cv is KFold(shuffle=True, random_state): reproducible by the user.
    expected = list(KFold(5, shuffle=True, random_state=0).split(np.zeros((n, 1))))
    for (train, test), (e_train, e_test) in zip(result.splits, expected, strict=True):
        np.testing.assert_array_equal(train, e_train)
        np.testing.assert_array_equal(test, e_test)


def test_every_model_predicts_every_row_once_on_the_same_folds(recorded, polymers):
    result, _ = recorded
    n = len(polymers[1])
    pred = result.predictions
    assert set(pred["model"]) == {"transfer", "baseline", "control"}
    for model, frame in pred.groupby("model"):
        assert sorted(frame["row"]) == list(range(n)), model
        for fold, (_, test) in enumerate(result.splits):
            rows = frame.loc[frame["fold"] == fold, "row"].to_numpy()
            np.testing.assert_array_equal(np.sort(rows), np.sort(test))
    np.testing.assert_allclose(pred["y_true"], polymers[1][pred["row"]])


def test_transfer_and_control_are_fit_on_outer_train_rows_only(recorded, polymers, qm9_pool):
    result, log = recorded
    X, y = polymers
    row_of = {s: i for i, s in enumerate(X)}
    # Fits run in order: the transfer model on folds 0..4, the baseline, then the control.
    assert len(log) == 10
    for k, entry in enumerate(log):
        train, test = result.splits[k % 5]
        rows = np.array([row_of[s] for s in entry["X"]])
        np.testing.assert_array_equal(rows, train)  # the outer-train rows, in order
        assert not set(rows) & set(test)
        np.testing.assert_allclose(entry["y"], y[train])
        assert entry["groups"] is None
    assert all(e["library_ids"] == qm9_pool.ids for e in log[:5])
    control_ids = [f"{i}-untrained" for i in qm9_pool.ids]
    assert all(e["library_ids"] == control_ids for e in log[5:])


def test_selected_sources_per_fold(recorded, qm9_pool):
    result, _ = recorded
    sel = result.selected
    assert list(sel["model"]) == ["transfer"] * 5 + ["control"] * 5
    assert list(sel["fold"]) == [0, 1, 2, 3, 4] * 2
    assert set(sel.loc[sel["model"] == "transfer", "best_source"]) <= set(qm9_pool.ids)
    assert all(s.endswith("-untrained") for s in sel.loc[sel["model"] == "control", "best_source"])
    assert all(layer == -1 for layer in sel["best_layer"])
    assert np.isfinite(sel["inner_score"].astype(float)).all()
    assert (sel["inner_score"] < 0).all()  # neg_mean_absolute_error of the inner search
    assert set(result.fits["model"]) == {"transfer", "baseline", "control"}
    assert (result.fits["n_train"] + result.fits["n_test"] == 58).all()


# --------------------------------------------------------------------------- metrics


def _hand_metrics(y_true, y_pred):
    return {
        "mae": mean_absolute_error(y_true, y_pred),
        "rmse": root_mean_squared_error(y_true, y_pred),
        "max_ae": max_error(y_true, y_pred),
        "r2": r2_score(y_true, y_pred),
        "pearson": stats.pearsonr(y_true, y_pred)[0],
    }


def test_metrics_equal_a_hand_computation(recorded):
    result, _ = recorded
    pred, folds = result.predictions, result.folds
    assert list(folds.columns) == ["model", "fold", "metric", "value"]
    assert len(folds) == 3 * 5 * 5
    for (model, fold), frame in pred.groupby(["model", "fold"]):
        expected = _hand_metrics(frame["y_true"], frame["y_pred"])
        got = folds[(folds["model"] == model) & (folds["fold"] == fold)]
        got = dict(zip(got["metric"], got["value"], strict=True))
        assert got.keys() == expected.keys()
        for metric, value in expected.items():
            assert got[metric] == pytest.approx(value, rel=1e-10), (model, fold, metric)
    summary = result.summary
    assert list(summary.index) == ["transfer", "baseline", "control"]
    for model, frame in pred.groupby("model"):
        overall = _hand_metrics(frame["y_true"], frame["y_pred"])
        for metric, value in overall.items():
            per_fold = folds[(folds["model"] == model) & (folds["metric"] == metric)]["value"]
            assert summary.loc[model, (metric, "overall")] == pytest.approx(value, rel=1e-10)
            assert summary.loc[model, (metric, "mean")] == pytest.approx(per_fold.mean())
            assert summary.loc[model, (metric, "std")] == pytest.approx(per_fold.std(ddof=0))


def test_transfer_predictions_equal_a_manual_outer_loop(recorded, qm9_pool, polymers):
    """Fold 2 of the transfer model, refit by hand on its outer-train rows."""
    result, _ = recorded
    X, y = polymers
    train, test = result.splits[2]
    model = ShotgunTransferRegressor(
        qm9_pool, layers="last", no_transfer=False, cv=3, random_state=0
    )
    model.fit([X[i] for i in train], y[train])
    pred = result.predictions
    mine = pred[(pred["model"] == "transfer") & (pred["fold"] == 2)].sort_values("row")
    order = np.argsort(test)
    np.testing.assert_allclose(
        mine["y_pred"].to_numpy(), model.predict([X[i] for i in test])[order], rtol=1e-10
    )
    sel = result.selected
    assert sel[(sel["model"] == "transfer") & (sel["fold"] == 2)]["best_source"].item() == (
        model.best_source_
    )


def test_report(recorded):
    result, _ = recorded
    text = str(result)
    assert text == result.to_string()
    assert "58 samples, 5 outer folds" in text
    for word in ("transfer", "baseline", "control", "mae", "pearson", "optimistic"):
        assert word in text
    mae = result.summary.loc["transfer", ("mae", "mean")]
    assert f"{mae:.4g}" in text
    assert "TransferEvaluation(" in repr(result)
    assert result.models == ["transfer", "baseline", "control"]
    assert result.metrics == ["mae", "rmse", "max_ae", "r2", "pearson"]


# --------------------------------------------------------------------------- default baseline


@pytest.mark.slow
def test_default_baseline_is_the_best_no_transfer_model(qm9_pool, polymers):
    X, y = polymers
    result = evaluate_transfer(
        ShotgunTransferRegressor(qm9_pool, cv=3, layers="last", top_k=3, random_state=0),
        X,
        y,
        cv=3,
        random_state=0,
        return_predictions=True,
    )
    assert result.models == ["transfer", "baseline"]
    train, _ = result.splits[0]
    # The default baseline is NoTransferRegressor, fit on the outer-training rows only.
    best = NoTransferRegressor(random_state=0).fit([X[i] for i in train], y[train])
    assert set(best.cv_results_["descriptor"]) == {"morgan_counts", "rdkit2d", "composition"}
    pred = result.predictions
    mine = pred[(pred["model"] == "baseline") & (pred["fold"] == 0)]
    np.testing.assert_allclose(
        mine["y_pred"].to_numpy(), best.predict([X[i] for i in mine["row"]]), rtol=1e-12
    )


def test_variants_share_folds_baseline_and_control(qm9_pool, polymers, small_forest):
    X, y = polymers
    variants = {
        "last layer": ShotgunTransferRegressor(
            qm9_pool, cv=3, layers="last", no_transfer=False, random_state=0
        ),
        "each layer": ShotgunTransferRegressor(
            qm9_pool, cv=3, layers="each", no_transfer=False, random_state=0
        ),
    }
    result = evaluate_transfer(
        variants, X, y, cv=3, baseline=small_forest, control="untrained", random_state=0
    )
    assert result.models == ["last layer", "each layer", "baseline", "control"]
    # One call equals separate calls on the same folds.
    alone = evaluate_transfer(
        variants["each layer"], X, y, cv=3, baseline=small_forest, random_state=0
    )
    for name, other in (("each layer", "transfer"), ("baseline", "baseline")):
        np.testing.assert_allclose(
            result.summary.loc[name, ("mae", "mean")], alone.summary.loc[other, ("mae", "mean")]
        )
    # The control is the first variant's search over untrained weights.
    assert set(result.selected["model"]) == {"last layer", "each layer", "control"}
    assert (result.selected[result.selected["model"] == "control"]["best_layer"] == -1).all()


@pytest.mark.parametrize(
    ("variants", "match"),
    [
        ({}, "empty dict"),
        ({"baseline": Ridge()}, "other than 'baseline'"),
        ({1: Ridge()}, "variant names must be strings"),
    ],
)
def test_bad_variants(variants, match):
    X, y = np.zeros((10, 2)), np.arange(10.0)
    with pytest.raises(ValueError, match=match):
        evaluate_transfer(variants, X, y, baseline=None)


# --------------------------------------------------------------------------- untrained control


def test_untrained_library_keeps_everything_but_the_weights(qm9_pool, polymers):
    control = untrained_library(qm9_pool, random_state=0)
    assert isinstance(control, ModelLibrary)
    assert control.ids == [f"{i}-untrained" for i in qm9_pool.ids]
    for trained, fresh in zip(qm9_pool, control, strict=True):
        assert fresh.architecture == trained.architecture
        assert fresh.activation == trained.activation
        assert fresh.featurizer == trained.featurizer
        assert (fresh.property, fresh.dataset, fresh.task) == (
            trained.property,
            trained.dataset,
            trained.task,
        )
        np.testing.assert_array_equal(fresh.columns, trained.columns)
        np.testing.assert_array_equal(fresh.x_mean, trained.x_mean)
        np.testing.assert_array_equal(fresh.x_scale, trained.x_scale)
        assert (fresh.y_mean, fresh.y_scale) == (trained.y_mean, trained.y_scale)
        assert fresh.metrics == {}
        assert fresh.training["untrained"] is True
        assert fresh.training["pretrained_id"] == trained.id
        assert fresh.state_dict.keys() == trained.state_dict.keys()
        for name, weights in fresh.state_dict.items():
            assert weights.dtype == np.float32
            assert weights.shape == trained.state_dict[name].shape
            assert not np.array_equal(weights, trained.state_dict[name])
            # PyTorch's default nn.Linear init: |w|, |b| <= 1 / sqrt(fan_in).
            fan_in = fresh.state_dict[name.replace("bias", "weight")].shape[1]
            assert np.abs(weights).max() <= 1 / math.sqrt(fan_in) + 1e-7
    # Raw inputs go through the same featurizer and columns; only the features differ.
    X = polymers[0][:10]
    trained_h, fresh_h = qm9_pool[0].transform(X), control[0].transform(X)
    assert trained_h.shape == fresh_h.shape
    assert not np.allclose(trained_h, fresh_h)
    # The original library is untouched.
    assert all(m.metrics for m in qm9_pool)


def test_untrained_library_is_deterministic(qm9_pool):
    a = untrained_library(qm9_pool, random_state=3)
    b = untrained_library(qm9_pool, random_state=3)
    c = untrained_library(qm9_pool, random_state=4)
    for ma, mb, mc in zip(a, b, c, strict=True):
        assert ma.sha256 == mb.sha256
        assert ma.sha256 != mc.sha256
    # One seed per model: models of equal shape still get different weights.
    seeds = [m.training["init_seed"] for m in a]
    assert len(set(seeds)) == len(seeds)
    rs = untrained_library(qm9_pool, random_state=np.random.RandomState(5))
    assert [m.sha256 for m in rs] == [
        m.sha256 for m in untrained_library(qm9_pool, random_state=np.random.RandomState(5))
    ]
    with pytest.raises(TypeError, match="ModelLibrary"):
        untrained_library(list(qm9_pool), random_state=0)


def test_untrained_library_cuts_long_ids(qm9_pool):
    long = ModelLibrary([dataclasses.replace(qm9_pool[0], id="x" * 128)])
    (model,) = untrained_library(long, random_state=0)
    assert len(model.id) == 128
    assert model.id.endswith("-untrained")


def test_library_given_as_a_path(qm9_pool, polymers, tmp_path):
    X, y = polymers
    qm9_pool.save(tmp_path / "qm9_pool")
    result = evaluate_transfer(
        ShotgunTransferRegressor(
            str(tmp_path / "qm9_pool"), layers="last", no_transfer=False, cv=3, random_state=0
        ),
        X,
        y,
        cv=3,
        baseline=None,
        control="untrained",
        random_state=0,
    )
    sel = result.selected
    assert set(sel.loc[sel["model"] == "transfer", "best_source"]) <= set(qm9_pool.ids)
    control = set(sel.loc[sel["model"] == "control", "best_source"])
    assert control <= {f"{i}-untrained" for i in qm9_pool.ids}


# --------------------------------------------------------------------------- groups, splitters


def test_groups_reach_the_outer_split_and_the_inner_fit(qm9_pool, polymers):
    X, y = polymers
    groups = np.arange(len(y)) % 7
    _FIT_LOG.pop("groups", None)
    est = RecordingRegressor(
        ShotgunTransferRegressor(qm9_pool, cv=GroupKFold(3), random_state=0), log_key="groups"
    )
    result = evaluate_transfer(
        est, X, y, cv=3, groups=groups, baseline=None, random_state=0, return_predictions=True
    )
    log = _FIT_LOG.pop("groups")
    assert len(result.splits) == 3
    for (train, test), entry in zip(result.splits, log, strict=True):
        assert not set(groups[train]) & set(groups[test])  # GroupKFold: groups never split
        np.testing.assert_array_equal(entry["groups"], groups[train])


def test_custom_splitters(polymers):
    X, y = polymers
    est = make_pipeline(FingerprintFeaturizer(counts=True, n_bits=256), Ridge())
    # A list of (train, test) pairs is used as is.
    splits = [(np.arange(20, 58), np.arange(20)), (np.arange(20), np.arange(20, 58))]
    result = evaluate_transfer(est, X, y, cv=splits, baseline=None, return_predictions=True)
    assert result.models == ["transfer"]
    assert len(result.splits) == 2
    np.testing.assert_array_equal(result.splits[0][1], np.arange(20))
    # Overlapping test sets: allowed; the overall metric pools every prediction.
    ss = ShuffleSplit(n_splits=4, test_size=0.3, random_state=0)
    result = evaluate_transfer(est, X, y, cv=ss, baseline=None, return_predictions=True)
    pred = result.predictions
    assert len(pred) == 4 * 18
    assert result.summary.loc["transfer", ("mae", "overall")] == pytest.approx(
        mean_absolute_error(pred["y_true"], pred["y_pred"])
    )
    assert result.selected.empty  # a plain pipeline has no best_source_
    assert result.predictions is not None
    assert evaluate_transfer(est, X, y, cv=ss, baseline=None).predictions is None


def test_random_state_fixes_the_outer_folds(polymers):
    X, y = polymers
    est = make_pipeline(FingerprintFeaturizer(counts=True, n_bits=256), Ridge())
    a = evaluate_transfer(est, X, y, cv=4, baseline=None, random_state=1)
    b = evaluate_transfer(est, X, y, cv=4, baseline=None, random_state=1)
    c = evaluate_transfer(est, X, y, cv=4, baseline=None, random_state=2)
    for (_, ta), (_, tb) in zip(a.splits, b.splits, strict=True):
        np.testing.assert_array_equal(ta, tb)
    assert any(
        not np.array_equal(ta, tc) for (_, ta), (_, tc) in zip(a.splits, c.splits, strict=True)
    )
    pd.testing.assert_frame_equal(a.folds, b.folds)


# --------------------------------------------------------------------------- classification


class _SmilesLength(ClassifierMixin, BaseEstimator):
    """A tiny classifier on raw SMILES: logistic regression on the string length."""

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(np.array([[len(s)] for s in X]), y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(np.array([[len(s)] for s in X]))


def test_classifier_uses_stratified_folds_and_label_metrics(polymers):
    X, y = polymers
    labels = np.where(y > np.median(y), "high", "low")
    result = evaluate_transfer(
        _SmilesLength(),
        X,
        labels,
        cv=4,
        baseline=DummyClassifier(strategy="most_frequent"),
        random_state=0,
        return_predictions=True,
        verbose=1,
    )
    assert result.task == "classification"
    assert result.metrics == ["accuracy", "f1"]
    for _, test in result.splits:  # stratified: both classes in every outer-test fold
        counts = pd.Series(labels[test]).value_counts()
        assert set(counts.index) == {"high", "low"}
        assert abs(counts["high"] - counts["low"]) <= 1
    pred, folds = result.predictions, result.folds
    for (model, fold), frame in pred.groupby(["model", "fold"]):
        got = folds[(folds["model"] == model) & (folds["fold"] == fold)].set_index("metric")
        assert got.loc["accuracy", "value"] == pytest.approx(
            accuracy_score(frame["y_true"], frame["y_pred"])
        )
        assert got.loc["f1", "value"] == pytest.approx(
            f1_score(frame["y_true"], frame["y_pred"], average="macro", zero_division=0)
        )
    assert result.summary.loc["baseline", ("accuracy", "mean")] == pytest.approx(0.5, abs=0.05)


def test_dict_scoring(polymers):
    X, y = polymers
    est = make_pipeline(FingerprintFeaturizer(counts=True, n_bits=256), Ridge())
    result = evaluate_transfer(
        est,
        X,
        y,
        cv=3,
        baseline=DummyRegressor(),
        random_state=0,
        scoring={"mae": "mae", "bias": lambda t, p: float(np.mean(p - t))},
        return_predictions=True,
    )
    assert result.metrics == ["mae", "bias"]
    pred = result.predictions
    base = pred[pred["model"] == "baseline"]
    assert result.summary.loc["baseline", ("bias", "overall")] == pytest.approx(
        np.mean(base["y_pred"] - base["y_true"])
    )


# --------------------------------------------------------------------------- errors


def test_errors(qm9_pool, polymers):
    X, y = polymers
    est = make_pipeline(FingerprintFeaturizer(counts=True, n_bits=256), Ridge())
    y_nan = y.copy()
    y_nan[[3, 17]] = np.nan
    with pytest.raises(ValueError, match=r"row 3: .*nan.*row 17"):
        evaluate_transfer(est, X, y_nan, baseline=None)
    with pytest.raises(ValueError, match="X has 58 rows but y has 57"):
        evaluate_transfer(est, X, y[:-1], baseline=None)
    with pytest.raises(ValueError, match=r"too few rows for 5 outer folds: got 9, need at least"):
        evaluate_transfer(est, X[:9], y[:9], cv=5, baseline=None)
    with pytest.raises(ValueError, match="cv must be >= 2"):
        evaluate_transfer(est, X, y, cv=1, baseline=None)
    with pytest.raises(ValueError, match="groups must be 1-D"):
        evaluate_transfer(est, X, y, groups=np.zeros(10), baseline=None)
    with pytest.raises(ValueError, match="numeric"):
        evaluate_transfer(est, X, np.array(["a"] * 58), baseline=None)
    with pytest.raises(ValueError, match="1-D"):
        evaluate_transfer(est, X, np.c_[y, y], baseline=None)
    # The defaults that need a library say so for an estimator without one.
    with pytest.raises(ValueError, match=r"baseline='default'.*no 'library' parameter"):
        evaluate_transfer(est, X, y)
    with pytest.raises(ValueError, match=r"control='untrained'.*no 'library' parameter"):
        evaluate_transfer(est, X, y, baseline=None, control="untrained")
    transfer = ShotgunTransferRegressor(qm9_pool, cv=5)
    with pytest.raises(ValueError, match="control must be 'untrained'"):
        evaluate_transfer(transfer, X, y, baseline=None, control="random")
    with pytest.raises(ValueError, match="baseline must be 'default'"):
        evaluate_transfer(transfer, X, y, baseline="forest")
    # The transfer estimator's inner 5-fold search needs >= 5 rows in every outer-train fold.
    splits = [(np.arange(4), np.arange(4, 58))]
    with pytest.raises(ValueError, match="fewer than the estimator's inner cv=5"):
        evaluate_transfer(transfer, X, y, cv=splits, baseline=None)
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate_transfer(est, X, y, baseline=None, scoring=("mae", "mape!"))
    with pytest.raises(ValueError, match="classification metrics"):
        evaluate_transfer(est, X, y, baseline=None, scoring=("accuracy",))
    with pytest.raises(ValueError, match="train and test rows overlap"):
        evaluate_transfer(est, X, y, cv=[(np.arange(30), np.arange(20, 58))], baseline=None)


def test_a_failing_fit_names_model_and_fold(polymers):
    X, y = polymers

    class Broken(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            raise RuntimeError("boom")

        def predict(self, X):  # pragma: no cover
            return np.zeros(len(X))

    with pytest.raises(RuntimeError, match="boom") as info:
        evaluate_transfer(Broken(), X, y, cv=3, baseline=None)
    notes = getattr(info.value, "__notes__", None)
    if notes is not None:  # Python >= 3.11
        assert "transfer model on outer fold 0" in notes[0]


# --------------------------------------------------------------------------- parallel


@pytest.mark.slow
def test_parallel_outer_folds_match_sequential(qm9_pool, polymers):
    X, y = polymers
    est = ShotgunTransferRegressor(qm9_pool, cv=3, random_state=0)
    kw = dict(cv=3, baseline=DummyRegressor(), control="untrained", random_state=0)
    seq = evaluate_transfer(est, X, y, **kw)
    par = evaluate_transfer(est, X, y, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(seq.folds, par.folds)
    pd.testing.assert_frame_equal(seq.selected, par.selected)


def test_warnings_of_the_outer_fits_are_issued_once_per_model(polymers):
    """Five outer fits warning the same thing with other numbers give one warning, which
    names the model and the folds (also from process workers, whose warnings would
    otherwise never reach the caller)."""
    X, y = polymers

    class Chatty(DummyRegressor):
        def fit(self, X, y, sample_weight=None):
            warnings.warn(f"saw {len(y)} rows, mean {np.mean(y):.2f}", UserWarning, stacklevel=2)
            warnings.warn("old API", DeprecationWarning, stacklevel=2)
            return super().fit(X, y, sample_weight)

    for n_jobs in (None, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", DeprecationWarning)  # the caller's filters hold
            evaluate_transfer(Chatty(), X, y, cv=5, baseline=Chatty(), n_jobs=n_jobs)
        texts = sorted(str(w.message) for w in caught)
        assert len(texts) == 2, texts  # transfer and baseline, no deprecation
        assert texts[0].startswith("saw 46 rows") or texts[0].startswith("saw 47 rows")
        assert texts[0].endswith(
            "[evaluate_transfer: the baseline model, outer fold(s) 0, 1, 2, 3, 4]"
        )
        assert texts[1].endswith(
            "[evaluate_transfer: the transfer model, outer fold(s) 0, 1, 2, 3, 4]"
        )


def test_a_failing_fit_carries_its_warnings(polymers):
    X, y = polymers

    class Doomed(DummyRegressor):
        def fit(self, X, y, sample_weight=None):
            warnings.warn("the input looks odd", UserWarning, stacklevel=2)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom") as info:
        evaluate_transfer(Doomed(), X, y, cv=3, baseline=None)
    assert "warning before it: UserWarning: the input looks odd" in info.value.__notes__
