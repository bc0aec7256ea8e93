"""Real servers on 127.0.0.1 for tests: an Oxigraph SPARQL server and the project's own server.

Each is started by the test that needs it and stopped by it; nothing reaches past the loopback.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


def oxigraph_binary() -> str:
    """The Oxigraph CLI of the virtualenv (the ``oxigraph`` test dependency), else one on PATH."""
    local = BIN / "oxigraph"
    found = str(local) if local.is_file() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph CLI is missing: pip install oxigraph (a test dependency)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    """Wait until ``url`` answers (any HTTP status), failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer {url} within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started here, by its own process id."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def oxigraph(location: Path, files: Sequence[Path] = (), *extra: str) -> Iterator[str]:
    """An Oxigraph server over ``location`` loaded with ``files``; yields its query endpoint.

    ``extra`` are further ``oxigraph serve-read-only`` options (``--union-default-graph``).
    """
    binary = oxigraph_binary()
    for path in files:
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(path)],
            check=True, capture_output=True, timeout=120,
        )
    port = free_port()
    with tempfile.TemporaryDirectory() as logs:
        log = Path(logs) / "oxigraph.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [binary, "serve-read-only", "--location", str(location),
                 "--bind", f"127.0.0.1:{port}", *extra],
                stdout=sink, stderr=subprocess.STDOUT,
            )
        try:
            wait_for(f"http://127.0.0.1:{port}/", process, log)
            yield f"http://127.0.0.1:{port}/query"
        finally:
            stop(process)


@contextmanager
def cbss_server(release: Path, *extra: str) -> Iterator[str]:
    """``python -m cbss_kg serve`` over a release (built first from the project); yields its URL.

    The server's output goes to a file (a pipe nobody reads would block it once full).
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as logs:
        log = Path(logs) / "serve.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "cbss_kg", "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--release", str(release), *extra],
                stdout=sink, stderr=subprocess.STDOUT,
            )
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, log, timeout=180)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


@contextmanager
def oxigraph_store(location: Path, *extra: str) -> Iterator[str]:
    """A read-write ``oxigraph serve`` over ``location`` (empty or not); yields its base URL.

    Its SPARQL endpoint is ``/query`` and its graph store ``/store``. ``extra`` are further
    ``oxigraph serve`` options (``--union-default-graph``, ``--timeout-s``).
    """
    binary = oxigraph_binary()
    port = free_port()
    with tempfile.TemporaryDirectory() as logs:
        log = Path(logs) / "oxigraph.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [binary, "serve", "--location", str(location),
                 "--bind", f"127.0.0.1:{port}", *extra],
                stdout=sink, stderr=subprocess.STDOUT,
            )
        try:
            wait_for(f"http://127.0.0.1:{port}/", process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
AllowOSCalls = 0
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 256M
ThreadsPerQuery = 2
MaxSortedTopRows = 100000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
MaxClientConnections = 10
ServerThreads = 10
EnabledDavVSP = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""
"""A throwaway Virtuoso: its database in a temporary folder, both ports on 127.0.0.1 only, and
the settings docs/stores.md asks for: row limits above the server's row cap (Virtuoso would cut
answers silently, or refuse an ORDER BY with a LIMIT over 10,000), no refusal by estimated cost
(it overestimates queries over many FROM graphs by orders of magnitude)."""

VIRTUOSO_PASSWORD = "dba"
"""The password of Virtuoso's ``dba`` user in a new database."""

VIRTUOSO_SETUP = """
DB.DBA.RDF_GRAPH_GROUP_CREATE ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 1);
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs',
  'http://www.openlinksw.com/schemas/virtrdf#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs',
  'http://www.w3.org/ns/ldp#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs',
  'http://localuriqaserver/sparql');
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1, 0);
"""
"""Virtuoso's own graphs made private, so anonymous queries see only the graphs loaded into it
(as docs/stores.md asks of a store the server uses)."""


def virtuoso_binary() -> str | None:
    """Virtuoso's server (Debian's ``virtuoso-opensource``), if installed."""
    return shutil.which("virtuoso-t")


@contextmanager
def virtuoso(location: Path) -> Iterator[str]:
    """A new Virtuoso database in ``location``, served on 127.0.0.1; yields its base URL.

    Its SPARQL endpoint is ``/sparql``; its graph store ``/sparql-graph-crud-auth`` takes the
    ``dba`` user (HTTP Digest), and ``/sparql-graph-crud`` refuses anonymous writes. Its own
    graphs are hidden from anonymous queries (VIRTUOSO_SETUP).
    """
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t is missing: apt-get install virtuoso-opensource")
    http_port, sql_port = free_port(), free_port()
    (location / "vsp").mkdir(parents=True, exist_ok=True)
    config = location / "virtuoso.ini"
    config.write_text(
        VIRTUOSO_INI.format(db=location, sql_port=sql_port, http_port=http_port),
        encoding="utf-8",
    )
    log = location / "console.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(config)],
            cwd=location, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        wait_for(f"http://127.0.0.1:{http_port}/sparql", process, log, timeout=120)
        setup = subprocess.run(
            [shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{sql_port}", "dba",
             VIRTUOSO_PASSWORD, f"exec={VIRTUOSO_SETUP}"],
            capture_output=True, text=True, timeout=60,
        )
        if setup.returncode != 0 or "*** Error" in setup.stdout + setup.stderr:
            raise RuntimeError(f"Virtuoso setup failed:\n{setup.stdout}\n{setup.stderr}")
        yield f"http://127.0.0.1:{http_port}"
    finally:
        stop(process)
