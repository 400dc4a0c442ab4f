"""Featurizers: raw molecules, polymers and compositions to descriptor matrices."""

from ._base import BaseFeaturizer, InvalidInputWarning
from .composition import COMPOSITION_STATS, CompositionFeaturizer
from .descriptor import DESCRIPTOR_KINDS, RDKIT2D_DESCRIPTORS, DescriptorFeaturizer
from .fingerprint import FINGERPRINT_KINDS, FingerprintFeaturizer
from .frozen import FrozenNetFeaturizer

__all__ = [
    "COMPOSITION_STATS",
    "DESCRIPTOR_KINDS",
    "FINGERPRINT_KINDS",
    "RDKIT2D_DESCRIPTORS",
    "BaseFeaturizer",
    "CompositionFeaturizer",
    "DescriptorFeaturizer",
    "FingerprintFeaturizer",
    "FrozenNetFeaturizer",
    "InvalidInputWarning",
]
