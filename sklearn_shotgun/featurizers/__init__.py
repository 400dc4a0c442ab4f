"""Featurizers: raw molecules, polymers and compositions to descriptor matrices."""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING

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


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = _importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
