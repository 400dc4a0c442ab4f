"""transferability_map and its heatmap, on a tiny real library (2 QM9 properties x 2 nets)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from sklearn_shotgun import FingerprintFeaturizer, ShotgunPretrainer
from sklearn_shotgun.baseline import NoTransferRegressor
from sklearn_shotgun.library import ModelLibrary
from sklearn_shotgun.plotting import plot_transferability_map
from sklearn_shotgun.transfer_map import source_groups, transferability_map

# Two-network QM9 sources cannot see most fingerprint bits of other molecules; expected here.
# Two networks trained on 300 molecules are weak sources, too.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Some sources cannot see:UserWarning"),
    pytest.mark.filterwarnings("ignore:transfer.*weak out-of-bag:UserWarning"),
]


def _baseline():
    return NoTransferRegressor(
        descriptors={"morgan": FingerprintFeaturizer(counts=True, n_bits=256)}, random_state=0
    )


def _pool(frame, column, prop):
    pretrainer = ShotgunPretrainer(
        FingerprintFeaturizer(counts=True, n_bits=256),
        n_models=2,
        n_hidden_layers=(3, 3),
        max_first_width=32,
        max_epochs=(10, 15),
        random_state=0,
        verbose=0,
        property=prop,
        dataset="qm9",
        material="molecule",
    )
    return pretrainer.fit(frame["SMILES"].tolist(), frame[column].to_numpy()).library_


@pytest.fixture(scope="module")
def tiny(qm9_frame):
    """Sources on 300 molecules; two 30-molecule targets from other rows."""
    source_rows = qm9_frame.iloc[:300]
    library = _pool(source_rows, "Heatcapacity_Cv_cal_mol_K", "Cv") + _pool(
        source_rows, "Polarizability_bohr3", "polarizability"
    )
    rows = qm9_frame.iloc[1000:1060]
    targets = {
        "zpve": (rows["SMILES"].iloc[:30].tolist(), rows["ZPVE_au"].iloc[:30].to_numpy()),
        "gap": (rows["SMILES"].iloc[30:].tolist(), rows["HOMO_LUMO_gap_au"].iloc[30:].to_numpy()),
    }
    return library, targets


@pytest.fixture(scope="module")
def table(tiny):
    library, targets = tiny
    # A small baseline keeps the test fast; the default is NoTransferRegressor() itself.
    baseline = _baseline()
    return transferability_map(library, targets, cv=3, baseline=baseline, random_state=0)


def test_groups_are_the_summary_sources(tiny):
    library, _ = tiny
    groups = source_groups(library)
    assert list(groups) == list(library.summary()["source"])
    assert [len(ids) for ids in groups.values()] == [2, 2]


def test_table_is_the_ratio_of_nested_errors(tiny, table):
    library, targets = tiny
    groups = list(source_groups(library))
    assert list(table.index) == groups and list(table.columns) == ["zpve", "gap"]
    assert table.index.name == "source" and table.attrs["metric"] == "mae"
    for target in targets:
        for source in groups:
            ratio = table.attrs["transfer"][target][source] / table.attrs["baseline"][target]
            assert table.loc[source, target] == pytest.approx(ratio)
    assert np.isfinite(table.to_numpy()).all() and (table.to_numpy() > 0).all()


def test_one_source_equals_evaluate_transfer_alone(tiny, table):
    """A map cell is the nested evaluation of a search restricted to that source."""
    from sklearn_shotgun import ShotgunTransferRegressor
    from sklearn_shotgun.evaluation import evaluate_transfer

    library, targets = tiny
    source, ids = next(iter(source_groups(library).items()))
    X, y = targets["zpve"]
    result = evaluate_transfer(
        ShotgunTransferRegressor(library.filter(id=ids), cv=3, no_transfer=False, random_state=0),
        X,
        y,
        cv=3,
        baseline=_baseline(),
        scoring=("mae",),
        random_state=0,
    )
    mae = result.summary[("mae", "mean")]
    assert table.attrs["transfer"]["zpve"][source] == pytest.approx(mae["transfer"])
    assert table.attrs["baseline"]["zpve"] == pytest.approx(mae["baseline"])


def test_heatmap(table):
    ax = plot_transferability_map(table)
    image = ax.images[0]
    assert image.get_array().shape == table.shape
    assert image.norm.vcenter == 1.0
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in table.to_numpy().ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["zpve", "gap"]
    colorbar = ax.figure.axes[-1]
    assert "transfer MAE / no-transfer MAE" in colorbar.get_ylabel()


def test_heatmap_marks_missing_cells():
    table = pd.DataFrame({"a": [0.5, np.nan]}, index=["s1", "s2"])
    ax = plot_transferability_map(table)
    assert [t.get_text() for t in ax.texts] == ["0.50", "n/a"]
    with pytest.raises(ValueError, match="DataFrame"):
        plot_transferability_map(table.to_numpy())


@pytest.mark.parametrize(
    ("targets", "message"),
    [({}, "non-empty dict"), ({"a": [1, 2, 3]}, "pair"), ({"a": ([1], [2])}, None)],
)
def test_bad_targets(tiny, targets, message):
    library, _ = tiny
    if message is None:  # metric check comes first
        with pytest.raises(ValueError, match="metric must be"):
            transferability_map(library, targets, metric="r2")
        return
    with pytest.raises(ValueError, match=message):
        transferability_map(library, targets)


def test_empty_library():
    with pytest.raises(ValueError, match="empty"):
        transferability_map(ModelLibrary([]), {"a": ([1], [2])})
