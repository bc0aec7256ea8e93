"""Dereferenceable IRIs, caching, the ontology, VoID, downloads and health of a running server."""

from __future__ import annotations

import hashlib
import html
import json
import re
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, VOID

from cbss_kg.jsonld import CONTEXT_IRI
from cbss_kg.namespaces import CBSS, GRAPH, ID, ONTOLOGY_IRI
from cbss_kg.web import i18n

LATVIA = ID["state/LV"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

RDF_TYPES = [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
]
SUFFIXES = [("ttl", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
            ("nt", "application/n-triples", "nt"), ("rdf", "application/rdf+xml", "xml")]


@pytest.fixture(scope="module")
def dataset(server) -> Dataset:
    data = Dataset(default_union=True)
    data.parse(server.release / "cbss-kg.trig", format="trig")
    return data


def parse(server, content: bytes, parser: str) -> Graph:
    if parser == "json-ld":
        return server.jsonld(content)
    return Graph().parse(data=content, format=parser)


def statements_about(dataset: Dataset, iri: URIRef) -> set:
    """What the description of ``iri`` must hold: its statements and the links to it."""
    out = {(iri, p, o) for _, p, o, _ in dataset.quads((iri, None, None, None))}
    incoming = {(s, p, iri) for s, p, _, _ in dataset.quads((None, None, iri, None))}
    return out | incoming


@pytest.mark.parametrize(("accept", "media_type", "parser"), RDF_TYPES)
def test_a_thing_answers_in_rdf_by_negotiation(server, dataset, accept, media_type, parser):
    response = server.get("/id/state/LV", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    graph = parse(server, response.content, parser)
    assert statements_about(dataset, LATVIA) <= set(graph)
    assert all(LATVIA in (s, o) for s, _, o in graph)


@pytest.mark.parametrize(("suffix", "media_type", "parser"), SUFFIXES)
def test_suffix_urls_bypass_negotiation(server, dataset, suffix, media_type, parser):
    response = server.get(f"/id/state/LV.{suffix}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = parse(server, response.content, parser)
    assert statements_about(dataset, LATVIA) <= set(graph)


def test_trig_keeps_each_statement_in_its_sources_graph(server, dataset):
    response = server.get("/id/event/copenhagen-1992.trig")
    assert response.headers["content-type"].startswith("application/trig")
    described = Dataset().parse(data=response.content, format="trig")
    event = ID["event/copenhagen-1992"]
    start = URIRef("https://schema.org/startDate")
    by_graph = {(str(o), g) for _, _, o, g in described.quads((event, start, None, None))}
    assert by_graph == {
        ("1992-03-05", GRAPH["source/seed"]),
        ("1992-03-06", GRAPH["source/cbss-org"]),
    }


def test_html_for_browsers_and_the_suffix(server):
    for response in (server.get("/id/state/LV", headers={"Accept": BROWSER}),
                     server.get("/id/state/LV.html", headers={"Accept": "text/turtle"})):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>Latvia</h1>" in response.text


def test_content_location_and_alternates(server):
    response = server.get("/id/state/LV", headers={"Accept": "application/ld+json"})
    assert response.headers["content-location"] == "/id/state/LV.jsonld"
    assert '</id/state/LV.ttl>; rel="alternate"; type="text/turtle"' in response.headers["link"]


def test_blank_nodes_below_a_thing_come_with_it(server):
    graph = Graph().parse(data=server.get("/id/grant/lv-tf-thb-2018.ttl").content, format="turtle")
    amount = graph.value(ID["grant/lv-tf-thb-2018"], URIRef("https://schema.org/amount"))
    assert amount is not None
    assert graph.value(amount, URIRef("https://schema.org/currency")) == Literal("EUR")


def test_unknown_things_are_404_in_the_clients_terms(server):
    html = server.get("/id/state/XX", headers={"Accept": BROWSER})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    assert "id/state/XX" in html.text
    plain = server.get("/id/state/XX", headers={"Accept": "text/turtle"})
    assert plain.status_code == 404
    assert plain.headers["content-type"].startswith("text/plain")
    assert server.get("/id/state/LV.xyz").status_code == 404
    assert server.get("/id/state/XX.ttl").status_code == 404


def test_a_missing_thing_is_said_in_the_pages_language(server):
    for lang in ("en", "lv"):
        page = server.get(f"/id/state/XX?lang={lang}", headers={"Accept": BROWSER})
        assert page.status_code == 404
        expected = i18n.text(lang, "not_found", iri="https://w3id.org/cbss-kg/id/state/XX")
        assert html.escape(expected, quote=False) in page.text


def test_a_class_name_is_shown_once(server, dataset):
    """Two classes of one name (a project is a cbss:Project and a schema:Project) show once."""
    project = ID["project/adstringo"]
    assert {CBSS.Project, URIRef("https://schema.org/Project")} <= set(
        dataset.objects(project, RDF.type))
    page = server.get("/id/project/adstringo", headers={"Accept": BROWSER}).text
    types = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>',
                       re.search(r'<p class="types">(.*?)</p>', page, re.S).group(1))
    named_project = [href for href, text in types if text.casefold() == "project"]
    assert named_project == ["/ontology#Project"], "one, this server's own"


def test_etag_and_last_modified_give_304(server):
    first = server.get("/id/state/LV", headers={"Accept": "text/turtle"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = server.get("/id/state/LV", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    since = server.get("/id/state/LV", headers={"Accept": "text/turtle",
                                                "If-Modified-Since": modified})
    assert since.status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    stale = server.get("/id/state/LV", headers={"Accept": "text/turtle",
                                                "If-Modified-Since": earlier})
    assert stale.status_code == 200
    changed = server.get("/id/state/LV", headers={"Accept": "text/turtle",
                                                  "If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_each_representation_has_its_own_etag(server):
    turtle = server.get("/id/state/LV", headers={"Accept": "text/turtle"})
    html = server.get("/id/state/LV", headers={"Accept": BROWSER})
    latvian = server.get("/id/state/LV?lang=lv", headers={"Accept": BROWSER})
    tags = {turtle.headers["etag"], html.headers["etag"], latvian.headers["etag"]}
    assert len(tags) == 3
    assert all("Accept" in r.headers["vary"] for r in (turtle, html))
    stale = server.get("/id/state/LV", headers={"Accept": BROWSER,
                                                "If-None-Match": turtle.headers["etag"]})
    assert stale.status_code == 200


def test_etags_come_from_the_release(server):
    """The same representation of the same release has the same tag; another thing another."""
    one = server.get("/id/state/LV.ttl").headers["etag"]
    assert server.get("/id/state/LV.ttl").headers["etag"] == one
    assert server.get("/id/state/EE.ttl").headers["etag"] != one


def test_the_ontology_answers_whole(server):
    graph = Graph().parse(data=server.get("/ontology", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert (CBSS.State, RDF.type, OWL.Class) in graph
    jsonld = server.jsonld(server.get("/ontology.jsonld").content)
    assert isomorphic(jsonld, graph)


def test_the_ontology_json_ld_reads_with_the_published_context(server):
    document = server.get("/ontology.jsonld").json()
    assert document["@context"][0] == CONTEXT_IRI
    (state,) = [n for n in document["@graph"] if n["id"] == "cbss:State"]
    assert state["type"] == "Class"
    assert state["label"]["lv"] == "Valsts"
    (ontology,) = [n for n in document["@graph"] if n["id"] == ONTOLOGY_IRI]
    assert ontology["type"] == "Ontology"


def test_the_ontology_page_lists_its_terms(server):
    page = server.get("/ontology", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert 'id="State"' in page.text
    assert "Valsts" in page.text and "State" in page.text
    assert "A sovereign state that takes part in the council." in page.text


def test_the_ontology_version_iri_answers(server):
    graph = Graph().parse(data=server.get("/ontology.ttl").content, format="turtle")
    version = graph.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI)
    path = str(version).removeprefix("https://w3id.org/cbss-kg")
    assert server.get(path, headers={"Accept": "text/turtle"}).status_code == 200


def test_a_named_graph_is_dereferenceable(server, dataset):
    seed = GRAPH["source/seed"]
    page = server.get("/graph/source/seed", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert f"{len(dataset.graph(seed))}" in page.text
    graph = Graph().parse(data=server.get("/graph/source/seed.ttl").content, format="turtle")
    assert (seed, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
            URIRef("http://cilvektirdznieciba.lv/lv/cbss-tf-thb-darbibas-ietvars")) in graph


@pytest.mark.parametrize(("accept", "parser"), [("text/turtle", "turtle"),
                                                ("application/ld+json", "json-ld")])
def test_void(server, dataset, accept, parser):
    response = server.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    graph = parse(server, response.content, parser)
    root = URIRef("https://w3id.org/cbss-kg/")
    assert (root, RDF.type, VOID.Dataset) in graph
    triples = {(s, p, o) for s, p, o, _ in dataset.quads()}
    assert int(graph.value(root, VOID.triples)) == len(triples)
    assert isomorphic(graph, Graph().parse(server.release / "void.ttl"))


def test_void_json_ld_is_one_tree_from_the_dataset(server):
    """Distributions with their checksums and the named graphs are embedded in the dataset."""
    document = server.get("/.well-known/void", headers={"Accept": "application/ld+json"}).json()
    assert document["@context"][0] == CONTEXT_IRI
    assert document["id"] == "https://w3id.org/cbss-kg/"
    sums = dict(reversed(line.split()) for line in
                (server.release / "SHA256SUMS").read_text().splitlines())
    distributions = {d["id"].rpartition("/")[2]: d for d in document["distribution"]}
    assert set(distributions) == set(sums) - {"void.ttl"}  # it cannot hold its own checksum
    for name, distribution in distributions.items():
        assert distribution["checksum"]["checksumValue"] == sums[name]
    assert {s["id"] for s in document["subset"]} >= {"graph:source/seed", "graph:editorial"}


def test_the_home_page_is_the_dataset_and_gives_void_to_rdf_clients(server):
    graph = Graph().parse(data=server.get("/", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    assert (URIRef("https://w3id.org/cbss-kg/"), RDF.type, VOID.Dataset) in graph
    assert server.get("/", headers={"Accept": BROWSER}).headers["content-type"].startswith(
        "text/html")


def test_downloads_list_every_file_with_its_checksum(server):
    page = server.get("/downloads").text
    sums = (server.release / "SHA256SUMS").read_text().splitlines()
    assert sums
    for line in sums:
        digest, name = line.split()
        assert f'href="/download/{name}"' in page
        assert digest in page


@pytest.mark.parametrize("name", ["cbss-kg.ttl", "cbss-kg.nq", "void.ttl", "SHA256SUMS"])
def test_downloads_are_the_release_files(server, name):
    response = server.get(f"/download/{name}")
    assert response.status_code == 200
    assert response.content == (server.release / name).read_bytes()
    listed = dict(reversed(line.split()) for line in
                  (server.release / "SHA256SUMS").read_text().splitlines())
    if name in listed:
        assert hashlib.sha256(response.content).hexdigest() == listed[name]
    assert server.get(f"/download/{name}",
                      headers={"If-None-Match": response.headers["etag"]}).status_code == 304


def test_health(server):
    body = server.get("/health").json()
    assert body["status"] == "ready"
    lines = [line for line in (server.release / "cbss-kg.nq").read_text().splitlines() if line]
    assert body["triples"] == len(lines)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", body["version"])


def test_static_files_are_served_and_nothing_else(server):
    css = server.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert server.get("/static/../serve.py").status_code == 404
    assert server.get("/static/nothing.css").status_code == 404


def test_pages_embed_schema_org(server):
    page = server.get("/id/state/LV", headers={"Accept": BROWSER}).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block
    data = json.loads(block.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@id"] == str(LATVIA)
    assert data["@type"] == "Country"
    assert {"@value": "Latvija", "@language": "lv"} in data["name"]
    assert data["sameAs"] == ["http://www.wikidata.org/entity/Q211"]


def test_schema_org_cannot_break_out_of_its_script(server):
    """A label holding ``<tag>`` and quotes stays inside the JSON-LD block."""
    page = server.get("/id/grant/lv-tf-thb-2018", headers={"Accept": BROWSER}).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block
    assert "<tag>" in json.loads(block)["description"]["@value"]


def test_pages_say_dates_for_people_with_each_source(server):
    page = server.get("/id/event/copenhagen-1992", headers={"Accept": BROWSER}).text
    assert "5 March 1992" in page and "6 March 1992" in page
    assert "CBSS TF-THB darbības ietvars" in page and "CBSS members" in page
    latvian = server.get("/id/event/copenhagen-1992?lang=lv", headers={"Accept": BROWSER}).text
    assert "1992. gada 5. marts" in latvian and "1992. gada 6. marts" in latvian


@pytest.mark.parametrize(("path", "en", "lv"), [
    ("/id/interval/cbss-is-member-state", "from 1995", "no 1995. gads"),
    ("/id/interval/cbss-ru-member-state", "6 March 1992 \u2013 March 2022",
     "1992. gada 6. marts \u2013 2022. gada marts"),
    ("/id/project/adstringo", "October 2014", "2014. gada oktobris"),
])
def test_dates_keep_their_precision_on_pages(server, path, en, lv):
    assert en in server.get(path, headers={"Accept": BROWSER}).text
    assert lv in server.get(path + "?lang=lv", headers={"Accept": BROWSER}).text


def test_labels_not_iris(server):
    page = server.get("/id/org/cbss", headers={"Accept": BROWSER}).text
    assert ">Copenhagen conference</a>" in page
    assert "Latvia \u2014 Council of the Baltic Sea States" in page


def test_language_follows_the_choice_and_links_keep_it(server):
    page = server.get("/id/state/LV?lang=lv", headers={"Accept": BROWSER}).text
    assert '<html lang="lv">' in page
    assert "<h1>Latvija</h1>" in page
    pages = [link for link in re.findall(r'href="(/id/[^"]+)"', page)
             if not re.search(r"\.(ttl|jsonld|nt|rdf|trig)(\?view=framed)?$", link)
             and "lang=en" not in link]
    assert len(pages) >= 2
    assert all(link.endswith("?lang=lv") for link in pages)
    assert 'href="/query?lang=lv"' in page
    by_header = server.get("/id/state/LV", headers={"Accept": BROWSER,
                                                    "Accept-Language": "lv,en;q=0.5"}).text
    assert '<html lang="lv">' in by_header
    english = server.get("/id/state/LV?lang=en", headers={"Accept": BROWSER,
                                                          "Accept-Language": "lv"}).text
    assert '<html lang="en">' in english


def test_statements_name_their_source(server):
    page = server.get("/id/state/LV", headers={"Accept": BROWSER}).text
    assert 'href="/graph/source/cbss-org"' in page
    assert 'href="https://cbss.org/about-us/members/"' in page


def test_the_shapes_answer_as_turtle_and_as_a_page(server):
    turtle = server.get("/shapes", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.text, format="turtle")
    shape = URIRef("https://w3id.org/cbss-kg/shapes#LabelledShape")
    assert (shape, RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")) in graph
    page = server.get("/shapes", headers={"Accept": BROWSER})
    assert page.headers["content-type"].startswith("text/html")
    assert "shapes:LabelledShape" in page.text or "LabelledShape" in page.text
