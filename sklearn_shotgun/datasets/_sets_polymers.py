"""Registered polymer data sets (RadonPy, polyVERSE, MD Tg, polymer dielectrics)."""

from __future__ import annotations

from ._dataset import DataSet, mse_dataset
from ._dataset import github_file as _github

ENTRIES: list[DataSet] = []


def _add(**kwargs) -> None:
    ENTRIES.append(DataSet(**kwargs))


def _mse(*args, **kwargs) -> None:
    ENTRIES.append(mse_dataset(*args, **kwargs))


_DIEL_DIR = "polymer_dielectric_mse_benchmark"
_MANNODI = "Mannodi-Kanakkithodi et al., Sci. Rep. 6, 20952 (2016)"
_WU = "K. Wu et al., J. Polym. Sci. B 54, 2082 (2016)"


_RADONPY_TARGETS = {
    "Cp": "J/(kg K)",
    "Cv": "J/(kg K)",
    "thermal_conductivity": "W/(m K)",
    "thermal_diffusivity": "m^2/s",
    "density": "g/cm^3",
    "refractive_index": "dimensionless",
    "static_dielectric_const": "dimensionless",
    "dielectric_const_dc": "dimensionless",
    "compressibility": "1/Pa",
    "bulk_modulus": "Pa",
    "isentropic_compressibility": "1/Pa",
    "isentropic_bulk_modulus": "Pa",
    "volume_expansion": "1/K",
    "linear_expansion": "1/K",
    "Rg": "angstrom",
    "self-diffusion": "m^2/s",
    "nematic_order_parameter": "dimensionless",
    "mol_weight_monomer": "g/mol",
    "vdw_volume_monomer": "angstrom^3",
    "qm_total_energy_monomer": "kJ/mol",
    "qm_homo_monomer": "eV",
    "qm_lumo_monomer": "eV",
    "qm_dipole_monomer": "Debye",
    "qm_polarizability_monomer": "angstrom^3",
}
_add(
    name="radonpy_pi1070",
    title="RadonPy PI1070: MD-computed properties of 1,077 amorphous polymers",
    material="polymer",
    files=(
        _github(
            "RadonPy/RadonPy",
            "648c9a492808339c9bb7ad2c1137e5a7b07614ca",
            "data/PI1070.csv",
            "4ee41d526db3d03eb5b83010672b4e63a4d51a114871a2187ca7fd57d30556a4",
            "polymer_radonpy_pi1070/PI1070.csv",
        ),
    ),
    inputs=("smiles",),
    input_kind="polymer_smiles",
    targets=_RADONPY_TARGETS,
    n_rows=1_077,
    licence="BSD-3-Clause (RadonPy developers)",
    citation="Hayashi, Shiomi, Morikawa, Yoshida, npj Comput. Mater. 8, 222 (2022)",
    source="RadonPy/RadonPy@648c9a49 data/PI1070.csv",
    notes=(
        "All-atom classical MD (GAFF2) at 300 K, 1 atm; MD values, not experiments (MD Cp "
        "is systematically high). Each MD property X also has X_min, X_max, X_std, X_count "
        "columns (statistics over runs); qm_* are DFT properties of the repeat unit. 157 "
        "columns in all."
    ),
)

_PV = "Ramprasad-Group/polyVERSE"
_PV_COMMIT = "8463838bc1b7f74e63eab127f2341c1abf50b0ab"
_PV_LICENCE = (
    "Georgia Tech general public use licence (attribution, share-alike, no commercial sale): "
    "research / non-commercial use"
)
_PV_DIR = "polymer_polyverse_ramprasad"
_KAMAL = "Kamal et al., J. Chem. Phys. 154, 174906 (2021); polyVERSE, doi:10.5281/zenodo.13352643"
_POLYBERT = (
    "Kuenneth & Ramprasad, Nat. Commun. 14, 4099 (2023); polyVERSE, doi:10.5281/zenodo.13352643"
)


def _no_star(count: int) -> str:
    return (
        f"{count} repeat units have no '*' attachment point (written as closed molecules, "
        "e.g. 'C(S1)=CC=C1C(S2)=CC=C2'), as in the source file."
    )


def _polyverse(name, title, path, sha256, smiles, target, units, n_rows, cite, **kwargs):
    filename = path.rsplit("/", 1)[-1]
    _add(
        name=name,
        title=title,
        material="polymer",
        files=(_github(_PV, _PV_COMMIT, path, sha256, f"{_PV_DIR}/{filename}"),),
        inputs=(smiles,),
        input_kind="polymer_smiles",
        targets={target: units},
        n_rows=n_rows,
        licence=_PV_LICENCE,
        citation=cite,
        source=f"{_PV}@{_PV_COMMIT[:8]} {path}",
        **kwargs,
    )


_polyverse(
    "polyverse_bandgap_chain",
    "polyVERSE DFT band gap of isolated polymer chains",
    "Other/bandgap_chain/bandgap_chain.csv",
    "4624950592aa7b3be480fec5abea682597569ebc0b02b9c56ceeadc88edcd5db",
    "smiles",
    "bandgap_chain",
    "eV",
    4_209,
    _KAMAL,
    notes=_no_star(81),
)
_polyverse(
    "polyverse_bandgap_crystal",
    "polyVERSE DFT band gap of polymer crystals",
    "Other/bandgap_crystal/bandgap_crystal.csv",
    "afa8f0ef8c802537267af774b78922fb4f0c32ea05fbd1b390254f3d07592803",
    "smiles",
    "bandgap_crystal",
    "eV",
    236,
    _KAMAL,
    notes=_no_star(4),
)
_polyverse(
    "polyverse_injection_barrier",
    "polyVERSE electron injection barrier",
    "Other/charge_injection_barrier/charge_injection_barrier.csv",
    "02d43de0bcc005d9fbe2fca78cd7fc9274bf9449a4be4bcd8c6b66c2c788608c",
    "smiles",
    "eib",
    "eV",
    1_826,
    _KAMAL,
    notes=_no_star(79),
)
_polyverse(
    "polyverse_atomization_energy",
    "polyVERSE DFT atomization energy",
    "Other/Atomization_enthalpy/atomization_enthalpy_202412051524.csv",
    "6104cdb4b84cd6aba09bb5ab10af0ca034373f566d482eecf0efe4d487e2d812",
    "smiles1",
    "value",
    "eV/atom",
    390,
    _POLYBERT,
)
_polyverse(
    "polyverse_electron_affinity",
    "polyVERSE DFT electron affinity",
    "Other/Electron_Affinity/electron_affinity_202412051526.csv",
    "d4b83bbc1f2d84499d7dc82fd4ff513328ab3b0d971604e410a59da536436d59",
    "smiles1",
    "value",
    "eV",
    368,
    _POLYBERT,
)
_polyverse(
    "polyverse_ionization_energy",
    "polyVERSE DFT ionization energy",
    "Other/Ionization_energy/ionization_energy_202412051526.csv",
    "cbf732641124d839e8595ddbc982d488479d86487dd3ea6f07a9b44f424159b3",
    "smiles",
    "value",
    "eV",
    370,
    _POLYBERT,
)
_polyverse(
    "polyverse_cohesive_energy_density",
    "polyVERSE cohesive energy density",
    "Other/Cohesive_energy_density/Cohesive_energy_density_2025_06_23.csv",
    "3a42aaa7550eeb07bf745df982aa88c0710e982080a6357add486367aec3417b",
    "smiles1",
    "value_COE",
    "cal/cm^3",
    294,
    _POLYBERT,
    notes="Units as stated by the repository's README (cal/cm^3).",
)
_add(
    name="polyverse_chi",
    title="polyVERSE Flory-Huggins chi of polymer-solvent pairs",
    material="polymer",
    files=(
        _github(_PV, _PV_COMMIT, "Other/chi_parameter/chi_parameter.csv",
                "108f755a9e1aea70b64841a36c5fdf0d7dca13b38e852816b1f129729f8a6489",
                f"{_PV_DIR}/chi_parameter.csv"),
    ),
    inputs=("Polymer_SMILES", "Solvent_SMILES", "temperature"),
    input_kind="polymer_solvent",
    targets={"chi": "dimensionless"},
    n_rows=1_586,
    licence=_PV_LICENCE,
    citation="Nistane et al., MRS Commun. 12, 1096 (2022); polyVERSE, doi:10.5281/zenodo.13352643",
    source=f"{_PV}@{_PV_COMMIT[:8]} Other/chi_parameter/chi_parameter.csv",
    notes="Literature values at the given temperature (K); three inputs per row.",
)  # fmt: skip
_add(
    name="md_tg",
    title="MD-simulated glass transition temperature of 188 polymers (Ramprasad group)",
    material="polymer",
    files=(
        _github(
            "Ramprasad-Group/Polymer-Molecular-Dynamics-Database",
            "8c2fb52dad7903ca46a1c1910a8c0c4c94ae1ba7",
            "data/Tg.csv",
            "f2e39fb3f793a28f0b9d0b8fa8740084ff0dbd7febf433b9fa1f74a7600dc063",
            "polymer_md_tg_ramprasad/Tg.csv",
        ),
    ),
    inputs=("smiles",),
    input_kind="polymer_smiles",
    targets={"Value": "K"},
    n_rows=188,
    licence=_PV_LICENCE,
    citation="Ramprasad group, Polymer-Molecular-Dynamics-Database (GitHub)",
    source="Ramprasad-Group/Polymer-Molecular-Dynamics-Database@8c2fb52d data/Tg.csv",
    reader="csv-bom",
    notes="Simulated, not experimental. Some repeat units attach by [*]= double bonds.",
)

_BLOCKS = (
    "Inputs are 4-block repeat units of building blocks (e.g. CH2-CO-NH-CS), not SMILES: "
    "a featurizer needs a converter from blocks to a '*'-SMILES."
)
for _name, _file, _local, _units, _sha in (
    (
        "mannodi_electronic_dielectric",
        "Electronic Dielectric Constant",
        "electronic_dielectric_constant",
        "dimensionless",
        "cb6ce829b7e6d51d441511e7b297c15dfede11c7c07629c53402290d32c27469",
    ),
    (
        "mannodi_ionic_dielectric",
        "Ionic Dielectric Constant",
        "ionic_dielectric_constant",
        "dimensionless",
        "fc4a52ecd17e80ff888d21d7264b775df2c35af81159e44e2bdd02c5fcd3b823",
    ),
    (
        "mannodi_total_dielectric",
        "Total Dielectric Constant",
        "total_dielectric_constant",
        "dimensionless",
        "e52cef63d0f21ee95c19d7d86cbc266ae57067faae1a5fcfac9732e76b46538e",
    ),
    (
        "mannodi_hse_band_gap",
        "HSE Band Gap (eV)",
        "HSE_band_gap_eV",
        "eV",
        "ab81c2efcbdc92f311c678b1395c22a45c171e856348825d805c8d092100b9ed",
    ),
):
    _mse(_name, f"Polymer Genome (Mannodi 2016) {_file}", "polymer",
         f"raw_data/Mannodi_polymer_dielec/{_file}.csv", f"{_DIEL_DIR}/Mannodi_{_local}.csv",
         _sha, ("4-BLOCK POLYMER",), "blocks", {_file: _units}, 284, _MANNODI,
         notes=_BLOCKS)  # fmt: skip

_WU_NOTES = (
    "SMILES are oligomer/monomer-like, without '*' attachment points. 155 rows (SOURCE.md of "
    "the shared copy says 156): one SMILES (row 95, 'O(C(=O)CC[C@H](C(OCCCC)=O)C)C\\nCCC') "
    "holds a line break inside quotes in the source file."
)
for _name, _file, _column, _units, _sha in (
    (
        "wu_dft_band_gap",
        "GAP",
        "GAP",
        "eV",
        "44b0c5f818033bde62adfdcb58ecf9bb53bf0b6034585af2dfdc368486cd632b",
    ),
    (
        "wu_dft_epsilon_e",
        "epsilon_e",
        "epsilon_e",
        "dimensionless",
        "cf7b5edfd5a2f95cdcb0bee3eb0b0f1c3bc1e730cce89603ff62eacc647ae648",
    ),
    (
        "wu_dft_epsilon_i",
        "epsilon_i",
        "epsilon_i",
        "dimensionless",
        "b907ff9cb002275f44abd0e24b0c97035bff0797e5fc30e8b7dbaf08a9ca2704",
    ),
):
    _mse(_name, f"K. Wu 2016 polymer DFT {_column}", "polymer",
         f"raw_data/Wu_DFT_Eg_dielec_consts/{_file}.csv", f"{_DIEL_DIR}/Wu_DFT_{_file}.csv",
         _sha, ("SMILES",), "smiles", {_column: _units}, 155, _WU,
         notes=_WU_NOTES)  # fmt: skip

_mse("wu_expt_dielectric", "K. Wu 2016 experimental polymer dielectric constants", "polymer",
     "raw_data/Wu_Exp_dielec_const.csv", f"{_DIEL_DIR}/Wu_Exp_dielec_const.csv",
     "f716d86dec2c1d4c3e4d002f0be00662a261095f793fa20b22131f34cc76087b",
     ("Name",), "name", {"Value": "dimensionless"}, 58, _WU,
     notes="Polymer names only, no SMILES.")  # fmt: skip
