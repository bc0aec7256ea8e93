"""Named queries as a web API: /api, /api/<name>, /api/openapi.json, and the query page."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

from cbss_kg.config import Project
from cbss_kg.namespaces import ID
from cbss_kg.queries import load_catalog

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def catalog(server):
    return {n: q for n, q in load_catalog(Project(server.release.parent / "project")).items()
            if q.kind == "cq"}


def test_the_list_names_every_competency_query(server, catalog):
    listing = server.get("/api").json()
    assert listing["openapi"] == "/api/openapi.json"
    by_name = {q["name"]: q for q in listing["queries"]}
    assert set(by_name) == set(catalog)
    assert by_name["members-on-date"]["summary"] == catalog["members-on-date"].summary
    params = {p["name"]: p for p in by_name["members-on-date"]["params"]}
    assert params["date"] == {"name": "date", "type": "xsd:date",
                              "description": "the day to ask about", "default": "2021-01-01",
                              "required": False}


def test_the_list_as_a_page(server, catalog):
    page = server.get("/api", headers={"Accept": BROWSER})
    assert page.headers["content-type"].startswith("text/html")
    for name, query in catalog.items():
        assert f"/api/{name}" in page.text
        assert query.summary.replace("'", "&#39;") in page.text


def test_openapi_describes_each_query(server, catalog):
    document = server.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {f"/api/{name}" for name in catalog}
    for name, query in catalog.items():
        operation = document["paths"][f"/api/{name}"]["get"]
        assert operation["summary"] == query.summary
        declared = {p["name"] for p in operation["parameters"]} - {"format"}
        assert declared == {p.name for p in query.params}
    states = document["paths"]["/api/is-member"]["get"]["parameters"]
    assert states[0]["required"] is True
    assert document["servers"] == [{"url": server.url}]


def test_a_query_with_its_defaults(server):
    found = server.get("/api/members-on-date", headers=JSON_RESULTS).json()
    members = {b["member"]["value"] for b in found["results"]["bindings"]}
    assert members == {str(ID["state/LV"]), str(ID["state/IS"]), str(ID["state/RU"])}


def test_parameters_change_the_answer(server):
    early = server.get("/api/members-on-date", params={"date": "1993-01-01"},
                       headers=JSON_RESULTS).json()
    members = {b["member"]["value"] for b in early["results"]["bindings"]}
    assert members == {str(ID["state/LV"]), str(ID["state/RU"])}
    by_curie = server.get("/api/members-on-date", params={"organisation": "id:org/tf-thb"},
                          headers=JSON_RESULTS).json()
    assert by_curie["results"]["bindings"] == []


@pytest.mark.parametrize(("state", "answer"), [("id:state/LV", True), ("id:state/XX", False)])
def test_ask_queries(server, state, answer):
    assert server.get("/api/is-member", params={"state": state}).json()["boolean"] is answer


def test_results_by_negotiation_and_format(server):
    as_csv = server.get("/api/states", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {row["name_en"] for row in table} >= {"Latvia", "Estonia"}
    as_tsv = server.get("/api/states", headers={"Accept": "text/tab-separated-values"})
    assert as_tsv.headers["content-type"].startswith("text/tab-separated-values")
    as_xml = server.get("/api/states", headers={"Accept": "application/sparql-results+xml"})
    assert "<sparql" in as_xml.text
    assert server.get("/api/states", headers={"Accept": "image/png"}).status_code == 406


def test_a_construct_query_answers_in_rdf(server):
    response = server.get("/api/project-graph", params={"project": "id:project/strom-ii"})
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert set(graph.subjects()) == {ID["project/strom-ii"]}
    as_jsonld = server.get("/api/project-graph",
                           params={"project": "id:project/strom-ii", "format": "jsonld"})
    assert len(Graph().parse(data=as_jsonld.text, format="json-ld")) == len(graph)


@pytest.mark.parametrize(("params", "words"), [
    ({}, "needs parameter 'state'"),
    ({"state": "id:state/LV", "colour": "blue"}, "unknown parameter 'colour'"),
    ({"state": "not an iri"}, "not an IRI"),
])
def test_parameter_errors_are_400_in_words(server, params, words):
    response = server.get("/api/is-member", params=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "parameter"
    assert words in response.json()["message"]


def test_unknown_query_is_404(server):
    response = server.get("/api/no-such-query", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "/api" in response.json()["message"]


def test_a_named_query_as_a_page(server):
    page = server.get("/api/things-named", params={"name": "Latvia"},
                      headers={"Accept": BROWSER}).text
    assert 'name="name" value="Latvia"' in page
    assert 'href="/id/state/LV"' in page
    assert "format=csv" in page


def test_the_query_page_runs_a_query_and_links_its_results(server):
    query = ("PREFIX cbss: <https://w3id.org/cbss-kg/ontology#> "
             "SELECT ?state WHERE { ?state a cbss:State } ORDER BY ?state")
    page = server.get("/query", params={"query": query}, headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert '<a href="/id/state/LV" title="https://w3id.org/cbss-kg/id/state/LV">Latvia</a>' in (
        page.text)
    assert "4 rows" in page.text
    assert "/sparql?query=" in page.text and "format=csv" in page.text


def test_the_query_page_shows_ask_and_graph_answers(server):
    ask = server.get("/query", params={"query": "ASK { ?s ?p ?o }"}).text
    assert "Yes" in ask
    construct = server.get("/query", params={
        "query": f"CONSTRUCT {{ <{ID['state/LV']}> ?p ?o }} WHERE {{ <{ID['state/LV']}> ?p ?o }}"
    }).text
    assert ">Latvija<" in construct or ">Latvia<" in construct


def test_the_query_page_opens_an_example(server, catalog):
    page = server.get("/query", params={"example": "states"}).text
    assert "?state a cbss:State" in page
    assert "Every state with its name in English and Latvian" in page


def test_the_query_page_explains_errors(server):
    page = server.get("/query", params={"query": "SELECT WHERE {"})
    assert page.status_code == 400
    assert "not valid SPARQL" in page.text
    service = "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"
    refused = server.get("/query", params={"query": service})
    assert refused.status_code == 403


def test_results_show_labels_for_skos_terms(server):
    """IRIs of properties show their names, not the IRIs."""
    page = server.get("/query", params={
        "query": f"SELECT ?p WHERE {{ <{ID['state/LV']}> ?p ?o }}"}).text
    assert f'href="{SKOS.prefLabel}" title="{SKOS.prefLabel}" rel="noopener">name</a>' in page
