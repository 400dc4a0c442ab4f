"""``sklearn-shotgun pretrain``: train a pool of source networks on a CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ._common import (
    HelpFormatter,
    add_columns,
    add_featurizer,
    float_range,
    fraction,
    int_range,
    make_featurizer,
    note,
    positive_int,
    read_xy,
)

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the subcommand."""
    p = sub.add_parser(
        "pretrain",
        help="pretrain a pool of networks on a CSV source data set",
        description="Pretrain a pool of randomly shaped pyramid networks on one source "
        "property of a CSV file and save it as a model library (ShotgunPretrainer). Ranges "
        "are given as N or LOW,HIGH; each network draws its value in the range.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("data", help="CSV file with an input column and a target column")
    add_columns(p, target=True, input_default="smiles")
    p.add_argument("--out", required=True, help="library directory to write")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing library at --out (any other non-empty folder is refused)",
    )
    add_featurizer(p)
    pool = p.add_argument_group("pool")
    pool.add_argument("--n-models", type=positive_int, default=100, help="networks in the pool")
    pool.add_argument(
        "--column-pool",
        choices=("informative", "all"),
        default="informative",
        help="all: descriptor columns absent from the source data may still reach the networks",
    )
    pool.add_argument(
        "--max-sparsity",
        type=fraction,
        default=None,
        help="columns zero in more than this fraction of the rows are never drawn (default: "
        "0.99 for fingerprints, whose bits are sparse, 0.9 for 'rdkit2d' and 'composition')",
    )
    pool.add_argument(
        "--max-features", type=positive_int, default=500, help="most columns one network sees"
    )
    pool.add_argument(
        "--n-hidden-layers", type=int_range, default="3,6", help="hidden layers per network"
    )
    pool.add_argument(
        "--max-first-width", type=positive_int, default=400, help="largest first hidden width"
    )
    pool.add_argument(
        "--last-width",
        type=int_range,
        default="10,30",
        help="width of the last hidden layer (the transferred features)",
    )
    pool.add_argument(
        "--bootstrap-size",
        type=float_range,
        default="0.5,1.0",
        help="rows of each network's bootstrap sample, as a fraction of the rows",
    )
    train = p.add_argument_group("training")
    train.add_argument(
        "--epochs", type=int_range, default="100,200", help="epoch budget per network"
    )
    train.add_argument(
        "--learning-rate",
        type=float_range,
        default="0.0003,0.003",
        help="Adam learning rate (drawn log-uniformly)",
    )
    train.add_argument("--batch-size", type=positive_int, default=128, help="mini-batch size")
    train.add_argument(
        "--early-stopping",
        type=int,
        default=10,
        help="patience in epochs on the out-of-bag loss; 0 trains every full budget",
    )
    train.add_argument(
        "--task",
        choices=("auto", "regression", "classification"),
        default="auto",
        help="auto: classification for text targets and integers with at most 20 values",
    )
    train.add_argument(
        "--target-transform",
        choices=("per_gram", "per_heavy_atom", "per_atom", "log10"),
        default=None,
        help="form of the target the networks learn (default: as measured)",
    )
    train.add_argument(
        "--max-rows", type=positive_int, default=None, help="train on a random subset of rows"
    )
    run = p.add_argument_group("execution")
    run.add_argument(
        "--engine",
        choices=("batched", "skorch"),
        default="batched",
        help="batched: many networks per step; skorch: one at a time",
    )
    run.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    run.add_argument(
        "--precision",
        choices=("fp32", "bf16"),
        default="fp32",
        help="bf16: bfloat16 matrix products (batched engine; faster where the CPU or GPU "
        "supports it, out-of-bag metrics within about 1e-2)",
    )
    run.add_argument(
        "--oob-interval",
        type=positive_int,
        default=1,
        help="evaluate the out-of-bag loss every N epochs (batched engine)",
    )
    run.add_argument(
        "--chunk-size",
        type=positive_int,
        default=32,
        help="networks trained together (the unit of checkpointing)",
    )
    run.add_argument(
        "--checkpoint-dir",
        default=None,
        help="save finished chunks here; a rerun trains only the missing ones",
    )
    run.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers (default: one; -1: all cores)"
    )
    run.add_argument("--random-state", type=int, default=0, help="seed of the whole pool")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    meta = p.add_argument_group("metadata stored with every network")
    meta.add_argument("--property", default=None, help="property name (default: --target)")
    meta.add_argument("--units", default="", help="units of the target, e.g. 'cal/(mol K)'")
    meta.add_argument("--material", default="", help="material class, e.g. molecule, polymer")
    meta.add_argument("--dataset", default="", help="data set name, e.g. QM9")
    p.set_defaults(handler=run_pretrain)
    return p


def _check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output folder the save would refuse, before hours of training."""
    if not out.exists():
        return
    if not out.is_dir():
        raise FileExistsError(f"--out {out} exists and is not a directory")
    if not any(out.iterdir()):
        return
    if not overwrite:
        raise FileExistsError(f"--out {out} exists and is not empty (pass --overwrite)")
    if not (out / "library.json").is_file():
        raise FileExistsError(f"--out {out} is not empty and holds no library: not replaced")


def run_pretrain(args: argparse.Namespace) -> int:
    """Handler of ``pretrain``."""
    from ..pretrain import ShotgunPretrainer

    out = Path(args.out)
    _check_out(out, args.overwrite)
    # Class labels may be text; a regression target must be numeric.
    X, y = read_xy(
        args.data, args.input_column, args.target_column, numeric=args.task == "regression"
    )
    if args.max_rows and len(X) > args.max_rows:
        rows = np.random.default_rng(args.random_state).choice(len(X), args.max_rows, replace=False)
        X, y = [X[i] for i in rows], y[rows]
    max_sparsity = args.max_sparsity
    if max_sparsity is None:
        max_sparsity = 0.9 if args.featurizer in ("rdkit2d", "composition") else 0.99
    pretrainer = ShotgunPretrainer(
        make_featurizer(args, X),
        n_models=args.n_models,
        n_hidden_layers=args.n_hidden_layers,
        max_first_width=args.max_first_width,
        last_width=args.last_width,
        max_features=args.max_features,
        max_sparsity=max_sparsity,
        bootstrap_size=args.bootstrap_size,
        max_epochs=args.epochs,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        early_stopping=args.early_stopping or None,
        task=args.task,
        engine=args.engine,
        device=args.device,
        chunk_size=args.chunk_size,
        checkpoint_dir=args.checkpoint_dir,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
        property=args.property or args.target_column,
        units=args.units,
        material=args.material,
        dataset=args.dataset,
        target_transform=args.target_transform,
        column_pool=args.column_pool,
        precision=args.precision,
        oob_interval=args.oob_interval,
    )
    library = pretrainer.fit(X, y).library_
    library.save(out)
    n_columns = len(pretrainer.descriptor_columns_)
    note(f"{n_columns} descriptor columns pass max_sparsity={max_sparsity}")
    print(f"saved {len(library)} models to {out}")
    metrics = [c for c in ("r2", "mae", "accuracy") if c in library.to_frame()]
    print(library.to_frame()[metrics].describe().to_string())
    return 0
