"""Pretrain a real pool of source networks on QM9 heat capacity (Cv) and save it.

Run (not part of CI; tens of minutes on 2 CPU cores)::

    .venv/bin/python examples/pretrain_qm9_pool.py --out runs/qm9_cv_counts --counts
    .venv/bin/python examples/pretrain_qm9_pool.py --out runs/qm9_cv_bits

Trains ``--n-models`` pyramid networks on Morgan fingerprints (radius 2, 2,048 bits) of a
random subset of QM9, with the package's batched engine, checkpointing finished chunks
(interrupt and rerun to resume), then prints the wall time and the distribution of the
out-of-bag metrics, and the held-out R2 of the pool's mean prediction on QM9 molecules
that no network saw. Count fingerprints carry atom and group counts, which heat capacity
mostly depends on; binary bits cannot count.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sklearn_shotgun import FingerprintFeaturizer, ShotgunPretrainer
from sklearn_shotgun.datasets import load_qm9

CV = "Heatcapacity_Cv_cal_mol_K"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--counts", action="store_true", help="count instead of binary bits")
    parser.add_argument("--n-models", type=int, default=256)
    parser.add_argument("--n-rows", type=int, default=10_000, help="QM9 training molecules")
    parser.add_argument("--n-test", type=int, default=5_000, help="held-out QM9 molecules")
    parser.add_argument("--epochs", type=int, nargs=2, default=(20, 40))
    parser.add_argument("--n-hidden-layers", type=int, nargs=2, default=(3, 4))
    parser.add_argument("--max-first-width", type=int, default=128)
    parser.add_argument("--max-sparsity", type=float, default=0.99)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()

    qm9 = load_qm9(n_samples=args.n_rows + args.n_test, random_state=0)
    order = np.random.default_rng(0).permutation(len(qm9))
    train, test = qm9.iloc[order[: args.n_rows]], qm9.iloc[order[args.n_rows :]]
    featurizer = FingerprintFeaturizer(counts=args.counts, n_bits=2048)
    pretrainer = ShotgunPretrainer(
        featurizer,
        n_models=args.n_models,
        n_hidden_layers=tuple(args.n_hidden_layers),
        max_first_width=args.max_first_width,
        max_sparsity=args.max_sparsity,
        max_epochs=tuple(args.epochs),
        checkpoint_dir=args.out.with_name(args.out.name + ".ckpt"),
        n_jobs=args.n_jobs,
        random_state=0,
        property="Cv",
        units="cal/(mol K)",
        material="molecule",
        dataset="QM9",
    )
    start = time.perf_counter()
    pretrainer.fit(train["SMILES"].tolist(), train[CV].to_numpy())
    wall = time.perf_counter() - start
    library = pretrainer.library_
    library.save(args.out)

    kind = "count" if args.counts else "binary"
    print(
        f"{len(library)} models on {args.n_rows:,} QM9 molecules, {kind} Morgan fingerprints, "
        f"{len(pretrainer.descriptor_columns_)} candidate columns "
        f"(max_sparsity={args.max_sparsity}); trained {pretrainer.n_trained_} in {wall:.0f} s "
        f"({wall / max(1, pretrainer.n_trained_):.1f} s/model), saved to {args.out}"
    )
    frame = library.to_frame()
    print("out-of-bag metrics over the pool (quantiles):")
    print(frame[["r2", "pearson", "mae", "rmse"]].quantile([0, 0.1, 0.5, 0.9, 1]).round(3))
    mean = pretrainer.predict(test["SMILES"].tolist())
    y = test[CV].to_numpy()
    r2 = 1 - np.sum((mean - y) ** 2) / np.sum((y - y.mean()) ** 2)
    best = library[frame.sort_values("r2").iloc[-1]["id"]]
    best_r2 = 1 - np.sum((best.predict(test["SMILES"].tolist()) - y) ** 2) / np.sum(
        (y - y.mean()) ** 2
    )
    print(
        f"held-out ({len(y):,} QM9 molecules): pool mean R2 {r2:.3f}; "
        f"best-OOB model R2 {best_r2:.3f}, Pearson r {np.corrcoef(mean, y)[0, 1]:.3f} (pool)"
    )


if __name__ == "__main__":
    main()
