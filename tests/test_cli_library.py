"""``sklearn-shotgun library build|info|filter|push|pull`` and ``sklearn-shotgun map``, run as a
user would: subprocesses, a tiny real recipe, the loopback Hub stand-in for push and pull."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sklearn_shotgun.library import ModelLibrary

_SPEC = importlib.util.spec_from_file_location(
    "hub_stand_in", Path(__file__).parent / "library" / "hub_stand_in.py"
)
hub_stand_in = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hub_stand_in)

# Every command is a fresh interpreter, and the fixture pretrains a (tiny) library.
pytestmark = pytest.mark.slow

# The recipe of tests/library/test_build.py, plus the license this file's recipe always named.
RECIPE = 'license = "cc-by-4.0"\n' + (Path(__file__).parent / "tiny_recipe.toml").read_text(
    encoding="utf-8"
)

REPO = "shotgun-org/tiny"


def cli(*args, env=None, check=True, timeout=600):
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_shotgun", *map(str, args)],
        capture_output=True,
        text=True,
        env=env or {**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def one_error(proc, command, pattern):
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith(f"sklearn-shotgun {command}: error: ")
    assert re.search(pattern, errors[0]), errors[0]
    assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-library")
    (tmp / "tiny.toml").write_text(RECIPE)
    proc = cli("library", "build", tmp / "tiny.toml", "--out", tmp / "lib", "--quiet")
    assert "library written to" in proc.stderr
    return tmp / "lib"


def test_build_writes_a_library(built):
    library = ModelLibrary.load(built)
    assert len(library) == 4
    assert {m.training["source"] for m in library} == {"qm9_cv", "e_form"}


def test_build_is_resumable(built, tmp_path):
    """A second build over a finished one re-uses every network."""
    before = {m.id: m.sha256 for m in ModelLibrary.load(built)}
    cli("library", "build", built.parent / "tiny.toml", "--out", built, "--quiet")
    assert {m.id: m.sha256 for m in ModelLibrary.load(built)} == before


def test_build_with_fewer_networks_per_source(built, tmp_path):
    cli("library", "build", built.parent / "tiny.toml", "--out", tmp_path / "small", "--quiet",
        "--n-models", "1")  # fmt: skip
    small = ModelLibrary.load(tmp_path / "small")
    assert sorted(m.training["source"] for m in small) == ["e_form", "qm9_cv"]
    assert small.metadata["recipe"]["n_models"] == 1


def test_info(built):
    out = cli("library", "info", built).stdout
    assert out.splitlines()[0] == f"{built}: 4 models over 2 sources (tiny)"
    assert "qm9_cv" in out and "e_form" in out and "per_gram" in out
    table = pd.read_csv(io.StringIO(cli("library", "info", built, "--csv").stdout))
    assert list(table["source"]) == ["qm9_cv", "e_form"]
    assert list(table["n_models"]) == [2, 2]
    assert set(table.columns) >= {"property", "target_transform", "descriptor", "r2_median"}
    filtered = cli("library", "info", built, "--material", "inorganic", "--csv").stdout
    assert list(pd.read_csv(io.StringIO(filtered))["source"]) == ["e_form"]


def test_filter(built, tmp_path):
    cli("library", "filter", built, "--out", tmp_path / "sub", "--property", "Cv")
    sub = ModelLibrary.load(tmp_path / "sub")
    assert len(sub) == 2 and {m.property for m in sub} == {"Cv"}
    reference = ModelLibrary.load(built).filter(property="Cv")
    assert {m.id: m.sha256 for m in sub} == {m.id: m.sha256 for m in reference}
    # Repeating an option keeps any of the values.
    cli("library", "filter", built, "--out", tmp_path / "both", "--property", "Cv",
        "--property", "formation energy")  # fmt: skip
    assert len(ModelLibrary.load(tmp_path / "both")) == 4
    proc = cli("library", "filter", built, "--out", tmp_path / "sub", "--property", "Cv",
               check=False)  # fmt: skip
    one_error(proc, "library", "already holds a library; add --overwrite")
    cli("library", "filter", built, "--out", tmp_path / "sub", "--property", "formation energy",
        "--overwrite")  # fmt: skip
    assert {m.property for m in ModelLibrary.load(tmp_path / "sub")} == {"formation energy"}


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["library", "info", "no/such/dir"], "no/such/dir: no such library directory"),
        (["library", "filter", "{lib}", "--out", "{tmp}/x"], "give at least one filter"),
        (["library", "filter", "{lib}", "--out", "{tmp}/x", "--property", "nope"], "no model"),
        (["library", "info", "hf://not-a-repo"], "owner/name"),
        (["library", "build", "no-such-recipe", "--out", "{tmp}/b"], "no-such-recipe"),
        (["map", "{lib}", "no_such_set"], "neither a CSV file nor a registered data set"),
        (["map", "{lib}", "{tmp}/t.csv"], "needs --target COLUMN"),
    ],
)
def test_errors(built, tmp_path, args, pattern):
    (tmp_path / "t.csv").write_text("smiles,y\nCCO,1.0\n")
    args = [a.format(lib=built, tmp=tmp_path) for a in args]
    one_error(cli(*args, check=False), args[0], pattern)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    server = hub_stand_in.StandInHub(tmp_path_factory.mktemp("hub"))
    yield server
    server.stop()


def test_push_pull_and_the_model_card_snippet(built, hub, tmp_path):
    env = hub.env(tmp_path / "home", OMP_NUM_THREADS="1")
    proc = cli("library", "push", built, REPO, "--shard-size", "2", env=env)
    oid = proc.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", oid)
    assert f"hf://{REPO}@{oid}" in proc.stderr

    # info on a Hub library reads library.json only.
    hub.clear_log()
    out = cli("library", "info", f"hf://{REPO}@{oid}", env=env).stdout
    assert "4 models over 2 sources" in out
    assert [r for r in hub.requests() if r.startswith("GET")] == [
        f"GET /{REPO}/resolve/{oid}/library.json"
    ]

    # A filtered pull fetches the one shard that holds the formation-energy models.
    library = ModelLibrary.load(built)
    wanted = library.filter(property="formation energy")
    pulled = tmp_path / "pulled"
    hub.clear_log()
    cli("library", "pull", f"hf://{REPO}@{oid}", "--out", pulled, "--property",
        "formation energy", env=env)  # fmt: skip
    assert {m.id: m.sha256 for m in ModelLibrary.load(pulled)} == {m.id: m.sha256 for m in wanted}
    shards = {r.rsplit("/", 1)[1] for r in hub.requests() if "/shards/" in r}
    assert len(shards) == 1

    # The model card's usage snippet runs as printed (against the stand-in).
    card = (hub.root / "repos" / REPO / "commits" / oid / "README.md").read_text()
    assert "matbench_mp_e_form" in card and "qm9" in card
    snippet = re.search(r"## Usage\n\n```python\n(.*?)```", card, flags=re.S)[1]
    run = subprocess.run(
        [sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() in {m.id for m in library} | {"no transfer", "library predictions"}


def test_map(built, tmp_path, qm9_frame):
    rows = qm9_frame.iloc[2000:2030]
    rows[["SMILES", "ZPVE_au"]].to_csv(tmp_path / "zpve.csv", index=False)
    table_path, figure = tmp_path / "map.csv", tmp_path / "map.png"
    proc = cli("map", built, tmp_path / "zpve.csv", "qm9:HOMO_LUMO_gap_au", "--input", "SMILES",
               "--target", "ZPVE_au", "--max-rows", "30", "--cv", "3", "--out", table_path,
               "--figure", figure)  # fmt: skip
    table = pd.read_csv(table_path).set_index("source")
    assert list(table.index) == ["qm9_cv", "e_form"]
    assert list(table.columns) == ["zpve", "qm9:HOMO_LUMO_gap_au"]
    assert (table.to_numpy() > 0).all()
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "best source" in proc.stderr
    summary = json.dumps(table.round(3).to_dict())
    assert "nan" not in summary
