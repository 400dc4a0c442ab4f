"""Registered inorganic data sets (matbench, CrabNet AFLOW/MP, Roost, literature sets)."""

from __future__ import annotations

from ._dataset import DataSet, mse_dataset
from ._dataset import github_file as _github

ENTRIES: list[DataSet] = []


def _add(**kwargs) -> None:
    ENTRIES.append(DataSet(**kwargs))


def _mse(*args, **kwargs) -> None:
    ENTRIES.append(mse_dataset(*args, **kwargs))


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
    notes=(
        "The experimental gap is given for 32 of the 270 rows only; two of them carry a "
        "footnote letter in the file ('6.22b', '2.40b'), read as the number."
    ),
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
