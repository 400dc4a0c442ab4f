"""Registered molecule data sets (QM9, iQSPR, MoleculeNet, melting and boiling points)."""

from __future__ import annotations

from ._dataset import DataSet, RemoteFile
from ._dataset import github_file as _github

ENTRIES: list[DataSet] = []


def _add(**kwargs) -> None:
    ENTRIES.append(DataSet(**kwargs))


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

# -- tables of the PyPI package `chemicals` (C. Bell), read from an installed copy or its wheel --
#: The chemicals wheel on PyPI; its tables are read from an installed ``chemicals`` when the
#: files there have the sha256 below, else from this wheel (downloaded once, sha256-checked).
CHEMICALS_WHEEL = RemoteFile(
    "https://files.pythonhosted.org/packages/22/f5/"
    "59eea489c5faf02e651744057bb93d89aacf6c3c3f404abbc4217b7ceae1/"
    "chemicals-1.5.2-py3-none-any.whl",
    "f85ef7f36e77fee634686c26562929ee61026cd548d89cebd57b2251ca843d6e",
    "chemicals/chemicals-1.5.2-py3-none-any.whl",
)
#: Files of chemicals 1.5.2 that the readers use, and their sha256. The identifier tables
#: (PubChem organics, then inorganics) map a CAS number to a SMILES and a molar mass.
CHEMICALS_FILES = {
    "chemicals/Heat Capacity/CRC Standard Thermodynamic Properties of Chemical Substances.tsv": (
        "718d121e0c6ee3cbc2b8a0029dcde7feba72cd3fa18dc4f08f22cf79f1028df2"
    ),
    "chemicals/Misc/CRC Handbook Organic RI.csv": (
        "46d64fbe1dd5077bb127bfc0935a21970bab7d3a66adf4653cf34f5086526546"
    ),
    "chemicals/Identifiers/chemical identifiers pubchem large.tsv": (
        "3b9aac5ae8d270bafc9e72a6af5441ce580f0ce444d1dee48dc37e47474b91fc"
    ),
    "chemicals/Identifiers/chemical identifiers pubchem small.tsv": (
        "21fc5441ba4e159ec3b3993459d7cd0c6d375a1565c7304cc55580e8999ba42e"
    ),
    "chemicals/Identifiers/Inorganic db.tsv": (
        "05e38f7ec8fa928e2d819ad744dac2931e78e9ae0781bf8ee03f2b3367305bce"
    ),
}
_CHEMICALS_CITE = (
    "Bell, C. and contributors, Chemicals: chemical properties component of Chemical "
    "Engineering Design Library (ChEDL), https://github.com/CalebBell/chemicals"
)
_CHEMICALS_NOTES = (
    "Read from the installed PyPI package chemicals 1.5.2 (pip install sklearn-shotgun[data]; "
    "its files sha256-checked), else from its wheel downloaded from PyPI. SMILES and molar "
    "mass ('molar_mass', g/mol) come from the package's identifier tables, joined on "
    "the CAS number; rows whose CAS number is not there have no SMILES and are left out of "
    "data/target (kept in frame)."
)


def _add_chemicals_table(member: str, handbook_table: str, notes: str, **kwargs) -> None:
    """Register one table of the chemicals package (``member``, a key of CHEMICALS_FILES):
    molecules given by SMILES, read by the ``chemicals:`` reader."""
    _add(
        material="molecule",
        files=(CHEMICALS_WHEEL,),
        inputs=("SMILES",),
        input_kind="smiles",
        licence="MIT (PyPI package chemicals 1.5.2, Caleb Bell and contributors)",
        citation=(
            f"CRC Handbook of Chemistry and Physics, '{handbook_table}'; data via {_CHEMICALS_CITE}"
        ),
        source=f"PyPI chemicals 1.5.2 wheel, {member}",
        reader=f"chemicals:{member}",
        notes=f"{_CHEMICALS_NOTES} {notes}",
        **kwargs,
    )


_add_chemicals_table(
    "chemicals/Heat Capacity/CRC Standard Thermodynamic Properties of Chemical Substances.tsv",
    "Standard Thermodynamic Properties of Chemical Substances",
    "Organic and inorganic substances; each phase's column is empty where the handbook lists "
    "no value (Cpl: 433 rows, Cps: 529, Cpg: 533). The standard enthalpies, Gibbs energies "
    "and entropies are kept in frame.",
    name="chemicals_crc_heat_capacity",
    title="CRC Handbook standard heat capacities at 298.15 K (liquid, solid, gas)",
    targets={"Cpl": "J/(mol K)", "Cps": "J/(mol K)", "Cpg": "J/(mol K)"},
    n_rows=2_470,
)
_add_chemicals_table(
    "chemicals/Misc/CRC Handbook Organic RI.csv",
    "Physical Constants of Organic Compounds",
    "Refractive index at the sodium D line, measured at the temperature in column 'RIT' (K; "
    "293.15 K for most rows, 173-491 K in all).",
    name="chemicals_organic_refractive_index",
    title="CRC Handbook refractive indices of 4,490 organic compounds",
    targets={"RI": "dimensionless"},
    n_rows=4_490,
)
