"""Shotgun transfer learning for materials and molecules, as scikit-learn estimators."""

import os as _os
from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._lazy import lazy_attributes as _lazy_attributes

__version__ = "0.1.0.dev0"

# OpenMP threads that spin while waiting made two torch threads 5-45x slower than one on a machine
# whose cores were busy with other work. The runtime reads this once, when torch loads it, so it
# is set here, before any submodule imports torch; a value set by the user is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Public names are imported on first use (PEP 562): `import sklearn_shotgun` stays fast, and a
# fingerprint pipeline never loads torch or pymatgen. Name -> submodule that defines it.
_LAZY = {
    "CompositionFeaturizer": "featurizers",
    "DescriptorFeaturizer": "featurizers",
    "FingerprintFeaturizer": "featurizers",
    "FrozenNetFeaturizer": "featurizers",
    "LibraryPredictionFeaturizer": "_library_predictions",
    "ModelLibrary": "library",
    "NoTransferRegressor": "baseline",
    "ShotgunPretrainer": "pretrain",
    "ShotgunTransferClassifier": "transfer",
    "ShotgunTransferRegressor": "transfer",
    "SourceModel": "library",
    "TransferEvaluation": "evaluation",
    "evaluate_transfer": "evaluation",
    "expected_failed_checks": "_checks",
    "load_transfer": "_persist",
    "save_transfer": "_persist",
    "untrained_library": "evaluation",
}
# Submodules reachable as attributes after a bare `import sklearn_shotgun`, as they were when
# the package imported everything eagerly.
_SUBMODULES = frozenset(
    {
        "baseline",
        "cli",
        "datasets",
        "evaluation",
        "featurizers",
        "library",
        "nets",
        "plotting",
        "pretrain",
        "transfer",
        "transfer_map",
    }
)

__all__ = [
    "CompositionFeaturizer",
    "DescriptorFeaturizer",
    "FingerprintFeaturizer",
    "FrozenNetFeaturizer",
    "LibraryPredictionFeaturizer",
    "ModelLibrary",
    "NoTransferRegressor",
    "ShotgunPretrainer",
    "ShotgunTransferClassifier",
    "ShotgunTransferRegressor",
    "SourceModel",
    "TransferEvaluation",
    "__version__",
    "evaluate_transfer",
    "expected_failed_checks",
    "load_transfer",
    "save_transfer",
    "untrained_library",
]

if _TYPE_CHECKING:
    from ._checks import expected_failed_checks
    from ._library_predictions import LibraryPredictionFeaturizer
    from ._persist import load_transfer, save_transfer
    from .baseline import NoTransferRegressor
    from .evaluation import TransferEvaluation, evaluate_transfer, untrained_library
    from .featurizers import (
        CompositionFeaturizer,
        DescriptorFeaturizer,
        FingerprintFeaturizer,
        FrozenNetFeaturizer,
    )
    from .library import ModelLibrary, SourceModel
    from .pretrain import ShotgunPretrainer
    from .transfer import ShotgunTransferClassifier, ShotgunTransferRegressor


__getattr__, __dir__ = _lazy_attributes(globals(), _LAZY, _SUBMODULES)
