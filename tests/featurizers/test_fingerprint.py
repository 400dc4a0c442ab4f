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
    assert Chem.MolFromSmiles("CC junk") is not None
    with pytest.raises(ValueError, match=r"row 1: 'CC junk' \(character ' ' at position 2"):
        FingerprintFeaturizer().fit_transform(["CC", "CC junk"])


class TestStrictParsing:
    """RDKit's lenient parser turns some junk into a molecule; those rows are invalid."""

    @pytest.mark.parametrize(
        ("junk", "why"),
        [
            ("\u00e9CC", "'\u00e9' at position 0 is not printable ASCII"),  # 'éCC'
            ("\x00CC", r"'\\x00' at position 0 is not printable ASCII"),
            ("CC\x00", r"'\\x00' at position 2 is not printable ASCII"),
            ("\x01CC", r"'\\x01' at position 0 is not printable ASCII"),
            ("CC\njunk", r"'\\n' at position 2 is a blank"),
            ("CC\tO", r"'\\t' at position 2 is a blank"),
            ("CC |$;;$|", r"' ' at position 2 is a blank"),
        ],
    )
    def test_junk_that_rdkit_reads_as_ethane_is_invalid(self, junk, why):
        from rdkit import rdBase

        with rdBase.BlockLogs():
            lenient = Chem.MolFromSmiles(junk)
        if lenient is not None:  # the reason for the test: RDKit says it is a molecule
            assert Chem.MolToSmiles(lenient) == "CC"
        with pytest.raises(ValueError, match="row 1: .*" + why):
            FingerprintFeaturizer().fit_transform(["CCO", junk])
        with pytest.warns(InvalidInputWarning, match="rows 1 "):
            X = FingerprintFeaturizer(errors="nan").fit_transform(["CCO", junk, "CC"])
        assert np.isnan(X[1]).all() and not np.isnan(X[[0, 2]]).any()

    def test_surrounding_blanks_are_stripped(self):
        np.testing.assert_array_equal(_fp([" CCO\n", "\tc1ccccc1 "]), _fp(["CCO", "c1ccccc1"]))

    def test_an_unsanitized_mol_is_sanitized_or_invalid(self):
        # RDKit's fingerprint generators raised RuntimeError ("getNumImplicitHs() called
        # without preceding call to calcImplicitValence()") on such Mols.
        raw = Chem.MolFromSmiles("c1ccccc1O", sanitize=False)
        np.testing.assert_array_equal(
            _fp([raw, Chem.MolFromSmarts("[#6]-[#8]")], kind="all", n_bits=256),
            _fp(["c1ccccc1O", "CO"], kind="all", n_bits=256),
        )
        assert raw.NeedsUpdatePropertyCache()  # the caller's Mol is left as it was
        broken = Chem.MolFromSmiles("C(C)(C)(C)(C)C", sanitize=False)
        with pytest.raises(ValueError, match=r"row 1: .*cannot sanitize this Mol: Explicit"):
            _fp(["CC", broken])

    def test_a_molecule_without_atoms_is_invalid(self):
        with pytest.raises(ValueError, match=r"row 0: .*without atoms"):
            FingerprintFeaturizer().fit([Chem.Mol()]).transform([Chem.Mol()])

    @pytest.mark.parametrize(
        "item", [7, 1.5, np.int64(3), b"CC", ["CC"], [["CC"]], {"C": 1}, 1 + 2j, object()]
    )
    def test_a_non_string_item_is_an_invalid_row(self, item):
        name = type(item).__name__
        with pytest.raises(ValueError, match=rf"row 1: .*expected str or Mol, got {name}"):
            FingerprintFeaturizer().fit(["CC", item])
        fitted = FingerprintFeaturizer().fit(["CC"])
        with pytest.raises(ValueError, match=r"row 1: .*expected a SMILES string or an RDKit"):
            fitted.transform(["CC", item])
        with pytest.warns(InvalidInputWarning, match=rf"rows 1 \(.*got {name}\)"):
            X = FingerprintFeaturizer(errors="nan").fit_transform(["CC", item])
        assert np.isnan(X[1]).all() and not np.isnan(X[0]).any()

    def test_a_long_value_is_shortened_in_the_message(self):
        with pytest.raises(ValueError) as info:
            FingerprintFeaturizer().fit_transform(["C" * 5000 + "("])
        assert len(str(info.value)) < 300 and "5003 characters" in str(info.value)


class TestIterables:
    def test_a_generator_is_read_once(self, qm9_smiles):
        expected = _fp(qm9_smiles[:50])
        got = FingerprintFeaturizer().fit_transform(s for s in qm9_smiles[:50])
        np.testing.assert_array_equal(got, expected)
        fitted = FingerprintFeaturizer().fit(qm9_smiles[:5])
        np.testing.assert_array_equal(fitted.transform(iter(qm9_smiles[:50])), expected)

    def test_map_and_range_like_iterables(self, qm9_smiles):
        got = FingerprintFeaturizer().fit_transform(map(str.strip, qm9_smiles[:20]))
        np.testing.assert_array_equal(got, _fp(qm9_smiles[:20]))

    @pytest.mark.parametrize("X", [{"CC", "CCO"}, frozenset({"CC"}), {"CC": 1}])
    def test_unordered_containers_are_rejected(self, X):
        with pytest.raises(ValueError, match="ordered 1-D sequence of SMILES"):
            FingerprintFeaturizer().fit(X)


class TestParameterValidation:
    @pytest.mark.parametrize(
        ("params", "match"),
        [
            ({"n_bits": True}, "'n_bits' parameter .* must not be a bool"),
            ({"n_bits": np.True_}, "'n_bits' parameter .* Got np.True_"),
            ({"radius": False}, "'radius' parameter .* must not be a bool"),
            ({"n_jobs": True}, "n_jobs"),
            ({"n_bits": 10**9}, r"'n_bits' parameter .* range \[1, 1048576\]"),
            ({"n_bits": 2048.0}, r"'n_bits' parameter .* an int"),
            ({"n_bits": "2048"}, r"'n_bits' parameter"),
            ({"radius": 33}, r"'radius' parameter .* range \[0, 32\]"),
            ({"radius": 1.5}, r"'radius' parameter"),
            ({"counts": 1}, r"'counts' parameter .* an instance of 'bool'"),
            ({"sparse": "yes"}, r"'sparse' parameter"),
            ({"polymer": ["cyclic"]}, r"'polymer' parameter"),
            ({"errors": ["nan"]}, "errors must be 'raise' or 'nan'"),
            ({"kind": 3}, r"'kind' parameter"),
        ],
    )
    def test_types_and_bounds_are_checked_in_fit(self, params, match):
        est = FingerprintFeaturizer(**params)  # __init__ stores
        assert est.get_params()[next(iter(params))] is next(iter(params.values()))
        with pytest.raises(ValueError, match=match):
            est.fit(["C"])

    def test_n_bits_too_large_fails_before_allocating(self):
        import tracemalloc

        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match="n_bits"):
                FingerprintFeaturizer(n_bits=10**9).fit_transform(["CC"])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 50e6, peak

    def test_the_bounds_themselves_are_accepted(self):
        from sklearn_shotgun.featurizers.fingerprint import MAX_N_BITS, MAX_RADIUS

        X = FingerprintFeaturizer(n_bits=MAX_N_BITS, radius=MAX_RADIUS).fit_transform(["CCO"])
        assert X.shape == (1, MAX_N_BITS) and 0 < X.sum() < 50
        X = FingerprintFeaturizer(n_bits=np.int64(64), radius=np.int32(0)).fit_transform(["CC"])
        assert X.shape == (1, 64)


class TestCyclicClosure:
    @staticmethod
    def _canonical(mol):
        # Round trip: the canonical SMILES of a freshly built ring can differ in notation.
        return Chem.MolToSmiles(Chem.MolFromSmiles(Chem.MolToSmiles(mol)))

    def test_separate_fragments_are_named(self):
        with pytest.raises(ValueError, match=r"row 0: '\*CC\.\*CC'.*in separate fragments"):
            _fp(["*CC.*CC"], polymer="cyclic")
        with pytest.raises(ValueError, match="bonded to each other"):
            _fp(["**"], polymer="cyclic")
        with pytest.raises(ValueError, match="exactly two '\\*' atoms, found 3"):
            _fp(["*C(*)(*)"], polymer="cyclic")
        with pytest.raises(ValueError, match=r"every '\*' must be bonded to exactly one atom"):
            _fp(["C*C.*C"], polymer="cyclic")

    @pytest.mark.parametrize(
        ("unit", "ring"),
        [
            # E/Z stereo is defined through the '*': molzip keeps it.
            ("*/C=C/CC*", "C1/C=C/CC/C=C/C1"),
            ("*/C=C\\CC*", "C1/C=C\\CC/C=C\\C1"),
            ("*CC/C=C/*", "C1C/C=C/CC/C=C/1"),
            # tetrahedral centres next to and between the attachment points
            ("*[C@H](F)CC*", "C1[C@H](F)CC[C@H](F)C1"),
            ("*[C@@H](F)CC*", "C1[C@@H](F)CC[C@@H](F)C1"),
            ("*[C@H](Cl)[C@@H](F)C*", "C1[C@H](Cl)[C@@H](F)C[C@H](Cl)[C@H]1F"),
        ],
    )
    def test_stereo_survives_the_closure(self, unit, ring):
        from sklearn_shotgun.featurizers.fingerprint import _prepare

        closed = _prepare(Chem.MolFromSmiles(unit), "cyclic")
        expected = Chem.MolFromSmiles(ring)
        assert self._canonical(closed) == self._canonical(expected)
        # With chirality in the fingerprint, the closed unit is the ring written by hand.
        from rdkit.Chem import rdFingerprintGenerator as rfg

        gen = rfg.GetMorganGenerator(radius=3, fpSize=4096, includeChirality=True)
        np.testing.assert_array_equal(
            gen.GetCountFingerprintAsNumPy(closed), gen.GetCountFingerprintAsNumPy(expected)
        )
        np.testing.assert_array_equal(
            _fp([unit], polymer="cyclic", kind=["morgan", "rdkit", "atom_pair"]),
            _fp([ring], kind=["morgan", "rdkit", "atom_pair"]),
        )

    def test_e_and_z_units_give_different_rings(self):
        from sklearn_shotgun.featurizers.fingerprint import _prepare

        e = _prepare(Chem.MolFromSmiles("*/C=C/CC*"), "cyclic")
        z = _prepare(Chem.MolFromSmiles("*/C=C\\CC*"), "cyclic")
        assert self._canonical(e) != self._canonical(z)
        stereo = {b.GetStereo() for b in e.GetBonds() if b.GetBondType() == Chem.BondType.DOUBLE}
        assert stereo == {Chem.BondStereo.STEREOE}

    def test_units_without_stereo_close_as_before(self, polymer_smiles):
        from sklearn_shotgun.featurizers.fingerprint import _prepare

        # polystyrene -> 1,3,5-triphenylcyclohexane; PTFE -> perfluorocyclohexane
        for unit, ring in [
            ("*CC(*)c1ccccc1", "c1ccc(C2CC(c3ccccc3)CC(c3ccccc3)C2)cc1"),
            ("*C(F)(F)*", "FC1(F)C(F)(F)C(F)(F)C(F)(F)C(F)(F)C1(F)F"),
            ("[*:1]CC[*:2]", "C1CCCCC1"),
        ]:
            closed = _prepare(Chem.MolFromSmiles(unit), "cyclic")
            assert self._canonical(closed) == self._canonical(Chem.MolFromSmiles(ring))
        # Every RadonPy unit becomes k copies of itself, without '*', plus one ring.
        for unit in polymer_smiles:
            mol = Chem.MolFromSmiles(unit)
            closed = _prepare(mol, "cyclic")
            atoms = sum(a.GetAtomicNum() > 0 for a in mol.GetAtoms())
            k, rest = divmod(closed.GetNumAtoms(), atoms)
            assert rest == 0 and k >= 1, unit
            assert not any(a.GetAtomicNum() == 0 for a in closed.GetAtoms())
            rings = closed.GetRingInfo().NumRings()
            assert rings == k * mol.GetRingInfo().NumRings() + 1, unit
