"""Plots for transfer learning: parity, source-vs-target errors, hidden features, evaluations.

Matplotlib is an optional dependency (``pip install sklearn-shotgun[plot]``); it is imported
inside each function, so ``import sklearn_shotgun.plotting`` works without it. Every function
draws on ``ax`` if given (else on a new figure from :func:`matplotlib.pyplot.subplots`) and
returns the Axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "plot_evaluation",
    "plot_hidden_features",
    "plot_parity",
    "plot_transfer_table",
    "plot_transferability_map",
]

_DIAGONAL_GID = "sklearn_shotgun-parity-diagonal"
#: Substrings of metric names where lower is better.
_ERROR_WORDS = ("mae", "mse", "rmse", "max_ae", "error", "loss")
#: How metric names read on an axis or in a legend.
_METRIC_NAMES = {
    "mae": "MAE",
    "rmse": "RMSE",
    "mse": "MSE",
    "max_ae": "max AE",
    "r2": "R²",
    "pearson": "Pearson r",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "f1": "F1",
}
#: Metrics in the target's units (the others are ratios or counts).
_IN_UNITS = ("mae", "rmse", "max_ae")
_NO_TRANSFER = "no transfer"
_LIBRARY_PREDICTIONS = "library predictions"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is installed in the test env
        raise ImportError(
            "sklearn_shotgun.plotting needs matplotlib: pip install 'sklearn-shotgun[plot]'"
        ) from exc
    return plt


def _axes(ax: Any, figsize: tuple[float, float] | None = None, layout: str | None = None) -> Any:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize, layout=layout)
    return ax


def _with_units(name: str, units: str) -> str:
    return f"{name} [{units}]" if units else name


def _metric_label(metric: str, units: str = "") -> str:
    """``"MAE [J/(kg K)]"``, ``"R²"``: a metric's display name, with units where it has them."""
    name = _METRIC_NAMES.get(metric, metric.replace("_", " "))
    if metric in _IN_UNITS:
        return _with_units(name, units)
    if metric == "mse" and units:
        return f"{name} [({units})²]"
    return name


def _fmt(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros kept ("121", "0.930").

    Every number in a legend goes through here, so that the values of several curves read
    with the same precision (not "285" beside "286.7").
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return f"{0:.{digits - 1}f}"
    magnitude = math.floor(math.log10(abs(value)))
    if not -3 <= magnitude < 6:
        return f"{value:.{digits - 1}e}"
    decimals = digits - 1 - magnitude
    rounded = round(value, decimals)
    if rounded and math.floor(math.log10(abs(rounded))) > magnitude:  # 999.6 -> 1000
        decimals -= 1
        rounded = round(value, decimals)
    return f"{rounded:.{max(decimals, 0)}f}"


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
        Name of the series; the legend entry is ``"{label}: MAE = ..., R² = ..."``, both
        to three significant digits (the same for every series).
    units : str, default=""
        Units of the target, added to the axis labels. An overlay (a later call on the
        same ``ax``) without ``units`` keeps the labels of the first call.
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
    ['transfer: MAE = 0.167, R² = 0.945', 'y = x']
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
    stats = f"MAE = {_fmt(mae)}, R² = {_fmt(r2)}"
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
    # The models first, the y = x line last, whatever the order of the calls.
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(handles)), key=lambda i: handles[i].get_gid() == _DIAGONAL_GID)
    ax.legend(
        [handles[i] for i in order], [labels[i] for i in order], loc="upper left", fontsize="small"
    )
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
    units: str = "",
) -> Any:
    """Source error against target error: one point per (source, layer) candidate.

    Shows whether sources that learned their own property well also transfer well, and how
    far the best candidate stands out from the rest of the pool. The no-transfer candidates
    (models on the target's own descriptors) have no source: they are horizontal lines, and
    so is the best of the library-prediction candidates (the rank-1 one when it is rank 1).
    The legend sits outside the axes, on the right, so that it covers no point nor error
    bar (save with ``bbox_inches="tight"`` when drawing on your own ``ax``).

    Parameters
    ----------
    transfer_table : pandas.DataFrame
        ``ShotgunTransferRegressor.transfer_table_`` (or any frame with the columns named by
        ``x`` and ``y``). Candidates without a value in ``x`` or ``y`` (e.g. screened out
        before the search) are left out; the legend says how many candidates were searched
        out of how many.
    x : str, optional
        Column on the x axis; default the first of ``source_r2``, ``source_mae``,
        ``source_rmse``, ``source_accuracy`` present. The source metrics of a library are
        measured on each network's out-of-bag rows, and the label says so.
    y : str, optional
        Column on the y axis; default the first of ``cv_mae_mean``, ``cv_rmse_mean``,
        ``cv_accuracy_mean``, ``cv_score_mean`` present. Its ``*_std`` column, if any, gives
        the error bars.
    ax : matplotlib Axes, optional
    errorbars : bool, default=True
        Draw ± one standard deviation of the target CV score over the inner folds.
    highlight_best : bool, default=True
        Mark the top candidate (``rank == 1``; without a ``rank`` column the lowest error,
        or highest score, in ``y``) with a star, named with its score in the legend. A
        transfer estimator with ``ensemble > 1`` predicts with the top candidates together.
    units : str, default=""
        Units of the target, added to the y label when ``y`` is an error in those units
        (MAE, RMSE, max AE).

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
    >>> ax = plot_transfer_table(table, units="K")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('source R² (out-of-bag)', 'target MAE [K], inner CV mean ± std')
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['candidates searched: 3 of 3 (3 source networks)', 'rank 1: a, layer -1 (10.0)']
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
    if "source" in table.columns:
        is_fallback = (table["source"] == _NO_TRANSFER).to_numpy()
        is_predictions = (table["source"] == _LIBRARY_PREDICTIONS).to_numpy()
    else:
        is_fallback = is_predictions = np.zeros(len(table), dtype=bool)
    fallback = table[is_fallback & np.isfinite(table[y])]
    # Every source's prediction is no one source: the best of those candidates is a line.
    predictions = table[is_predictions & np.isfinite(table[y])]
    if len(predictions):
        values = predictions[y].to_numpy()
        top = np.argmin(values) if _lower_is_better(y) else np.argmax(values)
        if "rank" in predictions.columns and (predictions["rank"] == 1).any():
            top = np.flatnonzero(predictions["rank"].to_numpy() == 1)[0]  # keep the rank-1 tag
        predictions = predictions.iloc[[int(top)]]
    candidates = table[~(is_fallback | is_predictions)]
    n_searched = int(np.isfinite(candidates[y]).sum())
    table = candidates[np.isfinite(candidates[x]) & np.isfinite(candidates[y])]
    if table.empty and fallback.empty and predictions.empty:
        raise ValueError(f"no candidate has finite values in both {x!r} and {y!r}")
    ax = _axes(ax, figsize=(9, 4.5), layout="constrained")
    styles = iter(["--", ":", "-."] * len(fallback))
    for row in fallback.itertuples():
        top = " (rank 1)" if getattr(row, "rank", None) == 1 else ""
        descriptor = getattr(row, "descriptor", "")
        # The forest keeps the plain label; another head (the ridge fallback) is named.
        head = getattr(row, "head", None)
        named = isinstance(head, str) and head != "forest"
        descriptor = f"{descriptor}, {head}" if named else descriptor
        color = "tab:olive" if named else "tab:green"
        label = f"no transfer, {descriptor}: {_fmt(getattr(row, y))}{top}"
        ax.axhline(getattr(row, y), color=color, linestyle=next(styles), label=label)
    for row in predictions.itertuples():
        top = " (rank 1)" if getattr(row, "rank", None) == 1 else ""
        descriptor = getattr(row, "descriptor", None)
        what = descriptor if isinstance(descriptor, str) else "alone"
        head = getattr(row, "head", None)
        what += f", {head}" if isinstance(head, str) and head != "forest" else ""
        label = f"{_LIBRARY_PREDICTIONS} (best: {what}): {_fmt(getattr(row, y))}{top}"
        ax.axhline(getattr(row, y), color="tab:purple", linestyle="-", alpha=0.7, label=label)

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
    # How many candidates the plot stands for: the screen may leave most of them out.
    count = f"candidates searched: {n_searched} of {len(candidates)}"
    if "source" in candidates.columns:
        count += f" ({candidates['source'].nunique()} source networks)"
    if len(table) < n_searched:
        count += f", {n_searched - len(table)} without {x} not shown"
    ax.scatter(table.loc[others, x], table.loc[others, y], s=22, alpha=0.8, zorder=2, label=count)
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
            label=f"rank 1: {name} ({_fmt(best[y])})",
        )
    ax.set_xlabel(_column_label(x, units="", source=True))
    ax.set_ylabel(_column_label(y, units=units, source=False))
    # The candidates first, then the reference lines.
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(
        range(len(handles)),
        key=lambda i: labels[i].startswith((_NO_TRANSFER, _LIBRARY_PREDICTIONS)),
    )
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        fontsize="small",
    )
    return ax


def _column_label(column: str, units: str, source: bool) -> str:
    """Axis label of a transfer-table column: ``source_r2``, ``cv_mae_mean`` ..."""
    if source and column.startswith("source_"):
        metric = column[len("source_") :]
        where = "out-of-bag" if metric not in _IN_UNITS else "out-of-bag, each source's units"
        return f"source {_metric_label(metric)} ({where})"
    if column.startswith("cv_") and column.endswith("_mean"):
        return f"target {_metric_label(column[3:-5], units)}, inner CV mean ± std"
    return column.replace("_", " ")


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
        the number of inactive features (zero on every sample) among all ``n_features``.

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
        f"{H.shape[0]} samples × {n_total} hidden features "
        f"({inactive} inactive: zero on every sample{subset})",
        fontsize="medium",
    )
    return ax


# --------------------------------------------------------------------------- evaluation


def plot_evaluation(evaluation: Any, metric: str = "mae", ax: Any = None, units: str = "") -> Any:
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
    units : str, default=""
        Units of the target, added to the axis label when ``metric`` is an error in those
        units (MAE, RMSE, max AE).

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
    >>> ax = plot_evaluation(result, metric="rmse", units="eV")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['transfer', 'baseline']
    >>> ax.get_ylabel()
    'RMSE [eV] (lower is better)'
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
    ax.set_ylabel(f"{_metric_label(metric, units)} ({direction})")
    ax.set_title(
        f"{_metric_label(metric)} per outer fold ({len(table)} folds, nested CV); bar: mean",
        fontsize="medium",
    )
    return ax


# --------------------------------------------------------------------------- transferability


def plot_transferability_map(table: Any, ax: Any = None, cmap: str = "RdBu_r") -> Any:
    """Heatmap of a transferability map: sources x targets, transfer error / baseline error.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`sklearn_shotgun.transfer_map.transferability_map` (or any
        sources x targets table of error ratios).
    ax : matplotlib Axes, optional
    cmap : str, default="RdBu_r"
        A diverging colormap; it is centred on 1 (no gain), so below 1 (the source helps)
        and above 1 (it hurts) take opposite colours.

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap is ``ax.images[0]``; every cell is annotated with its ratio (``ax.texts``,
        row by row; "n/a" for a missing value) and a labelled colorbar is added to the figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> table = pd.DataFrame({"Tg": [0.8, 1.1], "Cp": [0.6, 0.95]}, index=["Cv", "gap"])
    >>> ax = plot_transferability_map(table)
    >>> [t.get_text() for t in ax.texts]
    ['0.80', '0.60', '1.10', '0.95']
    """
    from matplotlib.colors import TwoSlopeNorm

    if not (hasattr(table, "to_numpy") and hasattr(table, "columns")):
        raise ValueError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    values = table.to_numpy(dtype=float)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"table must be a non-empty sources x targets table, got {values.shape}")
    finite = values[np.isfinite(values)]
    spread = float(np.max(np.abs(finite - 1))) if finite.size else 0.0
    spread = max(spread, 0.05)  # a map of near-1 ratios still spans some colour
    norm = TwoSlopeNorm(vcenter=1.0, vmin=1.0 - min(spread, 0.999), vmax=1.0 + spread)
    n_rows, n_cols = values.shape
    ax = _axes(ax, figsize=(2.5 + 1.1 * n_cols, 1.5 + 0.45 * n_rows))
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    metric = getattr(table, "attrs", {}).get("metric", "error")
    name = _METRIC_NAMES.get(metric, metric)
    ax.figure.colorbar(
        image, ax=ax, label=f"transfer {name} / no-transfer {name} (< 1: transfer helps)"
    )
    for i in range(n_rows):
        for j in range(n_cols):
            value = values[i, j]
            text = f"{value:.2f}" if np.isfinite(value) else "n/a"
            strong = np.isfinite(value) and abs(norm(value) - 0.5) > 0.3
            ax.text(
                j, i, text, ha="center", va="center", fontsize="small",
                color="white" if strong else "black",
            )  # fmt: skip
    ax.set_xticks(np.arange(n_cols))
    ax.set_xticklabels([str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(np.arange(n_rows))
    ax.set_yticklabels([str(r) for r in table.index])
    ax.set_xlabel("target")
    ax.set_ylabel("source")
    ax.set_title(f"Transferability: nested-CV {name} relative to no transfer", fontsize="medium")
    return ax
