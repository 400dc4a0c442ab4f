"""Throughput of matminer's ElementProperty.from_preset("magpie") (the usual baseline).

matminer needs pandas < 3, so this runs in its own environment, for example::

    python3 -m venv /tmp/mm && /tmp/mm/bin/pip install matminer "pandas<3"
    /tmp/mm/bin/python benchmarks/bench_matminer_magpie.py --n 1000

``bench_composition.py --matminer-python /tmp/mm/bin/python`` runs it and reads the last
line, ``<formulas/s> formulas/s``. Timed: pymatgen ``Composition`` parsing plus
``featurize_many`` on one core (``n_jobs=1``, no progress bar), after one warm-up row that
loads the Magpie tables.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from matminer.featurizers.composition import ElementProperty
from pymatgen.core import Composition


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--data", required=True, help="CSV with a 'formula' column")
    args = parser.parse_args()
    formulas = pd.read_csv(args.data)["formula"].iloc[: args.n].tolist()
    ep = ElementProperty.from_preset("magpie")
    ep.set_n_jobs(1)
    ep.set_chunksize(None)
    ep.featurize(Composition(formulas[0]))  # warm-up: load the tables
    start = time.perf_counter()
    comps = [Composition(f) for f in formulas]
    rows = ep.featurize_many(comps, pbar=False)
    elapsed = time.perf_counter() - start
    print(f"{len(rows)} compositions x {len(rows[0])} features in {elapsed:.2f} s")
    print(f"{len(formulas) / elapsed:.1f} formulas/s")


if __name__ == "__main__":
    main()
