"""The download path: real urllib downloads from a loopback mirror of ../shared/data."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from sklearn_shotgun.datasets import (
    DATASETS,
    DataIntegrityError,
    DownloadError,
    fetch_dataset,
    fetch_file,
    load_qm9,
    load_radonpy,
    mirror_url,
)
from sklearn_shotgun.datasets._fetch import read_verified
from sklearn_shotgun.datasets._registry import CHEMICALS_WHEEL, QM9_MIRROR

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

ESOL = DATASETS["esol"].files[0]


def _leftovers(folder) -> list[str]:
    """Files other than lock files left in a folder (temporary downloads, partial files)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def _dead_url() -> str:
    """A loopback address nobody listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_mirror_url_keeps_the_path():
    url = "https://raw.githubusercontent.com/o/r/0123/a%20b.csv"
    assert mirror_url(url, "http://127.0.0.1:8/") == "http://127.0.0.1:8/o/r/0123/a%20b.csv"
    assert mirror_url(url, None) == url


def test_download_is_verified_cached_and_reused_offline(server, home):
    bunch = fetch_dataset("esol", home=home, base_url=server.url)
    cached = home / ESOL.relpath
    assert cached.read_bytes() == (SHARED_DATA / ESOL.relpath).read_bytes()
    assert server.hits[urllib.parse.urlsplit(ESOL.url).path] == 1
    assert len(bunch.target) == 1128
    # A shared cache follows the umask like any other file (mkstemp alone would give 0600).
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(cached.stat().st_mode) == 0o666 & ~umask
    assert _leftovers(cached.parent) == [cached.name]

    # Second call: from the cache, without touching the network (the mirror is dead).
    again = fetch_dataset("esol", home=home, base_url=_dead_url())
    assert server.hits[urllib.parse.urlsplit(ESOL.url).path] == 1
    assert list(again.data) == list(bunch.data)


def test_corrupted_download_raises_and_is_not_cached(server, home):
    server.mode = "corrupt"
    url = mirror_url(ESOL.url, server.url)
    with pytest.raises(DataIntegrityError) as info:
        fetch_file(ESOL.url, ESOL.sha256, ESOL.relpath, home=home, base_url=server.url)
    message = str(info.value)
    body = bytearray((SHARED_DATA / ESOL.relpath).read_bytes())
    body[len(body) // 2] ^= 0xFF
    assert url in message
    assert ESOL.sha256 in message
    assert hashlib.sha256(bytes(body)).hexdigest() in message
    folder = home / ESOL.relpath.rsplit("/", 1)[0]
    assert _leftovers(folder) == []

    # Nothing bad stayed behind: a healthy server gives a good copy on the next call.
    server.mode = "ok"
    path = fetch_file(ESOL.url, ESOL.sha256, ESOL.relpath, home=home, base_url=server.url)
    assert path.read_bytes() == (SHARED_DATA / ESOL.relpath).read_bytes()


@pytest.mark.parametrize("mode", ["short", "chunked-short"])
def test_interrupted_download_raises_a_clear_error_and_is_not_cached(server, home, mode):
    # "short": Content-Length larger than the body (urllib's chunked reads then just stop);
    # "chunked-short": http.client raises IncompleteRead inside a chunk.
    server.mode = mode
    with pytest.raises(DownloadError, match="interrupted") as info:
        fetch_dataset("freesolv", home=home, base_url=server.url)
    f = DATASETS["freesolv"].files[0]
    assert mirror_url(f.url, server.url) in str(info.value)
    assert "nothing was cached" in str(info.value)
    if mode == "chunked-short":
        assert isinstance(info.value.__cause__, http.client.IncompleteRead)
    assert _leftovers(home / f.relpath.rsplit("/", 1)[0]) == []


def test_http_error_names_the_url(server, home):
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch_file(
            "https://example.org/no/such/file.csv", "0" * 64, "x/file.csv", home=home,
            base_url=server.url,
        )  # fmt: skip
    assert not (home / "x" / "file.csv").exists()


def test_unreachable_mirror_is_a_download_error(home):
    with pytest.raises(DownloadError, match="nothing was cached"):
        fetch_dataset("esol", home=home, base_url=_dead_url())


def test_concurrent_fetches_download_once(server, home):
    server.delay = 0.3  # both threads are waiting while the first download runs
    f = DATASETS["lipophilicity"].files[0]
    results, errors = [], []

    def fetch():
        try:
            results.append(fetch_file(f.url, f.sha256, f.relpath, home=home, base_url=server.url))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert server.hits[urllib.parse.urlsplit(f.url).path] == 1
    assert results[0].read_bytes() == (SHARED_DATA / f.relpath).read_bytes()


_CHILD = """
import sys, time
from pathlib import Path
from sklearn_shotgun.datasets import DATASETS, fetch_file
f = DATASETS["lipophilicity"].files[0]
go = Path(sys.argv[2])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
print(fetch_file(f.url, f.sha256, f.relpath, home=sys.argv[1], base_url=sys.argv[3]))
"""


@pytest.mark.slow
def test_concurrent_processes_download_once(server, home, tmp_path):
    server.delay = 0.5
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(home), str(go), server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:  # both have imported the package and wait for the signal
        assert child.stdout.readline().strip() == "ready"
    go.touch()
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    f = DATASETS["lipophilicity"].files[0]
    assert {out.strip() for out, _ in outputs} == {str(home / f.relpath)}
    assert server.hits[urllib.parse.urlsplit(f.url).path] == 1


def test_missing_file_without_download(home):
    with pytest.raises(FileNotFoundError, match="download=False"):
        fetch_dataset("esol", home=home, download=False)


def test_corrupted_cached_file_is_reported(home):
    target = home / ESOL.relpath
    target.parent.mkdir(parents=True)
    target.write_bytes((SHARED_DATA / ESOL.relpath).read_bytes()[:-100])
    with pytest.raises(DataIntegrityError, match="Delete it") as info:
        fetch_dataset("esol", home=home, download=False)
    assert str(target) in str(info.value)


def test_load_radonpy_url_override(server, home):
    f = DATASETS["radonpy_pi1070"].files[0]
    frame = load_radonpy(home=home, url=mirror_url(f.url, server.url))
    assert frame.shape == (1077, 157)  # SOURCE.md says 187 columns; the file has 157
    assert (home / f.relpath).exists()


def test_truncated_qm9_gzip_names_the_file(home):
    truncated = home / QM9_MIRROR.relpath
    truncated.parent.mkdir(parents=True)
    truncated.write_bytes((SHARED_DATA / QM9_MIRROR.relpath).read_bytes()[:200_000])
    with pytest.raises(DataIntegrityError) as info:
        load_qm9(home=home)
    assert str(truncated) in str(info.value)
    assert "Delete it" in str(info.value)


def test_read_verified_turns_eoferror_into_a_clear_error(tmp_path):
    path = tmp_path / "qm9.csv.gz"
    path.write_bytes((SHARED_DATA / QM9_MIRROR.relpath).read_bytes()[:200_000])
    with pytest.raises(EOFError):
        pd.read_csv(path)  # what the user got before
    with pytest.raises(DataIntegrityError, match=r"truncated or corrupted.*Delete it") as info:
        read_verified(path, pd.read_csv, "https://example.org/cut.csv.gz")
    assert str(path) in str(info.value)
    assert "https://example.org/cut.csv.gz" in str(info.value)


# ------------------------------------------------------------------------ the registry

_PINNED = re.compile(r"^https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+$")


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_file_is_pinned_and_matches_the_shared_copy(name):
    dataset = DATASETS[name]
    for f in dataset.files:
        if name == "qm9":
            assert f.url.startswith("https://files.pythonhosted.org/packages/")
            assert f.url.endswith("/qm9pack-1.0.3-py3-none-any.whl")
            continue
        if f is CHEMICALS_WHEEL:
            # Not in the shared data: read from the installed package (test_loaders).
            assert f.url.startswith("https://files.pythonhosted.org/packages/")
            assert f.url.endswith("/chemicals-1.5.2-py3-none-any.whl")
            continue
        assert _PINNED.match(f.url), f.url
        assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)
        local = SHARED_DATA / f.relpath
        assert hashlib.sha256(local.read_bytes()).hexdigest() == f.sha256, f.relpath
        # The URL's file name is the shared copy's, up to the renames SOURCE.md lists.
        url_name = urllib.parse.unquote(f.url.rsplit("/", 1)[1])
        assert url_name.replace(" ", "_").replace("(", "_").replace(")", "") in (
            local.name
        ) or local.name.startswith(("Mannodi_", "Zeng_", "Wu_DFT_")), (url_name, local.name)


def test_qm9_mirror_sha256_matches_the_shared_copy():
    local = SHARED_DATA / QM9_MIRROR.relpath
    assert hashlib.sha256(local.read_bytes()).hexdigest() == QM9_MIRROR.sha256
