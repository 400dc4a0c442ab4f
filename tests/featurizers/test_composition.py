"""CompositionFeaturizer on real formulas (Materials Project, experimental band gaps)."""

from __future__ import annotations

import importlib.util
import pickle
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition, Lattice, Molecule, Species, Structure
from rdkit import Chem
from sklearn.base import clone

from sklearn_shotgun.featurizers import _base
from sklearn_shotgun.featurizers._base import InvalidInputWarning
from sklearn_shotgun.featurizers._formula import parse_formula
from sklearn_shotgun.featurizers.composition import COMPOSITION_STATS, CompositionFeaturizer
from sklearn_shotgun.featurizers.elements import load_element_table

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATS = ("mean", "sum", "var", "max", "min")


@pytest.fixture(scope="module")
def bench():
    """benchmarks/bench_composition.py, whose per-row loop is the reference."""
    path = ROOT / "benchmarks" / "bench_composition.py"
    spec = importlib.util.spec_from_file_location("bench_composition", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def formulas(shared_data) -> list[str]:
    """1,000 real formulas: 500 from MP (e_form) and 500 experimental ones with brackets
    and decimals (matbench expt_gap)."""
    folder = shared_data / "inorganic_crabnet_matbench_formula"
    mp = pd.read_csv(folder / "mp_e_form.csv", nrows=20000)["formula"].iloc[::40]
    expt = pd.read_csv(folder / "expt_gap.csv")["formula"]
    expt = expt[expt.str.contains(r"[(.]")].iloc[:250].tolist() + expt.iloc[::18].tolist()
    return (mp.tolist() + expt)[:1000]


def _column(cf, name):
    return list(cf.get_feature_names_out()).index(name)


class TestValues:
    def test_nacl_and_fe2o3_by_hand(self):
        cf = CompositionFeaturizer().fit(["NaCl"])
        nacl, fe2o3 = cf.transform(["NaCl", "Fe2O3"])
        assert nacl[_column(cf, "mean:atomic_number")] == 14.0
        assert nacl[_column(cf, "var:atomic_number")] == 9.0
        assert nacl[_column(cf, "max:atomic_number")] == 17.0
        assert nacl[_column(cf, "min:atomic_number")] == 11.0
        assert fe2o3[_column(cf, "sum:atomic_number")] == 2 * 26 + 3 * 8
        assert fe2o3[_column(cf, "mean:atomic_number")] == pytest.approx(0.4 * 26 + 0.6 * 8)
        assert fe2o3[_column(cf, "var:atomic_number")] == pytest.approx(
            0.4 * (26 - 15.2) ** 2 + 0.6 * (8 - 15.2) ** 2
        )

    def test_geometric_and_harmonic_means_by_hand(self):
        cf = CompositionFeaturizer(stats=["gmean", "hmean"]).fit(["Fe2O3"])
        (row,) = cf.transform(["Fe2O3"])
        assert row[_column(cf, "gmean:atomic_number")] == pytest.approx((26**2 * 8**3) ** (1 / 5))
        assert row[_column(cf, "hmean:atomic_number")] == pytest.approx(5 / (2 / 26 + 3 / 8))

    def test_default_290_features(self):
        cf = CompositionFeaturizer().fit(["NaCl"])
        names = cf.get_feature_names_out()
        assert cf.n_features_out_ == 290 == len(names)
        assert names[0] == "mean:atomic_number"
        assert names[58] == "sum:atomic_number"
        table = load_element_table()
        assert [n.split(":")[1] for n in names[:58]] == list(table.columns)
        assert [n.split(":")[0] for n in names[::58]] == list(DEFAULT_STATS)

    def test_single_element_has_zero_variance(self):
        cf = CompositionFeaturizer(stats=["var", "mean", "max"]).fit(["Fe"])
        (row,) = cf.transform(["Fe3"])
        np.testing.assert_array_equal(row[:58], 0.0)
        np.testing.assert_array_equal(row[58:116], row[116:])

    @pytest.mark.parametrize("stats", [DEFAULT_STATS, COMPOSITION_STATS])
    def test_matches_per_row_reference(self, bench, formulas, stats):
        cf = CompositionFeaturizer(stats=stats).fit(formulas)
        ours = cf.transform(formulas)
        comps = [Composition(f).get_el_amt_dict() for f in formulas]
        ref = bench.per_row_features(comps, cf.element_table_, stats)
        # XenonPy's direct product overflows in gmean where the log-space one does not.
        finite = ~np.isinf(ref)
        assert finite.mean() > 0.99
        np.testing.assert_allclose(ours[finite], ref[finite], rtol=1e-11, atol=1e-12)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
        if stats == DEFAULT_STATS:
            assert np.isfinite(ours).all()

    def test_gmean_follows_real_powers(self):
        table = pd.DataFrame({"p": [-2.0, 3.0, 0.0]}, index=["Fe", "O", "Na"])
        cf = CompositionFeaturizer(stats="gmean", element_table=table).fit(["Fe"])
        out = cf.transform(["FeO", "Fe2O", "Fe0.5O", "Fe", "Fe2", "NaFe"]).ravel()
        assert np.isnan(out[0])  # (-2 * 3) ** (1/2)
        assert out[1] == pytest.approx(12 ** (1 / 3))
        assert np.isnan(out[2])  # (-2) ** 0.5
        assert out[3] == -2.0  # exponent 1/N = 1
        assert out[4] == pytest.approx(2.0)  # ((-2) ** 2) ** (1/2)
        assert out[5] == 0.0


class TestParsing:
    def test_parser_agrees_with_pymatgen(self, formulas):
        for formula in formulas:
            ours = parse_formula(formula)
            theirs = Composition(formula).get_el_amt_dict()
            assert ours.keys() == theirs.keys(), formula
            for sym, amt in theirs.items():
                assert ours[sym] == pytest.approx(amt, rel=1e-12), formula

    @pytest.mark.parametrize(
        ("formula", "expected"),
        [
            ("Ca(OH)2", {"Ca": 1, "O": 2, "H": 2}),
            ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}),
            ("{[Co(NH3)4]Cl2}Cl", {"Co": 1, "N": 4, "H": 12, "Cl": 3}),
            ("Li0.5CoO2", {"Li": 0.5, "Co": 1, "O": 2}),
            ("Bi2Te1.5Se1.5", {"Bi": 2, "Te": 1.5, "Se": 1.5}),
            ("CuSO4.5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
            ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
            ("Na2CO3.10H2O", {"Na": 2, "C": 1, "O": 13, "H": 20}),
            ("Mg3(PO4)2·8H2O", {"Mg": 3, "P": 2, "O": 16, "H": 16}),
            ("CaSO4·0.5H2O", {"Ca": 1, "S": 1, "O": 4.5, "H": 1}),
            ("CuSO4.H2O", {"Cu": 1, "S": 1, "O": 5, "H": 2}),
            ("CuSO4.5 H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
            ("CaCl2.2H2O.2NH3", {"Ca": 1, "Cl": 2, "H": 10, "O": 2, "N": 2}),
            (" Fe2 O3 ", {"Fe": 2, "O": 3}),
        ],
    )
    def test_formulas(self, formula, expected):
        assert parse_formula(formula) == pytest.approx(expected)

    def test_hydrate_dot_styles_give_same_features(self):
        a, b, c = CompositionFeaturizer().fit_transform(["CuSO4.5H2O", "CuSO4·5H2O", "CuSO9H10"])
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-14)


class TestInputs:
    def test_dict_composition_structure_molecule(self):
        structure = Structure(Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
        water = Molecule(["O", "H", "H"], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
        cf = CompositionFeaturizer().fit(["NaCl"])
        out = cf.transform(
            [
                "NaCl",
                {"Na": 1, "Cl": 1},
                Composition("NaCl"),
                structure,
                Composition({Species("Na", 1): 1, Species("Cl", -1): 1}),
            ]
        )
        for row in out[1:]:
            np.testing.assert_allclose(row, out[0], rtol=1e-14)
        np.testing.assert_allclose(cf.transform([water]), cf.transform(["H2O"]), rtol=1e-14)

    def test_smiles_against_formula(self, radonpy_frame):
        cf = CompositionFeaturizer(input="smiles").fit(["CCO"])
        formula = CompositionFeaturizer().fit(["C"])
        smiles = ["CCO", "*CC(*)c1ccccc1", "[H][H]", Chem.MolFromSmiles("OC(=O)C")]
        expected = ["C2H6O", "C8H8", "H2", "C2H4O2"]
        np.testing.assert_allclose(cf.transform(smiles), formula.transform(expected), rtol=1e-14)
        # Real repeat units: the '*' atoms are ignored, composition from RDKit's formula.
        units = radonpy_frame["smiles"].iloc[:50].tolist()
        from rdkit.Chem.rdMolDescriptors import CalcMolFormula

        formulas = [re.sub(r"\*\d*", "", CalcMolFormula(Chem.MolFromSmiles(u))) for u in units]
        np.testing.assert_allclose(cf.transform(units), formula.transform(formulas), rtol=1e-12)

    def test_pandas_inputs(self):
        cf = CompositionFeaturizer()
        frame = pd.DataFrame({"formula": ["NaCl", "Fe2O3"]})
        out = cf.fit_transform(frame)
        np.testing.assert_array_equal(out, cf.transform(frame["formula"]))
        assert list(cf.feature_names_in_) == ["formula"]

    @pytest.mark.parametrize("X", [{"Na": 1}, Composition("NaCl")])
    def test_single_composition_must_be_wrapped(self, X):
        with pytest.raises(ValueError, match="wrap it in a list"):
            CompositionFeaturizer().fit(X)

    def test_amount_matrix_and_transform_amounts(self, formulas):
        cf = CompositionFeaturizer(stats=COMPOSITION_STATS).fit(formulas)
        amounts = cf.amount_matrix(formulas)
        assert amounts.shape == (len(formulas), 94)
        fe = list(cf.element_table_.index).index("Fe")
        assert cf.amount_matrix(["Fe2O3"])[0, fe] == 2.0
        np.testing.assert_array_equal(cf.transform_amounts(amounts), cf.transform(formulas))
        # From a dense array the elements come in table order: same values up to rounding.
        np.testing.assert_allclose(
            cf.transform_amounts(amounts.toarray()[:5]), cf.transform(formulas[:5]), rtol=1e-14
        )


class TestErrors:
    @pytest.mark.parametrize(
        ("item", "reason"),
        [
            ("Fe2-O3", "unexpected character '-'"),
            ("Xx2O", "unknown element symbol 'Xx'"),
            ("Og", "element 'Og' is not in the element table"),
            ("AmO2", "element 'Am' is not in the element table"),
            ("Fe0O", "amounts must be positive"),
            ("Ca(OH2", "unclosed bracket"),
            ("Fe2O3)", "unbalanced brackets"),
            ("2", "without elements"),
            ("", "missing value"),
            (None, "missing value"),
            (float("nan"), "missing value"),
            ({}, "empty composition"),
            ({"Fe": -1.0}, "amounts must be positive"),
            ({"Fe": 0}, "amounts must be positive"),
            ({"Fe": "two"}, "not a number"),
            (Composition({"Fe": 1, "O": -1}, allow_negative=True), "amounts must be positive"),
            (3.5, "expected a formula string"),
        ],
    )
    def test_raise_names_row_and_value(self, item, reason):
        cf = CompositionFeaturizer().fit(["NaCl"])
        with pytest.raises(ValueError, match=r"Invalid formula at row 1: ") as info:
            cf.transform(["NaCl", item, "KCl"])
        assert repr(item) in str(info.value) or (item != item)  # NaN's repr is 'nan'
        assert reason in str(info.value)

    @pytest.mark.parametrize(
        ("item", "reason"),
        [("C1CC", "RDKit could not parse it"), ("*", "empty composition"), ("[Am]", "Am")],
    )
    def test_smiles_errors(self, item, reason):
        cf = CompositionFeaturizer(input="smiles").fit(["CCO"])
        with pytest.raises(ValueError, match=r"Invalid SMILES at row 1: ") as info:
            cf.transform(["CCO", item])
        assert reason in str(info.value)

    def test_fit_rejects_numbers(self):
        with pytest.raises(ValueError, match="row 0"):
            CompositionFeaturizer().fit(np.ones((3, 1)))

    def test_nan_policy(self):
        cf = CompositionFeaturizer(errors="nan").fit(["NaCl"])
        X = ["NaCl", "Fe2-O3", "Am", None, "Fe2O3", {"Fe": -1}]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = cf.transform(X)
        assert len(caught) == 1 and issubclass(caught[0].category, InvalidInputWarning)
        message = str(caught[0].message)
        assert "4 invalid formulas" in message
        for text in ("1 ('Fe2-O3'", "2 ('Am'", "3 (None", "5 ({'Fe': -1}"):
            assert text in message
        np.testing.assert_array_equal(np.isnan(out).all(axis=1), [0, 1, 1, 1, 0, 1])
        assert np.isfinite(out[[0, 4]]).all()
        np.testing.assert_array_equal(out[4], CompositionFeaturizer().fit_transform(["Fe2O3"])[0])

    def test_transform_amounts_errors(self):
        cf = CompositionFeaturizer().fit(["NaCl"])
        amounts = np.zeros((3, 94))
        amounts[0, 10] = amounts[2, 7] = 1.0
        amounts[2, 8] = -1.0
        with pytest.raises(ValueError, match="row 1"):
            cf.transform_amounts(amounts)
        with pytest.raises(ValueError, match="94 columns"):
            cf.transform_amounts(amounts[:, :5])
        nan = clone(cf).set_params(errors="nan").fit(["NaCl"])
        with pytest.warns(InvalidInputWarning, match="rows 1"):
            out = nan.transform_amounts(amounts)
        np.testing.assert_array_equal(np.isnan(out).all(axis=1), [False, True, True])

    @pytest.mark.parametrize(
        ("params", "match"),
        [
            ({"stats": ["mean", "median"]}, "Unknown statistic 'median'"),
            ({"stats": []}, "at least one"),
            ({"stats": ["max", "max"]}, "twice"),
            ({"input": "cif"}, "input must be one of"),
            ({"errors": "ignore"}, "errors must be"),
            ({"n_jobs": 0}, "n_jobs"),
            ({"element_table": "XenonPy"}, "element_table must be one of 'xenonpy'"),
            ({"element_table": np.ones((3, 3))}, "element_table must be one of 'xenonpy'"),
            ({"element_table": pd.DataFrame({"a": [1.0]}, index=["Xy"])}, "element symbols"),
            ({"element_table": pd.DataFrame({"a": ["x"]}, index=["Fe"])}, "numeric"),
            ({"element_table": pd.DataFrame({"a": [1.0, 2.0]}, index=["Fe", "Fe"])}, "twice"),
            ({"element_table": pd.DataFrame(index=["Fe"])}, "empty"),
            ({"element_table": pd.DataFrame({"a": [np.inf]}, index=["Fe"])}, "infinite"),
        ],
    )
    def test_invalid_params_raise_in_fit(self, params, match):
        cf = CompositionFeaturizer(**params)  # __init__ stores, never validates
        with pytest.raises(ValueError, match=match):
            cf.fit(["NaCl"])


class TestEstimator:
    def test_user_table_subset_gives_those_columns(self, formulas):
        full = CompositionFeaturizer(stats=COMPOSITION_STATS).fit(formulas)
        columns = ["en_pauling", "atomic_number", "density"]
        table = load_element_table()[columns]
        sub = CompositionFeaturizer(stats=COMPOSITION_STATS, element_table=table).fit(formulas)
        assert sub.element_table is table  # stored unchanged
        names = list(sub.get_feature_names_out())
        assert names[:3] == ["mean:en_pauling", "mean:atomic_number", "mean:density"]
        cols = [_column(full, n) for n in names]
        np.testing.assert_array_equal(sub.transform(formulas), full.transform(formulas)[:, cols])

    def test_user_table_with_fewer_elements(self):
        table = load_element_table().loc[["Na", "Cl", "O"]]
        cf = CompositionFeaturizer(element_table=table).fit(["NaCl"])
        with pytest.raises(ValueError, match="element 'Fe' is not in the element table"):
            cf.transform(["Fe2O3"])

    def test_n_jobs_gives_identical_results(self, formulas, monkeypatch):
        monkeypatch.setattr(_base, "_CHUNK_ROWS", 64)
        X = [*formulas[:300], "Am", None]
        serial = CompositionFeaturizer(errors="nan", n_jobs=1).fit(X)
        parallel = CompositionFeaturizer(errors="nan", n_jobs=2).fit(X)
        with pytest.warns(InvalidInputWarning):
            a = serial.transform(X)
        with pytest.warns(InvalidInputWarning, match="rows 300 .*301"):
            b = parallel.transform(X)
        np.testing.assert_array_equal(a, b)
        with pytest.raises(ValueError, match="row 300: 'Am'"):
            CompositionFeaturizer(n_jobs=2).fit(X[:2]).transform(X)

    def test_set_output_pandas(self):
        cf = CompositionFeaturizer(stats=["mean", "max"]).set_output(transform="pandas")
        out = cf.fit_transform(pd.Series(["NaCl", "Fe2O3"], index=[7, 9]))
        assert isinstance(out, pd.DataFrame)
        assert out.shape == (2, 116)
        assert out.columns[0] == "mean:atomic_number"
        assert list(out.index) == [7, 9]
        assert out.loc[7, "mean:atomic_number"] == 14.0

    def test_clone_and_pickle(self):
        table = load_element_table()[["atomic_number", "density"]]
        cf = CompositionFeaturizer(stats=["var"], element_table=table).fit(["NaCl"])
        cloned = clone(cf)
        pd.testing.assert_frame_equal(cloned.element_table, table)
        assert not hasattr(cloned, "element_table_")
        restored = pickle.loads(pickle.dumps(cf))
        X = ["NaCl", "Fe2O3", "CuSO4·5H2O"]
        np.testing.assert_array_equal(restored.transform(X), cf.transform(X))
        np.testing.assert_array_equal(cloned.fit_transform(X), cf.transform(X))
        assert "element_table" in repr(cf)

    def test_fit_does_not_modify_table(self):
        table = load_element_table()[["atomic_number"]].astype("float32")
        cf = CompositionFeaturizer(element_table=table).fit(["NaCl"])
        assert table.dtypes.iloc[0] == np.float32
        assert cf.element_table_.dtypes.iloc[0] == np.float64


def test_missing_values_in_a_user_table_warn():
    from sklearn_shotgun.featurizers.elements import load_element_table

    table = load_element_table()[["atomic_number", "density"]].copy()
    table.loc["Fe", "density"] = np.nan
    with pytest.warns(UserWarning, match=r"1 missing values \(e.g. Fe:density\)"):
        X = CompositionFeaturizer(stats=["mean"], element_table=table).fit_transform(["Fe2O3"])
    assert np.isnan(X[0, 1]) and X[0, 0] == pytest.approx((2 * 26 + 3 * 8) / 5)
