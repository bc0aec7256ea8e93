"""The embedded store: the graph in pyoxigraph, with bound parameters and a real time budget.

pyoxigraph answers fast and releases the GIL, but it has no way to cancel a query. So every query
with a time budget runs in one of a few worker processes; at the deadline the worker is killed and
a fresh one started, while the other workers keep answering. The workers are forked from a loader:
a fresh interpreter that loads the graph once and runs no thread (so a server's threads can never
leave a lock held in a child), whose loaded pages the workers share, so a replacement answers at
once however large the graph. A query without a budget runs in this process, on its own copy,
loaded while the loader loads.

Before anything runs, the query text is screened (:func:`cbss_kg.queries.screen`): SPARQL Update,
``SERVICE`` and ``LOAD`` are refused, since pyoxigraph would carry out federation over the network.
``FROM`` and ``FROM NAMED`` only choose among the store's own graphs; pyoxigraph never fetches them.

This is the only module that imports pyoxigraph.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection, Pipe
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from cbss_kg.namespaces import PREFIXES
from cbss_kg.queries import (
    QueryError,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    has_dataset_clause,
    inline_bindings,
    projection,
    query_form,
    screen,
    tokenize,
)
from cbss_kg.results import (
    RESULT_MEDIA_TYPES,
    XSD_STRING,
    QueryResult,
    decode,
    from_rows,
    literal_text,
    write_boolean,
    write_select,
)

__all__ = [
    "RELEASE_FILE",
    "EmbeddedStore",
    "LocalStore",
    "NotAcceptable",
    "QueryError",
    "QueryRejected",
    "QuerySyntaxError",
    "QueryTimeout",
    "StoreLoadError",
    "check_syntax",
    "negotiate",
]

RELEASE_FILE = "cbss-kg.nq"
"""The release file the store loads: every named graph as N-Quads."""

STARTUP_TIMEOUT = 60.0
"""Seconds the workers' loader may take to start and load the graph."""

GRAPH_FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle; charset=utf-8"),
    "ntriples": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
    "trig": (ox.RdfFormat.TRIG, "application/trig"),
    "nquads": (ox.RdfFormat.N_QUADS, "application/n-quads"),
}
"""Formats of a CONSTRUCT or DESCRIBE result, in order of preference, with their content type."""

MEDIA_TYPES: dict[str, dict[str, str]] = {
    "results": {
        "application/sparql-results+json": "json",
        "application/json": "json",
        "application/sparql-results+xml": "xml",
        "application/xml": "xml",
        "text/xml": "xml",
        "text/csv": "csv",
        "text/tab-separated-values": "tsv",
    },
    "graph": {
        "text/turtle": "turtle",
        "application/x-turtle": "turtle",
        "application/n-triples": "ntriples",
        "application/ld+json": "jsonld",
        "application/json": "jsonld",
        "application/rdf+xml": "rdfxml",
        "application/xml": "rdfxml",
        "text/xml": "rdfxml",
        "application/trig": "trig",
        "application/n-quads": "nquads",
    },
}
"""Media type (and common aliases) → format key, for SELECT/ASK results and for graphs."""


class StoreLoadError(Exception):
    """The graph could not be loaded into the store (a missing or malformed N-Quads file)."""


class NotAcceptable(QueryError):
    """None of the requested media types can carry this kind of result."""


# --- content negotiation ------------------------------------------------------------------------


def _accept_list(accept: str) -> list[str]:
    """The media types of an Accept header (or a single media type), best first; q=0 dropped."""
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media_type, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type and quality > 0:
            ranked.append((-quality, position, media_type.lower()))
    return [media_type for _, _, media_type in sorted(ranked)]


def negotiate(kind: str, accept: str) -> tuple[str, str]:
    """The format key and content type to write a result of ``kind`` for an Accept header.

    ``kind`` is ``"select"``, ``"ask"`` or ``"graph"``; ``accept`` is a media type or an Accept
    header (``*/*`` or empty: SPARQL JSON results, Turtle for graphs).

    Raises:
        NotAcceptable: when no listed media type fits.
    """
    table = MEDIA_TYPES["graph" if kind == "graph" else "results"]
    content_types = (
        {key: content_type for key, (_, content_type) in GRAPH_FORMATS.items()}
        if kind == "graph"
        else RESULT_MEDIA_TYPES
    )
    preferred = list(content_types)
    for media_type in _accept_list(accept or "*/*"):
        if media_type == "*/*":
            key = preferred[0]
        elif media_type.endswith("/*"):
            major = media_type[:-1]
            key = next((k for k in preferred if content_types[k].startswith(major)), None)
        else:
            key = table.get(media_type)
        if key is not None:
            return key, content_types[key]
    offered = ", ".join(sorted({t for t, k in table.items() if k in content_types}))
    what = "a graph" if kind == "graph" else f"{kind.upper()} results"
    raise NotAcceptable(f"cannot write {what} as {accept!r}; available: {offered}")


# --- running one query (in a worker or in this process) -----------------------------------------


def _encode(term: object) -> tuple | None:
    """A pyoxigraph term as an encoded term (see :mod:`cbss_kg.results`)."""
    if term is None:
        return None
    kind = type(term)
    if kind is ox.NamedNode:
        return ("uri", term.value)
    if kind is ox.Literal:
        if term.language:
            return ("literal", term.value, None, term.language)
        datatype = term.datatype.value
        return ("literal", term.value, None if datatype == XSD_STRING else datatype, None)
    if kind is ox.BlankNode:
        return ("bnode", term.value)
    raise QueryError("the result holds an RDF-star triple term, which is not supported here")


def _used_prefixes(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """The project prefixes whose namespace some IRI of ``triples`` starts with."""
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if type(term) is ox.NamedNode:
                iris.add(term.value)
            elif type(term) is ox.Literal and not term.language:
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}


def _run(
    store: ox.Store, text: str, options: dict, row_limit: int | None, accept: str | None
) -> tuple:
    """Run one query; serialize it when ``accept`` is given.

    Returns ``(form, variables, content_type, payload, truncated)``: the payload is bytes when
    serialized, else encoded rows (select), a bool (ask) or encoded triples (graph).
    """
    try:
        result = store.query(text, **options)
        if isinstance(result, ox.QueryBoolean):
            value = bool(result)
            if accept is None:
                return ("ask", (), None, value, False)
            key, content_type = negotiate("ask", accept)
            return ("ask", (), content_type, write_boolean(value, key), False)
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            key, content_type = negotiate("select", accept) if accept is not None else (None, None)
            rows = []
            truncated = False
            for solution in result:
                if row_limit is not None and len(rows) >= row_limit:
                    truncated = True
                    break
                rows.append(tuple(_encode(term) for term in solution))
            payload = write_select(variables, rows, key) if key else rows
            return ("select", variables, content_type, payload, truncated)
        key, content_type = negotiate("graph", accept) if accept is not None else (None, None)
        triples = []
        truncated = False
        for triple in result:
            if row_limit is not None and len(triples) >= row_limit:
                truncated = True
                break
            triples.append(triple)
        if key is None:
            encoded = [
                tuple(_encode(t) for t in (x.subject, x.predicate, x.object)) for x in triples
            ]
            return ("graph", (), None, encoded, truncated)
        rdf_format = GRAPH_FORMATS[key][0]
        if rdf_format.supports_datasets:
            triples = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        body = ox.serialize(triples, format=rdf_format, prefixes=_used_prefixes(triples))
        return ("graph", (), content_type, body, truncated)
    except SyntaxError as error:
        raise QuerySyntaxError(str(error).strip()) from None
    except (RuntimeError, ValueError, OSError, TypeError) as error:
        raise QueryError(str(error).strip()) from None


def _load(nquads: bytes | Path) -> ox.Store:
    """A store holding N-Quads given as bytes or as the path of a file.

    In memory, ``load`` is as fast as ``bulk_load`` and takes a third less memory (1M quads:
    3.8 s and 490 MB against 4.1 s and 707 MB).
    """
    store = ox.Store()
    if isinstance(nquads, Path):
        store.load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:
        store.load(nquads, ox.RdfFormat.N_QUADS)
    return store


# --- checking a query's syntax ------------------------------------------------------------------


_EMPTY = ox.Store()
"""The store queries are parsed against: it holds nothing, and nothing is ever added to it."""

_ERROR_AT = re.compile(r"error at (\d+):(\d+): ")

_ASK_AS = "CONSTRUCT {}"
"""What ASK is parsed as: the CONSTRUCT form with an empty template takes the same clauses."""


def check_syntax(text: str) -> None:
    """Parse a query with pyoxigraph's parser, the one that runs it, without running it.

    The query may use the project's prefixes without declaring them. pyoxigraph may start to
    evaluate a query as soon as it is parsed (and it answers ASK at once), so what it is given
    cannot reach anything: each ``SERVICE [SILENT]`` is read as ``GRAPH``, which takes the same
    clauses (the columns kept), and ASK as ``CONSTRUCT {}``, which takes the same clauses too;
    the store it runs against is empty.

    Raises:
        QuerySyntaxError: with the parser's message and the line and column it names.
    """
    tokens = tokenize(text)
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(tokens):
        if token.kind == "word" and token.text.upper() == "SERVICE":
            edits.append((token.start, token.end, "GRAPH".ljust(len(token.text))))
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if after is not None and after.kind == "word" and after.text.upper() == "SILENT":
                edits.append((after.start, after.end, " " * len(after.text)))
    words = (t for t in tokens if t.kind == "word")
    first = next((t for t in words if t.text.upper() not in ("BASE", "PREFIX")), None)
    shift_at = None
    if first is not None and first.text.upper() == "ASK":
        edits.append((first.start, first.end, _ASK_AS))
        line = text.count("\n", 0, first.start) + 1
        shift_at = (line, first.start - text.rfind("\n", 0, first.start))
    parsed = text
    for start, end, replacement in sorted(edits, reverse=True):
        parsed = parsed[:start] + replacement + parsed[end:]
    try:
        _EMPTY.query(parsed, prefixes=PREFIXES)
    except SyntaxError as error:
        message = str(error).strip()
        found = _ERROR_AT.match(message)
        if found is None:
            raise QuerySyntaxError(message) from None
        line, column = int(found[1]), int(found[2])
        if shift_at is not None and line == shift_at[0] and column > shift_at[1]:
            column -= len(_ASK_AS) - len("ASK")
        raise QuerySyntaxError(message[found.end() :], line, column) from None
    except (RuntimeError, ValueError, OSError, TypeError) as error:
        raise QuerySyntaxError(str(error).strip()) from None


# --- worker processes ---------------------------------------------------------------------------


_ERRORS = {cls.__name__: cls for cls in (QueryError, QuerySyntaxError, NotAcceptable)}


def _exit_when_orphaned(parent: int) -> None:
    """End this process when the one that started it is gone (even if it was SIGKILLed)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _answer(store: ox.Store, conn: Connection) -> None:
    """A worker's life: answer the queries sent over ``conn`` until it is closed."""
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", *_run(store, *request))
        except QueryError as error:
            reply = (type(error).__name__, str(error))
        try:
            conn.send(reply)
        except OSError:  # the parent is gone
            return


def loader_main(fd: int) -> None:
    """The loader's life: load the graph sent over ``fd`` (N-Quads, or the path of an N-Quads
    file), then fork a worker for each connection sent to it, until ``fd`` is closed.

    Started by :class:`_Pool` as ``python -c``. The graph is loaded once, here; a forked worker
    starts at once and shares the loaded pages until it writes them. The loader runs no thread,
    so a fork never copies a lock held by another thread; it ends when its parent does (the
    closed ``fd`` ends its loop), and its workers follow.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # a killed worker is reaped by the system
    conn = Connection(fd)
    try:
        store = _load(conn.recv())
    except (SyntaxError, ValueError, OSError) as error:
        conn.send(("failed", str(error)))
        return
    conn.send(("ready", len(store)))
    while True:
        try:
            worker_fd = recv_handle(conn)
        except (EOFError, OSError):
            return
        pid = os.fork()
        if pid == 0:
            try:
                conn.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                threading.Thread(
                    target=_exit_when_orphaned, args=(os.getppid(),), daemon=True
                ).start()
                _answer(store, Connection(worker_fd))
            finally:
                os._exit(0)
        os.close(worker_fd)
        conn.send(pid)


class _Worker:
    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn


def _kill(pid: int) -> None:
    """Kill a worker and wait (briefly) until it is gone; its loader reaps it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.002)


def _kill_all(pids: set[int], loaders: list[subprocess.Popen], lock: threading.Lock) -> None:
    with lock:
        remaining, stopping = list(pids), list(loaders)
        pids.clear()
        loaders.clear()
    for pid in remaining:
        _kill(pid)
    for loader in stopping:
        if loader.poll() is None:
            loader.kill()
        loader.wait()


class _Loader:
    """The process holding the loaded graph; it forks a worker on request."""

    def __init__(self, nquads: bytes | Path) -> None:
        parent_end, child_end = Pipe()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from cbss_kg.store import loader_main; "
                    "loader_main(int(sys.argv[1]))",
                    str(child_end.fileno()),
                ],
                pass_fds=[child_end.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        finally:
            child_end.close()
        self.conn = parent_end
        self.ready = False
        self.lock = threading.Lock()
        with contextlib.suppress(OSError):  # the loader ended at once; fork() says so
            self.conn.send(nquads)

    def fork(self) -> tuple[int, Connection]:
        """Start a worker: its pid and the connection to it.

        Raises:
            QueryError: the graph could not be loaded, or the loader is gone.
        """
        with self.lock:
            parent_end, child_end = Pipe()
            try:
                if not self.ready:
                    if not self.conn.poll(STARTUP_TIMEOUT):
                        raise QueryError(
                            f"the query workers' graph did not load within {STARTUP_TIMEOUT:g} s"
                        )
                    status, detail = self.conn.recv()
                    if status != "ready":
                        raise QueryError(f"a query worker could not load the graph: {detail}")
                    self.ready = True
                send_handle(self.conn, child_end.fileno(), self.process.pid)
                pid = self.conn.recv()
            except (EOFError, OSError):
                parent_end.close()
                raise QueryError("the process holding the query workers' graph ended") from None
            except QueryError:
                parent_end.close()
                raise
            finally:
                child_end.close()
        return pid, parent_end

    def alive(self) -> bool:
        return self.process.poll() is None


class _Pool:
    """A fixed number of worker processes; a busy one is killed and replaced at its deadline.

    The workers are forked from a loader process that holds the one loaded copy of the graph, so a
    replacement answers at once, however large the graph.
    """

    def __init__(self, nquads: bytes | Path, size: int) -> None:
        self._nquads = nquads
        self._size = size
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy = 0
        self._starting = 0
        self._closed = False
        self._failure: str | None = None
        self._pids: set[int] = set()
        self._loaders: list[subprocess.Popen] = []
        self._process_lock = threading.Lock()
        self._finalizer = weakref.finalize(
            self, _kill_all, self._pids, self._loaders, self._process_lock
        )
        self._loader = self._new_loader()
        with self._cond:
            for _ in range(size):
                self._start_one()

    @property
    def pids(self) -> tuple[int, ...]:
        """Process ids of the live workers."""
        with self._process_lock:
            return tuple(sorted(self._pids))

    def _new_loader(self) -> _Loader:
        with self._process_lock:
            if self._closed:
                raise QueryError("the store is closed")
            loader = _Loader(self._nquads)
            self._loaders.append(loader.process)
        return loader

    def _start_one(self) -> None:
        """Start a worker in the background (call with the condition held)."""
        self._starting += 1
        threading.Thread(target=self._spawn, name="cbss-kg query worker start", daemon=True).start()

    def _launch(self) -> _Worker:
        loader = self._loader
        if loader.ready and not loader.alive():  # killed (out of memory?): load the graph anew
            with self._process_lock:
                if loader.process in self._loaders:
                    self._loaders.remove(loader.process)
            loader = self._loader = self._new_loader()
        pid, conn = loader.fork()
        with self._process_lock:
            closed = self._closed
            if not closed:
                self._pids.add(pid)
        if closed:
            _kill(pid)
            conn.close()
            raise QueryError("the store is closed")
        return _Worker(pid, conn)

    def _spawn(self) -> None:
        try:
            worker = self._launch()
        except QueryError as error:
            with self._cond:
                self._starting -= 1
                self._failure = str(error)
                self._cond.notify_all()
            return
        with self._cond:
            self._starting -= 1
            if self._closed:
                self._forget(worker)
                return
            self._failure = None
            self._idle.append(worker)
            self._cond.notify()

    def _forget(self, worker: _Worker) -> None:
        """Kill a worker, reap it, and drop it from the books."""
        with self._process_lock:
            self._pids.discard(worker.pid)
        _kill(worker.pid)
        worker.conn.close()

    def wait_ready(self, timeout: float) -> None:
        """Block until one worker is ready to answer.

        Raises:
            QueryError: when workers fail to start.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._idle and not self._busy:
                if self._failure is not None and not self._starting:
                    raise QueryError(self._failure)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryError(f"no query worker started within {timeout:g} s")
                self._cond.wait(remaining)

    def _acquire(self, deadline: float, budget: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise QueryError("the store is closed")
                if self._idle:
                    self._busy += 1
                    return self._idle.pop()
                if self._busy + self._starting < self._size:
                    self._start_one()
                elif self._failure is not None and not self._starting and not self._busy:
                    raise QueryError(self._failure)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(
                        f"no query worker was free within the time budget of {budget:g} s"
                    )
                self._cond.wait(remaining)

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            self._forget(worker)
        with self._cond:
            self._busy -= 1
            if self._closed:
                if healthy:
                    self._forget(worker)
                return
            if healthy:
                self._idle.append(worker)
            elif self._busy + self._starting + len(self._idle) < self._size:
                self._start_one()
            self._cond.notify()

    def run(self, request: tuple, budget: float) -> tuple:
        """Send ``request`` to a free worker and wait for its reply until the budget runs out.

        Raises:
            QueryTimeout: the budget ran out; the worker was killed (and is being replaced).
            QueryError: the worker died (out of memory, say) or the store is closed.
        """
        deadline = time.monotonic() + budget
        worker = self._acquire(deadline, budget)
        healthy = False
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(
                    f"the query did not finish within its time budget of {budget:g} s "
                    "and was stopped"
                )
            reply = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            if self._closed:
                raise QueryError("the store was closed while the query ran") from None
            raise QueryError("the query worker stopped unexpectedly (out of memory?)") from None
        finally:
            self._release(worker, healthy)
        return reply

    def close(self) -> None:
        """Kill every worker; queries waiting for one get :class:`QueryError`. Idempotent."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        self._finalizer()
        for worker in idle:
            worker.conn.close()


# --- the store ----------------------------------------------------------------------------------


def _ox_term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise ValueError(f"cannot bind {node!r}: not an RDF term")


class EmbeddedStore:
    """The graph in pyoxigraph, with bound parameters, a row cap and an enforced time budget.

    Safe to call from many threads at once. Use it as a context manager, or call :meth:`close`:
    that stops its worker processes (they also end by themselves if this process dies).

    Args:
        nquads: the whole graph as N-Quads, or the path of an N-Quads file.
        workers: how many queries with a budget can run at the same time.
        source: what the bytes came from, for error messages.
    """

    def __init__(
        self, nquads: bytes | Path, *, workers: int = 2, source: str = "N-Quads"
    ) -> None:
        if workers < 1:
            raise ValueError("an embedded store needs at least one worker")
        # The workers load their copies while this process loads its own: on a machine with
        # cores to spare, start-up takes about one load, not one per process.
        self._pool = _Pool(nquads, workers)
        try:
            self._store = _load(nquads)
        except (SyntaxError, ValueError, OSError) as error:
            self._pool.close()
            raise StoreLoadError(f"{source}: {error}") from None
        try:
            self._pool.wait_ready(STARTUP_TIMEOUT)
        except QueryError:
            self._pool.close()
            raise

    @classmethod
    def from_dataset(cls, dataset: Dataset, *, workers: int = 2) -> EmbeddedStore:
        """A store holding ``dataset`` (its named graphs, and its default graph if any)."""
        nquads = dataset.serialize(format="nquads", encoding="utf-8")
        return cls(nquads, workers=workers, source="the dataset")

    @classmethod
    def open_release(cls, release_dir: Path, *, workers: int = 2) -> EmbeddedStore:
        """A store holding a built release (``release_dir/cbss-kg.nq``).

        Raises:
            StoreLoadError: when the file is missing or is not valid N-Quads.
        """
        path = Path(release_dir) / RELEASE_FILE
        if not path.is_file():
            raise StoreLoadError(
                f"{path}: cannot read the release (no such file); build one with cbss-kg build"
            )
        return cls(path, workers=workers, source=str(path))

    def __len__(self) -> int:
        """How many quads the store holds."""
        return len(self._store)

    @property
    def worker_pids(self) -> tuple[int, ...]:
        """Process ids of the live worker processes."""
        return self._pool.pids

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes. Queries after this raise :class:`QueryError`."""
        self._pool.close()

    def _prepare(
        self,
        text: str,
        bindings: Mapping[str, Node] | None,
        union_default_graph: bool,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
    ) -> tuple[str, dict]:
        """Screen the query, bind its parameters and choose its dataset."""
        tokens = tokenize(text)
        screen(tokens)
        options: dict = {}
        if bindings:
            projected = projection(tokens) if query_form(tokens) == "select" else None
            native = {n: t for n, t in bindings.items() if projected and n in projected}
            written = {n: t for n, t in bindings.items() if n not in native}
            try:
                if native:
                    options["substitutions"] = {
                        ox.Variable(n): _ox_term(t) for n, t in native.items()
                    }
                text = inline_bindings(text, written)
            except ValueError as error:
                raise QueryError(f"bad binding: {error}") from None
        try:
            if default_graphs or named_graphs:
                options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
                options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            elif union_default_graph and not has_dataset_clause(tokens):
                options["use_default_graph_as_union"] = True
        except ValueError as error:
            raise QueryError(f"bad graph IRI: {error}") from None
        return text, options

    def _execute(
        self,
        text: str,
        bindings: Mapping[str, Node] | None,
        timeout: float | None,
        row_limit: int | None,
        accept: str | None,
        union_default_graph: bool,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
    ) -> tuple:
        text, options = self._prepare(
            text, bindings, union_default_graph, default_graphs, named_graphs
        )
        if timeout is None:
            return _run(self._store, text, options, row_limit, accept)
        reply = self._pool.run((text, options, row_limit, accept), timeout)
        if reply[0] != "ok":
            raise _ERRORS.get(reply[0], QueryError)(reply[1])
        return reply[1:]

    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = 10.0,
        row_limit: int | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> QueryResult:
        """Run a SPARQL query and return its result as rdflib terms.

        Args:
            text: the query.
            bindings: variable name → RDF term; the variable takes that value everywhere in the
                query (pyoxigraph's substitution where it applies, else the term written in place
                by rdflib's serializer; never a user string).
            timeout: seconds the query may take, waiting for a free worker included; None runs
                it in this process without a limit.
            row_limit: at most this many rows (or triples); ``truncated`` says more exist.
            union_default_graph: the default graph is the union of all graphs (unless the query
                or ``default_graphs`` names its own dataset).
            default_graphs, named_graphs: the SPARQL protocol's ``default-graph-uri`` and
                ``named-graph-uri``: when either is given they make up the whole dataset.

        Raises:
            QuerySyntaxError: with pyoxigraph's parser message.
            QueryRejected: SPARQL Update, SERVICE or LOAD.
            QueryTimeout: the budget ran out and the query was stopped.
            QueryError: anything else that kept the query from running.
        """
        form, variables, _, payload, truncated = self._execute(
            text,
            bindings,
            timeout,
            row_limit,
            None,
            union_default_graph,
            default_graphs,
            named_graphs,
        )
        if form == "ask":
            return QueryResult(form="ask", boolean=payload)
        if form == "select":
            return from_rows("select", variables, payload, truncated=truncated)
        return from_rows("graph", triples=payload, truncated=truncated)

    def query_serialized(
        self,
        text: str,
        *,
        media_type: str,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = 10.0,
        row_limit: int | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> tuple[bytes, str, bool]:
        """Run a query and write its result in a standard format: the server's fast path.

        ``media_type`` is a media type or a whole Accept header; the best one that fits the
        query's form is used (SPARQL JSON/XML/CSV/TSV results for SELECT and ASK; Turtle,
        N-Triples, JSON-LD, RDF/XML, TriG or N-Quads for CONSTRUCT and DESCRIBE). Other arguments
        and errors are those of :meth:`query`, plus :class:`NotAcceptable`.

        Returns:
            ``(body, content type, truncated)``.
        """
        _, _, content_type, body, truncated = self._execute(
            text,
            bindings,
            timeout,
            row_limit,
            media_type,
            union_default_graph,
            default_graphs,
            named_graphs,
        )
        return body, content_type, truncated


# --- the pipeline's own store -------------------------------------------------------------------


_CHUNK = 100_000
"""Lines of N-Triples parsed at once by :meth:`LocalStore.add` (bounds the text in memory)."""


class LocalStore:
    """An in-process store for SPARQL the project generates itself (fast validation, reasoning).

    Unlike :class:`EmbeddedStore` it has no worker processes, no time budget and no screening,
    and it accepts SPARQL Update: what it runs is compiled from the project's shapes and ontology,
    never typed by a user. Terms go in and come out as rdflib terms, and a term that went in
    comes back as the very rdflib term it was, although pyoxigraph stores some literals in a
    canonical form (``"64500.00"^^xsd:decimal`` as ``"64500"``) and lower-cases language tags.

    Where rdflib tells two terms apart that pyoxigraph takes for one (``"x"`` and
    ``"x"^^xsd:string``, ``"1"`` and ``"true"`` as ``xsd:boolean``), both are kept in
    :attr:`merged`: a caller that needs rdflib's reading exactly can see it cannot have it here.
    """

    def __init__(self) -> None:
        self._store = ox.Store()
        self._texts: dict[tuple, str] = {}
        self._literals: dict[ox.Literal, Literal] = {}
        self._blanks: dict[str, ox.BlankNode] = {}
        self._blank_nodes: dict[str, BNode] = {}
        self.merged: list[tuple[Node, Node]] = []

    @classmethod
    def from_dataset(cls, dataset: Dataset | Graph) -> LocalStore:
        """A store holding each named graph of ``dataset`` under its name and its default graph
        as the default graph (a plain graph goes into the default graph).

        Raises:
            StoreLoadError: a graph is named by a blank node, or holds a term pyoxigraph cannot.
        """
        store = cls()
        if not isinstance(dataset, Dataset):
            store.add(dataset)
            return store
        for graph in dataset.graphs():
            name = graph.identifier
            if name == DATASET_DEFAULT_GRAPH_ID:
                store.add(graph)
            elif isinstance(name, URIRef):
                store.add(graph, str(name))
            else:
                raise StoreLoadError(f"the graph {name.n3()} is named by a blank node")
        return store

    def __len__(self) -> int:
        """How many quads the store holds, in all graphs."""
        return len(self._store)

    def add(self, triples: Iterable[tuple[Node, Node, Node]], graph: str | None = None) -> None:
        """Add rdflib triples to the default graph, or to the named graph ``graph``.

        Raises:
            StoreLoadError: a term pyoxigraph cannot hold (an IRI with a space, say).
        """
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        fresh: list[Literal] = []
        try:
            with ThreadPoolExecutor(max_workers=1) as loader:
                self._write(triples, name, fresh, loader)
        except (SyntaxError, ValueError, TypeError) as error:
            raise StoreLoadError(f"the graph cannot be stored: {error}") from None
        self._remember(fresh)

    def _write(
        self,
        triples: Iterable[tuple[Node, Node, Node]],
        name: ox.NamedNode | ox.DefaultGraph,
        fresh: list[Literal],
        loader: ThreadPoolExecutor,
    ) -> None:
        """Hand ``triples`` to pyoxigraph as N-Triples text, a chunk at a time, each parsed in
        ``loader``'s thread while this one writes the next (pyoxigraph parses faster than
        Python builds its term objects). Triples with a blank node, whose label must survive,
        go in as objects. Literals are looked up by plain strings: rdflib's hashing is Python
        code. New literals are appended to ``fresh``."""
        texts = self._texts
        lines: list[str] = []
        quads: list[ox.Quad] = []
        loading: Future | None = None
        for triple in triples:
            parts = []
            for node in triple:
                kind = type(node)
                if kind is URIRef:
                    parts.append(f"<{node}>")
                elif kind is Literal:
                    datatype = node.datatype
                    key = (str(node), node.language, datatype and str(datatype))
                    text = texts.get(key)
                    if text is None:
                        text = texts[key] = literal_text(node)
                        fresh.append(node)
                    parts.append(text)
                else:
                    quads.append(ox.Quad(*(self._object(n) for n in triple), name))
                    break
            else:
                lines.append(f"{parts[0]} {parts[1]} {parts[2]} .\n")
                if len(lines) == _CHUNK:
                    if loading is not None:
                        loading.result()
                    loading = loader.submit(self._load, lines, name)
                    lines = []
        if loading is not None:
            loading.result()
        self._load(lines, name)
        if quads:
            self._store.bulk_extend(quads)

    def _load(self, lines: list[str], graph: ox.NamedNode | ox.DefaultGraph) -> None:
        """Parse N-Triples lines into ``graph``; the terms came from rdflib, so pyoxigraph's
        checks of IRIs are skipped (it stores what rdflib held)."""
        if lines:
            data = "".join(lines).encode("utf-8")
            self._store.load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)

    def _object(self, node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        """A term as a pyoxigraph object; a blank node gets a label of the store's own."""
        if isinstance(node, BNode):
            blank = self._blanks.get(str(node))
            if blank is None:
                blank = self._blanks[str(node)] = ox.BlankNode(f"b{len(self._blanks)}")
                self._blank_nodes[blank.value] = node
            return blank
        return _ox_term(node)

    def literals(self) -> list[Literal]:
        """Every distinct rdflib literal added so far."""
        return list(self._literals.values())

    def _remember(self, fresh: list[Literal]) -> None:
        """Map the stored form of each new literal back to it, noting merges."""
        stored = [_ox_term(node) for node in fresh]
        typed = [
            index
            for index, node in enumerate(fresh)
            if node.datatype is not None and str(node.datatype) != XSD_STRING
        ]
        if typed:
            probe = ox.Store()
            predicate = ox.NamedNode("urn:x-cbss-kg:probe")
            probe.bulk_extend(
                ox.Quad(ox.NamedNode(f"urn:x-cbss-kg:probe:{i}"), predicate, stored[i])
                for i in typed
            )
            for quad in probe:
                stored[int(quad.subject.value.rsplit(":", 1)[1])] = quad.object
        for node, term in zip(fresh, stored, strict=True):
            known = self._literals.setdefault(term, node)
            if known is not node:
                self.merged.append((known, node))

    def _rdflib(self, term: object) -> Node:
        kind = type(term)
        if kind is ox.NamedNode:
            return URIRef(term.value)
        if kind is ox.Literal:
            known = self._literals.get(term)
            return known if known is not None else decode(_encode(term))
        if kind is ox.BlankNode:
            return self._blank_nodes.get(term.value) or BNode(term.value)
        return decode(_encode(term))

    def _wrap(self, function: Callable[..., Node | None]) -> Callable:
        def call(*args: object) -> object:
            result = function(*(self._rdflib(a) for a in args))
            return None if result is None else _ox_term(result)

        return call

    def select(
        self,
        text: str,
        *,
        functions: Mapping[str, Callable[..., Node | None]] | None = None,
        union: bool = False,
    ) -> list[tuple[Node | None, ...]]:
        """Run a SELECT query; each row is a tuple in projection order (None for unbound).

        ``functions`` maps an IRI to a Python function on rdflib terms that the query may call;
        ``union`` makes the default graph the union of all graphs.

        Raises:
            QuerySyntaxError: the query does not parse.
            QueryError: it failed while running.
        """
        return self.solutions(text, functions=functions, union=union)[1]

    def solutions(
        self,
        text: str,
        *,
        functions: Mapping[str, Callable[..., Node | None]] | None = None,
        union: bool = False,
        graphs: Sequence[str] | None = None,
        prefixes: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> tuple[tuple[str, ...], list[tuple[Node | None, ...]]]:
        """Run a SELECT query: the names of its variables and its rows, as :meth:`select` gives
        them. ``prefixes`` may be used in the query without being declared. ``graphs`` makes
        the default graph those named graphs merged (instead of ``union``'s all of them).
        With ``limit`` at most that many rows are read: pyoxigraph computes solutions as they
        are asked for, so a query that needs no sorting or grouping stops there.

        Raises:
            QuerySyntaxError: the query does not parse.
            QueryError: it failed while running.
        """
        options: dict = {"use_default_graph_as_union": union}
        if graphs is not None:
            options["default_graph"] = [ox.NamedNode(name) for name in graphs]
        if prefixes:
            options["prefixes"] = dict(prefixes)
        if functions:
            options["custom_functions"] = {
                ox.NamedNode(iri): self._wrap(f) for iri, f in functions.items()
            }
        try:
            solutions = self._store.query(text, **options)
            if not isinstance(solutions, ox.QuerySolutions):
                raise QueryError("not a SELECT query")
            rdflib_term = self._rdflib
            return tuple(v.value for v in solutions.variables), [
                tuple(None if term is None else rdflib_term(term) for term in solution)
                for solution in itertools.islice(solutions, limit)
            ]
        except SyntaxError as error:
            raise QuerySyntaxError(str(error).strip()) from None
        except (RuntimeError, ValueError, OSError, TypeError) as error:
            raise QueryError(str(error).strip()) from None

    def rows(
        self,
        text: str,
        *,
        union: bool = False,
        graphs: Sequence[str] | None = None,
        prefixes: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Node]]:
        """Run a SELECT query: each row as variable name → term, unbound variables left out
        (see :meth:`solutions`)."""
        variables, rows = self.solutions(
            text, union=union, graphs=graphs, prefixes=prefixes, limit=limit
        )
        return [
            {name: term for name, term in zip(variables, row, strict=True) if term is not None}
            for row in rows
        ]

    def update(self, text: str) -> None:
        """Run a SPARQL Update (in one transaction).

        Raises:
            QuerySyntaxError: the update does not parse.
            QueryError: it failed while running.
        """
        try:
            self._store.update(text)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error).strip()) from None
        except (RuntimeError, ValueError, OSError, TypeError) as error:
            raise QueryError(str(error).strip()) from None

    def count(self, graph: str | None = None) -> int:
        """How many triples the default graph (or the named graph ``graph``) holds."""
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, name))

    def triples(self, graph: str | None = None) -> list[tuple[Node, Node, Node]]:
        """The triples of the default graph (or of the named graph ``graph``) as rdflib terms."""
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        rdflib_term = self._rdflib
        return [
            (rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object))
            for q in self._store.quads_for_pattern(None, None, None, name)
        ]


# --- writing RDF text (the release) -------------------------------------------------------------


SERIALIZATIONS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
"""The formats :func:`reserialize` writes, by name."""


def reserialize(nquads: bytes, fmt: str, prefixes: Mapping[str, str]) -> bytes:
    """N-Quads (or N-Triples) text written again in ``fmt`` (see :data:`SERIALIZATIONS`), the
    statements in the order given, ``prefixes`` declared and used for short names.

    pyoxigraph's writers stream: consecutive statements about one subject are grouped (and one
    graph's statements, in TriG), so sorted input gives output grouped by subject. The text came
    from rdflib terms, so IRIs are not checked again. A triple format drops graph names.

    Raises:
        ValueError: ``fmt`` is unknown, or the text is not N-Quads.
    """
    target = SERIALIZATIONS.get(fmt)
    if target is None:
        raise ValueError(f"unknown serialization {fmt!r}")
    try:
        quads = ox.parse(nquads, ox.RdfFormat.N_QUADS, lenient=True)
        statements: Iterable[ox.Quad] | Iterable[ox.Triple] = (
            quads if target is ox.RdfFormat.TRIG else (quad.triple for quad in quads)
        )
        return ox.serialize(statements, format=target, prefixes=dict(prefixes))
    except SyntaxError as error:
        raise ValueError(f"not N-Quads: {error}") from None


# --- reading RDF text (the project's sources) ---------------------------------------------------


PARSERS: dict[str, ox.RdfFormat] = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG}
"""The formats :func:`parse_statements` reads, by name."""

Statement = tuple[Node, Node, Node, URIRef | None]
"""A parsed statement as rdflib terms: subject, predicate, object, graph name (None: default)."""


def parse_statements(text: str, fmt: str, base_iri: str) -> list[Statement]:
    """Turtle or TriG text parsed by pyoxigraph, as rdflib terms, relative IRIs resolved against
    ``base_iri``. Blank nodes get fresh labels (as rdflib's parser gives them), so two files
    never share one. A literal is built as rdflib's parser builds it: ``"x"`` plain, ``"x"@lv``
    with its language, any other with its datatype (pyoxigraph reads ``"x"^^xsd:string`` as
    ``"x"`` and lower-cases language tags, which rdflib keeps apart: a caller that must tell
    them apart reads such text with rdflib).

    Raises:
        SyntaxError: the text is not well-formed (pyoxigraph's message, and where it is known
            its ``lineno`` and ``offset``).
    """
    iris: dict[str, URIRef] = {}
    literals: dict[tuple[str, str | None, str], Literal] = {}
    blanks: dict[str, BNode] = {}

    def term(node: object) -> Node:
        kind = type(node)
        if kind is ox.NamedNode:
            value = node.value  # type: ignore[attr-defined]
            known = iris.get(value)
            if known is None:
                known = iris[value] = URIRef(value)
            return known
        if kind is ox.Literal:
            key = (node.value, node.language, node.datatype.value)  # type: ignore[attr-defined]
            literal = literals.get(key)
            if literal is None:
                value, language, datatype = key
                literal = literals[key] = (
                    Literal(value, lang=language)
                    if language
                    else Literal(value)
                    if datatype == XSD_STRING
                    else Literal(value, datatype=term(node.datatype))  # type: ignore[attr-defined]
                )
            return literal
        if kind is ox.BlankNode:
            label = node.value  # type: ignore[attr-defined]
            blank = blanks.get(label)
            if blank is None:
                blank = blanks[label] = BNode()
            return blank
        raise SyntaxError(f"unexpected term {node!r}")

    parsed = ox.parse(text.encode("utf-8"), PARSERS[fmt], base_iri=base_iri)
    return [
        (
            term(quad.subject),
            term(quad.predicate),
            term(quad.object),
            None if type(quad.graph_name) is ox.DefaultGraph else term(quad.graph_name),  # type: ignore[misc]
        )
        for quad in parsed
    ]
