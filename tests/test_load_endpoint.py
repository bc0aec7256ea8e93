"""``cbss-kg load --endpoint``: the release into a real ``oxigraph serve`` through the Graph Store
Protocol, compared graph by graph with the release; re-loads, dry runs and failures.

Stores that fail in ways a real one cannot be made to (refusing the fourth graph, asking for a
password, accepting graphs and dropping them) are small loopback servers.
"""

from __future__ import annotations

import base64
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from servers import free_port, oxigraph_store

from cbss_kg import gsp
from cbss_kg.namespaces import GRAPH
from cbss_kg.remote import query_endpoint

SCRIPT = Path(sys.executable).with_name("cbss-kg")
NUMBERS = tuple(URIRef("http://www.w3.org/2001/XMLSchema#" + t) for t in ("decimal", "integer"))
STRAY = (URIRef("https://example.org/stray"), URIRef("https://example.org/p"), Literal("stray"))


def cbss_kg(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script, as a person runs it (output to a pipe: plain lines, no bar)."""
    run = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def canonical(graph: Graph) -> Graph:
    """``graph`` with numbers in their canonical spelling: a store keeps the value of an
    ``xsd:decimal`` or ``xsd:integer``, not how it was written (Oxigraph, like Virtuoso, gives
    ``64500.00`` back as ``64500``)."""
    spelled = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in NUMBERS and o.value is not None:
            o = Literal(format(Decimal(o.value).normalize(), "f"), datatype=o.datatype)
        spelled.add((s, p, o))
    return spelled


def release_graphs(release: Path) -> dict[str, Graph]:
    """Every named graph of the release, read from its TriG file (not the N-Quads that load
    sends), so the comparison does not share the loader's reading of the release."""
    dataset = Dataset()
    dataset.parse(release / "cbss-kg.trig", format="trig")
    return {
        str(graph.identifier): canonical(graph)
        for graph in dataset.graphs()
        if len(graph) and isinstance(graph.identifier, URIRef)
    }


def store_graph(base: str, iri: str) -> Graph:
    """A graph as the store gives it back (Graph Store Protocol GET)."""
    url = base + "/store?" + urllib.parse.urlencode({"graph": iri})
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return canonical(Graph().parse(data=response.read().decode("utf-8"), format="nt"))


def store_graph_names(base: str) -> set[str]:
    result = query_endpoint(base + "/query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    return {str(row["g"]) for row in result.rows}


def post_triples(base: str, iri: str, triples: list[tuple]) -> None:
    """Add triples to a graph of the store (Graph Store Protocol POST)."""
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    url = base + "/store?" + urllib.parse.urlencode({"graph": iri})
    request = urllib.request.Request(
        url,
        data=graph.serialize(format="nt", encoding="utf-8"),
        headers={"Content-Type": "application/n-triples"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture(scope="module")
def dist(release) -> Path:
    """The project's release (built once per session)."""
    return release.out


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One ``oxigraph serve`` for the module, starting empty."""
    with oxigraph_store(tmp_path_factory.mktemp("oxigraph-load")) as base:
        yield base


@pytest.fixture(scope="module")
def loaded(oxigraph: str, dist: Path) -> subprocess.CompletedProcess[str]:
    """The release loaded once into the module's store, with a graph of its own there too."""
    post_triples(oxigraph, "https://example.org/not-the-release", [STRAY])
    return cbss_kg("load", "--endpoint", oxigraph + "/query", "--release", str(dist))


def test_load_reports_success(loaded, dist) -> None:
    assert loaded.returncode == 0, loaded.stderr
    graphs = release_graphs(dist)
    assert f"Loaded {len(graphs)} graphs" in loaded.stdout
    assert "triple count checked" in loaded.stdout
    for iri in graphs:
        assert f"replaced <{iri}>" in loaded.stdout


def test_every_graph_is_in_the_store_as_in_the_release(loaded, oxigraph, dist) -> None:
    graphs = release_graphs(dist)
    assert len(graphs) > 10
    assert store_graph_names(oxigraph) == set(graphs) | {"https://example.org/not-the-release"}
    for iri, graph in graphs.items():
        assert isomorphic(store_graph(oxigraph, iri), graph), iri


def test_the_ontology_goes_last_and_the_sources_first(loaded) -> None:
    order = [line.split("<")[1].split(">")[0] for line in loaded.stdout.splitlines()
             if line.startswith("replaced <")]
    assert order[-4:] == [str(GRAPH[n]) for n in ("editorial", "metadata", "inferred", "ontology")]
    assert all(iri.startswith(str(GRAPH["source/"])) for iri in order[:-4])


def test_loading_again_replaces_each_graph(loaded, oxigraph, dist) -> None:
    editorial = str(GRAPH["editorial"])
    post_triples(oxigraph, editorial, [STRAY])
    assert STRAY in store_graph(oxigraph, editorial)
    again = cbss_kg("load", "--endpoint", oxigraph + "/query", "--release", str(dist))
    assert again.returncode == 0, again.stderr
    graphs = release_graphs(dist)
    for iri, graph in graphs.items():
        stored = store_graph(oxigraph, iri)
        assert len(stored) == len(graph), iri
        assert isomorphic(stored, graph), iri
    assert STRAY not in store_graph(oxigraph, editorial)
    assert STRAY in store_graph(oxigraph, "https://example.org/not-the-release")


def test_graphs_are_counted_through_sparql(loaded, oxigraph, dist) -> None:
    counts = gsp.count_graphs(oxigraph + "/query", list(release_graphs(dist)))
    assert counts == {iri: len(graph) for iri, graph in release_graphs(dist).items()}


def test_a_dry_run_sends_nothing(dist, tmp_path) -> None:
    with oxigraph_store(tmp_path / "fresh") as base:
        run = cbss_kg("load", "--endpoint", base + "/query", "--release", str(dist), "--dry-run")
        assert store_graph_names(base) == set()
    assert run.returncode == 0, run.stderr
    graphs = release_graphs(dist)
    assert run.stdout.count(" triples  <") == len(graphs)
    for iri, graph in graphs.items():
        target = base + "/store?" + urllib.parse.urlencode({"graph": iri})
        assert f"{len(graph):>7,} triples  <{iri}>  → {target}" in run.stdout
    assert "nothing was sent" in run.stdout


def test_an_unreachable_store(dist) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    run = cbss_kg("load", "--endpoint", url, "--release", str(dist))
    assert run.returncode == 1
    assert f"cannot reach {url}" in run.stderr
    assert "Connection refused" in run.stderr


def test_a_store_refusing_the_graphs_says_why(loaded, oxigraph, dist) -> None:
    """A wrong graph store URL: the store's 404 message is passed on, nothing is replaced."""
    run = cbss_kg("load", "--endpoint", oxigraph + "/query", "--graph-store",
                  oxigraph + "/query", "--release", str(dist))
    assert run.returncode == 1
    assert "HTTP 404 Not Found: PUT /query is not supported by this server" in run.stderr
    assert "Replaced 0 of" in run.stderr


def test_no_release(tmp_path, oxigraph) -> None:
    run = cbss_kg("load", "--endpoint", oxigraph + "/query", "--release", str(tmp_path))
    assert run.returncode == 1
    assert "no release there; build one with cbss-kg build" in run.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--endpoint", "ftp://example.org/sparql"),
        ("--endpoint", "http://127.0.0.1:9/query", "--user", "dba"),
        ("--endpoint", "http://127.0.0.1:9/query", "--user", "dba", "--password", "x",
         "--token", "t"),
        (),
    ],
)
def test_usage_errors(args) -> None:
    run = cbss_kg("load", *args)
    assert run.returncode == 2, run.stderr


# --- stores that fail on purpose -----------------------------------------------------------------


@dataclass
class Scripted:
    """A loopback graph store: what it received, and how it answers."""

    url: str
    puts: list[str] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)


@contextmanager
def scripted_store(
    *, fail_at: int | None = None, basic: tuple[str, str] | None = None, server: str = "Sink/1"
) -> Iterator[Scripted]:
    """Accepts PUTs (and keeps nothing); the ``fail_at``-th answers 500 with a message; with
    ``basic``, PUTs need that user and password (HTTP Basic)."""
    state = Scripted("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return server

        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self.rfile.read(length)
            authorization = self.headers.get("Authorization")
            state.authorizations.append(authorization)
            if basic is not None:
                expected = "Basic " + base64.b64encode(":".join(basic).encode()).decode()
                if authorization != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            state.puts.append(query["graph"][0])
            if fail_at is not None and len(state.puts) == fail_at:
                body = b"<html><body><h1>Disk full</h1> no space left for the graph</body></html>"
                self.send_response(500)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/store"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_failure_midway_says_which_graphs_were_replaced(oxigraph, dist) -> None:
    with scripted_store(fail_at=4) as sink:
        run = cbss_kg("load", "--endpoint", oxigraph + "/query", "--graph-store", sink.url,
                      "--release", str(dist))
    assert run.returncode == 1
    assert "HTTP 500 Internal Server Error: Disk full no space left for the graph" in run.stderr
    assert f"refused <{sink.puts[3]}>" in run.stderr
    for iri in sink.puts[:3]:
        assert f"  replaced: <{iri}>" in run.stderr
    total = len(release_graphs(dist))
    assert f"Replaced 3 of {total} graphs; the other {total - 3} are as they were" in run.stderr
    assert len(sink.puts) == 4


def test_a_store_that_loses_graphs_is_caught_by_the_count(dist, tmp_path) -> None:
    """Graphs accepted by the graph store but not found through the SPARQL endpoint."""
    with oxigraph_store(tmp_path / "empty") as base, scripted_store() as sink:
        run = cbss_kg("load", "--endpoint", base + "/query", "--graph-store", sink.url,
                      "--release", str(dist))
    assert run.returncode == 1
    assert "The store's triple counts differ from the release's" in run.stderr
    ontology = release_graphs(dist)[str(GRAPH["ontology"])]
    assert f"<{GRAPH['ontology']}>: 0 in the store, {len(ontology):,} in the release" in run.stderr


def test_basic_authentication(oxigraph, dist) -> None:
    """The password from the environment; the graphs are counted in the module's store, which
    holds the release already."""
    with scripted_store(basic=("loader", "s3cret")) as sink:
        refused = cbss_kg("load", "--endpoint", oxigraph + "/query", "--graph-store", sink.url,
                          "--release", str(dist))
        assert sink.puts == []
        sent = subprocess.run(
            [str(SCRIPT), "load", "--endpoint", oxigraph + "/query", "--graph-store", sink.url,
             "--release", str(dist), "--user", "loader"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "CBSS_KG_STORE_PASSWORD": "s3cret"},
        )
    assert refused.returncode == 1
    assert "HTTP 401" in refused.stderr and "give credentials with --user" in refused.stderr
    assert sent.returncode == 0, sent.stderr
    assert len(sink.puts) == len(release_graphs(dist))
    assert "Basic " + base64.b64encode(b"loader:s3cret").decode() in sink.authorizations


def test_wrong_credentials(oxigraph, dist) -> None:
    with scripted_store(basic=("loader", "s3cret")) as sink:
        plan = gsp.plan(dist, oxigraph + "/query", graph_store=sink.url)
        report = gsp.load(plan, credentials=gsp.Credentials("loader", "guess"))
    assert report.replaced == []
    assert "HTTP 401" in report.failure and "the credentials were refused" in report.failure


def test_a_bearer_token(oxigraph, dist) -> None:
    with scripted_store() as sink:
        plan = gsp.plan(dist, oxigraph + "/query", graph_store=sink.url)
        report = gsp.load(plan, credentials=gsp.Credentials(token="t0ken"))
    assert report.replaced == list(plan.graphs)
    assert set(sink.authorizations) == {"Bearer t0ken"}


def test_an_unknown_store_needs_its_graph_store_named(dist) -> None:
    with scripted_store(server="Mystery/2.0") as sink:
        run = cbss_kg("load", "--endpoint", sink.url, "--release", str(dist))
    assert run.returncode == 1
    assert "the server says it is Mystery/2.0" in run.stderr
    assert "give it with --graph-store URL" in run.stderr


def test_the_graph_store_is_found_from_the_endpoint(oxigraph) -> None:
    assert gsp.find_graph_store(oxigraph + "/query", authenticated=False) == oxigraph + "/store"


def test_a_blank_node_in_two_graphs_is_refused(tmp_path) -> None:
    (tmp_path / "cbss-kg.nq").write_text(
        '_:b <https://example.org/p> "1" <https://example.org/g1> .\n'
        '_:b <https://example.org/p> "2" <https://example.org/g2> .\n',
        encoding="utf-8",
    )
    with pytest.raises(gsp.PublishError, match=r"blank node .* cannot be loaded one graph"):
        gsp.read_release(tmp_path)
