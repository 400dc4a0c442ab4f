"""The sklearn-shotgun command, run as a user runs it: a subprocess on real CSV files."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sklearn_shotgun
from sklearn_shotgun import FingerprintFeaturizer, ModelLibrary, ShotgunTransferRegressor
from sklearn_shotgun.cli import build_parser
from sklearn_shotgun.cli._common import FINGERPRINTS

# One xdist worker builds the module-scoped pool and saved model once (make test: -n 2).
pytestmark = pytest.mark.xdist_group("cli")

SCRIPT = Path(sys.executable).with_name("sklearn-shotgun")
CV = "Heatcapacity_Cv_cal_mol_K"


def run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    """``python -m sklearn_shotgun.cli ARGS``, one torch thread (the machine is shared)."""
    full_env = {k: v for k, v in os.environ.items() if k != "SKLEARN_SHOTGUN_DEBUG"}
    full_env.update({"OMP_NUM_THREADS": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "sklearn_shotgun.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )


def assert_one_line_error(result, *patterns: str) -> None:
    """Exit status 2 and a single ``error:`` line on stderr, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("sklearn-shotgun"), errors[0]
    for pattern in patterns:
        assert re.search(pattern, errors[0]), errors[0]


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def qm9_csv(work, qm9_frame) -> Path:
    path = work / "qm9.csv"
    qm9_frame.sample(n=300, random_state=0)[["SMILES", CV]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def polymer_csvs(work, radonpy_frame) -> tuple[Path, Path]:
    """40 RadonPy polymers with Cp to fit, 20 others (with a name column) to predict."""
    frame = radonpy_frame.dropna(subset=["Cp"]).sample(n=60, random_state=0)
    train, new = work / "cp.csv", work / "new.csv"
    frame[["smiles", "Cp"]].iloc[:40].to_csv(train, index=False)
    rest = frame[["smiles"]].iloc[40:]
    rest.insert(0, "name", [f"P{i}" for i in range(len(rest))])
    rest.to_csv(new, index=False)
    return train, new


@pytest.fixture(scope="module")
def pretrained(work, qm9_csv):
    """A 3-network pool on 300 QM9 molecules (count Morgan bits, 5 epochs)."""
    out = work / "pool"
    result = run(
        "pretrain", qm9_csv, "--input", "SMILES", "--target", CV, "--out", out, "--counts",
        "--n-bits", "512", "--n-models", "3", "--epochs", "5", "--property", "Cv",
        "--dataset", "QM9", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="module")
def saved(work, pretrained, polymer_csvs):
    """``transfer --save`` of the pool to the 40 polymers (3-fold CV)."""
    pool, _ = pretrained
    train, _ = polymer_csvs
    model = work / "model"
    result = run("transfer", pool, train, "--target", "Cp", "--cv", "3", "--save", model)
    assert result.returncode == 0, result.stderr
    return model, result


# -- pretrain ---------------------------------------------------------------------------
def test_pretrain_writes_a_library(pretrained):
    pool, result = pretrained
    library = ModelLibrary.load(pool)
    assert len(library) == 3
    assert {m.property for m in library} == {"Cv"}
    assert {m.dataset for m in library} == {"QM9"}
    assert all(m.training["max_epochs"] == 5 for m in library)
    assert f"saved 3 models to {pool}" in result.stdout
    # Fingerprints get max_sparsity=0.99 by default (0.9 keeps a few dozen Morgan bits).
    assert re.search(r"\d+ descriptor columns pass max_sparsity=0.99", result.stderr)


def test_info_summarises_the_library(pretrained):
    pool, _ = pretrained
    result = run("info", pool)
    assert result.returncode == 0, result.stderr
    assert "3 models" in result.stdout and "Cv" in result.stdout and "QM9" in result.stdout


def test_pretrain_options_reach_the_pretrainer(work, qm9_csv, pretrained):
    out = work / "options"
    result = run(
        "pretrain", qm9_csv, "--input-column", "SMILES", "--target-column", CV, "--out", out,
        "--descriptor", "rdkit2d", "--target-transform", "per_gram", "--max-sparsity", "0.5",
        "--n-hidden-layers", "3", "--last-width", "10,12", "--max-first-width", "40",
        "--max-features", "50", "--n-models", "2", "--epochs", "3", "--learning-rate", "0.001",
        "--batch-size", "64", "--early-stopping", "0", "--random-state", "7", "--quiet",
        "--precision", "bf16", "--oob-interval", "2", "--column-pool", "all",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    library = ModelLibrary.load(out)
    assert {m.descriptor for m in library} == {"rdkit2d"}
    assert {m.target_transform for m in library} == {"per_gram"}
    assert {m.property for m in library} == {CV}  # --property defaults to the target
    for model in library:
        assert model.n_hidden == 3
        assert 10 <= model.hidden_widths[-1] <= 12
        assert model.hidden_widths[0] <= 40
        assert model.architecture[0] <= 50
        assert model.training["lr"] == pytest.approx(0.001)
        assert model.training["batch_size"] == 64
        assert model.training["epochs"] == 3  # no early stopping: the full budget
        assert model.training["precision"] == "bf16"
        assert model.training["oob_interval"] == 2
    assert "max_sparsity=0.5" in result.stderr


def test_max_sparsity_changes_the_columns_drawn(work, qm9_csv, pretrained):
    _, default = pretrained
    result = run(
        "pretrain", qm9_csv, "--input", "SMILES", "--target", CV, "--out", work / "sparse",
        "--counts", "--n-bits", "512", "--n-models", "1", "--epochs", "1",
        "--max-sparsity", "0.9", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    def columns(stderr: str) -> int:
        return int(re.search(r"(\d+) descriptor columns pass", stderr).group(1))

    assert columns(result.stderr) < columns(default.stderr)


def test_pretrain_text_labels_make_a_classification_pool(work, qm9_frame):
    frame = qm9_frame.sample(n=200, random_state=2)
    labels = np.where(frame[CV] > frame[CV].median(), "high", "low")
    data = work / "labels.csv"
    frame.assign(label=labels)[["SMILES", "label"]].to_csv(data, index=False)
    out = work / "classes"
    args = ["pretrain", data, "--input", "SMILES", "--target", "label", "--n-bits", "256"]
    result = run(*args, "--out", out, "--n-models", "1", "--epochs", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    (model,) = ModelLibrary.load(out)
    assert model.task == "classification"
    assert list(model.classes) == ["high", "low"]
    result = run(*args, "--out", work / "never", "--task", "regression")
    assert_one_line_error(result, "not numeric", "label")


def test_pretrain_checks_the_output_folder_before_training(work, qm9_csv):
    out = work / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    # 1,000 networks would run for many minutes: the error must come first.
    args = ["pretrain", qm9_csv, "--input", "SMILES", "--target", CV, "--n-models", "1000"]
    result = run(*args, "--out", out, timeout=60)
    assert_one_line_error(result, "not empty", "--overwrite")
    result = run(*args, "--out", out, "--overwrite", timeout=60)
    assert_one_line_error(result, "holds no library")
    assert (out / "notes.txt").read_text() == "keep me"


def test_pretrain_overwrite_replaces_a_library(work, qm9_csv, pretrained):
    pool, _ = pretrained
    out = work / "replaced"
    ModelLibrary.load(pool).save(out)
    result = run(
        "pretrain", qm9_csv, "--input", "SMILES", "--target", CV, "--out", out, "--overwrite",
        "--n-models", "1", "--epochs", "1", "--n-bits", "256", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(ModelLibrary.load(out)) == 1


# -- errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case",
    ["missing file", "bad library", "descriptor typo", "zero models", "missing column",
     "bad csv", "text target", "empty csv"],
)  # fmt: skip
def test_user_errors_are_one_line(case, work, qm9_csv, pretrained, polymer_csvs):
    pool, _ = pretrained
    train, _ = polymer_csvs
    bad = work / "bad.csv"
    bad.write_text('smiles,Cp\n"CCO,1\nCC,2\n')  # an unclosed quote
    text = work / "text.csv"
    text.write_text("smiles,Cp\nCCO,high\nCC,low\n")
    empty = work / "empty.csv"
    empty.write_text("")
    pre = ["pretrain", "--out", work / "never", "--n-models", "1"]
    args, patterns = {
        "missing file": ([*pre, work / "nope.csv", "--target", "y"], ["nope.csv", "no such"]),
        "bad library": (["transfer", work / "nowhere", train, "--target", "Cp"], ["nowhere"]),
        "descriptor typo": ([*pre, qm9_csv, "--target", CV, "--descriptor", "morgn"], ["morgn"]),
        "zero models": ([*pre, qm9_csv, "--target", CV, "--n-models", "0"], ["positive"]),
        "missing column": ([*pre, qm9_csv, "--target", "Cv"], ["no column 'smiles', 'Cv'"]),
        "bad csv": ([*pre, bad, "--target", "Cp"], ["cannot read", "bad.csv"]),
        "text target": (["transfer", pool, text, "--target", "Cp"], ["not numeric", "high"]),
        "empty csv": ([*pre, empty, "--target", "Cp"], ["cannot read", "empty.csv"]),
    }[case]
    assert_one_line_error(run(*args), *patterns)
    assert not (work / "never").exists()


def test_debug_shows_the_traceback(work):
    args = ["pretrain", work / "nope.csv", "--target", "y", "--out", work / "never"]
    result = run("--debug", *args)
    assert result.returncode != 0 and "Traceback" in result.stderr
    result = run(*args, env={"SKLEARN_SHOTGUN_DEBUG": "1"})
    assert "Traceback" in result.stderr
    assert_one_line_error(run(*args), "nope.csv")


# -- help and version -------------------------------------------------------------------
def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_has_help():
    parser = build_parser()
    for name, sub in {"": parser, **subparsers(parser)}.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize("command", [None, "pretrain", "info", "transfer", "predict", "featurize"])
def test_help_is_plain_text_with_defaults(command):
    result = run(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "``" not in text and not re.search(r":(class|func|meth|mod|attr):", text), text
    if command == "pretrain":
        assert "--max-sparsity" in text and "(default: 100)" in text  # n-models
        assert "(default: 3,6)" in text  # n-hidden-layers


def test_version_from_every_entry_point():
    expected = f"sklearn-shotgun {sklearn_shotgun.__version__}"
    assert run("--version").stdout.strip() == expected
    module = subprocess.run(
        [sys.executable, "-m", "sklearn_shotgun", "--version"], capture_output=True, text=True
    )
    assert module.stdout.strip() == expected
    script = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True)
    assert script.stdout.strip() == expected


def test_featurizer_choices_are_the_package_fingerprints():
    from sklearn_shotgun.featurizers.fingerprint import FINGERPRINT_KINDS

    assert tuple(FINGERPRINTS) == tuple(FINGERPRINT_KINDS)


# -- transfer, save, predict ------------------------------------------------------------
@pytest.mark.slow
def test_transfer_prints_the_table_and_saves(saved):
    model, result = saved
    assert re.search(r"best source: (Cv-morgan-\w+|no transfer|library predictions)", result.stdout)
    assert "cv_mae_mean" in result.stdout
    assert {p.name for p in model.iterdir()} >= {"model.json", "training.csv", "library"}


@pytest.mark.slow
def test_transfer_with_two_heads(pretrained, polymer_csvs):
    pool, _ = pretrained
    train, _ = polymer_csvs
    result = run(
        "transfer",
        pool,
        train,
        "--target",
        "Cp",
        "--cv",
        "3",
        "--head",
        "forest",
        "linear",
        "--top",
        "100",
    )
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.split("best source")[0].splitlines()
    assert "head" in header.split()
    # Screened-out candidates were searched with no head (NaN).
    heads = {row.split()[3] for row in rows if row.split()[0] not in ("no", "library")}
    assert heads == {"forest", "linear", "NaN"}, rows


@pytest.mark.slow
def test_predict_equals_the_in_memory_model(saved, pretrained, polymer_csvs, work):
    model, _ = saved
    pool, _ = pretrained
    train, new = polymer_csvs
    out = work / "predictions.csv"
    result = run("predict", model, new, "--out", out)
    assert result.returncode == 0, result.stderr
    predicted = pd.read_csv(out)
    assert list(predicted.columns) == ["name", "smiles", "Cp_predicted"]
    # The same fit in this process, with the command's defaults.
    frame = pd.read_csv(train)
    estimator = ShotgunTransferRegressor(str(pool), cv=3, random_state=0)
    estimator.fit(frame["smiles"].tolist(), frame["Cp"].to_numpy())
    expected = estimator.predict(predicted["smiles"].tolist())
    np.testing.assert_allclose(predicted["Cp_predicted"], expected, rtol=1e-12, atol=0)
    # Without --out the table goes to stdout.
    result = run("predict", model, new, "--column", "Cp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "name,smiles,Cp"


@pytest.mark.slow
def test_predict_rejects_a_changed_training_file(saved, polymer_csvs, work):
    import shutil

    model, _ = saved
    _, new = polymer_csvs
    copy = work / "tampered"
    shutil.copytree(model, copy)
    training = copy / "training.csv"
    training.write_text(training.read_text().replace("\n*", "\n*C", 1))
    assert_one_line_error(run("predict", copy, new), "training file", "changed")


@pytest.mark.slow
def test_transfer_save_refuses_an_existing_folder(saved, pretrained, polymer_csvs):
    model, _ = saved
    pool, _ = pretrained
    train, _ = polymer_csvs
    result = run("transfer", pool, train, "--target", "Cp", "--save", model)
    assert_one_line_error(result, "not empty", "--overwrite")


@pytest.mark.slow
def test_predict_errors(saved, work, polymer_csvs):
    model, _ = saved
    _, new = polymer_csvs
    assert_one_line_error(run("predict", work / "no_model", new), "no_model")
    assert_one_line_error(run("predict", model, new, "--input", "SMILES"), "no column 'SMILES'")
    assert_one_line_error(run("predict", model, new, "--out", work / "p.xlsx"), "xlsx")


# -- featurize --------------------------------------------------------------------------
def test_featurize_to_csv_keeps_the_id(polymer_csvs, work):
    _, new = polymer_csvs
    out = work / "fp.csv"
    result = run(
        "featurize", new, "--featurizer", "morgan", "--counts", "--n-bits", "256",
        "--radius", "3", "--keep", "name", "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    smiles = pd.read_csv(new)["smiles"].tolist()
    expected = FingerprintFeaturizer(counts=True, n_bits=256, radius=3).fit(smiles)
    assert list(table.columns) == ["name", *expected.get_feature_names_out()]
    np.testing.assert_array_equal(table.iloc[:, 1:].to_numpy(), expected.transform(smiles))
    assert table["name"].tolist() == [f"P{i}" for i in range(len(smiles))]


def test_featurize_to_parquet(polymer_csvs, work):
    _, new = polymer_csvs
    out = work / "comp.parquet"
    result = run("featurize", new, "--featurizer", "composition", "--out", out)
    assert result.returncode == 0, result.stderr
    table = pd.read_parquet(out)
    assert table.shape == (20, 290)
    assert np.isfinite(table.to_numpy()).all()


def test_featurize_parquet_without_pyarrow(polymer_csvs, work):
    _, new = polymer_csvs
    blocker = work / "no_pyarrow"
    (blocker / "pyarrow").mkdir(parents=True, exist_ok=True)
    (blocker / "pyarrow" / "__init__.py").write_text("raise ImportError('blocked in a test')\n")
    result = run("featurize", new, "--out", work / "x.parquet", env={"PYTHONPATH": str(blocker)})
    assert_one_line_error(result, "pip install pyarrow")


def test_featurize_invalid_rows(work):
    data = work / "with_bad.csv"
    pd.DataFrame({"smiles": ["CCO", "C1CC", "c1ccccc1"]}).to_csv(data, index=False)
    out = work / "bad_rows.csv"
    assert_one_line_error(run("featurize", data, "--out", out), "C1CC")
    assert not out.exists()
    result = run("featurize", data, "--out", out, "--errors", "nan", "--n-bits", "64")
    assert result.returncode == 0, result.stderr
    # The featurizer's warning, as one line for a user of the command.
    assert re.search(r"^sklearn-shotgun featurize: warning: .*C1CC", result.stderr, re.M)
    assert "warnings.warn" not in result.stderr
    table = pd.read_csv(out)
    assert table.iloc[1].isna().all()
    assert table.drop(index=1).notna().all().all()
