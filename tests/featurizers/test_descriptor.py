"""DescriptorFeaturizer on real molecules (QM9, ESOL) and polymer repeat units (RadonPy)."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import Descriptors
from sklearn.base import clone

from sklearn_shotgun import DescriptorFeaturizer, ModelLibrary, ShotgunPretrainer
from sklearn_shotgun.featurizers import RDKIT2D_DESCRIPTORS, _base
from sklearn_shotgun.featurizers._base import InvalidInputWarning
from sklearn_shotgun.library.source_model import featurizer_spec, get_featurizer_class


class TestPerHeavyAtom:
    def test_extensive_descriptors_are_found_by_the_doubling_test(self):
        from sklearn_shotgun.featurizers.descriptor import _extensive_mask

        mask = dict(zip(RDKIT2D_DESCRIPTORS, _extensive_mask(RDKIT2D_DESCRIPTORS), strict=True))
        for name in ("MolWt", "HeavyAtomCount", "NumHDonors", "TPSA", "MolMR", "fr_benzene"):
            assert mask[name], name
        for name in ("FractionCSP3", "qed", "MaxEStateIndex", "BalabanJ", "MaxPartialCharge"):
            assert not mask[name], name

    def test_values_are_rdkit_s_divided_by_the_heavy_atoms(self, esol_smiles):
        from sklearn_shotgun.featurizers.descriptor import _extensive_mask

        mask = _extensive_mask(RDKIT2D_DESCRIPTORS)
        raw = _desc(esol_smiles, scaling="none")
        per_atom = _desc(esol_smiles, scaling="none", normalize="per_heavy_atom")
        sizes = np.array([Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in esol_smiles])
        np.testing.assert_allclose(per_atom[:, mask], raw[:, mask] / sizes[:, None], rtol=1e-12)
        np.testing.assert_array_equal(per_atom[:, ~mask], raw[:, ~mask])
        scaled = _desc(esol_smiles, normalize="per_heavy_atom")
        np.testing.assert_allclose(scaled, _signlog(per_atom), rtol=1e-12)
        # Ethanol: 46.069 g/mol over 3 heavy atoms.
        fp = DescriptorFeaturizer(scaling="none", normalize="per_heavy_atom").fit(["CCO"])
        names = list(fp.get_feature_names_out())
        assert fp.transform(["CCO"])[0, names.index("rdkit2d_MolWt_per_heavy_atom")] == (
            pytest.approx(46.069 / 3)
        )

    def test_two_copies_of_a_molecule_look_like_one(self, esol_smiles):
        from sklearn_shotgun.featurizers.descriptor import _extensive_mask

        mask = _extensive_mask(RDKIT2D_DESCRIPTORS)
        one = _desc(esol_smiles[:20], normalize="per_heavy_atom", scaling="none")
        two = _desc(
            [f"{s}.{s}" for s in esol_smiles[:20]], normalize="per_heavy_atom", scaling="none"
        )
        np.testing.assert_allclose(two[:, mask], one[:, mask], rtol=1e-9, atol=1e-12)
        plain = _desc(esol_smiles[:20], scaling="none")
        assert not np.allclose(
            plain[:, mask], _desc([f"{s}.{s}" for s in esol_smiles[:20]], scaling="none")[:, mask]
        )

    def test_feature_names_say_which_columns_are_per_heavy_atom(self):
        fp = DescriptorFeaturizer(
            descriptors=["MolWt", "qed", "NumHDonors"], normalize="per_heavy_atom"
        ).fit(["C"])
        assert fp.get_feature_names_out().tolist() == [
            "rdkit2d_MolWt_per_heavy_atom",
            "rdkit2d_qed",
            "rdkit2d_NumHDonors_per_heavy_atom",
        ]

    def test_dummy_atoms_are_not_counted(self):
        fp = DescriptorFeaturizer(
            descriptors=["HeavyAtomCount", "MolWt"], scaling="none", normalize="per_heavy_atom"
        ).fit([STYRENE])
        # Polystyrene's unit has 8 heavy atoms and two dummy atoms of no mass.
        np.testing.assert_allclose(fp.transform([STYRENE])[0], [1.0, 104.152 / 8], rtol=1e-4)

    def test_a_stored_spec_without_the_option_reads_as_none(self, qm9_smiles):
        spec = featurizer_spec(DescriptorFeaturizer())
        del spec["params"]["normalize"]  # as written before the option existed
        rebuilt = get_featurizer_class(spec["class"])(**spec["params"])
        np.testing.assert_array_equal(rebuilt.fit_transform(qm9_smiles[:5]), _desc(qm9_smiles[:5]))


STYRENE = "*CC(*)c1ccccc1"
BISPHENOL_A_PC = "*Oc1ccc(cc1)C(C)(C)c1ccc(cc1)OC(=O)*"
KAPTON = "*c1ccc(cc1)Oc1ccc(cc1)N1C(=O)c2cc3C(=O)N(*)C(=O)c3cc2C1=O"
CHARGE_DESCRIPTORS = [
    "MaxPartialCharge",
    "MinPartialCharge",
    "MaxAbsPartialCharge",
    "MinAbsPartialCharge",
    *(f"BCUT2D_{s}" for s in ("MWHI", "MWLOW", "CHGHI", "CHGLO", "LOGPHI", "LOGPLOW", "MRHI")),
    "BCUT2D_MRLOW",
]


def _desc(smiles, **params):
    return DescriptorFeaturizer(**params).fit_transform(smiles)


def _rdkit(smiles, names=RDKIT2D_DESCRIPTORS):
    """RDKit's own descriptor functions, called one by one."""
    table = dict(Descriptors._descList)
    with rdBase.BlockLogs():
        return np.array(
            [[table[n](Chem.MolFromSmiles(s)) for n in names] for s in smiles], dtype=np.float64
        )


def _signlog(x):
    return np.sign(x) * np.log1p(np.abs(x))


def _col(featurizer, name):
    return list(featurizer.get_feature_names_out()).index(f"rdkit2d_{name}")


@pytest.fixture(scope="module")
def esol_smiles(shared_data):
    frame = pd.read_csv(
        shared_data / "smallmol_moleculenet_esol_freesolv_lipo" / "ESOL_delaney-processed.csv"
    )
    return frame["smiles"].str.strip().iloc[::8].tolist()  # 141 drug-like molecules


class TestValues:
    def test_ethanol_molecular_weight(self):
        fp = DescriptorFeaturizer().fit(["CCO"])
        X = fp.transform(["CCO"])
        assert X[0, _col(fp, "MolWt")] == math.log1p(Descriptors.MolWt(Chem.MolFromSmiles("CCO")))
        assert X[0, _col(fp, "MolWt")] == pytest.approx(math.log1p(46.069))
        raw = DescriptorFeaturizer(scaling="none").fit_transform(["CCO"])
        assert raw[0, _col(fp, "MolWt")] == pytest.approx(46.069)
        assert raw[0, _col(fp, "NumHDonors")] == 1 and raw[0, _col(fp, "HeavyAtomCount")] == 3

    def test_raw_values_equal_rdkit_on_qm9_and_esol(self, qm9_smiles, esol_smiles):
        smiles = qm9_smiles[::5] + esol_smiles
        raw = _desc(smiles, scaling="none")
        expected = _rdkit(smiles)
        assert raw.dtype == np.float64 and raw.shape == (len(smiles), len(RDKIT2D_DESCRIPTORS))
        assert np.isfinite(expected).all()  # plain organic molecules: nothing to replace
        np.testing.assert_array_equal(raw, expected)

    def test_signlog_is_applied_to_every_column(self, qm9_smiles, esol_smiles):
        smiles = qm9_smiles[:50] + esol_smiles[:50]
        scaled = _desc(smiles)
        np.testing.assert_allclose(scaled, _signlog(_rdkit(smiles)), rtol=1e-15, atol=0)

    def test_negative_values_keep_their_sign(self):
        fp = DescriptorFeaturizer(descriptors=["MolLogP", "MinPartialCharge"]).fit(["C"])
        glycine = fp.transform(["NCC(=O)O"])[0]
        logp = Descriptors.MolLogP(Chem.MolFromSmiles("NCC(=O)O"))
        assert logp < 0
        assert glycine[0] == -math.log1p(-logp)
        assert glycine[1] < 0  # the carboxyl oxygen carries a negative Gasteiger charge

    def test_heavy_tails_are_compressed(self, esol_smiles):
        names = ["Ipc", "BertzCT", "MolWt"]
        raw = _desc(esol_smiles, descriptors=names, scaling="none")
        scaled = _desc(esol_smiles, descriptors=names)
        assert raw[:, 0].max() > 1e10  # Ipc of the larger molecules
        assert scaled.max() < 40
        # Monotonic: sorted by the raw values, every scaled column is non-decreasing.
        for j in range(len(names)):
            assert (np.diff(scaled[np.argsort(raw[:, j]), j]) >= 0).all()

    def test_feature_names(self):
        fp = DescriptorFeaturizer().fit(["C"])
        names = list(fp.get_feature_names_out())
        assert names == [f"rdkit2d_{n}" for n, _ in Descriptors._descList]
        assert fp.n_features_out_ == len(Descriptors._descList) == len(set(names))
        assert {"rdkit2d_MolWt", "rdkit2d_TPSA", "rdkit2d_Ipc", "rdkit2d_fr_benzene"} <= set(names)

    def test_descriptor_subset_in_the_given_order(self, qm9_smiles):
        smiles = qm9_smiles[:40]
        subset = ["TPSA", "MolWt", "fr_benzene", "BCUT2D_MWHI"]
        fp = DescriptorFeaturizer(descriptors=subset).fit(smiles)
        assert list(fp.get_feature_names_out()) == [f"rdkit2d_{n}" for n in subset]
        full = DescriptorFeaturizer().fit(smiles)
        columns = [_col(full, n) for n in subset]
        np.testing.assert_array_equal(fp.transform(smiles), full.transform(smiles)[:, columns])
        # A tuple selects the same columns.
        np.testing.assert_array_equal(
            _desc(smiles, descriptors=tuple(subset)), fp.transform(smiles)
        )


class TestNonFiniteValues:
    def test_rdkit_nan_becomes_zero(self):
        # No Gasteiger parameters for selenium: RDKit returns NaN for the twelve charge
        # descriptors of dimethyl selenide.
        selenide = _rdkit(["C[Se]C"], CHARGE_DESCRIPTORS)
        assert np.isnan(selenide).all()
        for scaling in ("signlog", "none"):
            fp = DescriptorFeaturizer(scaling=scaling).fit(["C[Se]C"])
            X = fp.transform(["C[Se]C", "CSC"])
            assert np.isfinite(X).all()
            charge = [_col(fp, n) for n in CHARGE_DESCRIPTORS]
            assert (X[0, charge] == 0).all()
            assert (X[1, charge] != 0).any()  # dimethyl sulfide has charges
            # The other descriptors of the selenide are RDKit's.
            assert X[0, _col(fp, "HeavyAtomCount")] == (3 if scaling == "none" else math.log1p(3))

    def test_a_descriptor_that_raises_becomes_zero(self):
        # RDKit's spacial score divides by a count that excludes dummy atoms, so it raises
        # for a unit made of attachment points only; the other descriptors are kept.
        unit = "**"
        with pytest.raises(ZeroDivisionError):
            Descriptors.SPS(Chem.MolFromSmiles(unit))
        fp = DescriptorFeaturizer(scaling="none").fit([unit])
        X = fp.transform([unit, "CCO"])
        assert np.isfinite(X).all()
        assert X[0, _col(fp, "SPS")] == 0 and X[1, _col(fp, "SPS")] != 0
        assert X[0, _col(fp, "NumValenceElectrons")] == Descriptors.NumValenceElectrons(
            Chem.MolFromSmiles(unit)
        )

    def test_cyclic_keeps_the_stereo_of_the_double_bonds(self):
        # 1,4-polybutadiene (trans): the closed unit is (1E,5E)-cycloocta-1,5-diene. Before
        # the closure kept E/Z stereo, RDKit's spacial score raised on the ring it made.
        unit, ring = "*/C=C/CC*", "C1/C=C/CC/C=C/C1"
        fp = DescriptorFeaturizer(polymer="cyclic").fit([unit])
        X = fp.transform([unit])
        assert np.isfinite(X).all()
        np.testing.assert_allclose(X, DescriptorFeaturizer().fit_transform([ring]), rtol=1e-12)
        assert X[0, _col(fp, "SPS")] != 0
        assert X[0, _col(fp, "HeavyAtomCount")] == math.log1p(8)  # a ring of two units

    def test_valid_inputs_always_give_finite_output(self, polymer_smiles, esol_smiles):
        for mode in ("dummy", "hydrogen", "cyclic"):
            X = _desc(polymer_smiles[::4] + esol_smiles[:30], polymer=mode)
            assert np.isfinite(X).all(), mode


class TestPolymers:
    @pytest.mark.parametrize("mode", ["dummy", "hydrogen", "cyclic"])
    def test_typical_units_are_finite(self, mode):
        X = _desc([STYRENE, BISPHENOL_A_PC, KAPTON, "*CC*", "*C(F)(F)*"], polymer=mode)
        assert np.isfinite(X).all()
        assert (X != 0).sum(axis=1).min() > 40

    def test_dummy_keeps_the_stars_as_atoms(self):
        fp = DescriptorFeaturizer(scaling="none", polymer="dummy").fit([STYRENE])
        unit, ethylbenzene = fp.transform([STYRENE, "CCc1ccccc1"])
        # A dummy atom has no mass and no hydrogens: C8H8, not ethylbenzene's C8H10.
        assert unit[_col(fp, "MolWt")] == pytest.approx(104.152, abs=1e-3)
        assert ethylbenzene[_col(fp, "MolWt")] == pytest.approx(106.168, abs=1e-3)
        # RDKit does not count dummy atoms as heavy atoms.
        assert unit[_col(fp, "HeavyAtomCount")] == ethylbenzene[_col(fp, "HeavyAtomCount")] == 8

    def test_dummy_takes_charges_from_the_capped_unit(self, polymer_smiles):
        units = [STYRENE, BISPHENOL_A_PC, KAPTON, *polymer_smiles[:40]]
        # RDKit itself has no charges for dummy atoms.
        assert np.isnan(_rdkit([STYRENE], CHARGE_DESCRIPTORS)).all()
        dummy = DescriptorFeaturizer(polymer="dummy").fit(units)
        hydrogen = DescriptorFeaturizer(polymer="hydrogen").fit(units)
        charge = [_col(dummy, n) for n in CHARGE_DESCRIPTORS]
        D, H = dummy.transform(units), hydrogen.transform(units)
        np.testing.assert_array_equal(D[:, charge], H[:, charge])
        assert (D[:, charge] != 0).all(axis=1).any()
        # Every other descriptor sees the dummy atoms.
        other = [j for j in range(D.shape[1]) if j not in charge]
        assert (D[:, other] != H[:, other]).any(axis=1).all()

    def test_hydrogen_and_cyclic_equal_the_molecules(self):
        styrene_unit, ethylbenzene = _desc([STYRENE, "CCc1ccccc1"], polymer="hydrogen")
        np.testing.assert_array_equal(styrene_unit, ethylbenzene)
        pe, cyclohexane = _desc(["*CC*", "C1CCCCC1"], polymer="cyclic")
        np.testing.assert_array_equal(pe, cyclohexane)
        ps, triphenylcyclohexane = _desc(
            [STYRENE, "C1C(c2ccccc2)CC(c2ccccc2)CC1c1ccccc1"], polymer="cyclic"
        )
        np.testing.assert_allclose(ps, triphenylcyclohexane, rtol=1e-12)

    def test_the_three_treatments_differ_for_polystyrene(self):
        dummy, hydrogen, cyclic = (
            _desc([STYRENE], polymer=m)[0] for m in ("dummy", "hydrogen", "cyclic")
        )
        assert not np.array_equal(dummy, hydrogen)
        assert not np.array_equal(hydrogen, cyclic)
        assert not np.array_equal(dummy, cyclic)

    def test_molecules_without_stars_are_unaffected(self, qm9_smiles):
        smiles = qm9_smiles[:60]
        base = _desc(smiles)
        for mode in ("hydrogen", "cyclic"):
            np.testing.assert_array_equal(_desc(smiles, polymer=mode), base)

    def test_cyclic_needs_two_attachment_points(self):
        with pytest.raises(ValueError, match=r"row 1: '\*CC'.*exactly two"):
            _desc(["*CC*", "*CC"], polymer="cyclic")


class TestInputs:
    def test_mols_and_smiles_give_the_same_result(self, qm9_smiles):
        smiles = qm9_smiles[:30]
        mols = [Chem.MolFromSmiles(s) for s in smiles]
        np.testing.assert_array_equal(_desc(mols), _desc(smiles))
        np.testing.assert_array_equal(_desc(pd.Series(smiles)), _desc(smiles))

    def test_text_after_the_smiles_is_rejected(self):
        # RDKit's default parser would read "junk" as the name of an ethane molecule.
        assert Chem.MolFromSmiles("CC junk") is not None
        with pytest.raises(ValueError, match=r"row 1: 'CC junk' \(character ' ' at position 2"):
            _desc(["CCO", "CC junk"])
        # Surrounding blanks are harmless.
        np.testing.assert_array_equal(_desc([" CCO "]), _desc(["CCO"]))

    @pytest.mark.parametrize("junk", ["\u00e9CC", "\x00CC", "CC\x00", "CC\njunk", "CC\x0bO"])
    def test_junk_rdkit_would_read_as_a_molecule_is_invalid(self, junk):
        with pytest.raises(ValueError, match=r"row 1: .*\(character .* at position"):
            _desc(["CCO", junk])

    @pytest.mark.parametrize("item", [7, 2.5, b"CCO", ["CCO"], {"C": 1}, np.int64(1)])
    def test_non_string_items_are_invalid_rows(self, item):
        name = type(item).__name__
        with pytest.raises(ValueError, match=rf"row 1: .*got {name}"):
            DescriptorFeaturizer().fit(["CCO", item])
        with pytest.warns(InvalidInputWarning, match=rf"rows 1 \(.*got {name}\)"):
            X = DescriptorFeaturizer(errors="nan").fit_transform(["CCO", item])
        assert np.isnan(X[1]).all() and np.isfinite(X[0]).all()

    def test_an_unsanitized_mol_gives_the_molecule_s_descriptors(self):
        # Every descriptor used to fail on it and silently become 0.
        raw = Chem.MolFromSmiles("c1ccccc1O", sanitize=False)
        np.testing.assert_array_equal(_desc([raw]), _desc(["c1ccccc1O"]))
        with pytest.raises(ValueError, match="cannot sanitize this Mol"):
            _desc([Chem.MolFromSmiles("c1cccc1", sanitize=False)])

    def test_a_generator_is_read_once(self, qm9_smiles):
        np.testing.assert_array_equal(
            DescriptorFeaturizer().fit_transform(iter(qm9_smiles[:5])), _desc(qm9_smiles[:5])
        )

    @pytest.mark.parametrize("bad", [None, np.nan, "", "  ", "C1CC", "Xx", "CC junk"])
    def test_invalid_value_names_row_and_value(self, bad):
        with pytest.raises(ValueError, match=rf"row 2: {pd.Series([bad]).map(repr)[0]!s}"[:60]):
            DescriptorFeaturizer().fit(["C"]).transform(["CCO", "CC", bad, "O"])

    def test_wrong_type_is_caught_at_fit_and_transform(self):
        with pytest.raises(ValueError, match=r"row 1: 3\.5 \(expected str or Mol, got float\)"):
            DescriptorFeaturizer().fit(["CCO", 3.5])
        with pytest.raises(ValueError, match=r"row 1: 3\.5 \(expected a SMILES string"):
            DescriptorFeaturizer().fit(["C"]).transform(["CCO", 3.5])

    def test_errors_nan_gives_nan_rows_and_one_warning(self, qm9_smiles):
        smiles = [*qm9_smiles[:10], "C1CC", None, "CC junk", *qm9_smiles[10:15]]
        fp = DescriptorFeaturizer(errors="nan").fit(smiles)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X = fp.transform(smiles)
        ours = [w for w in caught if issubclass(w.category, InvalidInputWarning)]
        assert len(ours) == 1
        message = str(ours[0].message)
        assert "3 invalid SMILES" in message
        assert "10 ('C1CC'" in message and "11 (None" in message and "12 ('CC junk'" in message
        assert X.dtype == np.float64
        assert np.isnan(X[10:13]).all()
        assert np.isfinite(np.delete(X, [10, 11, 12], axis=0)).all()
        np.testing.assert_array_equal(X[:10], _desc(qm9_smiles[:10]))

    def test_invalid_parameters(self):
        for params, match in [
            ({"kind": "mordred"}, "kind must be one of 'rdkit2d'"),
            ({"kind": ["rdkit2d"]}, "kind must be"),
            ({"polymer": "periodic"}, "polymer"),
            ({"scaling": "log"}, "scaling"),
            ({"descriptors": ["MolWt", "NoSuchDescriptor"]}, r"\['NoSuchDescriptor'\]; valid"),
            ({"descriptors": "MolWt"}, "wrap it in a list"),
            ({"descriptors": []}, "at least one"),
            ({"descriptors": ["TPSA", "TPSA"]}, "more than once"),
            ({"descriptors": 3}, "list of descriptor names"),
            ({"errors": "ignore"}, "errors"),
            ({"errors": ["nan"]}, "errors"),
            ({"n_jobs": 0}, "n_jobs"),
            ({"n_jobs": True}, "n_jobs"),
            ({"polymer": ["dummy"]}, "polymer"),
            ({"scaling": None}, "scaling"),
            ({"normalize": "per_atom"}, "normalize must be None or 'per_heavy_atom'"),
            ({"normalize": True}, "normalize"),
        ]:
            est = DescriptorFeaturizer(**params)  # __init__ only stores
            with pytest.raises(ValueError, match=match):
                est.fit(["C"])

    def test_unknown_descriptor_lists_the_valid_names(self):
        with pytest.raises(ValueError) as info:
            DescriptorFeaturizer(descriptors=["molwt"]).fit(["C"])
        assert all(name in str(info.value) for name in ("MolWt", "TPSA", "fr_urea"))


class TestOutputAndParallelism:
    def test_n_jobs_gives_identical_results(self, qm9_smiles, polymer_smiles, monkeypatch):
        # Small chunks so that the rows really go through several joblib tasks.
        monkeypatch.setattr(_base, "_CHUNK_ROWS", 64)
        smiles = qm9_smiles[:200] + polymer_smiles[:60] + ["C[Se]C"]
        serial = _desc(smiles, n_jobs=1)
        parallel = _desc(smiles, n_jobs=2)
        assert parallel.dtype == np.float64
        np.testing.assert_array_equal(serial, parallel)

    def test_n_jobs_reports_bad_rows_with_global_indices(self, qm9_smiles, monkeypatch):
        monkeypatch.setattr(_base, "_CHUNK_ROWS", 64)
        smiles = list(qm9_smiles[:200])
        smiles[150] = "not a smiles"
        with pytest.raises(ValueError, match="row 150: 'not a smiles'"):
            _desc(smiles, n_jobs=2, descriptors=["MolWt"])
        with pytest.warns(InvalidInputWarning, match="rows 150 "):
            X = _desc(smiles, n_jobs=2, errors="nan", descriptors=["MolWt"])
        assert np.isnan(X[150]).all() and not np.isnan(X[149]).any()

    def test_set_output_pandas(self, qm9_smiles):
        fp = DescriptorFeaturizer().set_output(transform="pandas")
        frame = fp.fit_transform(qm9_smiles[:10])
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == list(fp.get_feature_names_out())
        assert frame.shape == (10, len(RDKIT2D_DESCRIPTORS))
        assert (frame.dtypes == np.float64).all()
        assert frame["rdkit2d_MolWt"].iloc[0] == math.log1p(
            Descriptors.MolWt(Chem.MolFromSmiles(qm9_smiles[0]))
        )

    def test_fit_transform_equals_transform_and_row_subsets(self, qm9_smiles):
        smiles = qm9_smiles[:80]
        fp = DescriptorFeaturizer()
        full = fp.fit_transform(smiles)
        np.testing.assert_array_equal(full, clone(fp).fit(["C"]).transform(smiles))
        order = np.random.default_rng(0).permutation(len(smiles))
        np.testing.assert_array_equal(fp.transform([smiles[i] for i in order]), full[order])
        np.testing.assert_array_equal(fp.transform(smiles[5:9]), full[5:9])


class TestEstimatorConventions:
    def test_signature_and_defaults(self):
        params = DescriptorFeaturizer().get_params()
        assert params == {
            "kind": "rdkit2d",
            "polymer": "dummy",
            "errors": "raise",
            "n_jobs": None,
            "descriptors": None,
            "scaling": "signlog",
            "normalize": None,
        }

    def test_clone_and_params(self):
        fp = DescriptorFeaturizer(polymer="cyclic", descriptors=["MolWt", "TPSA"], scaling="none")
        cloned = clone(fp)
        assert cloned.get_params() == fp.get_params()
        assert cloned.descriptors == ["MolWt", "TPSA"]
        cloned.set_params(scaling="signlog")
        assert fp.scaling == "none"

    def test_pickle_fitted(self, qm9_smiles):
        fp = DescriptorFeaturizer(descriptors=["MolWt", "Ipc", "qed"]).fit(qm9_smiles[:5])
        restored = pickle.loads(pickle.dumps(fp))
        np.testing.assert_array_equal(
            restored.transform(qm9_smiles[:50]), fp.transform(qm9_smiles[:50])
        )

    def test_unfitted_transform_raises(self):
        from sklearn.exceptions import NotFittedError

        with pytest.raises(NotFittedError):
            DescriptorFeaturizer().transform(["C"])

    def test_repr(self):
        assert repr(DescriptorFeaturizer(polymer="hydrogen")) == (
            "DescriptorFeaturizer(polymer='hydrogen')"
        )


class TestLibraryRoundTrip:
    def test_featurizer_spec_round_trip(self):
        for fp in (DescriptorFeaturizer(), DescriptorFeaturizer(descriptors=["MolWt", "TPSA"])):
            spec = featurizer_spec(fp)
            assert spec["class"] == "DescriptorFeaturizer"
            rebuilt = get_featurizer_class(spec["class"])(**spec["params"])
            assert rebuilt.get_params() == fp.get_params()

    def test_pretrained_pool_saves_and_loads(self, qm9_frame, tmp_path):
        frame = qm9_frame.iloc[::30].iloc[:100]
        smiles, y = frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"].to_numpy()
        pool = ShotgunPretrainer(
            DescriptorFeaturizer(), n_models=2, max_epochs=3, random_state=0, verbose=0
        ).fit(smiles, y)
        pool.library_.save(tmp_path / "pool")
        loaded = ModelLibrary.load(tmp_path / "pool")
        assert len(loaded) == 2
        for model in loaded:
            assert model.descriptor == "rdkit2d"
            featurizer = model.make_featurizer()
            assert isinstance(featurizer, DescriptorFeaturizer)
            assert featurizer.get_params() == DescriptorFeaturizer().get_params()
        expected = pool.predict(smiles)
        assert np.isfinite(expected).all()
        np.testing.assert_array_equal(
            np.mean([m.predict(smiles) for m in loaded], axis=0), expected
        )
        for original, restored in zip(pool.library_, loaded, strict=True):
            np.testing.assert_array_equal(restored.predict(smiles), original.predict(smiles))
