"""Hub round trips without a network: an offline Hugging Face cache and a recording HfApi."""

from __future__ import annotations

import itertools
import json
import shutil

import huggingface_hub
import numpy as np
import pytest
import yaml
from huggingface_hub import HfApi, constants

from sklearn_shotgun.library import ModelLibrary, SourceModel
from sklearn_shotgun.library.hub import from_hub, model_card

REPO = "shotgun-org/toy-pool"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def make_model(model_id, seed, property="Cp"):
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
        property=property,
        dataset="qm9" if property == "Cp" else "radonpy",
        metrics={"mae": 0.1 + seed / 100},
    )


@pytest.fixture
def library():
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
        with pytest.raises(ValueError, match="cp-0"):
            ModelLibrary.from_hub(REPO, cache_dir=hub_cache)

    def test_corruption_in_cache_is_caught(self, hub_cache, offline):
        snap = hub_cache / "models--shotgun-org--toy-pool/snapshots" / COMMIT
        meta = json.loads((snap / "library.json").read_text())
        meta["models"][4]["sha256"] = "0" * 64
        (snap / "library.json").write_text(json.dumps(meta))
        with pytest.raises(ValueError, match=r"rho-1.*sha256 mismatch"):
            from_hub(REPO, cache_dir=hub_cache)

    def test_missing_from_cache(self, tmp_path, offline):
        with pytest.raises(huggingface_hub.errors.LocalEntryNotFoundError):
            from_hub("nobody/nothing", cache_dir=tmp_path)


class RecordingApi:
    """Stands in for the HfApi methods push_to_hub calls; keeps a copy of the uploaded folder."""

    def __init__(self, keep):
        self.calls = []
        self.keep = keep

    def install(self, monkeypatch):
        for name in ("create_repo", "create_branch", "upload_folder"):
            monkeypatch.setattr(HfApi, name, self._recorder(name))

    def _recorder(self, name):
        def method(api, *args, **kwargs):
            self.calls.append((name, args, kwargs))
            if name == "upload_folder":
                shutil.copytree(kwargs["folder_path"], self.keep)
                return "commit-info"
            return None

        return method


class TestPushToHub:
    def test_uploads_a_valid_library(self, library, tmp_path, monkeypatch):
        api = RecordingApi(tmp_path / "uploaded")
        api.install(monkeypatch)
        result = library.push_to_hub(REPO, private=True, token="hf_x", commit_message="pool v1")
        assert result == "commit-info"
        names = [c[0] for c in api.calls]
        assert names == ["create_repo", "upload_folder"]
        _, args, kwargs = api.calls[0]
        assert args == (REPO,) and kwargs["private"] is True and kwargs["exist_ok"] is True
        _, _, up = api.calls[1]
        assert up["repo_id"] == REPO and up["repo_type"] == "model"
        assert up["commit_message"] == "pool v1" and up["create_pr"] is False
        assert up["delete_patterns"] == ["shards/*.safetensors"]
        uploaded = tmp_path / "uploaded"
        assert_same(library, ModelLibrary.load(uploaded))
        card = (uploaded / "README.md").read_text()
        assert f'ModelLibrary.from_hub("{REPO}")' in card
        front = yaml.safe_load(card.split("---\n")[1])
        assert front["library_name"] == "sklearn-shotgun" and front["license"] == "cc-by-4.0"

    def test_revision_creates_branch(self, library, tmp_path, monkeypatch):
        api = RecordingApi(tmp_path / "uploaded")
        api.install(monkeypatch)
        library.push_to_hub(REPO, revision="v2", create_pr=False)
        assert [c[0] for c in api.calls] == ["create_repo", "create_branch", "upload_folder"]
        assert api.calls[1][2]["branch"] == "v2"
        assert api.calls[2][2]["revision"] == "v2"


def test_model_card_without_metrics_or_datasets():
    lib = ModelLibrary([make_model("a", 1)])
    lib["a"].metrics = {}
    lib["a"].dataset = ""
    front = yaml.safe_load(model_card(lib).split("---\n")[1])
    assert "model-index" not in front and "datasets" not in front
    assert front["library_name"] == "sklearn-shotgun"
