"""Build the element property table shipped with ``sklearn_shotgun``.

The table mirrors the 58 properties of XenonPy's ``elements_completed`` table (used by the
inorganic models of the shotgun transfer learning paper), rebuilt from data in installable,
permissively licensed packages:

* ``mendeleev`` (MIT): radii, electronegativities, polarisability, C6, thermal data, ...
* ``pymatgen`` (MIT): ``Element`` properties (Clementi radii, bulk modulus, sound velocity, ...)
* ``matminer`` (BSD-3-Clause-LBNL): the Magpie element tables (OQMD ground-state DFT data,
  HHI indices, valence-shell electron counts, ...). ``matminer`` is not a dependency of the
  package; point the builder at an installed copy, an unpacked wheel or the wheel file itself::

      pip download --no-deps matminer==0.10.1 -d /tmp/mm
      python tools/build_element_table.py --matminer /tmp/mm/matminer-0.10.1-py3-none-any.whl

Source values known to be wrong or on another basis (gas-phase densities and volumes, swapped
potassium enthalpies, fusion enthalpies per mole of X2, Villars' Mendeleev numbers) are
corrected first (:func:`correct`, every change recorded with its reason). Missing cells of the
elements H..Pu (Z = 1..94) are then imputed with scikit-learn's
``IterativeImputer`` (fixed ``random_state``) on a log / standardised scale; elements Z = 95..103
are shipped with their source values only (NaN where missing). The output directory receives

``elements.csv``
    one row per element (index ``symbol``), 58 float columns, imputed values included;
``elements_imputed.csv``
    0/1 mask of the imputed cells (same shape);
``elements_sources.csv``
    one row per column: unit, description, source, licence, reference, imputation counts;
``elements_build.json``
    versions of the source packages and the imputation settings.

``--xenonpy MOLFEAT_WHEEL`` also writes XenonPy's ``elements_completed`` as
``elements_xenonpy.csv`` (+ ``.json`` provenance). The build ends with a report of the curated
cells that differ from XenonPy's by more than a factor of 2 (:func:`flag_disagreements`).

Run ``python tools/build_element_table.py --help`` for the options. The build is deterministic:
the same package versions give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

#: Highest atomic number written to the table.
Z_MAX = 103
#: Rows 1..Z_COMPLETE are imputed so that they have no missing value.
Z_COMPLETE = 94
#: Seed of the imputer.
RANDOM_STATE = 0
#: Maximum number of imputation rounds.
MAX_ITER = 50
#: Imputed values are rounded to this many significant digits (source values are not).
IMPUTED_SIGNIFICANT_DIGITS = 6
#: A strictly positive column is imputed on a log10 scale when max / min exceeds this ratio.
LOG_RATIO = 10.0
#: Version of matminer whose Magpie tables were used for the shipped table.
MATMINER_VERSION = "0.10.1"

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "sklearn_shotgun" / "featurizers" / "data"
MAGPIE_SUBDIR = "matminer/utils/data_files/magpie_elementdata"

MENDELEEV = "mendeleev"
PYMATGEN = "pymatgen"
MAGPIE = "matminer/magpie"

LICENCES = {
    MENDELEEV: "MIT (mendeleev package)",
    PYMATGEN: "MIT (pymatgen package)",
    MAGPIE: "BSD-3-Clause-LBNL (matminer package; Magpie data, Ward et al. 2016)",
}


@dataclass(frozen=True)
class Column:
    """Specification of one column of the element table.

    Parameters
    ----------
    name : str
        Column name in the shipped table (snake_case).
    unit : str
        Unit of the values (``"1"`` for dimensionless numbers).
    description : str
        What the property is.
    origin : str
        One of ``"mendeleev"``, ``"pymatgen"``, ``"matminer/magpie"``.
    key : str
        Field, attribute or file the value is read from.
    reference : str
        Primary reference of the data, as given by the source package.
    xenonpy_name : str
        Name of the matching column in XenonPy's ``elements_completed`` table.
    fallback : str
        Attribute of pymatgen's ``Element`` that fills the cells missing in the primary
        (mendeleev) source before imputation; empty for none.
    """

    name: str
    unit: str
    description: str
    origin: str
    key: str
    reference: str
    xenonpy_name: str = ""
    fallback: str = ""

    @property
    def source(self) -> str:
        """Human-readable source: package and function, attribute or file."""
        if self.origin == MENDELEEV:
            out = f"mendeleev {self.key}"
            if self.fallback:
                out += f"; gaps from pymatgen.core.periodic_table.Element.{self.fallback}"
            return out
        if self.origin == PYMATGEN:
            return f"pymatgen.core.periodic_table.Element.{self.key}"
        return f"matminer {MAGPIE_SUBDIR}/{self.key}.table"


def _c(name, unit, description, origin, key, reference, xenonpy_name=None, fallback="") -> Column:
    return Column(name, unit, description, origin, key, reference, xenonpy_name or name, fallback)


_MTAB = "fetch_table('elements')"
# Order follows XenonPy's elements_completed table.
COLUMNS: tuple[Column, ...] = (
    _c("atomic_number", "1", "Atomic number Z", MENDELEEV, f"{_MTAB}.atomic_number", "-"),
    _c(
        "atomic_radius",
        "pm",
        "Calculated atomic radius (converted from angstrom)",
        PYMATGEN,
        "atomic_radius_calculated",
        "Clementi, Raimondi, Reinhardt, J. Chem. Phys. 47, 1300 (1967)",
    ),
    _c(
        "atomic_radius_rahm",
        "pm",
        "Atomic radius (0.001 e/bohr^3 density contour)",
        MENDELEEV,
        f"{_MTAB}.atomic_radius_rahm",
        "Rahm, Hoffmann, Ashcroft, Chem. Eur. J. 22, 14625 (2016)",
    ),
    _c(
        "atomic_volume",
        "cm^3/mol",
        "Atomic volume of the condensed element: atomic_weight / density; for the 11 elements "
        "that are gases at STP, the molar volume of the solid (see corrections)",
        MENDELEEV,
        f"{_MTAB}.atomic_weight / {_MTAB}.density",
        "derived; gases: pymatgen periodic_table.json molar_volume (WebElements)",
    ),
    _c(
        "atomic_weight",
        "g/mol",
        "Standard atomic weight (mass number of the most stable isotope for radioactive elements)",
        MENDELEEV,
        f"{_MTAB}.atomic_weight",
        "IUPAC CIAAW (via mendeleev)",
    ),
    _c(
        "boiling_point",
        "K",
        "Boiling point at 1 atm",
        MENDELEEV,
        "fetch_table('phasetransitions').boiling_point",
        "mendeleev phase transition data; gaps: pymatgen (WebElements)",
        fallback="boiling_point",
    ),
    _c(
        "bulk_modulus",
        "GPa",
        "Bulk modulus of the elemental solid",
        PYMATGEN,
        "bulk_modulus",
        "pymatgen periodic_table.json (WebElements)",
    ),
    _c(
        "c6_gb",
        "hartree*bohr^6",
        "C6 dispersion coefficient",
        MENDELEEV,
        f"{_MTAB}.c6_gb",
        "Gould, Bucko, J. Chem. Theory Comput. 12, 3603 (2016)",
    ),
    _c(
        "covalent_radius_cordero",
        "pm",
        "Covalent radius",
        MENDELEEV,
        f"{_MTAB}.covalent_radius_cordero",
        "Cordero et al., Dalton Trans. 2832 (2008)",
    ),
    _c(
        "covalent_radius_pyykko",
        "pm",
        "Single-bond covalent radius",
        MENDELEEV,
        f"{_MTAB}.covalent_radius_pyykko",
        "Pyykko, Atsumi, Chem. Eur. J. 15, 186 (2009)",
    ),
    _c(
        "covalent_radius_pyykko_double",
        "pm",
        "Double-bond covalent radius",
        MENDELEEV,
        f"{_MTAB}.covalent_radius_pyykko_double",
        "Pyykko, Atsumi, Chem. Eur. J. 15, 12770 (2009)",
    ),
    _c(
        "covalent_radius_pyykko_triple",
        "pm",
        "Triple-bond covalent radius",
        MENDELEEV,
        f"{_MTAB}.covalent_radius_pyykko_triple",
        "Pyykko, Riedel, Patzschke, Chem. Eur. J. 11, 3511 (2005)",
    ),
    _c(
        "covalent_radius_slater",
        "pm",
        "Empirical atomic radius of Slater (mendeleev's atomic_radius)",
        MENDELEEV,
        f"{_MTAB}.atomic_radius",
        "Slater, J. Chem. Phys. 41, 3199 (1964)",
    ),
    _c(
        "density",
        "g/cm^3",
        "Density of the element at standard conditions (gases: of the solid, see corrections)",
        MENDELEEV,
        f"{_MTAB}.density",
        "mendeleev (CRC Handbook / WebElements)",
    ),
    _c(
        "dipole_polarizability",
        "bohr^3",
        "Static dipole polarisability of the atom",
        MENDELEEV,
        f"{_MTAB}.dipole_polarizability",
        "Schwerdtfeger, Nagle, Mol. Phys. 117, 1200 (2019)",
    ),
    _c(
        "electronegativity",
        "1",
        "Pauling electronegativity as given by pymatgen (Element.X)",
        PYMATGEN,
        "X",
        "pymatgen periodic_table.json (WebElements)",
        "electron_negativity",
    ),
    _c(
        "electron_affinity",
        "eV",
        "Electron affinity (negative: unbound anion)",
        PYMATGEN,
        "electron_affinity",
        "pymatgen periodic_table.json (NIST / Wikipedia compilation)",
    ),
    _c(
        "en_allen",
        "eV",
        "Allen electronegativity (configuration energy)",
        MENDELEEV,
        f"{_MTAB}.en_allen",
        "Mann, Meek, Allen, J. Am. Chem. Soc. 122, 2780 (2000)",
    ),
    _c(
        "en_ghosh",
        "1",
        "Ghosh electronegativity",
        MENDELEEV,
        f"{_MTAB}.en_ghosh",
        "Ghosh, J. Theor. Comput. Chem. 4, 21 (2005)",
    ),
    _c(
        "en_pauling",
        "1",
        "Pauling electronegativity",
        MENDELEEV,
        f"{_MTAB}.en_pauling",
        "mendeleev (CRC Handbook)",
    ),
    _c(
        "first_ion_en",
        "eV",
        "First ionisation energy",
        MENDELEEV,
        "fetch_table('ionizationenergies') [ion_charge == 0].ionization_energy",
        "NIST Atomic Spectra Database (via mendeleev)",
    ),
    _c(
        "fusion_enthalpy",
        "kJ/mol",
        "Enthalpy of fusion per mole of atoms (H, N, O, F, Cl, Br, I: half the value per "
        "mole of X2)",
        MENDELEEV,
        f"{_MTAB}.fusion_heat",
        "mendeleev (CRC Handbook / WebElements)",
    ),
    _c(
        "gs_bandgap",
        "eV",
        "DFT band gap of the T=0 K ground state",
        MAGPIE,
        "GSbandgap",
        "OQMD (via Magpie)",
    ),
    _c(
        "gs_energy",
        "eV/atom",
        "DFT energy per atom (raw VASP) of the T=0 K ground state",
        MAGPIE,
        "GSenergy_pa",
        "OQMD (via Magpie)",
    ),
    _c(
        "gs_est_bcc_latcnt",
        "angstrom",
        "BCC lattice constant estimated from the DFT ground-state volume",
        MAGPIE,
        "GSestBCClatcnt",
        "OQMD (via Magpie)",
    ),
    _c(
        "gs_est_fcc_latcnt",
        "angstrom",
        "FCC lattice constant estimated from the DFT ground-state volume",
        MAGPIE,
        "GSestFCClatcnt",
        "OQMD (via Magpie)",
    ),
    _c(
        "gs_mag_moment",
        "bohr_magneton/atom",
        "DFT magnetic moment of the T=0 K ground state",
        MAGPIE,
        "GSmagmom",
        "OQMD (via Magpie)",
    ),
    _c(
        "gs_volume_per",
        "angstrom^3/atom",
        "DFT volume per atom of the T=0 K ground state",
        MAGPIE,
        "GSvolume_pa",
        "OQMD (via Magpie)",
    ),
    _c(
        "hhi_p",
        "1",
        "Herfindahl-Hirschman index of production (0..10000)",
        MAGPIE,
        "HHIp",
        "Gaultois et al., Chem. Mater. 25, 2911 (2013)",
    ),
    _c(
        "hhi_r",
        "1",
        "Herfindahl-Hirschman index of reserves (0..10000)",
        MAGPIE,
        "HHIr",
        "Gaultois et al., Chem. Mater. 25, 2911 (2013)",
    ),
    _c(
        "heat_capacity_mass",
        "J/(g*K)",
        "Specific heat capacity at STP",
        MAGPIE,
        "HeatCapacityMass",
        "CRC Handbook (via Magpie)",
    ),
    _c(
        "heat_capacity_molar",
        "J/(mol*K)",
        "Molar heat capacity at STP",
        MAGPIE,
        "HeatCapacityMolar",
        "CRC Handbook (via Magpie)",
    ),
    _c(
        "icsd_volume",
        "angstrom^3/atom",
        "Volume per atom of the ICSD phase at STP",
        MAGPIE,
        "ICSDVolume",
        "ICSD (via Magpie)",
    ),
    _c(
        "evaporation_heat",
        "kJ/mol",
        "Enthalpy of vaporisation (diatomic elements: per mole of X2, as in mendeleev and XenonPy)",
        MENDELEEV,
        f"{_MTAB}.evaporation_heat",
        "mendeleev (CRC Handbook / WebElements)",
    ),
    _c(
        "heat_of_formation",
        "kJ/mol",
        "Enthalpy of formation of the gaseous atom",
        MENDELEEV,
        f"{_MTAB}.heat_of_formation",
        "mendeleev (CRC Handbook)",
    ),
    _c(
        "lattice_constant",
        "angstrom",
        "Lattice constant of the elemental crystal",
        MENDELEEV,
        f"{_MTAB}.lattice_constant",
        "mendeleev (WebElements)",
    ),
    _c(
        "mendeleev_number",
        "1",
        "Mendeleev number on Pettifor's scale (He 1 .. H 103), as XenonPy",
        PYMATGEN,
        "mendeleev_no",
        "Pettifor, Solid State Commun. 51, 31 (1984)",
    ),
    _c(
        "melting_point",
        "K",
        "Melting point at 1 atm",
        MENDELEEV,
        "fetch_table('phasetransitions').melting_point",
        "mendeleev phase transition data; gaps: pymatgen (WebElements)",
        fallback="melting_point",
    ),
    _c(
        "molar_volume",
        "cm^3/mol",
        "Molar volume of the elemental solid",
        PYMATGEN,
        "molar_volume",
        "pymatgen periodic_table.json (WebElements)",
    ),
    _c(
        "num_unfilled",
        "1",
        "Number of unfilled valence orbitals (electron vacancies)",
        MAGPIE,
        "NUnfilled",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_valence",
        "1",
        "Number of valence electrons",
        MAGPIE,
        "NValence",
        "Magpie (electron configurations of periodictable.com)",
        "num_valance",
    ),
    _c(
        "num_d_unfilled",
        "1",
        "Number of unfilled d valence states",
        MAGPIE,
        "NdUnfilled",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_d_valence",
        "1",
        "Number of d valence electrons",
        MAGPIE,
        "NdValence",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_f_unfilled",
        "1",
        "Number of unfilled f valence states",
        MAGPIE,
        "NfUnfilled",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_f_valence",
        "1",
        "Number of f valence electrons",
        MAGPIE,
        "NfValence",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_p_unfilled",
        "1",
        "Number of unfilled p valence states",
        MAGPIE,
        "NpUnfilled",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_p_valence",
        "1",
        "Number of p valence electrons",
        MAGPIE,
        "NpValence",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_s_unfilled",
        "1",
        "Number of unfilled s valence states",
        MAGPIE,
        "NsUnfilled",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c(
        "num_s_valence",
        "1",
        "Number of s valence electrons",
        MAGPIE,
        "NsValence",
        "Magpie (electron configurations of periodictable.com)",
    ),
    _c("period", "1", "Period (row) of the periodic table", MENDELEEV, f"{_MTAB}.period", "-"),
    _c(
        "specific_heat",
        "J/(g*K)",
        "Specific heat capacity at 20 C",
        MENDELEEV,
        f"{_MTAB}.specific_heat_capacity",
        "mendeleev (CRC Handbook / WebElements)",
    ),
    _c(
        "thermal_conductivity",
        "W/(m*K)",
        "Thermal conductivity at 25 C",
        MENDELEEV,
        f"{_MTAB}.thermal_conductivity",
        "mendeleev (CRC Handbook / WebElements); gaps: pymatgen (WebElements)",
        fallback="thermal_conductivity",
    ),
    _c(
        "vdw_radius",
        "pm",
        "Van der Waals radius",
        MENDELEEV,
        f"{_MTAB}.vdw_radius",
        "mendeleev (Bondi 1964 and later compilations)",
    ),
    _c(
        "vdw_radius_alvarez",
        "pm",
        "Van der Waals radius",
        MENDELEEV,
        f"{_MTAB}.vdw_radius_alvarez",
        "Alvarez, Dalton Trans. 42, 8617 (2013)",
    ),
    _c(
        "vdw_radius_mm3",
        "pm",
        "Van der Waals radius of the MM3 force field",
        MENDELEEV,
        f"{_MTAB}.vdw_radius_mm3",
        "Allinger et al., J. Mol. Struct. THEOCHEM 312, 69 (1994)",
    ),
    _c(
        "vdw_radius_uff",
        "pm",
        "Van der Waals radius of the UFF force field",
        MENDELEEV,
        f"{_MTAB}.vdw_radius_uff",
        "Rappe et al., J. Am. Chem. Soc. 114, 10024 (1992)",
    ),
    _c(
        "sound_velocity",
        "m/s",
        "Speed of sound in the element",
        PYMATGEN,
        "velocity_of_sound",
        "pymatgen periodic_table.json (WebElements)",
    ),
    _c(
        "polarizability",
        "angstrom^3",
        "Static average electric dipole polarisability (10^-24 cm^3)",
        MAGPIE,
        "Polarizability",
        "CRC Handbook (via Magpie)",
        "Polarizability",
    ),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)

#: Elements that are gases at 298.15 K and 1 atm: their density (and so
#: atomic_weight / density) is that of the gas, about 1000 times that of the solid.
GASEOUS = ("H", "He", "N", "O", "F", "Ne", "Cl", "Ar", "Kr", "Xe", "Rn")
#: Diatomic elements whose fusion enthalpy mendeleev gives per mole of X2.
DIATOMIC_FUSION = ("H", "F", "Cl", "Br", "I")
_XENONPY_RAW = (
    "XenonPy's `elements` table (the source values, before imputation; BSD-3-Clause), as "
    "shipped in molfeat 1.0.0 molfeat/data/elements.xz"
)
#: Source values replaced by stated values: (column, symbol, value, reason).
SET_VALUES: tuple[tuple[str, str, float, str], ...] = (
    (
        "fusion_enthalpy",
        "K",
        2.33,
        "mendeleev swaps potassium's fusion (2.33) and vaporisation (102.5) enthalpies; 2.33 "
        "kJ/mol is the CRC Handbook value (XenonPy: 2.335)",
    ),
    (
        "evaporation_heat",
        "K",
        76.9,
        "mendeleev swaps potassium's fusion and vaporisation enthalpies; 76.9 kJ/mol is the CRC "
        "Handbook enthalpy of vaporisation at the normal boiling point (XenonPy's 2.33 repeats "
        "the fusion enthalpy)",
    ),
    (
        "fusion_enthalpy",
        "N",
        0.355,
        f"missing in mendeleev; per mole of atoms (0.71 kJ/mol of N2 / 2) from {_XENONPY_RAW}",
    ),
    (
        "fusion_enthalpy",
        "O",
        0.22,
        f"missing in mendeleev; per mole of atoms (0.44 kJ/mol of O2 / 2) from {_XENONPY_RAW}",
    ),
    (
        "fusion_enthalpy",
        "C",
        117.4,
        "missing in mendeleev, and imputation gave 7.28 (graphite's enthalpy of fusion is "
        f"about 117 kJ/mol, WebElements); 117.4 from {_XENONPY_RAW}",
    ),
)


# --------------------------------------------------------------------------------------------
# reading the sources
# --------------------------------------------------------------------------------------------


def _float(value: object) -> float:
    """Convert a value (None, number, FloatWithUnit) to a plain float, NaN when missing."""
    if value is None:
        return math.nan
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def read_mendeleev(z_max: int = Z_MAX) -> pd.DataFrame:
    """Read the mendeleev columns for Z = 1..z_max.

    Parameters
    ----------
    z_max : int
        Highest atomic number.

    Returns
    -------
    pandas.DataFrame
        Index: atomic number; one column per :data:`COLUMNS` entry whose origin is mendeleev,
        plus ``symbol``.
    """
    from mendeleev.fetch import fetch_table

    el = fetch_table("elements").set_index("atomic_number").sort_index()
    el = el.loc[1:z_max]
    num = {name: pd.to_numeric(el[name], errors="coerce") for name in el.columns}

    out = pd.DataFrame(index=el.index)
    out["symbol"] = el["symbol"].astype(str)
    for col in COLUMNS:
        if col.origin != MENDELEEV:
            continue
        if col.name == "atomic_number":
            out[col.name] = el.index.to_numpy(dtype=float)
        elif col.name == "atomic_volume":
            out[col.name] = num["atomic_weight"] / num["density"]
        elif col.name in ("boiling_point", "melting_point", "first_ion_en"):
            continue
        else:
            field = col.key.rsplit(".", 1)[1]
            out[col.name] = num[field]

    # Phase transitions: one row per allotrope for P, S, Se and Sn. Keep the allotrope that is
    # flagged neither as a sublimation point nor as a solid-solid transition (white P,
    # monoclinic S, grey Se, white Sn); otherwise take the first row by ``id``.
    pt = fetch_table("phasetransitions").sort_values(["atomic_number", "id"])
    flagged = pt["is_sublimation_point"].fillna(0).astype(bool) | pt["is_transition"].fillna(
        0
    ).astype(bool)
    pt = pt.assign(_flag=flagged.astype(int)).sort_values(["atomic_number", "_flag", "id"])
    pt = pt.drop_duplicates("atomic_number", keep="first").set_index("atomic_number")
    out["boiling_point"] = pd.to_numeric(pt["boiling_point"], errors="coerce").reindex(out.index)
    out["melting_point"] = pd.to_numeric(pt["melting_point"], errors="coerce").reindex(out.index)

    ie = fetch_table("ionizationenergies")
    ie = ie[ie["ion_charge"] == 0].set_index("atomic_number")
    out["first_ion_en"] = pd.to_numeric(ie["ionization_energy"], errors="coerce").reindex(out.index)
    return out


def read_pymatgen(z_max: int = Z_MAX) -> pd.DataFrame:
    """Read the pymatgen columns for Z = 1..z_max.

    Parameters
    ----------
    z_max : int
        Highest atomic number.

    Returns
    -------
    pandas.DataFrame
        Index: atomic number; one column per :data:`COLUMNS` entry whose origin is pymatgen,
        plus ``fallback:<name>`` for the columns with a pymatgen fallback.
    """
    from pymatgen.core.periodic_table import Element

    rows = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns for every missing value
        for z in range(1, z_max + 1):
            el = Element.from_Z(z)
            row = {}
            for col in COLUMNS:
                if col.origin == PYMATGEN:
                    row[col.name] = _float(getattr(el, col.key))
                if col.fallback:
                    row[f"fallback:{col.name}"] = _float(getattr(el, col.fallback))
            rows[z] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["atomic_radius"] *= 100.0  # angstrom -> pm
    return out


def _magpie_reader(matminer: str | os.PathLike) -> tuple[dict[str, bytes], str]:
    """Return the raw bytes of every Magpie table and a description of where they came from."""
    path = Path(matminer)
    files: dict[str, bytes] = {}
    if path.is_file() and path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.filename.startswith(MAGPIE_SUBDIR + "/") and info.filename.endswith(
                    ".table"
                ):
                    files[Path(info.filename).stem] = zf.read(info)
        return files, path.name
    candidates = [path, path / MAGPIE_SUBDIR, path / "utils" / "data_files" / "magpie_elementdata"]
    for cand in candidates:
        if cand.is_dir() and any(cand.glob("*.table")):
            for f in sorted(cand.glob("*.table")):
                files[f.stem] = f.read_bytes()
            return files, str(cand)
    raise FileNotFoundError(
        f"No Magpie tables found under {path}. Give a matminer wheel, an unpacked wheel or "
        "the magpie_elementdata directory."
    )


def find_matminer() -> str:
    """Locate the Magpie data of matminer.

    Looks at ``$SKLEARN_SHOTGUN_MATMINER`` (a wheel or a directory), then at an importable
    ``matminer`` package.

    Returns
    -------
    str
        A path accepted by :func:`read_magpie`.

    Raises
    ------
    FileNotFoundError
        When no copy of the data is found.
    """
    env = os.environ.get("SKLEARN_SHOTGUN_MATMINER")
    if env:
        return env
    import importlib.util

    spec = importlib.util.find_spec("matminer")
    if spec is not None and spec.submodule_search_locations:
        return str(Path(next(iter(spec.submodule_search_locations))).parent)
    raise FileNotFoundError(
        "matminer's Magpie tables are needed: run `pip download --no-deps "
        f"matminer=={MATMINER_VERSION} -d DIR` and pass --matminer DIR/matminer-...whl, or set "
        "SKLEARN_SHOTGUN_MATMINER."
    )


def read_magpie(matminer: str | os.PathLike, z_max: int = Z_MAX) -> tuple[pd.DataFrame, dict]:
    """Read the Magpie columns (matminer data files) for Z = 1..z_max.

    Parameters
    ----------
    matminer : path-like
        A matminer wheel, an unpacked wheel / installed package root, or the
        ``magpie_elementdata`` directory.
    z_max : int
        Highest atomic number.

    Returns
    -------
    data : pandas.DataFrame
        Index: atomic number; one column per :data:`COLUMNS` entry whose origin is Magpie.
    info : dict
        ``{"location": ..., "sha256": {table: digest}}`` of the files read.
    """
    files, location = _magpie_reader(matminer)
    out = pd.DataFrame(index=pd.RangeIndex(1, z_max + 1))
    digests = {}
    for col in COLUMNS:
        if col.origin != MAGPIE:
            continue
        raw = files[col.key]
        digests[col.key] = hashlib.sha256(raw).hexdigest()
        lines = raw.decode("utf-8").splitlines()
        values = [_float(line.strip()) for line in lines[:z_max]]
        values += [math.nan] * (z_max - len(values))
        out[col.name] = values
    return out, {"location": location, "sha256": digests}


def collect_raw(matminer: str | os.PathLike, z_max: int = Z_MAX) -> tuple[pd.DataFrame, dict]:
    """Assemble the un-imputed table from all sources.

    Parameters
    ----------
    matminer : path-like
        Location of matminer's Magpie tables (see :func:`read_magpie`).
    z_max : int
        Highest atomic number.

    Returns
    -------
    raw : pandas.DataFrame
        Index: element symbols ordered by atomic number; the :data:`COLUMN_NAMES` columns.
    info : dict
        Provenance of the Magpie files (see :func:`read_magpie`) and ``"fallbacks"``:
        ``{column: [symbols filled from the pymatgen fallback]}``.
    """
    men = read_mendeleev(z_max)
    pmg = read_pymatgen(z_max)
    mag, info = read_magpie(matminer, z_max)
    raw = pd.concat([men, pmg, mag], axis=1)
    raw.index = pd.Index(men["symbol"].to_list(), name="symbol")
    fallbacks = {}
    for col in COLUMNS:
        if not col.fallback:
            continue
        extra = raw[f"fallback:{col.name}"]
        filled = raw[col.name].isna() & extra.notna()
        raw[col.name] = raw[col.name].where(~filled, extra)
        fallbacks[col.name] = raw.index[filled].to_list()
    table, corrections = correct(raw[list(COLUMN_NAMES)].astype("float64"))
    info = {**info, "fallbacks": fallbacks, "corrections": corrections}
    return table, info


def correct(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Fix the source values that are known to be wrong or on another basis.

    * ``density`` and ``atomic_volume`` of the :data:`GASEOUS` elements: mendeleev's density
      is that of the gas, so ``atomic_weight / density`` is about 24,400 cm^3/mol (12,200 for
      the diatomic gases, per mole of atoms); replaced by the molar volume of the solid (the
      ``molar_volume`` column, pymatgen / WebElements), the basis of every other element,
      and the density that goes with it.
    * ``fusion_enthalpy`` of :data:`DIATOMIC_FUSION`: halved, from per mole of X2 to per mole of
      atoms (XenonPy's basis too).
    * :data:`SET_VALUES`: single cells set to a stated value, with the reason.

    Parameters
    ----------
    raw : pandas.DataFrame
        Source values indexed by symbol (the :data:`COLUMN_NAMES` columns).

    Returns
    -------
    table : pandas.DataFrame
        A corrected copy.
    corrections : list of dict
        One ``{"column", "symbol", "source_value", "value", "reason"}`` per changed cell.
    """
    table = raw.copy()
    notes: list[dict] = []

    def put(column: str, symbol: str, value: float, reason: str) -> None:
        old = float(table.at[symbol, column])
        table.at[symbol, column] = value
        notes.append(
            {
                "column": column,
                "symbol": symbol,
                "source_value": None if math.isnan(old) else old,
                "value": float(value),
                "reason": reason,
            }
        )

    for sym in GASEOUS:
        if sym in table.index:
            put(
                "density",
                sym,
                float(table.at[sym, "atomic_weight"] / table.at[sym, "molar_volume"]),
                "gas at STP: mendeleev gives the gas density; atomic_weight / molar volume of "
                "the solid (pymatgen, WebElements) instead",
            )
            put(
                "atomic_volume",
                sym,
                float(table.at[sym, "molar_volume"]),
                "gas at STP: atomic_weight / density is the gas's molar volume; molar volume "
                "of the solid from pymatgen (WebElements) instead",
            )
    for sym in DIATOMIC_FUSION:
        if sym in table.index:
            put(
                "fusion_enthalpy",
                sym,
                float(table.at[sym, "fusion_enthalpy"]) / 2.0,
                "mendeleev gives the enthalpy per mole of X2; halved to per mole of atoms",
            )
    for column, sym, value, reason in SET_VALUES:
        if sym in table.index:
            put(column, sym, value, reason)
    return table, notes


# --------------------------------------------------------------------------------------------
# imputation
# --------------------------------------------------------------------------------------------


def log_columns(raw: pd.DataFrame) -> list[str]:
    """Columns imputed on a log10 scale: strictly positive with max / min > :data:`LOG_RATIO`."""
    out = []
    for name in raw.columns:
        col = raw[name].dropna()
        if len(col) and (col > 0).all() and col.max() / col.min() > LOG_RATIO:
            out.append(name)
    return out


def _round_sig(values: np.ndarray, digits: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    out = values.copy()
    nz = np.isfinite(values) & (values != 0)
    mag = np.floor(np.log10(np.abs(values[nz])))
    scale = 10.0 ** (digits - 1 - mag)
    out[nz] = np.round(values[nz] * scale) / scale
    return out


def impute(raw: pd.DataFrame, z_complete: int = Z_COMPLETE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Impute the missing cells of the first ``z_complete`` rows.

    The rows Z = 1..z_complete are transformed (log10 for the columns of
    :func:`log_columns`, then standardised to zero mean and unit variance over the observed
    values), completed by :class:`sklearn.impute.IterativeImputer` (Bayesian ridge, ``ascending``
    order, ``random_state=RANDOM_STATE``, ``max_iter=MAX_ITER``), transformed back, clipped to
    the observed range of the column, rounded to :data:`IMPUTED_SIGNIFICANT_DIGITS`
    significant digits, and rounded to integers for integer-valued columns. Rows beyond
    ``z_complete`` are returned unchanged.

    Parameters
    ----------
    raw : pandas.DataFrame
        Source values, NaN where missing, rows ordered by atomic number.
    z_complete : int
        Number of leading rows to complete.

    Returns
    -------
    table : pandas.DataFrame
        ``raw`` with the missing cells of the first ``z_complete`` rows filled.
    mask : pandas.DataFrame
        Boolean frame, True where a cell was imputed.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    head = raw.iloc[:z_complete].copy()
    missing = head.isna()
    logged = log_columns(head)
    x = head.copy()
    x[logged] = np.log10(x[logged])
    mean = x.mean()
    std = x.std(ddof=0).replace(0.0, 1.0)
    z = (x - mean) / std

    imputer = IterativeImputer(
        max_iter=MAX_ITER,
        random_state=RANDOM_STATE,
        imputation_order="ascending",
        skip_complete=True,
        keep_empty_features=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the fixed max_iter is documented
        filled = imputer.fit_transform(z.to_numpy())
    filled = pd.DataFrame(filled, index=head.index, columns=head.columns) * std + mean
    filled[logged] = 10.0 ** filled[logged]
    filled = filled.clip(lower=head.min(), upper=head.max(), axis=1)

    integer_cols = [c for c in head.columns if np.all(np.mod(head[c].dropna(), 1) == 0)]
    rounded = pd.DataFrame(
        _round_sig(filled.to_numpy(), IMPUTED_SIGNIFICANT_DIGITS),
        index=head.index,
        columns=head.columns,
    )
    rounded[integer_cols] = np.round(filled[integer_cols])
    head = head.where(~missing, rounded)

    table = pd.concat([head, raw.iloc[z_complete:]])
    mask = pd.DataFrame(False, index=raw.index, columns=raw.columns)
    mask.iloc[:z_complete] = missing.to_numpy()
    return table, mask


# --------------------------------------------------------------------------------------------
# provenance and writing
# --------------------------------------------------------------------------------------------


def sources_frame(
    raw: pd.DataFrame,
    mask: pd.DataFrame,
    fallbacks: Mapping[str, list[str]] | None = None,
    z_complete: int = Z_COMPLETE,
    corrections: list[dict] | None = None,
) -> pd.DataFrame:
    """One provenance row per column.

    Parameters
    ----------
    raw : pandas.DataFrame
        Un-imputed table.
    mask : pandas.DataFrame
        Imputed-cell mask.
    fallbacks : mapping, optional
        ``{column: [symbols]}`` of the cells filled from a secondary source.
    z_complete : int
        Number of rows completed by imputation.
    corrections : list of dict, optional
        The corrected cells (see :func:`correct`).

    Returns
    -------
    pandas.DataFrame
        Columns ``column, unit, description, source, licence, reference, xenonpy_name,
        n_source, n_fallback, fallback_elements, n_imputed, imputed_elements, imputation,
        corrected_elements``.
    """
    fallbacks = fallbacks or {}
    corrected: dict[str, list[str]] = {}
    for note in corrections or []:
        corrected.setdefault(note["column"], []).append(note["symbol"])
    logged = set(log_columns(raw.iloc[:z_complete]))
    rows = []
    for col in COLUMNS:
        n_imp = int(mask[col.name].sum())
        if n_imp == 0:
            note = "none"
        else:
            scale = "log10" if col.name in logged else "linear"
            note = f"IterativeImputer on {scale}-standardised scale, Z<={z_complete}"
        rows.append(
            {
                "column": col.name,
                "unit": col.unit,
                "description": col.description,
                "source": col.source,
                "licence": LICENCES[col.origin],
                "reference": col.reference,
                "xenonpy_name": col.xenonpy_name,
                "n_source": int(raw[col.name].notna().sum()),
                "n_fallback": len(fallbacks.get(col.name, [])),
                "fallback_elements": " ".join(fallbacks.get(col.name, [])),
                "n_imputed": n_imp,
                "imputed_elements": " ".join(mask.index[mask[col.name]]),
                "imputation": note,
                "corrected_elements": " ".join(corrected.get(col.name, [])),
            }
        )
    return pd.DataFrame(rows)


def build_metadata(magpie_info: Mapping, mask: pd.DataFrame) -> dict:
    """Build settings and source versions written to ``elements_build.json``."""
    import sklearn

    return {
        "format_version": 2,
        "builder": "tools/build_element_table.py",
        "z_max": len(mask),
        "z_complete": Z_COMPLETE,
        "n_columns": len(COLUMNS),
        "n_imputed_cells": int(mask.to_numpy().sum()),
        "corrections": list(magpie_info.get("corrections", [])),
        "imputation": {
            "method": "sklearn.impute.IterativeImputer (BayesianRidge)",
            "random_state": RANDOM_STATE,
            "max_iter": MAX_ITER,
            "imputation_order": "ascending",
            "scale": f"log10 for strictly positive columns with max/min > {LOG_RATIO:g}, "
            "then standardised",
            "post": "clipped to the observed column range, rounded to "
            f"{IMPUTED_SIGNIFICANT_DIGITS} significant digits (integers for integer columns)",
            "fitted_on": f"Z = 1..{Z_COMPLETE}",
        },
        "versions": {
            "mendeleev": version("mendeleev"),
            "pymatgen": version("pymatgen"),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "matminer": {
            "version": MATMINER_VERSION,
            "file": Path(magpie_info["location"]).name,
            "sha256": dict(sorted(magpie_info["sha256"].items())),
        },
    }


def _csv_bytes(frame: pd.DataFrame, **kwargs) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, lineterminator="\n", **kwargs)
    return buf.getvalue().encode("utf-8")


def build(out_dir: str | os.PathLike = DEFAULT_OUT, matminer: str | None = None) -> dict:
    """Build the element table and write its four files into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Destination directory (created if needed).
    matminer : str, optional
        Location of matminer's Magpie tables; see :func:`find_matminer` for the default.

    Returns
    -------
    dict
        ``{file name: sha256}`` of the written files.
    """
    raw, info = collect_raw(matminer if matminer is not None else find_matminer())
    table, mask = impute(raw)
    files = {
        "elements.csv": _csv_bytes(table, index_label="symbol"),
        "elements_imputed.csv": _csv_bytes(mask.astype(int), index_label="symbol"),
        "elements_sources.csv": _csv_bytes(
            sources_frame(raw, mask, info["fallbacks"], corrections=info["corrections"]),
            index=False,
        ),
        "elements_build.json": (
            json.dumps(build_metadata(info, mask), indent=2, sort_keys=False) + "\n"
        ).encode("utf-8"),
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    digests = {}
    for name, data in files.items():
        (out / name).write_bytes(data)
        digests[name] = hashlib.sha256(data).hexdigest()
    return digests


# --------------------------------------------------------------------------------------------
# XenonPy's table: conversion and comparison
# --------------------------------------------------------------------------------------------

#: Where the XenonPy table is read from, and the digest of the file the shipped copy came from
#: (XenonPy 0.6.7's conf.yml records the same digest for its elements_completed download).
XENONPY_MEMBER = "molfeat/data/elements_completed.xz"
XENONPY_SHA256 = "9a885ac06c99dd79e63bbb431f46d8131f078239a42df028edfe1052a45a2888"
XENONPY_FILE = "elements_xenonpy.csv"
#: XenonPy's column names that differ from the curated table's.
XENONPY_RENAME = {
    "num_valance": "num_valence",
    "Polarizability": "polarizability",
    "electron_negativity": "electronegativity",
}
#: Factor beyond which a curated value is reported as disagreeing with XenonPy's.
FLAG_FACTOR = 2.0


def convert_xenonpy(wheel: str | os.PathLike, out_dir: str | os.PathLike = DEFAULT_OUT) -> dict:
    """Write XenonPy's ``elements_completed`` as ``elements_xenonpy.csv`` with its provenance.

    The file is a pickled pandas DataFrame inside the molfeat wheel (``pip download --no-deps
    molfeat==1.0.0``); it is only unpickled after its sha256 matches :data:`XENONPY_SHA256`,
    so a different file is refused rather than executed. Values are written with Python's
    shortest round-trip ``repr``, so reading the CSV back gives the same float64 bits.

    Parameters
    ----------
    wheel : path-like
        The molfeat wheel.
    out_dir : path-like
        Destination directory.

    Returns
    -------
    dict
        The provenance written to ``elements_xenonpy.json``.
    """
    path = Path(wheel)
    with zipfile.ZipFile(path) as zf:
        blob = zf.read(XENONPY_MEMBER)
    digest = hashlib.sha256(blob).hexdigest()
    if digest != XENONPY_SHA256:
        raise ValueError(
            f"{path.name}:{XENONPY_MEMBER} has sha256 {digest}, expected {XENONPY_SHA256}; "
            "refusing to unpickle an unknown file."
        )
    frame = pd.read_pickle(io.BytesIO(blob), compression="xz")
    frame = frame.rename(columns=XENONPY_RENAME).astype("float64")
    if list(frame.columns) != list(COLUMN_NAMES):
        raise ValueError(f"unexpected XenonPy columns: {list(frame.columns)}")
    data = _csv_bytes(frame, index_label="symbol")
    dist = path.name.split("-")
    info = {
        "format_version": 1,
        "name": "xenonpy",
        "description": "XenonPy's elements_completed: 58 properties of H..Pu (Z = 1..94), "
        "missing values imputed by XenonPy with MICE",
        "origin": "XenonPy (yoshida-lab), https://github.com/yoshida-lab/XenonPy",
        "licence": "BSD-3-Clause (XenonPy); see elements_xenonpy_LICENSE.txt",
        "retrieved_from": {
            "package": dist[0],
            "version": dist[1] if len(dist) > 1 else "",
            "package_licence": "Apache-2.0 AND MIT (molfeat redistributes XenonPy's file)",
            "member": XENONPY_MEMBER,
            "sha256": digest,
        },
        "same_as_xenonpy": "the sha256 above is the one XenonPy 0.6.7 records for "
        "elements_completed in xenonpy/conf.yml (db_version 0.1.3), so the file is XenonPy's "
        "published data set byte for byte",
        "renamed_columns": XENONPY_RENAME,
        "shape": list(frame.shape),
        "csv_sha256": hashlib.sha256(data).hexdigest(),
        "converter": "tools/build_element_table.py --xenonpy",
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / XENONPY_FILE).write_bytes(data)
    (out / "elements_xenonpy.json").write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    return info


def flag_disagreements(
    table: pd.DataFrame,
    reference: pd.DataFrame,
    factor: float = FLAG_FACTOR,
    imputed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cells of ``table`` that differ from ``reference`` by more than a factor ``factor``.

    A cell is flagged when both values are present and ``table / reference`` lies outside
    ``[1 / factor, factor]``; this includes values of opposite sign and a zero against a
    non-zero value (two zeros agree). Only the elements and columns the two tables share are
    compared.

    Parameters
    ----------
    table, reference : pandas.DataFrame
        Indexed by element symbol, one column per property.
    factor : float
        Tolerated ratio (> 1).
    imputed : pandas.DataFrame, optional
        Boolean mask of the imputed cells of ``table``; reported in the ``imputed`` column.

    Returns
    -------
    pandas.DataFrame
        One row per flagged cell, in table order: ``symbol, column, value, reference, ratio,
        imputed`` (``ratio`` is NaN when the reference value is 0).
    """
    if not factor > 1:
        raise ValueError(f"factor must be > 1, got {factor!r}.")
    rows = [s for s in table.index if s in reference.index]
    cols = [c for c in table.columns if c in reference.columns]
    a = table.loc[rows, cols].to_numpy(dtype=float)
    b = reference.loc[rows, cols].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = a / b
    both = np.isfinite(a) & np.isfinite(b)
    zero_b = b == 0
    agree = np.where(zero_b, a == 0, (ratio >= 1.0 / factor) & (ratio <= factor))
    flagged = both & ~agree
    out = []
    for i, j in zip(*np.nonzero(flagged), strict=True):
        out.append(
            {
                "symbol": rows[i],
                "column": cols[j],
                "value": a[i, j],
                "reference": b[i, j],
                "ratio": np.nan if zero_b[i, j] else ratio[i, j],
                "imputed": bool(imputed.at[rows[i], cols[j]]) if imputed is not None else False,
            }
        )
    columns = ["symbol", "column", "value", "reference", "ratio", "imputed"]
    return pd.DataFrame(out, columns=columns)


def disagreement_report(flags: pd.DataFrame, factor: float = FLAG_FACTOR) -> str:
    """Human-readable report of :func:`flag_disagreements`, grouped by column."""
    if flags.empty:
        return f"No value differs from XenonPy's by more than a factor {factor:g}."
    lines = [
        f"{len(flags)} cells differ from XenonPy's elements_completed by more than a factor "
        f"{factor:g} ({int(flags['imputed'].sum())} of them imputed here; * = imputed):"
    ]
    for column, group in flags.groupby("column", sort=False):
        cells = ", ".join(
            f"{r.symbol}{'*' if r.imputed else ''} {r.value:.4g} vs {r.reference:.4g}"
            for r in group.itertuples()
        )
        lines.append(f"  {column} ({len(group)}): {cells}")
    return "\n".join(lines)


def read_exact_csv(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """``pd.read_csv`` giving the float nearest to every decimal in the file.

    pandas < 3 parses with a fast routine that can be off in the last digit unless asked for
    ``float_precision="round_trip"``; pandas 3 is exact and deprecates the argument.
    """
    if int(pd.__version__.split(".")[0]) < 3:
        kwargs["float_precision"] = "round_trip"
    return pd.read_csv(path, **kwargs)


def read_xenonpy(out_dir: str | os.PathLike = DEFAULT_OUT) -> pd.DataFrame | None:
    """The shipped XenonPy table in ``out_dir`` (None if absent), read exactly."""
    path = Path(out_dir) / XENONPY_FILE
    if not path.exists():
        return None
    return read_exact_csv(path, index_col="symbol")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output directory")
    parser.add_argument(
        "--matminer",
        default=None,
        help="matminer wheel, unpacked package or magpie_elementdata directory "
        "(default: $SKLEARN_SHOTGUN_MATMINER or an installed matminer)",
    )
    parser.add_argument(
        "--xenonpy",
        default=None,
        metavar="MOLFEAT_WHEEL",
        help="also (re)write elements_xenonpy.csv from a molfeat wheel (pip download "
        "--no-deps molfeat==1.0.0)",
    )
    args = parser.parse_args(argv)
    if args.xenonpy:
        info = convert_xenonpy(args.xenonpy, args.out)
        print(f"{info['csv_sha256']}  {XENONPY_FILE}")
    for name, digest in build(args.out, args.matminer).items():
        print(f"{digest}  {name}")
    reference = read_xenonpy(args.out)
    if reference is None:
        reference = read_xenonpy(DEFAULT_OUT)
    if reference is not None:
        out = Path(args.out)
        table = read_exact_csv(out / "elements.csv", index_col="symbol")
        mask = pd.read_csv(out / "elements_imputed.csv", index_col="symbol").astype(bool)
        print(disagreement_report(flag_disagreements(table, reference, imputed=mask)))


if __name__ == "__main__":
    main()
