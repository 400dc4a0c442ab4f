"""Every source's mean prediction as features (sklearn_shotgun._library_predictions)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_shotgun import (
    CompositionFeaturizer,
    FingerprintFeaturizer,
    LibraryPredictionFeaturizer,
    ModelLibrary,
    ShotgunPretrainer,
    ShotgunTransferRegressor,
)
from sklearn_shotgun._persist import load_transfer, save_transfer

pytestmark = pytest.mark.xdist_group("library_predictions")


def _pool(featurizer, X, y, n_models, seed, prop, source):
    pretrainer = ShotgunPretrainer(
        featurizer,
        n_models=n_models,
        max_epochs=5,
        max_sparsity=0.99,
        random_state=seed,
        verbose=0,
        property=prop,
    )
    library = pretrainer.fit(X, y).library_
    # As build_library records it: the networks' recipe source.
    for model in library:
        model.training = {**(model.training or {}), "source": source}
    return library


@pytest.fixture(scope="module")
def mixed(qm9_frame):
    """Two real QM9 sources on fingerprints (Cv: 4 nets, gap: 3) and one on compositions."""
    frame = qm9_frame.sample(n=300, random_state=0)
    smiles = frame["SMILES"].tolist()
    fp = FingerprintFeaturizer(counts=True, n_bits=512)
    cv = _pool(fp, smiles, frame["Heatcapacity_Cv_cal_mol_K"].to_numpy(), 4, 0, "Cv", "cv")
    gap = _pool(fp, smiles, frame["HOMO_LUMO_gap_au"].to_numpy(), 3, 1, "gap", "gap")
    comp = _pool(
        CompositionFeaturizer(input="smiles"),
        smiles,
        frame["Heatcapacity_Cv_cal_mol_K"].to_numpy(),
        2,
        2,
        "Cv",
        "cv_composition",
    )
    return cv + gap + comp


def test_columns_are_the_mean_of_each_sources_first_networks(mixed, polymer_smiles):
    X = polymer_smiles[:30]
    featurizer = LibraryPredictionFeaturizer(mixed, max_models_per_source=3).fit(X)
    P = featurizer.transform(X)
    assert list(featurizer.sources_) == ["cv", "gap", "cv_composition"]
    assert [len(v) for v in featurizer.sources_.values()] == [3, 3, 2]
    for column, models in enumerate(featurizer.sources_.values()):
        expected = np.mean([m.predict(X) for m in models], axis=0)
        np.testing.assert_allclose(P[:, column], expected, rtol=1e-12)
    # The first networks of each source, in library order.
    assert [m.id for m in featurizer.sources_["cv"]] == [
        m.id for m in mixed if m.training["source"] == "cv"
    ][:3]
    assert list(featurizer.get_feature_names_out()) == [
        "cv/prediction",
        "gap/prediction",
        "cv_composition/prediction",
    ]
    # Real predictions of real sources: the Cv sources agree in sign with each other.
    assert np.corrcoef(P[:, 0], P[:, 2])[0, 1] > 0


def test_sources_that_cannot_read_the_inputs_are_left_out(mixed):
    # Formulas: the fingerprint sources reject them, the composition source reads them
    # once its input is set to formulas (as the transfer search does).
    from sklearn_shotgun._transfer_candidates import _reading

    with pytest.warns(UserWarning, match="left out"):
        featurizer = LibraryPredictionFeaturizer(_reading(mixed, "formula"))
        featurizer.fit(["SiO2", "NaCl"])
    assert list(featurizer.sources_) == ["cv_composition"]
    assert set(featurizer.rejected_) == {"cv", "gap"}
    assert featurizer.transform(["SiO2", "MgO", "TiO2"]).shape == (3, 1)


def test_left_out_sources_are_named_in_a_warning(mixed):
    from sklearn_shotgun._transfer_candidates import _reading

    with pytest.warns(UserWarning, match="2 source"):
        P = LibraryPredictionFeaturizer(_reading(mixed, "formula")).fit_transform(["SiO2", "MgO"])
    assert P.shape == (2, 1)


def test_no_usable_source_is_an_error(mixed):
    only_fp = ModelLibrary([m for m in mixed if m.training["source"] != "cv_composition"])
    with pytest.raises(ValueError, match="No source of the library predicts"):
        LibraryPredictionFeaturizer(only_fp).fit(["SiO2"])
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    numeric = ShotgunPretrainer(n_models=1, max_epochs=2, random_state=0, verbose=0)
    numeric = numeric.fit(X, X[:, 0]).library_
    with pytest.raises(ValueError, match="precomputed descriptors"):
        LibraryPredictionFeaturizer(numeric).fit(X)


def test_max_models_per_source_is_validated(mixed):
    with pytest.raises(ValueError, match="max_models_per_source"):
        LibraryPredictionFeaturizer(mixed, max_models_per_source=0).fit(["CCO"])
    assert clone(LibraryPredictionFeaturizer(mixed, 2)).max_models_per_source == 2


@pytest.fixture(scope="module")
def cp(polymers):
    X, y = polymers
    return X[:44], y[:44], X[44:]


def test_transfer_search_has_prediction_candidates(mixed, cp):
    X, y, _ = cp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ShotgunTransferRegressor(mixed, cv=3, random_state=0).fit(X, y)
        off = ShotgunTransferRegressor(mixed, cv=3, random_state=0, library_predictions=False)
        off.fit(X, y)
    table = model.transfer_table_
    rows = table[table["source"] == "library predictions"]
    # Alone and beside each of the three target descriptors, with the forest and ridge.
    assert len(rows) == 8
    assert set(rows["head"]) == {"forest", "linear"}
    assert set(rows["descriptor"].fillna("none")) == {
        "none",
        "morgan_counts",
        "rdkit2d",
        "composition",
    }
    assert rows["cv_mae_mean"].notna().all()  # never screened out
    assert (rows["n_features"][rows["descriptor"].isna()] == 3).all()
    assert "library predictions" not in set(off.transfer_table_["source"])
    # The other candidates are the same search either way.
    same = table[table["source"] != "library predictions"]
    assert len(same) == len(off.transfer_table_)


def test_prediction_members_refit_on_raw_inputs_and_round_trip(mixed, cp, tmp_path):
    X, y, new = cp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A uniform ensemble of every searched candidate: prediction members included.
        model = ShotgunTransferRegressor(
            mixed, cv=3, top_k=1, ensemble=40, ensemble_weights="uniform", random_state=0
        ).fit(X, y)
    members = [
        e
        for e in model.estimators_
        if "features" in e.named_steps
        and "predictions" in dict(e.named_steps["features"].transformer_list)
    ]
    assert len(members) == 8
    # The refit pipeline on raw inputs gives the features the search cross-validated (the
    # search holds the target descriptor in float32).
    searched = [
        c.features for c in model.cv_results_["param_candidate"] if c.predictions is not None
    ]
    for member in members:
        H = member[:-1].transform(X)
        assert any(H.shape == F.shape and np.allclose(H, F, rtol=1e-6, atol=1e-6) for F in searched)
    # Members share one featurizer holding only the networks it averages.
    shared = {id(dict(e.named_steps["features"].transformer_list)["predictions"]) for e in members}
    featurizer = dict(members[0].named_steps["features"].transformer_list)["predictions"]
    used = [m.id for models in featurizer.sources_.values() for m in models]
    assert len(shared) == 1 and featurizer.library.ids == used
    table = model.transfer_table_
    assert (table["source"] == "library predictions").sum() == 8
    save_transfer(model, tmp_path / "m", X, y)
    loaded = load_transfer(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(new), model.predict(new))
    used = {
        m.id
        for e in members
        for ms in dict(e.named_steps["features"].transformer_list)["predictions"].sources_.values()
        for m in ms
    }
    assert used <= set(loaded.get_params()["library"].ids)


def test_library_predictions_parameter_is_checked(mixed, cp):
    X, y, _ = cp
    with pytest.raises(ValueError, match="library_predictions"):
        ShotgunTransferRegressor(mixed, library_predictions="yes").fit(X, y)


def test_classifier_prediction_members_round_trip(mixed, cp, tmp_path):
    from sklearn_shotgun import ShotgunTransferClassifier

    X, y, new = cp
    labels = np.where(y > np.median(y), "high", "low")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ShotgunTransferClassifier(mixed, cv=3, top_k=1, ensemble=30, random_state=0).fit(
            X, labels
        )
    assert (model.transfer_table_["source"] == "library predictions").sum() == 8
    assert any(
        "features" in e.named_steps
        and "predictions" in dict(e.named_steps["features"].transformer_list)
        for e in model.estimators_
    )
    save_transfer(model, tmp_path / "clf", X, labels)
    loaded = load_transfer(tmp_path / "clf")
    np.testing.assert_array_equal(loaded.predict_proba(new), model.predict_proba(new))
