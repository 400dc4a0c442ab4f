"""The fast forests equal scikit-learn's, tree for tree."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from sklearn_shotgun._forest import FastRandomForestClassifier, FastRandomForestRegressor


def _assert_same_forest(a, b, X):
    assert sorted(vars(a)) == sorted(vars(b))
    for key in ("n_features_in_", "n_outputs_", "_n_samples", "_n_samples_bootstrap"):
        assert getattr(a, key) == getattr(b, key), key
    assert len(a.estimators_) == len(b.estimators_)
    assert [t.random_state for t in a.estimators_] == [t.random_state for t in b.estimators_]
    for ta, tb in zip(a.estimators_, b.estimators_, strict=True):
        # Every fitted attribute the trees carry, not only their nodes.
        assert sorted(vars(ta)) == sorted(vars(tb))
        for key, value in vars(tb).items():
            if key != "tree_":
                np.testing.assert_array_equal(getattr(ta, key), value, err_msg=key)
        for key in ("feature", "threshold", "children_left", "value", "n_node_samples"):
            np.testing.assert_array_equal(getattr(ta.tree_, key), getattr(tb.tree_, key))
    # With several threads scikit-learn sums the trees in a varying order.
    same = np.testing.assert_array_equal
    if b.n_jobs not in (None, 1):

        def same(u, v):
            np.testing.assert_allclose(u, v, rtol=1e-12)

    same(a.predict(X), b.predict(X))
    if hasattr(b, "predict_proba"):
        same(a.predict_proba(X), b.predict_proba(X))
        np.testing.assert_array_equal(a.classes_, b.classes_)
        assert a.n_classes_ == b.n_classes_
    same(a.feature_importances_, b.feature_importances_)


@pytest.mark.parametrize(
    "fast, reference",
    [
        (FastRandomForestRegressor, RandomForestRegressor),
        (FastRandomForestClassifier, RandomForestClassifier),
    ],
)
def test_identical_to_scikit_learn(fast, reference, qm9_pool, polymers):
    X, y = polymers
    H = qm9_pool[0].transform(X)
    if reference is RandomForestClassifier:
        y = y > np.median(y)
    params = dict(n_estimators=37, max_features=7, random_state=3)
    a, b = fast(**params).fit(H, y), reference(**params).fit(H, y)
    _assert_same_forest(a, b, H[::-1])


@pytest.fixture
def tiny():
    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(48, 60)).astype(np.float64)
    y = X[:, :5].sum(1) + rng.normal(size=48)
    return X, y


@pytest.mark.parametrize(
    "params",
    [
        {},  # the transfer heads' setting: 100 trees, all features
        {"n_estimators": 13, "max_features": "sqrt", "min_samples_leaf": 0.05},
        {"n_estimators": 9, "max_features": 0.4, "max_depth": 3, "max_samples": 20},
        {"n_estimators": 9, "max_features": None, "criterion": "absolute_error"},
        {"n_estimators": 9, "min_samples_split": 0.2, "min_weight_fraction_leaf": 0.05},
        {"n_estimators": 9, "random_state": np.random.RandomState(7)},
        # Outside the bulk path: scikit-learn's own fit, still the same forest.
        {"n_estimators": 9, "bootstrap": False},
        {"n_estimators": 9, "oob_score": True},
        {"n_estimators": 9, "n_jobs": 2},
        {"n_estimators": 9, "max_leaf_nodes": 6},
    ],
)
def test_regressor_settings(tiny, params):
    X, y = tiny
    params = {"random_state": 5, **params}
    if isinstance(params["random_state"], np.random.RandomState):
        a = FastRandomForestRegressor(**{**params, "random_state": np.random.RandomState(7)})
        b = RandomForestRegressor(**{**params, "random_state": np.random.RandomState(7)})
    else:
        a, b = FastRandomForestRegressor(**params), RandomForestRegressor(**params)
    a.fit(X, y)
    b.fit(X, y)
    _assert_same_forest(a, b, X[::-1] + 0.5)
    assert a.get_params() == FastRandomForestRegressor(**a.get_params()).get_params()


def test_missing_values_and_sample_weight(tiny):
    X, y = tiny
    X = X.copy()
    X[::7, 3] = np.nan
    for extra in ({}, {"sample_weight": np.arange(1.0, 49.0)}):
        a = FastRandomForestRegressor(n_estimators=11, random_state=2).fit(X, y, **extra)
        b = RandomForestRegressor(n_estimators=11, random_state=2).fit(X, y, **extra)
        _assert_same_forest(a, b, X[::-1])


@pytest.mark.parametrize(
    "params", [{}, {"criterion": "entropy", "max_features": 0.3}, {"class_weight": "balanced"}]
)
def test_classifier_multiclass_string_labels(tiny, params):
    X, y = tiny
    labels = np.array(["low", "mid", "high"])[np.digitize(y, np.quantile(y, [0.3, 0.7]))]
    a = FastRandomForestClassifier(n_estimators=15, random_state=4, **params).fit(X, labels)
    b = RandomForestClassifier(n_estimators=15, random_state=4, **params).fit(X, labels)
    _assert_same_forest(a, b, X[::-1] + 0.5)
    assert a.predict(X).dtype == labels.dtype


def test_invalid_parameters_raise_as_scikit_learn(tiny):
    X, y = tiny
    with pytest.raises(ValueError, match="n_estimators"):
        FastRandomForestRegressor(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="max_samples"):
        FastRandomForestRegressor(max_samples=0.0).fit(X, y)
    with pytest.raises(ValueError, match="contains infinity"):
        FastRandomForestRegressor(n_estimators=3).fit(np.where(X > 2, np.inf, X), y)
