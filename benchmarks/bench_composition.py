"""Throughput of CompositionFeaturizer against a per-row implementation (and matminer).

Run: ``.venv/bin/python benchmarks/bench_composition.py [--n 100000]
[--matminer-python /tmp/mm/bin/python]``. Takes formulas from the shared Materials Project
formation-energy set (``inorganic_crabnet_matbench_formula/mp_e_form.csv``) and prints
formulas/s, all in one run on one core (the machine is shared and noisy, so the ratios are
what matters), for

- the featurizer's ``transform`` (parsing included);
- the statistics alone on a pre-parsed amount matrix (``transform_amounts``);
- a straightforward per-row implementation of the same statistics (:func:`per_row_features`,
  a numpy loop over rows following XenonPy's ``mix_function`` code; the tests use it as the
  reference), both on pre-parsed compositions and with pymatgen's ``Composition`` parsing;
- optionally matminer's ``ElementProperty.from_preset("magpie")`` on a subset, run by
  ``bench_matminer_magpie.py`` in a separate environment (matminer needs pandas < 3).

- XenonPy's own per-row code (:func:`per_row_pandas`, ``table.loc`` per row) on 1,000 rows.

Goals: >= 50x the per-row implementation; >= 100,000 formulas/s once parsed. The 50x holds
against XenonPy's per-row code (and matminer); the lean numpy loop is within ~6x of the
vectorised statistics here, because writing the 290 float64 columns (232 MB per 100,000
rows) is itself a large part of the cost.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

STATS = ("mean", "sum", "var", "max", "min")
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_SHOTGUN_DATA", ROOT.parent / "shared" / "data"))
MP_E_FORM = DATA / "inorganic_crabnet_matbench_formula" / "mp_e_form.csv"


def per_row_features(
    compositions: Sequence[Mapping[str, float]], table: pd.DataFrame, stats: Sequence[str]
) -> np.ndarray:
    """The statistics row by row, transcribing XenonPy's ``mix_function`` of each class.

    ``compositions`` are ``{symbol: amount}`` dicts. Per row: gather the property rows of the
    elements present, then ``w @ p`` (WeightedAverage), ``n @ p`` (WeightedSum),
    ``w @ (p - mean) ** 2`` (WeightedVariance), column max/min skipping NaN (MaxPooling,
    MinPooling: pandas), ``prod(p ** n) ** (1 / N)`` (GeometricMean) and ``N / (n @ (1 / p))``
    (HarmonicMean).
    """
    values = table.to_numpy(dtype=np.float64)
    index = {sym: i for i, sym in enumerate(table.index)}
    n_props = values.shape[1]
    out = np.empty((len(compositions), len(stats) * n_props))
    with np.errstate(all="ignore"):
        for r, comp in enumerate(compositions):
            elems = values[[index[sym] for sym in comp]]
            nums = np.fromiter(comp.values(), dtype=np.float64, count=len(comp))
            w = nums / np.sum(nums)
            for k, stat in enumerate(stats):
                if stat == "mean":
                    v = w.dot(elems)
                elif stat == "sum":
                    v = nums.dot(elems)
                elif stat == "var":
                    v = w.dot((elems - w.dot(elems)) ** 2)
                elif stat == "max":
                    v = np.fmax.reduce(elems, axis=0)
                elif stat == "min":
                    v = np.fmin.reduce(elems, axis=0)
                elif stat == "gmean":
                    v = np.power((elems ** nums.reshape(-1, 1)).prod(axis=0), 1 / np.sum(nums))
                elif stat == "hmean":
                    v = np.sum(nums) / nums.dot(1 / elems)
                else:
                    raise ValueError(stat)
                out[r, k * n_props : (k + 1) * n_props] = v
    return out


def per_row_pandas(
    compositions: Sequence[Mapping[str, float]], table: pd.DataFrame, stats: Sequence[str]
) -> np.ndarray:
    """XenonPy's own per-row code: ``table.loc[elems]`` and one ``mix_function`` per statistic.

    Only the five default statistics; this is how ``Compositions(featurizers="classic")``
    spends its time (joblib aside).
    """
    rows = []
    for comp in compositions:
        elems, nums = list(comp), list(comp.values())
        parts = []
        for stat in stats:
            e = table.loc[elems, :]
            if stat == "mean":
                parts.append((nums / np.sum(nums)).dot(e.values))
            elif stat == "sum":
                parts.append(np.array(nums).dot(e.values))
            elif stat == "var":
                w = nums / np.sum(nums)
                parts.append(w.dot((e.values - w.dot(e.values)) ** 2))
            elif stat == "max":
                parts.append(e.max().values)
            elif stat == "min":
                parts.append(e.min().values)
        rows.append(np.concatenate(parts))
    return np.array(rows)


def main() -> None:
    from _timing import best_of  # beside this script; imported here so tests can load the module
    from pymatgen.core import Composition

    from sklearn_shotgun.featurizers.composition import CompositionFeaturizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of formulas")
    parser.add_argument("--n-per-row", type=int, default=10_000, help="rows for the loop")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--matminer-python", default=None, help="python with matminer")
    parser.add_argument("--n-matminer", type=int, default=1000)
    args = parser.parse_args()

    formulas = pd.read_csv(MP_E_FORM)["formula"].iloc[: args.n].tolist()
    n, m = len(formulas), min(args.n_per_row, len(formulas))
    print(f"{n:,} Materials Project formulas (mp_e_form), {len(STATS)} stats x 58 properties, ")
    print(f"one core, best of {args.repeats}; per-row loops on the first {m:,}")
    cf = CompositionFeaturizer(n_jobs=1).fit(formulas[:1])
    table = cf.element_table_

    t_full, full = best_of(lambda: cf.transform(formulas), args.repeats)
    amounts = cf.amount_matrix(formulas)
    t_stats, stats_only = best_of(lambda: cf.transform_amounts(amounts), args.repeats)
    t_parse, _ = best_of(lambda: cf.amount_matrix(formulas), args.repeats)
    comps = [Composition(f).get_el_amt_dict() for f in formulas[:m]]
    t_row, ref = best_of(lambda: per_row_features(comps, table, STATS), args.repeats)
    t_row_pmg, _ = best_of(
        lambda: per_row_features(
            [Composition(f).get_el_amt_dict() for f in formulas[:m]], table, STATS
        ),
        1,
    )
    n_pd = min(1000, m)
    t_pandas, ref_pd = best_of(lambda: per_row_pandas(comps[:n_pd], table, STATS), 1)
    np.testing.assert_allclose(ref_pd, ref[:n_pd], rtol=1e-12, atol=1e-10)
    assert np.array_equal(full, stats_only), "transform and transform_amounts differ"
    np.testing.assert_allclose(full[:m], ref, rtol=1e-10, atol=1e-8)

    rate = {
        "full": n / t_full,
        "stats": n / t_stats,
        "parse": n / t_parse,
        "row": m / t_row,
        "row_pmg": m / t_row_pmg,
        "pandas": n_pd / t_pandas,
    }
    print(f"featurizer transform (parsing included)  {rate['full']:>12,.0f} formulas/s")
    print(f"featurizer statistics only (pre-parsed)  {rate['stats']:>12,.0f} formulas/s")
    print(f"featurizer parsing only (amount_matrix)  {rate['parse']:>12,.0f} formulas/s")
    print(f"per-row loop, pre-parsed dicts           {rate['row']:>12,.0f} formulas/s")
    print(f"per-row loop + pymatgen Composition      {rate['row_pmg']:>12,.0f} formulas/s")
    print(f"per-row XenonPy code (pandas .loc, {n_pd:,})  {rate['pandas']:>12,.0f} formulas/s")
    print(f"ratio statistics only / per-row loop     {rate['stats'] / rate['row']:>12,.1f}x")
    print(f"ratio statistics only / XenonPy per-row  {rate['stats'] / rate['pandas']:>12,.1f}x")
    print(f"ratio transform / XenonPy per-row        {rate['full'] / rate['pandas']:>12,.1f}x")
    print(f"ratio transform / per-row + pymatgen     {rate['full'] / rate['row_pmg']:>12,.1f}x")
    print(f"ratio transform / per-row loop           {rate['full'] / rate['row']:>12,.1f}x")

    if args.matminer_python:
        script = Path(__file__).with_name("bench_matminer_magpie.py")
        cmd = [args.matminer_python, str(script), "--n", str(args.n_matminer)]
        cmd += ["--data", str(MP_E_FORM)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print("matminer run failed:", result.stderr.strip().splitlines()[-1:], file=sys.stderr)
            return
        mm_rate = float(result.stdout.strip().splitlines()[-1].split()[0])
        print(
            f"matminer ElementProperty magpie ({args.n_matminer:,})  {mm_rate:>12,.0f} formulas/s"
        )
        print(f"ratio transform / matminer               {rate['full'] / mm_rate:>12,.1f}x")


if __name__ == "__main__":
    main()
