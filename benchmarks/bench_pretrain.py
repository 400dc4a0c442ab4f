"""Speed of pretraining a pool of pyramid networks: batched engine vs one-by-one skorch engine.

QM9 heat capacity (Cv) from 2048-bit binary Morgan fingerprints (radius 2), the paper's NN setup 1
ranges (at most 500 input columns per model drawn from the non-sparse columns, first hidden layer
<= 400 units, last hidden layer 10 to 30 units, 3 or 4 hidden layers), and ShotgunPretrainer's
defaults otherwise (batch size 128, bootstrap samples of 50-100 % of the rows, per-model learning
rates drawn log-uniformly in [3e-4, 3e-3]); out-of-bag validation every epoch and a fixed number
of epochs (no early stopping), so both engines do the same work.

The engines are timed in alternating trials and the fastest trial of each counts, so that other
jobs on a shared machine distort the ratio as little as possible. Prints model-epochs per second
of both engines and their ratio, the batched engine's achieved FLOP/s against this machine's dense
float32 matmul FLOP/s, and the projected wall time of a 1,000-model pool on 20,000 rows x 100
epochs.

Run: ``python benchmarks/bench_pretrain.py [--n-models 32 --n-rows 20000 --epochs 1]``.
"""

from __future__ import annotations

import argparse
import os
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from rdkit import Chem, RDLogger
from rdkit.Chem import rdFingerprintGenerator

from sklearn_shotgun.nets.ensemble import ModelSpec, train_models
from sklearn_shotgun.nets.pyramid import sample_architecture

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "qm9_qm9pack" / "qm9.csv.gz"


def load_qm9(n_rows: int, path: Path) -> tuple[sp.csr_matrix, np.ndarray]:
    """First ``n_rows`` molecules of QM9: binary Morgan bits (CSR) and Cv."""
    df = pd.read_csv(path, usecols=["SMILES", "Heatcapacity_Cv_cal_mol_K"], nrows=n_rows)
    RDLogger.DisableLog("rdApp.*")
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [gen.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in df["SMILES"]]
    X = sp.csr_matrix(np.stack(fps).astype(np.float32))
    return X, df["Heatcapacity_Cv_cal_mol_K"].to_numpy(dtype=np.float64)


def make_specs(n_models, X, epochs, batch_size, lr_range, seed) -> list[ModelSpec]:
    """Random pool members in the paper's setup-1 ranges."""
    rng = np.random.default_rng(seed)
    freq = np.asarray((X > 0).mean(axis=0)).ravel()
    # "Non-sparse" columns: set in at least 0.5 % of the molecules (about 500 of 2048 bits).
    candidates = np.flatnonzero(freq >= 0.005)
    n = X.shape[0]
    specs = []
    for _ in range(n_models):
        d = int(rng.integers(min(250, len(candidates)), min(500, len(candidates)) + 1))
        cols = np.sort(rng.choice(candidates, d, replace=False))
        arch = sample_architecture(rng, d, n_hidden_layers=(3, 4), max_first_width=400)
        train = rng.integers(0, n, int(rng.integers(n // 2, n + 1)))
        valid = np.setdiff1d(np.arange(n), train)
        rate = float(np.exp(rng.uniform(np.log(lr_range[0]), np.log(lr_range[1]))))
        seed_m = int(rng.integers(2**31))
        specs.append(ModelSpec(arch, cols, train, valid, rate, epochs, batch_size, None, seed_m))
    return specs


def matmul_flops(n: int = 2048, repeat: int = 10) -> float:
    """Best-of-3 dense float32 ``torch.mm`` throughput of this machine."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(repeat):
            torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 * repeat / best


def timed(specs, X, y, engine, device) -> float:
    t0 = time.perf_counter()
    train_models(specs, X, y, engine=engine, device=device)
    return time.perf_counter() - t0


def load_average() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:  # not available on Windows
        return "n/a"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-models", type=int, default=32)
    parser.add_argument("--n-skorch", type=int, default=4, help="models trained by skorch")
    parser.add_argument("--n-rows", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1, help="epochs per trial")
    parser.add_argument("--repeats", type=int, default=3, help="alternating trials per engine")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, nargs=2, default=(3e-4, 3e-3), help="log-uniform")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dense", action="store_true", help="feed X dense instead of CSR")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    X, y = load_qm9(args.n_rows, args.data)
    specs = make_specs(args.n_models, X, args.epochs, args.batch_size, args.lr, args.seed)
    print(
        f"QM9 Cv: {X.shape[0]} rows x {X.shape[1]} bits (density {X.nnz / np.prod(X.shape):.3f}), "
        f"featurised in {time.perf_counter() - t0:.1f} s; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device {args.device}, load average {load_average()}"
    )
    d_in = [s.architecture[0] for s in specs]
    print(
        f"{len(specs)} models, d_in {min(d_in)}-{max(d_in)}, batch {args.batch_size}, "
        f"{args.epochs} epoch(s) per trial, {'dense' if args.dense else 'CSR'} X, "
        f"e.g. {specs[0].architecture}"
    )
    Xin = X.toarray() if args.dense else X

    k = min(args.n_skorch, len(specs))
    times: dict[str, list[float]] = {"batched": [], "skorch": []}
    for _ in range(args.repeats):
        times["batched"].append(timed(specs, Xin, y, "batched", args.device))
        times["skorch"].append(timed(specs[:k], Xin, y, "skorch", args.device))
    trials = "; ".join(f"{name} " + ", ".join(f"{t:.1f}" for t in ts) for name, ts in times.items())
    print(f"trial times (s): {trials}; load average {load_average()}")
    t_batched, t_skorch = min(times["batched"]), min(times["skorch"])
    rate_batched = len(specs) * args.epochs / t_batched
    rate_skorch = k * args.epochs / t_skorch

    # Forward + backward of the dense layers: 6 FLOPs per parameter and training row per epoch
    # (the sparse first layer actually needs far fewer, so this is the dense-equivalent rate).
    params = np.array([sum((a + 1) * b for a, b in pairwise(s.architecture)) for s in specs])
    rows = np.array([len(s.train_rows) for s in specs])
    achieved = 6.0 * float((params * rows).sum()) * args.epochs / t_batched
    peak = matmul_flops()
    print(
        f"batched engine : {rate_batched:8.2f} model-epochs/s "
        f"({t_batched:.1f} s, {len(specs)} models)"
    )
    print(f"skorch engine  : {rate_skorch:8.2f} model-epochs/s ({t_skorch:.1f} s, {k} models)")
    print(f"speed-up       : {rate_batched / rate_skorch:8.2f} x")
    print(
        f"batched FLOP/s : {achieved / 1e9:.1f} GFLOP/s = {achieved / peak:.1%} of dense float32 "
        f"matmul ({peak / 1e9:.1f} GFLOP/s, 2048x2048 torch.mm)"
    )
    scale = 20000 / X.shape[0]
    for name, rate in (("batched", rate_batched), ("skorch", rate_skorch)):
        hours = 1000 * 100 * scale / rate / 3600
        print(f"projected 1,000 models x 20,000 rows x 100 epochs, {name:7s}: {hours:8.1f} h")


if __name__ == "__main__":
    main()
