"""Tests of the bundled element table (``sklearn_shotgun.featurizers.elements``)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_shotgun.featurizers.elements import (
    ELEMENT_TABLES,
    NAMED_TABLES,
    element_table_build_info,
    element_table_sources,
    imputed_mask,
    load_element_table,
)

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "tools" / "build_element_table.py"
DATA = ROOT / "sklearn_shotgun" / "featurizers" / "data"


@pytest.fixture(scope="module")
def builder():
    """The build script, imported as a module (skipped outside a source checkout)."""
    if not BUILDER.exists():
        pytest.skip("tools/build_element_table.py is not available")
    spec = importlib.util.spec_from_file_location("build_element_table", BUILDER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


CURATED_VIEWS = ("curated", "extended", "raw")


class TestLoadElementTable:
    @pytest.mark.parametrize("which", NAMED_TABLES)
    def test_named_tables_complete(self, which):
        table = load_element_table(which)
        assert table.shape == (94, 58)
        assert not table.isna().any().any()
        assert (table.dtypes == np.float64).all()
        assert table.index.is_unique
        assert list(table.index) == list(load_element_table("curated").index)

    def test_default_is_xenonpy(self):
        pd.testing.assert_frame_equal(load_element_table(), load_element_table("xenonpy"))

    def test_extended_and_raw(self):
        extended = load_element_table("extended")
        raw = load_element_table("raw")
        assert extended.shape == (103, 58)
        assert raw.shape == (103, 58)
        pd.testing.assert_frame_equal(extended.iloc[:94], load_element_table("curated"))
        # raw differs from extended exactly at the imputed cells
        mask = imputed_mask("extended")
        assert raw.isna().to_numpy()[mask.to_numpy()].all()
        pd.testing.assert_frame_equal(raw.mask(mask.to_numpy()), raw)
        assert (raw.notna() | extended.isna() | mask).all().all()

    def test_index_ordered_by_atomic_number(self):
        from pymatgen.core.periodic_table import Element

        table = load_element_table("extended")
        np.testing.assert_array_equal(table["atomic_number"], np.arange(1, 104))
        assert list(table.index) == [Element.from_Z(z).symbol for z in range(1, 104)]
        assert table.index[0] == "H"
        assert table.index[93] == "Pu"

    @pytest.mark.parametrize(
        ("symbol", "column", "expected", "tol"),
        [
            ("Fe", "atomic_number", 26, 0),
            ("O", "atomic_weight", 15.999, 1e-3),
            ("F", "en_pauling", 3.98, 0),
            ("Na", "period", 3, 0),
            ("Zn", "num_d_valence", 10, 0),
            ("Fe", "num_valence", 8, 0),
            ("C", "num_p_valence", 2, 0),
            ("H", "first_ion_en", 13.598, 1e-3),
            ("Fe", "density", 7.87, 1e-2),
            ("Si", "gs_bandgap", 0.6, 0.2),
            ("Cu", "melting_point", 1357.77, 2.0),  # XenonPy: 1356.6
            ("Fe", "bulk_modulus", 170, 0),
        ],
    )
    def test_known_values(self, symbol, column, expected, tol):
        for which in ("curated", "xenonpy"):
            table = load_element_table(which)
            assert table.loc[symbol, column] == pytest.approx(expected, abs=tol), which

    @pytest.mark.parametrize(
        ("symbol", "column", "expected"),
        [
            # solid-state molar volumes (pymatgen / WebElements) for the gases, not 12,000+
            ("O", "atomic_volume", 17.36),
            ("Ar", "atomic_volume", 22.56),
            ("H", "atomic_volume", 11.42),
            ("Ar", "density", 39.948 / 22.56),
            # potassium's fusion and vaporisation enthalpies, no longer swapped
            ("K", "fusion_enthalpy", 2.33),
            ("K", "evaporation_heat", 76.9),
            # per mole of atoms
            ("H", "fusion_enthalpy", 0.117 / 2),
            ("Cl", "fusion_enthalpy", 6.41 / 2),
            ("F", "fusion_enthalpy", 0.51 / 2),
            ("C", "fusion_enthalpy", 117.4),
            # Pettifor's Mendeleev numbers, XenonPy's scale
            ("He", "mendeleev_number", 1),
            ("Rn", "mendeleev_number", 6),
            ("H", "mendeleev_number", 103),
        ],
    )
    def test_corrected_values(self, symbol, column, expected):
        assert load_element_table("curated").loc[symbol, column] == pytest.approx(expected)

    def test_mendeleev_number_matches_xenonpy(self):
        np.testing.assert_array_equal(
            load_element_table("curated")["mendeleev_number"],
            load_element_table("xenonpy")["mendeleev_number"],
        )

    def test_no_gas_phase_volume_left(self):
        table = load_element_table("curated")
        assert table["atomic_volume"].max() < 200  # Cs, 70; Fr, 119
        assert table["density"].min() > 0.05  # solid hydrogen, 0.088 g/cm^3

    def test_snake_case_column_names(self):
        for name in load_element_table().columns:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name

    def test_returns_a_copy(self):
        table = load_element_table()
        table.loc["Fe", "density"] = -1.0
        table["new"] = 0.0
        fresh = load_element_table()
        assert fresh.loc["Fe", "density"] > 0
        assert "new" not in fresh.columns

    @pytest.mark.parametrize("which", ["Default", "", None, 1, "complete", "XenonPy"])
    def test_invalid_which(self, which):
        with pytest.raises(ValueError, match="which must be one of"):
            load_element_table(which)
        with pytest.raises(ValueError, match="which must be one of"):
            imputed_mask(which)
        with pytest.raises(ValueError, match="which must be one of"):
            element_table_build_info(which)

    @pytest.mark.parametrize("which", ["xenonpy", "default"])
    def test_no_mask_outside_the_curated_build(self, which):
        with pytest.raises(ValueError, match="which must be one of"):
            imputed_mask(which)

    @pytest.mark.parametrize("which", ELEMENT_TABLES)
    def test_all_views_have_same_columns(self, which):
        assert list(load_element_table(which).columns) == list(element_table_sources().index)


class TestImputedMask:
    def test_mask_aligned_with_table(self):
        for which in CURATED_VIEWS:
            mask = imputed_mask(which)
            table = load_element_table(which)
            assert mask.index.equals(table.index)
            assert mask.columns.equals(table.columns)
            assert all(dtype == np.bool_ for dtype in mask.dtypes)

    def test_only_z_le_94_imputed(self):
        mask = imputed_mask("extended")
        assert not mask.iloc[94:].any().any()
        assert mask.iloc[:94].any().any()

    def test_exact_columns_never_imputed(self):
        mask = imputed_mask()
        for name in ("atomic_number", "atomic_weight", "period", "num_valence", "first_ion_en"):
            assert not mask[name].any(), name

    def test_counts_match_sources_and_build_info(self):
        mask = imputed_mask()
        sources = element_table_sources()
        np.testing.assert_array_equal(mask.sum().to_numpy(), sources["n_imputed"].to_numpy())
        assert element_table_build_info()["n_imputed_cells"] == int(mask.to_numpy().sum())
        for name, row in sources.iterrows():
            assert row["imputed_elements"].split() == list(mask.index[mask[name]])


class TestSources:
    def test_every_column_documented(self):
        sources = element_table_sources()
        assert list(sources.index) == list(load_element_table().columns)
        for field in ("unit", "description", "source", "licence", "reference", "imputation"):
            assert (sources[field].str.len() > 0).all(), field
        assert sources["xenonpy_name"].is_unique

    def test_units(self):
        units = element_table_sources()["unit"]
        assert units["atomic_weight"] == "g/mol"
        assert units["melting_point"] == "K"
        assert units["covalent_radius_cordero"] == "pm"
        assert units["atomic_radius"] == "pm"
        assert units["en_pauling"] == "1"

    def test_counts_consistent_with_raw(self):
        raw = load_element_table("raw")
        sources = element_table_sources()
        np.testing.assert_array_equal(raw.notna().sum().to_numpy(), sources["n_source"])

    def test_returns_a_copy(self):
        sources = element_table_sources()
        sources.loc["density", "unit"] = "x"
        assert element_table_sources().loc["density", "unit"] == "g/cm^3"

    def test_docs_list_every_column(self):
        doc = ROOT / "docs" / "element_table.md"
        if not doc.exists():
            pytest.skip("docs are not available")
        text = doc.read_text(encoding="utf-8")
        for name, row in element_table_sources().iterrows():
            assert f"`{name}`" in text, name
            assert row["unit"] in text, name


class TestBuilder:
    def test_reimputation_reproduces_shipped_files(self, builder):
        """Imputing the shipped raw values again gives the shipped bytes."""
        raw = load_element_table("raw")
        table, mask = builder.impute(raw)
        assert (
            builder._csv_bytes(table, index_label="symbol") == (DATA / "elements.csv").read_bytes()
        )
        assert (
            builder._csv_bytes(mask.astype(int), index_label="symbol")
            == (DATA / "elements_imputed.csv").read_bytes()
        )

    def test_column_spec_matches_table(self, builder):
        assert list(builder.COLUMN_NAMES) == list(load_element_table().columns)
        assert len(builder.COLUMNS) == 58

    def test_corrections_recorded_and_applied(self):
        corrections = element_table_build_info()["corrections"]
        table = load_element_table("extended")
        sources = element_table_sources()
        assert {(c["column"], c["symbol"]) for c in corrections} >= {
            ("atomic_volume", "O"),
            ("fusion_enthalpy", "K"),
            ("evaporation_heat", "K"),
            ("fusion_enthalpy", "C"),
        }
        for c in corrections:
            assert table.loc[c["symbol"], c["column"]] == c["value"], c
            assert c["reason"], c
            assert c["symbol"] in sources.loc[c["column"], "corrected_elements"].split()
        assert not imputed_mask().loc["C", "fusion_enthalpy"]  # a stated value now


class TestExactReading:
    """Every value equals Python's float() of its CSV text, whatever the pandas version."""

    @pytest.mark.parametrize(
        ("which", "file"),
        [
            ("xenonpy", "elements_xenonpy.csv"),
            ("extended", "elements.csv"),
            ("default", "elements_legacy.csv"),
        ],
    )
    def test_values_equal_float_of_text(self, which, file):
        with (DATA / file).open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        table = load_element_table(which)
        assert list(table.columns) == rows[0][1:]
        assert list(table.index) == [r[0] for r in rows[1:]]
        text = np.array(
            [[float(v) if v else np.nan for v in r[1:]] for r in rows[1:]], dtype=np.float64
        )
        values = table.to_numpy()
        np.testing.assert_array_equal(np.isnan(values), np.isnan(text))
        same = (values == text) | np.isnan(text)
        assert same.all(), [
            (rows[1 + i][0], rows[0][1 + j], rows[1 + i][1 + j])
            for i, j in zip(*np.nonzero(~same), strict=True)
        ][:5]

    def test_xenonpy_file_matches_its_provenance(self):
        info = element_table_build_info("xenonpy")
        data = (DATA / "elements_xenonpy.csv").read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["csv_sha256"]
        assert info["licence"].startswith("BSD-3-Clause")
        assert info["retrieved_from"]["member"] == "molfeat/data/elements_completed.xz"
        assert len(info["retrieved_from"]["sha256"]) == 64
        assert "Copyright (c) 2021 TsumiNa" in (DATA / "elements_xenonpy_LICENSE.txt").read_text()
        assert set(info["renamed_columns"].values()) <= set(load_element_table().columns)
        legacy = json.loads((DATA / "elements_legacy.json").read_text())
        assert element_table_build_info("default") == legacy


class TestFlagging:
    def test_flags_factor_two_sign_and_zero(self, builder):
        table = pd.DataFrame(
            {"a": [1.0, 2.1, 10.0, 0.0, np.nan], "b": [-1.0, 0.0, 0.0, 5.0, 1.0]},
            index=["H", "He", "Li", "Be", "B"],
        )
        reference = pd.DataFrame(
            {"a": [0.5, 1.0, 4.99, 0.0, 3.0], "b": [1.0, 0.0, 1.0, 5.0, 1.0], "c": 1.0},
            index=["H", "He", "Li", "Be", "B"],
        ).drop(index="Be")
        imputed = pd.DataFrame(False, index=table.index, columns=table.columns)
        imputed.loc["Li", "a"] = True
        flags = builder.flag_disagreements(table, reference, imputed=imputed)
        # H:a is exactly a factor 2 (kept); He:a is 2.1 (flagged); Li:a 2.004 (flagged);
        # H:b changes sign; Li:b is 0 against 1; He:b is 0 against 0 (agrees); Be is not in
        # the reference; B:a is missing here.
        got = list(zip(flags["symbol"], flags["column"], strict=True))
        assert got == [("H", "b"), ("He", "a"), ("Li", "a"), ("Li", "b")]  # row by row
        assert flags["imputed"].tolist() == [False, False, True, False]
        assert flags["ratio"].iloc[:3].tolist() == pytest.approx([-1.0, 2.1, 10.0 / 4.99])
        assert flags["ratio"].iloc[3] == 0.0
        assert "4 cells differ" in builder.disagreement_report(flags)
        assert builder.flag_disagreements(table, table).empty
        with pytest.raises(ValueError, match="factor"):
            builder.flag_disagreements(table, reference, factor=1.0)

    def test_shipped_tables(self, builder):
        flags = builder.flag_disagreements(
            load_element_table("curated"), load_element_table("xenonpy"), imputed=imputed_mask()
        )
        flagged = set(zip(flags["symbol"], flags["column"], strict=True))
        # The errors of issue 10 are gone ...
        for sym in ("H", "He", "N", "O", "F", "Ne", "Cl", "Ar", "Kr", "Xe"):
            assert (sym, "atomic_volume") not in flagged
        assert not any(col == "mendeleev_number" for _, col in flagged)
        for sym in ("H", "F", "Cl", "Br", "I", "C", "K"):
            assert (sym, "fusion_enthalpy") not in flagged
        # ... and XenonPy's own potassium vaporisation enthalpy (its fusion value) is reported.
        assert ("K", "evaporation_heat") in flagged
        old = builder.flag_disagreements(
            load_element_table("default"), load_element_table("xenonpy")
        )
        assert len(old) > len(flags)
