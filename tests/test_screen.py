"""The batched leave-one-out ridge screen equals explicit refits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut, cross_val_predict

from sklearn_shotgun import ShotgunTransferRegressor
from sklearn_shotgun._screen import _ALPHAS, ridge_loo_screen
from sklearn_shotgun._small_forest import SmallForestRegressor


def _explicit(F, y, cv, groups=None):
    # The screen standardises the features once, on all rows; so does this reference.
    F = F.astype(np.float64)
    Z = (F - F.mean(0)) / F.std(0)
    best = -np.inf
    for alpha in _ALPHAS * len(y):
        pred = cross_val_predict(Ridge(alpha=alpha), Z, y, cv=cv, groups=groups)
        best = max(best, -np.mean(np.abs(pred - y)))
    return best


@pytest.fixture
def features(qm9_pool, polymers):
    X, y = polymers
    return [m.transform(X) for m in qm9_pool], y


def test_leave_one_out_equals_refits(features):
    feats, y = features
    feats = [F[:, F.std(0) > 0] for F in feats]
    scores = ridge_loo_screen(feats, y)
    for F, score in zip(feats, scores, strict=True):
        assert score == pytest.approx(_explicit(F, y, LeaveOneOut()), rel=1e-4)


def test_leave_one_group_out_equals_refits(features):
    feats, y = features
    feats = [F[:, F.std(0) > 0] for F in feats[:2]]
    groups = np.arange(len(y)) % 7
    scores = ridge_loo_screen(feats, y, groups=groups)
    for F, score in zip(feats, scores, strict=True):
        expected = _explicit(F, y, LeaveOneGroupOut(), groups)
        assert score == pytest.approx(expected, rel=1e-4)
    assert not np.allclose(scores, ridge_loo_screen(feats, y))


def test_padding_with_zero_columns_changes_nothing(features):
    feats, y = features
    F = feats[0][:, feats[0].std(0) > 0]
    padded = np.hstack([F, np.zeros((len(y), 7))])
    np.testing.assert_allclose(ridge_loo_screen([F], y), ridge_loo_screen([padded], y))


def test_threads_give_the_same_scores(features):
    feats, y = features
    rng = np.random.default_rng(0)
    # More candidates than one batched pass holds, of different widths.
    F = feats[0]
    many = [F[:, rng.permutation(F.shape[1])[: 8 + i % 23]] for i in range(75)]
    one = ridge_loo_screen(many, y, n_jobs=1)
    np.testing.assert_array_equal(one, ridge_loo_screen(many, y, n_jobs=2))
    groups = np.arange(len(y)) % 5
    np.testing.assert_array_equal(
        ridge_loo_screen(many, y, groups=groups, n_jobs=1),
        ridge_loo_screen(many, y, groups=groups, n_jobs=2),
    )
    # Chunking changes nothing but the batching: each candidate scored on its own agrees.
    width = max(F.shape[1] for F in many)
    for i in (0, 40, 74):
        padded = np.hstack([many[i], np.zeros((len(y), width - many[i].shape[1]))])
        assert one[i] == pytest.approx(ridge_loo_screen([padded], y)[0], rel=1e-9)


@pytest.mark.filterwarnings("ignore:Some sources cannot see part:UserWarning")
def test_search_same_for_n_jobs_and_explicit_heads(qm9_pool, polymers):
    """The default heads and the same forest passed as ``head`` (seeded by the search) give
    the same transfer table and model; so do one job and two (screen and head CV)."""
    X, y = polymers
    settings = dict(layers="each", features="frozen", no_transfer=False, top_k=4, ensemble=2, cv=3)
    reference = ShotgunTransferRegressor(
        qm9_pool, head=SmallForestRegressor(), n_jobs=1, random_state=0, **settings
    ).fit(X, y)
    fast = ShotgunTransferRegressor(qm9_pool, n_jobs=2, random_state=0, **settings).fit(X, y)
    assert reference.n_candidates_ > 4  # the screen has something to discard
    # Only the head column names the two heads differently; the scores are the same.
    searched = reference.transfer_table_["head"].notna()
    assert set(reference.transfer_table_["head"][searched]) == {"SmallForestRegressor"}
    assert set(fast.transfer_table_["head"][searched]) == {"forest"}
    pd.testing.assert_frame_equal(
        reference.transfer_table_.drop(columns="head"), fast.transfer_table_.drop(columns="head")
    )
    np.testing.assert_array_equal(reference.ensemble_weights_, fast.ensemble_weights_)
    np.testing.assert_array_equal(reference.predict(X[:9]), fast.predict(X[:9]))
    other = ShotgunTransferRegressor(qm9_pool, n_jobs=1, random_state=1, **settings).fit(X, y)
    assert not np.array_equal(other.predict(X[:9]), fast.predict(X[:9]))
