"""Why some of scikit-learn's estimator checks fail here: ``expected_failed_checks``.

scikit-learn's checks feed random numeric matrices. Most estimators of this package take one
column of raw inputs (SMILES, polymer repeat units, formulas) and reject numbers with a
``ValueError`` naming the row, so the checks that need a numeric matrix fail by design. The
reasons live here, in the package, so that a user's own ``check_estimator`` run reports the
same expected failures, with the same explanations, as the package's test suite.
"""

from __future__ import annotations

import sys
from typing import Any

from sklearn.utils import get_tags

__all__ = ["expected_failed_checks"]

_MATRIX = (
    "feeds a random numeric matrix; this estimator takes one column of raw inputs (SMILES, "
    "polymer repeat units or formulas) and rejects numbers with a ValueError naming the row"
)

# Checks that fail for every raw-input estimator, with the reason.
_RAW_COMMON = {
    "check_complex_data": "expects scikit-learn's 'Complex data not supported' message; a "
    "complex number is an invalid raw input, and the error names its row and value instead",
    "check_dict_unchanged": _MATRIX,
    "check_dont_overwrite_parameters": _MATRIX,
    "check_dtype_object": "feeds an object array of numbers, which are not SMILES or formulas",
    "check_estimator_sparse_array": "a sparse matrix of numbers cannot hold SMILES or formulas",
    "check_estimators_dtypes": _MATRIX,
    "check_estimators_empty_data_messages": "feeds a matrix with no columns and expects "
    "scikit-learn's '0 feature(s)' message; raw inputs are one column, so the error says a "
    "1-D sequence was expected",
    "check_estimators_fit_returns_self": _MATRIX,
    "check_estimators_nan_inf": "expects scikit-learn's finite-value error; NaN and inf are "
    "invalid raw inputs, rejected by row instead",
    "check_estimators_overwrite_params": _MATRIX,
    "check_estimators_pickle": _MATRIX,
    "check_f_contiguous_array_estimator": _MATRIX,
    "check_fit2d_1feature": _MATRIX,
    "check_fit2d_1sample": _MATRIX,
    "check_fit2d_predict1d": _MATRIX,
    "check_fit_check_is_fitted": _MATRIX,
    "check_fit_idempotent": _MATRIX,
    "check_fit_score_takes_y": _MATRIX,
    "check_methods_sample_order_invariance": _MATRIX,
    "check_methods_subset_invariance": _MATRIX,
    "check_n_features_in": _MATRIX,
    "check_n_features_in_after_fitting": _MATRIX + "; besides, n_features_in_ is 1 (one "
    "column of raw inputs), not the width of a numeric matrix",
    "check_pipeline_consistency": _MATRIX,
    "check_positive_only_tag_during_fit": _MATRIX,
    "check_readonly_memmap_input": _MATRIX,
}
_RAW_TRANSFORMER = {
    "check_transformer_data_not_an_array": _MATRIX,
    "check_transformer_general": _MATRIX,
    "check_transformer_preserve_dtypes": _MATRIX + "; besides, the output dtype is fixed by "
    "the descriptor (uint8/uint16 fingerprints, float64 compositions and descriptors, float32 "
    "hidden features), whatever the input",
}
_RAW_REGRESSOR = {
    "check_regressor_data_not_an_array": _MATRIX,
    "check_regressors_int": _MATRIX,
    "check_regressors_no_decision_function": _MATRIX,
    "check_regressors_train": _MATRIX,
    "check_supervised_y_2d": _MATRIX,
}
_RAW_CLASSIFIER = {
    "check_classifier_data_not_an_array": _MATRIX,
    "check_classifiers_classes": _MATRIX,
    "check_classifiers_one_label": _MATRIX,
    "check_classifiers_train": _MATRIX,
    "check_supervised_y_2d": _MATRIX,
}
_SPARSE_TAG = (
    "the sparse tag describes precomputed descriptor matrices, which may be sparse; a source "
    "that takes raw inputs rejects a sparse matrix of numbers"
)


def _is(estimator: Any, module: str, name: str) -> bool:
    # Only a module that is already imported can define the estimator's class: looking it up
    # in sys.modules keeps this function from importing torch through the pretrainer.
    mod = sys.modules.get(f"sklearn_shotgun.{module}")
    return mod is not None and isinstance(estimator, getattr(mod, name))


def _frozen(estimator: Any) -> dict[str, str]:
    try:
        source = estimator._resolve_source()
    except ValueError:
        source = None  # an unresolvable source fails every check with its own ValueError
    raw_source = source is None or source.featurizer is not None
    if raw_source and not estimator.precomputed:
        out = {**_RAW_COMMON, **_RAW_TRANSFORMER, "check_estimator_sparse_tag": _SPARSE_TAG}
        del out["check_estimator_sparse_array"]
        return out
    if not raw_source and estimator.precomputed:
        return {}
    if raw_source:
        reason = (
            "precomputed=True takes the source featurizer's full descriptor matrix, which has "
            "a fixed width; the checks feed matrices of 1 to 10 columns"
        )
        names = set(_RAW_COMMON) - {
            "check_complex_data",
            "check_estimators_empty_data_messages",
            "check_fit2d_1feature",
        }
    else:
        reason = (
            "the source was trained on a precomputed descriptor matrix and takes no raw "
            "inputs: use precomputed=True (then every check passes)"
        )
        names = set(_RAW_COMMON)
    names |= set(_RAW_TRANSFORMER) | {"check_estimator_sparse_matrix", "check_estimator_sparse_tag"}
    return dict.fromkeys(sorted(names), reason)


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """The scikit-learn estimator checks expected to fail for ``estimator``, with a reason each.

    Pass the result to :func:`sklearn.utils.estimator_checks.check_estimator` (or
    ``parametrize_with_checks``) as ``expected_failed_checks``: those checks are then
    reported as expected failures ("xfail") with the reason, and every other check must
    pass. The checks feed random numeric matrices, so most of the expected failures come
    from estimators that take raw inputs (SMILES, formulas) instead; an estimator built on
    numeric descriptor matrices (a pretrainer or transfer estimator over a library trained
    with ``featurizer=None``, ``FrozenNetFeaturizer(..., precomputed=True)``,
    ``NoTransferRegressor``) passes every check and gets an empty dict.

    Parameters
    ----------
    estimator : estimator instance
        One of this package's estimators, configured as it is to be checked (the
        expected failures depend on its parameters, e.g. the library's featurizers).

    Returns
    -------
    dict of str to str
        Check name (e.g. ``"check_estimators_pickle"``) to the reason it fails. Empty when
        every check is expected to pass.

    Examples
    --------
    >>> from sklearn.utils.estimator_checks import check_estimator
    >>> from sklearn_shotgun import FingerprintFeaturizer, expected_failed_checks
    >>> featurizer = FingerprintFeaturizer()
    >>> expected = expected_failed_checks(featurizer)
    >>> expected["check_estimators_nan_inf"]
    "expects scikit-learn's finite-value error; NaN and inf are invalid raw inputs, rejected by row instead"
    >>> results = check_estimator(featurizer, expected_failed_checks=expected, on_fail=None)
    >>> any(result["status"] == "failed" for result in results)
    False
    """  # noqa: E501
    if _is(estimator, "baseline", "NoTransferRegressor"):
        return {}  # a numeric matrix is its own descriptor
    if _is(estimator, "featurizers.frozen", "FrozenNetFeaturizer"):
        return _frozen(estimator)
    tags = get_tags(estimator)
    if _is(estimator, "pretrain", "ShotgunPretrainer"):
        if tags.input_tags.string or estimator.featurizer is not None:
            out = dict(_RAW_COMMON)
            del out["check_estimator_sparse_array"]  # the pretrainer names sparse input
            return out
        if estimator.task != "regression":
            reason = (
                f"task={estimator.task!r} gives the pretrainer predict_proba, but its task, "
                "hence its classifier tags, is only known after fit, and the check reads "
                "classifier tags; with task='regression' it passes"
            )
            return dict.fromkeys(
                ["check_estimator_sparse_array", "check_estimator_sparse_matrix"], reason
            )
        return {}
    if not tags.input_tags.string:
        return {}
    if tags.estimator_type == "regressor":
        return {**_RAW_COMMON, **_RAW_REGRESSOR}
    if tags.estimator_type == "classifier":
        out = {**_RAW_COMMON, **_RAW_CLASSIFIER}
        # The check's labels are complex too, and a classifier checks its labels first, with
        # scikit-learn's own message.
        del out["check_complex_data"]
        return out
    return {**_RAW_COMMON, **_RAW_TRANSFORMER}
