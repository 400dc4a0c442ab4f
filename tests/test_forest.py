"""The fast forests equal scikit-learn's, tree for tree."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from sklearn_shotgun._forest import FastRandomForestClassifier, FastRandomForestRegressor


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
    assert [t.random_state for t in a.estimators_] == [t.random_state for t in b.estimators_]
    np.testing.assert_array_equal(a.predict(H[::-1]), b.predict(H[::-1]))
    for ta, tb in zip(a.estimators_, b.estimators_, strict=True):
        np.testing.assert_array_equal(ta.tree_.feature, tb.tree_.feature)
        np.testing.assert_array_equal(ta.tree_.threshold, tb.tree_.threshold)
