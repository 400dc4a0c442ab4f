"""Tests of the bundled element table (``sklearn_shotgun.featurizers.elements``)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_shotgun.featurizers.elements import (
    ELEMENT_TABLES,
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


class TestLoadElementTable:
    def test_default_shape_and_completeness(self):
        table = load_element_table()
        assert table.shape == (94, 58)
        assert not table.isna().any().any()
        assert (table.dtypes == np.float64).all()
        assert table.index.is_unique

    def test_extended_and_raw(self):
        extended = load_element_table("extended")
        raw = load_element_table("raw")
        assert extended.shape == (103, 58)
        assert raw.shape == (103, 58)
        pd.testing.assert_frame_equal(extended.iloc[:94], load_element_table())
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
            ("Cu", "melting_point", 1357.77, 1.0),
            ("Fe", "bulk_modulus", 170, 0),
        ],
    )
    def test_known_values(self, symbol, column, expected, tol):
        table = load_element_table()
        assert table.loc[symbol, column] == pytest.approx(expected, abs=tol)

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

    @pytest.mark.parametrize("which", ["Default", "", None, 1, "complete"])
    def test_invalid_which(self, which):
        with pytest.raises(ValueError, match="which must be one of"):
            load_element_table(which)
        with pytest.raises(ValueError, match="which must be one of"):
            imputed_mask(which)

    @pytest.mark.parametrize("which", ELEMENT_TABLES)
    def test_all_views_have_same_columns(self, which):
        assert list(load_element_table(which).columns) == list(element_table_sources().index)


class TestImputedMask:
    def test_mask_aligned_with_table(self):
        for which in ELEMENT_TABLES:
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
