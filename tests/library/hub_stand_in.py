"""A loopback stand-in for the Hugging Face Hub's HTTP API, for the real ``huggingface_hub`` client.

It implements what ``HfApi.create_repo``/``create_branch``/``create_commit`` (regular, non-LFS
uploads: the preupload answer says ``"regular"`` for every file, so file contents travel
base64-encoded inside the ndjson commit), ``list_repo_files``, ``repo_info`` and
``hf_hub_download`` call, as read from huggingface_hub's source (2.x):

- ``POST /api/repos/create``, ``POST /api/validate-yaml``, ``POST /api/models/{repo}/branch/{b}``
- ``POST /api/models/{repo}/preupload/{rev}``, ``POST /api/models/{repo}/commit/{rev}`` (ndjson)
- ``GET /api/models/{repo}/revision/{rev}`` (sha, siblings), ``GET /api/models/{repo}/tree/{rev}``
- ``HEAD``/``GET /{repo}/resolve/{rev}/{path}`` with ``X-Repo-Commit``, ``ETag``,
  ``X-Linked-Etag`` and ``Content-Length``

Run as a script (``python hub_stand_in.py ROOT``) it serves the repositories stored under
``ROOT`` (one folder per commit, ``refs.json`` per repository), prints its port on the first
line of stdout, and appends ``METHOD PATH`` of every request to ``ROOT/requests.log``.
``ROOT/faults.json`` (``{"<file path>": n}``) makes the next ``n`` GETs of that file serve it
with one byte flipped (same length), as a damaged transfer would.

Running the server in its own process lets a test stop it (offline reload) and keeps the
client's ``HF_ENDPOINT`` and ``HF_HOME`` in the client processes.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

_LOCK = threading.Lock()


class Store:
    """Repositories under ``root``: ``<org>/<name>/commits/<sha>/<files>`` and ``refs.json``."""

    def __init__(self, root: Path):
        self.root = root

    def repo(self, repo_id: str) -> Path:
        return self.root / "repos" / repo_id

    def refs(self, repo_id: str) -> dict[str, str]:
        return json.loads((self.repo(repo_id) / "refs.json").read_text())

    def resolve(self, repo_id: str, rev: str) -> str | None:
        if not (self.repo(repo_id) / "refs.json").exists():
            return None
        refs = self.refs(repo_id)
        if rev in refs:
            return refs[rev]
        return rev if (self.repo(repo_id) / "commits" / rev).is_dir() else None

    def tree(self, repo_id: str, sha: str) -> Path:
        return self.repo(repo_id) / "commits" / sha

    def files(self, repo_id: str, sha: str) -> list[str]:
        base = self.tree(repo_id, sha)
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())

    def create(self, repo_id: str) -> bool:
        if (self.repo(repo_id) / "refs.json").exists():
            return False
        sha = hashlib.sha1(f"init {repo_id}".encode()).hexdigest()
        tree = self.tree(repo_id, sha)
        tree.mkdir(parents=True)
        (tree / ".gitattributes").write_text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
        (self.repo(repo_id) / "refs.json").write_text(json.dumps({"main": sha}))
        return True

    def commit(self, repo_id: str, branch: str, ops: list[dict]) -> str:
        parent = self.resolve(repo_id, branch)
        staging = self.repo(repo_id) / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(self.tree(repo_id, parent), staging)
        for op in ops:
            target = staging / op["value"]["path"]
            if op["key"] == "file":
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(base64.b64decode(op["value"]["content"]))
            elif op["key"] == "deletedFile":
                target.unlink()
            elif op["key"] == "deletedFolder":
                shutil.rmtree(target)
        digest = hashlib.sha1(parent.encode())
        for name in self.files_in(staging):
            digest.update(name.encode() + b"\0" + (staging / name).read_bytes())
        sha = digest.hexdigest()
        if not self.tree(repo_id, sha).exists():
            os.replace(staging, self.tree(repo_id, sha))
        else:
            shutil.rmtree(staging)
        refs = self.refs(repo_id)
        refs[branch] = sha
        (self.repo(repo_id) / "refs.json").write_text(json.dumps(refs))
        return sha

    @staticmethod
    def files_in(folder: Path) -> list[str]:
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args):  # the request log below is the one the tests read
        pass

    def _log(self) -> None:
        with _LOCK, open(self.server.root / "requests.log", "a") as log:
            log.write(f"{self.command} {urllib.parse.unquote(self.path)}\n")

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None, head=False):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, data, error_code: str | None = None, head=False):
        headers = {"Content-Type": "application/json"}
        if error_code:
            headers["X-Error-Code"] = error_code
            headers["X-Error-Message"] = error_code
        self._send(status, json.dumps(data).encode(), headers, head)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    @property
    def store(self) -> Store:
        return self.server.store

    def do_HEAD(self):
        self._log()
        self._resolve(head=True)

    def do_GET(self):
        self._log()
        path = urllib.parse.urlsplit(self.path).path
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["api", "models"] and len(parts) >= 6:
            repo_id, kind, rev = f"{parts[2]}/{parts[3]}", parts[4], parts[5]
            sha = self.store.resolve(repo_id, rev)
            if sha is None:
                return self._json(404, {"error": "not found"}, "RepositoryNotFound")
            files = self.store.files(repo_id, sha)
            if kind == "revision":
                return self._json(
                    200,
                    {
                        "id": repo_id,
                        "modelId": repo_id,
                        "sha": sha,
                        "private": False,
                        "siblings": [{"rfilename": f} for f in files],
                    },
                )
            if kind == "tree":
                tree = self.store.tree(repo_id, sha)
                entries = [
                    {
                        "type": "file",
                        "path": f,
                        "size": (tree / f).stat().st_size,
                        "oid": hashlib.sha1((tree / f).read_bytes()).hexdigest(),
                    }
                    for f in files
                ]
                return self._json(200, entries)
        if "resolve" in parts:
            return self._resolve(head=False)
        return self._json(404, {"error": f"no route {path}"})

    def _resolve(self, head: bool):
        path = urllib.parse.urlsplit(self.path).path
        raw = path.strip("/").split("/")
        if len(raw) < 5 or raw[2] != "resolve":
            return self._json(404, {"error": "no route"}, head=head)
        repo_id, rev = f"{raw[0]}/{raw[1]}", urllib.parse.unquote(raw[3])
        filename = urllib.parse.unquote("/".join(raw[4:]))
        sha = self.store.resolve(repo_id, rev)
        if sha is None:
            return self._json(404, {"error": "repo"}, "RepositoryNotFound", head=head)
        file = self.store.tree(repo_id, sha) / filename
        if not file.is_file():
            return self._json(404, {"error": "entry"}, "EntryNotFound", head=head)
        data = file.read_bytes()
        etag = f'"{hashlib.sha256(data).hexdigest()}"'
        if not head:
            data = self._maybe_damage(filename, data)
        headers = {"X-Repo-Commit": sha, "ETag": etag, "X-Linked-Etag": etag}
        self._send(200, data, headers, head=head)

    def _maybe_damage(self, filename: str, data: bytes) -> bytes:
        faults_file = self.server.root / "faults.json"
        with _LOCK:
            if not faults_file.exists():
                return data
            faults = json.loads(faults_file.read_text())
            if faults.get(filename, 0) <= 0:
                return data
            faults[filename] -= 1
            faults_file.write_text(json.dumps(faults))
        damaged = bytearray(data)
        damaged[-20] ^= 0x10  # inside the last tensor's data (or the JSON's tail)
        return bytes(damaged)

    def do_POST(self):
        self._log()
        path = urllib.parse.urlsplit(self.path).path
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        body = self._body()
        endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        if parts == ["api", "repos", "create"]:
            payload = json.loads(body)
            repo_id = f"{payload['organization']}/{payload['name']}"
            with _LOCK:
                created = self.store.create(repo_id)
            return self._json(200 if created else 409, {"url": f"{endpoint}/{repo_id}"})
        if parts == ["api", "validate-yaml"]:
            return self._json(200, {"errors": [], "warnings": []})
        if parts[:2] == ["api", "models"] and len(parts) >= 6:
            repo_id, kind, rev = f"{parts[2]}/{parts[3]}", parts[4], parts[5]
            if self.store.resolve(repo_id, "main") is None:
                return self._json(404, {"error": "repo"}, "RepositoryNotFound")
            if kind == "preupload":
                files = json.loads(body)["files"]
                modes = [
                    {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                    for f in files
                ]
                return self._json(200, {"files": modes})
            if kind == "branch":
                with _LOCK:
                    refs = self.store.refs(repo_id)
                    if rev in refs:
                        return self._json(409, {"error": "exists"})
                    start = json.loads(body or b"{}").get("startingPoint") or "main"
                    refs[rev] = self.store.resolve(repo_id, start)
                    (self.store.repo(repo_id) / "refs.json").write_text(json.dumps(refs))
                return self._json(200, {})
            if kind == "commit":
                lines = [json.loads(line) for line in body.splitlines() if line.strip()]
                ops = [line for line in lines if line["key"] != "header"]
                with _LOCK:
                    if rev not in self.store.refs(repo_id):
                        return self._json(404, {"error": "branch"}, "RevisionNotFound")
                    sha = self.store.commit(repo_id, rev, ops)
                return self._json(
                    200,
                    {"commitUrl": f"{endpoint}/{repo_id}/commit/{sha}", "commitOid": sha},
                )
        return self._json(404, {"error": f"no route {path}"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = root
        self.store = Store(root)


class StandInHub:
    """The stand-in in a subprocess serving ``root``: ``endpoint``, ``requests()``, ``stop()``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(self.root)], stdout=subprocess.PIPE, text=True
        )
        port = self.process.stdout.readline().strip()
        if not port:
            raise RuntimeError("the Hub stand-in did not start")
        self.endpoint = f"http://127.0.0.1:{port}"

    def requests(self) -> list[str]:
        log = self.root / "requests.log"
        return log.read_text().splitlines() if log.exists() else []

    def clear_log(self) -> None:
        (self.root / "requests.log").unlink(missing_ok=True)

    def damage(self, filename: str, times: int = 1) -> None:
        (self.root / "faults.json").write_text(json.dumps({filename: times}))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def env(self, hf_home: Path, **extra: str) -> dict[str, str]:
        """Environment of a client process pointed at this stand-in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
        env.update(
            HF_ENDPOINT=self.endpoint,
            HF_HOME=str(hf_home),
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_DISABLE_IMPLICIT_TOKEN="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            HF_HUB_ETAG_TIMEOUT="30",
            HF_HUB_DOWNLOAD_TIMEOUT="30",
            **extra,
        )
        return env


def main() -> None:
    server = Server(Path(sys.argv[1]))
    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
