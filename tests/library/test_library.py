"""ModelLibrary: collection, queries, directory format, integrity checks, atomic save."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import struct

import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
import yaml

import sklearn_shotgun
from sklearn_shotgun import _io
from sklearn_shotgun.library import ModelLibrary, SourceModel

N_DESCRIPTOR = 40


def make_model(model_id, seed, property="Cp", material="molecule", dataset="qm9", kind="morgan"):
    rng = np.random.default_rng(seed)
    n_hidden = int(rng.integers(1, 5))
    widths = sorted(rng.integers(3, 12, size=n_hidden).tolist(), reverse=True)
    arch = [int(rng.integers(4, 10)), *widths, 1]
    state = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
        state[f"linears.{i}.weight"] = rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in))
        state[f"linears.{i}.bias"] = rng.normal(0, 0.1, n_out)
    return SourceModel(
        id=model_id,
        architecture=arch,
        state_dict=state,
        columns=np.sort(rng.choice(N_DESCRIPTOR, size=arch[0], replace=False)),
        x_mean=rng.normal(size=arch[0]),
        x_scale=rng.uniform(0.5, 2.0, arch[0]),
        y_mean=float(rng.normal()),
        y_scale=float(rng.uniform(1, 3)),
        featurizer={"class": "FingerprintFeaturizer", "params": {"kind": kind, "n_bits": 40}},
        property=property,
        units="J/mol/K" if property == "Cp" else "g/cm3",
        material=material,
        dataset=dataset,
        training={"seed": seed, "n_samples": 100 + seed, "lr": 1e-3, "bootstrap_sha256": "ab" * 32},
        metrics={"mae": 0.1 * (seed + 1), "r2": 1 - 0.05 * seed, "rows": "out-of-bag"},
    )


def make_library():
    models = [make_model(f"cp-{i:02d}", i) for i in range(4)]
    models += [
        make_model(
            f"rho-{i:02d}", 10 + i, property="density", material="polymer", dataset="radonpy"
        )
        for i in range(2)
    ]
    models.append(make_model("cp-maccs", 20, kind=["maccs", "morgan"]))
    return ModelLibrary(models, name="toy pool", description="for tests", license="mit")


@pytest.fixture
def library():
    return make_library()


@pytest.fixture
def saved(library, tmp_path):
    path = tmp_path / "lib"
    library.save(path, shard_size=3)
    return path


@pytest.fixture
def X():
    return np.random.default_rng(99).normal(size=(17, N_DESCRIPTOR)).astype(np.float32)


def assert_same_library(a, b, X):
    assert a.ids == b.ids
    assert (a.name, a.description, a.license) == (b.name, b.description, b.license)
    for ma, mb in zip(a, b, strict=True):
        assert ma.to_entry() == mb.to_entry()
        ta, tb = ma.tensors(), mb.tensors()
        assert ta.keys() == tb.keys()
        for k in ta:
            assert ta[k].dtype == tb[k].dtype
            assert ta[k].tobytes() == tb[k].tobytes()
        np.testing.assert_array_equal(
            ma.predict(X, precomputed=True), mb.predict(X, precomputed=True)
        )
        np.testing.assert_array_equal(
            ma.transform(X, "all", precomputed=True), mb.transform(X, "all", precomputed=True)
        )


def tensor_offsets(shard_path):
    """{name: (start, end)} absolute byte ranges of each tensor's data in a safetensors file."""
    raw = shard_path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    return {
        k: (8 + header_len + v["data_offsets"][0], 8 + header_len + v["data_offsets"][1])
        for k, v in header.items()
        if k != "__metadata__"
    }


class TestCollection:
    def test_len_iter_getitem_contains(self, library):
        assert len(library) == 7
        assert [m.id for m in library] == library.ids
        assert library.ids[:2] == ["cp-00", "cp-01"]
        assert library["rho-01"].property == "density"
        assert library[0] is library["cp-00"]
        assert "cp-03" in library and "nope" not in library
        assert library["cp-03"] in library
        with pytest.raises(KeyError, match="nope"):
            library["nope"]

    def test_add_and_collision(self, library):
        extra = make_model("new-one", 42)
        library.add(extra)
        assert library.ids[-1] == "new-one" and len(library) == 8
        with pytest.raises(ValueError, match="new-one"):
            library.add(make_model("new-one", 43))
        with pytest.raises(TypeError):
            library.add("cp-00")

    def test_plus(self, library):
        other = ModelLibrary([make_model("x-1", 1), make_model("x-2", 2)])
        both = library + other
        assert both.ids == [*library.ids, "x-1", "x-2"]
        assert len(library) == 7  # operands unchanged
        with pytest.raises(ValueError, match="cp-00"):
            library + ModelLibrary([make_model("cp-00", 3)])

    def test_repr(self, library):
        assert (
            repr(library)
            == "ModelLibrary(name='toy pool', n_models=7, properties=['Cp', 'density'])"
        )


class TestFilter:
    def test_metadata(self, library):
        assert library.filter(property="density").ids == ["rho-00", "rho-01"]
        assert library.filter(material="molecule", dataset="qm9").ids == [
            "cp-00",
            "cp-01",
            "cp-02",
            "cp-03",
            "cp-maccs",
        ]
        assert library.filter(property=["density", "nothing"]).ids == ["rho-00", "rho-01"]
        assert len(library.filter(property="nothing")) == 0
        assert len(library.filter(task="regression")) == 7

    def test_descriptor_matches_class_kind_and_label(self, library):
        assert len(library.filter(descriptor="FingerprintFeaturizer")) == 7
        assert library.filter(descriptor="maccs").ids == ["cp-maccs"]
        assert library.filter(descriptor="maccs+morgan").ids == ["cp-maccs"]
        assert len(library.filter(descriptor="morgan")) == 7
        assert library.filter(featurizer="FingerprintFeaturizer").ids == library.ids

    def test_callables_and_predicate(self, library):
        good = library.filter(metrics=lambda m: m["mae"] < 0.25)
        assert good.ids == ["cp-00", "cp-01"]
        assert library.filter(lambda m: m.y_scale > 100).ids == []
        deep = library.filter(n_hidden=lambda n: n >= 3)
        assert all(m.n_hidden >= 3 for m in deep) and len(deep) > 0
        assert deep.name == library.name
        assert library.filter(id="cp-01")["cp-01"] is library["cp-01"]

    def test_unknown_key(self, library):
        with pytest.raises(TypeError, match="propert"):
            library.filter(propery="Cp")

    def test_to_frame(self, library):
        frame = library.to_frame()
        assert isinstance(frame, pd.DataFrame) and len(frame) == 7
        for col in [
            "id",
            "property",
            "target_transform",
            "units",
            "material",
            "dataset",
            "descriptor",
            "architecture",
            "n_hidden",
            "n_inputs",
            "n_samples",
            "mae",
            "r2",
            "rows",
        ]:
            assert col in frame.columns, col
        row = frame.set_index("id").loc["cp-maccs"]
        assert row["descriptor"] == "maccs+morgan"
        assert row["n_hidden"] == library["cp-maccs"].n_hidden
        assert row["mae"] == pytest.approx(2.1)
        assert list(ModelLibrary().to_frame().columns)[:4] == [
            "id",
            "property",
            "target_transform",
            "units",
        ]
        assert frame["target_transform"].isna().all()  # trained on the property as measured


class TestSaveLoad:
    def test_round_trip(self, library, saved, X):
        assert_same_library(library, ModelLibrary.load(saved), X)

    def test_layout(self, library, saved):
        files = sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file())
        assert files == [
            "README.md",
            "library.json",
            "shards/part-00000.safetensors",
            "shards/part-00001.safetensors",
            "shards/part-00002.safetensors",
        ]
        meta = json.loads((saved / "library.json").read_text())
        assert meta["format_version"] == 2
        assert meta["created_with"] == sklearn_shotgun.__version__
        assert [e["shard"] for e in meta["models"]] == [
            f"shards/part-0000{i}.safetensors" for i in (0, 0, 0, 1, 1, 1, 2)
        ]
        entry = meta["models"][0]
        assert entry["columns"] == "cp-00/columns"
        assert entry["x_scaling"] == {
            "kind": "standard",
            "mean": "cp-00/x_mean",
            "scale": "cp-00/x_scale",
        }
        assert entry["sha256"] == library["cp-00"].sha256
        assert entry["entry_sha256"] == library["cp-00"].to_entry()["entry_sha256"]
        shard = safetensors.numpy.load_file(saved / "shards/part-00000.safetensors")
        assert "cp-00/linears.0.weight" in shard and "cp-00/columns" in shard
        assert shard["cp-00/columns"].dtype == np.int64

    def test_load_never_unpickles(self, saved, monkeypatch, X, library):
        def forbidden(*args, **kwargs):
            raise AssertionError("pickle used while loading")

        for name in ("load", "loads", "Unpickler"):
            monkeypatch.setattr(pickle, name, forbidden)
        monkeypatch.setattr(np, "load", forbidden)
        import torch

        monkeypatch.setattr(torch, "load", forbidden)
        loaded = ModelLibrary.load(saved)
        monkeypatch.undo()
        assert_same_library(library, loaded, X)
        for p in saved.rglob("*"):
            if p.is_file():
                assert p.suffix in {".json", ".md", ".safetensors"}
                assert b"\x80\x04\x95" not in p.read_bytes()[:4]  # no pickle protocol header

    def test_subset_and_lazy(self, library, saved, X):
        sub = ModelLibrary.load(saved, models=["rho-01", "cp-00"])
        assert sub.ids == ["cp-00", "rho-01"]  # library.json order
        with pytest.raises(KeyError, match="ghost"):
            ModelLibrary.load(saved, models=["ghost"])
        # Lazy: querying needs library.json only; shards of unused models may be absent.
        (saved / "shards/part-00000.safetensors").unlink()
        lazy = ModelLibrary.load(saved, lazy=True)
        assert len(lazy) == 7
        dens = lazy.filter(property="density", n_hidden=lambda n: n >= 1)
        assert dens.ids == ["rho-00", "rho-01"]
        assert lazy.to_frame().shape[0] == 7
        assert_same_library(library.filter(property="density"), dens, X)
        with pytest.raises(ValueError, match="cp-00"):
            lazy["cp-00"]

    def test_save_lazy_library_onto_itself(self, library, saved, X):
        lazy = ModelLibrary.load(saved, lazy=True)
        lazy.save(saved, shard_size=2)
        assert len(list((saved / "shards").iterdir())) == 4
        assert_same_library(library, ModelLibrary.load(saved), X)

    def test_empty_library(self, tmp_path):
        ModelLibrary(name="empty").save(tmp_path / "e")
        loaded = ModelLibrary.load(tmp_path / "e")
        assert len(loaded) == 0 and loaded.name == "empty"

    def test_bad_shard_size(self, library, tmp_path):
        with pytest.raises(ValueError, match="shard_size"):
            library.save(tmp_path / "x", shard_size=0)

    def test_refuses_to_replace_other_directories(self, library, tmp_path):
        other = tmp_path / "mydata"
        other.mkdir()
        (other / "precious.csv").write_text("1,2,3")
        with pytest.raises(FileExistsError, match=r"library.json"):
            library.save(other)
        assert (other / "precious.csv").read_text() == "1,2,3"

    def test_model_card(self, saved):
        text = (saved / "README.md").read_text()
        assert text.startswith("---\n")
        front = yaml.safe_load(text.split("---\n")[1])
        assert front["library_name"] == "sklearn-shotgun"
        assert front["license"] == "mit"
        assert set(front["datasets"]) == {"qm9", "radonpy"}
        assert "sklearn-shotgun" in front["tags"]
        results = front["model-index"][0]["results"]
        cp = next(r for r in results if r["dataset"]["name"] == "qm9")
        mae = next(m for m in cp["metrics"] if m["type"] == "mae")
        # cp-00..cp-03 and cp-maccs have mae 0.1, 0.2, 0.3, 0.4, 2.1: median 0.3
        assert mae["value"] == pytest.approx(0.3)
        assert "5 models" in mae["name"]
        assert "**7** pretrained" in text
        assert "| density | g/cm3 | polymer | radonpy | regression | 2 |" in text


class TestIntegrity:
    def test_flipped_byte_names_the_model(self, saved):
        shard = saved / "shards/part-00001.safetensors"
        start, end = tensor_offsets(shard)["rho-00/linears.0.weight"]
        raw = bytearray(shard.read_bytes())
        raw[(start + end) // 2] ^= 0x01
        shard.write_bytes(bytes(raw))
        with pytest.raises(ValueError, match=r"model 'rho-00'.*sha256 mismatch"):
            ModelLibrary.load(saved)
        # Models in intact shards still load; the lazy path reports on first access.
        assert len(ModelLibrary.load(saved, models=["cp-00", "rho-01"])) == 2
        lazy = ModelLibrary.load(saved, lazy=True)
        with pytest.raises(ValueError, match="'rho-00'"):
            list(lazy)

    def test_corrupted_header(self, saved):
        shard = saved / "shards/part-00002.safetensors"
        shard.write_bytes(b"\xff" * 8 + shard.read_bytes()[8:])
        with pytest.raises(ValueError, match=r"cp-maccs.*cannot be read"):
            ModelLibrary.load(saved)

    def test_missing_tensor(self, saved):
        shard = saved / "shards/part-00000.safetensors"
        tensors = safetensors.numpy.load_file(shard)
        del tensors["cp-01/x_scale"]
        safetensors.numpy.save_file(tensors, shard)
        with pytest.raises(ValueError, match=r"model 'cp-01'.*missing tensor.*x_scale"):
            ModelLibrary.load(saved)

    def test_missing_shard(self, saved):
        (saved / "shards/part-00002.safetensors").unlink()
        with pytest.raises(ValueError, match=r"cp-maccs.*missing"):
            ModelLibrary.load(saved)

    def test_tampered_metadata_is_caught(self, saved):
        meta = json.loads((saved / "library.json").read_text())
        meta["models"][0]["columns"] = "cp-01/columns"
        (saved / "library.json").write_text(json.dumps(meta))
        with pytest.raises(ValueError, match="cp-00"):
            ModelLibrary.load(saved)

    @pytest.mark.parametrize("version", [3, 0, "2", None, True, 2.0, [2]])
    def test_format_version(self, saved, version):
        meta = json.loads((saved / "library.json").read_text())
        meta["format_version"] = version
        if version is None:
            del meta["format_version"]
        (saved / "library.json").write_text(json.dumps(meta))
        with pytest.raises(ValueError, match="format_version"):
            ModelLibrary.load(saved)

    @pytest.mark.parametrize(
        "shard", ["../outside.safetensors", "/etc/passwd", "shards/../../x.safetensors", 3]
    )
    def test_shard_paths_stay_inside(self, saved, shard):
        meta = json.loads((saved / "library.json").read_text())
        meta["models"][1]["shard"] = shard
        (saved / "library.json").write_text(json.dumps(meta))
        with pytest.raises(ValueError, match=r"cp-01.*invalid shard"):
            ModelLibrary.load(saved)

    def test_duplicate_ids_and_bad_json(self, saved):
        meta = json.loads((saved / "library.json").read_text())
        meta["models"].append(meta["models"][0])
        (saved / "library.json").write_text(json.dumps(meta))
        with pytest.raises(ValueError, match="twice"):
            ModelLibrary.load(saved)
        (saved / "library.json").write_text("{not json")
        with pytest.raises(ValueError, match="not valid JSON"):
            ModelLibrary.load(saved)
        with pytest.raises(FileNotFoundError):
            ModelLibrary.load(saved / "shards")


class TestAtomicSave:
    def _siblings(self, path):
        return sorted(p.name for p in path.parent.iterdir())

    def test_crash_while_writing_shards_keeps_old_library(self, library, saved, monkeypatch, X):
        real = safetensors.numpy.save_file
        calls = []

        def crashing(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise OSError("disk full")
            return real(*args, **kwargs)

        monkeypatch.setattr(safetensors.numpy, "save_file", crashing)
        new = ModelLibrary([make_model("other", 5)], name="new")
        new.add(make_model("other-2", 6))
        with pytest.raises(OSError, match="disk full"):
            new.save(saved, shard_size=1)
        assert self._siblings(saved) == ["lib"]  # no temporary directory left behind
        assert_same_library(library, ModelLibrary.load(saved), X)

    def test_crash_while_swapping_keeps_old_library(self, library, saved, monkeypatch, X):
        real = os.rename
        calls = []

        def crashing(src, dst):
            calls.append((src, dst))
            if len(calls) == 2:  # moving the new directory in
                raise OSError("power cut")
            return real(src, dst)

        monkeypatch.setattr(_io.os, "rename", crashing)
        with pytest.raises(OSError, match="power cut"):
            ModelLibrary([make_model("other", 5)]).save(saved)
        monkeypatch.undo()
        assert self._siblings(saved) == ["lib"]
        assert_same_library(library, ModelLibrary.load(saved), X)

    def test_overwrite(self, saved, X):
        new = ModelLibrary([make_model("other", 5)], name="new")
        new.save(saved)
        assert_same_library(new, ModelLibrary.load(saved), X)
        assert self._siblings(saved) == ["lib"]
        assert len(list((saved / "shards").iterdir())) == 1


class TestCopying:
    def test_deepcopy_shares_models_but_not_the_container(self, library):
        import copy

        dup = copy.deepcopy(library)
        assert dup.ids == library.ids and dup["cp-00"] is library["cp-00"]
        dup.add(make_model("only-in-copy", 50))
        assert "only-in-copy" not in library

    @pytest.mark.parametrize("lazy", [False, True])
    def test_pickle(self, saved, lazy, X):
        lib = ModelLibrary.load(saved, lazy=lazy)
        back = pickle.loads(pickle.dumps(lib))
        assert_same_library(ModelLibrary.load(saved), back, X)
