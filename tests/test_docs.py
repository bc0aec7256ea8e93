"""The ontology's documentation page and class diagram, checked against the ontology and the data.

Expectations are read from the graphs (every local term, its labels, definitions, superclasses,
domains and ranges, its uses in the data), never written out here, so the tests follow the
ontology as it grows; counter-examples edit a copy of the ontology and watch the output change.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from html5rdf import HTMLParser
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from cbss_kg import docs
from cbss_kg.config import Project
from cbss_kg.load import ONTOLOGY_GRAPH, Sources, load_project
from cbss_kg.namespaces import CBSS, ONTOLOGY_IRI
from cbss_kg.store import LocalStore

SVG = "{http://www.w3.org/2000/svg}"
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
              RDFS.Datatype)


@pytest.fixture(scope="module")
def sources(project: Project) -> Sources:
    return load_project(project)


@pytest.fixture(scope="module")
def ontology(sources: Sources) -> Graph:
    return sources.ontology


@pytest.fixture(scope="module")
def data(sources: Sources) -> Graph:
    return sources.union()


@pytest.fixture(scope="module", params=docs.LANGUAGES)
def page(request: pytest.FixtureRequest, ontology: Graph, data: Graph) -> tuple[str, ET.Element]:
    """The page in one language, parsed strictly as HTML5 (a parse error fails the test)."""
    html = docs.render_ontology_html(ontology, data, lang=request.param)
    return request.param, HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def local_terms(ontology: Graph) -> list[URIRef]:
    """The ontology's own terms, found the way a reader would: typed, in the cbss namespace."""
    terms = {s for t in TERM_TYPES for s in ontology.subjects(RDF.type, t)
             if isinstance(s, URIRef) and str(s).startswith(str(CBSS))}
    return sorted(terms, key=str)


def text_of(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def by_id(root: ET.Element, ident: str) -> ET.Element | None:
    return next((e for e in root.iter() if e.get("id") == ident), None)


def literals(graph: Graph, subject: URIRef, predicate: URIRef) -> Iterator[Literal]:
    return (o for o in graph.objects(subject, predicate) if isinstance(o, Literal))


def test_the_ontology_has_terms_to_document(ontology: Graph) -> None:
    assert len(local_terms(ontology)) >= 10


def test_every_local_term_has_an_anchored_entry_with_both_labels_and_definitions(
    ontology: Graph, page: tuple[str, ET.Element]
) -> None:
    _, root = page
    for term in local_terms(ontology):
        anchor = str(term)[len(str(CBSS)):]
        article = by_id(root, anchor)
        assert article is not None and article.tag == "article", f"no entry #{anchor}"
        text = text_of(article)
        for label in literals(ontology, term, RDFS.label):
            assert " ".join(str(label).split()) in text, f"{anchor}: label {label!r} missing"
        definitions = list(literals(ontology, term, SKOS.definition))
        assert definitions, f"{anchor} has no definition in the ontology"
        for definition in definitions:
            assert " ".join(str(definition).split()) in text, f"{anchor}: definition missing"


def test_entries_show_superclasses_domains_and_ranges(
    ontology: Graph, page: tuple[str, ET.Element]
) -> None:
    _, root = page
    for term in local_terms(ontology):
        article = by_id(root, str(term)[len(str(CBSS)):])
        hrefs = {a.get("href") for a in article.iter("a")}
        for predicate in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range):
            for other in ontology.objects(term, predicate):
                if not isinstance(other, URIRef):
                    continue
                local = str(other).startswith(str(CBSS))
                expected = "#" + str(other)[len(str(CBSS)):] if local else str(other)
                assert expected in hrefs, f"{term} {predicate} {other}: no link {expected}"
                if not local:
                    assert docs.curie(other) in text_of(article), f"{other} not shown as CURIE"


def test_page_links_resolve_to_anchors_and_ids_are_unique(page: tuple[str, ET.Element]) -> None:
    _, root = page
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for a in root.iter("a"):
        href = a.get("href", "")
        if href.startswith("#"):
            assert href[1:] in ids, f"link to missing anchor {href}"


def test_page_header_comes_from_the_ontology(ontology: Graph, page: tuple[str, ET.Element]) -> None:
    lang, root = page
    header = text_of(next(root.iter("header")))
    ontology_iri = URIRef(ONTOLOGY_IRI)
    for predicate in (OWL.versionIRI, URIRef("http://purl.org/dc/terms/license")):
        for value in ontology.objects(ontology_iri, predicate):
            assert str(value) in header
    prefix = ontology.value(ontology_iri, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"))
    assert f"{prefix}:" in header
    titles = {t.language: str(t) for t in literals(ontology, ontology_iri,
                                                    URIRef("http://purl.org/dc/terms/title"))}
    assert text_of(next(root.iter("h1"))) == titles[lang]
    assert root.get("lang") == lang


def test_headings_use_the_page_language(ontology: Graph, page: tuple[str, ET.Element]) -> None:
    lang, root = page
    for term in local_terms(ontology):
        heading = by_id(root, str(term)[len(str(CBSS)):] + "-heading")
        label = next(str(x) for x in literals(ontology, term, RDFS.label) if x.language == lang)
        assert text_of(heading).startswith(label)


def test_reused_vocabularies_list_the_terms_the_ontology_builds_on(
    ontology: Graph, page: tuple[str, ET.Element]
) -> None:
    _, root = page
    section = by_id(root, "section-reused")
    listed = {text_of(code) for code in section.iter("code")}
    for term in local_terms(ontology):
        for predicate in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range):
            for other in ontology.objects(term, predicate):
                if isinstance(other, URIRef) and not str(other).startswith(str(CBSS)):
                    assert docs.curie(other) in listed, f"{other} not listed as reused"
                    prefix = docs.curie(other).partition(":")[0]
                    assert by_id(root, f"vocabulary-{prefix}") is not None


def test_examples_are_uses_found_in_the_data(
    ontology: Graph, data: Graph, page: tuple[str, ET.Element]
) -> None:
    _, root = page
    instance_data = instance_triples(ontology, data)
    used_classes = 0
    for term in local_terms(ontology):
        if (term, RDF.type, OWL.Class) not in ontology:
            continue
        article = by_id(root, str(term)[len(str(CBSS)):])
        examples = next((ul for ul in article.iter("ul") if ul.get("class") == "examples"), None)
        instances = set(instance_data.subjects(RDF.type, term))
        if not instances:
            assert examples is None, f"{term} shows examples but has no instances"
            continue
        used_classes += 1
        assert examples is not None, f"{term} has instances but shows no example"
        shown = [URIRef(li.find("a").get("href")) for li in examples.iter("li")]
        assert 1 <= len(shown) <= docs.EXAMPLES_PER_TERM
        assert set(shown) <= instances
    assert used_classes, "no class of the ontology is used in the data"


def instance_triples(ontology: Graph, data: Graph) -> Graph:
    found = Graph()
    for triple in data:
        if triple not in ontology:
            found.add(triple)
    return found


def test_examples_are_the_first_uses_by_iri_and_counts_every_use(
    ontology: Graph, data: Graph
) -> None:
    """Read independently of the page's SPARQL: the first subjects by IRI, each with its
    smallest value, and usage counts over every triple of the data."""
    instances = instance_triples(ontology, data)
    doc = docs.describe_ontology(ontology, data)
    checked = 0
    for term in doc.terms:
        if term.kind == "class":
            subjects = sorted({s for s in instances.subjects(RDF.type, term.iri)
                               if isinstance(s, URIRef)}, key=str)
            expected = [(s, None) for s in subjects[: docs.EXAMPLES_PER_TERM]]
        elif term.kind.endswith("property"):
            uses = sorted(((s, o) for s, o in instances.subject_objects(term.iri)
                           if isinstance(s, URIRef)), key=lambda so: (str(so[0]), so[1].n3()))
            first = {}
            for subject, value in uses:
                first.setdefault(subject, value)
            expected = list(first.items())[: docs.EXAMPLES_PER_TERM]
        else:
            continue
        assert [(e.subject, e.value) for e in term.examples] == expected, term.iri
        checked += bool(expected)
    assert checked > 10
    counts = {reused.iri: reused.data_triples
              for vocabulary in doc.vocabularies for reused in vocabulary.terms}
    assert counts[RDF.type] == len(list(instances.triples((None, RDF.type, None))))
    assert counts[SKOS.prefLabel] == len(list(instances.triples((None, SKOS.prefLabel, None))))
    plain = [o for o in instances.objects() if isinstance(o, Literal)
             and o.language is None and o.datatype in (None, XSD.string)]
    assert plain and counts[XSD.string] == len(plain)


def test_data_read_in_a_store_gives_the_same_documentation(
    sources: Sources, ontology: Graph, data: Graph
) -> None:
    """The build reads the data where its store holds it (a large graph is never copied into
    rdflib); the page must be the one the graph gives."""
    store = LocalStore.from_dataset(sources.dataset)
    graphs = [str(g.identifier) for g in sources.named_graphs() if g.identifier != ONTOLOGY_GRAPH]

    def select(text: str) -> list[dict]:
        return store.rows(text, graphs=graphs)

    assert docs.describe_ontology(ontology, select) == docs.describe_ontology(ontology, data)
    empty = docs.describe_ontology(ontology, lambda text: [])
    assert not any(term.examples for term in empty.terms), "a counter-example: no data, no uses"


def test_data_with_an_iri_no_query_can_write_still_gives_the_page(
    ontology: Graph, data: Graph
) -> None:
    """Counter-example: pyoxigraph refuses such an IRI and rdflib will not write it into a
    query; the page is still made (from rdflib), and the IRI is only left unnamed."""
    odd = URIRef("https://w3id.org/cbss-kg/id/state/0 odd")  # the first state by IRI
    extended = Graph()
    extended += data
    extended.add((odd, RDF.type, CBSS.State))
    extended.add((odd, SKOS.prefLabel, Literal("Odd", lang="en")))
    doc = docs.describe_ontology(ontology, extended)
    assert odd not in doc.labels
    (state,) = [term for term in doc.terms if term.iri == CBSS.State]
    assert state.examples[0].subject == odd and state.examples[0].subject_labels == {}


def test_an_extra_term_gets_an_entry_and_a_box(ontology: Graph, data: Graph) -> None:
    """Counter-example: the documentation follows the ontology, not a list kept here."""
    extended = Graph()
    extended += ontology
    extra = CBSS.ExtraThing
    extended.add((extra, RDF.type, OWL.Class))
    extended.add((extra, RDFS.label, Literal("Extra thing", lang="en")))
    extended.add((extra, RDFS.label, Literal("Papildu lieta", lang="lv")))
    extended.add((extra, SKOS.definition, Literal("Only in this test.", lang="en")))
    extended.add((extra, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")))
    parser = HTMLParser(namespaceHTMLElements=False)
    before = parser.parse(docs.render_ontology_html(ontology, data))
    after = parser.parse(docs.render_ontology_html(extended, data))
    assert by_id(before, "ExtraThing") is None
    article = by_id(after, "ExtraThing")
    assert article is not None and "Papildu lieta" in text_of(article)
    count = len([a for a in after.iter("article")]) - len([a for a in before.iter("article")])
    assert count == 1
    assert diagram_boxes(docs.render_class_diagram(extended)) - diagram_boxes(
        docs.render_class_diagram(ontology)) == {"Extra thing (cbss:ExtraThing)"}


def test_page_is_self_contained(page: tuple[str, ET.Element]) -> None:
    _, root = page
    assert not list(root.iter("script"))
    assert not [link for link in root.iter("link") if link.get("rel") == "stylesheet"]
    assert not [e for e in root.iter() if e.get("src")]
    assert list(root.iter("style"))


# The class diagram ----------------------------------------------------------------------------


def diagram_titles(text: str) -> list[str]:
    root = ET.fromstring(text)
    return [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
            if g.find(f"{SVG}title") is not None]


def diagram_boxes(text: str) -> set[str]:
    root = ET.fromstring(text)
    return {g.find(f"{SVG}title").text.split(" — ")[0] for g in root.iter(f"{SVG}g")
            if "class-box" in g.get("class", "") and g.find(f"{SVG}title") is not None}


@pytest.mark.parametrize("lang", docs.LANGUAGES)
def test_diagram_is_accessible_svg(ontology: Graph, lang: str) -> None:
    root = ET.fromstring(docs.render_class_diagram(ontology, lang=lang))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.find(f"{SVG}style") is not None


@pytest.mark.parametrize("lang", docs.LANGUAGES)
def test_diagram_draws_classes_subclasses_and_properties(ontology: Graph, lang: str) -> None:
    titles = diagram_titles(docs.render_class_diagram(ontology, lang=lang))
    boxes = {t.split(" — ")[0] for t in titles}

    def label(term: URIRef) -> str:
        return next(str(x) for x in literals(ontology, term, RDFS.label) if x.language == lang)

    def name(term: URIRef) -> str:
        if str(term).startswith(str(CBSS)):
            return f"{label(term)} ({docs.curie(term)})"
        return f"{docs.curie(term).partition(':')[2]} ({docs.curie(term)})"

    classes = [t for t in local_terms(ontology) if (t, RDF.type, OWL.Class) in ontology]
    for term in classes:
        assert name(term) in boxes
        for parent in ontology.objects(term, RDFS.subClassOf):
            if isinstance(parent, URIRef):
                assert name(parent) in boxes
                assert any(t.startswith(label(term)) and name(parent).split(" (")[0] in t
                           for t in titles if "—" in t and t.count("—") == 2)
    properties = [t for t in local_terms(ontology) if (t, RDF.type, OWL.ObjectProperty) in ontology]
    drawn = 0
    for prop in properties:
        for domain in ontology.objects(prop, RDFS.domain):
            for range_ in ontology.objects(prop, RDFS.range):
                if isinstance(domain, URIRef) and isinstance(range_, URIRef):
                    edge = (f"{label(prop)} ({docs.curie(prop)}): {name(domain).split(' (')[0]} "
                            f"→ {name(range_).split(' (')[0]}")
                    assert edge in titles
                    drawn += 1
    assert drawn, "no object property with a named domain and range"


def test_diagram_and_page_are_deterministic(ontology: Graph, data: Graph) -> None:
    assert docs.render_class_diagram(ontology) == docs.render_class_diagram(ontology)
    assert docs.render_ontology_html(ontology, data) == docs.render_ontology_html(ontology, data)


def test_unknown_language_is_refused(ontology: Graph) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        docs.render_class_diagram(ontology, lang="de")


def test_docs_command_writes_the_pages_and_pictures(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    run = subprocess.run([sys.executable, "-m", "cbss_kg", "docs", "--out", str(out), "--lang",
                          "lv"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(["ontology.html", "ontology.svg", "timeline.svg",
                              "participation.svg", "membership.svg"])
    page = HTMLParser(strict=True, namespaceHTMLElements=False).parse(
        (out / "ontology.html").read_text(encoding="utf-8"))
    assert page.get("lang") == "lv"
    for name in written:
        if name.endswith(".svg"):
            assert ET.parse(out / name).getroot().get("lang") == "lv"
