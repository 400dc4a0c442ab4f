"""A library of many sources behaves as one: summary, filters, weak sources, input coverage."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from sklearn_shotgun import (
    CompositionFeaturizer,
    FingerprintFeaturizer,
    ModelLibrary,
    ShotgunPretrainer,
    ShotgunTransferRegressor,
)

SMALL = dict(n_hidden_layers=(3, 3), max_first_width=64, max_epochs=(20, 30), verbose=0)
#: A light transfer search: the tests check what it reports about the sources, not accuracy.
LIGHT = dict(layers="last", features="frozen", head=Ridge(), search="grid", cv=3, verbose=0)


@pytest.fixture(scope="module")
def formulas(shared_data):
    frame = pd.read_csv(shared_data / "inorganic_crabnet_matbench_formula" / "mp_e_form.csv")
    return frame.sample(n=800, random_state=0)


@pytest.fixture(scope="module")
def composition_pool(formulas):
    """Formation energies of 800 Materials Project compounds on element statistics."""
    return (
        ShotgunPretrainer(
            CompositionFeaturizer(),
            n_models=3,
            random_state=0,
            property="formation energy",
            units="eV/atom",
            material="inorganic",
            dataset="matbench_mp_e_form",
            **SMALL,
        )
        .fit(formulas["formula"].tolist(), formulas["target"].to_numpy())
        .library_
    )


@pytest.fixture(scope="module")
def shuffled_pool(formulas):
    """The same inputs with the targets shuffled: nothing to learn, a weak source."""
    y = np.random.default_rng(0).permutation(formulas["target"].to_numpy())
    return (
        ShotgunPretrainer(
            CompositionFeaturizer(),
            n_models=3,
            random_state=1,
            property="noise",
            material="inorganic",
            dataset="shuffled",
            **SMALL,
        )
        .fit(formulas["formula"].tolist(), y)
        .library_
    )


@pytest.fixture(scope="module")
def mixed(qm9_pool, composition_pool, shuffled_pool):
    return ModelLibrary([*qm9_pool, *composition_pool, *shuffled_pool], name="mixed")


def test_summary_has_one_row_per_source(mixed):
    table = mixed.summary()
    assert list(table["property"]) == ["Cv", "formation energy", "noise"]
    assert list(table["n_models"]) == [5, 3, 3]
    row = table.set_index("property").loc["formation energy"]
    r2 = [m.metrics["r2"] for m in mixed.filter(property="formation energy")]
    assert row["r2_median"] == pytest.approx(np.median(r2))
    assert row["r2_min"] == pytest.approx(min(r2)) and row["r2_max"] == pytest.approx(max(r2))
    assert (row["material"], row["units"], row["descriptor"]) == (
        "inorganic",
        "eV/atom",
        "CompositionFeaturizer",
    )
    assert row["featurizer"] == "CompositionFeaturizer"
    assert table.set_index("property").loc["Cv", "descriptor"] == "morgan"
    # Learnt sources are not weak; the shuffled one is.
    assert table.set_index("property")["weak"].to_dict() == {
        "Cv": False,
        "formation energy": False,
        "noise": True,
    }


def test_filter_by_class_property_descriptor_and_score(mixed):
    assert len(mixed.filter(material="inorganic")) == 6
    assert mixed.filter(material="molecule", property="Cv").ids == [m.id for m in mixed][:5]
    assert len(mixed.filter(descriptor="morgan")) == 5
    assert len(mixed.filter(descriptor="CompositionFeaturizer")) == 6
    kept = mixed.filter(min_r2=0.5)
    assert all(m.metrics["r2"] >= 0.5 for m in kept)
    assert "noise" not in set(kept.summary()["property"])
    assert len(kept) >= 5
    # Composable with the other keys, and lazy libraries filter from library.json alone.
    assert len(mixed.filter(material="inorganic", min_r2=0.5)) == len(
        kept.filter(material="inorganic")
    )


def test_metadata_survives_save_and_load(mixed, tmp_path):
    library = ModelLibrary(list(mixed), name="m", metadata={"sources": {"a": {"seconds": 1.5}}})
    library.save(tmp_path / "lib")
    loaded = ModelLibrary.load(tmp_path / "lib", lazy=True)
    assert loaded.metadata == {"sources": {"a": {"seconds": 1.5}}}
    assert loaded.filter(min_r2=0.5).metadata == loaded.metadata
    assert loaded.summary().equals(library.summary())


def test_weak_and_blind_sources_are_named_in_a_transfer(mixed, polymers):
    X, y = polymers
    model = ShotgunTransferRegressor(library=mixed, random_state=0, **LIGHT)
    with pytest.warns(UserWarning) as record:
        model.fit(X[:40], y[:40])
    messages = [str(w.message) for w in record]
    weak = [m for m in messages if "weak out-of-bag score" in m]
    assert len(weak) == 1 and "noise on CompositionFeaturizer (shuffled)" in weak[0]
    assert "formation energy" not in weak[0]
    blind = [m for m in messages if "cannot see part of the target's input" in m]
    # The QM9 fingerprint networks never saw many of the polymers' bits; the composition
    # networks read every element column the polymers use.
    assert len(blind) == 1 and "Cv on morgan" in blind[0]
    coverage = model.source_coverage_
    cv_key = next(k for k, v in coverage.items() if v["label"].startswith("Cv on morgan"))
    assert coverage[cv_key]["unseen_fraction"] > 0.05
    assert coverage[cv_key]["rows_affected"] > 0


def test_coverage_of_one_network(qm9_pool, polymers):
    model = qm9_pool[0]
    X, _ = polymers
    D = model.descriptor_matrix(X)
    report = model.coverage(D, precomputed=True)
    active = np.flatnonzero(np.asarray((D != 0).sum(axis=0)).ravel() > 0)
    expected = np.setdiff1d(active, model.columns)
    np.testing.assert_array_equal(report["unseen_columns"], expected)
    assert report["n_active"] == len(active)
    assert report["unseen_fraction"] == pytest.approx(len(expected) / len(active))
    # Raw inputs give the same report.
    assert model.coverage(X)["n_unseen"] == report["n_unseen"]
    # On its own kind of data a QM9 network misses far fewer active bits than on polymers
    # with sulfur, chlorine or silicon.
    with_heteroatoms = [s for s in X if any(a in s for a in ("S", "Cl", "Si"))]
    assert with_heteroatoms
    assert model.coverage(with_heteroatoms)["rows_affected"] > 0


def test_column_pool_all_lets_absent_bits_reach_the_networks(qm9_frame, polymers):
    frame = qm9_frame.iloc[:400]
    featurizer = FingerprintFeaturizer(counts=True, n_bits=256)
    common = dict(n_models=2, random_state=0, max_features=256, **SMALL)
    X, y = frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"].to_numpy()
    informative = ShotgunPretrainer(featurizer, **common).fit(X, y)
    everything = ShotgunPretrainer(featurizer, column_pool="all", **common).fit(X, y)
    polymers_X, _ = polymers
    assert informative.library_[0].coverage(polymers_X)["n_unseen"] > 0
    assert everything.library_[0].coverage(polymers_X)["n_unseen"] == 0
    # The bits QM9 never sets move the hidden features of the "all" networks.
    absent = np.setdiff1d(np.arange(256), informative.descriptor_columns_)
    assert len(absent) > 0
    D = np.zeros((1, 256), dtype=np.float32)
    D_absent = D.copy()
    D_absent[0, absent[0]] = 1.0
    model = everything.library_[0]
    layer0 = model.transform(D, layer=0, precomputed=True)
    assert not np.allclose(layer0, model.transform(D_absent, layer=0, precomputed=True))
    with pytest.raises(ValueError, match="column_pool must be"):
        ShotgunPretrainer(featurizer, column_pool="some", **common).fit(X, y)


def test_composition_source_on_formulas_transfers_to_smiles(composition_pool, polymers):
    """A source trained on formulas reads polymer SMILES at transfer time."""
    X, y = polymers
    model = ShotgunTransferRegressor(library=composition_pool, random_state=0, **LIGHT)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X[:40], y[:40])
    assert not [w for w in record if "left out" in str(w.message)]
    assert set(composition_pool.ids) <= set(model.transfer_table_["source"])
    assert model.predict(X[40:45]).shape == (5,)
