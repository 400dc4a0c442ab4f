"""Shotgun transfer learning for materials and molecules, as scikit-learn estimators."""

__version__ = "0.1.0.dev0"

from .evaluation import TransferEvaluation, evaluate_transfer, untrained_library
from .featurizers import CompositionFeaturizer, FingerprintFeaturizer, FrozenNetFeaturizer
from .library import ModelLibrary, SourceModel
from .pretrain import ShotgunPretrainer
from .transfer import ShotgunTransferClassifier, ShotgunTransferRegressor

__all__ = [
    "CompositionFeaturizer",
    "FingerprintFeaturizer",
    "FrozenNetFeaturizer",
    "ModelLibrary",
    "ShotgunPretrainer",
    "ShotgunTransferClassifier",
    "ShotgunTransferRegressor",
    "SourceModel",
    "TransferEvaluation",
    "__version__",
    "evaluate_transfer",
    "untrained_library",
]
