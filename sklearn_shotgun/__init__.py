"""Shotgun transfer learning for materials and molecules, as scikit-learn estimators."""

__version__ = "0.1.0.dev0"

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

__all__ = [
    "CompositionFeaturizer",
    "DescriptorFeaturizer",
    "FingerprintFeaturizer",
    "FrozenNetFeaturizer",
    "ModelLibrary",
    "NoTransferRegressor",
    "ShotgunPretrainer",
    "ShotgunTransferClassifier",
    "ShotgunTransferRegressor",
    "SourceModel",
    "TransferEvaluation",
    "__version__",
    "evaluate_transfer",
    "untrained_library",
]
