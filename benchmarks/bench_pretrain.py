"""Speed of pretraining a pool of pyramid networks, against the machine's limits and skorch.

Pool: QM9 heat capacity (Cv) from 2048-bit Morgan (radius 2) and 2048-bit atom-pair *count*
fingerprints (``FingerprintFeaturizer(kind=["morgan", "atom_pair"], counts=True)``), the columns
set in at least 1 % of the molecules (``max_sparsity=0.99``: about 500; Morgan bits alone give
only ~230 on QM9's small molecules), 250-500 input columns per network,
and ShotgunPretrainer's defaults otherwise (3-6 hidden layers, first width <= 400, last width
10-30, batch size 128, bootstrap samples of 50-100 % of the rows, learning rates log-uniform in
[3e-4, 3e-3]). Every epoch is followed by the out-of-bag evaluation and there is no early
stopping, so all engines do the same work.

For each row count (5,000 and 20,000), in alternating trials (best of ``--repeats``):

* the batched engine in float32 with groups of a few similar networks (the default), the same on
  one torch thread, with groups of <= 2 (the default before 2026-12-06), with whole depth
  classes in one group (as before, for the padding), and in bfloat16 autocast;
* the skorch engine on the first ``--n-skorch`` networks, on all torch threads and on one;
* dense float32 matmul micro-benchmarks (GFLOP/s, all threads and one), a memory-copy
  micro-benchmark (GB/s) and the fused Adam kernel on a state the size of the largest group's
  (GB/s, as the engine runs it: threads side by side, one torch thread each).

Threads: the batched engine uses the cores by training groups side by side, one torch thread
each; the skorch engine by splitting each op over torch's threads, which on these small networks
was slower than one thread. Its figure is the faster of the two, and the ratios are printed three
ways: the batched default against the faster skorch setting (the headline: what each engine gets
out of this machine), per core (both on one thread: what a joblib worker of
``ShotgunPretrainer(n_jobs=...)`` gets) and both on all threads.

A work model counts what the pool really needs per epoch: FLOPs of the sparse first layer
(2 per nonzero input and first-layer unit, forward and weight gradient; no input gradient), of
the dense layers (6 per weight and training row: forward, input and weight gradient), of the
out-of-bag forward pass; and bytes of the Adam step (read parameter, gradient and two moments,
write three: 28 B per parameter per step, plus 4 B to write the gradient). The floor is
``FLOPs / matmul rate`` and ``bytes / bandwidth``, taken as their maximum (perfect overlap) and
their sum (none); the achieved fraction is floor time / measured time (on one thread, with the
one-thread matmul rate and the machine's bandwidth). A group's Adam state is a few MB and stays
in the caches between steps, where Adam runs about twice as fast as the large copy: a stricter
floor prices Adam's bytes at the rate measured on such a state (printed beside; it is usually
the matmul term alone, and the fraction of it is lower). The padding factor is
executed / needed FLOPs of the grouped stacks. The quality check trains a few networks for
``--quality-epochs`` epochs with each engine and compares their out-of-bag RMSE.

Run: ``python benchmarks/bench_pretrain.py`` (a few minutes) or ``--quick`` (under a minute).
The machine may be shared: absolute rates are noisy, ratios from the same run less so; the load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from itertools import pairwise
from pathlib import Path

# First: importing the package sets OMP_WAIT_POLICY before torch starts OpenMP.
import sklearn_shotgun  # noqa: F401

# isort: split
import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from sklearn_shotgun import FingerprintFeaturizer
from sklearn_shotgun.nets._batched import GROUP_SIZE, group_widths, n_params, plan_groups
from sklearn_shotgun.nets.ensemble import ModelSpec, predict_state_dict, train_models
from sklearn_shotgun.nets.pyramid import sample_architecture

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "qm9_qm9pack" / "qm9.csv.gz"
CV = "Heatcapacity_Cv_cal_mol_K"


def load_qm9(n_rows: int, path: Path) -> tuple[sp.csr_matrix, np.ndarray]:
    """First ``n_rows`` molecules of QM9: Morgan and atom-pair count fingerprints (CSR), Cv."""
    df = pd.read_csv(path, usecols=["SMILES", CV], nrows=n_rows)
    featurizer = FingerprintFeaturizer(kind=["morgan", "atom_pair"], counts=True, sparse=True)
    X = sp.csr_matrix(featurizer.fit_transform(df["SMILES"].tolist()), dtype=np.float32)
    return X, df[CV].to_numpy(dtype=np.float64)


def make_specs(n_models, X, epochs, seed, max_sparsity=0.99) -> list[ModelSpec]:
    """Random pool members drawn like ShotgunPretrainer's defaults, with 250-500 inputs."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    nonzero = np.diff(X.tocsc().indptr)
    candidates = np.flatnonzero((n - nonzero) <= max_sparsity * n)
    specs = []
    for _ in range(n_models):
        d = int(rng.integers(min(250, len(candidates)), min(500, len(candidates)) + 1))
        cols = np.sort(rng.choice(candidates, d, replace=False))
        arch = sample_architecture(rng, d)
        train = rng.integers(0, n, int(rng.integers(n // 2, n + 1)))
        valid = np.setdiff1d(np.arange(n), train)
        rate = float(np.exp(rng.uniform(np.log(3e-4), np.log(3e-3))))
        seed_m = int(rng.integers(2**31))
        specs.append(ModelSpec(arch, cols, train, valid, rate, epochs, 128, None, seed_m))
    return specs


# --------------------------------------------------------------------------- work model


def work_model(specs, X, group_size) -> dict[str, float]:
    """FLOPs needed and executed and Adam bytes, per epoch of every network together."""
    row_nnz = {}
    needed = executed = adam_bytes = 0.0
    for ids in plan_groups(specs, group_size):
        widths = group_widths(specs, ids)
        v_max = max(len(specs[i].valid_rows) for i in ids)
        for i in ids:
            s = specs[i]
            key = tuple(s.columns)
            if key not in row_nnz:
                row_nnz[key] = np.diff(X[:, s.columns].indptr)
            nnz = row_nnz[key]
            T, V = len(s.train_rows), len(s.valid_rows)
            nnz_t, nnz_v = float(nnz[s.train_rows].sum()), float(nnz[s.valid_rows].sum())
            arch = s.architecture
            dense = sum(a * b for a, b in pairwise(arch[1:]))
            dense_pad = sum(a * b for a, b in pairwise(widths[1:]))
            needed += 4 * nnz_t * arch[1] + 6 * T * dense + 2 * nnz_v * arch[1] + 2 * V * dense
            steps = -(-T // s.batch_size)
            # Padded rows of the last batch and of the out-of-bag stack are computed too (the
            # padding OOB rows repeat row 0).
            nnz_vpad = nnz_v + (v_max - V) * float(nnz[0])
            executed += (
                4 * nnz_t * widths[1]
                + 6 * steps * s.batch_size * dense_pad
                + 2 * nnz_vpad * widths[1]
                + 2 * v_max * dense_pad
            )
            adam_bytes += 32.0 * n_params(arch) * steps
    return {"needed": needed, "executed": executed, "bytes": adam_bytes}


def matmul_rate(n: int = 1024, repeat: int = 10) -> float:
    """Best-of-3 dense float32 ``torch.mm`` FLOP/s."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(repeat):
            torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 * repeat / best


def bandwidth(n_bytes: int = 2**28, repeat: int = 3) -> float:
    """Best-of-3 memory bandwidth of a large float32 copy (read + write), bytes/s."""
    a = torch.ones(n_bytes // 4)
    b = torch.empty_like(a)
    b.copy_(a)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(repeat):
            b.copy_(a)
        best = min(best, time.perf_counter() - t0)
    return 2 * n_bytes * repeat / best


def adam_rate(size: int, n_threads: int, repeat: int = 20) -> float:
    """Best-of-3 Adam traffic rate (32 B per parameter and step) on a group-sized state, bytes/s.

    The fused Adam kernel on ``size`` parameters (the largest group's state), run as the
    engine runs it: ``n_threads`` Python threads side by side, one torch thread each, each on
    its own state. A group's state is a few MB, so between two steps it stays in the caches;
    this rate, not the large copy's, is what Adam is bounded by in training.
    """
    # Parameter, gradient and the two moments (the second one non-negative, as in training).
    states = [
        [torch.randn(size), torch.randn(size), torch.zeros(size), torch.zeros(size)]
        for _ in range(n_threads)
    ]
    step = torch.tensor(1.0)

    def run(p, g, m, v) -> None:
        for _ in range(repeat):
            torch._fused_adam_(
                [p], [g], [m], [v], [], [step], amsgrad=False, lr=1e-3, beta1=0.9,
                beta2=0.999, weight_decay=0.0, eps=1e-8, maximize=False, grad_scale=None,
                found_inf=None,
            )  # fmt: skip

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    best = np.inf
    try:
        for state in states:
            run(*state)  # warm-up: the state is in the caches when timing starts, as in training
        for _ in range(3):
            workers = [threading.Thread(target=run, args=state) for state in states]
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            best = min(best, time.perf_counter() - t0)
    finally:
        torch.set_num_threads(previous)
    return 32.0 * size * repeat * n_threads / best


def load_average() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:  # not available on Windows
        return "n/a"


# --------------------------------------------------------------------------- runs


def run_rows(n_rows, args) -> None:
    X, y = load_qm9(n_rows, args.data)
    specs = make_specs(args.n_models, X, args.epochs, args.seed)
    d_in = [s.architecture[0] for s in specs]
    depth = [len(s.architecture) - 2 for s in specs]
    print(
        f"\n== {n_rows} rows: {len(specs)} networks, {X.shape[1]} bits, inputs "
        f"{min(d_in)}-{max(d_in)}, hidden layers {min(depth)}-{max(depth)}, e.g. "
        f"{specs[0].architecture}"
    )
    whole = len(specs)  # one group per depth class: the padding of the former engine
    other = 2 if GROUP_SIZE != 2 else 4  # the other group size compared with the default
    threads = torch.get_num_threads()
    # (engine kwargs, torch threads); the skorch engine runs at both thread counts and the
    # faster one is its figure on this machine.
    configs = {
        "batched fp32": (dict(engine="batched"), threads),
        "batched fp32, 1 thread": (dict(engine="batched"), 1),
        f"batched fp32, groups of <= {other}": (
            dict(engine="batched", group_size=other),
            threads,
        ),
        "batched fp32 ungrouped": (dict(engine="batched", group_size=whole), threads),
        "batched bf16": (dict(engine="batched", precision="bf16"), threads),
        "skorch": (dict(engine="skorch"), threads),
        "skorch, 1 thread": (dict(engine="skorch"), 1),
    }
    k = min(args.n_skorch, len(specs))
    # The largest group's state (padded parameters), for the cache-resident Adam rate.
    group_params = max(
        len(ids) * n_params(group_widths(specs, ids)) for ids in plan_groups(specs, GROUP_SIZE)
    )
    times: dict[str, list[float]] = {
        name: [] for name in [*configs, "mm", "mm1", "copy", "adam", "adam1"]
    }
    losses: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, (kwargs, n_threads) in configs.items():
            run = specs[:k] if name.startswith("skorch") else specs
            torch.set_num_threads(n_threads)
            try:
                t0 = time.perf_counter()
                res = train_models(run, X, y, device=args.device, **kwargs)
                times[name].append(time.perf_counter() - t0)
            finally:
                torch.set_num_threads(threads)
            losses[name] = np.array([r.history[-1] for r in res])
        times["mm"].append(matmul_rate())
        torch.set_num_threads(1)
        times["mm1"].append(matmul_rate())
        torch.set_num_threads(threads)
        times["copy"].append(bandwidth())
        times["adam"].append(adam_rate(group_params, threads))
        times["adam1"].append(adam_rate(group_params, 1))
    flops, bw = max(times.pop("mm")), max(times.pop("copy"))
    adam_bw, adam_bw1 = max(times.pop("adam")), max(times.pop("adam1"))
    flops1 = max(times.pop("mm1"))
    best = {name: min(ts) for name, ts in times.items()}
    print(
        "trial times (s): "
        + "; ".join(f"{n} " + ", ".join(f"{t:.2f}" for t in ts) for n, ts in times.items())
    )
    print(
        f"machine: {flops / 1e9:.1f} GFLOP/s float32 matmul on {threads} threads "
        f"({flops1 / 1e9:.1f} on 1), {bw / 1e9:.1f} GB/s memory copy; fused Adam on a "
        f"group's state ({group_params * 4 / 1e6:.1f} MB per tensor): {adam_bw / 1e9:.1f} GB/s "
        f"on {threads} threads ({adam_bw1 / 1e9:.1f} on 1)"
    )

    work = {g: work_model(specs, X, g) for g in sorted({1, 2, 4, 8, GROUP_SIZE, whole})}
    e = args.epochs
    need, byts = work[GROUP_SIZE]["needed"] * e, work[GROUP_SIZE]["bytes"] * e
    print(
        f"work model, per {e} epoch(s) of all {len(specs)} networks: {need / 1e9:.1f} GFLOP "
        f"needed, {byts / 1e9:.2f} GB of Adam traffic; executed "
        f"{work[GROUP_SIZE]['executed'] * e / 1e9:.1f} GFLOP in groups of <= {GROUP_SIZE}"
    )
    print(
        "padding factor (executed / needed FLOPs) by group size: "
        + ", ".join(
            f"{'whole depth classes' if g == whole else g}: {w['executed'] / w['needed']:.2f}"
            for g, w in work.items()
        )
    )
    t_flops, t_bytes = need / flops, byts / bw
    floor_max, floor_sum = max(t_flops, t_bytes), t_flops + t_bytes
    print(
        f"floor: {t_flops:.2f} s of matmul + {t_bytes:.2f} s of memory traffic = "
        f"{len(specs) * e / floor_max:.1f} (overlapped) to {len(specs) * e / floor_sum:.1f} "
        "model-epochs/s"
    )
    rate = {
        name: (k if name.startswith("skorch") else len(specs)) * e / t for name, t in best.items()
    }
    skorch_best = max(rate["skorch"], rate["skorch, 1 thread"])
    for name, (_, n_threads) in configs.items():
        line = f"{name:24s}: {rate[name]:7.2f} model-epochs/s ({best[name]:.2f} s)"
        if not name.startswith("skorch"):
            # The floor of one thread is the matmul rate of one thread.
            f_max = floor_max if n_threads == threads else max(need / flops1, t_bytes)
            f_sum = floor_sum if n_threads == threads else need / flops1 + t_bytes
            line += (
                f", {rate[name] / skorch_best:5.2f}x skorch (its faster setting), "
                f"{f_max / best[name]:6.1%} of the overlapped floor ({f_sum / best[name]:6.1%} "
                f"of the summed one), {need / best[name] / 1e9:.1f} GFLOP/s needed work"
            )
        print(line)
    # The memory term above prices Adam's traffic at the rate of a copy larger than the caches,
    # but a group's state stays in them between steps: priced at the rate measured on such a
    # state, the floor is lower (stricter), and usually the matmul term alone.
    t_cache, t_cache1 = byts / adam_bw, byts / adam_bw1
    strict, strict1 = max(t_flops, t_cache), max(need / flops1, t_cache1)
    print(
        f"stricter floor, Adam at its cache-resident rate: {t_flops:.2f} s of matmul, "
        f"{t_cache:.2f} s of Adam = {len(specs) * e / strict:.1f} model-epochs/s (overlapped); "
        f"batched fp32 at {strict / best['batched fp32']:.1%} of it, on 1 thread "
        f"{strict1 / best['batched fp32, 1 thread']:.1%}"
    )
    print(
        f"on {threads} cores: batched fp32 {rate['batched fp32'] / skorch_best:.2f}x the skorch "
        f"engine at its faster thread count; per core (both on 1 thread): "
        f"{rate['batched fp32, 1 thread'] / rate['skorch, 1 thread']:.2f}x; both on {threads} "
        f"threads: {rate['batched fp32'] / rate['skorch']:.2f}x"
    )
    ratio = best["batched fp32 ungrouped"] / best["batched fp32"]
    bf16 = best["batched fp32"] / best["batched bf16"]
    versus = best[f"batched fp32, groups of <= {other}"] / best["batched fp32"]
    print(
        f"groups of <= {GROUP_SIZE} vs ungrouped: {ratio:.2f}x, vs groups of <= {other}: "
        f"{versus:.2f}x; "
        f"bf16 vs fp32: {bf16:.2f}x"
    )
    diff = np.abs(losses["batched bf16"] - losses["batched fp32"])
    mean = {name: np.nanmean(v) for name, v in losses.items()}
    print(
        f"last out-of-bag loss (standardised MSE), mean over networks: "
        f"fp32 {mean['batched fp32']:.4f}, bf16 {mean['batched bf16']:.4f}"
        f" (largest change {np.nanmax(diff):.2e}), ungrouped "
        f"{mean['batched fp32 ungrouped']:.4f}, 1 thread {mean['batched fp32, 1 thread']:.4f}; "
        f"skorch {mean['skorch']:.4f}"
        f" vs batched fp32 {np.nanmean(losses['batched fp32'][:k]):.4f} on the same {k} networks"
    )


def oob_rmse(result, spec, X, y) -> float:
    Xv = X[spec.valid_rows][:, spec.columns].toarray()
    raw = predict_state_dict(result.state_dict, (Xv - result.x_mean) / result.x_scale)
    pred = raw[:, 0] * result.y_scale + result.y_mean
    return float(np.sqrt(np.mean((pred - y[spec.valid_rows]) ** 2)))


def quality(args) -> None:
    """Out-of-bag RMSE of networks trained to convergence by each engine and precision."""
    X, y = load_qm9(args.quality_rows, args.data)
    specs = make_specs(args.quality_models, X, args.quality_epochs, args.seed + 1)
    for s in specs:
        s.patience = 10
    configs = {
        "batched fp32": {},
        "batched bf16": {"precision": "bf16"},
        "batched fp32, OOB every 5 epochs": {"valid_every": 5},
        "skorch": {"engine": "skorch"},
    }
    times: dict[str, list[float]] = {name: [] for name in configs}
    rmse, epochs = {}, {}
    # Two alternating rounds, the faster counts: the first call on new shapes pays one-time costs.
    for _ in range(2):
        for name, kwargs in configs.items():
            kwargs = dict(kwargs)
            every = kwargs.pop("valid_every", 1)
            run = [ModelSpec(**{**vars(s), "valid_every": every}) for s in specs]
            t0 = time.perf_counter()
            res = train_models(run, X, y, device=args.device, **kwargs)
            times[name].append(time.perf_counter() - t0)
            rmse[name] = np.array([oob_rmse(r, s, X, y) for r, s in zip(res, run, strict=True)])
            epochs[name] = sum(r.epochs_run for r in res)
    for name in configs:
        print(
            f"{name:34s}: out-of-bag RMSE {rmse[name].mean():.4f} cal/(mol K) "
            f"(max change vs batched fp32 {np.abs(rmse[name] - rmse['batched fp32']).max():.4f}), "
            f"{epochs[name]} epochs in {min(times[name]):.1f} s "
            f"({min(times['batched fp32']) / min(times[name]):.2f}x batched fp32)"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 rows, fewer networks")
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--n-models", type=int, default=32)
    parser.add_argument("--n-skorch", type=int, default=4, help="networks trained by skorch")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per trial")
    parser.add_argument("--repeats", type=int, default=3, help="alternating trials")
    parser.add_argument("--quality-rows", type=int, default=5000)
    parser.add_argument("--quality-models", type=int, default=8)
    parser.add_argument("--quality-epochs", type=int, default=30)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.n_models, args.n_skorch, args.repeats = [5000], 16, 2, 2
        args.quality_rows, args.quality_models, args.quality_epochs = 2000, 4, 10
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}, device {args.device}, "
        f"{os.cpu_count()} cores, load average {load_average()}"
    )
    for n_rows in args.rows:
        run_rows(n_rows, args)
    print(f"\n== out-of-bag quality, {args.quality_rows} rows, early stopping (patience 10)")
    quality(args)
    print(f"\nload average at the end: {load_average()}")


if __name__ == "__main__":
    main()
