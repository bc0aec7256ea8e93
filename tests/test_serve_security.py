"""The server's defences, each shown working against a running server.

Read-only endpoint, no outbound traffic, an enforced time budget with other clients served
meanwhile, row and body caps, no path escapes, parameters bound as terms, steady under load.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest_server import ROW_LIMIT, TIMEOUT

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def count(server) -> int:
    data = server.get("/sparql", params={"query": COUNT}, headers=JSON_RESULTS).json()
    return int(data["results"]["bindings"][0]["n"]["value"])


def rows(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


# Read-only --------------------------------------------------------------------------------------

INSERT = 'INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "injected" } }'
INSERTED = "ASK { GRAPH ?g { <urn:x:s> ?p ?o } }"


def _update(server, how: str) -> httpx.Response:
    if how == "POST update=":
        return server.post("/sparql", data={"update": INSERT})
    if how == "POST sparql-update":
        return server.post("/sparql", content=INSERT,
                           headers={"Content-Type": "application/sparql-update"})
    if how == "GET update=":
        return server.get("/sparql", params={"update": INSERT})
    if how == "POST query=":
        return server.post("/sparql", data={"query": INSERT})
    return server.get("/sparql", params={"query": "CLEAR ALL"})


@pytest.mark.parametrize(
    "how", ["POST update=", "POST sparql-update", "GET update=", "POST query=", "GET query="]
)
def test_updates_are_refused_and_change_nothing(server, how):
    before = count(server)
    response = _update(server, how)
    assert response.status_code in (400, 403)
    assert "read-only" in response.text
    assert count(server) == before
    asked = server.get("/sparql", params={"query": INSERTED}, headers=JSON_RESULTS).json()
    assert asked["boolean"] is False


# No outbound traffic ------------------------------------------------------------------------------


class Listener:
    """A TCP socket on 127.0.0.1 that counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


def test_nothing_reaches_the_network_or_the_file_system(server, listener):
    here = f"http://127.0.0.1:{listener.port}"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{here}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{here}/> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{here}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <http://[::1]:{listener.port}/> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ service <{here}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{here}/x.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{here}/x.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        f"LOAD <{here}/x.ttl>",
        "LOAD <file:///etc/passwd>",
    ]
    for query in queries:
        for response in (
            server.get("/sparql", params={"query": query}, headers=JSON_RESULTS),
            server.post("/sparql", data={"query": query}, headers=JSON_RESULTS),
            server.post("/sparql", content=query, headers={
                **JSON_RESULTS, "Content-Type": "application/sparql-query"}),
        ):
            assert "root:" not in response.text
            if response.status_code == 200:
                assert response.json()["results"]["bindings"] == [], query
            else:
                assert response.status_code in (400, 403), (query, response.text)
    for update in (f"LOAD <{here}/x.ttl>", "LOAD <file:///etc/passwd> INTO GRAPH <urn:x>"):
        assert server.post("/sparql", data={"update": update}).status_code == 403
    for graph in (f"{here}/x.ttl", "file:///etc/passwd"):
        response = server.get("/sparql", headers=JSON_RESULTS, params={
            "query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": graph,
            "named-graph-uri": graph})
        assert rows(response) == []
    document = f'{{"@context": "{here}/context.jsonld", "@id": "urn:x", "name": "x"}}'
    posted = server.post("/sparql", content=document,
                         headers={"Content-Type": "application/ld+json"})
    assert posted.status_code == 415
    time.sleep(0.5)
    assert listener.connections == 0


def test_service_is_refused_with_a_clear_message(server):
    response = server.get("/sparql", params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
        headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["error"] == "rejected"
    assert "SERVICE" in response.json()["message"]


# The time budget ----------------------------------------------------------------------------------

RUNAWAY = {
    "cartesian product": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?q ?r }"
    ),
    "deep property path": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b . "
        "?c (<urn:x:p>|!<urn:x:p>)* ?d . ?e (<urn:x:p>|!<urn:x:p>)* ?f }"
    ),
    "regex over a product": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
        'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l)), "^(a+)+$")) }'
    ),
}


def _children(pid: int) -> set[int]:
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.update(int(c) for c in (task / "children").read_text().split())
    return children


def worker_pids(pid: int) -> set[int]:
    """The server's query workers: the children of its child, the loader that forks them."""
    return {worker for loader in _children(pid) for worker in _children(loader)}


@pytest.mark.parametrize("kind", RUNAWAY)
def test_a_runaway_query_is_stopped(server, kind):
    before = worker_pids(server.pid)
    started = time.monotonic()
    response = server.get("/sparql", params={"query": RUNAWAY[kind]},
                          headers={"Accept": "application/json"})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "timeout"
    assert f"{TIMEOUT:g} s" in body["message"]
    assert elapsed < TIMEOUT + 10
    # the worker that ran it was killed, and a fresh one takes its place
    assert before - worker_pids(server.pid), "no worker was stopped"
    deadline = time.monotonic() + 30
    while len(worker_pids(server.pid)) < len(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(worker_pids(server.pid)) == len(before)
    assert server.get("/sparql", params={"query": "ASK {}"}, headers=JSON_RESULTS).json()[
        "boolean"] is True


def test_others_are_served_while_a_runaway_query_runs(server):
    """Clients keep being answered, and correctly, all the while one query runs away.

    A server that blocked on the runaway query would answer none of them until it ended.
    """
    runaway: dict[str, object] = {}

    def run_away() -> None:
        response = server.get("/sparql", params={"query": RUNAWAY["cartesian product"]})
        runaway["status"] = response.status_code
        runaway["done"] = time.monotonic()

    thread = threading.Thread(target=run_away)
    thread.start()
    time.sleep(0.3)
    light = [("/sparql", {"query": "ASK { ?s ?p ?o }"}), ("/id/state/LV", {}),
             ("/health", {}), ("/api/states", {})]
    answers: list[tuple[float, int]] = []

    def keep_asking(offset: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            turn = offset
            while thread.is_alive():
                path, params = light[turn % len(light)]
                status = client.get(path, params=params).status_code
                answers.append((time.monotonic(), status))
                turn += 1

    clients = [threading.Thread(target=keep_asking, args=(n,)) for n in range(4)]
    for client in clients:
        client.start()
    thread.join(TIMEOUT + 30)
    for client in clients:
        client.join(30)
    assert runaway["status"] == 503
    assert {status for _, status in answers} == {200}
    during = [moment for moment, _ in answers if moment < runaway["done"]]
    assert len(during) >= 5, f"only {len(during)} answers while the runaway query ran"


# Result and request caps --------------------------------------------------------------------------


def test_results_are_capped_and_say_so(server):
    capped = server.get("/sparql", params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                        headers=JSON_RESULTS)
    assert capped.headers["x-result-truncated"] == "true"
    assert len(rows(capped)) == ROW_LIMIT
    small = server.get("/sparql", params={"query": "SELECT ?s WHERE { ?s a ?c } LIMIT 3"},
                       headers=JSON_RESULTS)
    assert "x-result-truncated" not in small.headers
    assert len(rows(small)) == 3


def test_graph_results_are_capped_too(server):
    response = server.get("/sparql", params={
        "query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "format": "nt"})
    assert response.headers["x-result-truncated"] == "true"
    assert len([line for line in response.text.splitlines() if line.strip()]) == ROW_LIMIT


def test_the_query_page_says_when_it_cut_the_result(server):
    page = server.get("/query", params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                      headers={"Accept": "text/html"})
    assert page.headers["x-result-truncated"] == "true"
    assert f"Only the first {ROW_LIMIT} rows are shown" in page.text


def test_a_large_body_is_413(server):
    big = "ASK {}\n#" + "x" * (300 * 1024)
    response = server.post("/sparql", content=big,
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_a_large_chunked_body_is_413(server):
    def chunks() -> Iterator[bytes]:
        yield b"query=ASK%20%7B%7D%20%23"
        for _ in range(40):
            yield b"x" * 8192

    response = httpx.post(server.url + "/sparql", content=chunks(), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_many_form_fields_are_refused(server):
    body = "&".join(f"f{i}=1" for i in range(10_000)) + "&query=ASK%20%7B%7D"
    response = server.post("/sparql", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_a_body_under_the_cap_is_fine(server):
    query = "ASK {}\n#" + "x" * (200 * 1024)
    response = server.post("/sparql", content=query, headers={
        **JSON_RESULTS, "Content-Type": "application/sparql-query"})
    assert response.json()["boolean"] is True


# Paths --------------------------------------------------------------------------------------------

ESCAPES = [
    "/download/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/download/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/download/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/download/....//....//....//etc/passwd",
    "/download/../../../../etc/passwd",
    "/download//etc/passwd",
    "/download/%2fetc%2fpasswd",
    "/download/..\\..\\..\\..\\etc\\passwd",
    "/download/\\\\localhost\\share\\x",
    "/download/file:///etc/passwd",
    "/download/SHA256SUMS/../../../../etc/passwd",
    "/download/.%00./etc/passwd",
    "/../../../../etc/passwd",
    "/id/../../../../etc/passwd",
    "/id/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2fserve.py",
    "/static/%2e%2e/serve.py",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_paths_never_leave_the_release(server, path):
    """Sent raw (no client-side normalisation): every form is a plain 404."""
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status in (400, 404)
    assert b"root:" not in body
    assert b"import " not in body


# Parameters of named queries are terms ------------------------------------------------------------

INJECTIONS = [
    '"',
    "\\u0022",
    '" || true || "',
    '\\u0022 || true || \\u0022',
    '") || (1 = 1',
    "}",
    "} ?s ?p ?o {",
    ">",
    "\n",
    "x\n} UNION { ?thing ?p ?label }",
    "Latvia\" || STR(?label) != \"",
    "' || '1' = '1",
    "#",
]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("name", ["things-named", "projects-named-lv"])
def test_string_parameters_cannot_widen_the_result(server, name, value):
    baseline = rows(server.get(f"/api/{name}", params={"name": "no such name"},
                               headers=JSON_RESULTS))
    response = server.get(f"/api/{name}", params={"name": value}, headers=JSON_RESULTS)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert rows(response) == baseline == []


def test_string_parameters_do_match(server):
    """The counterpart of the injection tests: an honest value finds its thing."""
    found = rows(server.get("/api/things-named", params={"name": "Latvia"}, headers=JSON_RESULTS))
    assert [r["thing"]["value"] for r in found] == ["https://w3id.org/cbss-kg/id/state/LV"]
    project = rows(server.get("/api/projects-named-lv", params={"name": "STROM II"},
                              headers=JSON_RESULTS))
    assert [r["project"]["value"] for r in project] == [
        "https://w3id.org/cbss-kg/id/project/strom-ii"]


@pytest.mark.parametrize("value", [
    "https://w3id.org/cbss-kg/id/org/cbss> . ?x ?y ?z . <urn:x",
    "id:org/cbss>",
    "<https://w3id.org/cbss-kg/id/org/cbss> } UNION { ?member ?p ?o",
    "https://w3id.org/cbss-kg/id/org/cbss\n} ?s ?p ?o {",
    'https://w3id.org/cbss-kg/id/org/"cbss',
    "javascript:alert(1)",
])
def test_iri_parameters_refuse_what_is_not_an_iri(server, value):
    response = server.get("/api/members-on-date", params={"organisation": value},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "parameter"


@pytest.mark.parametrize("value", ['2021-01-01" || true || "', "2021-13-01", "yesterday"])
def test_date_parameters_must_be_dates(server, value):
    response = server.get("/api/members-on-date", params={"date": value})
    assert response.status_code == 400
    assert "date" in response.text


# Load ---------------------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_many_clients_at_once(server):
    requests = [
        ("/sparql", {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50"}),
        ("/id/state/LV", {}),
        ("/id/org/cbss", {"lang": "lv"}),
        ("/api/states", {"format": "csv"}),
        ("/query", {"query": "SELECT * WHERE { ?s a ?c }"}),
    ] * 10

    def fetch(item: tuple[str, dict]) -> int:
        with httpx.Client(timeout=60) as client:
            return client.get(server.url + item[0], params=item[1],
                              headers={"Accept": "text/html"} if item[0] == "/query" else {}
                              ).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert set(pool.map(fetch, requests)) == {200}
    before = rss_kib(server.pid)
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=50) as pool:
            assert set(pool.map(fetch, requests)) == {200}
    grown = rss_kib(server.pid) - before
    assert grown < 64 * 1024, f"the server grew by {grown} KiB over 150 requests"
