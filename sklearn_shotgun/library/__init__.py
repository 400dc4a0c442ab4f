"""Pretrained source models and model libraries (save/load, Hugging Face Hub)."""

from sklearn_shotgun.library._verify import (
    LibraryFormatError,
    LibraryIntegrityError,
    UnverifiedLibraryWarning,
)
from sklearn_shotgun.library.build import build_library
from sklearn_shotgun.library.library import ModelLibrary
from sklearn_shotgun.library.source_model import SourceModel, make_model_id, register_featurizer

__all__ = [
    "LibraryFormatError",
    "LibraryIntegrityError",
    "ModelLibrary",
    "SourceModel",
    "UnverifiedLibraryWarning",
    "build_library",
    "make_model_id",
    "register_featurizer",
]
