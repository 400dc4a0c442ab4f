"""The estimators' HTML repr links to their page of the API reference."""

from __future__ import annotations

import numpy as np
import pytest

import sklearn_shotgun
from sklearn_shotgun import (
    CompositionFeaturizer,
    DescriptorFeaturizer,
    FingerprintFeaturizer,
    FrozenNetFeaturizer,
    LibraryPredictionFeaturizer,
    NoTransferRegressor,
    ShotgunPretrainer,
    ShotgunTransferClassifier,
    ShotgunTransferRegressor,
)

URL = "https://sklearn-shotgun.readthedocs.io/en/latest/api/generated/sklearn_shotgun.{}.html"


@pytest.fixture(scope="module")
def library():
    X = np.random.default_rng(0).normal(size=(60, 2))
    pool = ShotgunPretrainer(n_models=1, max_epochs=2, random_state=0, verbose=0)
    return pool.fit(X, X[:, 0]).library_


def _estimators(library):
    return [
        FingerprintFeaturizer(),
        CompositionFeaturizer(),
        DescriptorFeaturizer(),
        FrozenNetFeaturizer(library[0], precomputed=True),
        LibraryPredictionFeaturizer(library),
        NoTransferRegressor(),
        ShotgunPretrainer(),
        ShotgunTransferRegressor(library),
        ShotgunTransferClassifier(library),
    ]


def test_every_public_estimator_links_to_its_api_page(library):
    estimators = _estimators(library)
    public = {name for name in sklearn_shotgun.__all__ if name[0].isupper()}
    estimator_names = {type(e).__name__ for e in estimators}
    # Every public class with get_params is covered here.
    assert estimator_names == {n for n in public if hasattr(getattr(sklearn_shotgun, n), "fit")}
    for estimator in estimators:
        url = URL.format(type(estimator).__name__)
        assert estimator._get_doc_link() == url
        assert f'href="{url}"' in estimator._repr_html_()


def test_pipeline_repr_links_each_public_step_and_no_private_helper(library):
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import make_pipeline

    from sklearn_shotgun._doc_link import DocLinkMixin

    pipe = make_pipeline(FingerprintFeaturizer(), NoTransferRegressor())
    html = pipe._repr_html_()
    assert URL.format("FingerprintFeaturizer") in html
    assert URL.format("NoTransferRegressor") in html
    # A helper that is not a public name has no API page, hence no link (not a broken one).

    class _Helper(DocLinkMixin, BaseEstimator):
        pass

    _Helper.__module__ = "sklearn_shotgun.transfer"
    assert _Helper()._get_doc_link() == ""
    assert "sklearn-shotgun.readthedocs.io" not in _Helper()._repr_html_()
