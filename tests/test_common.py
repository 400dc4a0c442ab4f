"""scikit-learn's estimator checks on every public estimator.

Featurizers take a 1-D column of strings (SMILES, formulas) and reject the random numeric
matrices most checks feed; the package's public ``expected_failed_checks`` names those checks
with a reason each (the string-input counterparts run in
tests/featurizers/test_featurizer_contract.py), so a user's own ``check_estimator`` run tells
the same story (tests/test_checks.py).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

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
    expected_failed_checks,
)


def _numeric_library():
    """A tiny pool trained on two numeric descriptor columns (featurizer=None), so that the
    frozen-net and transfer estimators take the numeric matrices the checks generate."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    pool = ShotgunPretrainer(n_models=2, max_epochs=3, random_state=0, verbose=0)
    return pool.fit(X, X[:, 0] - X[:, 1]).library_


LIBRARY = _numeric_library()


def _smiles_library():
    """Two tiny networks on fingerprints of real molecules (a raw-input source)."""
    smiles = ["CCO", "CCC", "CCN", "CCCl", "c1ccccc1", "CC(=O)O", "CCOC", "C1CCCCC1"] * 5
    pool = ShotgunPretrainer(
        FingerprintFeaturizer(n_bits=64), n_models=2, max_epochs=3, random_state=0, verbose=0
    )
    return pool.fit(smiles, np.arange(40.0)).library_


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
        LibraryPredictionFeaturizer(_smiles_library()),
        ShotgunTransferRegressor(LIBRARY, cv=3, random_state=0),
        # A numeric matrix is its own descriptor, so every check applies.
        NoTransferRegressor(n_estimators=5, cv=2, random_state=0),
        ShotgunTransferClassifier(LIBRARY, cv=3, random_state=0),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
