"""push_to_hub / from_hub with the real huggingface_hub client against a loopback Hub stand-in.

The stand-in (``hub_stand_in.py``) runs in its own process and logs every request; the
clients run in fresh interpreters with ``HF_ENDPOINT`` and ``HF_HOME`` set before
huggingface_hub is imported, as a user's would be. Uploads are regular (non-LFS): the
stand-in's preupload answer says so for every file, which the client honours.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from hub_stand_in import StandInHub

from sklearn_shotgun.library import ModelLibrary

# Every client is a fresh interpreter (about 2-5 s each on the shared machine).
pytestmark = pytest.mark.slow

REPO = "shotgun-org/toy-pool"
SHARD0, SHARD1 = "shards/part-00000.safetensors", "shards/part-00001.safetensors"

CLIENT = """
import json, sys, warnings
from sklearn_shotgun.library import ModelLibrary
from sklearn_shotgun.library.hub import from_hub, push_to_hub

op, kw = sys.argv[1], json.loads(sys.argv[2])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    if op == "push":
        info = push_to_hub(ModelLibrary.load(kw.pop("path")), **kw)
        out = {"oid": info.oid}
    else:
        library = from_hub(**kw)
        out = {"models": {m.id: m.sha256 for m in library}, "name": library.name}
out["warnings"] = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
print(json.dumps(out))
"""


def hashes(library):
    return {m.id: m.sha256 for m in library}


@pytest.fixture(scope="module")
def libraries(tmp_path_factory, toy_source_model):
    """v1: 3 formation-energy + 3 band-gap models (shard_size 3: one property per shard);
    v2: the band-gap models only."""
    tmp = tmp_path_factory.mktemp("libs")

    def make_model(model_id, seed, property):
        return toy_source_model(
            model_id,
            seed,
            property=property,
            material="inorganic",
            dataset="matbench_mp_e_form" if property == "formation energy" else "matbench_mp_gap",
            metrics={"r2": 0.9 - seed / 100, "mae": 0.1 + seed / 100},
        )

    models = [make_model(f"ef-{i}", i, "formation energy") for i in range(3)]
    models += [make_model(f"gap-{i}", 10 + i, "band gap") for i in range(3)]
    v1 = ModelLibrary(models, name="toy pool", license="cc-by-4.0")
    v1.save(tmp / "v1", shard_size=3)
    v2 = v1.filter(property="band gap")
    v2.save(tmp / "v2", shard_size=3)
    return {"v1": (v1, tmp / "v1"), "v2": (v2, tmp / "v2")}


def client(hub, hf_home, op, check=True, offline=False, **kw):
    extra = {"HF_HUB_OFFLINE": "1"} if offline else {}
    proc = subprocess.run(
        [sys.executable, "-c", CLIENT, op, json.dumps(kw, default=str)],
        env=hub.env(hf_home, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.splitlines()[-1])
    return proc


def gets(hub, name):
    return [r for r in hub.requests() if r.startswith("GET ") and r.endswith("/" + name)]


@pytest.fixture(scope="module")
def hub(tmp_path_factory, libraries):
    """A stand-in holding REPO with two commits: v1, then v2 pushed on top."""
    tmp = tmp_path_factory.mktemp("hub")
    server = StandInHub(tmp / "server")
    home = tmp / "pusher-home"
    oid1 = client(server, home, "push", repo_id=REPO, path=libraries["v1"][1], shard_size=3)
    oid2 = client(server, home, "push", repo_id=REPO, path=libraries["v2"][1], shard_size=3)
    server.oids = (oid1["oid"], oid2["oid"])
    yield server
    server.stop()


def test_push_commits_one_library_per_commit(hub, libraries):
    oid1, oid2 = hub.oids
    assert oid1 != oid2 and len(oid1) == 40
    store = hub.root / "repos" / REPO / "commits"
    files1 = sorted(p.relative_to(store / oid1).as_posix() for p in (store / oid1).rglob("*"))
    assert {"library.json", "README.md", SHARD0, SHARD1} <= set(files1)
    # v2 has one shard: the stale second shard of v1 was deleted in the same commit.
    assert (store / oid2 / SHARD0).exists() and not (store / oid2 / SHARD1).exists()
    assert ModelLibrary.load(store / oid1).ids == libraries["v1"][0].ids
    # The requests the real client made for a push (regular uploads: no LFS endpoints).
    posts = {
        r.split()[1].split("/")[-2] for r in hub.requests() if r.startswith("POST /api/models")
    }
    assert posts == {"preupload", "commit"}
    assert not any("lfs" in r or "xet" in r for r in hub.requests())


def test_pushed_model_card(hub, libraries):
    card = (hub.root / "repos" / REPO / "commits" / hub.oids[0] / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["library_name"] == "sklearn-shotgun" and front["license"] == "cc-by-4.0"
    assert set(front["datasets"]) == {"matbench_mp_e_form", "matbench_mp_gap"}
    # Licence and citation of each source data set come from the data set registry.
    from sklearn_shotgun.datasets import DATASETS

    for name in ("matbench_mp_e_form", "matbench_mp_gap"):
        assert DATASETS[name].licence in card and DATASETS[name].citation in card
    assert '"class": "CompositionFeaturizer"' in card and "stats" in card
    assert "| R2 median (min-max) |" in card and "0.89 (0.88-0.9)" in card
    assert "doi     = {10.1021/acscentsci.9b00804}" in card
    assert f'ModelLibrary.from_hub("{REPO}")' in card


def test_model_card_snippet_runs(hub, libraries, tmp_path):
    """The card's usage snippet, as printed, against the stand-in (the toy pool names a
    registered data set, which stands in for the user's target)."""
    card = (hub.root / "repos" / REPO / "commits" / hub.oids[0] / "README.md").read_text()
    snippet = re.search(r"## Usage\n\n```python\n(.*?)```", card, flags=re.S)[1]
    assert 'fetch_dataset("matbench_mp_e_form", target="target"' in snippet
    proc = subprocess.run(
        [sys.executable, "-c", snippet],
        env=hub.env(tmp_path / "home", OMP_NUM_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The main branch holds v2 (band-gap models) by then: the snippet pulls the latest.
    assert proc.stdout.strip() in {*libraries["v2"][0].ids, "no transfer", "library predictions"}


def test_pull_pinned_to_a_commit(hub, libraries, tmp_path):
    v1, v2 = libraries["v1"][0], libraries["v2"][0]
    home = tmp_path / "home"
    assert client(hub, home, "pull", repo_id=REPO, revision=hub.oids[0])["models"] == hashes(v1)
    assert client(hub, home, "pull", repo_id=REPO)["models"] == hashes(v2)
    assert client(hub, home, "pull", repo_id=REPO, revision="main")["models"] == hashes(v2)


def test_filtered_pull_fetches_only_needed_shards(hub, libraries, tmp_path):
    hub.clear_log()
    out = client(hub, tmp_path / "home", "pull", repo_id=REPO, revision=hub.oids[0],
                 property="band gap")  # fmt: skip
    assert out["models"] == hashes(libraries["v1"][0].filter(property="band gap"))
    assert len(gets(hub, "library.json")) == 1
    assert len(gets(hub, SHARD1)) == 1
    assert gets(hub, SHARD0) == [] and gets(hub, "README.md") == []
    # Cached: a second pull of the same commit downloads nothing.
    hub.clear_log()
    client(hub, tmp_path / "home", "pull", repo_id=REPO, revision=hub.oids[0], property="band gap")
    assert not [r for r in hub.requests() if r.startswith("GET ")]
    # force_download fetches the needed files again, and only them.
    client(hub, tmp_path / "home", "pull", repo_id=REPO, revision=hub.oids[0],
           property="band gap", force_download=True)  # fmt: skip
    assert len(gets(hub, SHARD1)) == 1 and gets(hub, SHARD0) == []


def test_offline_reload_from_the_cache(tmp_path, libraries):
    server = StandInHub(tmp_path / "server")
    try:
        home = tmp_path / "home"
        oid = client(server, home, "push", repo_id=REPO, path=libraries["v1"][1], shard_size=3)
        pinned = oid["oid"]
        v1 = hashes(libraries["v1"][0])
        assert client(server, home, "pull", repo_id=REPO)["models"] == v1
    finally:
        server.stop()
    # The server is gone: offline, everything comes from the cache, by branch or by commit.
    assert client(server, home, "pull", offline=True, repo_id=REPO)["models"] == v1
    out = client(server, home, "pull", offline=True, repo_id=REPO, revision=pinned)
    assert out["models"] == v1 and out["warnings"] == []
    # Offline with a filter: only the cached shards are needed.
    out = client(server, home, "pull", offline=True, repo_id=REPO, material="inorganic")
    assert out["models"] == v1


def cached_blobs(home):
    blobs = home / "hub" / "models--shotgun-org--toy-pool" / "blobs"
    return {p.name for p in blobs.iterdir()} if blobs.exists() else set()


class TestCorruptedDownload:
    def test_damaged_once_is_evicted_and_fetched_again(self, hub, libraries, tmp_path):
        hub.clear_log()
        hub.damage(SHARD1, times=1)
        out = client(hub, tmp_path / "home", "pull", repo_id=REPO, revision=hub.oids[0])
        assert out["models"] == hashes(libraries["v1"][0])
        assert len(out["warnings"]) == 1
        assert "part-00001.safetensors of shotgun-org/toy-pool" in out["warnings"][0]
        assert "sha256 mismatch" in out["warnings"][0]
        assert len(gets(hub, SHARD1)) == 2
        # The cache now holds only good copies: the next (offline) pull neither warns nor fails.
        again = client(hub, tmp_path / "home", "pull", offline=True, repo_id=REPO,
                       revision=hub.oids[0])  # fmt: skip
        assert again["warnings"] == [] and again["models"] == out["models"]

    def test_damaged_on_every_download_is_not_kept(self, hub, libraries, tmp_path):
        hub.damage(SHARD1, times=2)
        home = tmp_path / "home"
        proc = client(hub, home, "pull", check=False, repo_id=REPO, revision=hub.oids[0])
        assert proc.returncode != 0
        assert "LibraryIntegrityError" in proc.stderr
        assert "the file on the Hub itself is damaged" in proc.stderr
        snapshot = home / "hub/models--shotgun-org--toy-pool/snapshots" / hub.oids[0]
        assert (snapshot / "library.json").exists() and not (snapshot / SHARD1).exists()
        import hashlib

        good = (hub.root / "repos" / REPO / "commits" / hub.oids[0] / SHARD1).read_bytes()
        assert hashlib.sha256(good).hexdigest() not in cached_blobs(home)
        assert len(cached_blobs(home)) == 2  # library.json and the undamaged first shard
        # Once the server serves good bytes again, the same cache pulls fine.
        out = client(hub, home, "pull", repo_id=REPO, revision=hub.oids[0])
        assert out["models"] == hashes(libraries["v1"][0]) and out["warnings"] == []

    @pytest.mark.parametrize("name", [SHARD1, "library.json"])
    def test_damaged_in_the_cache_is_evicted(self, hub, libraries, tmp_path, name):
        home = tmp_path / "home"
        client(hub, home, "pull", repo_id=REPO, revision=hub.oids[0])
        snapshot = home / "hub/models--shotgun-org--toy-pool/snapshots" / hub.oids[0]
        blob = (snapshot / name).resolve()  # e.g. a disk error in the cache
        if name == "library.json":
            meta = json.loads(blob.read_text())
            meta["models"][2]["y_scaling"]["scale"] = 10.0
            blob.write_text(json.dumps(meta))
        else:
            raw = bytearray(blob.read_bytes())
            raw[-20] ^= 0x10
            blob.write_bytes(bytes(raw))
        hub.clear_log()
        out = client(hub, home, "pull", repo_id=REPO, revision=hub.oids[0])
        assert out["models"] == hashes(libraries["v1"][0])
        assert len(out["warnings"]) == 1
        assert (
            f"{name} of shotgun-org/toy-pool in the Hugging Face cache is corrupted"
            in (out["warnings"][0])
        )
        assert len(gets(hub, name)) == 1


def test_hf_uri_resolves_through_the_hub(hub, libraries, tmp_path):
    code = (
        "import json, sys; from sklearn_shotgun.library.hub import load_hub_uri; "
        "lib = load_hub_uri(sys.argv[1], property='band gap'); "
        "print(json.dumps({m.id: m.sha256 for m in lib}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, f"hf://{REPO}@{hub.oids[0]}"],
        env=hub.env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == hashes(libraries["v1"][0].filter(property="band gap"))


ESTIMATOR = """
import json, sys
import numpy as np
from sklearn_shotgun import ShotgunTransferRegressor

formulas = [f"Fe{a}O{b}" for a in range(1, 5) for b in range(1, 6)]
y = np.random.default_rng(0).normal(size=len(formulas))
model = ShotgunTransferRegressor(sys.argv[1], cv=3, random_state=0).fit(formulas, y)
print(json.dumps(sorted(set(model.transfer_table_["source"]))))
"""


def test_transfer_estimator_takes_an_hf_name(hub, libraries, tmp_path):
    hub.clear_log()
    proc = subprocess.run(
        [sys.executable, "-c", ESTIMATOR, f"hf://{REPO}@{hub.oids[0]}"],
        env=hub.env(tmp_path / "home", OMP_NUM_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    searched = set(json.loads(proc.stdout.splitlines()[-1]))
    assert set(libraries["v1"][0].ids) <= searched  # every Hub model was a candidate
    assert len(gets(hub, "library.json")) == 1 and len(gets(hub, SHARD0)) == 1


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("hf://org/name", ("org/name", None)),
        ("hf://org/name@v1.0", ("org/name", "v1.0")),
        ("hf://org/na-me.x@" + "a" * 40, ("org/na-me.x", "a" * 40)),
    ],
)
def test_parse_hub_uri(uri, expected):
    from sklearn_shotgun.library.hub import parse_hub_uri

    assert parse_hub_uri(uri) == expected


@pytest.mark.parametrize("uri", ["org/name", "hf://org", "hf://org/name@", "hf://a/b/c", 3])
def test_parse_hub_uri_rejects(uri):
    from sklearn_shotgun.library.hub import parse_hub_uri

    with pytest.raises(ValueError, match="owner/name"):
        parse_hub_uri(uri)
