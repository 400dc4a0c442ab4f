"""FingerprintFeaturizer on real molecules (QM9) and polymer repeat units (RadonPy)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from rdkit import Chem
from sklearn.base import clone
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_shotgun import FingerprintFeaturizer
from sklearn_shotgun.featurizers import _base
from sklearn_shotgun.featurizers._base import InvalidInputWarning
from sklearn_shotgun.featurizers.fingerprint import FINGERPRINT_KINDS


def _fp(smiles, **params):
    return FingerprintFeaturizer(**params).fit_transform(smiles)


class TestKnownBits:
    def test_benzene_maccs_has_aromatic_and_six_ring_keys(self):
        fp = FingerprintFeaturizer(kind="maccs").fit(["c1ccccc1"])
        names = list(fp.get_feature_names_out())
        benzene, cyclohexane = fp.transform(["c1ccccc1", "C1CCCCC1"])
        aromatic, six_ring = names.index("maccs_162"), names.index("maccs_163")
        assert benzene[aromatic] == 1 and benzene[six_ring] == 1
        assert cyclohexane[aromatic] == 0 and cyclohexane[six_ring] == 1

    def test_ethanol_and_dimethyl_ether_differ(self):
        ethanol, ether = _fp(["CCO", "COC"])
        assert not np.array_equal(ethanol, ether)
        # Same atoms, different connectivity: both have a C-O environment set.
        assert ethanol.sum() > 0 and ether.sum() > 0

    @pytest.mark.parametrize("kind", FINGERPRINT_KINDS)
    def test_every_kind_separates_isomers(self, kind):
        a, b = _fp(["CCCCO", "CCOCC"], kind=kind, n_bits=1024)  # butanol, ether
        assert a.any() and b.any()
        if kind != "maccs":  # MACCS sees C-O in both; the hashed kinds see the topology
            assert not np.array_equal(a, b)

    def test_counts_count_repeated_environments(self):
        bits = _fp(["CCCCCC"], counts=False)[0]
        counts = _fp(["CCCCCC"], counts=True)[0]
        assert counts.dtype == np.uint16 and bits.dtype == np.uint8
        assert counts.max() >= 2  # four CH2 groups share one radius-0 environment
        np.testing.assert_array_equal(counts > 0, bits > 0)

    def test_kind_all_concatenates_nine_families(self):
        fp = FingerprintFeaturizer(kind="all").fit(["C"])
        names = fp.get_feature_names_out()
        assert fp.n_features_out_ == 8 * 2048 + 167
        assert len(set(names)) == len(names)
        families = {n.rsplit("_", 1)[0] for n in names}
        assert families == {
            "morgan_r2",
            "feature_morgan_r2",
            "atom_pair",
            "torsion",
            "rdkit",
            "maccs",
            "avalon",
            "pattern",
            "layered",
        }

    def test_list_of_kinds_is_the_concatenation(self, qm9_smiles):
        smiles = qm9_smiles[:50]
        both = _fp(smiles, kind=["maccs", "morgan"], n_bits=512)
        np.testing.assert_array_equal(both[:, :167], _fp(smiles, kind="maccs"))
        np.testing.assert_array_equal(both[:, 167:], _fp(smiles, n_bits=512))

    def test_feature_names(self):
        fp = FingerprintFeaturizer(kind=["morgan", "maccs"]).fit(["C"])
        names = fp.get_feature_names_out()
        assert names[42] == "morgan_r2_b0042"
        assert names[2048 + 17] == "maccs_017"

    def test_matches_bare_rdkit(self, qm9_smiles):
        from rdkit.Chem import rdFingerprintGenerator

        gen = rdFingerprintGenerator.GetMorganGenerator(radius=3, fpSize=1024)
        expected = np.stack([gen.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in qm9_smiles])
        np.testing.assert_array_equal(_fp(qm9_smiles, radius=3, n_bits=1024), expected)


class TestPolymers:
    def test_bracket_and_bare_stars_are_the_same(self):
        for mode in ("dummy", "hydrogen", "cyclic"):
            a, b = _fp(["[*]OCC[*]", "*OCC*"], polymer=mode)
            np.testing.assert_array_equal(a, b)

    def test_hydrogen_caps_the_ends(self):
        styrene_unit, ethylbenzene = _fp(["*CC(*)c1ccccc1", "CCc1ccccc1"], polymer="hydrogen")
        np.testing.assert_array_equal(styrene_unit, ethylbenzene)
        ptfe, difluoromethane = _fp(["*C(F)(F)*", "FCF"], polymer="hydrogen")
        np.testing.assert_array_equal(ptfe, difluoromethane)

    def test_hydrogen_caps_on_stereo_bonds_become_implicit(self):
        capped, ethylene = _fp(["*/C=C/*", "C=C"], polymer="hydrogen", kind=["morgan", "atom_pair"])
        np.testing.assert_array_equal(capped, ethylene)

    def test_cyclic_joins_the_ends_into_a_ring(self):
        pe, cyclohexane = _fp(["*CC*", "C1CCCCC1"], polymer="cyclic")
        np.testing.assert_array_equal(pe, cyclohexane)
        peo, dioxane = _fp(["*OCC*", "C1COCCO1"], polymer="cyclic")
        np.testing.assert_array_equal(peo, dioxane)

    def test_the_three_treatments_differ(self):
        unit = ["*CC(*)c1ccccc1"]
        dummy, hydrogen, cyclic = (_fp(unit, polymer=m)[0] for m in ("dummy", "hydrogen", "cyclic"))
        assert not np.array_equal(dummy, hydrogen)
        assert not np.array_equal(hydrogen, cyclic)
        assert not np.array_equal(dummy, cyclic)
        # The dummy atoms are a feature of their own: the unit differs from ethylbenzene.
        assert not np.array_equal(dummy, _fp(["CCc1ccccc1"])[0])

    def test_all_radonpy_units_featurize_in_every_mode(self, polymer_smiles):
        for mode in ("dummy", "hydrogen", "cyclic"):
            X = _fp(polymer_smiles, polymer=mode)
            assert X.shape == (len(polymer_smiles), 2048)
            assert (X.sum(axis=1) > 0).all()

    def test_cyclic_needs_two_attachment_points(self):
        with pytest.raises(ValueError, match=r"row 1: '\*CC'.*exactly two"):
            _fp(["*CC*", "*CC"], polymer="cyclic")

    def test_molecules_without_stars_are_unaffected(self, qm9_smiles):
        smiles = qm9_smiles[:100]
        base = _fp(smiles)
        for mode in ("hydrogen", "cyclic"):
            np.testing.assert_array_equal(_fp(smiles, polymer=mode), base)


class TestInputs:
    @pytest.mark.parametrize(
        "container",
        [
            list,
            np.array,
            pd.Series,
            lambda s: pd.DataFrame({"smiles": s}),
            lambda s: np.array(s, dtype=object).reshape(-1, 1),
            lambda s: [Chem.MolFromSmiles(x) for x in s],
        ],
        ids=["list", "ndarray", "series", "dataframe", "column", "mol"],
    )
    def test_containers_give_the_same_result(self, qm9_smiles, container):
        smiles = qm9_smiles[:30]
        np.testing.assert_array_equal(_fp(container(smiles)), _fp(smiles))

    def test_dataframe_records_its_column_name(self):
        fp = FingerprintFeaturizer().fit(pd.DataFrame({"smiles": ["CCO"]}))
        assert list(fp.feature_names_in_) == ["smiles"]

    def test_several_columns_are_rejected(self):
        with pytest.raises(ValueError, match="2 columns"):
            FingerprintFeaturizer().fit(pd.DataFrame({"a": ["C"], "b": ["O"]}))

    def test_bare_string_is_rejected(self):
        with pytest.raises(ValueError, match="single string"):
            FingerprintFeaturizer().fit("CCO")

    def test_empty_input(self):
        with pytest.raises(ValueError, match="empty input"):
            FingerprintFeaturizer().fit([])

    @pytest.mark.parametrize("bad", [None, np.nan, "", "  ", "C1CC", "Xx"])
    def test_invalid_value_names_row_and_value(self, bad):
        with pytest.raises(ValueError, match=rf"row 2: {pd.Series([bad]).map(repr)[0]!s}"[:60]):
            FingerprintFeaturizer().fit(["C"]).transform(["CCO", "CC", bad, "O"])

    def test_wrong_type_is_caught_at_fit(self):
        with pytest.raises(ValueError, match=r"row 1: 3\.5 \(expected str or Mol, got float\)"):
            FingerprintFeaturizer().fit(["CCO", 3.5])

    def test_errors_nan_gives_nan_rows_and_one_warning(self, qm9_smiles):
        smiles = [*qm9_smiles[:20], "C1CC", None, "", *qm9_smiles[20:30]]
        fp = FingerprintFeaturizer(errors="nan").fit(smiles)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X = fp.transform(smiles)
        ours = [w for w in caught if issubclass(w.category, InvalidInputWarning)]
        assert len(ours) == 1
        assert "rows 20 ('C1CC'" in str(ours[0].message) and "22 (''" in str(ours[0].message)
        assert X.dtype == np.float64
        assert np.isnan(X[20:23]).all()
        assert not np.isnan(np.delete(X, [20, 21, 22], axis=0)).any()
        np.testing.assert_array_equal(X[:20], _fp(qm9_smiles[:20]))

    def test_invalid_parameters(self):
        for params, match in [
            ({"kind": "ecfp"}, "Unknown fingerprint kind"),
            ({"kind": ["morgan", "morgan"]}, "twice"),
            ({"kind": []}, "at least one"),
            ({"radius": -1}, "radius"),
            ({"n_bits": 0}, "n_bits"),
            ({"polymer": "periodic"}, "polymer"),
            ({"errors": "ignore"}, "errors"),
            ({"n_jobs": 0}, "n_jobs"),
        ]:
            with pytest.raises(ValueError, match=match):
                FingerprintFeaturizer(**params).fit(["C"])


class TestOutputAndParallelism:
    def test_sparse_equals_dense(self, qm9_smiles, polymer_smiles):
        smiles = qm9_smiles[:300] + polymer_smiles[:50]
        for params in ({}, {"counts": True}, {"kind": ["maccs", "atom_pair"]}):
            dense = _fp(smiles, **params)
            sparse = _fp(smiles, sparse=True, **params)
            assert sp.issparse(sparse) and sparse.format == "csr"
            assert sparse.dtype == dense.dtype
            np.testing.assert_array_equal(sparse.toarray(), dense)

    @pytest.mark.parametrize("sparse", [False, True])
    def test_n_jobs_gives_identical_results(self, qm9_smiles, polymer_smiles, monkeypatch, sparse):
        # Small chunks so that 1,200 rows really go through several joblib tasks.
        monkeypatch.setattr(_base, "_CHUNK_ROWS", 64)
        smiles = qm9_smiles + polymer_smiles
        serial = _fp(smiles, sparse=sparse, n_jobs=1)
        parallel = _fp(smiles, sparse=sparse, n_jobs=2)
        if sparse:
            serial, parallel = serial.toarray(), parallel.toarray()
        np.testing.assert_array_equal(serial, parallel)

    def test_n_jobs_reports_bad_rows_with_global_indices(self, qm9_smiles, monkeypatch):
        monkeypatch.setattr(_base, "_CHUNK_ROWS", 64)
        smiles = list(qm9_smiles)
        smiles[700] = "not a smiles"
        with pytest.raises(ValueError, match="row 700: 'not a smiles'"):
            _fp(smiles, n_jobs=2)
        with pytest.warns(InvalidInputWarning, match="rows 700 "):
            X = _fp(smiles, n_jobs=2, errors="nan")
        assert np.isnan(X[700]).all() and not np.isnan(X[699]).any()

    def test_set_output_pandas(self, qm9_smiles):
        fp = FingerprintFeaturizer(kind="maccs").set_output(transform="pandas")
        frame = fp.fit_transform(qm9_smiles[:10])
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == list(fp.get_feature_names_out())
        assert frame.shape == (10, 167)

    def test_deterministic_and_fit_transform_equals_transform(self, qm9_smiles):
        fp = FingerprintFeaturizer(kind=["morgan", "rdkit"])
        a = fp.fit_transform(qm9_smiles)
        np.testing.assert_array_equal(a, fp.transform(qm9_smiles))
        np.testing.assert_array_equal(a, clone(fp).fit(["C"]).transform(qm9_smiles))

    def test_row_order_and_subsets(self, qm9_smiles):
        fp = FingerprintFeaturizer().fit(["C"])
        full = fp.transform(qm9_smiles)
        order = np.random.default_rng(0).permutation(len(qm9_smiles))
        np.testing.assert_array_equal(fp.transform([qm9_smiles[i] for i in order]), full[order])
        np.testing.assert_array_equal(fp.transform(qm9_smiles[5:9]), full[5:9])


class TestEstimatorConventions:
    def test_clone_and_params(self):
        fp = FingerprintFeaturizer(kind=["maccs", "morgan"], radius=3, counts=True)
        cloned = clone(fp)
        assert cloned.get_params() == fp.get_params()
        assert cloned.kind == ["maccs", "morgan"]
        cloned.set_params(radius=1)
        assert fp.radius == 3

    def test_pickle_fitted(self, qm9_smiles):
        fp = FingerprintFeaturizer(kind=["morgan", "avalon"]).fit(qm9_smiles[:5])
        restored = pickle.loads(pickle.dumps(fp))
        np.testing.assert_array_equal(restored.transform(qm9_smiles), fp.transform(qm9_smiles))

    def test_unfitted_transform_raises(self):
        from sklearn.exceptions import NotFittedError

        with pytest.raises(NotFittedError):
            FingerprintFeaturizer().transform(["C"])

    def test_repr(self):
        assert repr(FingerprintFeaturizer(kind="maccs")) == "FingerprintFeaturizer(kind='maccs')"


def test_counts_predict_qm9_heat_capacity(qm9_frame):
    """Count fingerprints carry the atom counts that heat capacity mostly depends on."""
    frame = qm9_frame.iloc[:1500]
    cv = KFold(3, shuffle=True, random_state=0)  # QM9 is ordered by size
    model = make_pipeline(FingerprintFeaturizer(counts=True, n_bits=1024), RidgeCV())
    scores = cross_val_score(
        model, frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"], cv=cv, scoring="r2"
    )
    assert scores.mean() > 0.8, scores


def test_text_after_a_space_is_not_a_molecule_name():
    # RDKit's default parser would read "junk" as a name and return ethane.
    with pytest.raises(ValueError, match=r"row 1: 'CC junk' \(RDKit could not parse it\)"):
        FingerprintFeaturizer().fit_transform(["CC", "CC junk"])
