"""Plots for transfer learning: parity, source-vs-target errors, hidden features, evaluations.

Matplotlib is an optional dependency (``pip install sklearn-shotgun[plot]``); it is imported
inside each function, so ``import sklearn_shotgun.plotting`` works without it. Every function
draws on ``ax`` if given (else on a new figure from :func:`matplotlib.pyplot.subplots`) and
returns the Axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_evaluation", "plot_hidden_features", "plot_parity", "plot_transfer_table"]

_DIAGONAL_GID = "sklearn_shotgun-parity-diagonal"
#: Substrings of metric names where lower is better.
_ERROR_WORDS = ("mae", "mse", "rmse", "max_ae", "error", "loss")


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is installed in the test env
        raise ImportError(
            "sklearn_shotgun.plotting needs matplotlib: pip install 'sklearn-shotgun[plot]'"
        ) from exc
    return plt


def _axes(ax: Any, figsize: tuple[float, float] | None = None) -> Any:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize)
    return ax


def _with_units(name: str, units: str) -> str:
    return f"{name} [{units}]" if units else name


def _lower_is_better(metric: str) -> bool:
    name = metric.lower()
    return any(word in name for word in _ERROR_WORDS) and not name.startswith("neg_")


# --------------------------------------------------------------------------- parity


def plot_parity(
    y_true: Any,
    y_pred: Any,
    ax: Any = None,
    label: str | None = None,
    units: str = "",
    **scatter_kwargs: Any,
) -> Any:
    """Predicted against true values, with the ``y = x`` line and MAE and R² in the legend.

    Call it several times on the same ``ax`` to overlay models (e.g. transfer and baseline);
    the diagonal is drawn once and extended to cover every series.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted values (e.g. the out-of-fold predictions of
        :func:`~sklearn_shotgun.evaluation.evaluate_transfer`).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    label : str, optional
        Name of the series; the legend entry is ``"{label}: MAE = ..., R² = ..."``.
    units : str, default=""
        Units of the target, added to the axis labels.
    **scatter_kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` (``s``, ``alpha``, ``color`` ...).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_parity([1.0, 2.0, 3.0], [1.1, 1.9, 3.3], label="transfer", units="J/(kg K)")
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['transfer: MAE = 0.1667, R² = 0.945', 'y = x']
    """
    from sklearn.metrics import mean_absolute_error, r2_score

    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred differ in length: {len(y_true)} and {len(y_pred)} values"
        )
    if len(y_true) == 0:
        raise ValueError("plot_parity needs at least one value")
    finite = np.isfinite(y_true) & np.isfinite(y_pred)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(f"non-finite values at rows {bad[:10].tolist()}")
    ax = _axes(ax, figsize=(5, 5))
    mae = mean_absolute_error(y_true, y_pred)
    r2 = r2_score(y_true, y_pred) if len(y_true) > 1 else float("nan")
    stats = f"MAE = {mae:.4g}, R² = {r2:.3g}"
    kwargs = {"s": 20, "alpha": 0.7, "edgecolors": "none"}
    kwargs.update(scatter_kwargs)
    ax.scatter(y_true, y_pred, label=f"{label}: {stats}" if label else stats, **kwargs)

    # The y = x line spans every series on the axes, drawn once.
    data = [np.concatenate([y_true, y_pred])]
    for collection in ax.collections:
        offsets = np.asarray(collection.get_offsets(), dtype=float)
        if offsets.size:
            data.append(offsets.ravel())
    values = np.concatenate(data)
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
    lo, hi = lo - pad, hi + pad
    diagonal = [line for line in ax.get_lines() if line.get_gid() == _DIAGONAL_GID]
    if diagonal:
        diagonal[0].set_data([lo, hi], [lo, hi])
    else:
        ax.plot([lo, hi], [lo, hi], color="0.4", linestyle="--", linewidth=1, label="y = x")
        ax.get_lines()[-1].set_gid(_DIAGONAL_GID)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal", adjustable="box")
    if units or not ax.get_xlabel():  # an overlay without units keeps the first call's
        ax.set_xlabel(_with_units("true", units))
        ax.set_ylabel(_with_units("predicted", units))
    ax.legend(loc="upper left", fontsize="small")
    return ax


# --------------------------------------------------------------------------- transfer table


def _default_column(table: Any, candidates: Sequence[str], what: str) -> str:
    for name in candidates:
        if name in table.columns:
            return name
    raise ValueError(f"transfer_table has none of the {what} columns {list(candidates)}; pass it")


def plot_transfer_table(
    transfer_table: Any,
    x: str | None = None,
    y: str | None = None,
    ax: Any = None,
    errorbars: bool = True,
    highlight_best: bool = True,
) -> Any:
    """Source error against target error: one point per (source, layer) candidate.

    Shows whether sources that learned their own property well also transfer well, and how
    far the selected candidate stands out from the rest of the pool.

    Parameters
    ----------
    transfer_table : pandas.DataFrame
        ``ShotgunTransferRegressor.transfer_table_`` (or any frame with the columns named by
        ``x`` and ``y``). Candidates without a value in ``x`` or ``y`` (e.g. screened out
        before the search) are left out.
    x : str, optional
        Column on the x axis; default the first of ``source_r2``, ``source_mae``,
        ``source_rmse``, ``source_accuracy`` present.
    y : str, optional
        Column on the y axis; default the first of ``cv_mae_mean``, ``cv_rmse_mean``,
        ``cv_accuracy_mean``, ``cv_score_mean`` present. Its ``*_std`` column, if any, gives
        the error bars.
    ax : matplotlib Axes, optional
    errorbars : bool, default=True
        Draw ± one standard deviation of the target CV score.
    highlight_best : bool, default=True
        Mark the selected candidate (``rank == 1``; without a ``rank`` column the lowest
        error, or highest score, in ``y``) with a star and name it in the legend.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> table = pd.DataFrame({"source": ["a", "b", "c"], "layer": [-1, -1, -1],
    ...                       "source_r2": [0.9, 0.5, 0.7], "cv_mae_mean": [10.0, 14.0, 12.0],
    ...                       "cv_mae_std": [1.0, 2.0, 1.5], "rank": [1, 3, 2]})
    >>> ax = plot_transfer_table(table)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('source r2 (out-of-bag)', 'target CV mae (mean)')
    """
    import pandas as pd

    if not isinstance(transfer_table, pd.DataFrame):
        raise TypeError(
            f"transfer_table must be a pandas DataFrame, got {type(transfer_table).__name__}"
        )
    x = x or _default_column(
        transfer_table, ("source_r2", "source_mae", "source_rmse", "source_accuracy"), "x"
    )
    y = y or _default_column(
        transfer_table, ("cv_mae_mean", "cv_rmse_mean", "cv_accuracy_mean", "cv_score_mean"), "y"
    )
    for name in (x, y):
        if name not in transfer_table.columns:
            raise ValueError(
                f"transfer_table has no column {name!r}; columns: {list(transfer_table.columns)}"
            )
    table = transfer_table.copy()
    table[x] = pd.to_numeric(table[x], errors="coerce")
    table[y] = pd.to_numeric(table[y], errors="coerce")
    # The no-transfer candidates have no source: they are drawn as horizontal lines.
    fallback = (
        table[(table["source"] == "no transfer") & np.isfinite(table[y])]
        if "source" in table.columns
        else table.iloc[:0]
    )
    table = table[np.isfinite(table[x]) & np.isfinite(table[y])]
    if table.empty and fallback.empty:
        raise ValueError(f"no candidate has finite values in both {x!r} and {y!r}")
    ax = _axes(ax, figsize=(6, 4.5))
    styles = iter(["--", ":", "-."] * len(fallback))
    for row in fallback.itertuples():
        chosen = " (selected)" if getattr(row, "rank", None) == 1 else ""
        label = f"no transfer: {getattr(row, 'descriptor', '')} {getattr(row, y):.3g}{chosen}"
        ax.axhline(getattr(row, y), color="tab:green", linestyle=next(styles), label=label)

    best_pos = None
    if highlight_best and not table.empty:
        if "rank" in table.columns:  # rank 1 may be a no-transfer line instead
            hits = np.flatnonzero(table["rank"].to_numpy() == 1)
            best_pos = int(hits[0]) if len(hits) else None
        else:
            values = table[y].to_numpy()
            best_pos = int(np.argmin(values) if _lower_is_better(y) else np.argmax(values))
    others = np.ones(len(table), dtype=bool)
    if best_pos is not None:
        others[best_pos] = False

    std_col = y[: -len("_mean")] + "_std" if y.endswith("_mean") else None
    if errorbars and std_col in table.columns:
        ax.errorbar(
            table[x],
            table[y],
            yerr=pd.to_numeric(table[std_col], errors="coerce").fillna(0.0),
            fmt="none",
            ecolor="0.75",
            elinewidth=0.8,
            zorder=1,
        )
    ax.scatter(
        table.loc[others, x],
        table.loc[others, y],
        s=22,
        alpha=0.8,
        zorder=2,
        label=f"candidates ({len(table)})",
    )
    if best_pos is not None:
        best = table.iloc[best_pos]
        name = str(best["source"]) if "source" in table.columns else str(table.index[best_pos])
        if "layer" in table.columns:
            name += f", layer {best['layer']}"
        ax.scatter(
            [best[x]],
            [best[y]],
            marker="*",
            s=220,
            color="tab:red",
            edgecolors="black",
            linewidths=0.6,
            zorder=3,
            label=f"selected: {name}",
        )
    xlabel = x.replace("source_", "source ").replace("_", " ")
    ax.set_xlabel(f"{xlabel} (out-of-bag)" if x.startswith("source_") else xlabel)
    if y.startswith("cv_") and y.endswith("_mean"):
        ax.set_ylabel(f"target CV {y[3:-5]} (mean)")
    else:
        ax.set_ylabel(y.replace("_", " "))
    ax.legend(fontsize="small")
    return ax


# --------------------------------------------------------------------------- hidden features


def plot_hidden_features(
    features: Any,
    ax: Any = None,
    feature_names: Sequence[str] | None = None,
    max_features: int | None = 64,
    sample_labels: Sequence[str] | None = None,
    cmap: str = "viridis",
) -> Any:
    """Heatmap of hidden-layer activations: rows are samples, columns are features.

    Shows at a glance how many units are inactive (ReLU units that are zero on every sample
    carry no information about the target) and how varied the rest are.

    Parameters
    ----------
    features : array-like of shape (n_samples, n_features) or pandas.DataFrame
        E.g. ``SourceModel.transform(smiles)`` or ``FrozenNetFeaturizer.transform``.
    ax : matplotlib Axes, optional
    feature_names : sequence of str, optional
        Column labels; a DataFrame's columns by default. Ticks are labelled when at most 40
        columns are shown.
    max_features : int or None, default=64
        Show at most this many columns: those with the largest variance over the samples, in
        their original order. None shows all.
    sample_labels : sequence of str, optional
        Row labels (e.g. SMILES), shown when at most 40 rows.
    cmap : str, default="viridis"

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap is ``ax.images[0]``; a colorbar is added to the figure. The title gives
        the number of inactive (all-zero) features among all ``n_features``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> H = np.maximum(np.random.default_rng(0).normal(size=(30, 12)), 0)
    >>> ax = plot_hidden_features(H, max_features=8)
    >>> ax.images[0].get_array().shape
    (30, 8)
    """
    names = None
    if hasattr(features, "columns") and hasattr(features, "to_numpy"):
        names = [str(c) for c in features.columns]
        features = features.to_numpy()
    H = np.asarray(features, dtype=float)
    if H.ndim != 2 or H.shape[0] == 0 or H.shape[1] == 0:
        raise ValueError(f"features must be a non-empty 2-D array, got shape {H.shape}")
    if feature_names is not None:
        names = [str(n) for n in feature_names]
    if names is not None and len(names) != H.shape[1]:
        raise ValueError(f"{len(names)} feature names for {H.shape[1]} features")
    if sample_labels is not None and len(sample_labels) != H.shape[0]:
        raise ValueError(f"{len(sample_labels)} sample labels for {H.shape[0]} samples")
    if max_features is not None and int(max_features) < 1:
        raise ValueError(f"max_features must be >= 1 or None, got {max_features}")
    n_total = H.shape[1]
    inactive = int(np.sum(np.all(H == 0, axis=0)))
    keep = np.arange(n_total)
    if max_features is not None and n_total > int(max_features):
        variance = np.nanvar(H, axis=0)
        keep = np.sort(np.argsort(-variance, kind="stable")[: int(max_features)])
    shown = H[:, keep]
    ax = _axes(ax, figsize=(min(12.0, 3 + 0.15 * len(keep)), min(10.0, 2.5 + 0.08 * len(H))))
    image = ax.imshow(shown, aspect="auto", interpolation="nearest", cmap=cmap)
    ax.figure.colorbar(image, ax=ax, label="activation")
    ax.set_xlabel("hidden feature")
    ax.set_ylabel("sample")
    if len(keep) <= 40:
        ax.set_xticks(np.arange(len(keep)))
        labels = [names[i] for i in keep] if names is not None else [str(i) for i in keep]
        ax.set_xticklabels(labels, rotation=90, fontsize="x-small")
    if sample_labels is not None and len(H) <= 40:
        ax.set_yticks(np.arange(len(H)))
        ax.set_yticklabels([str(s) for s in sample_labels], fontsize="x-small")
    subset = f", {len(keep)} most variable shown" if len(keep) < n_total else ""
    ax.set_title(
        f"{H.shape[0]} samples x {n_total} features ({inactive} inactive{subset})",
        fontsize="medium",
    )
    return ax


# --------------------------------------------------------------------------- evaluation


def plot_evaluation(evaluation: Any, metric: str = "mae", ax: Any = None) -> Any:
    """Per-fold scores of transfer, baseline and control from a nested evaluation.

    Each outer fold is one point per model; the points of one fold are joined by a thin
    line (the models share the folds, so the comparison is paired) and a short horizontal
    bar marks each model's mean.

    Parameters
    ----------
    evaluation : TransferEvaluation
        The result of :func:`~sklearn_shotgun.evaluation.evaluate_transfer`.
    metric : str, default="mae"
        One of ``evaluation.metrics``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The points of model ``i`` are ``ax.collections[i]`` (in ``evaluation.models`` order).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_shotgun.evaluation import evaluate_transfer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 2))
    >>> result = evaluate_transfer(Ridge(), X, X[:, 0], cv=3, baseline=DummyRegressor(),
    ...                            random_state=0)
    >>> ax = plot_evaluation(result, metric="rmse")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['transfer', 'baseline']
    """
    folds = getattr(evaluation, "folds", None)
    if folds is None or not hasattr(evaluation, "models"):
        raise TypeError(f"evaluation must be a TransferEvaluation, got {type(evaluation).__name__}")
    if metric not in evaluation.metrics:
        raise ValueError(f"metric {metric!r} was not computed; choose from {evaluation.metrics}")
    models = list(evaluation.models)
    frame = folds[folds["metric"] == metric]
    table = frame.pivot(index="fold", columns="model", values="value")[models]
    ax = _axes(ax, figsize=(1.6 + 1.3 * len(models), 4))
    positions = np.arange(len(models), dtype=float)
    colors = {"transfer": "tab:blue", "baseline": "tab:gray", "control": "tab:orange"}
    for i, model in enumerate(models):
        values = table[model].to_numpy()
        ax.scatter(
            np.full(len(values), positions[i]),
            values,
            s=30,
            color=colors.get(model, f"C{i}"),
            zorder=3,
            label=model,
        )
    for i, model in enumerate(models):  # after the points: ax.collections[i] is model i
        values = table[model].to_numpy()
        mean = np.nanmean(values) if np.isfinite(values).any() else np.nan
        ax.hlines(mean, positions[i] - 0.25, positions[i] + 0.25, color="black", linewidth=2)
    for _, row in table.iterrows():
        ax.plot(positions, row.to_numpy(), color="0.7", linewidth=0.8, zorder=1)
    ax.set_xticks(positions)
    ax.set_xticklabels(models)
    ax.set_xlim(-0.5, len(models) - 0.5)
    direction = "lower is better" if _lower_is_better(metric) else "higher is better"
    ax.set_ylabel(f"{metric} ({direction})")
    ax.set_title(f"{metric} on {len(table)} outer folds (nested CV)", fontsize="medium")
    return ax
