"""cbss_kg.web.site: names of things looked up in the store as pages ask for them."""

from __future__ import annotations

from typing import Any

import pytest

from cbss_kg.store import EmbeddedStore
from cbss_kg.web.site import Labels, load_graphs

E = "http://e.org/"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
TIME = "http://www.w3.org/2006/time#"
XSD = "http://www.w3.org/2001/XMLSchema#"
MANY = 450
"""More things than one lookup asks for, so the lookups come in batches."""


def _quads() -> bytes:
    g1, g2 = f"<{E}g1>", f"<{E}g2>"
    lines = [
        f'<{E}lv> <{SKOS}prefLabel> "Latvija"@lv {g1} .',
        f'<{E}lv> <{SKOS}prefLabel> "Latvia"@en {g1} .',
        f'<{E}lv> <{RDFS}label> "LV (rdfs)"@en {g2} .',
        f'<{E}cbss> <{RDFS}label> "Council"@en {g2} .',
        f'<{E}observer> <{SKOS}prefLabel> "observer"@en {g1} .',
        f"<{E}m1> <{ORG}member> <{E}lv> {g1} .",
        f"<{E}m1> <{ORG}organization> <{E}cbss> {g1} .",
        f"<{E}m1> <{ORG}role> <{E}observer> {g2} .",
        f'<{E}start> <{TIME}inXSDDate> "1992-03-05"^^<{XSD}date> {g1} .',
        f'<{E}end> <{TIME}inXSDgYear> "1995"^^<{XSD}gYear> {g2} .',
        f"<{E}period> <{TIME}hasBeginning> <{E}start> {g1} .",
        f"<{E}period> <{TIME}hasEnd> <{E}end> {g1} .",
    ]
    lines += [f'<{E}thing{i}> <{SKOS}prefLabel> "thing {i}"@en {g1} .' for i in range(MANY)]
    return "\n".join(lines).encode()


class Counting:
    """A store that counts the queries asked of it."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.queries = 0

    def query(self, text: str, **options: Any) -> Any:
        self.queries += 1
        return self.store.query(text, **options)


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    with EmbeddedStore(_quads(), workers=1) as opened:
        yield opened


def test_explicit_labels_by_language_and_priority(store: EmbeddedStore) -> None:
    labels = Labels(store)
    assert labels.label(f"{E}lv", "lv") == "Latvija"
    assert labels.label(f"{E}lv", "en") == "Latvia"  # skos:prefLabel before rdfs:label
    assert labels.label(f"{E}cbss", "lv") == "Council"  # the other language when none in lv
    assert labels.get(f"{E}nothing", "en") is None


def test_dates_periods_and_memberships_are_named_from_their_parts(store: EmbeddedStore) -> None:
    labels = Labels(store)
    assert labels.label(f"{E}start", "en") == "5 March 1992"
    assert labels.label(f"{E}period", "en") == "5 March 1992 \u2013 1995"
    assert labels.label(f"{E}m1", "en") == "Latvia \u2014 Council (observer)"
    assert labels.label(f"{E}m1", "lv") == "Latvija \u2014 Council (observer)"


def test_a_page_looks_up_its_names_in_batches(store: EmbeddedStore) -> None:
    counting = Counting(store)
    labels = Labels(counting)
    things = [f"{E}thing{i}" for i in range(MANY)]
    labels.fetch(things)
    asked = counting.queries
    assert asked == 2  # 450 things, 400 to a lookup
    assert [labels.label(iri, "en") for iri in things] == [f"thing {i}" for i in range(MANY)]
    assert counting.queries == asked  # kept: asking again reads nothing


def test_an_iri_that_cannot_be_written_into_a_query_has_no_name(store: EmbeddedStore) -> None:
    labels = Labels(store)
    broken = f"{E}a> ?s ?p ?o . <{E}b"
    assert labels.get(broken, "en") is None
    assert labels.label(f"{E}lv", "en") == "Latvia"


def test_each_graph_is_counted_once_whatever_its_sources(store: EmbeddedStore) -> None:
    """A graph derived from two documents still holds the statements it holds."""
    meta = f"<{E}meta>"
    derived = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
    sources = _quads() + "\n".join(["",
        f"<{E}g1> {derived} <{E}doc-a> {meta} .",
        f"<{E}g1> {derived} <{E}doc-b> {meta} .",
    ]).encode()
    with EmbeddedStore(sources, workers=1) as both:
        graphs = load_graphs(both, Labels(both))
    expected = {f"{E}g1": 8 + MANY, f"{E}g2": 4, f"{E}meta": 2}
    assert {iri: info.triples for iri, info in graphs.items()} == expected
    assert graphs[f"{E}g1"].source in (f"{E}doc-a", f"{E}doc-b")
    assert graphs[f"{E}g2"].source is None
