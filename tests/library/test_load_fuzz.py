"""Property-based tests of ``ModelLibrary.load`` on damaged and hand-made libraries.

Whatever is done to ``library.json`` (types changed, fields deleted or renamed, deep nesting,
huge numbers, NaN) or to a shard (truncated, bits flipped), loading either raises the
documented ``LibraryFormatError`` (naming the file) or gives a library that works. With the
digests left as saved, a library that loads predicts exactly as the original: nothing that
changes a prediction can be edited unnoticed. With digests recomputed (a hand-made file), the
field checks alone must keep every model usable.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import shutil
import tempfile
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_shotgun import FingerprintFeaturizer
from sklearn_shotgun.library import (
    LibraryFormatError,
    ModelLibrary,
    SourceModel,
    UnverifiedLibraryWarning,
)
from sklearn_shotgun.library._verify import entry_digest
from sklearn_shotgun.library.source_model import featurizer_spec

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
N_DESCRIPTOR = 48


def _model(model_id, seed, arch, **kwargs):
    rng = np.random.default_rng(seed)
    state = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
        state[f"linears.{i}.weight"] = rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in))
        state[f"linears.{i}.bias"] = rng.normal(0, 0.1, n_out)
    return SourceModel(
        id=model_id,
        architecture=arch,
        state_dict=state,
        columns=np.sort(rng.choice(N_DESCRIPTOR, arch[0], replace=False)),
        x_mean=rng.normal(size=arch[0]),
        x_scale=rng.uniform(0.5, 2, arch[0]),
        **kwargs,
    )


LIBRARY = ModelLibrary(
    [
        _model(
            "fp-0",
            0,
            [5, 4, 2, 1],
            y_mean=3.5,
            y_scale=0.5,
            featurizer=featurizer_spec(FingerprintFeaturizer(n_bits=N_DESCRIPTOR)),
            target_transform="per_atom",
            property="Cv",
            training={"seed": 0, "n_samples": 50},
            metrics={"mae": 0.1, "r2": None},
        ),
        _model("clf-1", 1, [3, 3, 2], task="classification", classes=[0, 1], activation="gelu"),
        _model("pre-2", 2, [4, 3, 1], featurizer=None, units="K"),
    ],
    name="fuzz",
)
X = np.random.default_rng(5).normal(size=(7, N_DESCRIPTOR))
EXPECTED = {m.id: m.predict(X, precomputed=True) for m in LIBRARY}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "lib"
    LIBRARY.save(path, shard_size=2)
    return path


@pytest.fixture(scope="module")
def meta(pristine):
    return json.loads((pristine / "library.json").read_text())


def _scratch(pristine, shards="link"):
    """A fresh library directory; shards linked (JSON fuzzing) or copied (shard fuzzing)."""
    folder = tempfile.mkdtemp(dir=pristine.parent)
    target = os.path.join(folder, "lib")
    os.mkdir(target)
    if shards == "link":
        os.symlink(pristine / "shards", os.path.join(target, "shards"))
    else:
        shutil.copytree(pristine / "shards", os.path.join(target, "shards"))
    shutil.copy(pristine / "library.json", os.path.join(target, "library.json"))
    return folder, target


# --------------------------------------------------------------------------- strategies

#: Stand-ins for values that neither hypothesis nor ``json.dumps`` can handle as Python objects
#: (an int of 5,000 digits; lists nested thousands deep): replaced in the written text.
HUGE = "@@huge-int@@"
DEEP = "@@deep-{}@@"


KNOWN_KEYS = sorted(
    {"format_version", "models", "name", *(k for e in LIBRARY.to_frame().columns for k in [e])}
    | set(LIBRARY["fp-0"].to_entry(shard="x"))
    | {"mean", "scale", "kind", "class", "params", "n_bits", "radius", "counts"}
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 3_000_000_000, 10**400, HUGE]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0, 1e6]),
    st.text(max_size=12),
    st.sampled_from(
        [
            "relu",
            "fp-0",
            "fp-0/columns",
            "standard",
            "classification",
            "log10",
            "shards/part-00000.safetensors",
            "FingerprintFeaturizer",
            "a" * 5000,
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=8,
)


def _nested(depth):
    return DEEP.format(depth)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


def _parent(doc, path):
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutated(draw, meta):
    doc = json.loads(json.dumps(meta))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent, key = _parent(doc, path), path[-1]
        op = draw(st.sampled_from(["replace"] * 4 + ["delete", "rename", "nest", "deep"]))
        if op == "replace":
            parent[key] = draw(json_values)
        elif op == "delete":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6))] = parent.pop(key)
        elif op == "nest":
            parent[key] = draw(st.sampled_from([[parent[key]], {"value": parent[key]}]))
        elif op == "deep":
            parent[key] = _nested(draw(st.sampled_from([5, 40, 900, 5000])))
    return doc


def _forge(doc):
    models = doc.get("models", []) if isinstance(doc, dict) else []
    for entry in models if isinstance(models, list) else []:
        if isinstance(entry, dict):
            with contextlib.suppress(ValueError):  # NaN: cannot be in canonical JSON
                entry["entry_sha256"] = entry_digest(entry)


def _write(path, doc):
    text = json.dumps(doc, allow_nan=True).replace(f'"{HUGE}"', "9" * 5000)
    text = re.sub(r'"@@deep-(\d+)@@"', lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)
    with open(os.path.join(path, "library.json"), "w") as fh:
        fh.write(text)


def _load(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnverifiedLibraryWarning)
        return ModelLibrary.load(path, **kwargs)


def _check_outcome(path, exact):
    try:
        library = _load(path)
    except LibraryFormatError as exc:
        assert str(path) in str(exc), str(exc)
        assert len(str(exc)) < 1000 + len(str(path)), str(exc)  # file contents are cut short
        assert exc.path is not None and exc.path.startswith(str(path))
        return "rejected"
    # Lazy loading and queries work on what loaded.
    lazy = _load(path, lazy=True)
    assert lazy.ids == library.ids
    lazy.to_frame()
    for model in library:
        out = model.predict(X, precomputed=True)
        model.transform(X, layer="all", precomputed=True)
        if model.featurizer is not None:
            model.make_featurizer()
        if exact:
            np.testing.assert_array_equal(out, EXPECTED[model.id])
    return "loaded"


# --------------------------------------------------------------------------- tests


@FUZZ
@given(data=st.data())
def test_mutated_library_json(pristine, meta, data):
    doc = data.draw(mutated(meta))
    folder, path = _scratch(pristine)
    try:
        _write(path, doc)
        _check_outcome(path, exact=True)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_mutated_library_json_with_forged_digests(pristine, meta, data):
    doc = data.draw(mutated(meta))
    _forge(doc)
    folder, path = _scratch(pristine)
    try:
        _write(path, doc)
        _check_outcome(path, exact=False)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(
    shard=st.sampled_from(["part-00000", "part-00001"]),
    damage=st.one_of(
        st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
        st.tuples(
            st.sampled_from(["flip", "flip data"]),
            st.lists(
                st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)),
                min_size=1,
                max_size=8,
            ),
        ),
    ),
)
def test_damaged_shard(pristine, shard, damage):
    folder, path = _scratch(pristine, shards="copy")
    try:
        file = os.path.join(path, "shards", f"{shard}.safetensors")
        with open(file, "rb") as fh:
            raw = bytearray(fh.read())
        kind, how = damage
        if kind == "truncate":
            raw = raw[: int(how * len(raw))]
        else:
            # "flip data" hits the tensor bytes after the JSON header only (most of a small
            # shard is header, so uniform flips would rarely reach the weights).
            start = 8 + int.from_bytes(raw[:8], "little") if kind == "flip data" else 0
            for where, bit in how:
                raw[start + int(where * (len(raw) - start))] ^= 1 << bit
        with open(file, "wb") as fh:
            fh.write(bytes(raw))
        # A flip in unused header bytes (padding, metadata) changes no tensor: loads exactly.
        _check_outcome(path, exact=True)
    finally:
        shutil.rmtree(folder)


def test_fuzzing_reaches_both_outcomes(pristine, meta):
    """The properties above are not vacuous: some mutations load, most are refused."""
    outcomes = set()
    folder, path = _scratch(pristine)
    try:
        doc = json.loads(json.dumps(meta))
        doc["name"] = "renamed"
        _write(path, doc)
        outcomes.add(_check_outcome(path, exact=True))
        doc["models"][0]["y_scaling"]["mean"] = math.pi
        _write(path, doc)
        outcomes.add(_check_outcome(path, exact=True))
    finally:
        shutil.rmtree(folder)
    assert outcomes == {"loaded", "rejected"}
