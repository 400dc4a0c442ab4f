"""Pretraining checkpoints: a lock per folder, leftovers of a killed save, file permissions."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading

import pytest

from sklearn_shotgun import ModelLibrary

sys.path.insert(0, os.path.dirname(__file__))
from test_pretrain import CV, _assert_same_pool, _pretrainer


@pytest.fixture(scope="module")
def data(qm9_frame):
    frame = qm9_frame.sample(n=1600, random_state=0)
    return frame["SMILES"].tolist()[:300], frame[CV].to_numpy()[:300]


def fit(data, ckpt, **params):
    params = {"n_models": 4, "chunk_size": 2, "checkpoint_dir": ckpt, **params}
    return _pretrainer(**params).fit(*data)


class TestLock:
    def test_second_run_on_the_folder_is_refused_while_the_first_runs(
        self, data, tmp_path, monkeypatch
    ):
        ckpt = tmp_path / "ckpt"
        saving, release = threading.Event(), threading.Event()
        real_save = ModelLibrary.save

        def slow_save(library, path, *args, **kwargs):
            saving.set()
            assert release.wait(60), "the test never released the first run"
            return real_save(library, path, *args, **kwargs)

        monkeypatch.setattr(ModelLibrary, "save", slow_save)
        first: dict = {}

        def run_first():
            try:
                first["pretrainer"] = fit(data, ckpt)
            except BaseException as exc:  # reported by the main thread
                first["error"] = exc

        thread = threading.Thread(target=run_first)
        thread.start()
        try:
            assert saving.wait(60), "the first run never reached a chunk save"
            with pytest.raises(RuntimeError, match=r"in use by another .*checkpoint.lock"):
                fit(data, ckpt)
        finally:
            release.set()
            thread.join(60)
        assert "error" not in first, first.get("error")
        assert first["pretrainer"].n_trained_ == 4
        monkeypatch.undo()
        # The lock went with the first run: the next one takes it and trains nothing.
        again = fit(data, ckpt)
        assert again.n_trained_ == 0
        _assert_same_pool(again.library_, first["pretrainer"].library_)

    def test_lock_is_released_when_fit_fails(self, data, tmp_path):
        ckpt = tmp_path / "ckpt"

        def stop(n):
            raise RuntimeError("stopped by the callback")

        pretrainer = _pretrainer(n_models=4, chunk_size=2, checkpoint_dir=ckpt, n_jobs=1)
        with pytest.raises(RuntimeError, match="stopped by the callback"):
            pretrainer.fit(*data, callback=stop)
        assert fit(data, ckpt).n_trained_ >= 2  # no "in use" error


_KILLED_SAVE = """
import os, signal, sys
import numpy as np, pandas as pd, safetensors.numpy, torch
torch.set_num_threads(1)
sys.path.insert(0, {tests!r})
from test_pretrain import _pretrainer
real = safetensors.numpy.save_file
calls = []

def save_then_die(tensors, filename, metadata=None):
    calls.append(filename)
    if len(calls) == 2:  # the second chunk: half its shard is on disk when the process dies
        with open(filename, "wb") as fh:
            fh.write(b"partial")
        os.kill(os.getpid(), signal.SIGKILL)
    real(tensors, filename, metadata=metadata)

safetensors.numpy.save_file = save_then_die
frame = pd.read_csv({qm9!r}, nrows=3000).sample(n=1600, random_state=0)
X, y = frame["SMILES"].tolist()[:300], frame["{cv}"].to_numpy()[:300]
_pretrainer(n_models=4, chunk_size=2, checkpoint_dir={ckpt!r}).fit(X, y)
"""


@pytest.mark.slow
def test_sigkill_during_a_chunk_save_leaves_nothing_after_resume(data, tmp_path, shared_data):
    ckpt = tmp_path / "ckpt"
    script = _KILLED_SAVE.format(
        tests=os.path.dirname(__file__),
        qm9=str(shared_data / "qm9_qm9pack" / "qm9.csv.gz"),
        cv=CV,
        ckpt=str(ckpt),
    )
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], timeout=300, capture_output=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    left = sorted(p.name for p in ckpt.iterdir())
    assert "chunk-00000" in left and "chunk-00001" not in left, left
    assert any(name.startswith(".chunk-00001.tmp-") for name in left), left

    resumed = fit(data, ckpt)
    assert resumed.n_trained_ == 2
    assert sorted(p.name for p in ckpt.iterdir()) == [
        "checkpoint.json",
        "checkpoint.lock",
        "chunk-00000",
        "chunk-00001",
    ]
    # Bitwise equality of a resumed pool is test_pretrain's SIGKILL test; here the leftovers.
    _assert_same_pool(resumed.library_, fit(data, None).library_, exact=False)


def test_other_leftovers_are_removed(data, tmp_path):
    ckpt = tmp_path / "ckpt"
    fit(data, ckpt)
    (ckpt / ".chunk-00001.old-0123456789ab" / "shards").mkdir(parents=True)
    (ckpt / ".checkpoint.json.k2j3h4.tmp").write_text("{")
    (ckpt / "notes.txt").write_text("mine")  # not ours: stays
    assert fit(data, ckpt).n_trained_ == 0
    assert sorted(p.name for p in ckpt.iterdir()) == [
        "checkpoint.json",
        "checkpoint.lock",
        "chunk-00000",
        "chunk-00001",
        "notes.txt",
    ]


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_checkpoint_files_follow_the_umask(data, tmp_path, umask):
    old = os.umask(umask)
    try:
        ckpt = tmp_path / "ckpt"
        fit(data, ckpt)
    finally:
        os.umask(old)
    for path in [ckpt, *ckpt.rglob("*")]:
        full = 0o777 if path.is_dir() else 0o666
        assert stat.S_IMODE(path.stat().st_mode) == full & ~umask, path


@pytest.mark.parametrize("name", ["property", "units", "material", "dataset"])
def test_metadata_that_cannot_be_saved_is_refused_before_training(data, name, monkeypatch):
    """Library entries need string metadata: a None is refused before any network trains."""
    import sklearn_shotgun.pretrain as pretrain_module

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the parameters")

    monkeypatch.setattr(pretrain_module, "_train_chunk", no_training)
    with pytest.raises(ValueError, match=f"{name} must be a string, got None"):
        _pretrainer(**{name: None}).fit(*data)
