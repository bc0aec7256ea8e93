"""Remote endpoints through SPARQLWrapper: a real Oxigraph server on 127.0.0.1 holding the fixture,
and small loopback HTTP servers for busy, failing and slow endpoints."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from servers import free_port, oxigraph

from cbss_kg import __version__
from cbss_kg.config import Project
from cbss_kg.queries import Query, QueryRejected, QuerySyntaxError, QueryTimeout, bind, load_catalog
from cbss_kg.remote import RemoteError, query_endpoint
from cbss_kg.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "store" / "project"
DATA = FIXTURE / "data" / "council.trig"
LATVIA = URIRef("https://w3id.org/cbss-kg/id/state/LV")
NASTY = [
    '"',
    "\\u0022",
    '\\"',
    ">",
    "}",
    "#",
    "\n",
    "' ||",
    'zzz" || true || "',
    "zzz\\u0022 || true || \\u0022",
    '""" ) } UNION { ?state ?p ?o } #',
]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``oxigraph serve-read-only`` over the fixture, the default graph being the union."""
    with oxigraph(tmp_path_factory.mktemp("oxigraph"), [DATA], "--union-default-graph") as url:
        yield url


@pytest.fixture(scope="module")
def catalog() -> dict[str, Query]:
    return load_catalog(Project(FIXTURE))


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    dataset = Dataset(default_union=True)
    dataset.parse(DATA, format="trig")
    with EmbeddedStore.from_dataset(dataset, workers=1) as opened:
        yield opened


def rows(result) -> set[tuple]:
    return {tuple(sorted(row.items())) for row in result.rows}


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("members-on-date", {"date": "1993-01-01"}),
        ("members-on-date", {"date": "2023-01-01"}),
        ("labels", {"thing": "id:state/LV", "language": "lv"}),
        ("labels", {"thing": "id:org/cbss"}),
        ("state-by-label", {"name": "Iceland"}),
    ],
)
def test_endpoint_answers_as_the_embedded_store(endpoint, store, catalog, name, params) -> None:
    query = catalog[name]
    bindings = bind(query, params)
    remote = query_endpoint(endpoint, query.text, bindings=bindings)
    assert remote.variables == store.query(query.text).variables
    assert rows(remote) == rows(store.query(query.text, bindings=bindings))
    assert remote.rows


def test_terms_come_back_as_rdflib_terms(endpoint, catalog) -> None:
    query = catalog["labels"]
    result = query_endpoint(endpoint, query.text, bindings=bind(query, {"thing": "id:state/LV"}))
    assert {"thing": LATVIA, "label": Literal("Latvija", lang="lv")} in result.rows


def test_ask_and_construct(endpoint, catalog) -> None:
    ask = catalog["is-member"]
    assert query_endpoint(endpoint, ask.text, bindings=bind(ask, {})).boolean is True
    assert (
        query_endpoint(endpoint, ask.text, bindings=bind(ask, {"state": "id:org/cbss"})).boolean
        is False
    )
    view = catalog["description"]
    graph = query_endpoint(endpoint, view.text, bindings=bind(view, {}))
    assert graph.form == "graph"
    assert (
        LATVIA,
        URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
        Literal("Latvia", lang="en"),
    ) in graph.triples
    assert len(graph.triples) == 3


@pytest.mark.parametrize("value", NASTY)
def test_values_never_become_query_syntax(endpoint, catalog, value: str) -> None:
    query = catalog["state-by-label"]
    assert query_endpoint(endpoint, query.text, bindings=bind(query, {"name": value})).rows == []


def test_the_injection_probe_finds_what_it_should(endpoint, catalog) -> None:
    query = catalog["state-by-label"]
    result = query_endpoint(endpoint, query.text, bindings=bind(query, {"name": "Latvia"}))
    assert result.rows == [{"state": LATVIA}]


def test_syntax_error_carries_the_endpoint_message(endpoint) -> None:
    with pytest.raises(QuerySyntaxError, match=r"refused the query: .*error at 1:"):
        query_endpoint(endpoint, "SELECT ?s WHERE { ?s ?p ?o ")


def test_updates_are_not_sent(endpoint) -> None:
    with pytest.raises(QueryRejected):
        query_endpoint(endpoint, "INSERT DATA { <http://a.org/s> <http://a.org/p> 1 }")


def test_unreachable_endpoint() -> None:
    with pytest.raises(RemoteError, match=r"cannot reach http://127\.0\.0\.1:"):
        query_endpoint(f"http://127.0.0.1:{free_port()}/sparql", "ASK { ?s ?p ?o }", timeout=5)


# --- busy, failing and slow endpoints -----------------------------------------------------------


ANSWER = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]}}
).encode()


@contextmanager
def scripted(statuses: list[int], delay: float = 0.0) -> Iterator[tuple[str, list[dict]]]:
    """An endpoint answering each request with the next status of ``statuses`` (then 200)."""
    seen: list[dict] = []
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            status = statuses[len(seen) - 1] if len(seen) <= len(statuses) else 200
            if delay:
                release.wait(delay)
            self.send_response(status)
            if status != 200:
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(ANSWER)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", seen
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_busy_endpoints_are_retried_politely() -> None:
    with scripted([503, 429]) as (url, seen):
        result = query_endpoint(url, "SELECT ?x WHERE { ?x ?p ?o }")
    assert result.rows == [{"x": Literal("ok")}]
    assert len(seen) == 3
    assert all(
        h["User-Agent"] == f"cbss-kg/{__version__} (+https://w3id.org/cbss-kg/)" for h in seen
    )
    assert "application/sparql-results+json" in seen[0]["Accept"]


def test_retries_end() -> None:
    with scripted([503] * 10) as (url, seen), pytest.raises(RemoteError, match="HTTP 503"):
        query_endpoint(url, "ASK { ?s ?p ?o }", retries=2)
    assert len(seen) == 3


def test_other_http_errors_are_not_retried() -> None:
    with scripted([403]) as (url, seen), pytest.raises(RemoteError, match="HTTP 403"):
        query_endpoint(url, "ASK { ?s ?p ?o }")
    assert len(seen) == 1


def test_a_slow_endpoint_times_out() -> None:
    slow = scripted([], delay=5.0)
    with slow as (url, _), pytest.raises(QueryTimeout, match=r"did not answer within 0\.5 s"):
        query_endpoint(url, "ASK { ?s ?p ?o }", timeout=0.5)
