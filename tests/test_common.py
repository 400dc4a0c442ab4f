"""scikit-learn's estimator checks on every public estimator."""

from __future__ import annotations

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_shotgun import (
    CompositionFeaturizer,
    FingerprintFeaturizer,
    FrozenNetFeaturizer,
    ShotgunPretrainer,
    ShotgunTransferClassifier,
    ShotgunTransferRegressor,
)
from sklearn_shotgun.featurizers import BaseFeaturizer

# Featurizers take a 1-D column of strings (SMILES, formulas), so the checks that feed
# random numeric matrices cannot apply; each is declared with its reason rather than
# skipped wholesale. The checks of parameters, cloning, pickling of unfitted
# estimators, tags and repr do run.
_NUMERIC_INPUT = "featurizers take a 1-D column of SMILES/formulas, not numeric matrices"

FEATURIZER_EXPECTED_FAILURES = dict.fromkeys(
    (
        "check_estimators_dtypes",
        "check_complex_data",
        "check_dtype_object",
        "check_estimator_sparse_array",
        "check_fit_score_takes_y",
        "check_estimators_fit_returns_self",
        "check_pipeline_consistency",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
        "check_estimators_empty_data_messages",
        "check_estimators_nan_inf",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_set_output_transform",
        "check_set_output_transform_pandas",
        "check_global_output_transform_pandas",
        "check_set_output_transform_polars",
        "check_global_set_output_transform_polars",
    ),
    _NUMERIC_INPUT,
)


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
        FrozenNetFeaturizer(LIBRARY[0], precomputed=True),
        ShotgunTransferRegressor(LIBRARY, cv=3, random_state=0),
        ShotgunTransferClassifier(LIBRARY, cv=3, random_state=0),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
