"""Pretrained source models and model libraries (save/load, Hugging Face Hub)."""

from sklearn_shotgun.library._recipe import RecipeError, load_recipe
from sklearn_shotgun.library._verify import (
    LibraryFormatError,
    LibraryIntegrityError,
    UnverifiedLibraryWarning,
)
from sklearn_shotgun.library.build import build_library, library_cache_dir
from sklearn_shotgun.library.library import ModelLibrary
from sklearn_shotgun.library.source_model import SourceModel, make_model_id, register_featurizer

__all__ = [
    "LibraryFormatError",
    "LibraryIntegrityError",
    "ModelLibrary",
    "RecipeError",
    "SourceModel",
    "UnverifiedLibraryWarning",
    "build_library",
    "library_cache_dir",
    "load_recipe",
    "make_model_id",
    "register_featurizer",
]
