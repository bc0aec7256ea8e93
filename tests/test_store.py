"""The embedded store on a real pyoxigraph store: binding, datasets, screening, formats, the row
cap, and a time budget that really stops a query while other queries keep being answered."""

from __future__ import annotations

import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from cbss_kg.config import Project
from cbss_kg.queries import Query, bind, load_catalog
from cbss_kg.store import (
    EmbeddedStore,
    LocalStore,
    NotAcceptable,
    QueryError,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    StoreLoadError,
    check_syntax,
)

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "store" / "project"
ID = "https://w3id.org/cbss-kg/id/"
GRAPH = "https://w3id.org/cbss-kg/graph/"
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
STATES = {name: URIRef(ID + "state/" + name) for name in ("LV", "EE", "RU", "IS")}

NASTY = [
    '"',
    "\\u0022",
    '\\"',
    ">",
    "}",
    "#",
    "\n",
    "' ||",
    "'''",
    '"""',
    "\\",
    'zzz" || true || "',
    "zzz\\u0022 || true || \\u0022",
    'Latvia" || "1" = "1',
    '"} ?s ?p ?o {"',
    '""" ) } UNION { ?state ?p ?o } #',
    'Latvia" . } GRAPH ?g { ?state ?p ?o } FILTER ("',
]
"""Values that would end a string or a group if they were pasted into the query text."""


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    data = Dataset(default_union=True)
    data.parse(FIXTURE / "data" / "council.trig", format="trig")
    return data


@pytest.fixture(scope="module")
def store(dataset: Dataset) -> Iterator[EmbeddedStore]:
    with EmbeddedStore.from_dataset(dataset) as opened:
        yield opened


@pytest.fixture(scope="module")
def catalog() -> dict[str, Query]:
    return load_catalog(Project(FIXTURE))


@pytest.fixture(scope="module")
def heavy() -> Iterator[EmbeddedStore]:
    """A few thousand triples and a 2,000-node cycle: enough for queries that run for minutes."""
    lines = [f'<http://e.org/s{i}> <http://e.org/p> "a{i}" <http://e.org/g> .' for i in range(3000)]
    lines += [
        f"<http://e.org/n{i}> <http://e.org/next> <http://e.org/n{(i + 1) % 2000}> <http://e.org/c>."
        for i in range(2000)
    ]
    with EmbeddedStore("\n".join(lines).encode(), workers=2) as opened:
        yield opened


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def labels(result) -> list[str]:
    return [str(row["label"]) for row in result.rows]


# --- loading -------------------------------------------------------------------------------------


def test_holds_every_quad(store: EmbeddedStore, dataset: Dataset) -> None:
    assert len(store) == len(list(dataset.quads()))


def test_open_release(tmp_path: Path, dataset: Dataset) -> None:
    (tmp_path / "cbss-kg.nq").write_bytes(dataset.serialize(format="nquads", encoding="utf-8"))
    with EmbeddedStore.open_release(tmp_path, workers=1) as opened:
        assert len(opened) == len(list(dataset.quads()))
        assert opened.query("ASK { ?s ?p ?o }").boolean is True


def test_open_release_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(
        StoreLoadError, match=r"cbss-kg\.nq: cannot read the release.*cbss-kg build"
    ):
        EmbeddedStore.open_release(tmp_path)
    (tmp_path / "cbss-kg.nq").write_text("<http://a> <http://b> .\n", encoding="utf-8")
    with pytest.raises(StoreLoadError, match=r"cbss-kg\.nq: .*line 1"):
        EmbeddedStore.open_release(tmp_path)


# --- query forms and results ----------------------------------------------------------------------


def test_select(store: EmbeddedStore) -> None:
    result = store.query(SKOS + 'SELECT ?state WHERE { ?state skos:prefLabel "Latvia"@en }')
    assert result.form == "select" and result.variables == ("state",)
    assert result.rows == [{"state": STATES["LV"]}]


def test_unbound_variables_are_missing_keys(store: EmbeddedStore) -> None:
    text = (
        SKOS
        + "SELECT ?state ?none WHERE { ?state skos:prefLabel 'Latvia'@en "
        + "OPTIONAL { ?state <http://x.org/none> ?none } }"
    )
    assert store.query(text).rows == [{"state": STATES["LV"]}]


def test_ask_construct_describe(store: EmbeddedStore) -> None:
    assert store.query("ASK { ?s ?p 'Latvija'@lv }").boolean is True
    assert store.query("ASK { ?s ?p 'Latvia'@lv }").boolean is False
    graph = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{STATES['LV']}> AS ?s) ?s ?p ?o }}"
    )
    assert graph.form == "graph" and len(graph.triples) == 3
    described = store.query(f"DESCRIBE <{STATES['LV']}>")
    assert {t[2] for t in described.triples} >= {Literal("Latvija", lang="lv")}


def test_in_process_without_a_budget(store: EmbeddedStore) -> None:
    result = store.query(SKOS + "SELECT ?l WHERE { ?s skos:prefLabel ?l }", timeout=None)
    assert len(result.rows) == 10


def test_syntax_error_carries_the_parser_message(store: EmbeddedStore) -> None:
    with pytest.raises(QuerySyntaxError, match=r"1:\d+") as caught:
        store.query("SELECT ?s WHERE { ?s ?p ?o ")
    assert "expected" in str(caught.value)


# --- parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("1990-01-01", []),
        ("1993-01-01", ["Estonia", "Latvia", "Russia"]),
        ("2000-01-01", ["Estonia", "Iceland", "Latvia", "Russia"]),
        ("2022-05-17", ["Estonia", "Iceland", "Latvia"]),
    ],
)
def test_a_parameter_reaches_filters_in_nested_groups(store, catalog, date, expected) -> None:
    """?date is not projected and is compared inside GRAPH { }: it must hold everywhere."""
    query = catalog["members-on-date"]
    result = store.query(query.text, bindings=bind(query, {"date": date}))
    assert labels(result) == expected


def test_projected_and_unprojected_parameters_together(store, catalog) -> None:
    query = catalog["labels"]
    result = store.query(
        query.text, bindings=bind(query, {"thing": "id:state/LV", "language": "lv"})
    )
    assert result.rows == [{"thing": STATES["LV"], "label": Literal("Latvija", lang="lv")}]
    every = store.query(query.text, bindings=bind(query, {"thing": "id:state/LV"}))
    assert labels(every) == ["Latvia", "Latvija"]


def test_parameters_of_ask_and_construct(store, catalog) -> None:
    ask = catalog["is-member"]
    assert store.query(ask.text, bindings=bind(ask, {})).boolean is True
    assert store.query(ask.text, bindings=bind(ask, {"state": "id:org/cbss"})).boolean is False
    view = catalog["description"]
    graph = store.query(view.text, bindings=bind(view, {"thing": "id:state/IS"}))
    assert {t[0] for t in graph.triples} == {STATES["IS"]}
    assert len(graph.triples) == 3


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("members-on-date", {"date": "1993-01-01"}),
        ("members-on-date", {}),
        ("labels", {"thing": "id:org/cbss", "language": "en"}),
        ("labels", {"thing": "id:state/EE"}),
        ("state-by-label", {"name": "Iceland"}),
    ],
)
def test_same_answers_as_rdflib_with_init_bindings(store, dataset, catalog, name, params) -> None:
    """The checks run on rdflib; a parameter must mean the same on both engines."""
    query = catalog[name]
    bindings = bind(query, params)
    ours = {tuple(sorted(row.items())) for row in store.query(query.text, bindings=bindings).rows}
    theirs = {
        tuple(sorted((str(k), v) for k, v in row.asdict().items()))
        for row in dataset.query(query.text, initBindings=bindings)
    }
    assert ours == theirs and ours


@pytest.mark.parametrize("value", NASTY)
def test_values_never_become_query_syntax(store, catalog, value: str) -> None:
    query = catalog["state-by-label"]
    assert store.query(query.text, bindings=bind(query, {"name": value})).rows == []
    languages = catalog["labels"]
    bound = bind(languages, {"thing": "id:state/LV", "language": value})
    assert store.query(languages.text, bindings=bound).rows == []


@pytest.mark.parametrize("value", NASTY)
def test_values_of_projected_variables_never_become_syntax(store: EmbeddedStore, value) -> None:
    text = SKOS + "SELECT ?name ?state WHERE { ?state skos:prefLabel ?l FILTER (STR(?l) = ?name) }"
    assert store.query(text, bindings={"name": Literal(value)}).rows == []


def test_the_injection_probe_finds_what_it_should(store, catalog) -> None:
    """The control for the two tests above: a real name is found, so empty means refused."""
    query = catalog["state-by-label"]
    assert store.query(query.text, bindings=bind(query, {"name": "Latvia"})).rows == [
        {"state": STATES["LV"]}
    ]


def test_blank_nodes_and_bad_names_cannot_be_bound(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="bad binding"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o": Literal("x"), "a b": Literal(1)})


# --- datasets -----------------------------------------------------------------------------------


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(result) -> int:
    return int(result.rows[0]["n"])


def test_default_graph_is_the_union_unless_asked_otherwise(store, dataset) -> None:
    assert count(store.query(COUNT)) == len(list(dataset.quads()))
    assert count(store.query(COUNT, union_default_graph=False)) == 0


def test_protocol_dataset(store, dataset) -> None:
    iceland = GRAPH + "iceland"
    size = len(dataset.graph(URIRef(iceland)))
    assert count(store.query(COUNT, default_graphs=[iceland])) == size
    named = store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[iceland]
    )
    assert named.rows == [{"g": URIRef(iceland)}]
    assert count(store.query(COUNT, named_graphs=[iceland])) == 0  # no default graph given


def test_from_in_the_query_wins_over_the_union(store, dataset) -> None:
    iceland = GRAPH + "iceland"
    text = f"SELECT (COUNT(*) AS ?n) FROM <{iceland}> WHERE {{ ?s ?p ?o }}"
    assert count(store.query(text)) == len(dataset.graph(URIRef(iceland)))


# --- what is never run --------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            self.wfile.write(b"<http://evil.org/a> <http://evil.org/b> <http://evil.org/c> .\n")

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "select * where { service silent <{url}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { BIND (<{url}/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "ASK { ?a ?b ?c FILTER EXISTS { SERVICE <{url}/sparql> { ?s ?p ?o } } }",
        "LOAD <{url}/data.ttl>",
        "INSERT DATA { <{url}/a> <{url}/b> <{url}/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
    ],
)
@pytest.mark.parametrize("timeout", [10.0, None])
def test_network_and_updates_are_rejected_before_running(store, listener, text, timeout) -> None:
    url, hits = listener
    before = len(store)
    with pytest.raises(QueryRejected):
        store.query(text.replace("{url}", url), timeout=timeout)
    assert hits == [] and len(store) == before


def test_escaped_service_keyword_is_a_syntax_error(store, listener) -> None:
    url, hits = listener
    with pytest.raises(QuerySyntaxError):
        store.query(f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}")
    assert hits == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <{url}/x.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <{url}/x.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    ],
)
def test_from_never_fetches(store, listener, text: str) -> None:
    url, hits = listener
    assert store.query(text.replace("{url}", url)).rows == []
    assert hits == []


@pytest.mark.parametrize(
    "text",
    [
        "ASK { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "ASK FROM <{url}/x.ttl> WHERE { ?s ?p ?o }",
        "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } }",
        "DESCRIBE ?x WHERE { SERVICE <{url}/sparql> { ?x ?p ?o } }",
    ],
)
def test_checking_syntax_runs_nothing(listener, text: str) -> None:
    """The catalogue's syntax check parses with the store's parser; even ASK, which pyoxigraph
    answers at once, is only parsed."""
    url, hits = listener
    check_syntax(text.replace("{url}", url))
    assert hits == []


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o ", 1, 28),
        ("ASK { ?s ?p ?o ", 1, 16),
        ("  ASK {?s ?p }", 1, 15),
        ("PREFIX x: <http://x/>\nASK\n{ ?s ?p }", 3, 10),
        ("SELECT * WHERE { ?s nosuch:p ?o }", 1, 29),
        ("SELECT * WHERE { service silent <http://x/> { ?s ?p } }", 1, 55),
    ],
)
def test_a_syntax_error_says_where(text: str, line: int, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        check_syntax(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value) and "error at" not in str(caught.value)


def test_the_project_prefixes_need_no_declaring() -> None:
    check_syntax("SELECT * WHERE { ?s skos:prefLabel ?o ; a cbss:State }")


# --- serialized results ---------------------------------------------------------------------------


LABELS = SKOS + "SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label } ORDER BY ?label"
GRAPH_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}iceland> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize(
    ("media_type", "content_type", "parser"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "xml"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", "tsv"),
        ("application/json", "application/sparql-results+json", "json"),
    ],
)
def test_select_results_formats(store, media_type, content_type, parser) -> None:
    body, served, truncated = store.query_serialized(LABELS, media_type=media_type)
    assert (served, truncated) == (content_type, False)
    rows = [
        {str(k): v for k, v in r.asdict().items()}
        for r in Result.parse(io.BytesIO(body), format=parser)
    ]
    assert rows == store.query(LABELS).rows


def test_csv_results(store: EmbeddedStore) -> None:
    body, served, _ = store.query_serialized(LABELS, media_type="text/csv")
    assert served == "text/csv; charset=utf-8"
    lines = body.decode().split("\r\n")
    assert lines[0] == "thing,label"
    assert f"{ID}state/RU,Krievija" in lines


@pytest.mark.parametrize(
    ("media_type", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_graph_formats(store, media_type: str, parser: str) -> None:
    body, served, _ = store.query_serialized(GRAPH_QUERY, media_type=media_type)
    assert served.split(";")[0] == media_type
    expected = Graph()
    for triple in store.query(GRAPH_QUERY).triples:
        expected.add(triple)
    if parser in ("trig", "nquads"):
        read = Dataset()
        read.parse(data=body.decode(), format=parser)
        got = Graph()
        for s, p, o, _ in read.quads():
            got.add((s, p, o))
    else:
        got = Graph().parse(data=body.decode(), format=parser)
    assert len(expected) == 7 and isomorphic(got, expected)


def test_turtle_uses_the_project_prefixes(store: EmbeddedStore) -> None:
    body, _, _ = store.query_serialized(GRAPH_QUERY, media_type="text/turtle")
    assert b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> ." in body
    assert b"@prefix wdt:" not in body  # only the prefixes the graph uses


@pytest.mark.parametrize(
    ("accept", "text", "content_type"),
    [
        (
            "text/html, application/sparql-results+xml;q=0.9, */*;q=0.1",
            LABELS,
            "application/sparql-results+xml",
        ),
        ("*/*", LABELS, "application/sparql-results+json"),
        ("*/*", GRAPH_QUERY, "text/turtle; charset=utf-8"),
        ("text/*", GRAPH_QUERY, "text/turtle; charset=utf-8"),
        ("application/json", GRAPH_QUERY, "application/ld+json"),
        ("application/sparql-results+json;q=0, text/csv", LABELS, "text/csv; charset=utf-8"),
        ("application/sparql-results+json", "ASK { ?s ?p ?o }", "application/sparql-results+json"),
    ],
)
def test_accept_headers(store, accept: str, text: str, content_type: str) -> None:
    assert store.query_serialized(text, media_type=accept)[1] == content_type


@pytest.mark.parametrize(
    ("accept", "text"), [("text/turtle", LABELS), ("text/csv", GRAPH_QUERY), ("image/png", LABELS)]
)
def test_unsuitable_media_types_are_refused(store, accept: str, text: str) -> None:
    with pytest.raises(NotAcceptable, match="available"):
        store.query_serialized(text, media_type=accept)


def test_ask_serialized(store: EmbeddedStore) -> None:
    body, _, _ = store.query_serialized(
        "ASK { ?s ?p 'Latvija'@lv }", media_type="application/sparql-results+json"
    )
    assert json.loads(body) == {"head": {}, "boolean": True}


# --- the row cap ----------------------------------------------------------------------------------


def test_row_cap(store: EmbeddedStore) -> None:
    capped = store.query(LABELS, row_limit=3)
    assert len(capped.rows) == 3 and capped.truncated
    assert capped.rows == store.query(LABELS).rows[:3]
    assert not store.query(LABELS, row_limit=10).truncated
    body, _, truncated = store.query_serialized(
        LABELS, media_type="application/sparql-results+json", row_limit=4
    )
    assert truncated and len(json.loads(body)["results"]["bindings"]) == 4
    graph = store.query(GRAPH_QUERY, row_limit=2)
    assert len(graph.triples) == 2 and graph.truncated


# --- the time budget ------------------------------------------------------------------------------

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
REGEX = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a <http://e.org/p> ?x . ?b <http://e.org/p> ?y . "
    '?c <http://e.org/p> ?z FILTER (REGEX(CONCAT(?x, ?y, ?z), "^(a+|a[0-9]+)+$")) }'
)
PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?a (<http://e.org/next>|^<http://e.org/next>)+ ?b }"


@pytest.mark.parametrize("text", [CARTESIAN, REGEX, PATH], ids=["cartesian", "regex", "path"])
def test_a_runaway_query_is_stopped_at_its_deadline(heavy: EmbeddedStore, text: str) -> None:
    """Each of these runs for minutes unchecked; pyoxigraph's regex is linear, so the regex
    case is a regex over a cartesian product."""
    before = set(heavy.worker_pids)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time budget of 1 s"):
        heavy.query(text, timeout=1.0)
    assert time.monotonic() - started < 4.0
    stopped = before - set(heavy.worker_pids)
    assert len(stopped) == 1 and not any(alive(pid) for pid in stopped)
    assert wait_until(lambda: len(heavy.worker_pids) == 2)
    assert heavy.query("ASK { ?s ?p 'a1' }").boolean is True


def test_other_queries_are_answered_while_one_runs_away(heavy: EmbeddedStore) -> None:
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            heavy.query(CARTESIAN, timeout=3.0)
        except QueryTimeout as error:
            outcome.append(error)

    assert wait_until(lambda: len(heavy.worker_pids) == 2)
    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    answers = [heavy.query("ASK { ?s ?p 'a7' }", timeout=2.0).boolean for _ in range(20)]
    still_running = thread.is_alive()
    thread.join()
    assert answers == [True] * 20
    assert still_running, "the runaway query ended before the quick ones were answered"
    assert len(outcome) == 1


def test_waiting_for_a_busy_worker_counts_against_the_budget() -> None:
    lines = [f'<http://e.org/s{i}> <http://e.org/p> "{i}" .' for i in range(2000)]
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            single.query(CARTESIAN, timeout=3.0)
        except QueryTimeout as error:
            outcome.append(error)

    with EmbeddedStore("\n".join(lines).encode(), workers=1) as single:
        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.3)
        with pytest.raises(QueryTimeout, match="no query worker was free"):
            single.query("ASK { ?s ?p ?o }", timeout=0.5)
        thread.join()
    assert len(outcome) == 1


def test_many_threads_at_once(store: EmbeddedStore, catalog) -> None:
    query = catalog["members-on-date"]
    cases = {"1993-01-01": 3, "2000-01-01": 4, "2023-01-01": 3, "1980-01-01": 0}
    failures: list[str] = []

    def worker(seed: int) -> None:
        for i in range(25):
            date = list(cases)[(seed + i) % len(cases)]
            result = store.query(query.text, bindings=bind(query, {"date": date}))
            if len(result.rows) != cases[date]:
                failures.append(f"{date}: {len(result.rows)}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# --- shutting down --------------------------------------------------------------------------------


def test_close_stops_every_worker(dataset: Dataset) -> None:
    opened = EmbeddedStore.from_dataset(dataset)
    assert wait_until(lambda: len(opened.worker_pids) == 2)
    pids = opened.worker_pids
    assert all(alive(pid) for pid in pids)
    opened.close()
    assert opened.worker_pids == ()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(QueryError, match="closed"):
        opened.query("ASK { ?s ?p ?o }")
    opened.close()  # idempotent


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from cbss_kg.store import EmbeddedStore\n"
        "store = EmbeddedStore(b'<http://a.org/s> <http://a.org/p> <http://a.org/o>.', workers=2)\n"
        "while len(store.worker_pids) < 2: time.sleep(0.05)\n"
        "print(' '.join(map(str, store.worker_pids)), flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    assert wait_until(lambda: not any(alive(pid) for pid in pids), timeout=10)


# --- writing RDF text ----------------------------------------------------------------------------

_NQUADS = (
    b'<http://e.org/a> <http://e.org/p> "x"@en <http://e.org/g1> .\n'
    b'<http://e.org/a> <http://e.org/p> "two\\nlines" <http://e.org/g1> .\n'
    b"<http://e.org/a> <http://e.org/q> _:b1 <http://e.org/g1> .\n"
    b'_:b1 <http://e.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://e.org/g1> .\n'
    b"<http://e.org/b> <http://e.org/p> <http://e.org/a> <http://e.org/g2> .\n"
)


def test_reserialize_keeps_each_graph_and_groups_by_subject() -> None:
    from cbss_kg.store import reserialize

    trig = reserialize(_NQUADS, "trig", {"e": "http://e.org/"}).decode()
    assert trig.count("\te:a ") == 1  # one subject, its statements grouped
    assert "e:g1 {" in trig and "e:g2 {" in trig
    parsed = Dataset()
    parsed.parse(data=trig, format="trig")
    expected = Dataset()
    expected.parse(data=_NQUADS.decode(), format="nquads")
    for name in ("http://e.org/g1", "http://e.org/g2"):
        assert isomorphic(parsed.graph(URIRef(name)), expected.graph(URIRef(name))), name
    turtle = reserialize(_NQUADS, "turtle", {"e": "http://e.org/"}).decode()
    union = Graph()
    for graph in expected.graphs():
        union += graph
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), union)
    assert isomorphic(Graph().parse(data=reserialize(_NQUADS, "rdfxml", {}), format="xml"), union)


def test_reserialize_refuses_an_unknown_format_or_bad_text() -> None:
    from cbss_kg.store import reserialize

    with pytest.raises(ValueError, match="unknown serialization"):
        reserialize(_NQUADS, "n3", {})
    with pytest.raises(ValueError, match="not N-Quads"):
        reserialize(b"<http://e.org/a> <http://e.org/p> .\n", "turtle", {})


# The in-process store the pipeline's stages share ----------------------------------------------


@pytest.fixture()
def local_store() -> LocalStore:
    dataset = Dataset()
    for name, count in (("a", 3), ("b", 2)):
        graph = dataset.graph(URIRef(GRAPH + name))
        for n in range(count):
            graph.add((URIRef(f"{ID}thing/{name}{n}"), URIRef(ID + "p"), Literal(n)))
    return LocalStore.from_dataset(dataset)


def test_local_store_reads_the_named_graphs_it_is_given_as_the_default_graph(local_store):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    assert local_store.rows(query) == []  # the default graph itself holds nothing
    assert len(local_store.rows(query, union=True)) == 5
    only_b = local_store.rows(query, graphs=[GRAPH + "b"])
    assert sorted(str(row["s"]) for row in only_b) == [f"{ID}thing/b0", f"{ID}thing/b1"]
    assert len(local_store.rows(query, graphs=[GRAPH + "a", GRAPH + "b"])) == 5


def test_local_store_reads_no_more_rows_than_the_limit(local_store):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    assert len(local_store.rows(query, union=True, limit=2)) == 2
    assert len(local_store.rows(query, union=True, limit=10)) == 5
    everything = {str(row["s"]) for row in local_store.rows(query, union=True)}
    assert {str(row["s"]) for row in local_store.rows(query, union=True, limit=3)} < everything
