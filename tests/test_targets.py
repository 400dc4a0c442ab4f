"""Source target forms (per gram, per heavy atom, per atom, log10) and their metadata."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import Descriptors

from sklearn_shotgun import (
    CompositionFeaturizer,
    DescriptorFeaturizer,
    ModelLibrary,
    ShotgunPretrainer,
)
from sklearn_shotgun._targets import TARGET_TRANSFORMS, transform_target


class TestTransformTarget:
    def test_per_gram_equals_rdkit_molar_mass(self, qm9_frame):
        smiles = qm9_frame["SMILES"].iloc[:50].tolist()
        y = qm9_frame["Heatcapacity_Cv_cal_mol_K"].iloc[:50].to_numpy()
        mass = np.array([Descriptors.MolWt(Chem.MolFromSmiles(s)) for s in smiles])
        np.testing.assert_allclose(transform_target("per_gram", smiles, y), y / mass, rtol=1e-4)

    def test_polymer_attachment_points_have_no_mass(self):
        # Polyethylene's repeat unit is C2H4 (28.05 g/mol); '*' counts for nothing.
        out = transform_target("per_gram", ["*CC*", "[*]CC[*]"], np.array([28.054, 28.054]))
        np.testing.assert_allclose(out, 1.0, rtol=1e-3)
        heavy = transform_target("per_heavy_atom", ["*CC(*)c1ccccc1"], np.array([8.0]))
        np.testing.assert_allclose(heavy, 1.0)

    def test_counts_and_formulas(self):
        np.testing.assert_allclose(
            transform_target("per_atom", ["CCO"], np.array([9.0])), 1.0
        )  # C2H6O: 9 atoms
        np.testing.assert_allclose(
            transform_target("per_atom", ["Fe2O3", "NaCl"], np.array([5.0, 2.0]), "formula"), 1.0
        )
        np.testing.assert_allclose(
            transform_target("per_gram", ["Fe2O3"], np.array([159.69]), "formula"), 1.0, rtol=1e-4
        )
        # "CO" is methanol as SMILES and carbon monoxide as a formula.
        smiles = transform_target("per_atom", ["CO"], np.array([1.0]), "smiles")
        formula = transform_target("per_atom", ["CO"], np.array([1.0]), "formula")
        assert smiles[0] == pytest.approx(1 / 6) and formula[0] == pytest.approx(1 / 2)

    def test_log10_and_none(self):
        y = np.array([1.0, 10.0, 1000.0])
        np.testing.assert_allclose(transform_target("log10", ["C"] * 3, y), [0, 1, 3])
        np.testing.assert_array_equal(transform_target(None, ["C"] * 3, y), y)

    @pytest.mark.parametrize(
        ("kind", "X", "y", "match"),
        [
            ("log10", ["C", "CC"], [1.0, -2.0], "row 1 has y=-2.0"),
            ("per_gram", ["C", "not a smiles"], [1.0, 2.0], "row 1 .'not a smiles'."),
            ("per_heavy_atom", ["C", "[H][H]"], [1.0, 2.0], "row 1 .*size 0"),
            ("per_mole", ["C"], [1.0], "target_transform must be None or one of"),
        ],
    )
    def test_errors_name_the_row(self, kind, X, y, match):
        with pytest.raises(ValueError, match=match):
            transform_target(kind, X, np.array(y))

    def test_documented_forms(self):
        assert set(TARGET_TRANSFORMS) == {"per_gram", "per_heavy_atom", "per_atom", "log10"}


@pytest.fixture(scope="module")
def pool(qm9_frame):
    """Two networks pretrained on the Cv per gram of 400 QM9 molecules."""
    frame = qm9_frame.iloc[:400]
    pretrainer = ShotgunPretrainer(
        DescriptorFeaturizer(),
        n_models=2,
        max_epochs=5,
        random_state=0,
        verbose=0,
        property="Cv",
        units="cal/(mol K)",
        target_transform="per_gram",
    )
    return pretrainer.fit(frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"])


class TestPretrainerTargetTransform:
    def test_models_learn_and_record_the_form(self, pool, qm9_frame, tmp_path):
        library = pool.library_
        assert {m.target_transform for m in library} == {"per_gram"}
        assert all(m.id.startswith("Cv-per_gram-rdkit2d-") for m in library)
        # The networks predict Cv per gram (~0.2-0.4 cal/(g K)), not per molecule (~6-40).
        pred = pool.predict(qm9_frame["SMILES"].iloc[:20].tolist())
        assert 0.1 < pred.mean() < 0.6
        library.save(tmp_path / "lib")
        loaded = ModelLibrary.load(tmp_path / "lib")
        assert loaded.filter(target_transform="per_gram").ids == library.ids
        assert len(loaded.filter(target_transform=None)) == 0
        assert loaded.to_frame()["target_transform"].tolist() == ["per_gram"] * 2

    def test_formula_sources_divide_by_formula_mass(self):
        formulas = [f"Fe{a}O{b}" for a in range(1, 9) for b in range(1, 9)]
        mass = transform_target("per_gram", formulas, np.ones(len(formulas)), "formula") ** -1
        pretrainer = ShotgunPretrainer(
            CompositionFeaturizer(),
            n_models=1,
            max_epochs=3,
            random_state=0,
            verbose=0,
            target_transform="per_gram",
        ).fit(formulas, mass)
        assert pretrainer.library_[0].target_transform == "per_gram"
        # y / mass == 1 for every row: the scaled target is constant.
        assert pretrainer.library_[0].y_mean == pytest.approx(1.0)

    @pytest.mark.parametrize(
        ("featurizer", "y", "match"),
        [
            (None, np.linspace(1, 2, 60), "needs the raw inputs"),
            (DescriptorFeaturizer(), np.array(["a", "b"] * 30), "regression targets only"),
            (DescriptorFeaturizer(), np.linspace(-1, 1, 60), "log10' needs positive targets"),
        ],
    )
    def test_errors(self, featurizer, y, match, qm9_frame):
        form = "log10" if "positive" in match else "per_gram"
        X = (
            np.random.default_rng(0).normal(size=(60, 3))
            if featurizer is None
            else qm9_frame["SMILES"].iloc[:60].tolist()
        )
        pretrainer = ShotgunPretrainer(
            featurizer, n_models=1, max_epochs=2, verbose=0, target_transform=form
        )
        with pytest.raises(ValueError, match=match):
            pretrainer.fit(X, y)
