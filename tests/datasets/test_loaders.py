"""Every registered data set read from its shared copy: rows, columns, units, known values."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_shotgun.datasets import (
    DATASETS,
    QM9_PROPERTIES,
    fetch_dataset,
    list_datasets,
    load_qm9,
    load_radonpy,
    read_frame,
)

# name: (rows in the file, rows kept in data/target for the default target, first input,
# first target value). Row counts are those of SOURCE.md, except where the file disagrees
# (noted).
FACTS = {
    "iqspr_pubchem": (16674, 16674, "CC(=O)OC(CC(=O)[O-])C[N+](C)(C)C", 177.577),
    "esol": (1128, 1128, "OCC3OC(OCC2OC(OC(C#N)c1ccccc1)C(O)C(O)C2O)C(O)C(O)C3O ", -0.77),
    "freesolv": (642, 642, "CN(C)C(=O)c1ccc(cc1)OC", -11.01),
    "lipophilicity": (4200, 4200, "Cn1c(CN2CCN(CC2)c3ccc(Cl)cc3)nc4ccccc14", 3.54),
    "boiling_point_goll_jurs": (277, 277, "C(Br)(Cl)(Cl)Cl", 378.0),
    # Read from the installed chemicals package; rows without a PubChem SMILES left out.
    "chemicals_crc_heat_capacity": (2470, 382, "C(Cl)(Cl)(Cl)Cl", 130.7),
    "chemicals_organic_refractive_index": (
        4490, 4073, "CN1C2CCC1C(C(C2)OC(=O)C3=CC=CC=C3)C(=O)OC", 1.5022
    ),
    "radonpy_pi1070": (1077, 1076, "*CC*", 4699.002675),  # Cp: 1,076 values
    "polyverse_bandgap_chain": (4209, 4209, "[*]C=C([*])c1ccc(NC=O)cc1", 0.071),
    "polyverse_bandgap_crystal": (236, 236, "[*]C=C([*])C#N", 0.5068),
    "polyverse_injection_barrier": (1826, 1826, "[*]C=C([*])C#N", -1.2339982810569383),
    "polyverse_atomization_energy": (390, 390, "[*]CC([*])C", -5.14),
    "polyverse_electron_affinity": (368, 368, "[*]CC([*])C", 0.4343),
    "polyverse_ionization_energy": (370, 370, "[*]CC([*])C", 6.185),
    "polyverse_cohesive_energy_density": (294, 294, "[*]C(F)(F)C([*])(F)c1ccccc1", 20.68136848),
    "md_tg": (188, 188, "[*]=CCCC=[*]", 183.8336509),
    "mannodi_electronic_dielectric": (284, 284, "CH2-CO-NH-CS", 3.332),
    "mannodi_ionic_dielectric": (284, 284, "CH2-CO-NH-CS", 1.017),
    "mannodi_total_dielectric": (284, 284, "CH2-CO-NH-CS", 4.349),
    "mannodi_hse_band_gap": (284, 284, "CH2-CO-NH-CS", 3.06),
    # SOURCE.md says 156 rows: the file has 155 (one SMILES holds a quoted line break).
    "wu_dft_band_gap": (155, 155, "C(CC)C", 6.32),
    "wu_dft_epsilon_e": (155, 155, "C(CC)C", 2.35),
    "wu_dft_epsilon_i": (155, 155, "C(CC)C", 0.0),
    "wu_expt_dielectric": (58, 58, "polytetrafluoroethylene", 2.1),
    "matbench_mp_e_form": (132752, 132752, "C1Pt1", 1.9953836506249996),
    "matbench_mp_gap": (106113, 106113, "K4Mn4O8", 1.3321999999999998),
    "matbench_dielectric": (4764, 4764, "K6S6", 1.752063640396657),
    "matbench_expt_gap": (4604, 4604, "Ag(AuS)2", 0.0),
    "matbench_expt_is_metal": (4921, 4921, "Ag(AuS)2", 1.0),
    "matbench_log_kvrh": (10987, 10987, "Ag2Ca1Ge2", 1.7075701760979363),
    "matbench_log_gvrh": (10987, 10987, "Ag2Ca1Ge2", 1.4471580313422192),
    "matbench_phonons": (1265, 1265, "Ba1Te1", 98.58577122703691),
    "matbench_jdft2d": (636, 636, "Hf2Si2Te2", 63.593833333333016),
    "matbench_perovskites": (18928, 18928, "N3Rh1Te1", 2.16),
    "matbench_steels": (312, 312, "Fe0.620C0.000953Mn0.000521Si0.00102Cr0.000110Ni0.192Mo0.0176"
                        "V0.000112Nb0.0000616Co0.146Al0.00318Ti0.0185", 2411.5),
    "aflow_thermal_conductivity": (4887, 4887, "Ho2In1Ni2", 4.07935),
    "aflow_thermal_expansion": (4886, 4886, "Ho2In1Ni2", 4.99291e-05),
    "aflow_bulk_modulus": (4896, 4896, "Zr1", 94.658),
    "aflow_shear_modulus": (4896, 4896, "Zr1", 35.9976),
    "aflow_debye_temperature": (4896, 4896, "Zr1", 268.987),
    "aflow_band_gap": (27577, 27577, "Tl1Y1", 0.0),
    "aflow_energy_per_atom": (27579, 27579, "Co1Dy1Ga5", -3.21636),
    "mp_bulk_modulus": (6307, 6307, "HfBe5", 131.2330658988945),
    "mp_shear_modulus": (6184, 6184, "Y2ZnIn", 32.45764787301299),
    "mp_elastic_anisotropy": (6331, 6331, "AgAsRu2", -5.66),
    "mp_magnetization": (56662, 56662, "Sr3CaTiMn3O12", 18.5050078),
    "mp_e_hull": (56662, 56662, "Sr3CaTiMn3O12", 0.04888325070835098),
    "roost_mp_band_gap": (43921, 43921, "Ac2O3", 3.5226),
    "roost_expt_band_gap": (3895, 3895, "Hg0.7Cd0.3Te", 0.35),
    "seko_melting_point": (248, 248, "Al", 933.4730000000001),
    "lee_band_gaps": (270, 32, "AlAs", 2.23),  # experimental gap: 32 of 270 rows
    "zeng_bulk_modulus": (5518, 5518, "CaTiO3", 172.0),
    "zeng_shear_modulus": (5518, 5518, "CaTiO3", 101.0),
    "pilania_double_perovskites": (1306, 1306, "AgNbLaAlO6", 4.1645432),
    # SOURCE.md says 222 / 2,399 rows: the files have 223 / 2,400.
    "citrine_m2ax": (223, 223, "Sc2AlC", 88.0),
}  # fmt: skip
# polyVERSE rows whose repeat unit has no '*' attachment point (written as a closed molecule).
NO_ATTACHMENT_POINT = {
    "polyverse_bandgap_chain": 81,
    "polyverse_bandgap_crystal": 4,
    "polyverse_injection_barrier": 79,
}
# Checked by their own tests below.
SPECIAL = {"qm9", "bradley_melting_point", "polyverse_chi", "citrine_transparent_conductors"}


def test_every_data_set_is_checked():
    assert set(FACTS) | SPECIAL == set(DATASETS)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_loader_reads_the_shared_copy(name):
    n_rows, n_kept, first_input, first_target = FACTS[name]
    dataset = DATASETS[name]
    bunch = fetch_dataset(name)
    assert len(bunch.frame) == n_rows == dataset.n_rows
    assert set(dataset.inputs) <= set(bunch.frame.columns)
    assert set(dataset.targets) <= set(bunch.frame.columns)
    assert bunch.data.shape == (n_kept,)
    assert bunch.target.shape == (n_kept,) and bunch.target.dtype == np.float64
    assert np.isfinite(bunch.target).all()
    assert bunch.data[0] == first_input
    assert bunch.target[0] == pytest.approx(first_target, rel=1e-12)
    assert bunch.feature_names == list(dataset.inputs)
    assert bunch.target_names == [dataset.default_target]
    assert bunch.units == {dataset.default_target: dataset.targets[dataset.default_target]}
    assert bunch.material == dataset.material
    assert dataset.licence in bunch.DESCR and dataset.url in bunch.DESCR
    if dataset.input_kind == "polymer_smiles":
        without_star = sum("*" not in s for s in bunch.data)
        assert without_star == NO_ATTACHMENT_POINT.get(name, 0)


def test_units_of_known_targets():
    assert DATASETS["qm9"].targets["Heatcapacity_Cv_cal_mol_K"] == "cal/(mol K)"
    assert DATASETS["radonpy_pi1070"].targets["Cp"] == "J/(kg K)"
    assert DATASETS["iqspr_pubchem"].targets == {"E": "kJ/mol", "HOMO-LUMO gap": "eV"}
    assert DATASETS["matbench_mp_e_form"].targets == {"target": "eV/atom"}
    assert DATASETS["boiling_point_goll_jurs"].targets == {"BP": "K"}
    assert DATASETS["bradley_melting_point"].targets == {"mpC": "degC"}


def test_iqspr_matches_its_source_description():
    # SOURCE.md: E 2.19-589.3 kJ/mol (mean 168.6), gap 1.37-16.75 eV (mean 5.72).
    b = fetch_dataset("iqspr_pubchem", target=["E", "HOMO-LUMO gap"], as_frame=True)
    assert b.target["E"].min() == pytest.approx(2.19, abs=0.01)
    assert b.target["E"].max() == pytest.approx(589.3, abs=0.1)
    assert b.target["E"].mean() == pytest.approx(168.6, abs=0.1)
    assert b.target["HOMO-LUMO gap"].min() == pytest.approx(1.37, abs=0.01)
    assert b.target["HOMO-LUMO gap"].max() == pytest.approx(16.75, abs=0.01)
    assert b.target["HOMO-LUMO gap"].mean() == pytest.approx(5.72, abs=0.01)
    # The molecules the library needs for sulfur and chlorine (QM9 has neither).
    assert b.data.str.contains("S").sum() > 1000 and b.data.str.contains("Cl").sum() > 500
    assert isinstance(b.data.iloc[0], str)  # R factors come back as plain strings


def test_boiling_points_range():
    X, y = fetch_dataset("boiling_point_goll_jurs", return_X_y=True)
    assert (y.min(), y.max()) == (145.1, 653.1)
    assert X.dtype == object


def test_radonpy_missing_values_per_target():
    # SOURCE.md: Cp and Cv have 1,076 values, thermal_conductivity 1,070, density 1,077.
    for target, count in {"Cp": 1076, "Cv": 1076, "thermal_conductivity": 1070}.items():
        assert len(fetch_dataset("radonpy_pi1070", target=target).target) == count
    b = fetch_dataset("radonpy_pi1070", target="density", dropna=False)
    assert len(b.target) == 1077 and np.isfinite(b.target).all()
    assert b.units == {"density": "g/cm^3"}


def test_radonpy_legacy_loader_is_the_same_table():
    frame = load_radonpy()
    pd.testing.assert_frame_equal(frame, read_frame("radonpy_pi1070"))
    assert frame.shape == (1077, 157)  # SOURCE.md says 187 columns; the file has 157


def test_md_tg_bom_is_stripped():
    assert list(read_frame("md_tg").columns) == ["smiles", "Value"]


def test_sodium_nitride_is_not_a_missing_value():
    # "NaN" is pandas' default missing-value marker, and the formula of sodium nitride.
    b = fetch_dataset("mp_e_hull", as_frame=True)
    assert (b.data == "NaN").sum() == 1
    assert b.target[b.data == "NaN"].iloc[0] == pytest.approx(0.17353742624999846)


def test_crabnet_splits_are_concatenated_in_order():
    frame = read_frame("aflow_thermal_conductivity")
    counts = frame["split"].value_counts()
    assert counts.to_dict() == {"train": 3422, "val": 733, "test": 732}
    assert list(frame["split"].drop_duplicates()) == ["train", "val", "test"]


def test_lee_footnote_letters_are_read_as_numbers():
    b = fetch_dataset("lee_band_gaps", as_frame=True)
    gaps = dict(zip(b.data, b.target, strict=True))
    assert gaps["BN"] == 6.22 and gaps["BP"] == 2.40
    all_gaps = fetch_dataset("lee_band_gaps", target="Eg (PBE; eV)")
    assert len(all_gaps.target) == 270


def test_chi_has_three_inputs():
    b = fetch_dataset("polyverse_chi", as_frame=True)
    assert len(b.frame) == DATASETS["polyverse_chi"].n_rows == 1586
    assert list(b.data.columns) == ["Polymer_SMILES", "Solvent_SMILES", "temperature"]
    assert b.data.iloc[0].tolist() == ["[*]CCOC(=O)CCCCC(=O)O[*]", "C(Cl)(Cl)Cl", 373.0]
    assert b.target.iloc[0] == -0.55
    X, y = fetch_dataset("polyverse_chi", return_X_y=True)
    assert X.shape == (1586, 3) and y.shape == (1586,)


def test_transparent_conductors_are_numeric_features():
    b = fetch_dataset("citrine_transparent_conductors", target=["formation energy",
                      "bandgap_energy_ev"])  # fmt: skip
    assert b.data.shape == (2400, 11) and b.data.dtype == np.float64
    assert b.target.shape == (2400, 2)
    assert b.target[0].tolist() == [0.068, 3.4387]
    assert b.units == {"formation energy": "eV/atom", "bandgap_energy_ev": "eV"}


def test_as_frame_keeps_the_row_numbers_of_frame():
    b = fetch_dataset("radonpy_pi1070", target="thermal_conductivity", as_frame=True)
    assert isinstance(b.data, pd.Series) and isinstance(b.target, pd.Series)
    assert b.target.name == "thermal_conductivity"
    dropped = b.frame.index.difference(b.target.index)
    assert len(dropped) == 7 and b.frame.loc[dropped, "thermal_conductivity"].isna().all()
    assert (b.frame.loc[b.target.index, "smiles"] == b.data).all()


def test_bad_names_and_targets_are_reported():
    with pytest.raises(KeyError, match=r"unknown data set 'qm10'.*qm9"):
        fetch_dataset("qm10")
    with pytest.raises(ValueError, match=r"'Cp'.*not a target of data set 'esol'"):
        fetch_dataset("esol", target="Cp")
    with pytest.raises(ValueError, match="material='metal'"):
        list_datasets("metal")


def test_list_datasets():
    table = list_datasets()
    assert len(table) == len(DATASETS)
    assert set(table["material"]) == {"molecule", "polymer", "inorganic"}
    polymers = list_datasets("polymer")
    assert "radonpy_pi1070" in polymers.index and "qm9" not in polymers.index
    assert table.loc["esol", "n_rows"] == 1128
    assert "Cp [J/(kg K)]" in table.loc["radonpy_pi1070", "targets"]


@pytest.mark.slow
def test_qm9():
    b = fetch_dataset("qm9", target=list(QM9_PROPERTIES), as_frame=True)
    assert len(b.frame) == 130_831
    assert b.frame["Index"].is_monotonic_increasing
    assert b.frame["Index"].iloc[[0, -1]].tolist() == [1, 133_885]
    assert b.data.iloc[0] == "C"  # methane
    assert b.target.loc[0, "Heatcapacity_Cv_cal_mol_K"] == 6.469
    assert b.target.loc[0, "HOMO_LUMO_gap_au"] == 0.5048
    assert b.units["Polarizability_bohr3"] == "bohr^3"
    legacy = load_qm9(n_samples=100, random_state=0)
    assert list(legacy.columns) == ["Index", "SMILES", *QM9_PROPERTIES]
    assert len(legacy) == 100 and legacy["Index"].is_monotonic_increasing


@pytest.mark.slow
def test_qm9_from_the_installed_qm9pack_is_the_same_table(tmp_path):
    # An empty data home: QM9 comes from qm9pack's three CSVs, each sha256-checked.
    frame = read_frame("qm9", home=tmp_path)
    pd.testing.assert_frame_equal(frame, read_frame("qm9"))


@pytest.mark.slow
def test_qm9_wheel_reader(tmp_path):
    """The reader of the downloaded wheel, on a zip holding qm9pack's real CSVs."""
    import importlib.util
    import zipfile

    from sklearn_shotgun.datasets._loaders import _read_qm9_zip
    from sklearn_shotgun.datasets._registry import QM9_PARTS

    site = importlib.util.find_spec("qm9pack").submodule_search_locations[0]
    wheel = tmp_path / "qm9pack-1.0.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_STORED) as zf:
        for member in QM9_PARTS:
            zf.write(f"{site}/../{member}", member)
    frame = _read_qm9_zip(wheel)
    assert len(frame) == 130_831 and frame["SMILES"].iloc[0] == "C"


@pytest.mark.slow
def test_bradley_melting_points():
    b = fetch_dataset("bradley_melting_point", as_frame=True)
    assert len(b.frame) == 28_645
    assert (b.frame["donotuse"].notna()).sum() == 377
    assert len(b.target) == 28_645 - 377  # flagged rows left out
    assert b.frame["smiles"].nunique() == 23_998
    assert b.data.iloc[0] == "c1ccnc(c1)Cc2ccc(cc2[N+](=O)[O-])[N+](=O)[O-]"
    assert b.target.iloc[0] == 92.0
    assert b.units == {"mpC": "degC"}


# ------------------------------------------------------------------ tables of `chemicals`


def _chemicals_site() -> Path:
    """The folder that holds the installed ``chemicals`` package."""
    import importlib.util

    return Path(importlib.util.find_spec("chemicals").submodule_search_locations[0]).parent


def _only_the_chemicals_wheel(tmp_path, monkeypatch, tamper: str | None = None) -> None:
    """Hide the installed chemicals and put, where its wheel is cached, a zip of its files
    (``tamper``: one of them changed), pinned by that zip's sha256."""
    import dataclasses
    import importlib.util
    import zipfile

    from sklearn_shotgun.datasets import _loaders
    from sklearn_shotgun.datasets._registry import CHEMICALS_FILES, CHEMICALS_WHEEL

    site = _chemicals_site()
    wheel = tmp_path / CHEMICALS_WHEEL.relpath
    wheel.parent.mkdir(parents=True)
    with zipfile.ZipFile(wheel, "w") as zf:
        for member in CHEMICALS_FILES:
            data = (site / member).read_bytes()
            zf.writestr(member, data + b"0" if member == tamper else data)
    pinned = dataclasses.replace(
        CHEMICALS_WHEEL, sha256=hashlib.sha256(wheel.read_bytes()).hexdigest()
    )
    monkeypatch.setattr(_loaders, "CHEMICALS_WHEEL", pinned)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "chemicals" else find_spec(name, *a),
    )


def test_installed_chemicals_files_are_the_pinned_ones():
    from sklearn_shotgun.datasets._registry import CHEMICALS_FILES

    for member, sha256 in CHEMICALS_FILES.items():
        data = (_chemicals_site() / member).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256, member


def test_chemicals_tables_join_smiles_and_molar_mass():
    b = fetch_dataset("chemicals_crc_heat_capacity", as_frame=True)
    frame = b.frame
    assert list(frame.columns[:4]) == ["CAS", "SMILES", "molar_mass", "Chemical"]
    water = frame.loc[frame["CAS"] == "7732-18-5"].iloc[0]
    assert water["SMILES"] == "O" and water["molar_mass"] == pytest.approx(18.015, abs=1e-3)
    assert water["Cpl"] == 75.3  # CRC: liquid water, J/(mol K) at 298.15 K
    assert b.units == {"Cpl": "J/(mol K)"}
    # 433 liquid heat capacities, 51 of substances without a SMILES in the package.
    assert frame["Cpl"].notna().sum() == 433
    assert len(b.data) == 382 and b.data.notna().all()
    ri = fetch_dataset("chemicals_organic_refractive_index", as_frame=True)
    assert "RIT" in ri.frame.columns and ri.target.between(1.1, 2.0).all()  # CH3F: 1.1674


def test_chemicals_wheel_is_read_when_the_package_is_absent(tmp_path, monkeypatch):
    _only_the_chemicals_wheel(tmp_path, monkeypatch)
    frame = read_frame("chemicals_organic_refractive_index", home=tmp_path, download=False)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(frame, read_frame("chemicals_organic_refractive_index"))


def test_chemicals_wheel_with_a_changed_file_is_refused(tmp_path, monkeypatch):
    from sklearn_shotgun.datasets import DataIntegrityError

    _only_the_chemicals_wheel(
        tmp_path, monkeypatch, tamper="chemicals/Misc/CRC Handbook Organic RI.csv"
    )
    with pytest.raises(DataIntegrityError, match=r"Organic RI\.csv"):
        read_frame("chemicals_organic_refractive_index", home=tmp_path, download=False)
