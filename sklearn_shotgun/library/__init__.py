"""Pretrained source models and model libraries (save/load, Hugging Face Hub)."""

from sklearn_shotgun.library.library import ModelLibrary
from sklearn_shotgun.library.source_model import SourceModel, make_model_id, register_featurizer

__all__ = ["ModelLibrary", "SourceModel", "make_model_id", "register_featurizer"]
