"""Hub round trips without a network: an offline Hugging Face cache and a recording HfApi."""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import os
import shutil
import warnings

import huggingface_hub
import numpy as np
import pytest
import yaml
from huggingface_hub import HfApi, constants

from sklearn_shotgun.library import LibraryIntegrityError, ModelLibrary, SourceModel
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


class FakeHub:
    """Stands in for ``huggingface_hub.snapshot_download`` against a healthy or damaged server.

    Lays out the cache as huggingface_hub does: ``snapshots/<commit>/<file>`` are links to
    ``blobs/<sha256 of the served file>``, a file whose link exists is not downloaded again, and
    an existing blob is linked again without downloading (which is why evicting only the link
    would not be enough).
    """

    def __init__(self, remote):
        self.remote = remote
        self.downloads = []

    def install(self, monkeypatch):
        monkeypatch.setattr(huggingface_hub, "snapshot_download", self.snapshot_download)

    def snapshot_download(
        self,
        repo_id,
        *,
        revision=None,
        allow_patterns=None,
        cache_dir=None,
        repo_type="model",
        token=None,
    ):
        assert repo_id == REPO and revision in (None, COMMIT)
        storage = cache_dir / "models--shotgun-org--toy-pool"
        snapshot = storage / "snapshots" / COMMIT
        (storage / "refs").mkdir(parents=True, exist_ok=True)
        (storage / "refs" / "main").write_text(COMMIT)
        (storage / "blobs").mkdir(exist_ok=True)
        for source in sorted(self.remote.rglob("*")):
            name = source.relative_to(self.remote).as_posix()
            if not source.is_file() or not any(fnmatch.fnmatch(name, p) for p in allow_patterns):
                continue
            pointer = snapshot / name
            if os.path.exists(pointer):
                continue
            data = source.read_bytes()
            blob = storage / "blobs" / hashlib.sha256(data).hexdigest()
            if not blob.exists():
                blob.write_bytes(data)
                self.downloads.append(name)
            pointer.parent.mkdir(parents=True, exist_ok=True)
            pointer.symlink_to(os.path.relpath(blob, pointer.parent))
        return str(snapshot)


def flip_a_weight(shard):
    raw = bytearray(shard.read_bytes())
    raw[-20] ^= 0x10  # inside the last tensor's data
    shard.write_bytes(bytes(raw))


class TestCorruptedDownloads:
    SHARD = "shards/part-00001.safetensors"

    @pytest.fixture
    def remote(self, library, tmp_path):
        library.save(tmp_path / "remote", shard_size=3)
        return tmp_path / "remote"

    @pytest.fixture
    def hub(self, remote, monkeypatch):
        fake = FakeHub(remote)
        fake.install(monkeypatch)
        return fake

    def cached(self, tmp_path, name):
        return tmp_path / "cache/models--shotgun-org--toy-pool/snapshots" / COMMIT / name

    def test_corrupted_cached_shard_is_evicted_and_downloaded_again(self, library, hub, tmp_path):
        cache = tmp_path / "cache"
        assert_same(library, from_hub(REPO, cache_dir=cache))
        assert hub.downloads.count(self.SHARD) == 1
        blob = self.cached(tmp_path, self.SHARD).resolve()
        flip_a_weight(blob)  # e.g. a disk error in the cache
        with pytest.warns(
            UserWarning,
            match=r"part-00001.safetensors of shotgun-org/toy-pool in "
            r"the Hugging Face cache is corrupted \(sha256 mismatch.*removed it",
        ):
            assert_same(library, from_hub(REPO, cache_dir=cache))
        assert hub.downloads.count(self.SHARD) == 2
        # The cache holds the good copy now: the next call neither warns nor downloads.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert_same(library, from_hub(REPO, cache_dir=cache))
        assert hub.downloads.count(self.SHARD) == 2

    @pytest.mark.parametrize("damage", ["edited", "truncated"])
    def test_corrupted_cached_index_is_evicted(self, library, hub, tmp_path, damage):
        cache = tmp_path / "cache"
        from_hub(REPO, cache_dir=cache)
        blob = self.cached(tmp_path, "library.json").resolve()
        meta = json.loads(blob.read_text())
        meta["models"][2]["y_scaling"]["scale"] = 10.0
        text = json.dumps(meta) if damage == "edited" else blob.read_text()[:-100]
        blob.write_text(text)
        reason = "entry_sha256 mismatch" if damage == "edited" else "is not valid JSON"
        with pytest.warns(UserWarning, match=f"library.json of .*corrupted .*{reason}"):
            assert_same(library, from_hub(REPO, cache_dir=cache))
        assert hub.downloads.count("library.json") == 2

    def test_damaged_on_the_hub(self, library, hub, remote, tmp_path):
        cache = tmp_path / "cache"
        good = (remote / self.SHARD).read_bytes()
        flip_a_weight(remote / self.SHARD)
        with (
            pytest.warns(UserWarning, match="removed it from the cache and downloading it again"),
            pytest.raises(
                LibraryIntegrityError,
                match=r"part-00001.safetensors: model 'rho-2'.*sha256 mismatch.*fresh download.*"
                r"the file on the Hub itself is damaged; it was removed from the cache again",
            ),
        ):
            from_hub(REPO, cache_dir=cache)
        assert hub.downloads.count(self.SHARD) == 2
        assert not os.path.lexists(self.cached(tmp_path, self.SHARD))
        blobs = tmp_path / "cache/models--shotgun-org--toy-pool/blobs"
        assert hashlib.sha256((remote / self.SHARD).read_bytes()).hexdigest() not in {
            p.name for p in blobs.iterdir()
        }
        # Only the density shard is needed for a filtered pull: the bad one is never fetched.
        hub.downloads.clear()
        assert_same(library.filter(property="Cp"), from_hub(REPO, cache_dir=cache, property="Cp"))
        assert self.SHARD not in hub.downloads
        # Once the server is repaired, the next pull works: no bad copy was left behind.
        (remote / self.SHARD).write_bytes(good)
        assert_same(library, from_hub(REPO, cache_dir=cache))
