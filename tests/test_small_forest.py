"""The compiled small-data forests grow scikit-learn's trees and forests as accurate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_shotgun import DescriptorFeaturizer
from sklearn_shotgun._small_forest import SmallForestClassifier, SmallForestRegressor


@pytest.fixture(scope="module")
def cp_descriptors(polymers):
    """RDKit 2D descriptors of the 58 polymers, and their heat capacity Cp."""
    smiles, cp = polymers
    X = DescriptorFeaturizer().fit_transform(smiles)
    return np.nan_to_num(np.asarray(X, dtype=np.float32)), cp


@parametrize_with_checks([SmallForestRegressor(n_estimators=5, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("max_depth", [2, 4, None])
@pytest.mark.parametrize("min_samples_leaf", [1, 3])
def test_one_tree_without_randomness_is_scikit_learns_tree(
    cp_descriptors, max_depth, min_samples_leaf
):
    # No bootstrap and every feature at every node: CART is deterministic up to ties
    # between features that split the rows the same way, so the partition of the training
    # rows, hence their predictions, is scikit-learn's.
    X, y = cp_descriptors
    ours = SmallForestRegressor(
        1,
        bootstrap=False,
        max_features=None,
        max_depth=max_depth,
        min_samples_leaf=min_samples_leaf,
        random_state=0,
    ).fit(X, y)
    tree = DecisionTreeRegressor(
        max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=0
    ).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), tree.predict(X), rtol=1e-10)
    assert (ours.tree_feature_ >= 0).sum() == (tree.tree_.feature >= 0).sum()


def test_thresholds_are_midpoints_and_route_rows_as_fitted(cp_descriptors):
    X, y = cp_descriptors
    forest = SmallForestRegressor(20, random_state=0).fit(X, y)
    internal = forest.tree_feature_ >= 0
    assert internal.any()
    # every threshold lies between two of the training values of its feature
    for t, node in zip(*np.nonzero(internal), strict=True):
        column = X[:, forest.tree_feature_[t, node]]
        below, above = (
            column[column <= forest.tree_threshold_[t, node]],
            column[column > forest.tree_threshold_[t, node]],
        )
        assert below.size and above.size


def test_same_seed_same_forest_and_n_jobs_does_not_matter(cp_descriptors):
    X, y = cp_descriptors
    a = SmallForestRegressor(30, random_state=3).fit(X, y)
    b = SmallForestRegressor(30, random_state=3, n_jobs=2).fit(X, y)
    c = SmallForestRegressor(30, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_leaves_hold_min_samples_leaf_rows(cp_descriptors):
    X, y = cp_descriptors
    forest = SmallForestRegressor(1, bootstrap=False, min_samples_leaf=6, random_state=0)
    prediction = forest.fit(X, y).predict(X)
    _, counts = np.unique(prediction, return_counts=True)
    assert counts.min() >= 6
    deep = SmallForestRegressor(1, bootstrap=False, random_state=0).fit(X, y)
    np.testing.assert_allclose(deep.predict(X), y)  # grown to purity: training rows recalled


def test_max_features_draws_fewer_features_per_node(cp_descriptors):
    X, y = cp_descriptors
    one = SmallForestRegressor(50, max_features=1, random_state=0).fit(X, y)
    every = SmallForestRegressor(50, random_state=0).fit(X, y)
    # with one random feature per node the root splits spread over many features
    roots_one = np.unique(one.tree_feature_[:, 0]).size
    roots_every = np.unique(every.tree_feature_[:, 0]).size
    assert roots_one > 3 * roots_every


def test_as_accurate_as_scikit_learns_forest(cp_descriptors):
    # Same model, other random streams: the cross-validated error of five seeds each
    # agrees within the seeds' spread.
    X, y = cp_descriptors
    cv = KFold(5, shuffle=True, random_state=0)

    def mae(model):
        return -cross_val_score(model, X, y, cv=cv, scoring="neg_mean_absolute_error").mean()

    ours = [mae(SmallForestRegressor(100, random_state=s)) for s in range(5)]
    theirs = [mae(RandomForestRegressor(100, random_state=s)) for s in range(5)]
    assert abs(np.mean(ours) / np.mean(theirs) - 1) < 0.05


def test_missing_values_fall_back_to_scikit_learns_forest(cp_descriptors):
    X, y = cp_descriptors
    X = X.copy()
    X[::5, 3] = np.nan
    forest = SmallForestRegressor(10, random_state=0).fit(X, y)
    assert isinstance(forest.fallback_, RandomForestRegressor)
    assert np.isfinite(forest.predict(X)).all()


def test_predict_rejects_wrong_width(cp_descriptors):
    X, y = cp_descriptors
    forest = SmallForestRegressor(5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        forest.predict(X[:, :-1])


def test_many_rows_fall_back_to_scikit_learns_forest(monkeypatch, cp_descriptors):
    from sklearn_shotgun import _small_forest

    X, y = cp_descriptors
    monkeypatch.setattr(_small_forest, "MAX_ROWS", 40)
    forest = SmallForestRegressor(10, random_state=0).fit(X, y)
    assert isinstance(forest.fallback_, RandomForestRegressor)
    monkeypatch.setattr(_small_forest, "MAX_ROWS", 58)
    assert SmallForestRegressor(10, random_state=0).fit(X, y).fallback_ is None


# -- classifier ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cp_classes(cp_descriptors):
    """The 58 polymers' Cp in three classes (tertiles)."""
    X, y = cp_descriptors
    return X, np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))


@parametrize_with_checks([SmallForestClassifier(n_estimators=5, random_state=0)])
def test_classifier_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("max_depth", [2, 4, None])
def test_one_classification_tree_without_randomness_is_scikit_learns_tree(cp_classes, max_depth):
    X, y = cp_classes
    ours = SmallForestClassifier(
        1, bootstrap=False, max_features=None, max_depth=max_depth, random_state=0
    ).fit(X, y)
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), tree.predict_proba(X), rtol=1e-10)
    assert (ours.tree_feature_ >= 0).sum() == (tree.tree_.feature >= 0).sum()


def test_classifier_labels_probabilities_and_fallback(cp_classes):
    X, codes = cp_classes
    labels = np.array(["low", "mid", "high"])[codes]
    forest = SmallForestClassifier(30, random_state=0).fit(X, labels)
    np.testing.assert_array_equal(forest.classes_, ["high", "low", "mid"])
    proba = forest.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(forest.predict(X)) <= set(labels)
    X_nan = X.copy()
    X_nan[::4, 0] = np.nan
    fallback = SmallForestClassifier(10, random_state=0).fit(X_nan, labels)
    assert isinstance(fallback.fallback_, RandomForestClassifier)
    np.testing.assert_array_equal(fallback.fallback_.classes_, forest.classes_)


def test_classifier_as_accurate_as_scikit_learns_forest(cp_classes):
    X, y = cp_classes
    cv = StratifiedKFold(5, shuffle=True, random_state=0)

    def accuracy(model):
        return cross_val_score(model, X, y, cv=cv).mean()

    ours = [accuracy(SmallForestClassifier(100, random_state=s)) for s in range(5)]
    theirs = [accuracy(RandomForestClassifier(100, random_state=s)) for s in range(5)]
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.05


def test_missing_values_at_predict_go_to_the_larger_child(cp_descriptors):
    X, y = cp_descriptors
    forest = SmallForestRegressor(20, random_state=0).fit(X, y)
    X_nan = X[:5].copy()
    X_nan[:, :] = np.nan
    # every row sent down the larger child of each node: one value per tree, the same rows
    prediction = forest.predict(X_nan)
    assert np.isfinite(prediction).all()
    assert np.ptp(prediction) == 0


def test_fallback_checks_feature_names(cp_descriptors):
    import pandas as pd

    X, y = cp_descriptors
    frame = pd.DataFrame(X, columns=[f"d{i}" for i in range(X.shape[1])])
    frame.iloc[::5, 3] = np.nan
    forest = SmallForestRegressor(5, random_state=0).fit(frame, y)
    assert forest.fallback_ is not None and not hasattr(forest, "tree_feature_")
    with pytest.raises(ValueError, match="feature names"):
        forest.predict(frame[frame.columns[::-1]])
    assert np.isfinite(forest.predict(frame)).all()


@pytest.mark.parametrize(
    "params", [{"min_samples_split": 1}, {"max_features": 10_000}, {"min_samples_leaf": 0}]
)
def test_invalid_parameters_raise(cp_descriptors, params):
    X, y = cp_descriptors
    with pytest.raises(ValueError):
        SmallForestRegressor(5, **params).fit(X, y)


def test_constant_columns_do_not_stop_growth_with_one_feature_per_node(cp_descriptors):
    # One informative column among 50 constant ones, one feature drawn per node: constant
    # draws do not count, so every node still finds the informative column and the tree
    # recalls its training rows.
    X, y = cp_descriptors
    X = np.hstack([np.ones((len(y), 50), np.float32), X[:, [np.argmax(np.ptp(X, axis=0))]]])
    y = X[:, -1].astype(float) * 3.0 + 1.0
    tree = SmallForestRegressor(1, max_features=1, bootstrap=False, random_state=0).fit(X, y)
    np.testing.assert_allclose(tree.predict(X), y, rtol=1e-6)
