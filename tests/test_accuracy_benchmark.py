"""The accuracy benchmark: its leakage guard (``guard.py``), its summary (``run.py``) and the
headroom of a library (``headroom.py``).

``benchmarks/`` is not a package on ``sys.path``: the modules are loaded by their paths. They
import only ``sklearn_shotgun``; only the headroom's scoring test reads real data (58 RadonPy
polymers and the QM9 test pool), the others need neither the benchmark's data nor a library.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

from sklearn_shotgun.library import ModelLibrary

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy" / "guard.py"
_spec = importlib.util.spec_from_file_location("accuracy_benchmark_guard", _PATH)
guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(guard)


def _model(toy_source_model, model_id: str, dataset: str, source: str | None, seed: int):
    return toy_source_model(
        model_id,
        seed,
        property=model_id.split("-")[0],
        dataset=dataset,
        training={"source": source} if source else {},
        metrics={"r2": 0.9},
    )


def _library(toy_source_model, metadata: bool = True) -> ModelLibrary:
    models = [
        _model(toy_source_model, "cv-1", "qm9", "qm9_cv", 1),
        _model(toy_source_model, "cv-2", "qm9", "qm9_cv", 2),
        _model(toy_source_model, "rg-1", "radonpy_pi1070", "radonpy_rg", 3),
        _model(toy_source_model, "rg-2", "radonpy_pi1070", "radonpy_rg", 4),
        _model(toy_source_model, "k-1", "radonpy_pi1070", "radonpy_bulk_modulus", 5),
        _model(toy_source_model, "eform-1", "matbench_mp_e_form", "mp_e_form", 6),
    ]
    sources = {
        "qm9_cv": {"dataset": "qm9", "n_models": 2},
        "radonpy_rg": {"dataset": "radonpy_pi1070", "n_models": 2},
        "radonpy_bulk_modulus": {"dataset": "radonpy_pi1070", "n_models": 1},
        "mp_e_form": {"dataset": "matbench_mp_e_form", "n_models": 1},
    }
    return ModelLibrary(models, metadata={"sources": sources} if metadata else None)


def test_leaked_sources_from_plain_metadata():
    sources = {
        "qm9_cv": {"dataset": "qm9"},
        "radonpy_rg": {"dataset": "radonpy_pi1070"},
        "no_dataset": {},
        "radonpy_k": {"dataset": " RadonPy_PI1070 "},
    }
    assert guard.leaked_sources(sources, "radonpy_pi1070") == ["radonpy_rg", "radonpy_k"]
    assert guard.leaked_sources(sources, "freesolv") == []
    # A task's related data sets (same entries, same workflow) leak like its own.
    assert guard.leaked_sources(sources, ["freesolv", "qm9"]) == ["qm9_cv"]
    for bad in ("", [], ["qm9", " "], [None]):
        with pytest.raises(ValueError, match="datasets"):
            guard.leaked_sources(sources, bad)


def test_drop_leaked_removes_every_network_of_the_task_data_set(toy_source_model):
    library = _library(toy_source_model)
    kept, dropped = guard.drop_leaked(library, "radonpy_pi1070")
    assert dropped == ["radonpy_rg", "radonpy_bulk_modulus"]
    assert kept.ids == ["cv-1", "cv-2", "eform-1"]
    assert len(library) == 6  # a filtered view: the original library is unchanged

    kept, dropped = guard.drop_leaked(library, "md_tg")
    assert dropped == [] and kept.ids == library.ids

    kept, dropped = guard.drop_leaked(library, ("qm9", "matbench_mp_e_form"))
    assert dropped == ["qm9_cv", "mp_e_form"]
    assert kept.ids == ["rg-1", "rg-2", "k-1"]


def test_drop_leaked_without_build_metadata_uses_each_model_dataset(toy_source_model):
    # A pool built outside build_library (the benchmark's own recipe) records no sources.
    library = _library(toy_source_model, metadata=False)
    kept, dropped = guard.drop_leaked(library, "qm9")
    assert kept.ids == ["rg-1", "rg-2", "k-1", "eform-1"]
    assert dropped == ["qm9_cv"]


def test_drop_leaked_catches_a_model_whose_source_record_misses_it(toy_source_model):
    # The recorded sources say nothing about radonpy_k, but its networks name the data set.
    library = _library(toy_source_model)
    library.add(_model(toy_source_model, "k2-1", "radonpy_pi1070", "radonpy_k2", 7))
    kept, dropped = guard.drop_leaked(library, "radonpy_pi1070")
    assert "k2-1" not in kept.ids
    assert dropped == ["radonpy_rg", "radonpy_bulk_modulus", "radonpy_k2"]


def test_mdl_recipe_leaks_only_the_expected_sources_into_each_task(monkeypatch):
    # The recipe's own record of its sources, checked against every benchmark task's data
    # sets: the RadonPy MD sources leave the four RadonPy tasks, AFLOW's AEL-AGL sources the
    # AGL thermal conductivity task, polyVERSE's crystal band gap the chain band gap task, and
    # nothing else leaks anywhere.
    from sklearn_shotgun.datasets import DATASETS
    from sklearn_shotgun.library.build import load_recipe

    path = _PATH.with_name("tasks.py")
    spec = importlib.util.spec_from_file_location("accuracy_benchmark_tasks", path)
    tasks = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is created.
    monkeypatch.setitem(sys.modules, spec.name, tasks)
    spec.loader.exec_module(tasks)
    recipe = load_recipe("mdl")
    sources = {s.name: {"dataset": s.dataset} for s in recipe.sources}
    radonpy = [n for n, s in sources.items() if s["dataset"] == "radonpy_pi1070"]
    agl = [n for n, s in sources.items() if s["dataset"] in tasks._AGL]
    gaps = [n for n, s in sources.items() if s["dataset"] == "polyverse_bandgap_crystal"]
    assert len(radonpy) >= 1 and len(agl) == 3 and len(gaps) == 1
    for task in tasks._SPECS:
        assert task.dataset in DATASETS, task.name
        assert all(d in DATASETS for d in task.related), task.name
        expected = {"aflow_kappa_log": agl, "polyverse_gap_chain": gaps}.get(task.name, [])
        expected = radonpy if task.name.startswith("radonpy_") else expected
        found = guard.leaked_sources(sources, (task.dataset, *task.related))
        assert found == expected, task.name


def _run_module(name: str = "run"):
    """benchmarks/accuracy/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(
        f"accuracy_benchmark_{name}", _PATH.with_name(f"{name}.py")
    )
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run


def _raw(maes: dict, models: tuple[str, ...]) -> pd.DataFrame:
    """The benchmark's raw results: ``maes[task]`` holds one tuple of MAEs per draw, in the
    order of ``models``."""
    return pd.DataFrame(
        {
            "task": task,
            "title": task,
            "units": "u",
            "draw": draw,
            "model": model,
            "mae": mae,
            "inner_mae": 1.0,
            "no_transfer_picks": 0,
        }
        for task, draws in maes.items()
        for draw, values in enumerate(draws)
        for model, mae in zip(models, values, strict=True)
    )


def test_the_reference_is_the_best_plain_model_forest_or_linear():
    run = _run_module()
    maes = {"forest: rdkit2d": 2.0, "linear: rdkit2d": 1.5, "baseline": 2.0}
    maes["transfer (defaults)"] = 1.2
    one = tuple(maes.values())
    raw = _raw({"T": (one, tuple(2 * v for v in one))}, tuple(maes))
    table, text = run.summarise(raw)
    transfer = table[table["model"] == "transfer (defaults)"].iloc[0]
    assert transfer["best_plain"] == "linear: rdkit2d"
    assert transfer["ratio_mean"] == pytest.approx(0.8)
    assert "| T [u] (2) | linear: rdkit2d: 2.25 |" in text


def test_the_summary_says_per_task_whether_transfer_helps():
    run = _run_module()
    control = "control (transfer (defaults), untrained)"
    maes = {  # per task: the plain model, the baseline, the defaults, their untrained control
        "helps": (2.0, 2.0, 1.6, 1.9),
        "untrained": (2.0, 2.0, 1.6, 1.5),
        "loses": (2.0, 2.0, 2.2, 2.4),
    }
    models = ("forest: rdkit2d", "baseline", "transfer (defaults)", control)
    raw = _raw({task: (values, values) for task, values in maes.items()}, models)
    _, text = run.summarise(raw)
    assert "- helps: transfer helps (ratio 0.80, 2/2 draws), and the pretrained weights " in text
    assert "- untrained: transfer helps (ratio 0.80, 2/2 draws), but no more than untrained" in text
    assert (
        "- loses: transfer does not help (ratio 1.10, 0/2 draws); use forest: rdkit2d instead"
        in text
    )
    assert "untrained) on 2/3 tasks, by more than one standard error of the paired" in text


def test_pretrained_weights_matter_only_beyond_the_draws_scatter():
    # Per draw: the plain model, the defaults, their untrained control. The defaults' mean
    # is lower than the control's (1.65 < 1.70) but one draw goes the other way: the gain
    # (0.05) is within one standard error of the paired differences (0.25).
    run = _run_module()
    control = "control (transfer (defaults), untrained)"
    per_draw = {
        "noisy": ((2.0, 1.6, 1.9), (2.0, 1.7, 1.5)),
        "clear": ((2.0, 1.6, 1.9), (2.0, 1.5, 1.7)),
    }
    raw = _raw(per_draw, ("forest: rdkit2d", "transfer (defaults)", control))
    table, text = run.summarise(raw)
    noisy = table[(table["task"] == "noisy") & (table["model"] == "transfer (defaults)")]
    assert noisy["gain_vs_control"].iloc[0] == pytest.approx(0.05)
    assert noisy["gain_vs_control_se"].iloc[0] == pytest.approx(0.25)
    assert "- noisy: transfer helps (ratio 0.82, 2/2 draws), but not clearly more than" in text
    assert "within one standard error; control ratio 0.85; below it in 1/2 draws)" in text
    assert "- clear: transfer helps (ratio 0.78, 2/2 draws), and the pretrained weights " in text
    assert "on 2/2 tasks, by more than one standard error of the paired per-draw " in text
    assert "differences on 1/2." in text


def test_headroom_scores_each_candidate_on_the_outer_folds(qm9_pool, polymers):
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    from sklearn_shotgun._heads import LinearHeadRegressor
    from sklearn_shotgun.baseline import default_descriptors

    headroom = _run_module("headroom")
    X, y = polymers
    scores = headroom.candidate_scores(qm9_pool, X, y, draw=3, n_jobs=1)
    # Every hidden layer of every network, with the forest and the ridge head.
    n_layers = sum(m.n_hidden for m in qm9_pool)
    assert (scores["kind"] == "transfer").sum() == 2 * n_layers
    assert scores["candidate"].is_unique
    assert set(scores["kind"]) == {"plain", "predictions", "transfer"}
    # A no-transfer ridge model scores what it scores on the benchmark's outer folds of draw 3.
    featurizer = default_descriptors("smiles")["composition"]
    outer = cross_val_score(
        make_pipeline(featurizer, LinearHeadRegressor()),
        X,
        y,
        cv=KFold(5, shuffle=True, random_state=3),
        scoring="neg_mean_absolute_error",
    )
    ridge = scores.set_index("candidate").loc["no transfer@None/linear+composition", "mae"]
    assert ridge == pytest.approx(-outer.mean(), rel=1e-4)


def test_headroom_summary_oracle_best_fixed_and_percentiles():
    headroom = _run_module("headroom")
    rows = [  # (weights, kind, candidate, MAE in draw 0, MAE in draw 1)
        ("pretrained", "plain", "A", 10.0, 10.0),
        ("pretrained", "plain", "B", 12.0, 12.0),
        ("pretrained", "transfer", "T1", 8.0, 11.0),
        ("pretrained", "transfer", "T2", 9.0, 9.0),
        ("untrained", "plain", "A", 10.0, 10.0),
        ("untrained", "transfer", "U1", 10.5, 11.5),
    ]
    raw = pd.DataFrame(
        {"task": "T", "weights": w, "kind": k, "candidate": c, "draw": d, "mae": m}
        for w, k, c, *maes in rows
        for d, m in enumerate(maes)
    )
    table = headroom.summarise(raw).set_index("weights")
    pretrained, untrained = table.loc["pretrained"], table.loc["untrained"]
    assert pretrained["reference"] == "A"
    assert pretrained["oracle"] == pytest.approx((0.8 + 0.9) / 2)  # T1, then T2, per draw
    assert pretrained["oracle_plain"] == pytest.approx(1.0)
    assert pretrained["best_fixed"] == pytest.approx(0.9)  # T2 (T1 averages 0.95)
    assert pretrained["best_fixed_candidate"] == "T2"
    assert pretrained["share_below_1"] == pytest.approx(0.75)
    # The untrained twin is judged against the same (pretrained run's) reference.
    assert untrained["oracle"] == pytest.approx(1.0)  # the plain model A is a candidate too
    assert untrained["oracle_transfer"] == pytest.approx((1.05 + 1.15) / 2)
    assert "| T (2) | pretrained | A: 10 | 0.850 | 1.000 | 0.850 | 0.900 |" in headroom.markdown(
        headroom.summarise(raw)
    )


def test_a_smaller_build_of_a_recipe_gets_its_own_results_cache(toy_source_model, monkeypatch):
    # The full and the smaller build of a recipe share the recipe text and its sha256; their
    # results must not be mixed in the resumable CSVs.
    monkeypatch.syspath_prepend(str(_PATH.parent))  # library.py imports guard and tasks
    library_module = _run_module("library")
    sha = "ab" * 32
    models = [_model(toy_source_model, "cv-1", "qm9", "qm9_cv", 1)]
    sources = {"qm9_cv": {"dataset": "qm9", "n_models": 1}}
    records = {}
    for n_models in (None, 16):
        recipe = {"name": "mdl", "sha256": sha, **({"n_models": n_models} if n_models else {})}
        library = ModelLibrary(models, metadata={"recipe": recipe, "sources": sources})
        records[n_models] = library_module._record(library, "mdl", None, "test")
    assert records[None]["cache_key"] == "mdl-abababababab"
    assert records[16]["cache_key"] == "mdl-abababababab-n16"
    assert records[16]["recipe"] == "mdl (16 networks per source)"
