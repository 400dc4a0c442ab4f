"""Hub round trips without a network: an offline Hugging Face cache laid out by hand.

Pushes, pulls against a server and damaged downloads are tested with the real client against
a loopback Hub stand-in in ``test_hub_loopback.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from huggingface_hub import constants
from huggingface_hub.errors import LocalEntryNotFoundError

from sklearn_shotgun.library import LibraryIntegrityError, ModelLibrary
from sklearn_shotgun.library.hub import from_hub, model_card

REPO = "shotgun-org/toy-pool"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def make_model(toy_source_model):
    def make(model_id, seed, property="Cp"):
        return toy_source_model(
            model_id,
            seed,
            property=property,
            dataset="qm9" if property == "Cp" else "radonpy",
            metrics={"mae": 0.1 + seed / 100},
        )

    return make


@pytest.fixture
def library(make_model):
    models = [make_model(f"cp-{i}", i) for i in range(3)]
    models += [make_model(f"rho-{i}", 10 + i, property="density") for i in range(3)]
    return ModelLibrary(models, name="hub pool", license="cc-by-4.0")


def assert_same(a, b):
    X = np.random.default_rng(0).normal(size=(9, 12)).astype(np.float32)
    assert a.ids == b.ids and a.name == b.name and a.license == b.license
    for ma, mb in zip(a, b, strict=True):
        assert ma.to_entry() == mb.to_entry()
        np.testing.assert_array_equal(
            ma.predict(X, precomputed=True), mb.predict(X, precomputed=True)
        )


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the variable at import time.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


@pytest.fixture
def hub_cache(library, tmp_path):
    """A Hugging Face cache holding REPO at COMMIT, as snapshot_download would leave it."""
    cache = tmp_path / "hf-cache"
    storage = cache / "models--shotgun-org--toy-pool"
    (storage / "refs").mkdir(parents=True)
    (storage / "refs" / "main").write_text(COMMIT)
    library.save(storage / "snapshots" / COMMIT, shard_size=3)
    return cache


class TestFromHub:
    def test_offline_round_trip(self, library, hub_cache, offline):
        assert_same(library, from_hub(REPO, cache_dir=hub_cache))
        assert_same(library, ModelLibrary.from_hub(REPO, revision=COMMIT, cache_dir=hub_cache))

    def test_filters_need_only_their_shards(self, library, hub_cache, offline):
        # shard_size=3: the density models live in part-00001 only.
        (
            hub_cache
            / "models--shotgun-org--toy-pool/snapshots"
            / COMMIT
            / "shards/part-00000.safetensors"
        ).unlink()
        dens = ModelLibrary.from_hub(REPO, cache_dir=hub_cache, property="density")
        assert_same(library.filter(property="density"), dens)
        with pytest.raises(LocalEntryNotFoundError):
            ModelLibrary.from_hub(REPO, cache_dir=hub_cache)

    def test_corruption_in_cache_is_caught_and_evicted(self, hub_cache, offline):
        snap = hub_cache / "models--shotgun-org--toy-pool/snapshots" / COMMIT
        meta = json.loads((snap / "library.json").read_text())
        meta["models"][4]["sha256"] = "0" * 64
        (snap / "library.json").write_text(json.dumps(meta))
        with (
            pytest.warns(UserWarning, match=r"library.json of shotgun-org/toy-pool .* corrupted"),
            pytest.raises(
                LibraryIntegrityError,
                match=r"rho-1.*sha256 mismatch.*removed from the Hugging Face cache, but "
                r"downloading it again failed",
            ),
        ):
            from_hub(REPO, cache_dir=hub_cache)
        # Offline, nothing can be downloaded; but the bad copy is gone, so a later online call
        # fetches a fresh one instead of failing on the same file.
        assert not (snap / "library.json").exists()

    def test_missing_from_cache(self, tmp_path, offline):
        with pytest.raises(LocalEntryNotFoundError):
            from_hub("nobody/nothing", cache_dir=tmp_path)


def test_model_card_without_metrics_or_datasets(make_model):
    lib = ModelLibrary([make_model("a", 1)])
    lib["a"].metrics = {}
    lib["a"].dataset = ""
    front = yaml.safe_load(model_card(lib).split("---\n")[1])
    assert "model-index" not in front and "datasets" not in front
    assert front["library_name"] == "sklearn-shotgun"
