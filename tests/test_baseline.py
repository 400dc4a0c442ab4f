"""NoTransferRegressor: the best forest or ridge model over the descriptors the inputs allow."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_shotgun import (
    CompositionFeaturizer,
    DescriptorFeaturizer,
    FingerprintFeaturizer,
    NoTransferRegressor,
)
from sklearn_shotgun._forest import FastRandomForestRegressor
from sklearn_shotgun._heads import LinearHeadRegressor
from sklearn_shotgun.baseline import input_kind


def test_input_kind(polymer_smiles, shared_data):
    assert input_kind(polymer_smiles[:50]) == "smiles"
    assert input_kind(["CCO", "c1ccccc1", "CO"]) == "smiles"
    assert input_kind(["Fe2O3", "NaCl", "CO"]) == "formula"  # CO alone could be either


def test_selects_the_pair_with_the_best_cv_error(polymers):
    X, y = polymers
    model = NoTransferRegressor(n_estimators=50, cv=3, random_state=0).fit(X, y)
    table = model.cv_results_
    assert table["cv_mae_mean"].is_monotonic_increasing
    pairs = {
        (d, m) for d in ("morgan_counts", "rdkit2d", "composition") for m in ("forest", "linear")
    }
    assert set(zip(table["descriptor"], table["model"], strict=True)) == pairs
    assert len(table) == 6
    assert model.best_descriptor_ == table["descriptor"].iloc[0]
    assert model.best_model_ == table["model"].iloc[0]
    assert list(model.estimator_.named_steps) == ["featurizer", model.best_model_]
    assert model.best_score_ == pytest.approx(-table["cv_mae_mean"].min())
    # Each row is the plain cross-validated pipeline's error.
    featurizers = {
        "morgan_counts": FingerprintFeaturizer(counts=True),
        "rdkit2d": DescriptorFeaturizer(),
        "composition": CompositionFeaturizer(input="smiles"),
    }
    models = {
        "forest": FastRandomForestRegressor(n_estimators=50, random_state=0),
        "linear": LinearHeadRegressor(),
    }
    for row in table.itertuples():
        pipe = make_pipeline(featurizers[row.descriptor], models[row.model])
        cv = KFold(3, shuffle=True, random_state=0)
        mae = -cross_val_score(pipe, X, y, cv=cv, scoring="neg_mean_absolute_error").mean()
        assert row.cv_mae_mean == pytest.approx(mae, rel=1e-9)
    pred = model.predict(X[:5])
    assert pred.shape == (5,)
    np.testing.assert_allclose(pred, model.estimator_.predict(X[:5]))


def test_formulas_get_compositions_and_explicit_descriptors():
    formulas = ["Fe2O3", "NaCl", "MgO", "Al2O3", "TiO2", "SiO2", "ZnO", "CuO", "CaO", "KCl"]
    y = np.arange(10.0)
    model = NoTransferRegressor(n_estimators=10, cv=2, random_state=0).fit(formulas, y)
    assert model.cv_results_["descriptor"].tolist() == ["composition"] * 2
    mine = NoTransferRegressor(
        descriptors={"means": CompositionFeaturizer(stats=("mean",))},
        models="forest",
        n_estimators=10,
        cv=2,
    ).fit(formulas, y)
    assert mine.cv_results_["n_features"].tolist() == [58]
    assert mine.best_model_ == "forest"


def test_clone_and_errors(polymers):
    X, y = polymers
    model = NoTransferRegressor(n_estimators=5, cv=2)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ValueError, match="descriptors must be 'auto'"):
        NoTransferRegressor(descriptors="rdkit").fit(X, y)
    for bad in ("svm", ("forest", "forest"), (), 3):
        with pytest.raises(ValueError, match="models must be 'forest', 'linear'"):
            NoTransferRegressor(models=bad).fit(X, y)
    with pytest.raises(ValueError, match="X has 58 rows but y has 57"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="row 3"):
        model.fit(X, np.where(np.arange(58) == 3, np.nan, y))


def test_numeric_matrix_is_its_own_descriptor(qm9_frame):
    from sklearn_shotgun import DescriptorFeaturizer as Rdkit

    D = Rdkit().fit_transform(qm9_frame["SMILES"].iloc[:60].tolist())
    y = qm9_frame["Heatcapacity_Cv_cal_mol_K"].iloc[:60].to_numpy()
    model = NoTransferRegressor(models="forest", n_estimators=20, cv=3, random_state=0)
    model.fit(D, y)
    assert model.cv_results_["descriptor"].tolist() == ["X"]
    assert model.n_features_in_ == D.shape[1]
    forest = FastRandomForestRegressor(n_estimators=20, random_state=0).fit(D, y)
    np.testing.assert_allclose(model.predict(D[:5]), forest.predict(D[:5]))
    with pytest.raises(ValueError, match="features"):
        model.predict(D[:5, :10])


def test_input_kind_of_formulas_logs_nothing(capfd):
    """Guessing the input kind parses formulas as SMILES: RDKit's errors stay silent."""
    from sklearn_shotgun.baseline import input_kind

    assert input_kind(["LiH3(SeO3)2", "Fe2O3"]) == "formula"
    assert "SMILES Parse Error" not in capfd.readouterr().err
