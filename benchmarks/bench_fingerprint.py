"""Throughput of FingerprintFeaturizer against a bare RDKit loop (Morgan, 2048 bits).

Run: ``.venv/bin/python benchmarks/bench_fingerprint.py [--n 100000]``. Prints molecules/s
of a bare loop (MolFromSmiles, Morgan generator, GetFingerprintAsNumPy into a preallocated
array) and of the featurizer with n_jobs=1 and n_jobs=2, measured in the same run (the
machine is shared and noisy, so only the ratios are meaningful). Goals: n_jobs=1 at
>= 0.9x the bare loop; n_jobs=2 at >= 1.6x n_jobs=1.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of
from rdkit import Chem, rdBase
from rdkit.Chem import rdFingerprintGenerator

from sklearn_shotgun import FingerprintFeaturizer
from sklearn_shotgun.datasets import load_qm9


def bare_loop(smiles: list[str]) -> np.ndarray:
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    out = np.zeros((len(smiles), 2048), dtype=np.uint8)
    with rdBase.BlockLogs():
        for i, s in enumerate(smiles):
            out[i] = gen.GetFingerprintAsNumPy(Chem.MolFromSmiles(s))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of QM9 molecules")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    smiles = load_qm9(n_samples=args.n, random_state=0)["SMILES"].tolist()
    print(f"{len(smiles):,} QM9 SMILES, Morgan radius 2, 2048 bits, best of {args.repeats}")
    serial = FingerprintFeaturizer(n_jobs=1).fit(smiles[:1])
    parallel = FingerprintFeaturizer(n_jobs=2).fit(smiles[:1])
    parallel.transform(smiles[:20_000])  # start the joblib workers once, as a session would

    t_bare, ref = best_of(lambda: bare_loop(smiles), args.repeats)
    t_one, one = best_of(lambda: serial.transform(smiles), args.repeats)
    t_two, two = best_of(lambda: parallel.transform(smiles), args.repeats)
    assert np.array_equal(ref, one) and np.array_equal(one, two), "results differ"

    rate = {k: len(smiles) / t for k, t in (("bare", t_bare), ("one", t_one), ("two", t_two))}
    print(f"bare RDKit loop           {rate['bare']:>10,.0f} molecules/s")
    print(f"featurizer n_jobs=1       {rate['one']:>10,.0f} molecules/s")
    print(f"featurizer n_jobs=2       {rate['two']:>10,.0f} molecules/s")
    print(f"n_jobs=1 / bare loop      {rate['one'] / rate['bare']:>10.2f}x   (goal >= 0.9x)")
    print(f"n_jobs=2 / n_jobs=1       {rate['two'] / rate['one']:>10.2f}x   (goal >= 1.6x)")


if __name__ == "__main__":
    main()
