"""``CompositionFeaturizer`` with XenonPy's element table against XenonPy's own formulas.

The reference is written here from XenonPy's published code (``xenonpy/descriptor/
compositions.py``, ``Compositions(featurizers="classic")``: ``WeightedAverage``,
``WeightedSum``, ``WeightedVariance``, ``MaxPooling``, ``MinPooling`` in that order), in plain
numpy over the raw CSV text read with Python's ``csv`` and ``float``, on compositions parsed
by pymatgen as XenonPy does. It shares nothing with the package's vectorised implementation
or its CSV loader.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from pymatgen.core import Composition

from sklearn_shotgun.featurizers import CompositionFeaturizer
from sklearn_shotgun.featurizers.elements import load_element_table
from sklearn_shotgun.library.source_model import featurizer_spec, get_featurizer_class

DATA = Path(__file__).resolve().parents[2] / "sklearn_shotgun" / "featurizers" / "data"
MATBENCH = Path("/work/shared/data/inorganic_crabnet_matbench_formula")
#: XenonPy's label of each statistic, in the order of its "classic" featurizers.
XENONPY_LABELS = {"mean": "ave", "sum": "sum", "var": "var", "max": "max", "min": "min"}


def _raw_table(name: str) -> tuple[list[str], dict[str, np.ndarray]]:
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    columns = rows[0][1:]
    return columns, {r[0]: np.array([float(v) for v in r[1:]]) for r in rows[1:]}


def _xenonpy_classic(table: dict[str, np.ndarray], elems: dict[str, float]) -> np.ndarray:
    """XenonPy's five ``mix_function``\\ s on one composition ``{symbol: amount}``."""
    elems_ = np.array([table[e] for e in elems])
    nums = np.array(list(elems.values()), dtype=float)
    w_ = nums / np.sum(nums)
    ave = w_.dot(elems_)
    total = nums.dot(elems_)
    var = w_.dot((elems_ - ave) ** 2)
    return np.concatenate([ave, total, var, elems_.max(axis=0), elems_.min(axis=0)])


@pytest.fixture(scope="module")
def formulas() -> list[str]:
    """50 real formulas: 20 Materials Project, 20 experimental gaps, 10 steels (fractions)."""
    picked = []
    rng = np.random.default_rng(0)
    for name, n in (("mp_e_form.csv", 20), ("expt_gap.csv", 20), ("steels_yield.csv", 10)):
        with (MATBENCH / name).open(newline="", encoding="utf-8") as fh:
            rows = [r["formula"] for r in csv.DictReader(fh)]
        picked += [rows[i] for i in sorted(rng.choice(len(rows), n, replace=False))]
    return picked


def test_reproduces_xenonpy_290_descriptors(formulas):
    columns, table = _raw_table("elements_xenonpy.csv")
    comps = [Composition(f).as_dict() for f in formulas]
    assert any(any(v != int(v) for v in c.values()) for c in comps)  # fractional amounts too
    expected = np.array([_xenonpy_classic(table, c) for c in comps])

    cf = CompositionFeaturizer()  # the default table is XenonPy's
    got = cf.fit_transform(formulas)
    assert got.shape == expected.shape == (50, 290)
    assert np.isfinite(got).all()
    # mean, sum, max, min to 1e-12 relative; the variance, a difference of nearly equal
    # numbers when the elements' values are close, to 1e-12 of the square of their magnitude
    # (a variance that is 0 in one computation can be 1e-30 in the other).
    magnitude = np.maximum(np.abs(expected[:, 174:232]), np.abs(expected[:, 232:]))
    var = slice(116, 174)
    np.testing.assert_allclose(got[:, :116], expected[:, :116], rtol=1e-12, atol=0)
    np.testing.assert_allclose(got[:, 174:], expected[:, 174:], rtol=1e-12, atol=0)
    assert (np.abs(got[:, var] - expected[:, var]) <= 1e-12 * magnitude**2).all()
    # max and min pick a table value: bitwise equal (the CSV is read exactly).
    assert (got[:, 174:] == expected[:, 174:]).all()

    # Feature order and names: XenonPy's labels with "ave" spelt "mean" and three columns
    # spelt as in the curated table.
    renamed = json.loads((DATA / "elements_xenonpy.json").read_text())["renamed_columns"]
    original = {ours: theirs for theirs, ours in renamed.items()}
    names = list(cf.get_feature_names_out())
    assert len(names) == 290
    xenonpy_names = [
        f"{XENONPY_LABELS[n.split(':')[0]]}:{original.get(n.split(':')[1], n.split(':')[1])}"
        for n in names
    ]
    assert xenonpy_names[:2] == ["ave:atomic_number", "ave:atomic_radius"]
    assert xenonpy_names[-1] == "min:Polarizability"
    stats = ["ave", "sum", "var", "max", "min"]
    assert xenonpy_names == [f"{s}:{original.get(c, c)}" for s in stats for c in columns]


class TestNamedTables:
    def test_default_parameter_is_xenonpy_and_is_recorded(self):
        cf = CompositionFeaturizer()
        assert cf.get_params()["element_table"] == "xenonpy"
        assert featurizer_spec(cf)["params"]["element_table"] == "xenonpy"

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            # Fe2O3, mean atomic volume (cm^3/mol): XenonPy's solid oxygen (14.0) ...
            ("xenonpy", (2 * 7.1 + 3 * 14.0) / 5),
            # ... the curated table's solid molar volume of oxygen (pymatgen, 17.36) ...
            ("curated", None),
            # ... and the frozen pre-correction table's gas-phase volume (about 12,232).
            ("default", 7341.8),
        ],
    )
    def test_mean_atomic_volume_of_fe2o3(self, name, expected):
        cf = CompositionFeaturizer(stats="mean", element_table=name).fit(["Fe2O3"])
        value = cf.transform(["Fe2O3"])[0, list(cf.element_table_.columns).index("atomic_volume")]
        if expected is None:
            table = load_element_table("curated")
            expected = (2 * table.loc["Fe", "atomic_volume"] + 3 * 17.36) / 5
            assert table.loc["O", "atomic_volume"] == 17.36
        assert value == pytest.approx(expected, rel=1e-5)

    def test_saved_default_spec_keeps_its_features(self):
        """A library saved with element_table='default' is rebuilt on the frozen table."""
        spec = {"class": "CompositionFeaturizer", "params": {"element_table": "default"}}
        cf = get_featurizer_class(spec["class"])(**spec["params"])
        X = cf.fit_transform(["NaCl", "Fe2O3", "KBr"])
        frozen = CompositionFeaturizer(element_table=load_element_table("default"))
        np.testing.assert_array_equal(X, frozen.fit_transform(["NaCl", "Fe2O3", "KBr"]))
        legacy = json.loads((DATA / "elements_legacy.json").read_text())
        digest = hashlib.sha256((DATA / "elements_legacy.csv").read_bytes()).hexdigest()
        assert digest == legacy["csv_sha256"]
        # The frozen table keeps the known error that motivated the correction.
        assert load_element_table("default").loc["K", "fusion_enthalpy"] == 102.5

    def test_named_tables_differ(self):
        X = {
            name: CompositionFeaturizer(element_table=name).fit_transform(["Fe2O3", "KCl"])
            for name in ("xenonpy", "curated", "default")
        }
        assert not np.array_equal(X["xenonpy"], X["curated"])
        assert not np.array_equal(X["curated"], X["default"])
