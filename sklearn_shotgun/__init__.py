"""Shotgun transfer learning for materials and molecules, as scikit-learn estimators."""

__version__ = "0.1.0.dev0"

from .featurizers import FingerprintFeaturizer

__all__ = ["FingerprintFeaturizer", "__version__"]
