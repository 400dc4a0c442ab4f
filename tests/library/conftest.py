"""Fixtures shared by the library tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sklearn_shotgun.library import SourceModel


def _toy_source_model(model_id: str, seed: int, **metadata: Any) -> SourceModel:
    """A 6-5-3-1 network on 6 of 12 composition statistics, with weights drawn from ``seed``.

    Parameters
    ----------
    model_id : str
        The model's id.
    seed : int
        Seed of the weights and of the input scaling: the same seed, the same network.
    **metadata
        The other ``SourceModel`` fields (``property``, ``dataset``, ``metrics``, ...): what
        a test filters or reads, not what the network computes.

    Returns
    -------
    SourceModel
    """
    rng = np.random.default_rng(seed)
    arch = [6, 5, 3, 1]
    state = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
        state[f"linears.{i}.weight"] = rng.normal(size=(n_out, n_in))
        state[f"linears.{i}.bias"] = rng.normal(size=n_out)
    return SourceModel(
        id=model_id,
        architecture=arch,
        state_dict=state,
        columns=np.arange(6) * 2,
        x_mean=rng.normal(size=6),
        x_scale=rng.uniform(1, 2, 6),
        featurizer={"class": "CompositionFeaturizer", "params": {"stats": ["mean", "max"]}},
        **metadata,
    )


@pytest.fixture(scope="session")
def toy_source_model() -> Callable[..., SourceModel]:
    """``toy_source_model(model_id, seed, **metadata)``: a small ``SourceModel`` to store.

    A factory rather than a model, and session-scoped, so that module-scoped fixtures (the
    Hub loopback's libraries) can build their pools with it too.
    """
    return _toy_source_model
