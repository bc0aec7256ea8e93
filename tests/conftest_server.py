"""Real servers for the tests of ``cbss-kg serve``: built once, run as subprocesses on 127.0.0.1.

``server`` serves the small project in ``tests/serve/project`` (two sources that disagree, dates
of every precision, named queries with every kind of parameter) with a short time budget and a
small row cap, so the limits can be reached quickly. ``project_server`` serves the repository's
own project, as ``cbss-kg serve`` would in production.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from cbss_kg.jsonld import CONTEXT_IRI

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURE_PROJECT = TESTS / "serve" / "project"

TIMEOUT = 2.0
"""The time budget of the fixture server's queries, in seconds."""
ROW_LIMIT = 100
"""The fixture server's row cap."""
STARTUP = 300.0
"""Seconds a server may take to build its release and start."""


@dataclass
class Server:
    """A running ``cbss-kg serve`` process and where to reach it."""

    url: str
    process: subprocess.Popen
    release: Path
    log: Path

    def get(self, path: str, **options) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **options)

    def post(self, path: str, **options) -> httpx.Response:
        return httpx.post(self.url + path, timeout=30, **options)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def jsonld(self, content: bytes) -> Graph:
        """Parse a JSON-LD answer, resolving the project's context from this server (the tests
        never reach the network, and rdflib would fetch a context named by its IRI)."""
        document = json.loads(content)
        if isinstance(document, dict) and CONTEXT_IRI in _as_list(document.get("@context")):
            context = self.get("/context.jsonld").json()["@context"]
            local = [context if c == CONTEXT_IRI else c for c in _as_list(document["@context"])]
            document["@context"] = local[0] if len(local) == 1 else local
        return Graph().parse(data=json.dumps(document), format="json-ld")


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(project: Path, release: Path, *options: str) -> Server:
    """Run ``python -m cbss_kg serve`` in ``project`` and wait until ``/health`` says ready."""
    port = free_port()
    log = release.parent / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cbss_kg", "serve", "--port", str(port),
             "--release", str(release), *options],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = Server(f"http://127.0.0.1:{port}", process, release, log)
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(server)
    pytest.fail(f"the server did not start within {STARTUP:g} s:\n{server.output()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def fixture_project(root: Path) -> Path:
    """A copy of the fixture project with the repository's views (the build draws pictures from
    them); ``pyproject.toml`` marks it as a project root."""
    shutil.copytree(FIXTURE_PROJECT, root, dirs_exist_ok=True)
    shutil.copytree(REPO / "queries" / "views", root / "queries" / "views", dirs_exist_ok=True)
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The fixture project served with a 2 s time budget and a 100-row cap."""
    project = fixture_project(tmp_path_factory.mktemp("serve") / "project")
    running = start_server(
        project, project.parent / "dist", "--timeout", str(TIMEOUT), "--row-limit", str(ROW_LIMIT)
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def project_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The repository's own project, served with the default limits."""
    release = tmp_path_factory.mktemp("serve-project") / "dist"
    running = start_server(REPO, release)
    yield running
    stop_server(running)
