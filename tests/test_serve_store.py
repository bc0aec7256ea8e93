"""``cbss-kg serve --store URL``: the server on a real ``oxigraph serve`` holding the release,
answering as the same server on the embedded store does (answers compared parsed, not as bytes).

Both serve the fixture project with the fixture server's 2 s budget and 100-row cap.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest_server import ROW_LIMIT, TIMEOUT, Server, fixture_project, start_server, stop_server
from rdflib import BNode, Dataset, Graph
from rdflib.compare import isomorphic
from rdflib.query import Result
from servers import free_port, oxigraph_store

from cbss_kg import gsp
from cbss_kg.config import Project
from cbss_kg.queries import load_catalog
from cbss_kg.remote import with_dataset, with_limit
from cbss_kg.store import EmbeddedStore

SCRIPT = Path(sys.executable).with_name("cbss-kg")
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
BROWSER = {"Accept": "text/html"}
JSON_LD_SCRIPT = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.DOTALL)

SELECTS = {
    "labels": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?s ?label",
    "graphs": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "optional": "PREFIX org: <http://www.w3.org/ns/org#>\n"
    "SELECT ?m ?member ?role WHERE { ?m org:member ?member OPTIONAL { ?m org:role ?role } }",
    "ordered past the cap": "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s)) } "
    "ORDER BY ?s ?p ?o",
}
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
CONSTRUCT = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l FILTER(lang(?l) = 'lv') }"
)
DESCRIBE = "DESCRIBE <https://w3id.org/cbss-kg/id/state/LV>"
RESULT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?q ?r }"


@pytest.fixture(scope="module")
def endpoint(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oxigraph serve`` with the embedded server's release loaded; its query endpoint."""
    location = tmp_path_factory.mktemp("oxigraph-serve")
    with oxigraph_store(location, "--union-default-graph", "--timeout-s", "5") as base:
        run = subprocess.run(
            [str(SCRIPT), "load", "--endpoint", base + "/query", "--release", str(server.release)],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stderr
        yield base + "/query"


@pytest.fixture(scope="module")
def remote(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same project served with ``--store`` on the Oxigraph server."""
    project = fixture_project(tmp_path_factory.mktemp("serve-store") / "project")
    running = start_server(
        project, project.parent / "dist", "--timeout", str(TIMEOUT), "--row-limit",
        str(ROW_LIMIT), "--store", endpoint,
    )
    yield running
    stop_server(running)


def canonical_term(term):
    """Blank nodes all alike: each store names them its own way."""
    return BNode("b") if isinstance(term, BNode) else term


def parsed(response: httpx.Response) -> tuple[tuple[str, ...], list[tuple]] | bool:
    """A SELECT or ASK answer in any results format, as variables and sorted rows."""
    media_type = response.headers["content-type"].split(";")[0]
    fmt = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
           "text/csv": "csv", "text/tab-separated-values": "tsv"}[media_type]
    result = Result.parse(io.BytesIO(response.content), format=fmt)
    if result.type == "ASK":
        return bool(result.askAnswer)
    variables = tuple(str(v) for v in result.vars)
    rows = [tuple(canonical_term(row.get(v)) for v in result.vars) for row in result.bindings]
    return variables, sorted(rows, key=repr)


def sorted_json(value):
    """JSON with every list in a fixed order."""
    if isinstance(value, dict):
        return {k: sorted_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((sorted_json(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def page_text(server: Server, response: httpx.Response) -> str:
    """A page with its own address (which differs between the two servers) taken out, and its
    schema.org JSON-LD with lists in a fixed order (they follow the order the store answers in,
    which no query fixes)."""

    def canonical(match: re.Match) -> str:
        document = sorted_json(json.loads(match.group(2)))
        return match.group(1) + json.dumps(document, sort_keys=True) + match.group(3)

    text = response.text.replace(server.url, "http://server")
    return JSON_LD_SCRIPT.sub(canonical, text)


def graph_of(server: Server, response: httpx.Response) -> Graph:
    media_type = response.headers["content-type"].split(";")[0]
    if media_type == "application/ld+json":
        return server.jsonld(response.content)
    if media_type == "application/trig":
        dataset = Dataset()
        dataset.parse(data=response.content, format="trig")
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return Graph().parse(data=response.content, format=GRAPH_TYPES[media_type])


def test_health_counts_the_same_graph(server, remote) -> None:
    assert remote.get("/health").json()["triples"] == server.get("/health").json()["triples"]


@pytest.mark.parametrize("media_type", RESULT_TYPES)
@pytest.mark.parametrize("name", SELECTS)
def test_select_answers_alike(server, remote, name, media_type) -> None:
    params = {"query": SELECTS[name]}
    expected = server.get("/sparql", params=params, headers={"Accept": media_type})
    answer = remote.get("/sparql", params=params, headers={"Accept": media_type})
    assert answer.status_code == expected.status_code == 200, answer.text
    assert answer.headers["content-type"] == expected.headers["content-type"]
    assert parsed(answer) == parsed(expected)
    assert parsed(answer)[1]
    assert answer.headers.get("x-result-truncated") == expected.headers.get("x-result-truncated")


@pytest.mark.parametrize("media_type", RESULT_TYPES[:2])
def test_ask_answers_alike(server, remote, media_type) -> None:
    for query, truth in (("ASK { ?s ?p ?o }", True), ("ASK { ?s <urn:x:nothing> ?o }", False)):
        answer = remote.get("/sparql", params={"query": query}, headers={"Accept": media_type})
        expected = server.get("/sparql", params={"query": query}, headers={"Accept": media_type})
        assert parsed(answer) == parsed(expected) == truth


def assert_graphs_alike(server: Server, remote: Server, query: str, media_type: str) -> None:
    params = {"query": query}
    expected = server.get("/sparql", params=params, headers={"Accept": media_type})
    answer = remote.get("/sparql", params=params, headers={"Accept": media_type})
    assert answer.status_code == expected.status_code == 200, answer.text
    assert answer.headers["content-type"] == expected.headers["content-type"]
    graph = graph_of(remote, answer)
    assert len(graph) > 0
    assert isomorphic(graph, graph_of(server, expected))


@pytest.mark.parametrize("media_type", GRAPH_TYPES)
def test_construct_answers_alike(server, remote, media_type) -> None:
    assert_graphs_alike(server, remote, CONSTRUCT, media_type)


@pytest.mark.parametrize("media_type", GRAPH_TYPES)
def test_describe_answers_alike(server, remote, media_type) -> None:
    """Oxigraph's DESCRIBE is the embedded store's (which triples DESCRIBE gives is each
    store's own choice: Virtuoso's differ)."""
    assert_graphs_alike(server, remote, DESCRIBE, media_type)


def test_the_endpoints_answer_is_passed_on_as_it_wrote_it(remote, endpoint) -> None:
    """No cap reached: the bytes are the store's own, not a rewriting of them."""
    query = SELECTS["labels"]
    direct = httpx.post(endpoint, data={"query": query}, headers=JSON_RESULTS, timeout=30)
    answer = remote.get("/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert answer.content == direct.content


@pytest.mark.parametrize("media_type", RESULT_TYPES)
def test_the_row_cap_applies(server, remote, media_type) -> None:
    params = {"query": ALL}
    answer = remote.get("/sparql", params=params, headers={"Accept": media_type})
    expected = server.get("/sparql", params=params, headers={"Accept": media_type})
    assert answer.headers["x-result-truncated"] == expected.headers["x-result-truncated"] == "true"
    assert len(parsed(answer)[1]) == len(parsed(expected)[1]) == ROW_LIMIT


def test_a_query_under_the_cap_with_its_own_limit(server, remote) -> None:
    params = {"query": ALL + " LIMIT 7"}
    answer = remote.get("/sparql", params=params, headers=JSON_RESULTS)
    assert len(parsed(answer)[1]) == 7
    assert "x-result-truncated" not in answer.headers


@pytest.fixture(scope="module")
def named(server) -> dict:
    return {n: q for n, q in load_catalog(Project(server.release.parent / "project")).items()
            if q.kind == "cq"}


PARAMS = {"is-member": {"state": "id:state/LV"}, "projects-named-lv": {"name": "ADSTRINGO"}}


def test_every_named_query_answers_alike(server, remote, named) -> None:
    assert set(PARAMS) <= set(named)
    for name, query in named.items():
        fmt = "turtle" if query.form in ("construct", "describe") else "json"
        params = {**PARAMS.get(name, {}), "format": fmt}
        answer = remote.get(f"/api/{name}", params=params)
        expected = server.get(f"/api/{name}", params=params)
        assert answer.status_code == expected.status_code == 200, (name, answer.text)
        if fmt == "turtle":
            assert isomorphic(graph_of(remote, answer), graph_of(server, expected)), name
        else:
            assert parsed(answer) == parsed(expected), name


def test_a_named_query_with_a_bad_parameter(remote) -> None:
    answer = remote.get("/api/members-on-date", params={"date": "yesterday"})
    assert answer.status_code == 400


@pytest.mark.parametrize("path", ["/id/state/LV", "/id/org/cbss", "/id/project/adstringo"])
def test_an_entity_page_and_its_turtle(server, remote, path) -> None:
    for suffix in (".ttl", ".trig", ".jsonld"):
        answer, expected = remote.get(path + suffix), server.get(path + suffix)
        assert answer.status_code == expected.status_code == 200
        assert isomorphic(graph_of(remote, answer), graph_of(server, expected)), suffix
    page = remote.get(path, headers=BROWSER)
    assert page.status_code == 200
    assert page_text(remote, page) == page_text(server, server.get(path, headers=BROWSER))


def assert_pages_alike(server: Server, remote: Server, path: str) -> None:
    answer, expected = remote.get(path, headers=BROWSER), server.get(path, headers=BROWSER)
    assert answer.status_code == expected.status_code == 200
    assert page_text(remote, answer) == page_text(server, expected)


@pytest.mark.parametrize("path", ["/", "/api", "/downloads"])
def test_a_page_that_lists_the_graph(server, remote, path) -> None:
    assert_pages_alike(server, remote, path)


def test_a_syntax_error_carries_the_stores_message(remote) -> None:
    answer = remote.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p "},
                        headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "error at 1:" in answer.json()["message"]  # the query as written, not as capped


class Listener:
    """A loopback HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_service_and_load_never_reach_the_store(remote, endpoint) -> None:
    """Oxigraph would run SERVICE (it has no switch for it): the query must never get there."""
    listener = Listener()
    try:
        assert httpx.post(endpoint, data={"query": f"SELECT * {{ SERVICE <{listener.url}> {{}} }}"},
                          headers=JSON_RESULTS, timeout=30).status_code == 200
        assert len(listener.requests) == 1  # the probe: Oxigraph does federate
        for query in (
            f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ BIND(<{listener.url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ service <{listener.url}> {{ ?s ?p ?o }} }}",
        ):
            answer = remote.get("/sparql", params={"query": query}, headers=JSON_RESULTS)
            assert answer.status_code == 403, answer.text
            assert "SERVICE" in answer.json()["message"]
        assert remote.post("/sparql", data={"update": f"LOAD <{listener.url}>"}).status_code == 403
    finally:
        listener.close()
    assert len(listener.requests) == 1


def test_a_runaway_query_is_stopped_at_the_budget(remote) -> None:
    started = time.monotonic()
    answer = remote.get("/sparql", params={"query": RUNAWAY}, headers=JSON_RESULTS)
    elapsed = time.monotonic() - started
    assert answer.status_code == 503
    assert "2 s" in answer.text
    assert elapsed < TIMEOUT + 2
    assert remote.get("/health").status_code == 200


def test_a_store_without_the_release_is_refused(server, tmp_path) -> None:
    refusal = pytest.raises(gsp.PublishError, match="does not hold the release")
    with oxigraph_store(tmp_path / "empty", "--union-default-graph") as base, refusal as refused:
        gsp.open_store(base + "/query", server.release)
    assert f"cbss-kg load --endpoint {base}/query" in str(refused.value)


def test_a_store_without_the_union_default_graph_is_refused(server, tmp_path) -> None:
    with oxigraph_store(tmp_path / "plain") as base:
        loaded = subprocess.run(
            [str(SCRIPT), "load", "--endpoint", base + "/query", "--release", str(server.release)],
            capture_output=True, text=True, timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        with pytest.raises(gsp.PublishError, match="--union-default-graph"):
            gsp.open_store(base + "/query", server.release)


def test_serve_with_an_unreachable_store(tmp_path) -> None:
    project = fixture_project(tmp_path / "project")
    url = f"http://127.0.0.1:{free_port()}/query"
    run = subprocess.run(
        [str(SCRIPT), "serve", "--port", str(free_port()), "--release", str(tmp_path / "dist"),
         "--store", url],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 1
    assert f"cannot reach {url}" in run.stderr
    assert "Traceback" not in run.stderr


# --- what RemoteStore writes into a query, checked on the embedded store -------------------------

GRAPH_A, GRAPH_B = "https://example.org/graph/a", "https://example.org/graph/b"
EX = "https://example.org/"


@pytest.fixture(scope="module")
def small_store() -> Iterator[EmbeddedStore]:
    """Two named graphs, a node in both, and a default graph of its own."""
    dataset = Dataset()
    dataset.parse(data=f"""
        <{EX}x> <{EX}p> 1, 2 . <{EX}x> <{EX}q> <{EX}y> .
        <{GRAPH_A}> {{ <{EX}a> <{EX}p> 3 . <{EX}x> <{EX}p> 4 . }}
        <{GRAPH_B}> {{ <{EX}b> <{EX}p> 5, 6, 7 . <{EX}x> <{EX}q> <{EX}z> . }}
    """, format="trig")
    with EmbeddedStore.from_dataset(dataset, workers=1) as store:
        yield store


REWRITTEN = [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT (EXISTS { ?a ?b 5 } AS ?five) ?s { ?s ?p ?o }",
    f"SELECT ?s FROM <{GRAPH_B}> WHERE {{ ?s ?p ?o }}",
    f"SELECT ?s ?g FROM NAMED <{GRAPH_A}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?s",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } { GRAPH ?g { ?s ?p ?o } }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "ASK { ?s ?p 5 }",
    f"DESCRIBE <{EX}x>",
    "SELECT ?s WHERE { ?s ?p ?o } VALUES ?o { 4 5 }",
    "SELECT ?s # the subject\nWHERE { ?s ?p ?o }",
]
DATASETS = [([GRAPH_A], []), ([GRAPH_A, GRAPH_B], [GRAPH_B]), ([], [GRAPH_A, GRAPH_B])]


def answer(result) -> object:
    if result.form == "ask":
        return result.boolean
    if result.form == "graph":
        return sorted(map(repr, result.triples))
    return sorted(repr(sorted(row.items())) for row in result.rows)


@pytest.mark.parametrize("text", REWRITTEN)
@pytest.mark.parametrize(("default", "named"), DATASETS)
def test_the_protocol_dataset_written_as_from_clauses(small_store, text, default, named) -> None:
    """The query with FROM / FROM NAMED in place of its own answers as the protocol's dataset."""
    expected = small_store.query(text, default_graphs=default, named_graphs=named, timeout=None)
    written = small_store.query(with_dataset(text, default, named), timeout=None)
    assert answer(written) == answer(expected)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o",
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(?o) LIMIT 50",
        "SELECT ?o WHERE { { SELECT ?o WHERE { ?s ?p ?o } LIMIT 1 } UNION { ?s ?p ?o } }\n"
        "ORDER BY ?o",
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o OFFSET 1",
        f"SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?o VALUES ?g {{ <{GRAPH_B}> }}",
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o # the end",
    ],
)
def test_the_row_cap_written_as_a_limit(small_store, text) -> None:
    """A cap of 2: the first rows of the query as written, in order."""
    full = small_store.query(text, timeout=None).rows
    assert len(full) > 2
    assert small_store.query(with_limit(text, 2), timeout=None).rows == full[:2]


def test_a_lower_limit_of_the_query_is_kept() -> None:
    text = "SELECT ?o WHERE { ?s ?p ?o } LIMIT 1"
    assert with_limit(text, 5) == text
