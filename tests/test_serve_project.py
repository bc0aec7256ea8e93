"""The repository's own graph, served as ``cbss-kg serve`` serves it: every page of every thing,
every named query, and the entry points of the home page."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest_server import REPO
from html5rdf import HTMLParser
from rdflib import Dataset, URIRef

from cbss_kg.config import Project
from cbss_kg.namespaces import BASE
from cbss_kg.queries import ParameterError, bind, load_catalog
from cbss_kg.store import EmbeddedStore

JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def dataset(project_server) -> Dataset:
    data = Dataset(default_union=True)
    data.parse(project_server.release / "cbss-kg.trig", format="trig")
    return data


@pytest.fixture(scope="module")
def competency_questions():
    return {n: q for n, q in load_catalog(Project(REPO)).items() if q.kind == "cq"}


def test_every_thing_has_a_page_and_a_description(project_server, dataset):
    """Each IRI the graph uses under the base IRI answers, as a page and as Turtle."""
    iris = {str(t) for quad in dataset.quads() for t in quad[:3]
            if isinstance(t, URIRef) and str(t).startswith(BASE + "id/")}
    assert len(iris) > 50
    failures = []
    with httpx.Client(base_url=project_server.url, timeout=60) as client:
        for iri in sorted(iris):
            path = iri[len(BASE) - 1:]
            for accept in ("text/html", "text/turtle"):
                response = client.get(path, headers={"Accept": accept})
                if response.status_code != 200:
                    failures.append((path, accept, response.status_code))
    assert failures == []


def test_the_home_page_links_only_to_pages_that_answer(project_server):
    home = project_server.get("/", headers={"Accept": "text/html"}).text
    links = sorted(set(re.findall(r'href="(/[^"#]*)"', home)))
    assert "/id/org/cbss" in links and "/id/org/tf-thb" in links
    assert any(link.startswith("/id/state/") for link in links)
    assert any(link.startswith("/id/project/") for link in links)
    with httpx.Client(base_url=project_server.url, timeout=60) as client:
        broken = [link for link in links if client.get(link).status_code != 200]
    assert broken == []


def test_the_ontology_page(project_server):
    page = project_server.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'id="State"' in page.text or 'id="state"' in page.text.lower()


def uses_shown(html: str) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """The examples of each term (their first links) and the usage counts of reused terms."""
    root = HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    examples = {}
    for article in root.iter("article"):
        for ul in article.iter("ul"):
            if ul.get("class") == "examples":
                examples[article.get("id")] = [li.find("a").get("href") for li in ul.iter("li")]
    counts = [(row[0].find("a").get("href"), row[1].text) for row in root.iter("tr")
              if len(row) > 1 and row[0].find("a") is not None]
    return examples, counts


def test_the_ontology_page_shows_the_uses_the_release_page_shows(project_server):
    """The server asks its store for the examples and counts; they must be the build's own
    (which reads the sources), with the graph's IRIs as this server's paths."""
    served = uses_shown(project_server.get("/ontology", headers={"Accept": "text/html"}).text)
    built = uses_shown((project_server.release / "ontology.html").read_text(encoding="utf-8"))
    local = {term: [href.replace(BASE[:-1], "", 1) for href in hrefs]
             for term, hrefs in built[0].items()}
    assert len(served[0]) > 10 and served[0] == local
    assert len(served[1]) > 10 and served[1] == built[1]


def test_every_named_query_answers_like_the_store(project_server, competency_questions):
    """Each competency query over HTTP gives what the embedded store gives for the same release
    and parameters (the defaults), or the same parameter error as a 400."""
    listed = {q["name"] for q in project_server.get("/api").json()["queries"]}
    assert listed == set(competency_questions)
    with EmbeddedStore.open_release(project_server.release, workers=1) as store:
        for name, query in sorted(competency_questions.items()):
            graph = query.form in ("construct", "describe")
            response = project_server.get(f"/api/{name}", params={"format": "nt"} if graph else {},
                                          headers=JSON_RESULTS)
            try:
                bindings = bind(query, {})
            except ParameterError as error:
                assert response.status_code == 400, name
                assert str(error) in response.json()["message"]
                continue
            assert response.status_code == 200, (name, response.text)
            expected = store.query(query.text, bindings=bindings, timeout=None, row_limit=10_000)
            if query.form == "select":
                assert len(response.json()["results"]["bindings"]) == len(expected.rows), name
            elif query.form == "ask":
                assert response.json()["boolean"] is expected.boolean, name
            else:
                lines = [line for line in response.text.splitlines() if line.strip()]
                assert len(lines) == len(expected.triples), name
