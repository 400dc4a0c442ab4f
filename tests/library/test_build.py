"""build_library: recipes, resume after an interruption, growing a pool, recipe errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sklearn_shotgun.library import ModelLibrary, build_library
from sklearn_shotgun.library._recipe import RecipeError, available_recipes, load_recipe

# The tiny pools below are too small to learn their properties: their weak-source warning is
# asserted once (the fixture) and ignored elsewhere.
pytestmark = pytest.mark.filterwarnings("ignore:build_library.*weak out-of-bag:UserWarning")

# The recipe test_cli_library.py builds too; ``_recipe`` sets its n_models.
TINY = (Path(__file__).parents[1] / "tiny_recipe.toml").read_text(encoding="utf-8")


def _recipe(tmp_path, n_models=2, text=TINY, name="tiny.toml"):
    path = tmp_path / name
    assert "n_models = 2\n" in text
    path.write_text(text.replace("n_models = 2\n", f"n_models = {n_models}\n"))
    return path


class _Stop(Exception):
    pass


def _hashes(library):
    return {m.id: m.sha256 for m in library}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The tiny recipe built in one go."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    with pytest.warns(UserWarning, match=r"build_library\('tiny'\): 2 source\(s\) have a weak"):
        out = build_library(_recipe(tmp), tmp / "lib", verbose=0)
    return ModelLibrary.load(out)


def test_build_gives_one_library_over_every_source(uninterrupted):
    library = uninterrupted
    assert len(library) == 4
    assert {m.training["source"] for m in library} == {"qm9_cv", "e_form"}
    assert {m.material for m in library} == {"molecule", "inorganic"}
    cv = library.filter(property="Cv")
    assert {m.target_transform for m in cv} == {"per_gram"}
    assert {m.units for m in cv} == {"cal/(mol K)"}  # from the data set registry
    meta = library.metadata
    assert meta["recipe"]["name"] == "tiny" and meta["recipe"]["random_state"] == 3
    record = meta["sources"]["e_form"]
    assert record["n_rows"] == 300 and record["n_models"] == 2
    assert record["descriptor"] == "CompositionFeaturizer"
    assert record["seconds"] > 0
    r2 = [m.metrics["r2"] for m in library.filter(property="formation energy")]
    assert record["oob"]["r2_min"] == pytest.approx(min(r2))
    # Composition sources of a formula data set read formulas.
    assert library.filter(property="formation energy")[0].featurizer["params"]["input"] == (
        "formula"
    )


def test_resume_after_interruption_trains_only_the_rest(tmp_path, uninterrupted):
    recipe = _recipe(tmp_path)
    trained = []

    def stop_after_three(n):
        trained.append(n)
        if sum(trained) >= 3:
            raise _Stop

    with pytest.raises(_Stop):
        build_library(recipe, tmp_path / "lib", verbose=0, callback=stop_after_three)
    assert not (tmp_path / "lib" / "library.json").exists()
    # The first source's chunk was saved before the interruption; the second's was not.
    resumed = []
    out = build_library(recipe, tmp_path / "lib", verbose=0, callback=resumed.append)
    assert sum(resumed) == 2
    library = ModelLibrary.load(out)
    assert library.ids == uninterrupted.ids
    assert _hashes(library) == _hashes(uninterrupted)
    # Build seconds are summed over both runs.
    record = json.loads(next((out / "checkpoints").glob("e_form-*/build.json")).read_text())
    assert record["seconds"] > 0
    # Nothing left to train: a third build re-uses every network.
    again = []
    build_library(recipe, out, verbose=0, callback=again.append)
    assert again == []


def test_growing_a_pool_keeps_the_first_networks(tmp_path, uninterrupted):
    out = tmp_path / "lib"
    build_library(_recipe(tmp_path, n_models=2), out, verbose=0)
    trained = []
    build_library(_recipe(tmp_path, n_models=3), out, verbose=0, callback=trained.append)
    assert sum(trained) == 2  # one new network per source
    grown = ModelLibrary.load(out)
    assert len(grown) == 6
    first = _hashes(uninterrupted)
    assert {i: h for i, h in _hashes(grown).items() if i in first} == first


def _assert_same_networks(library, reference):
    """Same ids and weights up to float32 rounding (the engine trains networks in groups, and
    a group of another size rounds differently)."""
    by_id = {m.id: m for m in reference}
    for model in library:
        other = by_id[model.id].state_dict
        for key, value in model.state_dict.items():
            np.testing.assert_allclose(value, other[key], rtol=0, atol=1e-6)


def test_n_models_builds_the_first_networks_of_every_source(tmp_path, uninterrupted):
    out = build_library(_recipe(tmp_path), tmp_path / "lib", verbose=0, n_models=1)
    small = ModelLibrary.load(out)
    assert len(small) == 2
    assert {m.training["source"] for m in small} == {"qm9_cv", "e_form"}
    assert small.metadata["recipe"]["n_models"] == 1
    assert small.metadata["sources"]["qm9_cv"]["n_models"] == 1
    _assert_same_networks(small, uninterrupted)
    # Without the override the recipe's count is built, training only the missing networks.
    trained = []
    full = ModelLibrary.load(
        build_library(_recipe(tmp_path), out, verbose=0, callback=trained.append)
    )
    assert sum(trained) == 2
    assert sorted(full.ids) == sorted(uninterrupted.ids)
    _assert_same_networks(full, uninterrupted)
    assert "n_models" not in full.metadata["recipe"]
    # And back: fewer networks than the directory holds trains nothing, keeps the first ones.
    again = []
    out = build_library(_recipe(tmp_path), out, verbose=0, n_models=1, callback=again.append)
    assert again == []
    assert _hashes(ModelLibrary.load(out)) == {i: _hashes(full)[i] for i in small.ids}


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "4"])
def test_n_models_must_be_a_positive_integer(tmp_path, bad):
    with pytest.raises(ValueError, match="n_models must be a positive integer"):
        build_library(_recipe(tmp_path), tmp_path / "lib", verbose=0, n_models=bad)


def test_build_summary_is_printed(tmp_path, capsys, uninterrupted):
    out = tmp_path / "lib"
    build_library(_recipe(tmp_path), out, verbose=1)
    printed = capsys.readouterr().out
    assert "qm9_cv" in printed and "e_form" in printed and "OOB R2" in printed


def test_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="holds no library build"):
        build_library(_recipe(tmp_path), tmp_path / "lib", verbose=0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[sources.e_form]", "[sources.e_form]\nn_model = 3"), r"source 'e_form'.*unknown key"),
        (('dataset = "qm9"', 'dataset = "qm10"'), r"source 'qm9_cv'.*unknown dataset 'qm10'"),
        (('target = "target"', 'target = "gap"'), r"source 'e_form'.*no target 'gap'"),
        (('"per_gram"', '"per_mole"'), r"source 'qm9_cv'.*target_transform.*'per_mole'"),
        (("max_epochs = [5, 8]", "max_epoch = 5"), r"unknown pretrainer parameter.*max_epoch"),
        (("max_epochs = [5, 8]", "max_epochs = [8, 5]"), r"pretrainer: max_epochs"),
        (("counts = true", "count = true"), r"FingerprintFeaturizer has no parameter.*count"),
        (('class = "CompositionFeaturizer"', 'class = "Magic"'), r"unknown featurizer class"),
        (("n_samples = 300", "n_samples = 0"), r"n_samples must be a positive integer"),
        (("[defaults]", "[defaults]\ndataset = 'qm9'"), r"\[defaults\].*unknown key"),
        (('name = "tiny"', 'name = "tiny'), r"invalid TOML"),
        (('name = "tiny"', 'name = "../tiny"'), r"name '\.\./tiny' must be letters"),
        (("[sources.e_form]", '[sources."../e_form"]'), r"source name '\.\./e_form' must be"),
    ],
)
def test_recipe_errors_name_the_file_and_the_source(tmp_path, edit, message):
    old, new = edit
    text = TINY.replace(old, new)
    assert text != TINY
    path = _recipe(tmp_path, text=text, name="broken.toml")
    with pytest.raises(RecipeError, match=message) as info:
        load_recipe(path)
    assert str(path) in str(info.value)


def test_unknown_recipe_name():
    with pytest.raises(RecipeError, match=r"unknown recipe 'quik'.*'quick'"):
        load_recipe("quik")


def test_shipped_recipes_validate():
    assert {"quick", "mdl"} <= set(available_recipes())
    quick = load_recipe("quick")
    assert len(quick.sources) >= 4
    assert len({s.material for s in quick.sources}) >= 2
    # The benchmark's lesson: intensive targets on RDKit descriptors for molecules.
    assert any(
        s.featurizer["class"] == "DescriptorFeaturizer" and s.target_transform == "per_gram"
        for s in quick.sources
    )
    mdl = load_recipe("mdl")
    assert len(mdl.sources) >= 24
    assert {s.material for s in mdl.sources} == {"molecule", "polymer", "inorganic"}
    assert min(s.n_models for s in mdl.sources) >= 64


@pytest.mark.slow
@pytest.mark.parametrize("name", ["quick", "mdl"])
def test_shipped_recipes_read_their_data(name):
    """Every source of the shipped recipes loads rows (valid inputs, finite targets in the
    source's form: the pretrainer refuses a data set with one undefined row)."""
    from sklearn_shotgun._targets import transform_target
    from sklearn_shotgun.library.build import _load_source, _source_seed

    for source in load_recipe(name).sources:
        items, y, counts = _load_source(source, _source_seed(0, source.name))
        assert len(items) == len(y) >= min(source.n_samples or 50, 50), source.name
        inputs = "formula" if source.featurizer.get("input") == "formula" else "smiles"
        assert np.isfinite(transform_target(source.target_transform, items, y, inputs)).all()
        assert counts["n_invalid_inputs"] <= 0.05 * counts["n_rows_valid_target"], (
            source.name,
            counts,
        )


def test_recipe_layout_in_the_docstring_is_a_valid_recipe(tmp_path):
    from sklearn_shotgun.library import _recipe

    layout = _recipe.__doc__.split("Layout::")[1].split("Optional source keys")[0]
    path = tmp_path / "layout.toml"
    path.write_text(textwrap.dedent(layout))
    recipe = load_recipe(path)
    (source,) = recipe.sources
    assert (source.name, source.target_transform, source.n_models) == (
        "qm9_cv_per_gram",
        "per_gram",
        16,
    )
    assert source.pretrainer_params() == {"max_epochs": (30, 60)}


def test_progress_advances_per_network_not_per_chunk(qm9_frame):
    """Networks of one chunk that stop at different epochs are reported as they stop."""
    from sklearn_shotgun import FingerprintFeaturizer, ShotgunPretrainer

    frame = qm9_frame.iloc[:300]
    calls = []
    pretrainer = ShotgunPretrainer(
        FingerprintFeaturizer(counts=True, n_bits=256),
        n_models=4,
        chunk_size=4,
        n_hidden_layers=(3, 3),
        max_first_width=16,
        max_epochs=(2, 12),
        early_stopping=None,  # each network trains for exactly its drawn epoch budget
        random_state=0,
        verbose=0,
    ).fit(frame["SMILES"].tolist(), frame["Heatcapacity_Cv_cal_mol_K"], callback=calls.append)
    budgets = [m.training["max_epochs"] for m in pretrainer.library_]
    assert sum(calls) == 4
    assert len(calls) == len(set(budgets)) > 1


def test_rows_without_the_target_form_are_left_out_and_counted(tmp_path):
    """PubChem lists hydrogen ("[HH]", rows 604 and 16614): it has no heavy atom, so its
    energy per heavy atom is undefined; the build drops it instead of failing."""
    from sklearn_shotgun.library.build import _load_source

    text = TINY.replace("n_samples = 300", "n_samples = 20000").split("[sources.qm9_cv]")[0]
    text += """
[sources.pubchem_e]
dataset = "iqspr_pubchem"
target = "E"
target_transform = "per_heavy_atom"
property = "energy"
featurizer = { class = "FingerprintFeaturizer", counts = true, n_bits = 256 }
"""
    (source,) = load_recipe(_recipe(tmp_path, text=text)).sources
    items, _y, counts = _load_source(source, 0)
    assert "[HH]" not in items
    assert counts["n_undefined_target_form"] == 2
    assert (
        counts["n_rows"]
        == len(items)
        == counts["n_rows_valid_target"] - 2 - counts["n_invalid_inputs"]
    )
