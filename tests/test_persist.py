"""Saving fitted transfer estimators without pickle (sklearn_shotgun._persist)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from sklearn_shotgun import (
    FingerprintFeaturizer,
    ShotgunPretrainer,
    ShotgunTransferClassifier,
    ShotgunTransferRegressor,
)
from sklearn_shotgun._persist import load_transfer, save_transfer

# One xdist worker builds the module-scoped pool and saved model once (make test: -n 2).
pytestmark = pytest.mark.xdist_group("persist")


@pytest.fixture(scope="module")
def pool_dir(qm9_frame, tmp_path_factory):
    """Three small nets on 300 QM9 heat capacities, saved as a library directory."""
    frame = qm9_frame.sample(n=300, random_state=0)
    pretrainer = ShotgunPretrainer(
        FingerprintFeaturizer(counts=True, n_bits=512),
        n_models=3,
        max_epochs=5,
        max_sparsity=0.99,
        random_state=0,
        verbose=0,
        property="Cv",
    )
    library = pretrainer.fit(
        frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"].to_numpy()
    ).library_
    path = tmp_path_factory.mktemp("persist") / "pool"
    library.save(path)
    return path


@pytest.fixture(scope="module")
def data(radonpy_frame):
    frame = radonpy_frame.dropna(subset=["Cp"]).sample(n=60, random_state=1)
    smiles, cp = frame["smiles"].tolist(), frame["Cp"].to_numpy()
    return smiles[:40], cp[:40], smiles[40:]


@pytest.fixture(scope="module")
def fitted(pool_dir, data):
    """A uniform ensemble of the 3 best, so that every member counts in the prediction."""
    X, y, _ = data
    model = ShotgunTransferRegressor(
        str(pool_dir), cv=3, top_k=4, ensemble=3, ensemble_weights="uniform", random_state=0
    )
    return model.fit(X, y)


@pytest.fixture(scope="module")
def saved(fitted, data, tmp_path_factory):
    X, y, _ = data
    path = tmp_path_factory.mktemp("persist") / "model"
    save_transfer(fitted, path, X, y, metadata={"note": "test"})
    return path


def test_round_trip_predicts_the_same(fitted, saved, data, pool_dir):
    _, _, new = data
    loaded = load_transfer(saved)
    np.testing.assert_array_equal(loaded.predict(new), fitted.predict(new))
    assert loaded.get_params() == fitted.get_params()  # the library is the same path
    assert loaded.get_params()["library"] == str(pool_dir)
    assert loaded.best_source_ == fitted.best_source_
    assert loaded.best_layer_ == fitted.best_layer_
    assert loaded.appended_descriptor_ == fitted.appended_descriptor_
    np.testing.assert_array_equal(loaded.ensemble_weights_, fitted.ensemble_weights_)
    # A member on a source network is part of the test (not only no-transfer forests).
    manifest = json.loads((saved / "model.json").read_text())
    assert any(m["source"] is not None for m in manifest["members"])
    assert manifest["metadata"] == {"note": "test"}


def test_no_pickle_in_the_folder(saved):
    suffixes = {p.suffix for p in saved.rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".csv", ".safetensors", ".md"}, suffixes


@pytest.mark.slow
def test_works_without_the_original_library(fitted, data, tmp_path, pool_dir):
    X, y, new = data
    pool = tmp_path / "pool"
    shutil.copytree(pool_dir, pool)
    model = ShotgunTransferRegressor(str(pool), cv=3, top_k=2, ensemble=2, random_state=0)
    model.fit(X, y)
    save_transfer(model, tmp_path / "model", X, y)
    shutil.rmtree(pool)
    np.testing.assert_array_equal(
        load_transfer(tmp_path / "model").predict(new), model.predict(new)
    )


def copy_of(saved, tmp_path):
    path = tmp_path / "copy"
    shutil.copytree(saved, path)
    return path


def edit_manifest(path, change):
    manifest = json.loads((path / "model.json").read_text())
    change(manifest)
    (path / "model.json").write_text(json.dumps(manifest))


def test_changed_training_file_is_rejected(saved, tmp_path):
    path = copy_of(saved, tmp_path)
    training = path / "training.csv"
    training.write_text(training.read_text().replace(".", "1.", 1))
    with pytest.raises(ValueError, match=r"training file .* has changed"):
        load_transfer(path)


def test_edited_manifest_is_rejected(saved, tmp_path):
    path = copy_of(saved, tmp_path)

    def reseed(manifest):
        # The first member with a seed (a ridge no-transfer member has none).
        heads = [m["head"]["params"] for m in manifest["members"]]
        head = next(h for h in heads if "random_state" in h)
        head["random_state"] += 1

    edit_manifest(path, reseed)
    with pytest.raises(ValueError, match="does not reproduce the predictions"):
        load_transfer(path)
    # check=False skips only this check: the model loads, and predicts differently.
    assert load_transfer(path, check=False).best_source_


def test_edited_weights_are_rejected(saved, tmp_path):
    path = copy_of(saved, tmp_path)

    def reweigh(manifest):
        manifest["members"][0]["weight"] = 1.0
        for member in manifest["members"][1:]:
            member["weight"] = 0.0

    edit_manifest(path, reweigh)
    with pytest.raises(ValueError, match="does not reproduce the predictions"):
        load_transfer(path)


def test_changed_library_is_rejected(saved, tmp_path):
    path = copy_of(saved, tmp_path)
    index = path / "library" / "library.json"
    meta = json.loads(index.read_text())
    meta["models"][0]["metrics"]["r2"] = 0.99
    index.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"library .* has changed"):
        load_transfer(path)


def test_classes_outside_the_trusted_packages_are_refused(saved, tmp_path):
    path = copy_of(saved, tmp_path)

    def evil(manifest):
        manifest["members"][0]["head"] = {"class": "os.system", "params": {}}

    edit_manifest(path, evil)
    with pytest.raises(ValueError, match="outside"):
        load_transfer(path)

    def not_an_estimator(manifest):
        manifest["members"][0]["head"] = {"class": "sklearn.utils.Bunch", "params": {}}

    edit_manifest(path, not_an_estimator)
    with pytest.raises(ValueError, match="no estimator"):
        load_transfer(path)


def test_save_checks_the_rows_are_the_fit_rows(fitted, data, tmp_path):
    X, y, _ = data
    with pytest.raises(ValueError, match="rows it was fit on"):
        save_transfer(fitted, tmp_path / "wrong", X, y[::-1])
    assert not (tmp_path / "wrong").exists()


def test_save_refuses_to_replace_other_data(fitted, saved, data, tmp_path):
    X, y, _ = data
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_transfer(fitted, saved, X, y)
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("keep")
    with pytest.raises(FileExistsError, match="holds no saved model"):
        save_transfer(fitted, other, X, y, overwrite=True)
    assert (other / "thesis.tex").read_text() == "keep"
    replaced = copy_of(saved, tmp_path)
    save_transfer(fitted, replaced, X, y, overwrite=True)
    assert (replaced / "model.json").is_file()


def test_unsaveable_parameters_are_named(pool_dir, data, tmp_path):
    X, y, _ = data
    model = ShotgunTransferRegressor(
        str(pool_dir), cv=3, top_k=1, ensemble=1, random_state=np.random.RandomState(0)
    ).fit(X, y)
    with pytest.raises(ValueError, match="random_state"):
        save_transfer(model, tmp_path / "m", X, y)


@pytest.mark.slow
def test_classifier_round_trip(pool_dir, data, tmp_path):
    X, y, new = data
    labels = np.where(y > np.median(y), "high", "low")
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    model = ShotgunTransferClassifier(str(pool_dir), cv=cv, top_k=2, ensemble=2, random_state=0)
    model.fit(X, labels)
    save_transfer(model, tmp_path / "clf", X, labels)
    loaded = load_transfer(tmp_path / "clf")
    np.testing.assert_array_equal(loaded.predict_proba(new), model.predict_proba(new))
    np.testing.assert_array_equal(loaded.classes_, ["high", "low"])
    # A CV splitter is saved with its parameters.
    assert repr(loaded.get_params()["cv"]) == repr(cv)


@pytest.mark.parametrize("cls", [ShotgunTransferRegressor, ShotgunTransferClassifier])
def test_linear_head_members_round_trip(pool_dir, data, tmp_path, cls):
    X, y, new = data
    if cls is ShotgunTransferClassifier:
        y = np.where(y > np.median(y), "high", "low")
    model = cls(
        str(pool_dir), head=("linear", "forest"), cv=3, top_k=2, ensemble=3, random_state=0
    ).fit(X, y)
    heads = [type(e.named_steps["head"]).__name__ for e in model.estimators_]
    assert any(h.startswith("LinearHead") for h in heads), heads
    save_transfer(model, tmp_path / "linear", X, y)
    loaded = load_transfer(tmp_path / "linear")
    np.testing.assert_array_equal(loaded.predict(new), model.predict(new))
    assert list(loaded.get_params()["head"]) == ["linear", "forest"]  # JSON: a list


def test_precomputed_sources_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 8))
    library = ShotgunPretrainer(n_models=2, max_epochs=5, random_state=0, verbose=0)
    library = library.fit(X[:200], X[:200, 0] + X[:200, 1]).library_
    model = ShotgunTransferRegressor(library, cv=3, ensemble=2, random_state=0)
    model.fit(X[200:230], X[200:230, 0] - X[200:230, 2])
    save_transfer(model, tmp_path / "num", X[200:230], X[200:230, 0] - X[200:230, 2])
    loaded = load_transfer(tmp_path / "num")
    # Bit for bit, the ridge no-transfer member included (it is refit on the same C-ordered
    # float32 features as in the search; Fortran order once made its scaling differ).
    np.testing.assert_array_equal(loaded.predict(X[230:]), model.predict(X[230:]))
    # The library was an object: the loaded estimator holds the saved sources.
    assert set(loaded.get_params()["library"].ids) <= set(library.ids)
