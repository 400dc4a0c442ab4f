"""Tampering with library.json: every field of a model entry is covered.

Each leaf of each model entry is changed (or deleted) in a saved library; loading must fail with
a ``LibraryFormatError`` that names library.json, the model and the field. The only entry field
that may change is ``"shard"``, and a wrong shard cannot go unnoticed either (the tensors are
not there). Library-level ``name``, ``description``, ``license`` and ``created_with`` are free:
they change no prediction.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import warnings

import numpy as np
import pytest

from sklearn_shotgun import FingerprintFeaturizer
from sklearn_shotgun.library import (
    LibraryFormatError,
    LibraryIntegrityError,
    ModelLibrary,
    SourceModel,
    UnverifiedLibraryWarning,
)
from sklearn_shotgun.library._verify import ACTIVATIONS, MAX_DEPTH, entry_digest
from sklearn_shotgun.library.source_model import featurizer_spec

N_DESCRIPTOR = 64


def _weights(rng, arch):
    state = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
        state[f"linears.{i}.weight"] = rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in))
        state[f"linears.{i}.bias"] = rng.normal(0, 0.1, n_out)
    return state


def make_library() -> ModelLibrary:
    rng = np.random.default_rng(7)
    reg_arch = [6, 5, 3, 1]
    reg = SourceModel(
        id="reg-0",
        architecture=reg_arch,
        state_dict=_weights(rng, reg_arch),
        columns=np.array([1, 4, 9, 16, 25, 36]),
        x_mean=rng.normal(size=6),
        x_scale=rng.uniform(0.5, 2, 6),
        y_mean=18.4,
        y_scale=2.5,
        featurizer=featurizer_spec(FingerprintFeaturizer(kind="morgan", n_bits=N_DESCRIPTOR)),
        activation="tanh",
        property="Cv",
        units="cal/(mol K)",
        material="molecule",
        dataset="QM9",
        target_transform="per_heavy_atom",
        training={"seed": 3, "n_samples": 500, "lr": 1e-3, "optimizer": "adam"},
        metrics={"mae": 0.25, "r2": 0.9, "pearson": float("nan"), "rows": "out-of-bag"},
    )
    clf_arch = [4, 4, 3]
    clf = SourceModel(
        id="clf-1",
        architecture=clf_arch,
        state_dict=_weights(rng, clf_arch),
        columns=np.array([0, 2, 3, 7]),
        x_mean=np.zeros(4),
        x_scale=np.ones(4),
        task="classification",
        classes=["gas", "liquid", "solid"],
        property="phase",
    )
    return ModelLibrary([reg, clf], name="tamper pool", description="d", license="mit")


LIBRARY = make_library()
ENTRIES = {m.id: m.to_entry(shard="shards/part-00000.safetensors") for m in LIBRARY}


def leaf_paths(value, prefix=()):
    """Every path to a leaf (and to every container) of a JSON value, containers first."""
    if isinstance(value, dict):
        if prefix:
            yield prefix
        for key, child in value.items():
            yield from leaf_paths(child, (*prefix, key))
    elif isinstance(value, list):
        yield prefix
        for i, child in enumerate(value):
            yield from leaf_paths(child, (*prefix, i))
    else:
        yield prefix


def _get(value, path):
    for key in path:
        value = value[key]
    return value


def changed(value, path):
    """A different value of the same JSON type (valid where the field has a fixed choice)."""
    if path == ("activation",):
        return next(a for a in ACTIVATIONS if a != value)
    if path == ("target_transform",):
        return "log10" if value != "log10" else "per_atom"
    if path == ("task",):
        return "classification" if value == "regression" else "regression"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 1.5 + 1.0
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return 0.5 if path[0] == "metrics" else "log10"
    if isinstance(value, list):
        return [*value, value[-1]]
    if isinstance(value, dict):
        return {**value, "extra": 1}
    raise AssertionError(value)


CASES = [
    pytest.param(model_id, path, id=f"{model_id}:{'.'.join(map(str, path))}")
    for model_id, entry in ENTRIES.items()
    for path in leaf_paths(entry)
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("pristine") / "lib"
    LIBRARY.save(path)
    return path


@pytest.fixture
def saved(pristine, tmp_path):
    import shutil

    path = tmp_path / "lib"
    shutil.copytree(pristine, path)
    return path


def rewrite(saved, edit):
    index = saved / "library.json"
    meta = json.loads(index.read_text())
    edit(meta)
    index.write_text(json.dumps(meta, indent=1))
    return index


def entry_of(meta, model_id):
    return next(e for e in meta["models"] if e["id"] == model_id)


def assert_rejected(saved, index, model_id, path):
    with pytest.raises(LibraryFormatError) as info:
        ModelLibrary.load(saved)
    error = info.value
    message = str(error)
    assert str(index) in message or str(saved / "shards") in message, message
    if path != ("id",):
        assert f"model {model_id!r}" in message, message
    assert error.field is not None, message
    # The field itself (field checks), a digest that covers it, or for a changed id the tensor
    # references that no longer carry it.
    allowed = {str(path[0]), "entry_sha256", "sha256"}
    allowed |= {("id",): {"columns"}, ("task",): {"classes"}}.get(path, set())
    assert error.field.split(".")[0] in allowed, (error.field, message)
    return error


@pytest.mark.parametrize(("model_id", "path"), CASES)
def test_changed_field_is_rejected(saved, model_id, path):
    def edit(meta):
        entry = entry_of(meta, model_id)
        parent = _get(entry, path[:-1])
        parent[path[-1]] = changed(parent[path[-1]], path)

    index = rewrite(saved, edit)
    if path == ("shard",):
        # Only where the tensors are: a shard that does not hold them is an error naming it.
        with pytest.raises(LibraryFormatError, match=r"part-00000x|invalid shard"):
            ModelLibrary.load(saved)
        return
    assert_rejected(saved, index, ENTRIES[model_id]["id"] + ("x" if path == ("id",) else ""), path)


@pytest.mark.parametrize(
    ("model_id", "path"),
    [c for c in CASES if len(c.values[1]) >= 1 and not isinstance(c.values[1][-1], int)],
)
def test_deleted_field_is_rejected(saved, model_id, path):
    def edit(meta):
        del _get(entry_of(meta, model_id), path[:-1])[path[-1]]

    index = rewrite(saved, edit)
    if path == ("shard",):
        with pytest.raises(LibraryFormatError, match="invalid shard None"):
            ModelLibrary.load(saved)
        return
    assert_rejected(saved, index, model_id, path)


def test_shard_pointing_elsewhere_is_rejected(tmp_path):
    LIBRARY.save(tmp_path / "lib", shard_size=1)
    index = rewrite(
        tmp_path / "lib",
        lambda m: entry_of(m, "reg-0").update(shard="shards/part-00001.safetensors"),
    )
    with pytest.raises(
        LibraryFormatError, match=r"part-00001.safetensors: model 'reg-0'.*missing tensor"
    ):
        ModelLibrary.load(tmp_path / "lib")
    assert index.is_file()


def _assert_same_predictions(a, b):
    X = np.random.default_rng(0).normal(size=(11, N_DESCRIPTOR))
    for ma, mb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ma.predict(X, precomputed=True), mb.predict(X, True))


@pytest.mark.parametrize("field", ["name", "description", "license", "created_with"])
def test_library_metadata_is_free(saved, field):
    rewrite(saved, lambda meta: meta.update({field: "edited by hand"}))
    loaded = ModelLibrary.load(saved)
    _assert_same_predictions(LIBRARY, loaded)
    if field != "created_with":
        assert getattr(loaded, field) == "edited by hand"


def test_entry_order_and_removal_are_free(saved):
    rewrite(saved, lambda meta: meta["models"].reverse())
    assert ModelLibrary.load(saved).ids == ["clf-1", "reg-0"]
    rewrite(saved, lambda meta: meta["models"].pop(0))
    _assert_same_predictions(LIBRARY.filter(id="reg-0"), ModelLibrary.load(saved))


def test_issue_example_y_scaling(saved):
    """A y_scaling mean of 1e6 used to turn 18.4 into 1,000,001.5 silently."""
    index = rewrite(saved, lambda m: entry_of(m, "reg-0")["y_scaling"].update(mean=1e6))
    with pytest.raises(LibraryIntegrityError, match=r"model 'reg-0': field 'entry_sha256'") as e:
        ModelLibrary.load(saved)
    assert e.value.path == str(index) and e.value.model == "reg-0"
    # lazy loading checks the entries too: nothing is answered from a tampered entry
    with pytest.raises(LibraryIntegrityError, match="reg-0"):
        ModelLibrary.load(saved, lazy=True)


def _forge(entry):
    """Recompute the entry digest, as someone editing the file on purpose could."""
    entry["entry_sha256"] = entry_digest(entry)


@pytest.mark.parametrize(
    ("edit", "field", "match"),
    [
        (
            lambda e: e["featurizer"]["params"].update(n_bits=3_000_000_000),
            "featurizer.params",
            "n_bits",
        ),
        (lambda e: e["featurizer"]["params"].update(radius=-1), "featurizer.params", "radius"),
        (lambda e: e["featurizer"]["params"].update(nonsense=1), "featurizer.params", "nonsense"),
        (lambda e: e["featurizer"].update({"class": "os.system"}), "featurizer.class", "unknown"),
        (lambda e: e.update(x_scaling=None), "x_scaling", "must be an object"),
        (lambda e: e["y_scaling"].update(scale="2"), "y_scaling.scale", "finite number"),
        (lambda e: e.update(activation="sigmoid"), "activation", "one of"),
        (lambda e: e.update(architecture=[6, 5, 3.0, 1]), "architecture", "integers"),
        (lambda e: e.update(architecture=[6, 5, 4, 1]), None, "shape"),
        (lambda e: e.update(target_transform="per_mole"), "target_transform", "one of"),
        (lambda e: e.update(training=[1, 2]), "training", "an object"),
        (lambda e: e.update(columns="reg-0/x_mean"), None, "columns tensor has dtype float32"),
        (lambda e: e["x_scaling"].update(mean="reg-0/x_scale", scale="reg-0/x_mean"), None, "."),
        (lambda e: e.update(units=None), "units", "a string"),
        (lambda e: e.update(surprise=True), "surprise", "not a field"),
    ],
)
def test_forged_digest_still_needs_valid_fields(saved, edit, field, match):
    """With a recomputed digest, a bad value is still refused by the field checks."""

    def apply(meta):
        entry = entry_of(meta, "reg-0")
        edit(entry)
        _forge(entry)

    index = rewrite(saved, apply)
    try:
        loaded = ModelLibrary.load(saved)
    except LibraryFormatError as exc:
        assert exc.field == field, str(exc)
        assert exc.model == "reg-0"
        assert exc.path in {str(index), str(saved / "shards/part-00000.safetensors")}
        assert match in str(exc)
        return
    # Swapping the scaling tensors is a valid (if silly) model: only the digest could tell.
    assert field is None and match == "."
    assert not np.array_equal(loaded["reg-0"].x_mean, LIBRARY["reg-0"].x_mean)


def test_deep_nesting_and_bad_numbers(saved):
    index = saved / "library.json"
    text = index.read_text()
    deep = text.replace(
        '"metrics": {', '"metrics": {"deep": ' + "[" * 100_000 + "]" * 100_000 + ",", 1
    )
    index.write_text(deep)
    with pytest.raises(LibraryFormatError, match="nested deeper") as e:
        ModelLibrary.load(saved)
    assert e.value.path == str(index)
    just_too_deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    index.write_text(text.replace('"metrics": {', '"metrics": {"deep": ' + just_too_deep + ",", 1))
    with pytest.raises(LibraryFormatError, match=f"deeper than {MAX_DEPTH}"):
        ModelLibrary.load(saved)
    for number in ("NaN", "Infinity", "-Infinity", "1e999", "9" * 5000):
        index.write_text(text.replace('"mean": 18.4', f'"mean": {number}', 1))
        assert '"mean": 18.4' in text
        with pytest.raises(LibraryFormatError, match="not valid JSON") as e:
            ModelLibrary.load(saved)
        assert e.value.path == str(index)
    index.write_bytes(b"\xff\xfe" + text.encode())
    with pytest.raises(LibraryFormatError, match="not valid JSON"):
        ModelLibrary.load(saved)


class TestVersion1:
    """Libraries written before the entry digest existed."""

    def _downgrade(self, saved, edit=None):
        def apply(meta):
            meta["format_version"] = 1
            for entry in meta["models"]:
                del entry["entry_sha256"]
                if edit:
                    edit(entry)

        return rewrite(saved, apply)

    def test_loads_with_a_warning(self, saved):
        index = self._downgrade(saved)
        with pytest.warns(UnverifiedLibraryWarning) as record:
            loaded = ModelLibrary.load(saved)
        assert len(record) == 1
        assert f"{index}: format_version 1 library: the 2 model entries carry no" in str(
            record[0].message
        )
        _assert_same_predictions(LIBRARY, loaded)

    def test_fields_are_still_checked(self, saved):
        self._downgrade(saved, lambda e: e.update(x_scaling=None))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnverifiedLibraryWarning)
            with pytest.raises(LibraryFormatError, match="field 'x_scaling'"):
                ModelLibrary.load(saved)

    def test_digest_checked_when_present(self, saved):
        rewrite(saved, lambda m: m.update(format_version=1))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _assert_same_predictions(LIBRARY, ModelLibrary.load(saved))
        rewrite(saved, lambda m: entry_of(m, "clf-1").update(classes=["gas", "solid", "liquid"]))
        with pytest.raises(LibraryIntegrityError, match="clf-1"):
            ModelLibrary.load(saved)

    def test_version_2_requires_the_digest(self, saved):
        rewrite(saved, lambda m: entry_of(m, "clf-1").pop("entry_sha256"))
        with pytest.raises(LibraryFormatError, match="'clf-1': field 'entry_sha256': is missing"):
            ModelLibrary.load(saved)


def test_digest_is_canonical():
    """The digest does not depend on key order, whitespace or shard; floats keep full precision."""
    entry = copy.deepcopy(ENTRIES["reg-0"])
    reordered = dict(reversed(list(entry.items())))
    reordered["shard"] = "shards/part-00042.safetensors"
    assert entry_digest(reordered) == entry["entry_sha256"]
    nudged = copy.deepcopy(entry)
    nudged["y_scaling"]["mean"] = math.nextafter(nudged["y_scaling"]["mean"], math.inf)
    assert entry_digest(nudged) != entry["entry_sha256"]
    parsed = json.loads(json.dumps(entry, indent=3, ensure_ascii=False))
    assert entry_digest(parsed) == entry["entry_sha256"]


def test_activation_names_match_the_network():
    from sklearn_shotgun.nets.pyramid import _ACTIVATIONS

    assert list(ACTIVATIONS) == sorted(_ACTIVATIONS)


def test_registered_featurizer_is_checked_by_its_parameter_constraints(tmp_path):
    """A third-party featurizer without _check_params is validated by scikit-learn's
    _parameter_constraints when the library is read."""
    from numbers import Integral
    from typing import ClassVar

    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils._param_validation import Interval

    from sklearn_shotgun.library import register_featurizer
    from sklearn_shotgun.library import source_model as sm_module

    class WidthFeaturizer(TransformerMixin, BaseEstimator):
        _parameter_constraints: ClassVar[dict] = {
            "width": [Interval(Integral, 1, 1000, closed="both")]
        }

        def __init__(self, width=10):
            self.width = width

    register_featurizer(WidthFeaturizer)
    try:
        model = LIBRARY["reg-0"]
        entry = model.to_entry()
        entry["featurizer"] = {"class": "WidthFeaturizer", "params": {"width": 64}}
        entry.pop("entry_sha256")
        tensors = model.tensors()
        ok = SourceModel.from_entry(entry, tensors)
        ModelLibrary([ok]).save(tmp_path / "lib")
        assert ModelLibrary.load(tmp_path / "lib")["reg-0"].make_featurizer().width == 64

        def huge(meta):
            entry = entry_of(meta, "reg-0")
            entry["featurizer"]["params"]["width"] = 10**9
            _forge(entry)

        rewrite(tmp_path / "lib", huge)
        with pytest.raises(LibraryFormatError, match=r"field 'featurizer.params'.*width"):
            ModelLibrary.load(tmp_path / "lib")
    finally:
        sm_module._REGISTERED_FEATURIZERS.pop("WidthFeaturizer", None)


def test_errors_survive_pickling():
    """joblib workers send exceptions back pickled: the file, model and field must survive."""
    import pickle

    error = LibraryIntegrityError("bad", path="/x/library.json", model="m", field="y_scaling")
    copy_ = pickle.loads(pickle.dumps(error))
    assert type(copy_) is LibraryIntegrityError and str(copy_) == str(error)
    assert (copy_.path, copy_.model, copy_.field) == ("/x/library.json", "m", "y_scaling")
