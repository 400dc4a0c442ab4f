"""scikit-learn's estimator checks on every public estimator."""

from __future__ import annotations

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_shotgun import (
    CompositionFeaturizer,
    DescriptorFeaturizer,
    FingerprintFeaturizer,
    FrozenNetFeaturizer,
    NoTransferRegressor,
    ShotgunPretrainer,
    ShotgunTransferClassifier,
    ShotgunTransferRegressor,
)
from sklearn_shotgun.featurizers import BaseFeaturizer

# Featurizers take a 1-D column of strings (SMILES, formulas): the checks below feed random
# numeric matrices, which are invalid SMILES/formulas, so the featurizer rejects them with a
# ValueError naming the row. Each is declared with what it would test; the string-input
# counterpart runs in tests/featurizers/test_featurizer_contract.py.
_REJECTS = "feeds a numeric matrix, which a SMILES/formula featurizer rejects (naming the row)"
_STRING_VERSION = _REJECTS + "; the string-input version runs in test_featurizer_contract.py"

FEATURIZER_EXPECTED_FAILURES = {
    "check_estimators_dtypes": _REJECTS + "; output dtypes are tested per featurizer",
    "check_complex_data": "expects scikit-learn's 'Complex data not supported' message; we "
    "name the row and the value instead",
    "check_dtype_object": "feeds an object array of numbers, which are not SMILES/formulas",
    "check_estimator_sparse_array": "sparse matrices of numbers cannot hold SMILES/formulas",
    "check_fit_score_takes_y": _STRING_VERSION,
    "check_estimators_fit_returns_self": _STRING_VERSION,
    "check_pipeline_consistency": _REJECTS + "; pipelines are tested with real SMILES",
    "check_estimators_overwrite_params": _STRING_VERSION,
    "check_estimators_pickle": _STRING_VERSION,
    "check_f_contiguous_array_estimator": _REJECTS,
    "check_transformer_data_not_an_array": _REJECTS + "; list/Series/DataFrame inputs tested",
    "check_transformer_general": _STRING_VERSION,
    "check_transformer_preserve_dtypes": "fingerprints are uint8/uint16, compositions and "
    "descriptors float64 whatever the input; not a numeric transform that could preserve a "
    "dtype",
    "check_methods_sample_order_invariance": _STRING_VERSION,
    "check_methods_subset_invariance": _STRING_VERSION,
    "check_fit2d_1sample": _REJECTS,
    "check_fit2d_1feature": _REJECTS,
    "check_dict_unchanged": _STRING_VERSION,
    "check_dont_overwrite_parameters": _STRING_VERSION,
    "check_fit_idempotent": _STRING_VERSION,
    "check_fit_check_is_fitted": _STRING_VERSION,
    "check_n_features_in": _STRING_VERSION,
    "check_fit2d_predict1d": _REJECTS,
    "check_estimators_empty_data_messages": "expects a 2-D empty-array message; an empty "
    "input gets 'Found an empty input' (tested per featurizer)",
    "check_estimators_nan_inf": "NaN is an invalid SMILES/formula and is rejected by row, "
    "not by scikit-learn's finite-value check (tested per featurizer)",
    "check_readonly_memmap_input": _REJECTS,
    "check_n_features_in_after_fitting": "n_features_in_ is 1 (one column of items), not "
    "the width of a numeric matrix",
    "check_positive_only_tag_during_fit": _REJECTS,
    "check_set_output_transform": _STRING_VERSION,
    "check_set_output_transform_pandas": _STRING_VERSION,
    "check_global_output_transform_pandas": _STRING_VERSION,
    "check_set_output_transform_polars": _REJECTS + " (and polars is not a dependency)",
    "check_global_set_output_transform_polars": _REJECTS + " (and polars is not a dependency)",
}


def _numeric_library():
    """A tiny pool trained on two numeric descriptor columns (featurizer=None), so that the
    frozen-net and transfer estimators take the numeric matrices the checks generate."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    pool = ShotgunPretrainer(n_models=2, max_epochs=3, random_state=0, verbose=0)
    return pool.fit(X, X[:, 0] - X[:, 1]).library_


LIBRARY = _numeric_library()


def _expected_failed_checks(estimator):
    if isinstance(estimator, BaseFeaturizer):
        return FEATURIZER_EXPECTED_FAILURES
    return {}


@parametrize_with_checks(
    [
        FingerprintFeaturizer(),
        # featurizer=None: the pretrainer takes a numeric descriptor matrix, so every check
        # applies. A tiny pool keeps the checks fast.
        ShotgunPretrainer(
            n_models=2, max_epochs=3, chunk_size=1, task="regression", random_state=0, verbose=0
        ),
        CompositionFeaturizer(),
        CompositionFeaturizer(stats=["gmean"], input="smiles"),
        DescriptorFeaturizer(),
        FrozenNetFeaturizer(LIBRARY[0], precomputed=True),
        ShotgunTransferRegressor(LIBRARY, cv=3, random_state=0),
        # A numeric matrix is its own descriptor, so every check applies.
        NoTransferRegressor(n_estimators=5, cv=2, random_state=0),
        ShotgunTransferClassifier(LIBRARY, cv=3, random_state=0),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
