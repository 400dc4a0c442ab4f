"""Featurizers: raw molecules, polymers and compositions to descriptor matrices."""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from .._lazy import lazy_attributes as _lazy_attributes

# Imported on first use (PEP 562): a fingerprint featurizer does not load pymatgen (composition)
# nor the frozen-net machinery. Name -> module that defines it.
_LAZY = {
    "BaseFeaturizer": "_base",
    "COMPOSITION_STATS": "composition",
    "CompositionFeaturizer": "composition",
    "DESCRIPTOR_KINDS": "descriptor",
    "DescriptorFeaturizer": "descriptor",
    "FINGERPRINT_KINDS": "fingerprint",
    "FingerprintFeaturizer": "fingerprint",
    "FrozenNetFeaturizer": "frozen",
    "InvalidInputWarning": "_base",
    "RDKIT2D_DESCRIPTORS": "descriptor",
}
_SUBMODULES = frozenset({"composition", "descriptor", "elements", "fingerprint", "frozen"})

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

if _TYPE_CHECKING:
    from ._base import BaseFeaturizer, InvalidInputWarning
    from .composition import COMPOSITION_STATS, CompositionFeaturizer
    from .descriptor import DESCRIPTOR_KINDS, RDKIT2D_DESCRIPTORS, DescriptorFeaturizer
    from .fingerprint import FINGERPRINT_KINDS, FingerprintFeaturizer
    from .frozen import FrozenNetFeaturizer


__getattr__, __dir__ = _lazy_attributes(globals(), _LAZY, _SUBMODULES)
