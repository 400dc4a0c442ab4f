"""scikit-learn's estimator contract for the featurizers, on real string inputs.

tests/test_common.py cannot feed SMILES or formulas to scikit-learn's checks; these are the
same checks written for a column of real molecules and compositions.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from sklearn_shotgun import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer


@pytest.fixture(scope="module")
def cases(qm9_smiles, polymer_smiles, shared_data):
    formulas = pd.read_csv(
        shared_data / "inorganic_crabnet_matbench_formula" / "mp_e_form.csv", nrows=300
    )["formula"].tolist()
    return [
        (FingerprintFeaturizer(kind=["morgan", "maccs"], n_bits=512), qm9_smiles[:300]),
        (FingerprintFeaturizer(counts=True, sparse=True), qm9_smiles[:300]),
        (CompositionFeaturizer(), formulas),
        (CompositionFeaturizer(stats=["gmean", "hmean"], input="smiles"), qm9_smiles[:300]),
        (DescriptorFeaturizer(), qm9_smiles[:200]),
        (
            DescriptorFeaturizer(
                polymer="cyclic", descriptors=["MolWt", "Ipc", "TPSA", "SPS"], scaling="none"
            ),
            polymer_smiles[:100],
        ),
    ]


def _dense(X):
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X)


def test_fit_returns_self_and_takes_y(cases):
    for featurizer, X in cases:
        est = clone(featurizer)
        assert est.fit(X, np.arange(len(X))) is est


def test_fit_is_idempotent_and_does_not_touch_parameters(cases):
    for featurizer, X in cases:
        est = clone(featurizer)
        params = copy.deepcopy(est.get_params())
        first = _dense(est.fit(X).transform(X))
        second = _dense(est.fit(X).transform(X))
        np.testing.assert_array_equal(first, second)
        assert est.get_params().keys() == params.keys()
        for key, value in params.items():
            assert repr(est.get_params()[key]) == repr(value)
        public = {k for k in vars(est) if not k.startswith("_")} - set(params)
        assert all(k.endswith("_") for k in public), public


def test_transform_leaves_the_state_unchanged(cases):
    for featurizer, X in cases:
        est = clone(featurizer).fit(X)
        before = pickle.dumps(est)
        est.transform(X)
        assert pickle.dumps(est) == before


def test_sample_order_and_subset_invariance(cases):
    for featurizer, X in cases:
        est = clone(featurizer).fit(X)
        full = _dense(est.transform(X))
        order = np.random.default_rng(0).permutation(len(X))
        np.testing.assert_array_equal(_dense(est.transform([X[i] for i in order])), full[order])
        for start in range(0, len(X), 97):
            np.testing.assert_array_equal(
                _dense(est.transform(X[start : start + 97])), full[start : start + 97]
            )


def test_unfitted_is_detected_and_n_features_in(cases):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    for featurizer, X in cases:
        est = clone(featurizer)
        with pytest.raises(NotFittedError):
            check_is_fitted(est)
        est.fit(X)
        check_is_fitted(est)
        assert est.n_features_in_ == 1
        assert len(est.get_feature_names_out()) == _dense(est.transform(X[:2])).shape[1]


def test_pickled_fitted_estimator_transforms_the_same(cases):
    for featurizer, X in cases:
        est = clone(featurizer).fit(X)
        restored = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(_dense(restored.transform(X)), _dense(est.transform(X)))


def test_set_output_pandas(cases):
    for featurizer, X in cases:
        if getattr(featurizer, "sparse", False):
            continue  # pandas output is dense by definition
        est = clone(featurizer).set_output(transform="pandas").fit(X)
        frame = est.transform(X[:5])
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == list(est.get_feature_names_out())


def test_fit_transform_reads_a_generator_once(cases):
    for featurizer, X in cases:
        expected = _dense(clone(featurizer).fit_transform(X))
        np.testing.assert_array_equal(_dense(clone(featurizer).fit_transform(iter(X))), expected)
        np.testing.assert_array_equal(
            _dense(clone(featurizer).fit(X[:3]).transform(x for x in X)), expected
        )


def test_a_bool_is_not_accepted_for_a_number(cases):
    for featurizer, X in cases:
        numeric = [
            name
            for name, value in featurizer.get_params().items()
            if isinstance(value, int) and not isinstance(value, bool)
        ]
        for name in [*numeric, "n_jobs"]:
            est = clone(featurizer).set_params(**{name: True})
            with pytest.raises(ValueError, match=name):
                est.fit(X[:2])
