"""The registry of public data sets: where each file lives, its sha256, columns, units, licence.

Every entry is pinned: a GitHub file by ``raw.githubusercontent.com/<org>/<repo>/<commit>/<path>``,
the QM9 wheel by its PyPI address, each with the sha256 of the file. ``relpath`` is where the
file lives under the data home, the same layout as the project's ``shared/data`` folder.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

__all__ = ["DATASETS", "DataSet", "RemoteFile", "list_datasets"]


@dataclass(frozen=True)
class RemoteFile:
    """One pinned public file: its address, sha256 and place under the data home."""

    url: str
    sha256: str
    relpath: str


@dataclass(frozen=True)
class DataSet:
    """Metadata of one data set (one table of inputs and target properties).

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"polyverse_bandgap_chain"``.
    title : str
        Human label.
    material : {"molecule", "polymer", "inorganic"}
        Material class.
    files : tuple of RemoteFile
        The pinned file(s); several are concatenated (CrabNet's train/val/test splits).
    inputs : tuple of str
        Input column(s) of the table.
    input_kind : str
        ``"smiles"`` (molecules), ``"polymer_smiles"`` (repeat units with ``*``/``[*]``),
        ``"formula"``, ``"blocks"`` (Polymer Genome block notation), ``"name"`` (names
        only), ``"features"`` (numeric columns) or ``"polymer_solvent"``.
    targets : Mapping of str to str
        Target columns and their units; the first one is the default target.
    n_rows : int
        Rows of the table as read (before dropping missing values).
    licence, citation, source : str
        Licence of the data, reference to cite, and where it was taken from.
    reader : str
        How the file is read: ``"csv"``, ``"csv-bom"``, ``"splits"``, ``"xlsx"``,
        ``"rdata:<object>"`` or ``"qm9"``.
    exclude : str, optional
        A column whose non-empty cells flag rows the authors say not to use.
    notes : str
        Caveats added to ``DESCR``.
    """

    name: str
    title: str
    material: str
    files: tuple[RemoteFile, ...]
    inputs: tuple[str, ...]
    input_kind: str
    targets: Mapping[str, str]
    n_rows: int
    licence: str
    citation: str
    source: str
    reader: str = "csv"
    exclude: str | None = None
    notes: str = ""
    extra_files: tuple[RemoteFile, ...] = field(default=(), repr=False)

    @property
    def url(self) -> str:
        """Address of the (first) file."""
        return self.files[0].url

    @property
    def default_target(self) -> str:
        """The first target column."""
        return next(iter(self.targets))

    @property
    def descr(self) -> str:
        """A plain-text description (the ``DESCR`` of a fetched data set)."""
        lines = [self.title, "=" * len(self.title), ""]
        lines.append(
            f"{self.n_rows:,} rows; material class: {self.material}; input: "
            f"{', '.join(self.inputs)} ({self.input_kind})."
        )
        lines.append("")
        lines.append("Targets (units):")
        lines.extend(f"- {column}: {units}" for column, units in self.targets.items())
        lines += ["", f"Source: {self.source}", "Files (sha256-verified):"]
        lines.extend(f"- {f.url}" for f in self.files)
        lines += ["", f"Licence: {self.licence}", f"Citation: {self.citation}"]
        if self.notes:
            lines += ["", self.notes]
        return "\n".join(lines) + "\n"


def _github(repo: str, commit: str, path: str, sha256: str, relpath: str) -> RemoteFile:
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(path)}"
    return RemoteFile(url, sha256, relpath)


_ENTRIES: list[DataSet] = []


def _add(**kwargs) -> None:
    _ENTRIES.append(DataSet(**kwargs))


# ------------------------------------------------------------------------------ molecules

QM9_PROPERTIES = {
    "Heatcapacity_Cv_cal_mol_K": "cal/(mol K)",
    "HOMO_au": "Hartree",
    "LUMO_au": "Hartree",
    "HOMO_LUMO_gap_au": "Hartree",
    "ZPVE_au": "Hartree",
    "InternalEnergy_0K_au": "Hartree",
    "InternalEnergy_298K_au": "Hartree",
    "Enthalphy_298K_au": "Hartree",
    "GibbsFreeEnergy_298K_au": "Hartree",
    "Polarizability_bohr3": "bohr^3",
    "R2_bohr2": "bohr^2",
    "Dipole_debye": "Debye",
}

#: The QM9 table as a single gzip (the wheel's three CSVs concatenated, scalar columns only):
#: the project's shared-data layout. Not published on its own; read when present.
QM9_MIRROR = RemoteFile(
    url="",
    sha256="36e35b19b2fb6cb92b2a67792de2430331e23ed7e1b7573a2baf53eda0f851dc",
    relpath="qm9_qm9pack/qm9.csv.gz",
)
#: The CSVs of the qm9pack wheel and their sha256 (from the wheel's RECORD).
QM9_PARTS = {
    f"qm9pack/data/qm9_part{i}.csv": sha256
    for i, sha256 in enumerate(
        (
            "19f0a5d595462d52cd82eef3370f3e9eb55a1f52cb14985657200349568deff3",
            "2bca113fdc0b28a13563c80ed9b240e934f3da6c64c64fe74ddb4f0f36036e61",
            "9c5efb5733d2af149db8d95d36ff198b4ffed12d9f7b344220a1e5877d5c6a43",
        ),
        start=1,
    )
}
QM9_COLUMNS = (
    "Index", "SMILES", "InChi", "N_atoms", "Stoichiometry", "Dipole_debye",
    "Polarizability_bohr3", "HOMO_au", "LUMO_au", "HOMO_LUMO_gap_au", "R2_bohr2", "ZPVE_au",
    "InternalEnergy_0K_au", "InternalEnergy_298K_au", "Enthalphy_298K_au",
    "GibbsFreeEnergy_298K_au", "Heatcapacity_Cv_cal_mol_K", "RotA_GHz", "RotB_GHz", "RotC_GHz",
)  # fmt: skip

_add(
    name="qm9",
    title="QM9: 130,831 small organic molecules (B3LYP/6-31G(2df,p))",
    material="molecule",
    files=(
        RemoteFile(
            "https://files.pythonhosted.org/packages/fd/8f/"
            "ce586cc7801ebd0880483904127b1e50a81d31d3af287379edfe1af10fc7/"
            "qm9pack-1.0.3-py3-none-any.whl",
            "1d88c2988007c6778e717ee3224cf511bd60e10732ebe3b7ed500ea5af05c9f0",
            "qm9_qm9pack/qm9pack-1.0.3-py3-none-any.whl",
        ),
    ),
    inputs=("SMILES",),
    input_kind="smiles",
    targets=QM9_PROPERTIES,
    n_rows=130_831,
    licence="MIT (qm9pack); QM9 data distributed openly by its authors (CC0 commonly cited)",
    citation=(
        "Ramakrishnan, Dral, Rupp, von Lilienfeld, Sci. Data 1, 140022 (2014); "
        "data via the PyPI package qm9pack 1.0.3 (R. Ramakrishnan)"
    ),
    source="PyPI qm9pack 1.0.3 wheel, qm9pack/data/qm9_part{1,2,3}.csv",
    reader="qm9",
    notes=(
        "Read, in this order, from <data home>/qm9_qm9pack/qm9.csv.gz (the shared-data "
        "layout, sha256-checked), from an installed qm9pack (its CSVs sha256-checked against "
        "the wheel's RECORD), or from the 104 MB wheel downloaded from PyPI. 3,054 molecules "
        "that failed QM9's geometry-consistency check are absent. Enthalphy (sic) is the "
        "source's column name."
    ),
)

_add(
    name="iqspr_pubchem",
    title="iQSPR sample: 16,674 PubChem molecules with DFT internal energy and HOMO-LUMO gap",
    material="molecule",
    files=(
        _github(
            "cran/iqspr",
            "c4720c950512520e5d85a8209cd85a4f48a12929",
            "data/qspr.data.rda",
            "1e7ead1fd9a6a2e716550378aaf99b5ff95febd973265a7d2cadb837668105e6",
            "iqspr_pubchem_16674/qspr.data.rda",
        ),
    ),
    inputs=("SMILES",),
    input_kind="smiles",
    targets={"E": "kJ/mol", "HOMO-LUMO gap": "eV"},
    n_rows=16_674,
    licence="MIT (CRAN package iqspr 2.3, G. Lambard)",
    citation="Ikebata et al., J. Comput.-Aided Mol. Des. 31, 379 (2017)",
    source="cran/iqspr@c4720c95 data/qspr.data.rda (R data, object qspr.data)",
    reader="rdata:qspr.data",
    notes="Needs the PyPI package pyreadr. Molecules contain S, Cl, Br, charged atoms.",
)

_MOLNET = "GLambard/Molecules_Dataset_Collection"
_MOLNET_COMMIT = "beb35cd0b76db5adef6cb1fa55807e4cd309aaed"
_MOLNET_LICENCE = (
    "MIT (GLambard/Molecules_Dataset_Collection); original terms: ESOL (Delaney 2004), "
    "FreeSolv (open), Lipophilicity (ChEMBL, CC BY-SA 3.0)"
)
_MOLNET_CITE = "Wu et al., MoleculeNet, Chem. Sci. 9, 513 (2018)"
_MOLNET_DIR = "smallmol_moleculenet_esol_freesolv_lipo"

_add(
    name="esol",
    title="MoleculeNet ESOL: aqueous solubility of 1,128 molecules",
    material="molecule",
    files=(
        _github(
            _MOLNET,
            _MOLNET_COMMIT,
            "originals/ESOL_delaney-processed.csv",
            "8c06a76f0c6487d29ab0f903e6a7a7139f189ab3c1178f159c8be8964602f189",
            f"{_MOLNET_DIR}/ESOL_delaney-processed.csv",
        ),
    ),
    inputs=("smiles",),
    input_kind="smiles",
    targets={
        "measured log solubility in mols per litre": "log10 mol/L",
        "ESOL predicted log solubility in mols per litre": "log10 mol/L",
    },
    n_rows=1_128,
    licence=_MOLNET_LICENCE,
    citation=f"Delaney, J. Chem. Inf. Comput. Sci. 44, 1000 (2004); {_MOLNET_CITE}",
    source=f"{_MOLNET}@{_MOLNET_COMMIT[:8]} originals/ESOL_delaney-processed.csv",
    notes="Some SMILES carry trailing spaces; 11 molecules occur twice (different values).",
)
_add(
    name="freesolv",
    title="MoleculeNet FreeSolv: hydration free energy of 642 molecules",
    material="molecule",
    files=(
        _github(
            _MOLNET,
            _MOLNET_COMMIT,
            "originals/FreeSolv_SAMPL.csv",
            "ab5895d914ee87cb563bd7b9611e869527bba45bec6b014d34dc495a0f9dcb72",
            f"{_MOLNET_DIR}/FreeSolv_SAMPL.csv",
        ),
    ),
    inputs=("smiles",),
    input_kind="smiles",
    targets={"expt": "kcal/mol", "calc": "kcal/mol"},
    n_rows=642,
    licence=_MOLNET_LICENCE,
    citation=f"Mobley & Guthrie, J. Comput.-Aided Mol. Des. 28, 711 (2014); {_MOLNET_CITE}",
    source=f"{_MOLNET}@{_MOLNET_COMMIT[:8]} originals/FreeSolv_SAMPL.csv",
    notes="expt: experimental hydration free energy; calc: alchemical free-energy calculation.",
)
_add(
    name="lipophilicity",
    title="MoleculeNet Lipophilicity: octanol/water logD (pH 7.4) of 4,200 molecules",
    material="molecule",
    files=(
        _github(
            _MOLNET,
            _MOLNET_COMMIT,
            "originals/Lipophilicity.csv",
            "aed41590cb30609d51d8e08ad3ff06495a76e80e211358801f596b10da69bacd",
            f"{_MOLNET_DIR}/Lipophilicity.csv",
        ),
    ),
    inputs=("smiles",),
    input_kind="smiles",
    targets={"exp": "log10 (octanol/water distribution coefficient)"},
    n_rows=4_200,
    licence=_MOLNET_LICENCE,
    citation=f"ChEMBL (AstraZeneca deposition); {_MOLNET_CITE}",
    source=f"{_MOLNET}@{_MOLNET_COMMIT[:8]} originals/Lipophilicity.csv",
)
_add(
    name="bradley_melting_point",
    title="Jean-Claude Bradley open melting points (28,645 measurements)",
    material="molecule",
    files=(
        _github(
            "Yixli9811/Topic-Modeling-on-molecules",
            "bb2df1b7c6219929c995b64243a1d3eedd9db3a4",
            "data/BradleyMeltingPointDataset.xlsx",
            "7dfd0e60bf1ea75907e725b038c099ebd713191fa2bf69a31c126a425e563b41",
            "smallmol_bradley_melting_point/BradleyMeltingPointDataset.xlsx",
        ),
    ),
    inputs=("smiles",),
    input_kind="smiles",
    targets={"mpC": "degC"},
    n_rows=28_645,
    licence="CC0 (data, Bradley, Williams, Lang); the hosting repository has no licence",
    citation="Bradley, Williams, Lang, figshare doi:10.6084/m9.figshare.1031637 (2014)",
    source="Yixli9811/Topic-Modeling-on-molecules@bb2df1b7 data/BradleyMeltingPointDataset.xlsx",
    reader="xlsx",
    exclude="donotuse",
    notes=(
        "Needs the PyPI package openpyxl. The 377 rows flagged in 'donotuse' are left out of "
        "data/target (kept in frame). Repeated measurements of a compound are separate rows "
        "(23,998 distinct SMILES)."
    ),
)
_add(
    name="boiling_point_goll_jurs",
    title="Normal boiling points of 277 organic molecules (Goll & Jurs 1999)",
    material="molecule",
    files=(
        _github(
            "CDK-R/cdkr",
            "ecb5eaa5dec5a99484ea9846579525eb11c07809",
            "rcdk/data/bpdata.RData",
            "97b0fa37067bd1f278d2070119bf2d946a4de529692d4eeb8275868c8a3344d0",
            "smallmol_boiling_point_goll_jurs/bpdata.RData",
        ),
    ),
    inputs=("SMILES",),
    input_kind="smiles",
    targets={"BP": "K"},
    n_rows=277,
    licence="LGPL (R package rcdk, CDK-R/cdkr)",
    citation="Goll & Jurs, J. Chem. Inf. Comput. Sci. 39, 974 (1999)",
    source="CDK-R/cdkr@ecb5eaa5 rcdk/data/bpdata.RData (R data, object bpdata)",
    reader="rdata:bpdata",
    notes="Needs the PyPI package pyreadr. Mostly alkanes and halogenated alkanes.",
)

# ------------------------------------------------------------------------------- polymers

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
        "columns (statistics over runs); qm_* are DFT properties of the repeat unit. 187 "
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

_MSE = "anhender/mse_ML_datasets"
_MSE_COMMIT = "216f7ead6d0519a013511c763c3af62d279ff1a0"
_MSE_LICENCE = "MIT (anhender/mse_ML_datasets); values collected from the cited papers"
_HENDERSON = "Henderson et al., Data in Brief 37, 107262 (2021)"
_DIEL_DIR = "polymer_dielectric_mse_benchmark"
_MANNODI = "Mannodi-Kanakkithodi et al., Sci. Rep. 6, 20952 (2016)"
_WU = "K. Wu et al., J. Polym. Sci. B 54, 2082 (2016)"


def _mse(name, title, material, path, relpath, sha256, inputs, kind, targets, n_rows, cite,
         **kwargs):  # fmt: skip
    _add(
        name=name,
        title=title,
        material=material,
        files=(_github(_MSE, _MSE_COMMIT, path, sha256, relpath),),
        inputs=inputs,
        input_kind=kind,
        targets=targets,
        n_rows=n_rows,
        licence=_MSE_LICENCE,
        citation=f"{cite}; {_HENDERSON}",
        source=f"{_MSE}@{_MSE_COMMIT[:8]} {path}",
        **kwargs,
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

# ------------------------------------------------------------------------------ inorganic

_CRABNET = "anthony-wang/CrabNet"
_CRABNET_COMMIT = "457b4d4835737ecbe4dd33e53174bd818bd82143"
_CRABNET_LICENCE = "MIT (anthony-wang/CrabNet); underlying data: Materials Project, AFLOW, ..."
_CRABNET_CITE = "Wang, Kauwe, Murdock, Sparks, npj Comput. Mater. 7, 77 (2021)"
_MATBENCH_CITE = f"Dunn et al., npj Comput. Mater. 6, 138 (2020); {_CRABNET_CITE}"

for _name, _file, _repo_file, _units, _rows, _title, _sha in (
    (
        "matbench_mp_e_form",
        "mp_e_form",
        "mp_e_form",
        "eV/atom",
        132_752,
        "DFT formation energy (Materials Project)",
        "90e895635c96447c5be4e9070d26f26e1b4d17925102a6597ae3c4d79c32555b",
    ),
    (
        "matbench_mp_gap",
        "mp_gap",
        "mp_gap",
        "eV",
        106_113,
        "DFT (PBE) band gap (Materials Project)",
        "4084e584467e6f81ec8bf12c438eeb2c049ae39e11401bae694ef6a9983b9d9f",
    ),
    (
        "matbench_dielectric",
        "dielectric",
        "dielectric",
        "dimensionless",
        4_764,
        "Refractive index n (DFPT, Materials Project)",
        "6320d3da4c0f68e9248e26c058bf047b71f43ec687a6db6faf4f7bc4f4f21c9e",
    ),
    (
        "matbench_expt_gap",
        "expt_gap",
        "expt_gap",
        "eV",
        4_604,
        "Experimental band gap (Zhuo et al. 2018), zero for metals",
        "3de82c37f1db3ab9bbd92366c96633f131913ded5db0969eb36216bdd11cef2f",
    ),
    (
        "matbench_expt_is_metal",
        "expt_is_metal",
        "expt_is_metal",
        "1 = metal, 0 = non-metal",
        4_921,
        "Experimental metal / non-metal classification",
        "5b0828561a6c925d96cd0215f78eb1e8d1ca7c05e9e12fcdbdfbcaeaddd73f13",
    ),
    (
        "matbench_log_kvrh",
        "elasticity_log10_K_VRH",
        "elasticity_log10(K_VRH)",
        "log10 GPa",
        10_987,
        "log10 VRH bulk modulus (Materials Project)",
        "b4e2620ca797b9eca83a6633d4b94dc3ae047bba3f0eacd5cdb446a75d07d087",
    ),
    (
        "matbench_log_gvrh",
        "elasticity_log10_G_VRH",
        "elasticity_log10(G_VRH)",
        "log10 GPa",
        10_987,
        "log10 VRH shear modulus (Materials Project)",
        "6eda504f98a3b98308bb4f1353810f2703475daa85540b15aebe1fedf313304a",
    ),
    (
        "matbench_phonons",
        "phonons",
        "phonons",
        "cm^-1",
        1_265,
        "Frequency of the last phonon-DOS peak",
        "09108e3cbfead13edc0c18e66ca015cef28f7431fcc822038bc7b5ecc5d6222b",
    ),
    (
        "matbench_jdft2d",
        "jdft2d",
        "jdft2d",
        "meV/atom",
        636,
        "Exfoliation energy (JARVIS-DFT)",
        "96e89a27ba23662de1fed19faaf577db45fd1a3b160d149b556e9d6a348a3056",
    ),
    (
        "matbench_perovskites",
        "castelli",
        "castelli",
        "eV",
        18_928,
        "Heat of formation of perovskite cells (Castelli et al.)",
        "2aba6ff55450b269056de0e07362bd279d32abc8e4af04ca0100ecbb3e62bb97",
    ),
    (
        "matbench_steels",
        "steels_yield",
        "steels_yield",
        "MPa",
        312,
        "Yield strength of steels",
        "a4232b4d83185f8c65c02dca6a013b85e220227d212e703d12586a4b5b9e9cf0",
    ),
):
    _add(
        name=_name,
        title=f"matbench {_file}: {_title}",
        material="inorganic",
        files=(
            _github(_CRABNET, _CRABNET_COMMIT, f"data/matbench/{_repo_file}.csv", _sha,
                    f"inorganic_crabnet_matbench_formula/{_file}.csv"),
        ),
        inputs=("formula",),
        input_kind="formula",
        targets={"target": _units},
        n_rows=_rows,
        licence=_CRABNET_LICENCE,
        citation=_MATBENCH_CITE,
        source=f"{_CRABNET}@{_CRABNET_COMMIT[:8]} data/matbench/{_repo_file}.csv",
        notes=(
            "Structure-based matbench tasks reduced to the composition of the structure: "
            "polymorphs give duplicate formulas."
        ),
    )  # fmt: skip

_SPLIT_SHAS = {
    "aflow__Egap": ("54cfdde0f9dc313acf2ffb22f49c9861d8d0e1fc5ee3938b8810785db65c1c17",
                    "798bd5b2d16cca829be8873a483872910de4c948a1bc55ae89c70efb9be0c545",
                    "d2096c4b87dcc1f13407532f048552544cd389d49486770b9b065dffd5cc92ef"),
    "aflow__ael_bulk_modulus_vrh": (
        "b9b371e3fcd47d38dc94e568515980e8b2ed83ef077f4339ba1bbccbef37a62b",
        "cc13020813fdc2a1a14c1e040faca6bcb034d6be2e08440221b9cbaa1cc932eb",
        "2a5b1c547e09f9b7e095802f27e4993d243aa1925b4e6fb991aec31f14c3cbf9"),
    "aflow__ael_debye_temperature": (
        "c01509a7f4c82665e0f0dc6780372189c628ee91adf6a0692f07010c0690a53f",
        "a5d6ae080a68f79ad0c0958da385ef06b5bd523c1c2df7a4e58fa3afe430aa1e",
        "c244bc1615b00940f54847364a24633d7dc82426ceb9974c34ec47ac57884c41"),
    "aflow__ael_shear_modulus_vrh": (
        "ca0017fafc2558e8b9ca9ef11089755e7492d90797a8d38df1530b6d2ddaf1f3",
        "7b58dc465d09e1340b20a49b1c1b994d47eb8349904eb2d7487c465c3f5152b3",
        "59b31cf673943f51cd272ab1f6d5f4574a178ef93bed6cf408632ad87b9de4f4"),
    "aflow__agl_thermal_conductivity_300K": (
        "88e5ccaf4e16ad52c2bc5eff41f19bb97222cf34dc447278fd5a2696bed428a6",
        "f09e073ee63bc4c913d6b5d5c44a324385f0ebd84324c9cb5f789ce62e63f36e",
        "b3884dcde4ea164d061ffb4b22172d68cedc0777f0dc3ada81d1f81e3a9b4cde"),
    "aflow__agl_thermal_expansion_300K": (
        "bf937cad2af75702f16a82728fd52691a67e584b530f5bb703e762d1d92b11fe",
        "026a3632b4f6fb247d2efc40d19c7ae79f092363ca221a4cec057e390cd88fdf",
        "06eb26c729554f9e22046b8b818bb085a471c851b2147acb3049a99d32c06c8f"),
    "aflow__energy_atom": ("5ff635bff649b9a68e5cf572125bf4f527751fd49b98d680fb1182a1ca275ad5",
                           "ce5c8f7b3175c9c370891c5e29bdf1e0c5e56c103f391f0a538c629ef319b81a",
                           "f393d89ac7a506b2415645b9ee4e69e2d15af1469ece679e945f7098d51a6e99"),
    "mp_bulk_modulus": ("00d2d02073ca945d357f834eb5a2d7361e8bd8b86f14f8fed2321db585baf731",
                        "fd0702d7e1b32f109c8dbc89cbbce6f541fe6bad0fb45cc86d2a35ab4e994906",
                        "f205ffa36b5ce2eaf1f066e7b6d2a6931f7bcd233697456dbcbae4c79f911a44"),
    "mp_e_hull": ("b3badcdc96484d4ae7c622bf098e75db628a23e89c48b44b0b0af8084e9bb7ae",
                  "fbeba63de5701a2e300c52f5192673cbd7737e3b762f2d9a2d2056b982d7fe41",
                  "236e6fe8f6406ef28a6805d26e508be0b4d45da1d22aebe779c93d3291c599a0"),
    "mp_elastic_anisotropy": (
        "d9d33f37a8d88835822884bd060581d6a68dd98a59627e05a0f9bce5bae686fe",
        "94f9db600852ec3bf6a2bef0efcc59a3ae5fe0cf10203f9edfc43f340465662c",
        "4fdef93e8b05bb51734835bd73721b3f389544bcbe96978bb6ea5ed1baad9af8"),
    "mp_mu_b": ("5489be409844020513f996e432ee3b3078d002b4b6623c5c78c274ef7666c600",
                "b7e7d2cb9003124a35e98a0681f38fa2a00d282cd2a526b4fab361de45799757",
                "d1e6eb185cf04f0c28027ed1cf9f45f28dde034b437894ba4085a6dcad84602d"),
    "mp_shear_modulus": ("22f18b123f6d4c1b180c96ee56a0618c35f868e1cb9f9bd758180330b5e95cdf",
                         "094b720096cc4d451535d2a227c8186904069d4d7566cb82aebc9c3d777c8036",
                         "7ee01a44644916c3df8d1e42212fc4d9be5028b67d51754becb477e72c048317"),
}  # fmt: skip
_SPLITS = ("train", "val", "test")

for _name, _task, _units, _rows, _title in (
    (
        "aflow_thermal_conductivity",
        "aflow__agl_thermal_conductivity_300K",
        "W/(m K)",
        4_887,
        "AGL thermal conductivity at 300 K",
    ),
    (
        "aflow_thermal_expansion",
        "aflow__agl_thermal_expansion_300K",
        "1/K",
        4_886,
        "AGL thermal expansion coefficient at 300 K",
    ),
    ("aflow_bulk_modulus", "aflow__ael_bulk_modulus_vrh", "GPa", 4_896, "AEL VRH bulk modulus"),
    ("aflow_shear_modulus", "aflow__ael_shear_modulus_vrh", "GPa", 4_896, "AEL VRH shear modulus"),
    (
        "aflow_debye_temperature",
        "aflow__ael_debye_temperature",
        "K",
        4_896,
        "AEL Debye temperature",
    ),
    ("aflow_band_gap", "aflow__Egap", "eV", 27_577, "DFT band gap"),
    ("aflow_energy_per_atom", "aflow__energy_atom", "eV/atom", 27_579, "DFT energy per atom"),
    ("mp_bulk_modulus", "mp_bulk_modulus", "GPa", 6_307, "VRH bulk modulus"),
    ("mp_shear_modulus", "mp_shear_modulus", "GPa", 6_184, "VRH shear modulus"),
    (
        "mp_elastic_anisotropy",
        "mp_elastic_anisotropy",
        "dimensionless",
        6_331,
        "universal elastic anisotropy",
    ),
    (
        "mp_magnetization",
        "mp_mu_b",
        "Bohr magneton",
        56_662,
        "total magnetization (MP total_magnetization)",
    ),
    ("mp_e_hull", "mp_e_hull", "eV/atom", 56_662, "energy above the convex hull"),
):
    _db = "AFLOW" if _task.startswith("aflow") else "Materials Project"
    _add(
        name=_name,
        title=f"{_db} {_title} (CrabNet benchmark)",
        material="inorganic",
        files=tuple(
            _github(_CRABNET, _CRABNET_COMMIT, f"data/benchmark_data/{_task}/{split}.csv", sha,
                    f"inorganic_crabnet_benchmark_formula/{_task}/{split}.csv")
            for split, sha in zip(_SPLITS, _SPLIT_SHAS[_task], strict=True)
        ),
        inputs=("formula",),
        input_kind="formula",
        targets={"target": _units},
        n_rows=_rows,
        licence=_CRABNET_LICENCE,
        citation=_CRABNET_CITE,
        source=f"{_CRABNET}@{_CRABNET_COMMIT[:8]} data/benchmark_data/{_task}/*.csv",
        reader="splits",
        notes=(
            "CrabNet's 70/15/15 random train/val/test files concatenated in that order; the "
            "column 'split' of frame says which file a row came from."
            + (" Check the normalisation of the magnetization before use."
               if _task == "mp_mu_b" else "")
        ),
    )  # fmt: skip

_ROOST = "CompRhys/roost"
_ROOST_COMMIT = "aaabc34d6ee6ac788e36f1c759c0582a997ea9b9"
_add(
    name="roost_mp_band_gap",
    title="Materials Project PBE band gaps of 43,921 non-metals (Roost)",
    material="inorganic",
    files=(_github(_ROOST, _ROOST_COMMIT, "data/datasets/roost/mp-non-metals.csv",
                   "96e84365f7ebd984d5c39501b8be6b988bec694329b5d33415e51b611adddb5a",
                   "inorganic_roost_bandgap/mp-non-metals.csv"),),
    inputs=("composition",),
    input_kind="formula",
    targets={"band_gap": "eV"},
    n_rows=43_921,
    licence="MIT (CompRhys/roost); data: Materials Project",
    citation="Goodall & Lee, Nat. Commun. 11, 6280 (2020)",
    source=f"{_ROOST}@{_ROOST_COMMIT[:8]} data/datasets/roost/mp-non-metals.csv",
)  # fmt: skip
_add(
    name="roost_expt_band_gap",
    title="Experimental band gaps of 3,895 non-metals (Zhuo 2018, via Roost)",
    material="inorganic",
    files=(_github(_ROOST, _ROOST_COMMIT, "data/datasets/roost/expt-non-metals.csv",
                   "be1dc585fa4745d9743f2b7243d3e5749826db2822d8645694c63533e0ba9186",
                   "inorganic_roost_bandgap/expt-non-metals.csv"),),
    inputs=("composition",),
    input_kind="formula",
    targets={"Eg": "eV"},
    n_rows=3_895,
    licence="MIT (CompRhys/roost)",
    citation=(
        "Zhuo, Mansouri Tehrani, Brgoch, J. Phys. Chem. Lett. 9, 1668 (2018); "
        "Goodall & Lee, Nat. Commun. 11, 6280 (2020)"
    ),
    source=f"{_ROOST}@{_ROOST_COMMIT[:8]} data/datasets/roost/expt-non-metals.csv",
    notes="Duplicate compositions occur (several measurements).",
)  # fmt: skip

_INORG_DIR = "inorganic_mse_benchmark"
_mse(
    "seko_melting_point",
    "Experimental melting temperatures of 248 solids (Seko 2014)",
    "inorganic",
    "raw_data/Seko_melt_temps.csv",
    f"{_INORG_DIR}/Seko_melt_temps.csv",
    "6afc6ab038b014b2c6ce664619a7f3da43f82e3922be9b98e52c01f44fda3d30",
    ("Compound",),
    "formula",
    {"Melting temp. (K)": "K"},
    248,
    "Seko et al., Phys. Rev. B 89, 054303 (2014)",
)
_mse(
    "lee_band_gaps",
    "Band gaps of 270 compounds, experimental and DFT (Lee 2016)",
    "inorganic",
    "raw_data/Lee_band_gaps.csv",
    f"{_INORG_DIR}/Lee_band_gaps.csv",
    "cee65fa9f86b5234650dcf58c49fd13ed2bdee5407d1bebdd7667819bfb9bbf5",
    ("Compound",),
    "formula",
    {"Eg (exp.; eV)": "eV", "Eg (PBE; eV)": "eV", "Eg (mBJ; eV)": "eV", "Eg(G0W0; eV)": "eV"},
    270,
    "Lee et al., Phys. Rev. B 93, 115104 (2016)",
    notes="The experimental gap is missing for some rows.",
)
_mse(
    "zeng_bulk_modulus",
    "Materials Project VRH bulk moduli of 5,518 compounds (Zeng 2019)",
    "inorganic",
    "raw_data/Zeng_elastic_prop/K_VRH.csv",
    f"{_INORG_DIR}/Zeng_K_VRH.csv",
    "5ecabbabc5c26abbcef01021700b8cbf49e022c303b0bb16a53ce0b160f8639e",
    ("System",),
    "formula",
    {"K_VRH": "GPa"},
    5_518,
    "Zeng et al., J. Phys. Chem. C 123, 5042 (2019)",
)
_mse(
    "zeng_shear_modulus",
    "Materials Project VRH shear moduli of 5,518 compounds (Zeng 2019)",
    "inorganic",
    "raw_data/Zeng_elastic_prop/G_VRH.csv",
    f"{_INORG_DIR}/Zeng_G_VRH.csv",
    "92345e1fa98615591861072179512f68affe8732ebe3d59abfe1c604fe0e4824",
    ("System",),
    "formula",
    {"G_VRH": "GPa"},
    5_518,
    "Zeng et al., J. Phys. Chem. C 123, 5042 (2019)",
)
_mse("pilania_double_perovskites", "GLLB-SC band gaps of 1,306 double perovskites (Pilania 2016)",
     "inorganic", "raw_data/Pilania_double_perovskites_clean.csv",
     f"{_INORG_DIR}/Pilania_double_perovskites_clean.csv",
     "929560d28d38f3f4cd9000cadb45b0f8800722ca1d2710495638d38c448a6fe4",
     ("System_Name",), "formula", {"gllbsc_ind_gap": "eV"}, 1_306,
     "Pilania et al., Sci. Rep. 6, 19375 (2016)")  # fmt: skip

_CITRINE = "CitrineInformatics-ERD-public/linear-vs-blackbox"
_CITRINE_COMMIT = "35105163d17f9d5c18ddc86efeb7a673a22f9083"
_add(
    name="citrine_m2ax",
    title="DFT bulk moduli of 223 M2AX phases (Cover 2009, via Citrine)",
    material="inorganic",
    files=(_github(_CITRINE, _CITRINE_COMMIT, "data/raw/m2ax.csv",
                   "b364858342ded26478cdd27d8cd2a2a18364d4d2b770522ee95f8180d8cc7a7f",
                   "inorganic_citrine_linear_vs_blackbox/m2ax.csv"),),
    inputs=("formula",),
    input_kind="formula",
    targets={"bulk modulus": "GPa", "a": "angstrom", "c": "angstrom"},
    n_rows=223,
    licence="MIT (Citrine Informatics ERD)",
    citation="Cover et al., J. Phys.: Condens. Matter 21, 305403 (2009)",
    source=f"{_CITRINE}@{_CITRINE_COMMIT[:8]} data/raw/m2ax.csv",
)  # fmt: skip

_TC_FEATURES = (
    "spacegroup", "number_of_total_atoms", "percent_atom_al", "percent_atom_ga",
    "percent_atom_in", "lattice_vector_1_ang", "lattice_vector_2_ang", "lattice_vector_3_ang",
    "lattice_angle_alpha_degree", "lattice_angle_beta_degree", "lattice_angle_gamma_degree",
)  # fmt: skip
_add(
    name="citrine_transparent_conductors",
    title="NOMAD 2018 transparent conductors: (Al,Ga,In)2O3 formation energy and band gap",
    material="inorganic",
    files=(_github(_CITRINE, _CITRINE_COMMIT, "data/raw/transparent_conductors.csv",
                   "e8fa6ef400b2553a971037bbaa1ffde443f21af142e645ab64e1a44f59949d4f",
                   "inorganic_citrine_linear_vs_blackbox/transparent_conductors.csv"),),
    inputs=_TC_FEATURES,
    input_kind="features",
    targets={"formation energy": "eV/atom", "bandgap_energy_ev": "eV"},
    n_rows=2_400,
    licence="MIT (Citrine Informatics ERD); data: Kaggle NOMAD 2018 challenge",
    citation="Sutton et al., npj Comput. Mater. 5, 111 (2019)",
    source=f"{_CITRINE}@{_CITRINE_COMMIT[:8]} data/raw/transparent_conductors.csv",
    notes="No formula column: inputs are the cation fractions, cell and space group.",
)  # fmt: skip

#: name -> :class:`DataSet`, read-only.
DATASETS: Mapping[str, DataSet] = MappingProxyType({d.name: d for d in _ENTRIES})
if len(DATASETS) != len(_ENTRIES):  # pragma: no cover - registry typo
    raise RuntimeError("duplicate data set names in the registry")


def list_datasets(material: str | None = None) -> pd.DataFrame:
    """A table of the registered data sets.

    Parameters
    ----------
    material : {"molecule", "polymer", "inorganic"}, optional
        Only this material class.

    Returns
    -------
    pandas.DataFrame
        One row per data set (index ``name``): ``title``, ``material``, ``input_kind``,
        ``n_rows``, ``targets`` (``"column [units]; ..."``), ``licence``.

    Examples
    --------
    >>> from sklearn_shotgun.datasets import list_datasets
    >>> table = list_datasets("polymer")
    >>> "radonpy_pi1070" in table.index
    True
    """
    materials = {d.material for d in DATASETS.values()}
    if material is not None and material not in materials:
        raise ValueError(f"material={material!r}; expected one of {sorted(materials)}")
    rows = [
        {
            "name": d.name,
            "title": d.title,
            "material": d.material,
            "input_kind": d.input_kind,
            "n_rows": d.n_rows,
            "targets": "; ".join(f"{c} [{u}]" for c, u in d.targets.items()),
            "licence": d.licence,
        }
        for d in DATASETS.values()
        if material is None or d.material == material
    ]
    return pd.DataFrame(rows).set_index("name")
