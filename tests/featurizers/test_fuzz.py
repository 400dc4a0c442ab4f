"""Property-based tests of the featurizers on hostile input (issue 10, section 4).

For arbitrary text, arbitrary objects, and real SMILES and formulas with random mutations,
every featurizer must either featurize the input (finite features, and the input passes an
independent check that it is a molecule or a formula) or reject it the documented way: a
``ValueError`` naming the row with ``errors="raise"``, a NaN row listed in exactly one
``InvalidInputWarning`` with ``errors="nan"``. Any other exception fails the test.

Hypothesis runs derandomized (the same examples on every run, so CI is reproducible) with
200 examples per test; ``benchmarks/fuzz_featurizers.py`` is the 10,000-input version.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdkit import Chem

from sklearn_shotgun import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer
from sklearn_shotgun.featurizers._base import InvalidInputWarning
from sklearn_shotgun.featurizers._formula import ELEMENT_SYMBOLS

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Characters that break parsers: controls, blanks, look-alikes, non-ASCII.
_NASTY = list("\x00\x01\x1f\x7f\t\n\r \u00a0\u2028\ufeffé·•⋅→∗Ａα中٣😀") + list("()[]{}=#%.*9")


# -- independent checks of what a featurizer accepted -----------------------------------
# The benchmark's (``benchmarks/`` is not a package on ``sys.path``: the script is loaded by
# its path; it reads no data at import), so that both judge an accepted input alike.
_BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_featurizers.py"
_spec = importlib.util.spec_from_file_location("fuzz_featurizers", _BENCHMARK)
fuzz_benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_benchmark)

_smiles_junk = fuzz_benchmark.smiles_junk


def _formula_junk(item: Any) -> str | None:
    # The benchmark checks the amounts the featurizer parsed; the only amounts this test
    # knows without the featurizer are those a dict states.
    return fuzz_benchmark.formula_junk(item, item if isinstance(item, Mapping) else None)


# -- strategies ---------------------------------------------------------------------------
@st.composite
def _mutated(draw: st.DrawFn, pool: list[str]) -> str:
    text = draw(st.sampled_from(pool))
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.integers(0, 5))
        char = draw(st.sampled_from(_NASTY) | st.characters())
        if op == 0:
            text = text[:pos] + char + text[pos:]
        elif op == 1:
            text = text[:pos] + text[pos + 1 :]
        elif op == 2:
            text = text[: max(pos - 1, 0)] + char + text[pos:]
        elif op == 3:
            text = text + draw(st.sampled_from([" junk", "\x00", "\njunk", " |$;;$|", "é"]))
        elif op == 4:
            # at the end: the last element's amount of "Fe2O3" becomes 3999...
            text = text + "9" * draw(st.sampled_from([2, 12, 310, 400]))
        else:
            text = text + text
    return text


def _objects() -> st.SearchStrategy:
    symbols = st.sampled_from([*ELEMENT_SYMBOLS[:94], "Xx", "fe", ""])
    amounts = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 10**12)
    return st.one_of(
        st.none(),
        st.just(np.nan),
        st.just(pd.NA),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.complex_numbers(),
        st.binary(max_size=8),
        st.lists(st.text(max_size=4), max_size=3),
        st.tuples(st.text(max_size=3), st.integers()),
        st.dictionaries(symbols, amounts, max_size=3),
        st.builds(np.int64, st.integers(-(2**63), 2**63 - 1)),
        st.builds(np.float32, st.floats(width=32)),
        st.just(Chem.Mol()),
        st.sampled_from(["CCO", "*CC*", "C1CC"]).map(Chem.MolFromSmiles),
        st.sampled_from(["c1ccccc1O", "c1cccc1", "C(C)(C)(C)(C)C", "*CC*"]).map(
            lambda text: Chem.MolFromSmiles(text, sanitize=False)
        ),
    )


def _inputs(main: list[str], other: list[str]) -> st.SearchStrategy:
    real = st.sampled_from(main) | st.sampled_from(main).map(lambda text: f" {text}\n")
    hostile = st.one_of(
        _mutated(main),
        _mutated(other),
        st.text(max_size=30),
        st.text(alphabet=st.sampled_from(_NASTY + list("CNOSFclno123()=#[]H+-@")), max_size=30),
        _objects(),
    )
    # A third real inputs (a flat one_of would give them a sixth of the examples at best).
    return st.integers(0, 2).flatmap(lambda k: real if k == 0 else hostile)


# -- the property -------------------------------------------------------------------------
def _check(strict: Any, lenient: Any, seed: str, item: Any, junk: Any) -> bool:
    """The featurizer's contract on ``[seed, item]``; True when ``item`` was valid.

    ``seed`` (a valid input) comes first so that a list as ``item`` is a row, not the first
    row of a 2-D column (a container-level question, tested elsewhere).
    """
    try:
        out = strict.transform([seed, item])
    except ValueError as exc:
        assert re.search(r"at row 1: ", str(exc)), str(exc)
        valid = False
    else:
        valid = True
        out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
        assert np.isfinite(out.astype(np.float64)).all(), "non-finite feature from a valid row"
        assert junk(item) is None, f"accepted junk: {junk(item)}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = lenient.transform([seed, item])
    out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
    out = out.astype(np.float64)
    ours = [str(w.message) for w in caught if issubclass(w.category, InvalidInputWarning)]
    assert np.isfinite(out[0]).all()
    if valid:
        assert not ours and np.isfinite(out[1]).all()
    else:
        assert len(ours) == 1 and "rows 1 (" in ours[0], ours
        assert np.isnan(out[1]).all()
    return valid


@pytest.fixture(scope="module")
def smiles(qm9_smiles, polymer_smiles) -> list[str]:
    return qm9_smiles[:300] + polymer_smiles[:100]


@pytest.fixture(scope="module")
def formulas(shared_data) -> list[str]:
    frame = pd.read_csv(
        shared_data / "inorganic_crabnet_matbench_formula" / "mp_e_form.csv", nrows=400
    )
    return [*frame["formula"].tolist(), "CuSO4·5H2O", "CuSO4.5H2O", "K4[Fe(CN)6]", "Ca(OH)2"]


def _pair(make: Any, seed: str) -> tuple[Any, Any]:
    return make(errors="raise").fit([seed]), make(errors="nan").fit([seed])


@pytest.mark.parametrize(
    "params",
    [
        {"kind": ["morgan", "maccs", "atom_pair"], "n_bits": 256},
        {"polymer": "cyclic", "counts": True, "sparse": True, "n_bits": 256},
        {"kind": "rdkit", "polymer": "hydrogen", "n_bits": 256},
    ],
    ids=["morgan+maccs+atom_pair", "cyclic", "hydrogen"],
)
def test_fingerprint_featurizer(params, smiles, formulas):
    strict, lenient = _pair(lambda **kw: FingerprintFeaturizer(**params, **kw), "CCO")

    @FUZZ
    @given(_inputs(smiles, formulas))
    def run(item):
        _check(strict, lenient, "CCO", item, _smiles_junk)

    run()


@pytest.mark.slow  # ~20 s: all 217 RDKit descriptors of every valid example
def test_descriptor_featurizer(smiles, formulas):
    strict, lenient = _pair(DescriptorFeaturizer, "CCO")

    @FUZZ
    @given(_inputs(smiles, formulas))
    def run(item):
        _check(strict, lenient, "CCO", item, _smiles_junk)

    run()


def test_composition_featurizer_formulas(formulas, smiles):
    strict, lenient = _pair(CompositionFeaturizer, "NaCl")

    @FUZZ
    @given(_inputs(formulas, smiles))
    def run(item):
        _check(strict, lenient, "NaCl", item, _formula_junk)

    run()


def test_composition_featurizer_smiles(smiles, formulas):
    strict, lenient = _pair(lambda **kw: CompositionFeaturizer(input="smiles", **kw), "CCO")

    @FUZZ
    @given(_inputs(smiles, formulas))
    def run(item):
        _check(strict, lenient, "CCO", item, _smiles_junk)

    run()


def test_the_inputs_reach_both_outcomes(smiles, formulas):
    # Guards the tests above against a strategy that only ever produces one outcome.
    strict, lenient = _pair(FingerprintFeaturizer, "CCO")
    outcomes = []

    @settings(max_examples=100, deadline=None, derandomize=True)
    @given(_inputs(smiles, formulas))
    def run(item):
        outcomes.append(_check(strict, lenient, "CCO", item, _smiles_junk))

    run()
    assert 20 <= sum(outcomes) <= 80, sum(outcomes)


@FUZZ
@given(
    st.one_of(
        st.lists(st.text(max_size=5) | st.none() | st.integers(), max_size=4),
        st.lists(st.lists(st.sampled_from(["CCO", "C", 3]), max_size=2), max_size=4),
        st.tuples(st.sampled_from(["CCO", "CC"]), st.integers()),
        st.sets(st.text(max_size=3), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
        st.text(max_size=5),
        st.integers(),
        st.none(),
        st.builds(lambda n: (s for s in ["CCO"] * n), st.integers(0, 3)),
    )
)
def test_any_container_gives_rows_or_a_value_error(X):
    est = FingerprintFeaturizer(n_bits=64, errors="nan")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InvalidInputWarning)
            out = est.fit_transform(X)
    except ValueError as exc:
        assert re.search(r"Expected|empty input|row \d+", str(exc)), str(exc)
    else:
        assert out.shape[1] == 64 and out.shape[0] >= 1
