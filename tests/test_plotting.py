"""Plots drawn from a small QM9 Cv pool transferred to RadonPy polymer heat capacities."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.metrics import mean_absolute_error, r2_score

from sklearn_shotgun.evaluation import evaluate_transfer
from sklearn_shotgun.plotting import (
    _fmt,
    plot_evaluation,
    plot_hidden_features,
    plot_parity,
    plot_transfer_table,
)
from sklearn_shotgun.transfer import ShotgunTransferRegressor


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted(qm9_pool, polymers):
    X, y = polymers
    # The grid over every (source, layer) candidate, without the no-transfer lines.
    return ShotgunTransferRegressor(
        qm9_pool, layers="each", search="grid", no_transfer=False, ensemble=1, cv=3, random_state=0
    ).fit(X, y)


@pytest.fixture(scope="module")
def evaluation(qm9_pool, polymers):
    X, y = polymers
    return evaluate_transfer(
        ShotgunTransferRegressor(qm9_pool, cv=3, random_state=0),
        X,
        y,
        cv=4,
        baseline=DummyRegressor(),
        control="untrained",
        random_state=0,
        return_predictions=True,
    )


def _saved_png(ax, path) -> None:
    ax.figure.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 1000


# --------------------------------------------------------------------------- parity


def test_parity_plot(evaluation, tmp_path):
    pred = evaluation.predictions
    transfer = pred[pred["model"] == "transfer"]
    baseline = pred[pred["model"] == "baseline"]
    ax = plot_parity(transfer["y_true"], transfer["y_pred"], label="transfer", units="J/(kg K)")
    assert len(ax.collections) == 1
    np.testing.assert_allclose(
        ax.collections[0].get_offsets(), np.c_[transfer["y_true"], transfer["y_pred"]]
    )
    (diagonal,) = ax.get_lines()
    xd, yd = diagonal.get_data()
    np.testing.assert_array_equal(xd, yd)  # y = x
    assert min(xd) < transfer[["y_true", "y_pred"]].min().min()
    assert max(xd) > transfer[["y_true", "y_pred"]].max().max()
    mae = mean_absolute_error(transfer["y_true"], transfer["y_pred"])
    r2 = r2_score(transfer["y_true"], transfer["y_pred"])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    (entry,) = [t for t in texts if t.startswith("transfer: ")]
    match = re.fullmatch(r"transfer: MAE = (\d{3}|\d{2}\.\d), R² = (0\.\d{3})", entry)
    assert match, entry  # three significant digits each (MAE about a hundred here)
    assert float(match[1]) == pytest.approx(mae, abs=0.5)
    assert float(match[2]) == pytest.approx(r2, abs=5e-4)
    assert ax.get_xlabel() == "true [J/(kg K)]"
    assert ax.get_ylabel() == "predicted [J/(kg K)]"

    # A second series on the same axes: one diagonal, extended over both.
    ax2 = plot_parity(baseline["y_true"], baseline["y_pred"], ax=ax, label="baseline")
    assert ax2 is ax
    assert len(ax.collections) == 2
    assert len(ax.get_lines()) == 1
    lo, hi = ax.get_xlim()
    both = pd.concat([transfer, baseline])[["y_true", "y_pred"]]
    assert lo < both.min().min() and hi > both.max().max()
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == 3
    assert texts[0].startswith("transfer: ") and texts[1].startswith("baseline: ")
    assert texts[2] == "y = x"  # the models first, whatever the order of the calls
    _saved_png(ax, tmp_path / "parity.png")


def test_parity_legend_precision_is_the_same_for_every_curve():
    # The example: "MAE = 285" beside "286.7".
    ax = plot_parity([0.0, 1000.0], [285.0, 1285.0], label="a")
    plot_parity([0.0, 1000.0], [286.7, 1286.7], ax=ax, label="b")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["a: MAE = 285, R² = 0.675", "b: MAE = 287, R² = 0.671", "y = x"]
    ax = plot_parity([0.0, 1.0], [0.1, 1.1], label="c")
    assert ax.get_legend().get_texts()[0].get_text() == "c: MAE = 0.100, R² = 0.960"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (285.0, "285"),
        (286.7, "287"),
        (0.1, "0.100"),
        (1234.5, "1230"),
        (999.6, "1000"),
        (-0.05, "-0.0500"),
        (0.0, "0.00"),
        (1e-5, "1.00e-05"),
        (float("nan"), "nan"),
    ],
)
def test_three_significant_digits(value, text):
    assert _fmt(value) == text


def test_parity_errors():
    with pytest.raises(ValueError, match="differ in length"):
        plot_parity([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="non-finite values at rows \\[1\\]"):
        plot_parity([1, np.nan, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="at least one"):
        plot_parity([], [])


# --------------------------------------------------------------------------- transfer table


def test_transfer_table_scatter(fitted, qm9_pool, tmp_path):
    table = fitted.transfer_table_
    n_candidates = sum(m.n_hidden for m in qm9_pool)  # layers="each"
    assert len(table) == n_candidates
    ax = plot_transfer_table(table)
    points, best = ax.collections[-2:]
    assert len(points.get_offsets()) == n_candidates - 1
    assert len(best.get_offsets()) == 1
    top = table[table["rank"] == 1].iloc[0]
    np.testing.assert_allclose(best.get_offsets()[0], [top["source_r2"], top["cv_mae_mean"]])
    assert top["source"] == fitted.best_source_
    # Every candidate is a point, at its (source r2, target CV MAE).
    all_points = np.vstack([points.get_offsets(), best.get_offsets()])
    expected = table[["source_r2", "cv_mae_mean"]].to_numpy()
    np.testing.assert_allclose(
        all_points[np.lexsort(all_points.T)], expected[np.lexsort(expected.T)]
    )
    assert ax.get_xlabel() == "source R² (out-of-bag)"
    assert ax.get_ylabel() == "target MAE, inner CV mean ± std"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        f"candidates searched: {n_candidates} of {n_candidates} ({len(qm9_pool)} source networks)",
        f"rank 1: {fitted.best_source_}, layer {fitted.best_layer_} ({_fmt(top['cv_mae_mean'])})",
    ]
    assert len(ax.collections) == 3  # error bars, candidates, rank 1
    _saved_png(ax, tmp_path / "table.png")
    ax = plot_transfer_table(table, units="J/(kg K)")
    assert ax.get_ylabel() == "target MAE [J/(kg K)], inner CV mean ± std"
    assert ax.get_xlabel() == "source R² (out-of-bag)"  # a ratio: no units


def _display_box(artists, ax):
    """Bounding box, in pixels, of the data drawn by ``artists`` (points, error bars)."""
    corners = np.vstack([ax.transData.transform(a) for a in artists])
    return corners.min(axis=0), corners.max(axis=0)


def test_transfer_table_legend_covers_no_data(fitted, tmp_path):
    table = fitted.transfer_table_
    ax = plot_transfer_table(table, units="J/(kg K)")
    figure = ax.figure
    figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    # The points and the ends of the error bars, in display coordinates.
    x, y, std = (table[c].to_numpy() for c in ("source_r2", "cv_mae_mean", "cv_mae_std"))
    lo, hi = _display_box([np.c_[x, y - std], np.c_[x, y + std]], ax)
    assert legend.x0 > hi[0] or legend.x1 < lo[0] or legend.y0 > hi[1] or legend.y1 < lo[1]
    # Outside the axes altogether, and still inside the figure (nothing clipped on save).
    axes_box = ax.get_window_extent()
    assert legend.x0 >= axes_box.x1
    assert legend.x1 <= figure.bbox.x1 and legend.y0 >= figure.bbox.y0
    _saved_png(ax, tmp_path / "legend.png")


def test_transfer_table_draws_no_transfer_as_lines(qm9_pool, polymers, tmp_path):
    X, y = polymers
    model = ShotgunTransferRegressor(qm9_pool, layers="last", cv=3, random_state=0).fit(X, y)
    table = model.transfer_table_
    ax = plot_transfer_table(table)
    fallback = table[table["source"] == "no transfer"]
    assert len(fallback) == 6  # a forest and a ridge model on each of 3 descriptors
    lines = [line for line in ax.get_lines() if line.get_label().startswith("no transfer")]
    assert sorted(line.get_ydata()[0] for line in lines) == pytest.approx(
        sorted(fallback["cv_mae_mean"])
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {label.split(":")[0] for label in labels if label.startswith("no transfer")} == {
        f"no transfer, {d}" + ("" if h == "forest" else f", {h}")
        for d, h in zip(fallback["descriptor"], fallback["head"], strict=True)
    }
    # The best of the library-prediction candidates is one line too.
    predictions = table[table["source"] == "library predictions"]
    best = [label for label in labels if label.startswith("library predictions (best: ")]
    assert len(best) == 1 and _fmt(predictions["cv_mae_mean"].min()) in best[0]
    if model.best_source_ in ("no transfer", "library predictions"):
        assert sum(label.endswith("(rank 1)") for label in labels) == 1
        assert not any(label.startswith("rank 1:") for label in labels)
    else:
        assert any(label.startswith(f"rank 1: {model.best_source_}") for label in labels)
    # The reference lines are not counted as candidates.
    n_sources = len(table) - len(fallback) - len(predictions)
    assert (
        f"candidates searched: {n_sources} of {n_sources} ({n_sources} source networks)" in labels
    )
    _saved_png(ax, tmp_path / "lines.png")


def test_transfer_table_options(fitted):
    table = fitted.transfer_table_
    ax = plot_transfer_table(
        table, x="source_mae", y="cv_r2_mean", errorbars=False, highlight_best=False
    )
    assert len(ax.collections) == 1
    assert len(ax.collections[0].get_offsets()) == len(table)
    # Without a rank column the best is the lowest error (or highest score) in y.
    no_rank = table.drop(columns="rank")
    ax = plot_transfer_table(no_rank, y="cv_rmse_mean", errorbars=False)
    best = ax.collections[-1].get_offsets()[0]
    assert best[1] == pytest.approx(no_rank["cv_rmse_mean"].min())
    ax = plot_transfer_table(no_rank, y="cv_r2_mean", errorbars=False)
    assert ax.collections[-1].get_offsets()[0][1] == pytest.approx(no_rank["cv_r2_mean"].max())
    # Candidates without a target score (screened out) are left out.
    screened = table.copy()
    screened.loc[screened.index[-2:], "cv_mae_mean"] = np.nan
    ax = plot_transfer_table(screened, errorbars=False)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(table) - 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    n_sources = table["source"].nunique()
    assert labels[0] == (
        f"candidates searched: {len(table) - 2} of {len(table)} ({n_sources} source networks)"
    )
    # A searched candidate without a source metric is counted, and said to be missing.
    no_metric = table.copy()
    no_metric.loc[no_metric.index[-1], "source_r2"] = np.nan
    ax = plot_transfer_table(no_metric, errorbars=False)
    assert ax.get_legend().get_texts()[0].get_text() == (
        f"candidates searched: {len(table)} of {len(table)} ({n_sources} source networks), "
        "1 without source_r2 not shown"
    )
    ax = plot_transfer_table(table, x="source_mae", errorbars=False)
    assert ax.get_xlabel() == "source MAE (out-of-bag, each source's units)"


def test_transfer_table_errors(fitted):
    with pytest.raises(ValueError, match="no column 'nope'"):
        plot_transfer_table(fitted.transfer_table_, x="nope")
    with pytest.raises(ValueError, match="none of the x columns"):
        plot_transfer_table(pd.DataFrame({"cv_mae_mean": [1.0]}))
    with pytest.raises(TypeError, match="DataFrame"):
        plot_transfer_table(fitted.transfer_table_.to_dict())


# --------------------------------------------------------------------------- hidden features


def test_hidden_features_heatmap(qm9_pool, polymers, tmp_path):
    model = qm9_pool[0]
    H = model.transform(polymers[0], layer="all")
    assert H.shape == (58, sum(model.hidden_widths))
    ax = plot_hidden_features(H, max_features=None)
    image = ax.images[0]
    np.testing.assert_allclose(image.get_array(), H)
    inactive = int(np.all(H == 0, axis=0).sum())
    assert ax.get_title() == (
        f"58 samples × {H.shape[1]} hidden features ({inactive} inactive: zero on every sample)"
    )
    assert len(ax.figure.axes) == 2  # the heatmap and its colorbar
    _saved_png(ax, tmp_path / "hidden.png")


def test_hidden_features_keeps_the_most_variable(qm9_pool, polymers):
    H = qm9_pool[1].transform(polymers[0][:20], layer="all")
    names = [f"h{i}" for i in range(H.shape[1])]
    ax = plot_hidden_features(pd.DataFrame(H, columns=names), max_features=10)
    shown = np.asarray(ax.images[0].get_array())
    keep = np.sort(np.argsort(-H.var(axis=0), kind="stable")[:10])
    np.testing.assert_allclose(shown, H[:, keep])
    assert [t.get_text() for t in ax.get_xticklabels()] == [names[i] for i in keep]
    assert "10 most variable shown" in ax.get_title()
    ax = plot_hidden_features(
        H[:5, :6], feature_names=list("abcdef"), sample_labels=polymers[0][:5]
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == polymers[0][:5]
    with pytest.raises(ValueError, match="2-D"):
        plot_hidden_features(H[0])
    with pytest.raises(ValueError, match="3 feature names for 6 features"):
        plot_hidden_features(H[:5, :6], feature_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="max_features"):
        plot_hidden_features(H, max_features=0)


# --------------------------------------------------------------------------- evaluation


def test_plot_evaluation(evaluation, tmp_path):
    ax = plot_evaluation(evaluation, metric="mae")
    models = ["transfer", "baseline", "control"]
    assert [t.get_text() for t in ax.get_xticklabels()] == models
    folds = evaluation.folds
    for i, model in enumerate(models):
        offsets = ax.collections[i].get_offsets()
        expected = folds[(folds["model"] == model) & (folds["metric"] == "mae")]
        np.testing.assert_allclose(offsets[:, 0], i)
        np.testing.assert_allclose(offsets[:, 1], expected.sort_values("fold")["value"])
    assert len(ax.get_lines()) == 4  # one paired line per outer fold
    assert ax.get_ylabel() == "MAE (lower is better)"
    _saved_png(ax, tmp_path / "evaluation.png")
    ax = plot_evaluation(evaluation, metric="mae", units="J/(kg K)")
    assert ax.get_ylabel() == "MAE [J/(kg K)] (lower is better)"
    assert ax.get_title() == "MAE per outer fold (4 folds, nested CV); bar: mean"
    ax = plot_evaluation(evaluation, metric="r2", units="J/(kg K)")
    assert ax.get_ylabel() == "R² (higher is better)"  # a ratio: no units
    with pytest.raises(ValueError, match="metric 'accuracy' was not computed"):
        plot_evaluation(evaluation, metric="accuracy")
    with pytest.raises(TypeError, match="TransferEvaluation"):
        plot_evaluation(evaluation.folds)


def test_parity_overlay_keeps_the_units():
    ax = plot_parity([1.0, 2.0, 3.0], [1.1, 1.9, 3.2], label="a", units="J/(kg K)")
    plot_parity([1.0, 2.0, 3.0], [0.9, 2.2, 2.9], ax=ax, label="b")
    assert ax.get_xlabel() == "true [J/(kg K)]" and ax.get_ylabel() == "predicted [J/(kg K)]"
