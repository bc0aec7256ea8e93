"""Put a release into any SPARQL 1.1 store through the Graph Store Protocol, and check a store
holds it.

Each named graph of the release (``cbss-kg.nq``) goes to the store's graph store in one HTTP
``PUT …?graph=IRI`` as N-Triples. A PUT replaces the whole graph in one request, the protocol's
unit of change, so whatever happens each graph is either as it was or as the release has it.
The graphs go in an order that keeps a half-finished load coherent: the sources first, then the
editorial and metadata graphs that describe them, then the inferred graph drawn from all of them,
and the ontology last, since its version IRI says which release the store holds. After the load
every graph's triples are counted through SPARQL and compared with the release.

Credentials (HTTP Basic or Digest, whichever the store asks for, or a bearer token) go to the
graph store only; the counts are read from the SPARQL endpoint as any reader would.

:func:`open_store` is the other direction: a :class:`~cbss_kg.remote.RemoteStore` for the
server, after checking the store holds the release it serves and queries their union by default.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from cbss_kg.namespaces import GRAPH, ONTOLOGY_IRI
from cbss_kg.queries import QueryError
from cbss_kg.remote import USER_AGENT, RemoteStore, query_endpoint
from cbss_kg.store import RELEASE_FILE

MEDIA_TYPE = "application/n-triples"
LAST = tuple(str(GRAPH[name]) for name in ("editorial", "metadata", "inferred", "ontology"))
"""Graphs loaded after the sources, in this order."""
GRAPH_STORES = {
    "Oxigraph/": ("store", "store"),
    "Virtuoso/": ("/sparql-graph-crud", "/sparql-graph-crud-auth"),
}
"""Where a store's graph store is, relative to its SPARQL endpoint, by its ``Server`` header:
without credentials and with them."""
ERROR_TEXT = 300
"""Characters of a store's error message quoted in ours."""


class PublishError(Exception):
    """The release could not be read, or the store could not be reached or refused a graph."""


@dataclass(frozen=True)
class ReleaseGraph:
    """One named graph of the release, ready to send."""

    iri: str
    triples: int
    data: bytes
    """The graph as N-Triples."""


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to a graph store: a user and password, or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def __bool__(self) -> bool:
        return bool(self.user or self.token)


def _load_order(iri: str) -> tuple[int, str]:
    return (LAST.index(iri) + 1 if iri in LAST else 0, iri)


def read_release(release_dir: Path) -> list[ReleaseGraph]:
    """The named graphs of the release in ``release_dir``, in loading order.

    Raises:
        PublishError: the release is missing or unreadable, has triples outside any named graph,
            or has a blank node in two graphs (graph-by-graph loading would split it in two).
    """
    path = Path(release_dir) / RELEASE_FILE
    dataset = Dataset()
    try:
        dataset.parse(path, format="nquads")
    except FileNotFoundError:
        raise PublishError(f"{path}: no release there; build one with cbss-kg build") from None
    except Exception as error:  # any parser's complaint
        raise PublishError(f"{path}: cannot read the release: {error}") from None
    graphs: list[ReleaseGraph] = []
    owners: dict[BNode, str] = {}
    for graph in dataset.graphs():
        if graph.identifier == DATASET_DEFAULT_GRAPH_ID:
            if len(graph):
                raise PublishError(f"{path}: {len(graph)} triples are outside any named graph")
            continue
        iri = str(graph.identifier)
        for node in {t for triple in graph for t in triple if isinstance(t, BNode)}:
            other = owners.setdefault(node, iri)
            if other != iri:
                raise PublishError(
                    f"{path}: the blank node _:{node} is in the graphs <{other}> and <{iri}>, "
                    "so it cannot be loaded one graph at a time"
                )
        plain = Graph()
        for triple in graph:
            plain.add(triple)
        graphs.append(ReleaseGraph(iri, len(plain), plain.serialize(format="nt", encoding="utf-8")))
    return sorted(graphs, key=lambda g: _load_order(g.iri))


def _store_message(error: urllib.error.HTTPError) -> str:
    """The store's own explanation of an HTTP error, as one line of plain text."""
    try:
        body = error.read(4096).decode("utf-8", "replace")
    except OSError:
        body = ""
    text = " ".join(re.sub(r"<[^>]*>", " ", body).split())
    if len(text) > ERROR_TEXT:
        text = text[:ERROR_TEXT] + "…"
    return f"HTTP {error.code} {error.reason}" + (f": {text}" if text else "")


def _unreachable(url: str, error: Exception) -> PublishError:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return PublishError(f"cannot reach {url}: {reason}")


def find_graph_store(endpoint: str, *, authenticated: bool, timeout: float = 30.0) -> str:
    """The graph store of the store whose SPARQL endpoint is ``endpoint``, from what the store
    says it is (its ``Server`` header); only reads.

    Raises:
        PublishError: the endpoint does not answer, or is a store this module does not know.
    """
    request = urllib.request.Request(endpoint, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            server = response.headers.get("Server", "")
    except urllib.error.HTTPError as error:
        server = error.headers.get("Server", "") if error.headers else ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise _unreachable(endpoint, error) from None
    for product, (anonymous, with_credentials) in GRAPH_STORES.items():
        if server.startswith(product):
            return urllib.parse.urljoin(endpoint, with_credentials if authenticated else anonymous)
    raise PublishError(
        f"cannot tell where the Graph Store Protocol endpoint of {endpoint} is "
        f"(the server says it is {server.strip() or 'nothing in particular'}); "
        "give it with --graph-store URL"
    )


def graph_url(graph_store: str, iri: str) -> str:
    """The URL of one graph in a graph store (indirect identification: ``?graph=IRI``)."""
    separator = "&" if urllib.parse.urlsplit(graph_store).query else "?"
    return graph_store + separator + urllib.parse.urlencode({"graph": iri})


class GraphStore:
    """A Graph Store Protocol endpoint that graphs are PUT into."""

    def __init__(self, url: str, credentials: Credentials | None = None, timeout: float = 60.0):
        self.url = url
        self.timeout = timeout
        credentials = credentials or Credentials()
        self._headers = {"User-Agent": USER_AGENT, "Content-Type": MEDIA_TYPE}
        if credentials.token:
            self._headers["Authorization"] = f"Bearer {credentials.token}"
        handlers: list[urllib.request.BaseHandler] = []
        if credentials.user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, url, credentials.user, credentials.password or "")
            # Digest first: urllib's Basic handler gives up on a Digest challenge instead of
            # letting the next handler answer it.
            handlers += [
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords),
            ]
        self._opener = urllib.request.build_opener(*handlers)
        self._authenticated = bool(credentials)

    def put(self, graph: ReleaseGraph) -> None:
        """Replace ``graph`` in the store with the release's version of it.

        Raises:
            PublishError: the store cannot be reached or refused the graph (its message kept).
        """
        url = graph_url(self.url, graph.iri)
        request = urllib.request.Request(url, data=graph.data, headers=self._headers, method="PUT")
        try:
            self._opener.open(request, timeout=self.timeout).close()
        except urllib.error.HTTPError as error:
            message = _store_message(error)
            if error.code in (401, 403):
                hint = (
                    "the credentials were refused"
                    if self._authenticated
                    else "give credentials with --user and --password, or CBSS_KG_STORE_TOKEN"
                )
                message += f"; {hint}"
            raise PublishError(f"{self.url} refused <{graph.iri}>: {message}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise _unreachable(self.url, error) from None


@dataclass(frozen=True)
class Plan:
    """What a load sends where."""

    release: Path
    endpoint: str
    graph_store: str
    graphs: tuple[ReleaseGraph, ...]

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    def url(self, graph: ReleaseGraph) -> str:
        return graph_url(self.graph_store, graph.iri)


def plan(
    release_dir: Path,
    endpoint: str,
    *,
    graph_store: str | None = None,
    authenticated: bool = False,
    timeout: float = 30.0,
) -> Plan:
    """Read the release and decide where each graph goes; sends nothing (without
    ``graph_store`` it asks the endpoint what store it is).

    Raises:
        PublishError: see :func:`read_release` and :func:`find_graph_store`.
    """
    graphs = tuple(read_release(release_dir))
    if graph_store is None:
        graph_store = find_graph_store(endpoint, authenticated=authenticated, timeout=timeout)
    return Plan(Path(release_dir), endpoint, graph_store, graphs)


@dataclass(frozen=True)
class Mismatch:
    """A graph whose triple count in the store differs from the release's."""

    iri: str
    expected: int
    found: int


@dataclass
class LoadReport:
    """What a load did: the graphs replaced (in order), what stopped it, and the check."""

    plan: Plan
    replaced: list[ReleaseGraph] = field(default_factory=list)
    failure: str | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.mismatches

    @property
    def untouched(self) -> list[ReleaseGraph]:
        """Graphs the load did not replace (each still as it was in the store)."""
        done = {g.iri for g in self.replaced}
        return [g for g in self.plan.graphs if g.iri not in done]


def count_graphs(endpoint: str, iris: Sequence[str], *, timeout: float = 60.0) -> dict[str, int]:
    """The number of triples in each of the graphs ``iris`` of the store behind ``endpoint``
    (a graph the store does not have is missing from the answer).

    Raises:
        QueryError: the endpoint failed (RemoteError, QueryTimeout...).
    """
    values = " ".join(URIRef(iri).n3() for iri in iris)
    text = (
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        " GROUP BY ?g"
    )
    result = query_endpoint(endpoint, text, timeout=timeout)
    return {str(row["g"]): int(row["n"]) for row in result.rows if "g" in row and "n" in row}


def compare(
    graphs: Sequence[ReleaseGraph], endpoint: str, *, timeout: float = 60.0
) -> list[Mismatch]:
    """The graphs whose triple count in the store differs from the release's.

    Raises:
        QueryError: the endpoint failed.
    """
    counts = count_graphs(endpoint, [g.iri for g in graphs], timeout=timeout)
    return [
        Mismatch(g.iri, g.triples, counts.get(g.iri, 0))
        for g in graphs
        if counts.get(g.iri, 0) != g.triples
    ]


def load(
    plan: Plan,
    *,
    credentials: Credentials | None = None,
    timeout: float = 60.0,
    progress: Callable[[ReleaseGraph], None] | None = None,
) -> LoadReport:
    """Replace each graph of ``plan`` in the store, then check every graph's triple count.

    Stops at the first graph the store refuses; the report says which graphs were replaced
    and which were not. ``progress`` is called after each graph is replaced.
    """
    store = GraphStore(plan.graph_store, credentials, timeout)
    report = LoadReport(plan)
    started = time.monotonic()
    try:
        for graph in plan.graphs:
            store.put(graph)
            report.replaced.append(graph)
            if progress is not None:
                progress(graph)
    except PublishError as error:
        report.failure = str(error)
    report.seconds = time.monotonic() - started
    if report.failure is None:
        try:
            report.mismatches = compare(plan.graphs, plan.endpoint, timeout=timeout)
        except QueryError as error:
            report.failure = f"the graphs were sent, but counting them failed: {error}"
    return report


def open_store(endpoint: str, release_dir: Path, *, timeout: float = 60.0) -> RemoteStore:
    """A :class:`RemoteStore` over ``endpoint`` once the store is shown to hold the release in
    ``release_dir``: every graph with the release's triple count, and their union as its default
    graph (the embedded store's dataset, which the server's queries expect).

    Raises:
        PublishError: the release cannot be read, the store cannot be reached, or it does not
            hold the release (the message says how to load it, or how to set its default graph).
    """
    graphs = read_release(release_dir)
    try:
        store = RemoteStore.connect(endpoint, timeout=timeout)
        mismatches = compare(graphs, endpoint, timeout=timeout)
        union = query_endpoint(
            endpoint, f"ASK {{ {URIRef(ONTOLOGY_IRI).n3()} ?p ?o }}", timeout=timeout
        ).boolean
    except QueryError as error:
        raise PublishError(str(error)) from None
    if mismatches:
        shown = "; ".join(
            f"<{m.iri}> has {m.found} triples there, {m.expected} in the release"
            for m in mismatches[:3]
        )
        more = f" and {len(mismatches) - 3} more" if len(mismatches) > 3 else ""
        raise PublishError(
            f"{endpoint} does not hold the release in {release_dir}: {shown}{more}. "
            f"Load it with: cbss-kg load --endpoint {endpoint} --release {release_dir}"
        )
    if not union:
        raise PublishError(
            f"{endpoint} holds the release, but its default graph is not the union of its named "
            "graphs, which the server's queries expect (start Oxigraph with "
            "--union-default-graph)"
        )
    return store
