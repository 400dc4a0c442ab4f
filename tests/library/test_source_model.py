"""SourceModel: validation, inference against a hand-written forward pass, entries and hashes."""

from __future__ import annotations

import copy
import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from sklearn_shotgun.library import SourceModel, make_model_id, register_featurizer
from sklearn_shotgun.library import source_model as sm_module
from sklearn_shotgun.library.source_model import featurizer_spec, get_featurizer_class
from sklearn_shotgun.nets.pyramid import PyramidNet

N_DESCRIPTOR = 12


class ToyFeaturizer(TransformerMixin, BaseEstimator):
    """Stateless test featurizer: numbers -> [sin(k x), x**p] features (``N_DESCRIPTOR`` wide)."""

    def __init__(self, powers=(1, 2), n_sin=10):
        self.powers = powers
        self.n_sin = n_sin

    def fit(self, X, y=None):
        self.n_features_out_ = self.n_sin + len(self.powers)
        return self

    def transform(self, X):
        x = np.asarray(list(X), dtype=np.float64)[:, None]
        sines = np.sin(x * np.arange(1, self.n_sin + 1))
        powers = np.hstack([x**p for p in self.powers])
        return np.hstack([sines, powers]).astype(np.float32)


@pytest.fixture(autouse=True, scope="module")
def _registered():
    register_featurizer(ToyFeaturizer)
    yield
    sm_module._REGISTERED_FEATURIZERS.pop("ToyFeaturizer", None)


def make_model(
    seed=0,
    model_id="toy-model",
    architecture=(5, 7, 4, 3, 1),
    task="regression",
    classes=None,
    **metadata,
):
    rng = np.random.default_rng(seed)
    arch = list(architecture)
    state = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
        state[f"linears.{i}.weight"] = rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in))
        state[f"linears.{i}.bias"] = rng.normal(0, 0.1, n_out)
    columns = np.sort(rng.choice(N_DESCRIPTOR, size=arch[0], replace=False))
    metadata.setdefault("property", "Cp")
    return SourceModel(
        id=model_id,
        architecture=arch,
        state_dict=state,
        columns=columns,
        x_mean=rng.normal(size=arch[0]),
        x_scale=rng.uniform(0.5, 2.0, arch[0]),
        y_mean=3.5,
        y_scale=2.0,
        featurizer={"class": "ToyFeaturizer", "params": {"powers": [1, 2], "n_sin": 10}},
        task=task,
        classes=classes,
        training={"seed": seed, "n_samples": 100, "epochs": 5},
        metrics={"mae": 0.25, "r2": 0.9, "rows": "out-of-bag"},
        **metadata,
    )


def manual_forward(model, D):
    """Independent numpy forward pass: hidden activations (list) and output."""
    z = (D[:, model.columns].astype(np.float64) - model.x_mean) / model.x_scale
    hidden = []
    n_layers = len(model.architecture) - 1
    for i in range(n_layers):
        z = z @ model.state_dict[f"linears.{i}.weight"].T.astype(np.float64)
        z = z + model.state_dict[f"linears.{i}.bias"]
        if i < n_layers - 1:
            z = np.maximum(z, 0)
            hidden.append(z)
    return hidden, z


@pytest.fixture
def model():
    return make_model()


@pytest.fixture
def raw():
    return list(np.linspace(-2, 2, 23))


@pytest.fixture
def descriptor(raw):
    return ToyFeaturizer().fit(raw).transform(raw)


class TestValidation:
    def test_arrays_are_coerced(self, model):
        assert model.columns.dtype == np.int64
        assert model.x_mean.dtype == np.float32 and model.x_scale.dtype == np.float32
        assert all(v.dtype == np.float32 for v in model.state_dict.values())
        assert model.n_hidden == 3 and model.hidden_widths == [7, 4, 3]

    @pytest.mark.parametrize("bad", ["", "a/b", "-x", "x" * 129, "a b", "../x"])
    def test_bad_ids(self, bad):
        with pytest.raises(ValueError, match="invalid model id"):
            make_model(model_id=bad)

    def test_shape_mismatch(self):
        m = make_model()
        sd = dict(m.state_dict)
        sd["linears.1.weight"] = np.zeros((4, 6), np.float32)
        with pytest.raises(ValueError, match=r"linears\.1\.weight has shape"):
            SourceModel(m.id, m.architecture, sd, m.columns, m.x_mean, m.x_scale)

    def test_missing_and_extra_weights(self):
        m = make_model()
        sd = dict(m.state_dict)
        del sd["linears.3.bias"]
        with pytest.raises(ValueError, match=r"lacks \['linears.3.bias'\]"):
            SourceModel(m.id, m.architecture, sd, m.columns, m.x_mean, m.x_scale)
        sd = {**m.state_dict, "linears.9.bias": np.zeros(1)}
        with pytest.raises(ValueError, match="unexpected"):
            SourceModel(m.id, m.architecture, sd, m.columns, m.x_mean, m.x_scale)

    def test_columns_length(self):
        m = make_model()
        with pytest.raises(ValueError, match="columns has shape"):
            SourceModel(m.id, m.architecture, m.state_dict, m.columns[:-1], m.x_mean, m.x_scale)

    def test_non_finite_weights(self):
        m = make_model()
        sd = dict(m.state_dict)
        sd["linears.0.bias"] = np.full(7, np.nan)
        with pytest.raises(ValueError, match="non-finite"):
            SourceModel(m.id, m.architecture, sd, m.columns, m.x_mean, m.x_scale)

    def test_accepts_torch_state_dict(self):
        net = PyramidNet([5, 4, 2, 1])
        m = SourceModel("t", [5, 4, 2, 1], net.state_dict(), np.arange(5), np.zeros(5), np.ones(5))
        x = torch.randn(3, 5)
        np.testing.assert_allclose(
            m.predict(x.numpy(), precomputed=True), net(x).detach().numpy()[:, 0], rtol=1e-6
        )

    def test_classification_needs_matching_classes(self):
        with pytest.raises(ValueError, match="3 classes but 1 outputs"):
            make_model(task="classification", classes=["a", "b", "c"])


class TestInference:
    @pytest.mark.parametrize(
        ("layer", "expected"),
        [(-1, [2]), (0, [0]), (1, [1]), ("all", [0, 1, 2]), ([0, -1], [0, 2])],
    )
    def test_transform_matches_manual_forward(self, model, descriptor, layer, expected):
        hidden, _ = manual_forward(model, descriptor)
        Z = model.transform(descriptor, layer=layer, precomputed=True)
        assert Z.dtype == np.float32
        assert Z.shape == (len(descriptor), sum(model.hidden_widths[i] for i in expected))
        np.testing.assert_allclose(Z, np.hstack([hidden[i] for i in expected]), atol=1e-5)

    def test_raw_equals_precomputed(self, model, raw, descriptor):
        np.testing.assert_array_equal(
            model.transform(raw, layer="all"), model.transform(descriptor, "all", precomputed=True)
        )
        np.testing.assert_array_equal(
            model.predict(raw), model.predict(descriptor, precomputed=True)
        )
        np.testing.assert_array_equal(model.descriptor_matrix(raw), descriptor)
        # A generator is consumed once only by the featurizer's fit and transform.
        np.testing.assert_array_equal(model.predict(x for x in raw), model.predict(raw))

    def test_sparse_and_pandas_descriptor(self, model, descriptor):
        dense = model.transform(descriptor, precomputed=True)
        np.testing.assert_array_equal(
            model.transform(sp.csr_matrix(descriptor), precomputed=True), dense
        )
        np.testing.assert_array_equal(
            model.transform(pd.DataFrame(descriptor), precomputed=True), dense
        )

    def test_predict_in_original_units(self, model, descriptor):
        _, out = manual_forward(model, descriptor)
        y = model.predict(descriptor, precomputed=True)
        assert y.shape == (len(descriptor),)
        np.testing.assert_allclose(y, out[:, 0] * 2.0 + 3.5, rtol=1e-5, atol=1e-5)

    def test_batching_gives_same_result(self, model, descriptor, monkeypatch):
        full = model.transform(descriptor, "all", precomputed=True)
        monkeypatch.setattr(sm_module, "_BATCH_ROWS", 4)
        # BLAS may round differently for other batch shapes: equal up to float32 rounding.
        batched = model.transform(descriptor, "all", precomputed=True)
        np.testing.assert_allclose(batched, full, rtol=1e-5, atol=1e-6)

    @pytest.mark.parametrize("layer", [3, -4, "first", [0, 5], 1.0])
    def test_bad_layer(self, model, descriptor, layer):
        with pytest.raises(ValueError, match="layer"):
            model.transform(descriptor, layer=layer, precomputed=True)

    def test_too_narrow_descriptor(self, model, descriptor):
        with pytest.raises(ValueError, match="descriptor has 3 columns"):
            model.transform(descriptor[:, :3], precomputed=True)

    def test_classification(self, descriptor):
        m = make_model(architecture=(5, 6, 3), task="classification", classes=["a", "b", "c"])
        _, out = manual_forward(m, descriptor)
        proba = m.predict_proba(descriptor, precomputed=True)
        assert proba.shape == (len(descriptor), 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(
            m.predict(descriptor, precomputed=True), np.array(["a", "b", "c"])[out.argmax(axis=1)]
        )
        binary = make_model(task="classification", classes=[0, 1])
        p = binary.predict_proba(descriptor, precomputed=True)
        _, logit = manual_forward(binary, descriptor)
        np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-logit[:, 0])), rtol=1e-5)
        with pytest.raises(AttributeError):
            make_model().predict_proba(descriptor, precomputed=True)

    def test_module_is_cached_and_frozen(self, model):
        net = model.module()
        assert net is model.module() and not net.training
        assert not any(p.requires_grad for p in net.parameters())

    def test_fresh_module_training_leaves_model_unchanged(self, model, descriptor):
        before = {k: v.copy() for k, v in model.state_dict.items()}
        net = model.module(fresh=True)
        assert net is not model.module()
        opt = torch.optim.SGD(net.parameters(), lr=1.0)
        loss = net(torch.from_numpy(descriptor[:, :5])).pow(2).sum()
        loss.backward()
        opt.step()
        for k, v in model.state_dict.items():
            np.testing.assert_array_equal(v, before[k])

    def test_pickle_and_deepcopy(self, model, descriptor):
        expected = model.predict(descriptor, precomputed=True)
        for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
            assert clone._module_cache is None
            assert clone.sha256 == model.sha256
            np.testing.assert_array_equal(clone.predict(descriptor, precomputed=True), expected)


class TestFeaturizerRegistry:
    def test_make_featurizer_restores_tuples(self, model):
        f = model.make_featurizer()
        assert isinstance(f, ToyFeaturizer)
        assert f.get_params() == ToyFeaturizer().get_params()  # powers back to a tuple

    def test_spec_round_trip(self):
        spec = featurizer_spec(ToyFeaturizer(powers=(1, 3)))
        assert spec == {"class": "ToyFeaturizer", "params": {"powers": [1, 3], "n_sin": 10}}

    def test_unknown_class_is_never_imported(self, model):
        m = copy.deepcopy(model)
        m.featurizer = {"class": "os.system", "params": {}}
        with pytest.raises(ValueError, match=r"unknown featurizer class 'os.system'"):
            m.make_featurizer()

    def test_builtin_lookup(self):
        from sklearn_shotgun.featurizers import FingerprintFeaturizer

        assert get_featurizer_class("FingerprintFeaturizer") is FingerprintFeaturizer
        with pytest.raises(ValueError, match="built-in"):
            register_featurizer(ToyFeaturizer, name="FingerprintFeaturizer")

    def test_no_featurizer_needs_precomputed(self, model, raw):
        m = copy.deepcopy(model)
        m.featurizer = None
        with pytest.raises(ValueError, match="precomputed=True"):
            m.transform(raw)

    def test_real_fingerprint_model(self, qm9_smiles):
        from sklearn_shotgun.featurizers import FingerprintFeaturizer

        fp = FingerprintFeaturizer(n_bits=64)
        smiles = qm9_smiles[:40]
        D = fp.fit(smiles).transform(smiles)
        m = make_model(architecture=(8, 6, 4, 1))
        m = SourceModel(
            "fp-model",
            m.architecture,
            m.state_dict,
            m.columns * 5,
            m.x_mean,
            m.x_scale,
            featurizer=featurizer_spec(fp),
        )
        assert m.descriptor == "morgan"
        np.testing.assert_array_equal(m.transform(smiles), m.transform(D, precomputed=True))


class TestEntry:
    def test_round_trip(self, model, descriptor):
        entry = model.to_entry(shard="shards/part-00000.safetensors")
        assert entry["columns"] == "toy-model/columns"
        assert entry["x_scaling"] == {
            "kind": "standard",
            "mean": "toy-model/x_mean",
            "scale": "toy-model/x_scale",
        }
        assert list(entry)[-3:] == ["shard", "sha256", "entry_sha256"]
        back = SourceModel.from_entry(entry, model.tensors())
        assert back.to_entry(shard="shards/part-00000.safetensors") == entry
        for name, arr in model.tensors().items():
            np.testing.assert_array_equal(back.tensors()[name], arr)
            assert back.tensors()[name].dtype == arr.dtype
        np.testing.assert_array_equal(
            back.predict(descriptor, precomputed=True), model.predict(descriptor, precomputed=True)
        )

    def test_sha256_sensitive_and_order_free(self, model):
        tensors = model.tensors()
        reordered = dict(reversed(list(tensors.items())))
        from sklearn_shotgun._io import sha256_tensors

        assert sha256_tensors(reordered) == model.sha256
        changed = {k: v.copy() for k, v in tensors.items()}
        changed["linears.2.weight"].view(np.uint32)[0, 0] ^= 1  # one bit
        assert sha256_tensors(changed) != model.sha256
        # Same bytes, different dtype or shape: different hash.
        assert sha256_tensors({"a": np.zeros(4, np.float32)}) != sha256_tensors(
            {"a": np.zeros(4, np.int32)}
        )
        assert sha256_tensors({"a": np.zeros((2, 2))}) != sha256_tensors({"a": np.zeros(4)})

    def test_mismatch_and_missing_name_the_model(self, model):
        entry = model.to_entry()
        tensors = {k: v.copy() for k, v in model.tensors().items()}
        tensors["x_mean"][0] += 1
        with pytest.raises(ValueError, match=r"model 'toy-model'.*sha256 mismatch"):
            SourceModel.from_entry(entry, tensors)
        del tensors["linears.0.bias"]
        with pytest.raises(
            ValueError, match=r"model 'toy-model'.*missing tensor.*linears\.0\.bias"
        ):
            SourceModel.from_entry(entry, tensors)

    def test_foreign_tensor_reference_rejected(self, model):
        entry = model.to_entry()
        entry["columns"] = "other-model/columns"
        with pytest.raises(ValueError, match="field 'columns': must name a tensor 'toy-model/"):
            SourceModel.from_entry(entry, model.tensors())

    def test_non_finite_metrics_become_null(self):
        m = make_model()
        m.metrics = {"pearson": float("nan"), "mae": np.float32(0.5)}
        assert m.to_entry()["metrics"] == {"pearson": None, "mae": 0.5}


def test_make_model_id():
    assert make_model_id("Cp (J/mol K)", "morgan", 0xBEEF) == "Cp-J-mol-K-morgan-0000beef"
    assert make_model_id("", "", 1) == "x-x-00000001"
    long_id = make_model_id("p" * 100, "d" * 100, 2**40)
    make_model(model_id=long_id)  # valid
