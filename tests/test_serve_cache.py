"""The server's answer cache, over HTTP: a repeated query is answered from the cache with the very
bytes and headers of its first answer; anything that changes the answer is a different entry;
errors and stopped queries are never kept; ``--cache-size 0`` turns it off.

The ``server`` fixture has the cache on (the default). Each test asks queries no other test asks
(a comment with the test's own token), so its first request is a miss whatever ran before it.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from conftest_server import (
    ROW_LIMIT,
    TIMEOUT,
    Server,
    fixture_project,
    free_port,
    start_server,
    stop_server,
)

from cbss_kg.namespaces import GRAPH, ID

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
SAME_HEADERS = ("content-type", "content-length", "vary", "x-result-truncated")
"""Headers a cached answer must repeat exactly (absent stays absent)."""


def fresh(query: str) -> str:
    """``query`` with a comment no other request carries, so its first answer is a miss."""
    return f"# {uuid.uuid4()}\n{query}"


STATES = """PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?state ?name WHERE { ?state a cbss:State ; skos:prefLabel ?name } ORDER BY ?state ?name
"""


def ask(server: Server, query: str, **options):
    params = {"query": query, **options.pop("params", {})}
    return server.get("/sparql", params=params, headers=options.pop("headers", JSON_RESULTS))


def same_answer(first, second) -> None:
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    for name in SAME_HEADERS:
        assert second.headers.get(name) == first.headers.get(name), name


@pytest.fixture(scope="module")
def uncached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The fixture project served like ``server`` but with ``--cache-size 0``."""
    project = fixture_project(tmp_path_factory.mktemp("serve-uncached") / "project")
    running = start_server(
        project, project.parent / "dist", "--timeout", str(TIMEOUT), "--row-limit", str(ROW_LIMIT),
        "--cache-size", "0",
    )
    yield running
    stop_server(running)


def test_a_repeated_query_is_a_hit_with_the_same_bytes_and_headers(server):
    query = fresh(STATES)
    first = ask(server, query)
    second = ask(server, query)
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    same_answer(first, second)
    assert {b["state"]["value"] for b in second.json()["results"]["bindings"]} >= {
        str(ID["state/LV"])
    }


def test_get_and_post_share_an_answer(server):
    query = fresh(STATES)
    by_get = ask(server, query)
    by_post = server.post("/sparql", content=query.encode(),
                          headers={"Content-Type": "application/sparql-query", **JSON_RESULTS})
    assert (by_get.headers["x-cache"], by_post.headers["x-cache"]) == ("miss", "hit")
    same_answer(by_get, by_post)


def test_a_cut_answer_says_so_when_served_from_the_cache(server):
    query = fresh("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    first = ask(server, query)
    second = ask(server, query)
    assert first.headers["x-result-truncated"] == "true"
    assert second.headers["x-cache"] == "hit"
    same_answer(first, second)
    assert len(second.json()["results"]["bindings"]) == ROW_LIMIT


def test_each_format_is_its_own_entry(server):
    query = fresh(STATES)
    as_json = ask(server, query)
    as_csv = ask(server, query, headers={"Accept": "text/csv"})
    as_csv_again = ask(server, query, params={"format": "csv"})
    assert as_json.headers["x-cache"] == "miss"
    assert as_csv.headers["x-cache"] == "miss"
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv_again.headers["x-cache"] == "hit"
    same_answer(as_csv, as_csv_again)


def test_each_dataset_is_its_own_entry(server):
    seed = str(GRAPH["source/seed"])
    query = fresh("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    whole = ask(server, query)
    default = ask(server, query, params={"default-graph-uri": seed})
    named = ask(server, query, params={"named-graph-uri": seed})
    assert [r.headers["x-cache"] for r in (whole, default, named)] == ["miss"] * 3
    counts = [int(r.json()["results"]["bindings"][0]["n"]["value"]) for r in (whole, default)]
    assert counts[0] > counts[1] > 0
    again = ask(server, query, params={"default-graph-uri": seed})
    assert again.headers["x-cache"] == "hit"
    same_answer(default, again)


def test_named_query_parameters_are_keyed_by_the_term_they_bind(server):
    # A date no other test asks about; the curie and the full IRI bind the same term.
    date = f"19{uuid.uuid4().int % 90 + 10}-0{uuid.uuid4().int % 9 + 1}-17"
    by_curie = server.get("/api/members-on-date",
                          params={"date": date, "organisation": "id:org/cbss"},
                          headers=JSON_RESULTS)
    by_iri = server.get("/api/members-on-date",
                        params={"organisation": str(ID["org/cbss"]), "date": date},
                        headers=JSON_RESULTS)
    other_org = server.get("/api/members-on-date",
                           params={"date": date, "organisation": "id:org/tf-thb"},
                           headers=JSON_RESULTS)
    assert by_curie.headers["x-cache"] == "miss"
    assert by_iri.headers["x-cache"] == "hit"
    same_answer(by_curie, by_iri)
    assert other_org.headers["x-cache"] == "miss"
    assert other_org.json()["results"]["bindings"] == []


def test_errors_are_never_kept(server):
    broken = fresh("SELECT ?s WHERE { ?s ?p }")
    for _ in range(2):
        response = ask(server, broken, headers={"Accept": "application/json"})
        assert response.status_code == 400
        assert response.json()["error"] == "syntax"
        assert "x-cache" not in response.headers


def test_a_stopped_query_is_run_again(server):
    runaway = fresh(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?q ?r }"
    )
    for _ in range(2):
        response = ask(server, runaway, headers={"Accept": "application/json"})
        assert response.status_code == 503
        assert response.json()["error"] == "timeout"
        assert "x-cache" not in response.headers


def test_with_the_cache_off_every_answer_comes_from_the_store(server, uncached):
    query = fresh(STATES)
    answers = [ask(uncached, query) for _ in range(3)]
    assert all("x-cache" not in r.headers for r in answers)
    for again in answers[1:]:
        same_answer(answers[0], again)
    cached = ask(server, query)
    assert cached.headers["x-cache"] == "miss"
    same_answer(answers[0], cached)
    same_answer(answers[0], ask(server, query))


def test_a_negative_cache_size_is_a_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cbss_kg", "serve", "--port", str(free_port()),
         "--cache-size", "-1"],
        cwd=fixture_project(tmp_path / "project"), capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "cache-size" in done.stderr


def test_a_page_on_another_site_may_read_the_cache_header(server):
    response = server.get("/sparql", params={"query": fresh(STATES)},
                          headers={**JSON_RESULTS, "Origin": "https://example.org"})
    exposed = response.headers["access-control-expose-headers"].lower().split(",")
    assert "x-cache" in {name.strip() for name in exposed}
