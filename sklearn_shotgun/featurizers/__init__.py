"""Featurizers: raw molecules, polymers and compositions to descriptor matrices."""

from ._base import BaseFeaturizer, InvalidInputWarning
from .fingerprint import FINGERPRINT_KINDS, FingerprintFeaturizer

__all__ = ["FINGERPRINT_KINDS", "BaseFeaturizer", "FingerprintFeaturizer", "InvalidInputWarning"]
