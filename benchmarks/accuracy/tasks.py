"""Small-data target tasks of the accuracy benchmark (transfer learning vs. no transfer).

Every task is a property of molecules, polymers or inorganic compounds taken from the
public data sets in ``shared/data`` (see that folder's ``INDEX.md`` and each data set's
``SOURCE.md``). :func:`load_tasks` reads and cleans the whole *pool* of each task (the rows
the benchmark may draw from); :func:`draws` picks the fixed random subsets of ``n_rows``
rows on which the nested cross-validation is run, mimicking a small-data target.

Cleaning shared by all tasks (details in each loader's docstring):

- rows with a missing input or a missing / non-finite target are dropped;
- SMILES (molecules and polymer repeat units with ``*`` / ``[*]`` attachment points) that
  RDKit cannot parse are dropped; formulas that ``pymatgen.core.Composition`` cannot parse
  (strict: real elements only, positive amount) are dropped;
- duplicates of the same input are merged, the target averaged: SMILES are compared by
  RDKit canonical SMILES, formulas by pymatgen's reduced formula. The input string kept is
  the first one of the source file, unchanged except for stripped whitespace;
- log tasks (``Task.log``) keep only positive targets and model ``log10(target)``;
- no outlier is removed unless the data set's ``SOURCE.md`` says so (none does).

The data folder is ``$SKLEARN_SHOTGUN_DATA`` when set, else ``../shared/data`` beside the
checkout (``/work/shared/data`` for ``/work/main``). Files are read through the package's
loaders (``sklearn_shotgun.datasets.read_frame``, with the folder as data home): each is
checked against the sha256 of its pinned public copy, and a missing one is downloaded into
the folder. The boiling-point task reads an R data file and needs the PyPI package
``pyreadr``; without it, ``load_tasks()`` skips that task with a warning (asking for it by
name raises ``ImportError``).

Run ``python benchmarks/accuracy/tasks.py`` for a summary table (self-check).
"""

from __future__ import annotations

import os
import time
import warnings
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_shotgun.datasets import DATASETS, read_frame

__all__ = ["DEFAULT_DATA_DIR", "TASK_NAMES", "Task", "draws", "load_tasks"]


def _default_data_dir() -> Path:
    env = os.environ.get("SKLEARN_SHOTGUN_DATA")
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve()
    candidates = [here.parents[3] / "shared" / "data", here.parents[2] / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


#: ``$SKLEARN_SHOTGUN_DATA`` if set, else ``shared/data`` beside (or inside) the checkout.
DEFAULT_DATA_DIR = _default_data_dir()


@dataclass(frozen=True)
class Task:
    """One small-data regression target: a cleaned pool and how many rows a draw takes.

    ``X`` and ``y`` are excluded from equality, hashing and ``repr`` (a task is identified
    by its metadata).
    """

    name: str  # short id, e.g. "radonpy_cp"
    title: str  # human label, e.g. "RadonPy Cp (MD)"
    material: str  # "molecule", "polymer" or "inorganic"
    input_kind: str  # "smiles" (molecules and '*'-polymer SMILES) or "formula"
    units: str
    n_rows: int  # rows per draw (30-120)
    log: bool  # True if the target is modelled on a log10 scale
    X: list[str] = field(compare=False, repr=False)  # whole cleaned pool of inputs
    y: np.ndarray = field(compare=False, repr=False)  # float64 targets, same length
    source: str = field(default="", compare=False)  # data file (under the data dir), column
    dataset: str = ""  # registered data set (sklearn_shotgun.datasets) the pool comes from
    related: tuple[str, ...] = ()  # data sets of the same entries and workflow (leak alike)

    def __len__(self) -> int:
        return len(self.X)


# --------------------------------------------------------------------------- reading

_FRAMES: dict[tuple[str, Path], pd.DataFrame] = {}  # whole tables, by (data set, data dir)
_POOLS: dict[tuple[str, Path], tuple[tuple[str, ...], np.ndarray, dict[str, int]]] = {}


def _frame(name: str, root: Path) -> pd.DataFrame:
    """The table of the registered data set ``name`` (``sklearn_shotgun.datasets``), cached."""
    key = (name, root.resolve())
    if key not in _FRAMES:
        _FRAMES[key] = read_frame(name, home=root)
    return _FRAMES[key]


# -------------------------------------------------------------------------- cleaning


def _smiles_key(text: str) -> str | None:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(text)
    return None if mol is None else Chem.MolToSmiles(mol)


def _formula_key(text: str) -> str | None:
    from pymatgen.core import Composition

    try:
        comp = Composition(text, strict=True)
        if comp.num_atoms <= 0:
            return None
        return comp.reduced_formula
    except Exception:  # pymatgen raises ValueError, KeyError, ... on bad formulas
        return None


def _clean(x: Iterable, y: Iterable, kind: str, log: bool = False, positive: bool = False):
    """Drop missing/unparsable rows, merge duplicates (mean target), optional log10.

    ``positive`` (implied by ``log``) keeps only targets > 0.

    Returns ``(X, y, info)`` with ``info`` counting the rows dropped at each step.
    """
    frame = pd.DataFrame({"x": list(x), "y": pd.to_numeric(pd.Series(list(y)), errors="coerce")})
    info = {"raw": len(frame)}
    frame["x"] = frame["x"].map(lambda v: v.strip() if isinstance(v, str) else None)
    ok = frame["x"].map(bool, na_action="ignore").fillna(False).astype(bool)
    ok &= np.isfinite(frame["y"].to_numpy(dtype=np.float64))
    info["missing"] = int((~ok).sum())
    frame = frame[ok]
    if log or positive:
        keep = frame["y"] > 0
        info["non-positive"] = int((~keep).sum())
        frame = frame[keep]
    if kind == "smiles":
        from rdkit import rdBase

        with rdBase.BlockLogs():
            keys = frame["x"].map(_smiles_key)
    elif kind == "formula":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "No Pauling electronegativity for He"
            keys = frame["x"].map(_formula_key)
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    info["unparsable"] = int(keys.isna().sum())
    frame = frame.assign(key=keys)[keys.notna()]
    merged = frame.groupby("key", sort=False).agg(x=("x", "first"), y=("y", "mean"))
    info["duplicates"] = len(frame) - len(merged)
    values = merged["y"].to_numpy(dtype=np.float64)
    if log:
        values = np.log10(values)
    info["pool"] = len(merged)
    return tuple(merged["x"]), values, info


# ----------------------------------------------------------------------------- tasks


def _relpath(name: str) -> str:
    return DATASETS[name].files[0].relpath


# Files under the data dir (the ``source`` labels of the tasks).
RADONPY = _relpath("radonpy_pi1070")
POLYVERSE_GAP = _relpath("polyverse_bandgap_chain")
MD_TG = _relpath("md_tg")
ESOL = _relpath("esol")
FREESOLV = _relpath("freesolv")
BOILING = _relpath("boiling_point_goll_jurs")
AFLOW_KAPPA = _relpath("aflow_thermal_conductivity").rsplit("/", 1)[0]
EXPT_GAP = _relpath("matbench_expt_gap")
SEKO = _relpath("seko_melting_point")


@dataclass(frozen=True)
class _Spec:
    name: str
    title: str
    material: str
    input_kind: str
    units: str
    n_rows: int
    log: bool
    source: str
    loader: Callable[[Path], tuple[pd.Series | list, pd.Series | list]]
    needs: str | None = None  # optional Python package the loader imports
    positive: bool = False  # keep only targets > 0 (always so for log tasks)
    dataset: str = ""  # the registered data set the loader reads (leakage guard of run.py)
    related: tuple[str, ...] = ()  # see _AGL


def _radonpy(column: str) -> Callable[[Path], tuple]:
    def load(root: Path) -> tuple:
        frame = _frame("radonpy_pi1070", root)
        return frame["smiles"], frame[column]

    load.__doc__ = f"RadonPy PI1070 ``{column}``, repeat-unit SMILES with ``*``."
    return load


def _polyverse_gap(root: Path) -> tuple:
    """polyVERSE ``bandgap_chain.csv``: ``smiles`` ([*]) -> ``bandgap_chain`` (eV).

    DFT band gap of the isolated chain (Kamal et al. 2021). 4,209 rows, one pair of
    canonical duplicates (gaps 5.02/5.08 eV, averaged).
    """
    frame = _frame("polyverse_bandgap_chain", root)
    return frame["smiles"], frame["bandgap_chain"]


def _md_tg(root: Path) -> tuple:
    """Ramprasad MD database ``Tg.csv``: ``smiles`` -> ``Value`` (MD glass transition T, K).

    Read with ``encoding="utf-8-sig"`` (the file starts with a BOM). SMILES use ``[*]``
    (some ``[*]=`` double-bond attachments; RDKit parses all 188). No duplicates.
    """
    frame = _frame("md_tg", root)
    return frame["smiles"], frame["Value"]


def _esol(root: Path) -> tuple:
    """MoleculeNet ESOL: ``smiles`` -> ``measured log solubility in mols per litre``.

    Already log10(mol/L) in the file (not transformed again, so ``log=False``). Some SMILES
    carry trailing spaces (stripped); 11 molecules occur twice (same canonical SMILES, e.g.
    stereo-less sugar alcohols with different measured values): averaged.
    """
    frame = _frame("esol", root)
    return frame["smiles"], frame["measured log solubility in mols per litre"]


def _freesolv(root: Path) -> tuple:
    """MoleculeNet FreeSolv: ``smiles`` -> ``expt`` (experimental hydration free energy, kcal/mol).

    The ``calc`` column (alchemical free-energy calculation) is not used.
    """
    frame = _frame("freesolv", root)
    return frame["smiles"], frame["expt"]


def _boiling(root: Path) -> tuple:
    """Goll & Jurs boiling points (rcdk ``bpdata``): ``SMILES`` -> ``BP`` (normal b.p., K)."""
    frame = _frame("boiling_point_goll_jurs", root)
    return frame["SMILES"], frame["BP"]


def _aflow_kappa(root: Path) -> tuple:
    """AFLOW AGL thermal conductivity at 300 K (CrabNet benchmark), W/(m K).

    ``train.csv``, ``val.csv`` and ``test.csv`` concatenated (4,887 rows, no duplicate
    formula); ``formula`` -> ``target``, modelled as log10. The values span 0.0099 to 205
    W/(m K) (the few < 0.05 are likely AGL failures but SOURCE.md does not flag them: kept).
    """
    frame = _frame("aflow_thermal_conductivity", root)  # the three files, in this order
    return frame["formula"], frame["target"]


def _expt_gap(root: Path) -> tuple:
    """matbench_expt_gap (Zhuo et al. 2018, via CrabNet): ``formula`` -> ``target`` (eV).

    Already one row per composition. The 2,450 zero gaps (metals, 53 % of the file) are
    dropped (``positive=True``): the task is the band gap of non-metals (a half-zero
    target would mostly test metal/non-metal classification at 60 rows). The same data
    with duplicate compositions: ``inorganic_roost_bandgap/expt-non-metals.csv``.
    """
    frame = _frame("matbench_expt_gap", root)
    return frame["formula"], frame["target"]


def _seko(root: Path) -> tuple:
    """Seko et al. 2014 experimental melting temperatures: ``Compound`` -> ``Melting temp. (K)``.

    248 single- and binary-component solids (elements included), no duplicates.
    """
    frame = _frame("seko_melting_point", root)
    return frame["Compound"], frame["Melting temp. (K)"]


# The AEL-AGL workflow of AFLOW computes these for the very materials of the thermal
# conductivity task (4,886-4,887 of its 4,887 formulas), and its conductivity is derived from
# the Debye temperature and the Grueneisen parameter: a source trained on them has seen the
# task's inputs through the same calculation, as RadonPy's other MD properties have for the
# RadonPy tasks, so the leakage guard drops them too. (AFLOW's DFT band gaps, a different
# calculation over a superset of the formulas, are kept.)
_AGL = ("aflow_debye_temperature", "aflow_bulk_modulus", "aflow_thermal_expansion")
# polyVERSE's crystal band gaps are the same group's DFT workflow for 236 polymers, every one
# of them also in the chain band gap set: dropped for the chain task, to stay on the safe side.
_POLYVERSE_GAPS = ("polyverse_bandgap_crystal",)

_SPECS: tuple[_Spec, ...] = (
    # RadonPy PI1070 (Hayashi et al. 2022): all-atom MD (GAFF2) of amorphous polymers at
    # 300 K; 1,077 polymers, no duplicate or unparsable SMILES. Only missing values dropped
    # (Cp: 1, thermal_conductivity: 7, refractive_index: 2, density: 0). No outlier removal
    # (nothing is flagged in SOURCE.md); runs with fewer replicas (``*_count``) are kept.
    _Spec("radonpy_cp", "RadonPy Cp (MD)", "polymer", "smiles", "J/(kg K)", 58, False,
          f"{RADONPY}: Cp", _radonpy("Cp"), dataset="radonpy_pi1070"),
    _Spec("radonpy_tc", "RadonPy thermal conductivity (MD)", "polymer", "smiles", "W/(m K)",
          60, False, f"{RADONPY}: thermal_conductivity", _radonpy("thermal_conductivity"),
          dataset="radonpy_pi1070"),
    _Spec("radonpy_ri", "RadonPy refractive index (MD)", "polymer", "smiles", "dimensionless",
          60, False, f"{RADONPY}: refractive_index", _radonpy("refractive_index"),
          dataset="radonpy_pi1070"),
    _Spec("radonpy_density", "RadonPy density (MD)", "polymer", "smiles", "g/cm^3", 60, False,
          f"{RADONPY}: density", _radonpy("density"), dataset="radonpy_pi1070"),
    _Spec("polyverse_gap_chain", "polyVERSE chain band gap (DFT)", "polymer", "smiles", "eV",
          60, False, f"{POLYVERSE_GAP}: bandgap_chain", _polyverse_gap,
          dataset="polyverse_bandgap_chain", related=_POLYVERSE_GAPS),
    _Spec("md_tg", "Polymer Tg (MD, Ramprasad)", "polymer", "smiles", "K", 60, False,
          f"{MD_TG}: Value", _md_tg, dataset="md_tg"),
    _Spec("freesolv", "FreeSolv hydration free energy (expt)", "molecule", "smiles",
          "kcal/mol", 60, False, f"{FREESOLV}: expt", _freesolv, dataset="freesolv"),
    _Spec("esol", "ESOL aqueous solubility log S (expt)", "molecule", "smiles",
          "log10 mol/L", 60, False,
          f"{ESOL}: measured log solubility in mols per litre", _esol, dataset="esol"),
    _Spec("boiling_point", "Normal boiling point (expt, Goll & Jurs)", "molecule", "smiles",
          "K", 60, False, f"{BOILING}: bpdata$BP", _boiling, needs="pyreadr",
          dataset="boiling_point_goll_jurs"),
    _Spec("aflow_kappa_log", "AFLOW AGL thermal conductivity, log10", "inorganic", "formula",
          "log10 W/(m K)", 45, True, f"{AFLOW_KAPPA}/{{train,val,test}}.csv: target",
          _aflow_kappa, dataset="aflow_thermal_conductivity", related=_AGL),
    _Spec("expt_gap", "Experimental band gap of non-metals (Zhuo)", "inorganic", "formula",
          "eV", 60, False, f"{EXPT_GAP}: target > 0", _expt_gap, positive=True,
          dataset="matbench_expt_gap"),
    _Spec("seko_tm", "Melting temperature (expt, Seko)", "inorganic", "formula", "K", 60,
          False, f"{SEKO}: Melting temp. (K)", _seko, dataset="seko_melting_point"),
)  # fmt: skip

#: Names of all tasks, in the default order.
TASK_NAMES: tuple[str, ...] = tuple(spec.name for spec in _SPECS)
_BY_NAME = {spec.name: spec for spec in _SPECS}


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _pool(spec: _Spec, root: Path) -> tuple[tuple[str, ...], np.ndarray, dict[str, int]]:
    key = (spec.name, root.resolve())
    if key not in _POOLS:
        x, y = spec.loader(root)
        _POOLS[key] = _clean(x, y, spec.input_kind, log=spec.log, positive=spec.positive)
    return _POOLS[key]


def load_tasks(data_dir: str | Path = DEFAULT_DATA_DIR, names=None) -> list[Task]:
    """Load the benchmark's target tasks.

    Parameters
    ----------
    data_dir : path-like
        The shared data folder (holding one sub-folder per data set).
    names : iterable of str, optional
        Tasks to load, in this order (default: all of :data:`TASK_NAMES`; a task whose
        optional reader package is missing is then skipped with a warning).

    Returns
    -------
    list of Task
        Each with its whole cleaned pool (``X``, ``y``; ``y`` is a fresh float64 array).
    """
    root = Path(data_dir).expanduser()
    if names is None:
        specs = []
        for spec in _SPECS:
            if spec.needs and not _available(spec.needs):
                warnings.warn(
                    f"task {spec.name!r} skipped: it needs the package {spec.needs!r}",
                    stacklevel=2,
                )
                continue
            specs.append(spec)
    else:
        if isinstance(names, str):
            names = [names]
        unknown = [n for n in names if n not in _BY_NAME]
        if unknown:
            raise KeyError(f"unknown task(s) {unknown}; known: {', '.join(TASK_NAMES)}")
        specs = [_BY_NAME[n] for n in names]
        for spec in specs:
            if spec.needs and not _available(spec.needs):
                raise ImportError(f"task {spec.name!r} needs the package {spec.needs!r}")
    tasks = []
    for spec in specs:
        x, y, _ = _pool(spec, root)
        if len(x) < spec.n_rows:  # pragma: no cover - data-set sanity check
            raise ValueError(f"task {spec.name!r}: pool of {len(x)} < n_rows={spec.n_rows}")
        tasks.append(
            Task(
                name=spec.name,
                title=spec.title,
                material=spec.material,
                input_kind=spec.input_kind,
                units=spec.units,
                n_rows=spec.n_rows,
                log=spec.log,
                X=list(x),
                y=np.array(y, dtype=np.float64),
                source=spec.source,
                dataset=spec.dataset,
                related=spec.related,
            )
        )
    return tasks


def draws(task: Task, n_draws: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Row indices of ``n_draws`` random subsets of ``task.n_rows`` rows of the pool.

    Sampled without replacement within a draw (draws are independent of each other), from
    ``np.random.default_rng(seed + zlib.crc32(task.name))``: fixed by ``seed`` and the
    task's name, independent of the other tasks. Indices are in random (unsorted) order.
    """
    if task.n_rows > len(task.X):
        raise ValueError(f"task {task.name!r}: n_rows={task.n_rows} > pool of {len(task.X)}")
    rng = np.random.default_rng(seed + zlib.crc32(task.name.encode("utf-8")))
    return [
        rng.choice(len(task.X), size=task.n_rows, replace=False).astype(np.int64)
        for _ in range(n_draws)
    ]


def _summary() -> None:
    start = time.perf_counter()
    tasks = load_tasks()
    elapsed = time.perf_counter() - start
    root = DEFAULT_DATA_DIR
    print(f"data: {root}   ({len(tasks)} tasks loaded in {elapsed:.2f} s)\n")
    header = (
        f"{'name':<20} {'material':<9} {'input':<7} {'raw':>5} {'drop':>5} {'pool':>5} "
        f"{'n_rows':>6} {'log':>3}  {'units':<14} {'y mean':>10} {'y std':>9}  "
        f"{'draw mean±sd of y-mean':>22}"
    )
    print(header)
    print("-" * len(header))
    for task in tasks:
        _, _, info = _pool(_BY_NAME[task.name], root)
        dropped = info["raw"] - info["pool"]
        rows = draws(task)
        assert all(len(set(r.tolist())) == task.n_rows for r in rows)
        assert task.y.dtype == np.float64 and len(task.y) == len(task.X)
        assert np.isfinite(task.y).all()
        means = [task.y[r].mean() for r in rows]
        print(
            f"{task.name:<20} {task.material:<9} {task.input_kind:<7} {info['raw']:>5} "
            f"{dropped:>5} {len(task.X):>5} {task.n_rows:>6} {'yes' if task.log else 'no':>3}  "
            f"{task.units:<14} {task.y.mean():>10.4g} {task.y.std():>9.4g}  "
            f"{np.mean(means):>10.4g} ± {np.std(means):<9.3g}"
        )
    print("\ndropped rows per step (missing / non-positive for log / unparsable / duplicates):")
    for task in tasks:
        _, _, info = _pool(_BY_NAME[task.name], root)
        steps = {k: v for k, v in info.items() if k not in ("raw", "pool") and v}
        print(f"  {task.name:<20} {steps or '-'}   source: {task.source}")
    print(
        f"\n{len({t.material for t in tasks})} material classes; draws(seed=0) e.g. "
        f"{tasks[0].name}: {np.sort(draws(tasks[0])[0])[:8].tolist()} ..."
    )


if __name__ == "__main__":
    _summary()
