"""Transferability map: which source property transfers to which target.

For a library over several source properties and a set of small targets, each source's
networks are searched alone (a :class:`~sklearn_shotgun.ShotgunTransferRegressor` restricted
to that source) and scored by nested cross-validation against the no-transfer baseline on the
same outer folds (:func:`~sklearn_shotgun.evaluation.evaluate_transfer`). The table of
``transfer error / baseline error`` (sources x targets) is the original work's taxonomy of
which property transfers to which: below 1, the source helps that target; above 1, the
target's own descriptors do better without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["source_groups", "transferability_map"]


def source_groups(library: Any) -> dict[str, list[str]]:
    """Model ids per source (the recipe source, else property/form/descriptor/data set), in
    library order; the keys are those of ``ModelLibrary.summary()["source"]``."""
    from sklearn_shotgun.library._quality import source_key

    groups: dict[str, list[str]] = {}
    for model in library:
        entry = {
            "training": model.training,
            "property": model.property,
            "target_transform": model.target_transform,
            "descriptor": model.descriptor,
            "dataset": model.dataset,
        }
        groups.setdefault(source_key(entry), []).append(model.id)
    return groups


def transferability_map(
    library: Any,
    targets: Mapping[str, tuple[Any, Any]],
    *,
    estimator: Any = None,
    cv: Any = 5,
    baseline: Any = "default",
    metric: str = "mae",
    n_jobs: int | None = None,
    random_state: int | None = 0,
    verbose: int = 0,
) -> pd.DataFrame:
    """Nested-CV error of transfer from each source, relative to no transfer, per target.

    Parameters
    ----------
    library : ModelLibrary, path or "hf://owner/name@revision"
        The sources; each group of :func:`source_groups` is one row of the map.
    targets : dict of str to (X, y)
        Small target data sets by name: raw inputs the sources' featurizers read (SMILES,
        formulas) and values.
    estimator : ShotgunTransferRegressor, optional
        The transfer estimator to evaluate; it is cloned with ``library`` set to each source
        in turn. Default ``ShotgunTransferRegressor(cv=3, no_transfer=False,
        random_state=random_state)``: the search is restricted to the source's networks (no
        fallback on the target's own descriptors), so a source that hurts shows as a ratio
        above 1.
    cv : int or splitter, default=5
        The outer cross-validation of :func:`~sklearn_shotgun.evaluation.evaluate_transfer`;
        every source and the baseline share the same outer folds of a target.
    baseline : "default" or estimator, default="default"
        The no-transfer model (``"default"``: :class:`~sklearn_shotgun.NoTransferRegressor`).
    metric : {"mae", "rmse", "max_ae", "mse"}, default="mae"
        The error compared (mean over the outer folds).
    n_jobs : int, optional
        joblib workers over the (model, fold) fits of each target.
    random_state : int or None, default=0
        Seeds the outer folds and the baseline.
    verbose : int, default=0
        1: one line per target on stderr.

    Returns
    -------
    pandas.DataFrame
        Index: sources (``index.name == "source"``); columns: target names; values:
        ``transfer error / baseline error`` (below 1: the source helps). ``attrs`` holds
        ``"metric"``, ``"baseline"`` (the baseline's error per target) and ``"transfer"`` (the
        transfer errors, as a dict of dicts ``{target: {source: error}}``).

    Raises
    ------
    ValueError
        For an empty library or target set, a target that is not an ``(X, y)`` pair, or an
        unknown metric.

    Examples
    --------
    Two source properties of a numeric matrix, two small targets:

    >>> import numpy as np
    >>> from sklearn_shotgun import ModelLibrary, ShotgunPretrainer
    >>> from sklearn_shotgun.transfer_map import transferability_map
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 10))
    >>> def pool(y, name):
    ...     pretrainer = ShotgunPretrainer(
    ...         n_models=2, max_epochs=10, random_state=0, verbose=0, property=name
    ...     )
    ...     return pretrainer.fit(X, y).library_
    >>> library = ModelLibrary([*pool(X[:, 0] + X[:, 1], "a"), *pool(X[:, 2] * X[:, 3], "b")])
    >>> targets = {"t1": (X[:40], X[:40, 0] - X[:40, 1]), "t2": (X[40:80], X[40:80, 2])}
    >>> import warnings
    >>> with warnings.catch_warnings():  # the toy sources are weak, which is warned about
    ...     warnings.simplefilter("ignore")
    ...     table = transferability_map(library, targets, cv=3)
    >>> table.index.tolist(), table.columns.tolist()
    (['a/precomputed', 'b/precomputed'], ['t1', 't2'])
    >>> from sklearn_shotgun.plotting import plot_transferability_map
    >>> ax = plot_transferability_map(table)  # a heatmap centred on 1
    """
    import sys

    from sklearn.base import clone

    from sklearn_shotgun.evaluation import evaluate_transfer
    from sklearn_shotgun.transfer import ShotgunTransferRegressor

    if metric not in ("mae", "rmse", "max_ae", "mse"):
        raise ValueError(f"metric must be 'mae', 'rmse', 'max_ae' or 'mse', got {metric!r}")
    if isinstance(library, str) and library.startswith("hf://"):
        from sklearn_shotgun.library.hub import load_hub_uri

        library = load_hub_uri(library)
    elif not hasattr(library, "filter"):
        from sklearn_shotgun.library import ModelLibrary

        library = ModelLibrary.load(library)
    groups = source_groups(library)
    if not groups:
        raise ValueError("The library is empty: there is no source to map.")
    if not isinstance(targets, Mapping) or not targets:
        raise ValueError("targets must be a non-empty dict of name -> (X, y)")
    for name, pair in targets.items():
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(f"target {name!r} must be an (X, y) pair, got {type(pair).__name__}")
    template = (
        # no_transfer=False: each cell is that source's own search; with the no-transfer
        # candidates in it, every search could fall back on the baseline and hide the source.
        ShotgunTransferRegressor(library, cv=3, no_transfer=False, random_state=random_state)
        if estimator is None
        else estimator
    )
    variants = {
        source: clone(template).set_params(library=library.filter(id=list(ids)))
        for source, ids in groups.items()
    }
    ratios: dict[str, dict[str, float]] = {}
    transfer: dict[str, dict[str, float]] = {}
    base: dict[str, float] = {}
    for name, (X, y) in targets.items():
        result = evaluate_transfer(
            variants,
            X,
            y,
            cv=cv,
            baseline=baseline,
            scoring=(metric,),
            n_jobs=n_jobs,
            random_state=random_state,
        )
        errors = result.summary[(metric, "mean")]
        base[name] = float(errors["baseline"])
        transfer[name] = {s: float(errors[s]) for s in groups}
        ratios[name] = {
            s: (transfer[name][s] / base[name] if base[name] > 0 else np.nan) for s in groups
        }
        if verbose:
            best = min(transfer[name], key=transfer[name].get)
            print(
                f"{name}: baseline {metric} {base[name]:.4g}; best source {best} "
                f"({ratios[name][best]:.3f} x baseline)",
                file=sys.stderr,
            )
    table = pd.DataFrame(ratios, index=list(groups), columns=list(targets))
    table.index.name = "source"
    table.columns.name = "target"
    table.attrs = {"metric": metric, "baseline": base, "transfer": transfer}
    return table
