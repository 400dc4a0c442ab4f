"""The sklearn-shotgun command on real CSV files."""

from __future__ import annotations

import re

import pytest

from sklearn_shotgun import ModelLibrary
from sklearn_shotgun.cli import main


@pytest.fixture(scope="module")
def qm9_csv(tmp_path_factory, qm9_frame):
    path = tmp_path_factory.mktemp("cli") / "qm9.csv"
    qm9_frame.sample(n=800, random_state=0).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def pool_dir(qm9_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "pool"
    status = main(
        [
            "pretrain",
            str(qm9_csv),
            "--input-column=SMILES",
            "--target-column=Heatcapacity_Cv_cal_mol_K",
            f"--out={out}",
            "--counts",
            "--n-bits=512",
            "--n-models=3",
            "--epochs=10",
            "--property=Cv",
            "--dataset=QM9",
        ]
    )
    assert status == 0
    return out


def test_pretrain_writes_a_library(pool_dir, capsys):
    library = ModelLibrary.load(pool_dir)
    assert len(library) == 3
    assert {m.property for m in library} == {"Cv"}
    assert all(m.training["max_epochs"] == 10 for m in library)
    assert main(["info", str(pool_dir)]) == 0
    out = capsys.readouterr().out
    assert "3 models" in out and "Cv" in out


def test_transfer_prints_the_table(pool_dir, radonpy_frame, tmp_path, capsys):
    target = tmp_path / "cp.csv"
    radonpy_frame.dropna(subset=["Cp"]).sample(n=30, random_state=0)[["smiles", "Cp"]].to_csv(
        target, index=False
    )
    assert main(["transfer", str(pool_dir), str(target), "--target-column=Cp", "--cv=3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"best source: (Cv-morgan-\w+|no transfer)", out)
    assert "cv_mae_mean" in out


def test_pretrain_descriptors_per_gram(qm9_csv, tmp_path):
    out = tmp_path / "per_gram"
    args = [
        "pretrain",
        str(qm9_csv),
        "--input-column=SMILES",
        "--target-column=Heatcapacity_Cv_cal_mol_K",
        f"--out={out}",
        "--descriptor=rdkit2d",
        "--target-transform=per_gram",
        "--n-models=2",
        "--epochs=5",
        "--property=Cv",
    ]
    assert main(args) == 0
    library = ModelLibrary.load(out)
    assert {m.descriptor for m in library} == {"rdkit2d"}
    assert {m.target_transform for m in library} == {"per_gram"}


def test_missing_column_is_a_clear_error(qm9_csv, tmp_path):
    with pytest.raises(SystemExit, match="no column"):
        main(["pretrain", str(qm9_csv), "--target-column=nope", f"--out={tmp_path / 'x'}"])
