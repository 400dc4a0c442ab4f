"""Inputs that used to crash or pass silently (issue 10, section 2): composition featurizer
inputs in both modes, iterables, and FrozenNetFeaturizer's parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem

from sklearn_shotgun import CompositionFeaturizer, FrozenNetFeaturizer, ShotgunPretrainer
from sklearn_shotgun.featurizers._base import InvalidInputWarning
from sklearn_shotgun.featurizers._formula import MAX_AMOUNT, FormulaError, parse_formula

NON_STRINGS = [7, 1.5, np.int64(3), np.float32(2.5), b"CC", ["CC"], [["CC"]], 1 + 2j, object()]


def _nan_rows(est, X):
    """Transform with errors="nan": the output and the messages of our warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = est.fit_transform(X)
    ours = [str(w.message) for w in caught if issubclass(w.category, InvalidInputWarning)]
    return out, ours


class TestCompositionSmilesInput:
    @pytest.mark.parametrize("item", [*NON_STRINGS, {"C": 1}])
    def test_non_string_items_are_invalid_rows(self, item):
        # Used to raise AttributeError ("'int' object has no attribute 'GetAtoms'").
        name = type(item).__name__
        est = CompositionFeaturizer(input="smiles", errors="nan")
        X, messages = _nan_rows(est, ["CC", item])
        assert len(messages) == 1 and f"got {name})" in messages[0], messages
        assert np.isnan(X[1]).all() and np.isfinite(X[0]).all()
        fitted = CompositionFeaturizer(input="smiles").fit(["CC"])
        with pytest.raises(ValueError, match=rf"Invalid SMILES at row 1: .*got {name}\)"):
            fitted.transform(["CC", item])
        with pytest.raises(ValueError, match=r"row 1: .*expected str or Mol"):
            CompositionFeaturizer(input="smiles").fit(["CC", item])

    @pytest.mark.parametrize(
        ("junk", "why"),
        [
            ("CC junk", "' ' at position 2 is a blank"),
            ("\u00e9CC", "'\u00e9' at position 0 is not printable ASCII"),
            ("\x00CC", r"'\\x00' at position 0 is not printable ASCII"),
            ("CC\njunk", r"'\\n' at position 2 is a blank"),
        ],
    )
    def test_junk_that_rdkit_reads_as_ethane_is_invalid(self, junk, why):
        # The formula C2H6 must not come out of junk text.
        with pytest.raises(ValueError, match=f"row 1: .*{why}"):
            CompositionFeaturizer(input="smiles").fit_transform(["CCO", junk])

    def test_same_parser_as_the_fingerprints(self):
        cf = CompositionFeaturizer(input="smiles", stats="mean")
        np.testing.assert_array_equal(
            cf.fit_transform([" CCO\n", "CCO"])[0], cf.fit_transform(["CCO"])[0]
        )
        with pytest.raises(ValueError, match="without atoms"):
            cf.fit_transform([Chem.Mol()])

    def test_a_mol_in_formula_mode_names_the_fix(self):
        with pytest.raises(ValueError, match="needs input='smiles'"):
            CompositionFeaturizer().fit(["NaCl"]).transform([Chem.MolFromSmiles("CC")])


class TestCompositionFormulaInput:
    @pytest.mark.parametrize("item", [*NON_STRINGS, None, np.nan, pd.NA, ""])
    def test_non_formulas_are_invalid_rows(self, item):
        X, messages = _nan_rows(CompositionFeaturizer(errors="nan"), ["NaCl", item])
        assert len(messages) == 1 and "rows 1 (" in messages[0], messages
        assert np.isnan(X[1]).all() and np.isfinite(X[0]).all()

    @pytest.mark.parametrize("digits", [400, 309, 200, 10])
    def test_huge_amounts_are_rejected(self, digits):
        # "Fe" + 400 nines parses to inf and gave NaN and inf features with no error.
        formula = "Fe" + "9" * digits + "O"
        with pytest.raises(ValueError, match=r"row 0: .*amount of Fe is .*at most 1e9"):
            CompositionFeaturizer().fit_transform([formula])
        with pytest.raises(FormulaError, match="at most 1e9"):
            parse_formula(formula)
        X, messages = _nan_rows(CompositionFeaturizer(errors="nan"), [formula, "Fe2O3"])
        assert np.isnan(X[0]).all() and np.isfinite(X[1]).all() and len(messages) == 1

    def test_the_largest_amount_gives_finite_features(self):
        big = CompositionFeaturizer(stats=("mean", "sum", "var", "max", "min", "gmean", "hmean"))
        X = big.fit_transform([f"Fe{int(MAX_AMOUNT)}O", f"Fe{int(MAX_AMOUNT)}O{int(MAX_AMOUNT)}"])
        gmean = [j for j, n in enumerate(big.get_feature_names_out()) if n.startswith("gmean")]
        finite = np.delete(X, gmean, axis=1)  # gmean of negative values is NaN (XenonPy's rule)
        assert np.isfinite(finite).all()

    def test_amounts_in_dicts_and_matrices_are_bounded(self):
        cf = CompositionFeaturizer(errors="nan")
        X, messages = _nan_rows(
            cf,
            [
                {"Fe": 2, "O": 3},
                {"Fe": 1e300},
                {"Fe": np.inf},
                {"Fe": np.nan},
                {"Fe": 10**400},
                {"Fe": True},
                {"Fe": "two"},
            ],
        )
        assert np.isfinite(X[0]).all() and np.isnan(X[1:]).all()
        assert "amount of Fe is not a number: True" in messages[0]
        amounts = np.zeros((2, len(cf.element_table_)))
        amounts[:, list(cf.element_table_.index).index("Fe")] = [2.0, 1e12]
        with pytest.raises(ValueError, match=r"row 1: .*at most 1e\+?09"):
            CompositionFeaturizer().fit(["Fe"]).transform_amounts(amounts)

    def test_user_table_that_overflows_is_an_invalid_row(self):
        table = pd.DataFrame({"size": [1e200, 2.0]}, index=["Fe", "O"])
        cf = CompositionFeaturizer(element_table=table, errors="nan")
        X, messages = _nan_rows(cf, ["FeO", "O2"])
        assert np.isnan(X[0]).all() and np.isfinite(X[1]).all()
        assert "overflows" in messages[0]
        with pytest.raises(ValueError, match=r"row 0: 'FeO' .*overflows"):
            CompositionFeaturizer(element_table=table).fit_transform(["FeO"])
        # The same rows through the amount matrix.
        fitted = CompositionFeaturizer(element_table=table).fit(["O"])
        amounts = fitted.amount_matrix(["FeO", "O2"])
        with pytest.raises(ValueError, match=r"row 0: .*overflows"):
            fitted.transform_amounts(amounts)
        with pytest.warns(InvalidInputWarning, match=r"rows 0 .*overflows"):
            Y = cf.fit(["O"]).transform_amounts(amounts)
        np.testing.assert_array_equal(Y, X)


class TestFormulaCharacters:
    @pytest.mark.parametrize(
        "formula", ["Fe\u0663O", "Fe\uff12O3", "Fe\x1fO", "Fe2\u00a0O3", "Fe2\u2028O3", "Fe2O3\x00"]
    )
    def test_non_ascii_digits_and_odd_blanks_are_rejected(self, formula):
        # Python reads "\u0663" (Arabic-Indic 3) as a digit and "\x1f" as a blank; here they
        # are junk, named in the message.
        with pytest.raises(FormulaError, match="unexpected character"):
            parse_formula(formula)

    def test_ascii_blanks_are_still_ignored(self):
        assert parse_formula(" Fe2 O3\n") == parse_formula("Fe2O3")
        assert parse_formula("CuSO4.5 H2O") == parse_formula("CuSO4·5H2O")


class TestContainers:
    def test_a_column_of_rows_must_be_all_rows(self):
        from sklearn_shotgun import FingerprintFeaturizer

        X = FingerprintFeaturizer().fit_transform([["CCO"], ("CC",), np.array(["O"])])
        assert X.shape == (3, 2048)
        with pytest.raises(ValueError, match="but row 1 is 'CC'"):
            FingerprintFeaturizer().fit([["CCO"], "CC"])
        with pytest.raises(ValueError, match=r"row 0 is \['CCO', 'O'\]"):
            CompositionFeaturizer(input="smiles").fit([["CCO", "O"], ["C", "C"]])

    def test_a_zero_dimensional_array_is_an_invalid_row(self):
        from sklearn_shotgun import FingerprintFeaturizer

        with pytest.raises(ValueError, match=r"row 0: .*got ndarray"):
            FingerprintFeaturizer().fit([np.array("CCO")])


class TestIterables:
    def test_generator_of_formulas(self):
        expected = CompositionFeaturizer().fit_transform(["NaCl", "Fe2O3"])
        got = CompositionFeaturizer().fit_transform(f for f in ["NaCl", "Fe2O3"])
        np.testing.assert_array_equal(got, expected)

    def test_generator_of_smiles_with_pandas_output(self):
        est = CompositionFeaturizer(input="smiles").set_output(transform="pandas")
        frame = est.fit_transform(iter(["CCO", "c1ccccc1"]))
        assert isinstance(frame, pd.DataFrame) and frame.shape == (2, 290)

    @pytest.mark.parametrize("X", [{"NaCl", "KCl"}, frozenset({"NaCl"})])
    def test_sets_are_rejected(self, X):
        with pytest.raises(ValueError, match="ordered 1-D sequence"):
            CompositionFeaturizer().fit(X)


@pytest.fixture(scope="module")
def source():
    X = np.random.default_rng(0).normal(size=(60, 6))
    pool = ShotgunPretrainer(n_models=1, max_epochs=2, random_state=0, verbose=0)
    return pool.fit(X, X[:, 0]).library_[0]


class TestFrozenNetParameters:
    @pytest.mark.parametrize(
        ("params", "match"),
        [
            ({"layer": True}, "'layer' parameter .* must not be a bool"),
            ({"layer": [True]}, "layer True does not exist"),
            ({"layer": 1.0}, "'layer' parameter"),
            ({"layer": "first"}, "'layer' parameter"),
            ({"precomputed": 1}, "'precomputed' parameter"),
            ({"with_descriptor": "yes"}, "'with_descriptor' parameter"),
            ({"with_prediction": None}, "'with_prediction' parameter"),
        ],
    )
    def test_types_are_checked_in_fit(self, source, params, match):
        X = np.zeros((3, 6))
        est = FrozenNetFeaturizer(source, **{"precomputed": True, **params})
        with pytest.raises(ValueError, match=match):
            est.fit(X)

    def test_valid_layers_still_work(self, source):
        X = np.random.default_rng(1).normal(size=(4, 6))
        for layer in (-1, 0, np.int64(0), "last", "all", [0, -1]):
            H = FrozenNetFeaturizer(source, layer=layer, precomputed=True).fit_transform(X)
            assert H.shape[0] == 4 and np.isfinite(H).all()


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_an_object_whose_repr_fails_is_still_reported():
    # The 10,000-input fuzzing run of the code before issue 10 crashed with RuntimeError
    # here: the error message itself called repr().
    from sklearn_shotgun import DescriptorFeaturizer, FingerprintFeaturizer

    for est, seed in [
        (FingerprintFeaturizer(), "CC"),
        (DescriptorFeaturizer(descriptors=["MolWt"]), "CC"),
        (CompositionFeaturizer(), "NaCl"),
        (CompositionFeaturizer(input="smiles"), "CC"),
    ]:
        with pytest.raises(ValueError, match="row 1: <_BadRepr object, repr failed"):
            est.fit([seed, _BadRepr()])
        with pytest.raises(ValueError, match="row 1: <_BadRepr object, repr failed"):
            est.fit([seed]).transform([seed, _BadRepr()])
        X, messages = _nan_rows(est.set_params(errors="nan"), [seed, _BadRepr()])
        assert np.isnan(X[1]).all() and "repr failed" in messages[0]
    with pytest.warns(InvalidInputWarning, match="repr failed"):
        CompositionFeaturizer(errors="nan").fit(["NaCl"]).amount_matrix(["NaCl", _BadRepr()])
