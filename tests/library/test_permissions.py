"""Saved libraries and atomically written files follow the umask, not tempfile's 0600/0700."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from sklearn_shotgun import _io
from sklearn_shotgun.library import ModelLibrary, SourceModel


@pytest.fixture(params=[0o022, 0o002, 0o077])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_current_umask_reads_without_changing(umask):
    assert _io.current_umask() == umask
    assert _io.current_umask() == umask


def test_atomic_write(tmp_path, umask):
    target = tmp_path / "cache" / "data.csv"
    target.parent.mkdir()
    _io.atomic_write_bytes(target, b"a,b\n1,2\n")
    assert mode(target) == 0o666 & ~umask
    _io.atomic_write_text(target, "replaced")  # a replaced file gets the mode again
    assert mode(target) == 0o666 & ~umask and target.read_text() == "replaced"


def test_saved_library_tree(tmp_path, umask):
    rng = np.random.default_rng(0)
    model = SourceModel(
        id="m",
        architecture=[3, 2, 1],
        state_dict={
            "linears.0.weight": rng.normal(size=(2, 3)),
            "linears.0.bias": np.zeros(2),
            "linears.1.weight": rng.normal(size=(1, 2)),
            "linears.1.bias": np.zeros(1),
        },
        columns=np.arange(3),
        x_mean=np.zeros(3),
        x_scale=np.ones(3),
    )
    path = tmp_path / "pools" / "lib"
    for _ in range(2):  # a fresh save and one that replaces a library
        ModelLibrary([model]).save(path)
        modes = {p.relative_to(path).as_posix(): mode(p) for p in [path, *path.rglob("*")]}
        assert modes == {
            ".": 0o777 & ~umask,
            "shards": 0o777 & ~umask,
            "library.json": 0o666 & ~umask,
            "README.md": 0o666 & ~umask,
            "shards/part-00000.safetensors": 0o666 & ~umask,
        }
