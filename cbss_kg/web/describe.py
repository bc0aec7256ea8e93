"""The description of a thing: what the graph says about one IRI, and who says it.

A description is CBD-like: every statement with the thing as subject, in every named graph, with
blank nodes below it followed (two levels, enough for OWL restrictions and amounts of money), plus
every statement that points at the thing (incoming links). Each statement keeps the named graph it
comes from, so a page can name the source of each, and the TriG form can keep them apart.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from cbss_kg import jsonld
from cbss_kg.namespaces import GRAPH, PREFIXES
from cbss_kg.web import i18n
from cbss_kg.web.conneg import JSON_LD, N_TRIPLES, RDF_XML, TRIG, TURTLE, Format
from cbss_kg.web.site import QueryStore, Site

DESCRIBE_QUERY = """
SELECT ?this ?dir ?g ?s ?p ?o WHERE {
  GRAPH ?g {
    { ?this ?p ?o . BIND(?this AS ?s) BIND("out" AS ?dir) }
    UNION
    { BIND("out" AS ?dir) ?this ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o . }
    UNION
    { BIND("out" AS ?dir) ?this ?p1 ?b . FILTER(isBlank(?b)) ?b ?p2 ?s . FILTER(isBlank(?s))
      ?s ?p ?o . }
    UNION
    { ?s ?p ?this . BIND(?this AS ?o) BIND("in" AS ?dir) }
  }
}
"""
"""Everything said about ``?this`` and everything pointing at it, each with its graph.

(The blank-node branches bind ``?dir`` first: Virtuoso 7.2's SPARQL compiler fails with an
internal error, SP031 ``sparp_gp_deprecate()``, when that BIND follows their FILTERs.)"""

INFERRED = str(GRAPH["inferred"])

_SKOS = PREFIXES["skos"]
_FIRST_PROPERTIES = [
    _SKOS + "prefLabel",
    _SKOS + "altLabel",
    _SKOS + "notation",
    str(RDF.type),
    PREFIXES["dct"] + "description",
    _SKOS + "definition",
    PREFIXES["rdfs"] + "label",
    PREFIXES["rdfs"] + "comment",
]


@dataclass(frozen=True)
class Quad:
    """One statement of a description and the named graph that holds it."""

    subject: Node
    predicate: URIRef
    object: Node
    graph: str
    incoming: bool = False


@dataclass
class Description:
    """Everything the graph says about one IRI."""

    iri: str
    quads: list[Quad] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.quads)

    @property
    def outgoing(self) -> list[Quad]:
        return [q for q in self.quads if not q.incoming]

    @property
    def incoming(self) -> list[Quad]:
        return [q for q in self.quads if q.incoming]

    def types(self) -> list[str]:
        subject = URIRef(self.iri)
        return sorted(
            {
                str(q.object)
                for q in self.outgoing
                if q.subject == subject and q.predicate == RDF.type and isinstance(q.object, URIRef)
            }
        )

    def values(self, predicate: str) -> list[Node]:
        subject = URIRef(self.iri)
        seen: dict[Node, None] = {}
        for quad in self.outgoing:
            if quad.subject == subject and str(quad.predicate) == predicate:
                seen.setdefault(quad.object)
        return list(seen)

    def graph(self) -> Graph:
        """The description as one graph (statements of all sources merged)."""
        graph = Graph()
        _bind(graph)
        for quad in self.quads:
            graph.add((quad.subject, quad.predicate, quad.object))
        return graph

    def dataset(self) -> Dataset:
        """The description with each statement in the named graph of its source."""
        dataset = Dataset()
        _bind(dataset)
        for quad in self.quads:
            dataset.graph(URIRef(quad.graph)).add((quad.subject, quad.predicate, quad.object))
        return dataset


def used_prefixes(graph: Graph) -> dict[str, str]:
    """The project prefixes whose namespace an IRI of ``graph`` (or a datatype) starts with."""
    iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    iris |= {str(t.datatype) for _, _, t in graph if isinstance(t, Literal) and t.datatype}
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def describe(store: QueryStore, iri: str) -> Description:
    """Ask the store for the description of ``iri`` (bound as an RDF term, never pasted).

    A fixed query whose answer is bounded by what the release says about one IRI, so it runs in
    the server's process without a time budget: pages keep answering while every query worker
    is busy with a visitor's long query.
    """
    result = store.query(DESCRIBE_QUERY, bindings={"this": URIRef(iri)}, timeout=None)
    description = Description(iri)
    seen: set[Quad] = set()
    for row in result.rows:
        subject, predicate, obj, graph = row.get("s"), row.get("p"), row.get("o"), row.get("g")
        if subject is None or not isinstance(predicate, URIRef) or obj is None or graph is None:
            continue
        quad = Quad(subject, predicate, obj, str(graph), str(row.get("dir")) == "in")
        if quad not in seen:
            seen.add(quad)
            description.quads.append(quad)
    return description


def serialize(
    description: Description, fmt: Format, context: Mapping[str, Any] | None = None
) -> bytes:
    """The description in an RDF format; TriG keeps each statement in its source's graph.

    JSON-LD is compacted with the project's ``context`` (the release's ``context.jsonld``) and
    refers to it by its stable IRI, so it reads as plain JSON (``"name": {"lv": …}``).
    """
    if fmt == TRIG:
        return description.dataset().serialize(format="trig", encoding="utf-8")
    graph = description.graph()
    if fmt == TURTLE:
        return graph.serialize(format="turtle", encoding="utf-8")
    if fmt == N_TRIPLES:
        return graph.serialize(format="nt", encoding="utf-8")
    if fmt == RDF_XML:
        return graph.serialize(format="pretty-xml", encoding="utf-8")
    if fmt == JSON_LD and context is not None:
        document = jsonld.compact_graph(graph, context, embed_context=False)
        return jsonld.dumps(document).encode("utf-8")
    if fmt == JSON_LD:
        return graph.serialize(
            format="json-ld", context=used_prefixes(graph), auto_compact=True, encoding="utf-8"
        )
    raise ValueError(f"not an RDF format: {fmt.name}")


# Views for pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A node shown on a page: the text to show, where it links, and how to style it."""

    text: str
    href: str | None = None
    external: bool = False
    lang: str | None = None
    note: str | None = None
    """A small hint after the text: a language tag or a datatype."""
    kind: str = "iri"
    title: str | None = None
    """The full IRI of a linked thing, shown on hover."""
    key: str | None = None
    """For a blank node: its identifier, to find the statements about it."""


@dataclass(frozen=True)
class Source:
    text: str
    href: str
    document: str | None = None


@dataclass
class Row:
    """One property of a thing with its values, each value with the sources that state it."""

    predicate: Link
    values: list[tuple[Link, list[Source]]] = field(default_factory=list)


class Presenter:
    """Turns RDF terms into links and text for the pages of one site in one language."""

    def __init__(self, site: Site, lang: str, href: Any) -> None:
        self.site = site
        self.lang = lang
        self.href = href

    def fetch(self, nodes: Iterable[Any]) -> None:
        """Look up the names of every IRI among ``nodes`` at once, before a page shows them."""
        self.site.labels.fetch(str(node) for node in nodes if isinstance(node, URIRef))

    def node(self, node: Node) -> Link:
        if isinstance(node, URIRef):
            return self.iri(str(node))
        if isinstance(node, Literal):
            return self.literal(node)
        return Link(text="", kind="blank", key=str(node))

    def iri(self, iri: str, *, term: bool = False) -> Link:
        """A link to a thing (its page here, or the IRI itself elsewhere), shown by its label.

        ``term`` marks a property or class, named by its label or its local name in words.
        """
        labels = self.site.labels
        text = labels.term(iri, self.lang) if term else labels.label(iri, self.lang)
        kind = "term" if term else "iri"
        local = self.site.local_path(iri)
        if local is not None:
            return Link(text=text, href=self.href(local), kind=kind, title=iri)
        return Link(text=text, href=iri, external=not term, kind=kind, title=iri)

    def literal(self, literal: Literal) -> Link:
        date = i18n.format_date(literal, self.lang)
        if date:
            return Link(text=date, kind="date", note=str(literal))
        if literal.language:
            return Link(
                text=str(literal), lang=literal.language, note=literal.language, kind="text"
            )
        datatype = literal.datatype
        note = None
        if datatype is not None and datatype != XSD.string:
            note = self.site.labels.label(str(datatype), self.lang)
        return Link(text=str(literal), note=note, kind="literal")

    def source(self, graph: str) -> Source:
        info = self.site.graphs.get(graph)
        text = info.label(self.lang) if info else self.site.labels.label(graph, self.lang)
        local = self.site.local_path(graph)
        return Source(
            text=text,
            href=self.href(local) if local else graph,
            document=info.source if info else None,
        )

    def rows(
        self, quads: Iterable[Quad], *, subject: Node | None = None, incoming: bool = False
    ) -> list[Row]:
        """Group statements by property (values by their first appearance), sources per value."""
        grouped: dict[str, dict[Node, list[str]]] = defaultdict(dict)
        for quad in quads:
            if subject is not None and quad.subject != subject:
                continue
            value = quad.subject if incoming else quad.object
            graphs = grouped[str(quad.predicate)].setdefault(value, [])
            if quad.graph not in graphs:
                graphs.append(quad.graph)
        order = {p: i for i, p in enumerate(_FIRST_PROPERTIES)}
        rows = []
        for predicate in sorted(
            grouped,
            key=lambda p: (order.get(p, len(order)), self.site.labels.term(p, self.lang).lower()),
        ):
            row = Row(predicate=self.iri(predicate, term=True))
            values = sorted(grouped[predicate].items(), key=lambda item: self._value_key(item[0]))
            for value, graphs in values:
                row.values.append((self.node(value), [self.source(g) for g in sorted(graphs)]))
            rows.append(row)
        return rows

    def _value_key(self, node: Node) -> tuple[int, str]:
        if isinstance(node, Literal):
            preferred = 0 if node.language == self.lang else 1
            return (preferred, str(node).lower())
        if isinstance(node, URIRef):
            return (2, self.site.labels.label(str(node), self.lang).lower())
        return (3, str(node))


# schema.org for search engines ----------------------------------------------------------------

_SCHEMA = "https://schema.org/"


def schema_org(description: Description, site: Site, page_url: str) -> str:
    """A schema.org JSON-LD description of the thing, safe to embed in a ``<script>`` element.

    Names come from ``skos:prefLabel`` (all languages), other wordings from ``skos:altLabel``,
    links to other datasets from ``skos:exactMatch``, and every ``schema:`` statement the graph
    has is carried over as it is.
    """
    subject = URIRef(description.iri)
    data: dict[str, Any] = {"@context": "https://schema.org", "@id": description.iri}
    types = [t[len(_SCHEMA) :] for t in description.types() if t.startswith(_SCHEMA)]
    data["@type"] = types if len(types) > 1 else (types[0] if types else "Thing")
    data["url"] = page_url

    def value(node: Node) -> Any:
        if isinstance(node, URIRef):
            entry: dict[str, Any] = {"@id": str(node)}
            label = site.labels.get(str(node), "en")
            if label:
                entry["name"] = label
            return entry
        if isinstance(node, Literal):
            if node.language:
                return {"@value": str(node), "@language": node.language}
            return str(node)
        return None

    def put(key: str, nodes: Sequence[Node]) -> None:
        values = [v for v in (value(n) for n in nodes) if v is not None]
        if values:
            data[key] = values if len(values) > 1 else values[0]

    put("name", description.values(_SKOS + "prefLabel"))
    put("alternateName", description.values(_SKOS + "altLabel"))
    put("description", description.values(PREFIXES["dct"] + "description"))
    same_as = [n for n in description.values(_SKOS + "exactMatch") if isinstance(n, URIRef)]
    if same_as:
        data["sameAs"] = [str(n) for n in same_as]
    by_property: Mapping[str, list[Node]] = defaultdict(list)
    for quad in description.outgoing:
        predicate = str(quad.predicate)
        if quad.subject == subject and predicate.startswith(_SCHEMA):
            key = predicate[len(_SCHEMA) :]
            if quad.object not in by_property[key]:
                by_property[key].append(quad.object)
    for key, nodes in sorted(by_property.items()):
        if key not in data:
            put(key, [n for n in nodes if not isinstance(n, BNode)])
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
