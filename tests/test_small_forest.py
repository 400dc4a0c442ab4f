"""The compiled small-data forest grows scikit-learn's trees and forests as accurate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_score
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_shotgun import DescriptorFeaturizer
from sklearn_shotgun._small_forest import SmallForestRegressor


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
    # agrees within the seeds' spread. Measured with 20 seeds on two draws of 58 polymers
    # (Cp and thermal conductivity on RDKit descriptors): ratios 0.995-1.009.
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
