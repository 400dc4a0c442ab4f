"""Shared fixtures: small real inputs from the project's shared data sets."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

if TYPE_CHECKING:
    from sklearn_shotgun.library import SourceModel

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Loaders look in the data home first; point it at the shared copies (never copied into
# the repository). CI has ../shared beside the checkout, so a missing folder is an error,
# not a skip.
os.environ.setdefault("SKLEARN_SHOTGUN_DATA", str(SHARED_DATA))


def pytest_configure(config):
    if not SHARED_DATA.is_dir():
        raise pytest.UsageError(f"The shared data folder {SHARED_DATA} is missing.")
    # Several pytest-xdist workers share two cores: one torch thread each.
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # torch is a hard dependency; the import error shows in the tests
        pass


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public data sets beside the repository."""
    return SHARED_DATA


@pytest.fixture(scope="session")
def qm9_frame() -> pd.DataFrame:
    """The first 3,000 QM9 molecules (SMILES and properties)."""
    return pd.read_csv(SHARED_DATA / "qm9_qm9pack" / "qm9.csv.gz", nrows=3000)


@pytest.fixture(scope="session")
def qm9_smiles(qm9_frame) -> list[str]:
    """1,000 real QM9 SMILES spread over the first 3,000 molecules."""
    return qm9_frame["SMILES"].iloc[::3].tolist()


@pytest.fixture(scope="session")
def radonpy_frame() -> pd.DataFrame:
    """RadonPy PI1070 polymers (repeat-unit SMILES with '*', MD properties)."""
    return pd.read_csv(SHARED_DATA / "polymer_radonpy_pi1070" / "PI1070.csv")


@pytest.fixture(scope="session")
def polymer_smiles(radonpy_frame) -> list[str]:
    """200 real polymer repeat units."""
    return radonpy_frame["smiles"].iloc[:200].tolist()


@pytest.fixture(scope="session")
def qm9_pool(qm9_frame):
    """Five small pyramids pretrained on the QM9 heat capacity Cv of 1,500 molecules."""
    from sklearn_shotgun import FingerprintFeaturizer, ShotgunPretrainer

    frame = qm9_frame.sample(n=1500, random_state=1)
    pretrainer = ShotgunPretrainer(
        FingerprintFeaturizer(counts=True, n_bits=1024),
        n_models=5,
        n_hidden_layers=(3, 4),
        max_epochs=(20, 30),
        learning_rate=(1e-3, 3e-3),
        random_state=0,
        verbose=0,
        property="Cv",
        units="cal/(mol K)",
        dataset="QM9",
        material="molecule",
    )
    return pretrainer.fit(
        frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"].to_numpy()
    ).library_


@pytest.fixture(scope="session")
def polymers(radonpy_frame):
    """58 random RadonPy polymers (unique repeat units) and their MD heat capacity Cp."""
    frame = radonpy_frame.dropna(subset=["Cp"]).sample(n=58, random_state=0)
    assert frame["smiles"].is_unique
    return frame["smiles"].tolist(), frame["Cp"].to_numpy()


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
    from sklearn_shotgun.library import SourceModel

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
