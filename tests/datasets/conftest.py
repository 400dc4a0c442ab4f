"""A loopback HTTP stand-in for the data sets' public homes, serving ../shared/data.

Each registered file is served under the path of its pinned public URL
(``/<org>/<repo>/<commit>/<path>``), so the loaders' real download code (urllib) runs against
it with ``base_url=server.url``. ``server.mode`` makes it misbehave on purpose.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest

from sklearn_shotgun.datasets import DATASETS

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _routes() -> dict[str, Path]:
    routes = {}
    for dataset in DATASETS.values():
        for f in dataset.files:
            path = SHARED_DATA / f.relpath
            if path.exists():  # the QM9 wheel is not in the shared folder
                routes[urllib.parse.urlsplit(f.url).path] = path
    return routes


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = _routes()
        self.reset()

    def reset(self) -> None:
        #: "ok", "corrupt" (one byte flipped), "short" (Content-Length larger than the body,
        #: then the connection closes), "chunked-short" (a chunked body cut inside a chunk)
        self.mode = "ok"
        self.delay = 0.0
        self.hits: Counter[str] = Counter()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # keep the test output clean
        pass

    def do_GET(self):
        path = self.server.routes.get(self.path)
        self.server.hits[self.path] += 1
        if path is None:
            self.send_error(404, "no such file")
            return
        body = path.read_bytes()
        time.sleep(self.server.delay)
        mode = self.server.mode
        if mode == "corrupt":
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode == "chunked-short":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = body[: len(body) // 2]
            # announce the whole body as one chunk, send half of it, hang up
            self.wfile.write(f"{len(body):x}\r\n".encode() + half)
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if mode == "short" else body)
        self.wfile.flush()
        if mode in ("short", "chunked-short"):
            self.close_connection = True


@pytest.fixture(scope="session")
def _http_server():
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(_http_server):
    """The loopback mirror, reset to well-behaved for each test."""
    _http_server.reset()
    yield _http_server
    _http_server.reset()


@pytest.fixture
def home(tmp_path) -> Path:
    """An empty data home."""
    path = tmp_path / "data_home"
    path.mkdir()
    return path
