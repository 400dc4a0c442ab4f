"""Nested-CV accuracy of transfer from a QM9-Cv pool to RadonPy polymer properties.

Run after ``examples/pretrain_qm9_pool.py --counts --out runs/qm9_cv_counts`` (not in CI)::

    .venv/bin/python examples/transfer_polymers.py --pool runs/qm9_cv_counts

Two small targets from RadonPy PI1070 (MD-computed, Hayashi et al. 2022): the heat
capacity Cp of 58 random polymers and the thermal conductivity of 19, each drawn five
times (repeats). For every draw, ``evaluate_transfer`` runs a 5-fold nested
cross-validation (the outer test fold never reaches the source selection) of

- transfer, single best source (``search="screen"``, grid search on the top 20);
- transfer, ensemble of the 5 best candidates;
- transfer, frozen features + the source's descriptor columns;
- the baseline: a random forest on the count fingerprints directly (no transfer);
- the control: the single-best search over the same architectures with untrained weights.

Prints the nested MAE (mean and spread over the repeats) of each, and writes
``runs/transfer_<target>.png`` (per-fold comparison of the first repeat).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_shotgun import ModelLibrary, ShotgunTransferRegressor, evaluate_transfer
from sklearn_shotgun.datasets import load_radonpy

TARGETS = {"Cp": 58, "thermal_conductivity": 19}
UNITS = {"Cp": "J/(kg K)", "thermal_conductivity": "W/(m K)"}


def variants(library: ModelLibrary, inner_cv: int) -> dict[str, ShotgunTransferRegressor]:
    common = dict(search="screen", top_k=20, cv=inner_cv, random_state=0, n_jobs=2)
    return {
        "transfer (single best)": ShotgunTransferRegressor(library, **common),
        "transfer (ensemble of 5)": ShotgunTransferRegressor(library, ensemble=5, **common),
        "transfer (frozen+descriptor)": ShotgunTransferRegressor(
            library, features="frozen+descriptor", **common
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, default=Path("runs/qm9_cv_counts"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("runs"))
    args = parser.parse_args()

    library = ModelLibrary.load(args.pool)
    polymers = load_radonpy()
    print(f"pool: {len(library)} QM9-Cv models from {args.pool}")
    for target, n_rows in TARGETS.items():
        frame = polymers.dropna(subset=[target])
        inner_cv = 5 if n_rows >= 40 else 3
        rows = []
        start = time.perf_counter()
        for repeat in range(args.repeats):
            sample = frame.sample(n=n_rows, random_state=repeat)
            X, y = sample["smiles"].tolist(), sample[target].to_numpy()
            for i, (name, model) in enumerate(variants(library, inner_cv).items()):
                first = i == 0
                result = evaluate_transfer(
                    model,
                    X,
                    y,
                    cv=5,
                    control="untrained" if first else None,
                    baseline="default" if first else None,
                    random_state=repeat,
                )
                for model_name in result.summary.index:
                    label = name if model_name == "transfer" else model_name
                    if model_name == "baseline":
                        label = "baseline (forest on fingerprints)"
                    if model_name == "control":
                        label = "control (untrained, single best)"
                    rows.append(
                        {
                            "model": label,
                            "repeat": repeat,
                            "mae": result.summary.loc[model_name, ("mae", "overall")],
                            "r2": result.summary.loc[model_name, ("r2", "overall")],
                        }
                    )
                if first and repeat == 0:
                    from sklearn_shotgun.plotting import plot_evaluation

                    ax = plot_evaluation(result, metric="mae", units=UNITS[target])
                    ax.set_title(f"{target}, {n_rows} polymers, repeat 0")
                    args.out.mkdir(parents=True, exist_ok=True)
                    ax.figure.savefig(args.out / f"transfer_{target}.png", dpi=120)
        table = pd.DataFrame(rows).groupby("model")[["mae", "r2"]].agg(["mean", "std"])
        print(
            f"\n{target}: {n_rows} random polymers x {args.repeats} repeats, nested 5-fold "
            f"CV (inner {inner_cv}-fold), {time.perf_counter() - start:.0f} s"
        )
        print(table.sort_values(("mae", "mean")).round(4).to_string())


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
