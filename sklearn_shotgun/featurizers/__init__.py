"""Featurizers: raw molecules, polymers and compositions to descriptor matrices."""

from ._base import BaseFeaturizer, InvalidInputWarning
from .composition import COMPOSITION_STATS, CompositionFeaturizer
from .fingerprint import FINGERPRINT_KINDS, FingerprintFeaturizer
from .frozen import FrozenNetFeaturizer

__all__ = [
    "COMPOSITION_STATS",
    "FINGERPRINT_KINDS",
    "BaseFeaturizer",
    "CompositionFeaturizer",
    "FingerprintFeaturizer",
    "FrozenNetFeaturizer",
    "InvalidInputWarning",
]
