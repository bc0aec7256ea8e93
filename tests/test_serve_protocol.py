"""The SPARQL 1.1 Protocol at /sparql, spoken by real clients to a running server.

Answers are checked against rdflib evaluating the same query over the release the server built,
so a test fails if the server loses, invents or mistypes anything.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS, VOID
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from cbss_kg.namespaces import CBSS, GRAPH, ID

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

STATES = """
PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?state ?name WHERE { ?state a cbss:State ; skos:prefLabel ?name }
ORDER BY ?state ?name
"""

METHODS = {
    "GET": (GET, URLENCODED),
    "POST form": (POST, URLENCODED),
    "POST sparql-query": (POST, POSTDIRECTLY),
}


@pytest.fixture(scope="module")
def dataset(server) -> Dataset:
    """The release the server built, read independently with rdflib."""
    data = Dataset(default_union=True)
    data.parse(server.release / "cbss-kg.trig", format="trig")
    return data


def expected_rows(dataset: Dataset, query: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row) for row in dataset.query(query)}


def wrapper(server, query: str, method: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    http_method, request_method = METHODS[method]
    client.setMethod(http_method)
    client.setRequestMethod(request_method)
    client.setReturnFormat(fmt)
    client.setTimeout(30)
    return client


@pytest.mark.parametrize("method", METHODS)
def test_select_as_json(server, dataset, method):
    result = wrapper(server, STATES, method, JSON).query()
    assert result.info()["content-type"].startswith("application/sparql-results+json")
    data = result.convert()
    assert data["head"]["vars"] == ["state", "name"]
    rows = {(b["state"]["value"], b["name"]["value"]) for b in data["results"]["bindings"]}
    assert rows == expected_rows(dataset, STATES)
    assert len(rows) >= 8


@pytest.mark.parametrize("method", METHODS)
def test_select_as_xml(server, dataset, method):
    document = wrapper(server, STATES, method, XML).query().convert()
    rows = set()
    for result in document.getElementsByTagName("result"):
        values = {
            b.getAttribute("name"): b.getElementsByTagName("uri")
            or b.getElementsByTagName("literal")
            for b in result.getElementsByTagName("binding")
        }
        rows.add(tuple(values[n][0].firstChild.data for n in ("state", "name")))
    assert rows == expected_rows(dataset, STATES)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("fmt", "media_type"), [(CSV, "text/csv"), (TSV, "text/tab-separated-values")]
)
def test_select_as_csv_and_tsv(server, dataset, method, fmt, media_type):
    result = wrapper(server, STATES, method, fmt).query()
    assert result.info()["content-type"].startswith(media_type)
    text = result.convert().decode("utf-8")
    if fmt == CSV:
        lines = list(csv.reader(io.StringIO(text)))
        assert lines[0] == ["state", "name"]
        rows = {tuple(line) for line in lines[1:] if line}
    else:
        lines = [line.split("\t") for line in text.splitlines()]
        assert lines[0] == ["?state", "?name"]
        rows = {
            (line[0].strip("<>"), line[1][1:line[1].rindex('"')])
            for line in lines[1:] if line
        }
    assert rows == expected_rows(dataset, STATES)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("state", "answer"), [("LV", True), ("XX", False)])
def test_ask(server, method, state, answer):
    query = f"PREFIX cbss: <{CBSS}> ASK {{ <{ID['state/' + state]}> a cbss:State }}"
    assert wrapper(server, query, method, JSON).query().convert()["boolean"] is answer
    document = wrapper(server, query, method, XML).query().convert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == str(answer).lower()


CONSTRUCT = """
PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?state skos:prefLabel ?name } WHERE { ?state a cbss:State ; skos:prefLabel ?name }
"""


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("fmt", "parser", "media_type"), [
    (TURTLE, "turtle", "text/turtle"),
    (N3, "turtle", "text/turtle"),
    (JSONLD, "json-ld", "application/ld+json"),
    (RDFXML, "xml", "application/rdf+xml"),
])
def test_construct(server, dataset, method, fmt, parser, media_type):
    result = wrapper(server, CONSTRUCT, method, fmt).query()
    assert result.info()["content-type"].startswith(media_type)
    graph = Graph().parse(data=result.response.read(), format=parser)
    expected = {(URIRef(s), SKOS.prefLabel, n) for s, n in dataset.query(
        "PREFIX cbss: <https://w3id.org/cbss-kg/ontology#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?s ?n WHERE { ?s a cbss:State ; skos:prefLabel ?n }")}
    assert set(graph) == expected


@pytest.mark.parametrize("method", METHODS)
def test_describe(server, method):
    latvia = ID["state/LV"]
    result = wrapper(server, f"DESCRIBE <{latvia}>", method, TURTLE).query()
    graph = Graph().parse(data=result.response.read(), format="turtle")
    assert (latvia, SKOS.prefLabel, Literal("Latvia", lang="en")) in graph
    assert (latvia, RDF.type, CBSS.State) in graph


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.4, text/tab-separated-values;q=0.8", "text/tab-separated-values"),
        ("application/json;q=0.1, text/csv", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_negotiates_by_accept(server, accept, media_type):
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
     ("csv", "text/csv"), ("tsv", "text/tab-separated-values")],
)
def test_format_parameter_overrides_accept(server, fmt, media_type):
    response = server.get("/sparql", params={"query": STATES, "format": fmt},
                          headers={"Accept": "application/sparql-results+xml;q=0.1"})
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize(
    ("fmt", "media_type", "parser"),
    [("turtle", "text/turtle", "turtle"), ("ttl", "text/turtle", "turtle"),
     ("nt", "application/n-triples", "nt"), ("jsonld", "application/ld+json", "json-ld"),
     ("rdfxml", "application/rdf+xml", "xml"), ("trig", "application/trig", "trig")],
)
def test_graph_formats(server, fmt, media_type, parser):
    response = server.get("/sparql", params={"query": CONSTRUCT, "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    if parser == "trig":
        dataset = Dataset().parse(data=response.content, format="trig")
        triples = {(s, p, o) for s, p, o, _ in dataset.quads()}
    else:
        triples = set(Graph().parse(data=response.content, format=parser))
    assert (ID["state/LV"], SKOS.prefLabel, Literal("Latvija", lang="lv")) in triples


@pytest.mark.parametrize(
    ("query", "accept"),
    [(STATES, "image/png"), (STATES, "text/turtle"), (CONSTRUCT, "text/csv")],
)
def test_nothing_acceptable_is_406(server, query, accept):
    response = server.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "Traceback" not in response.text


def test_unknown_format_parameter_is_406(server):
    response = server.get("/sparql", params={"query": STATES, "format": "pdf"})
    assert response.status_code == 406
    assert "csv" in response.text


def test_bare_get_asking_for_rdf_is_the_service_description(server, dataset):
    response = server.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    endpoint = URIRef(server.url + "/sparql")
    assert (endpoint, RDF.type, SD.Service) in graph
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(endpoint, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    default_dataset = graph.value(endpoint, SD.defaultDataset)
    names = {graph.value(n, SD.name): graph.value(graph.value(n, SD.graph), VOID.triples)
             for n in graph.objects(default_dataset, SD.namedGraph)}
    expected = {g.identifier: len(g) for g in dataset.graphs() if len(g)}
    assert {k: int(v) for k, v in names.items()} == expected
    default = graph.value(default_dataset, SD.defaultGraph)
    assert int(graph.value(default, VOID.triples)) == sum(expected.values())


def test_service_description_in_json_ld(server):
    response = server.get("/sparql", headers={"Accept": "application/ld+json"})
    graph = Graph().parse(data=response.text, format="json-ld")
    assert (URIRef(server.url + "/sparql"), RDF.type, SD.Service) in graph


def test_bare_get_from_a_browser_is_the_query_page(server):
    browser = "text/html,application/xml;q=0.9,*/*;q=0.8"
    response = server.get("/sparql", headers={"Accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<textarea" in response.text


def test_default_graph_uri_chooses_the_default_graph(server, dataset):
    seed = GRAPH["source/seed"]
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = server.get("/sparql", params={"query": query, "default-graph-uri": str(seed)},
                          headers={"Accept": "application/sparql-results+json"})
    count = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert count == len(dataset.graph(seed))
    whole = server.get("/sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+json"}).json()
    assert int(whole["results"]["bindings"][0]["n"]["value"]) > count


def test_named_graph_uri_chooses_the_named_graphs(server):
    seed = str(GRAPH["source/seed"])
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    body = urllib.parse.urlencode({"query": query, "named-graph-uri": seed})
    response = server.post("/sparql", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Accept": "application/sparql-results+json"})
    graphs = {b["g"]["value"] for b in response.json()["results"]["bindings"]}
    assert graphs == {seed}


def test_cors_is_open_for_reads_without_credentials(server):
    response = server.get("/sparql", params={"query": STATES},
                          headers={"Origin": "https://evil.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_cors_preflight(server):
    response = httpx.options(
        server.url + "/sparql",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    ("accept", "kind"),
    [("application/json", "json"), ("application/sparql-results+json", "json"),
     ("text/plain", "text"), ("text/csv", "text"), (None, "text")],
)
def test_malformed_query_is_400_with_the_parsers_message(server, accept, kind):
    headers = {"Accept": accept} if accept else {}
    response = server.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"},
                          headers=headers)
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert "<html" not in response.text.lower()
    if kind == "json":
        body = response.json()
        assert body["error"] == "syntax"
        message = body["message"]
    else:
        assert response.headers["content-type"].startswith("text/plain")
        message = response.text
    assert "not valid SPARQL" in message
    assert "1:" in message or "line" in message.lower() or "expected" in message.lower()


def test_malformed_query_from_a_browser_shows_the_page_with_the_message(server):
    response = server.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"},
                          headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "not valid SPARQL" in response.text
    assert "<textarea" in response.text


def test_two_queries_are_refused(server):
    response = server.get("/sparql?" + urllib.parse.urlencode(
        [("query", "ASK {}"), ("query", "ASK {}")]))
    assert response.status_code == 400


def test_post_of_another_content_type_is_415(server):
    response = server.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_json_results_are_valid_json_with_every_term_kind(server):
    query = (f"SELECT ?s ?label ?n WHERE {{ BIND(<{ID['state/LV']}> AS ?s) "
             'BIND("Latvija"@lv AS ?label) BIND(42 AS ?n) }')
    data = json.loads(server.get("/sparql", params={"query": query}).content)
    row = data["results"]["bindings"][0]
    assert row["s"] == {"type": "uri", "value": str(ID["state/LV"])}
    assert row["label"] == {"type": "literal", "value": "Latvija", "xml:lang": "lv"}
    assert row["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"



def test_the_query_page_at_the_endpoint_varies_by_accept(server):
    for params in ({}, {"query": STATES}):
        response = server.get("/sparql", params=params, headers={"Accept": "text/html"})
        assert response.headers["content-type"].startswith("text/html")
        assert "Accept" in response.headers["vary"]
