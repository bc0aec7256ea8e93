"""Documentation generated from the ontology itself: one HTML page and a class diagram in SVG.

Both are functions from the ontology's rdflib graph and the data to strings, so the build writes
them into the release and the server can render them on request (``?lang=lv``). Nothing here is
written by hand about a term: labels, definitions, hierarchy, domains and ranges come from the
ontology; examples of use and usage counts come from the data, asked as SPARQL of the store that
holds it (the build's, the server's), so that a large graph is never copied into rdflib.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cbss_kg import svg
from cbss_kg.namespaces import CBSS, ONTOLOGY_IRI, PREFIXES, VANN
from cbss_kg.queries import iri_text
from cbss_kg.store import LocalStore, StoreLoadError

LANGUAGES = ("en", "lv")
"""The languages every page is written in; the first is the default."""

KINDS = ("class", "object-property", "datatype-property", "annotation-property", "datatype")
"""Kinds of local term, in the order the page lists them."""

_KIND_TYPES: dict[URIRef, str] = {
    OWL.Class: "class",
    RDFS.Class: "class",
    OWL.ObjectProperty: "object-property",
    OWL.DatatypeProperty: "datatype-property",
    OWL.AnnotationProperty: "annotation-property",
    RDF.Property: "object-property",
    RDFS.Datatype: "datatype",
}

_CHARACTERISTICS = {
    OWL.FunctionalProperty: "functional",
    OWL.InverseFunctionalProperty: "inverse-functional",
    OWL.TransitiveProperty: "transitive",
    OWL.SymmetricProperty: "symmetric",
    OWL.AsymmetricProperty: "asymmetric",
    OWL.ReflexiveProperty: "reflexive",
    OWL.IrreflexiveProperty: "irreflexive",
}

VOCABULARY_TITLES = {
    "rdf": "RDF",
    "rdfs": "RDF Schema",
    "owl": "OWL 2",
    "xsd": "XML Schema datatypes",
    "skos": "SKOS",
    "skosxl": "SKOS-XL",
    "dct": "DCMI Metadata Terms",
    "dcat": "DCAT",
    "void": "VoID",
    "vann": "VANN",
    "foaf": "FOAF",
    "org": "W3C Organization Ontology",
    "time": "OWL-Time",
    "prov": "PROV-O",
    "schema": "schema.org",
    "eli": "European Legislation Identifier (ELI) ontology",
    "cv": "SEMIC Core Vocabularies (CPOV, CPSV-AP)",
    "euvoc": "EU Vocabularies (EuVoc)",
    "sh": "SHACL",
}
"""Human names of the vocabularies we reuse, by their prefix in :data:`PREFIXES`."""

_INSTANCE_PREFIXES = frozenset({"id", "graph", "wd", "wdt", "opcountry", "opcb", "oplang"})
"""Prefixes of things rather than vocabularies: linked to, but not "reused vocabularies"."""

EXAMPLES_PER_TERM = 3

UI: dict[str, dict[str, str]] = {
    "en": {
        "ontology": "Ontology",
        "contents": "Contents",
        "overview": "Overview",
        "iri": "IRI",
        "version_iri": "Version IRI",
        "version": "Version",
        "licence": "Licence",
        "prefix": "Preferred prefix",
        "namespace": "Namespace",
        "creator": "Creator",
        "publisher": "Publisher",
        "created": "Created",
        "issued": "Issued",
        "modified": "Modified",
        "imports": "Imports",
        "see_also": "See also",
        "diagram": "Class diagram",
        "diagram_full": "Open the class diagram at full size (SVG)",
        "class": "Classes",
        "object-property": "Object properties",
        "datatype-property": "Datatype properties",
        "annotation-property": "Annotation properties",
        "datatype": "Datatypes",
        "label": "Label",
        "definition": "Definition",
        "comment": "Comment",
        "example_note": "Note",
        "superclasses": "Subclass of",
        "subclasses": "Superclass of",
        "equivalent": "Equivalent to",
        "superproperties": "Subproperty of",
        "subproperties": "Superproperty of",
        "inverse": "Inverse of",
        "domain": "Domain",
        "range": "Range",
        "domain_of": "Domain of",
        "range_of": "Range of",
        "characteristics": "Characteristics",
        "base_datatype": "Based on",
        "facets": "Restrictions",
        "deprecated": "Deprecated",
        "examples": "Examples from the data",
        "no_examples": "Not used in the data yet.",
        "reused": "Reused vocabularies",
        "reused_intro": "Standard vocabularies whose terms the ontology builds on or the data "
        "uses.",
        "vocabulary": "Vocabulary",
        "terms_used": "Terms used",
        "used_in_data": "triples in the data",
        "used_by": "used by",
        "language": "Language",
        "and": "and",
        "or": "or",
        "not": "not",
        "some": "some",
        "only": "only",
        "value": "value",
        "exactly": "exactly",
        "min": "at least",
        "max": "at most",
        "generated": "Generated from the ontology and the data by cbss-kg.",
        "characteristic.functional": "functional",
        "characteristic.inverse-functional": "inverse functional",
        "characteristic.transitive": "transitive",
        "characteristic.symmetric": "symmetric",
        "characteristic.asymmetric": "asymmetric",
        "characteristic.reflexive": "reflexive",
        "characteristic.irreflexive": "irreflexive",
        "diagram_desc": "{classes} local classes with the reused classes they specialise; "
        "hollow arrows point from a class to its superclass, labelled arrows go from the domain "
        "to the range of each object property.",
        "legend_local": "class of this ontology",
        "legend_reused": "reused class",
        "legend_subclass": "subclass of",
        "legend_property": "object property (domain → range)",
    },
    "lv": {
        "ontology": "Ontoloģija",
        "contents": "Saturs",
        "overview": "Pārskats",
        "iri": "IRI",
        "version_iri": "Versijas IRI",
        "version": "Versija",
        "licence": "Licence",
        "prefix": "Ieteicamais prefikss",
        "namespace": "Vārdtelpa",
        "creator": "Autors",
        "publisher": "Izdevējs",
        "created": "Izveidots",
        "issued": "Izdots",
        "modified": "Mainīts",
        "imports": "Importē",
        "see_also": "Skatīt arī",
        "diagram": "Klašu diagramma",
        "diagram_full": "Atvērt klašu diagrammu pilnā izmērā (SVG)",
        "class": "Klases",
        "object-property": "Objektu īpašības",
        "datatype-property": "Datu īpašības",
        "annotation-property": "Anotāciju īpašības",
        "datatype": "Datu tipi",
        "label": "Nosaukums",
        "definition": "Definīcija",
        "comment": "Komentārs",
        "example_note": "Piezīme",
        "superclasses": "Apakšklase klasei",
        "subclasses": "Virsklase klasēm",
        "equivalent": "Ekvivalenta",
        "superproperties": "Apakšīpašība īpašībai",
        "subproperties": "Virsīpašība īpašībām",
        "inverse": "Inversā īpašība",
        "domain": "Definīcijas apgabals",
        "range": "Vērtību apgabals",
        "domain_of": "Definīcijas apgabals īpašībām",
        "range_of": "Vērtību apgabals īpašībām",
        "characteristics": "Raksturojums",
        "base_datatype": "Balstīts uz",
        "facets": "Ierobežojumi",
        "deprecated": "Novecojis",
        "examples": "Piemēri no datiem",
        "no_examples": "Datos vēl netiek lietots.",
        "reused": "Atkārtoti izmantotās vārdnīcas",
        "reused_intro": "Standarta vārdnīcas, uz kuru terminiem balstās ontoloģija vai kurus "
        "izmanto dati.",
        "vocabulary": "Vārdnīca",
        "terms_used": "Izmantotie termini",
        "used_in_data": "trijnieki datos",
        "used_by": "izmanto",
        "language": "Valoda",
        "and": "un",
        "or": "vai",
        "not": "ne",
        "some": "kāds",
        "only": "tikai",
        "value": "vērtība",
        "exactly": "tieši",
        "min": "vismaz",
        "max": "ne vairāk kā",
        "generated": "Ģenerēts no ontoloģijas un datiem ar cbss-kg.",
        "characteristic.functional": "funkcionāla",
        "characteristic.inverse-functional": "inversi funkcionāla",
        "characteristic.transitive": "tranzitīva",
        "characteristic.symmetric": "simetriska",
        "characteristic.asymmetric": "asimetriska",
        "characteristic.reflexive": "refleksīva",
        "characteristic.irreflexive": "irefleksīva",
        "diagram_desc": "{classes} šīs ontoloģijas klases ar atkārtoti izmantotajām klasēm, "
        "kuras tās precizē; tukšās bultas vedas no klases uz tās virsklasi, bultas ar nosaukumu — "
        "no katras objektu īpašības definīcijas apgabala uz vērtību apgabalu.",
        "legend_local": "šīs ontoloģijas klase",
        "legend_reused": "atkārtoti izmantota klase",
        "legend_subclass": "apakšklase",
        "legend_property": "objektu īpašība (definīcijas apgabals → vērtību apgabals)",
    },
}
"""The page's own words in each language; everything else comes from the graphs."""


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return lang


def curie(iri: Node) -> str:
    """Shorten an IRI with the project's prefix map, or return it unchanged."""
    text = str(iri)
    best = ""
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = text[len(PREFIXES[best]) :]
        if local and all(c.isalnum() or c in "-_." for c in local):
            return f"{best}:{local}"
    return text


def _namespace_of(iri: URIRef) -> str | None:
    prefix, _, local = curie(iri).partition(":")
    return prefix if local and prefix in PREFIXES else None


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    """Literals of ``predicate`` by language (untagged under ``""``), the smallest if several."""
    found: dict[str, list[str]] = defaultdict(list)
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            found[value.language or ""].append(str(value))
    return {language: sorted(values)[0] for language, values in sorted(found.items())}


def _pick(texts: dict[str, str], lang: str) -> str | None:
    """The text in ``lang``, else untagged, else English, else any."""
    for key in (lang, "", "en", *sorted(texts)):
        if key in texts:
            return texts[key]
    return None


@dataclass(frozen=True)
class Expression:
    """A class or datatype expression as the page shows it: a named term or an operator."""

    iri: URIRef | None = None
    operator: str | None = None
    parts: tuple[Expression, ...] = ()
    property: URIRef | None = None
    number: int | None = None
    value: Node | None = None


@dataclass(frozen=True)
class Example:
    """One use of a term in the data: a subject (and for properties, the object it points to)."""

    subject: URIRef
    subject_labels: dict[str, str]
    value: Node | None = None
    value_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Term:
    """A term the ontology defines, with everything the page says about it."""

    iri: URIRef
    anchor: str
    kind: str
    labels: dict[str, str]
    definitions: dict[str, str]
    comments: dict[str, str]
    supers: tuple[Expression, ...] = ()
    subs: tuple[URIRef, ...] = ()
    equivalents: tuple[Expression, ...] = ()
    domains: tuple[Expression, ...] = ()
    ranges: tuple[Expression, ...] = ()
    inverses: tuple[URIRef, ...] = ()
    characteristics: tuple[str, ...] = ()
    domain_of: tuple[URIRef, ...] = ()
    range_of: tuple[URIRef, ...] = ()
    base_datatype: URIRef | None = None
    facets: tuple[tuple[URIRef, Literal], ...] = ()
    deprecated: bool = False
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True)
class ReusedTerm:
    """A term of another vocabulary: where the ontology refers to it, how often the data uses it."""

    iri: URIRef
    used_by: tuple[URIRef, ...]
    data_triples: int


@dataclass(frozen=True)
class Vocabulary:
    prefix: str
    namespace: str
    title: str
    terms: tuple[ReusedTerm, ...]


@dataclass(frozen=True)
class OntologyDoc:
    """What the documentation page shows, gathered once from the graphs."""

    iri: URIRef
    titles: dict[str, str]
    descriptions: dict[str, str]
    header: tuple[tuple[str, tuple[Node, ...]], ...]
    namespace: str
    prefix: str
    terms: tuple[Term, ...]
    vocabularies: tuple[Vocabulary, ...]
    labels: dict[URIRef, dict[str, str]]

    def of_kind(self, kind: str) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.kind == kind)

    def local(self, iri: Node) -> Term | None:
        return next((term for term in self.terms if term.iri == iri), None)


def _ontology_iri(ontology: Graph) -> URIRef:
    found = sorted(s for s in ontology.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
    if not found:
        raise ValueError("the ontology graph has no owl:Ontology")
    return URIRef(ONTOLOGY_IRI) if URIRef(ONTOLOGY_IRI) in found else found[0]


def _namespace(ontology: Graph, iri: URIRef) -> tuple[str, str]:
    uri = ontology.value(iri, VANN.preferredNamespaceUri)
    prefix = ontology.value(iri, VANN.preferredNamespacePrefix)
    return (str(uri) if uri else str(CBSS)), (str(prefix) if prefix else "cbss")


def _is_local(ontology: Graph, term: Node, ontology_iri: URIRef, namespace: str) -> bool:
    return isinstance(term, URIRef) and (
        str(term).startswith(namespace)
        or (term, RDFS.isDefinedBy, ontology_iri) in ontology
    )


def _expression(graph: Graph, node: Node) -> Expression:
    """Read a class or datatype expression; blank nodes become operators over their parts."""
    if isinstance(node, URIRef):
        return Expression(iri=node)
    for predicate, operator in ((OWL.unionOf, "or"), (OWL.intersectionOf, "and")):
        members = graph.value(node, predicate)
        if members is not None:
            parts = tuple(_expression(graph, m) for m in Collection(graph, members))
            return Expression(operator=operator, parts=parts)
    complement = graph.value(node, OWL.complementOf)
    if complement is not None:
        return Expression(operator="not", parts=(_expression(graph, complement),))
    one_of = graph.value(node, OWL.oneOf)
    if one_of is not None:
        return Expression(operator="one-of", parts=tuple(
            Expression(value=m) for m in Collection(graph, one_of)))
    on_property = graph.value(node, OWL.onProperty)
    if isinstance(on_property, URIRef):
        filler_class = graph.value(node, OWL.onClass) or graph.value(node, OWL.onDataRange)
        filler = (_expression(graph, filler_class),) if filler_class is not None else ()
        for predicate, operator in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only")):
            target = graph.value(node, predicate)
            if target is not None:
                return Expression(operator=operator, property=on_property,
                                  parts=(_expression(graph, target),))
        value = graph.value(node, OWL.hasValue)
        if value is not None:
            return Expression(operator="value", property=on_property, value=value)
        for predicates, operator in (
            ((OWL.cardinality, OWL.qualifiedCardinality), "exactly"),
            ((OWL.minCardinality, OWL.minQualifiedCardinality), "min"),
            ((OWL.maxCardinality, OWL.maxQualifiedCardinality), "max"),
        ):
            for predicate in predicates:
                number = graph.value(node, predicate)
                if number is not None:
                    return Expression(operator=operator, property=on_property,
                                      number=int(number), parts=filler)
    return Expression(operator="anonymous")


def _sorted_expressions(graph: Graph, nodes: Iterable[Node]) -> tuple[Expression, ...]:
    named = sorted((n for n in nodes if isinstance(n, URIRef)), key=str)
    anonymous = sorted((n for n in nodes if not isinstance(n, URIRef)),
                       key=lambda n: _expression_key(_expression(graph, n)))
    return tuple(_expression(graph, n) for n in [*named, *anonymous])


def _expression_key(expression: Expression) -> str:
    return repr(expression)


def _kind(ontology: Graph, term: URIRef) -> str | None:
    kinds = {_KIND_TYPES[t] for t in ontology.objects(term, RDF.type) if t in _KIND_TYPES}
    if RDF.Property in set(ontology.objects(term, RDF.type)) and len(kinds) > 1:
        kinds.discard("object-property")
    for kind in KINDS:
        if kind in kinds:
            return kind
    return None


Select = Callable[[str], list[dict[str, Node]]]
"""Runs a SPARQL SELECT over the instance data (the query's default graph) and returns its rows,
each as variable name → term, unbound variables left out."""

_LABELS = (SKOS.prefLabel, RDFS.label)
"""Where a thing's name is read from, in order of preference."""

_COUNTS = f"""SELECT ?p ?class ?datatype (COUNT(*) AS ?n) WHERE {{
  {{ SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o }} }}
  BIND(IF(?p = <{RDF.type}> && isIRI(?o), ?o, "") AS ?class)
  BIND(IF(isLiteral(?o) && lang(?o) = "", datatype(?o), "") AS ?datatype)
}} GROUP BY ?p ?class ?datatype"""

_FIRST = """SELECT ?s ?o WHERE {{
  {{ SELECT DISTINCT ?s WHERE {{ {pattern} FILTER(isIRI(?s)) }} ORDER BY STR(?s) LIMIT {limit} }}
  {pattern}
}}"""

_USE_PATTERNS = {
    "class": "?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {term} .",
    "datatype": "?s ?p ?o FILTER(isLiteral(?o) && datatype(?o) = {term})",
}
_PROPERTY_PATTERN = "?s {term} ?o ."

_BATCH = 400
"""IRIs whose labels one query asks for."""


class _Data:
    """The instance data as the page needs it: usage counts, the first uses of a term and the
    names of given things. Everything is asked as SPARQL, so that a large graph is read by the
    store that holds it and only the answers come into Python."""

    def __init__(self, select: Select) -> None:
        self._select = select

    def counts(self) -> dict[URIRef, int]:
        """Triples using each IRI as predicate, as the class of an ``rdf:type`` triple, or as
        the datatype of a literal (a plain literal is an ``xsd:string``, as in RDF 1.1)."""
        counts: dict[URIRef, int] = defaultdict(int)
        for row in self._select(_COUNTS):
            number = int(row["n"])
            for key in ("p", "class", "datatype"):
                if isinstance(row.get(key), URIRef):
                    counts[row[key]] += number
        return counts

    def first_uses(self, term: URIRef, kind: str) -> list[tuple[URIRef, Node | None]]:
        """Up to :data:`EXAMPLES_PER_TERM` uses of ``term``, one per subject, chosen stably:
        the first subjects by IRI, each with its first value (none for a class)."""
        written = iri_text(term)
        if written is None:
            return []
        pattern = _USE_PATTERNS.get(kind, _PROPERTY_PATTERN).format(term=written)
        rows = self._select(_FIRST.format(pattern=pattern, limit=EXAMPLES_PER_TERM))
        values: dict[URIRef, list[Node]] = defaultdict(list)
        for row in rows:
            values[row["s"]].extend([row["o"]] if "o" in row else [])
        sort_key = (lambda node: str(node)) if kind == "datatype" else (lambda node: node.n3())
        return [
            (subject, min(values[subject], key=sort_key) if kind != "class" else None)
            for subject in sorted(values, key=str)
        ]

    def texts(self, iris: Iterable[URIRef]) -> dict[URIRef, dict[URIRef, dict[str, str]]]:
        """The labels of ``iris``: IRI → label property → language → text (the smallest if
        several), asked in batches so that no query grows with the page."""
        found: dict[URIRef, dict[URIRef, dict[str, list[str]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list)))
        wanted = sorted({written for iri in iris if (written := iri_text(iri)) is not None})
        predicates = " ".join(p.n3() for p in _LABELS)
        for start in range(0, len(wanted), _BATCH):
            values = " ".join(wanted[start : start + _BATCH])
            for row in self._select(
                f"SELECT ?s ?p ?text WHERE {{ VALUES ?s {{ {values} }} "
                f"VALUES ?p {{ {predicates} }} ?s ?p ?text FILTER(isLiteral(?text)) }}"
            ):
                found[row["s"]][row["p"]][row["text"].language or ""].append(str(row["text"]))
        return {
            iri: {p: {language: min(texts) for language, texts in sorted(by_language.items())}
                  for p, by_language in by_predicate.items()}
            for iri, by_predicate in found.items()
        }


def _graph_select(data: Graph) -> Select:
    """A :data:`Select` over an rdflib graph: run by pyoxigraph, or by rdflib when the graph
    holds a term pyoxigraph cannot."""
    try:
        store = LocalStore.from_dataset(data)
    except StoreLoadError:
        def select(text: str) -> list[dict[str, Node]]:
            return [{str(k): v for k, v in row.asdict().items()} for row in data.query(text)]

        return select
    return store.rows


def _labels_of(tables: Iterable[Callable[[URIRef, URIRef], dict[str, str]]],
               subject: Node) -> dict[str, str]:
    """``skos:prefLabel`` by language, falling back to ``rdfs:label``, across the given sources
    of texts (each: subject, predicate → language → text), the first source first."""
    labels: dict[str, str] = {}
    if not isinstance(subject, URIRef):
        return labels
    for predicate in _LABELS:
        for table in tables:
            for language, text in table(subject, predicate).items():
                labels.setdefault(language, text)
    return labels


def _iris_of(graph: Graph) -> set[URIRef]:
    return {node for triple in graph for node in triple if isinstance(node, URIRef)}


def _header(ontology: Graph, iri: URIRef) -> tuple[tuple[str, tuple[Node, ...]], ...]:
    fields = (
        ("version_iri", OWL.versionIRI),
        ("version", OWL.versionInfo),
        ("licence", DCTERMS.license),
        ("creator", DCTERMS.creator),
        ("publisher", DCTERMS.publisher),
        ("created", DCTERMS.created),
        ("issued", DCTERMS.issued),
        ("modified", DCTERMS.modified),
        ("imports", OWL.imports),
        ("see_also", RDFS.seeAlso),
    )
    rows = []
    for key, predicate in fields:
        values = tuple(sorted(ontology.objects(iri, predicate), key=lambda n: n.n3()))
        if values:
            rows.append((key, values))
    return tuple(rows)


def _reused(counts: dict[URIRef, int], terms: tuple[Term, ...],
            namespace: str) -> tuple[Vocabulary, ...]:
    """Group every outside term the ontology refers to or the data uses by its vocabulary."""
    used_by: dict[URIRef, set[URIRef]] = defaultdict(set)

    def refer(expressions: Iterable[Expression], user: URIRef) -> None:
        for expression in expressions:
            for node in (expression.iri, expression.property):
                if isinstance(node, URIRef) and not str(node).startswith(namespace):
                    used_by[node].add(user)
            refer(expression.parts, user)

    for term in terms:
        refer((*term.supers, *term.equivalents, *term.domains, *term.ranges), term.iri)
        if term.base_datatype is not None:
            refer((Expression(iri=term.base_datatype),), term.iri)
    grouped: dict[str, list[ReusedTerm]] = defaultdict(list)
    for iri in sorted(set(used_by) | set(counts), key=str):
        prefix = _namespace_of(iri)
        if prefix is None or prefix in _INSTANCE_PREFIXES or str(iri).startswith(namespace):
            continue
        grouped[prefix].append(ReusedTerm(iri, tuple(sorted(used_by[iri], key=str)),
                                          counts.get(iri, 0)))
    order = list(PREFIXES)
    return tuple(
        Vocabulary(prefix, PREFIXES[prefix], VOCABULARY_TITLES.get(prefix, prefix),
                   tuple(grouped[prefix]))
        for prefix in sorted(grouped, key=order.index)
    )


def describe_ontology(ontology: Graph, data: Graph | Select | None = None) -> OntologyDoc:
    """Gather what the documentation shows: header, local terms, reused vocabularies, examples.

    Args:
        ontology: the ontology graph (``graph:ontology``).
        data: the instance data: a graph (for example the union of all graphs; triples also in
            the ontology are not counted as data), or a :data:`Select` over the data as a store
            holds it, which a large graph needs.
    """
    iri = _ontology_iri(ontology)
    namespace, prefix = _namespace(ontology, iri)
    if data is None or isinstance(data, Graph):
        instance_data = Graph()
        for triple in data if data is not None else ():
            if triple not in ontology:
                instance_data.add(triple)
        data = _graph_select(instance_data)
    found = _Data(data)

    candidates = sorted(
        {s for s in ontology.subjects() if _is_local(ontology, s, iri, namespace) and s != iri},
        key=str,
    )
    kinds = {term: _kind(ontology, term) for term in candidates}
    local = [term for term in candidates if kinds[term] is not None]
    domain_of: dict[Node, list[URIRef]] = defaultdict(list)
    range_of: dict[Node, list[URIRef]] = defaultdict(list)
    for term in local:
        if kinds[term].endswith("property"):
            for node in ontology.objects(term, RDFS.domain):
                for named in _named_members(ontology, node):
                    domain_of[named].append(term)
            for node in ontology.objects(term, RDFS.range):
                for named in _named_members(ontology, node):
                    range_of[named].append(term)

    uses = {term: found.first_uses(term, kinds[term]) for term in local}
    named = _iris_of(ontology) | {
        node for pairs in uses.values() for pair in pairs for node in pair
        if isinstance(node, URIRef)
    }
    data_texts = found.texts(named)

    def in_ontology(subject: URIRef, predicate: URIRef) -> dict[str, str]:
        return _texts(ontology, subject, predicate)

    def in_data(subject: URIRef, predicate: URIRef) -> dict[str, str]:
        return data_texts.get(subject, {}).get(predicate, {})

    from_data, from_ontology = (in_data, in_ontology), (in_ontology, in_data)
    terms = []
    for term in local:
        kind = kinds[term]
        is_class = kind == "class"
        super_predicate = RDFS.subClassOf if is_class else RDFS.subPropertyOf
        inverses = set(ontology.objects(term, OWL.inverseOf)) | set(
            ontology.subjects(OWL.inverseOf, term))
        base, facets = _datatype_restriction(ontology, term)
        terms.append(Term(
            iri=term,
            anchor=_anchor(term, namespace),
            kind=kind,
            labels=_texts(ontology, term, RDFS.label) or _texts(ontology, term, SKOS.prefLabel),
            definitions=_texts(ontology, term, SKOS.definition),
            comments=_texts(ontology, term, RDFS.comment),
            supers=_sorted_expressions(ontology, ontology.objects(term, super_predicate)),
            subs=tuple(sorted((s for s in ontology.subjects(super_predicate, term)
                               if isinstance(s, URIRef)), key=str)),
            equivalents=() if kind == "datatype" else _sorted_expressions(
                ontology, ontology.objects(
                    term, OWL.equivalentClass if is_class else OWL.equivalentProperty)),
            domains=_sorted_expressions(ontology, ontology.objects(term, RDFS.domain)),
            ranges=_sorted_expressions(ontology, ontology.objects(term, RDFS.range)),
            inverses=tuple(sorted((i for i in inverses if isinstance(i, URIRef)), key=str)),
            characteristics=tuple(sorted(
                name for t, name in _CHARACTERISTICS.items() if (term, RDF.type, t) in ontology)),
            domain_of=tuple(sorted(domain_of.get(term, ()), key=str)),
            range_of=tuple(sorted(range_of.get(term, ()), key=str)),
            base_datatype=base,
            facets=tuple(sorted(facets, key=lambda f: (str(f[0]), str(f[1])))),
            deprecated=any(bool(v.toPython()) for v in ontology.objects(term, OWL.deprecated)
                           if isinstance(v, Literal)),
            examples=tuple(Example(subject, _labels_of(from_data, subject), value,
                                   _labels_of(from_data, value))
                           for subject, value in uses[term]),
        ))
    terms_tuple = tuple(terms)
    labels: dict[URIRef, dict[str, str]] = {}
    for subject in named:
        labelled = _labels_of(from_ontology, subject)
        if labelled:
            labels[subject] = labelled
    return OntologyDoc(
        iri=iri,
        titles=_texts(ontology, iri, DCTERMS.title) or _texts(ontology, iri, RDFS.label),
        descriptions=_texts(ontology, iri, DCTERMS.description)
        or _texts(ontology, iri, RDFS.comment),
        header=_header(ontology, iri),
        namespace=namespace,
        prefix=prefix,
        terms=terms_tuple,
        vocabularies=_reused(found.counts(), terms_tuple, namespace),
        labels=labels,
    )


def _datatype_restriction(ontology: Graph, term: URIRef
                          ) -> tuple[URIRef | None, list[tuple[URIRef, Literal]]]:
    """The base datatype and facets of a datatype, stated on it or on an equivalent restriction."""
    for node in (term, *ontology.objects(term, OWL.equivalentClass)):
        base = ontology.value(node, OWL.onDatatype)
        if isinstance(base, URIRef):
            facets: list[tuple[URIRef, Literal]] = []
            restrictions = ontology.value(node, OWL.withRestrictions)
            for facet_node in Collection(ontology, restrictions) if restrictions else ():
                facets.extend((p, o) for p, o in ontology.predicate_objects(facet_node)
                              if isinstance(p, URIRef) and isinstance(o, Literal))
            return base, facets
    return None, []


def _anchor(term: URIRef, namespace: str) -> str:
    text = str(term)
    return text[len(namespace):] if text.startswith(namespace) else text.rsplit("#", 1)[-1]


def _named_members(graph: Graph, node: Node) -> list[URIRef]:
    """The named classes a domain or range mentions (itself, or the members of a union)."""
    if isinstance(node, URIRef):
        return [node]
    members = graph.value(node, OWL.unionOf)
    return [m for m in Collection(graph, members) if isinstance(m, URIRef)] if members else []


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("cbss_kg", "templates/docs"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment


def _default_href(iri: str) -> str:
    return iri


def render_ontology_html(
    ontology: Graph,
    data: Graph | None = None,
    *,
    lang: str = "en",
    href: Callable[[str], str] = _default_href,
    diagram: str | None = None,
    diagram_href: str | None = "ontology.svg",
) -> str:
    """Render the ontology's documentation page.

    Every term is documented with both its ``lv`` and ``en`` labels and definitions side by
    side; ``lang`` chooses the language of the page's own words and which label leads. The page
    is one self-contained HTML5 file (inline CSS, no scripts, no fonts or images fetched).

    Args:
        ontology: the ontology graph.
        data: instance data for the examples and the usage counts of reused terms.
        lang: ``"en"`` or ``"lv"``.
        href: maps an IRI to the link the page uses for it (the server maps its own base IRI
            to local paths); the identity by default.
        diagram: an SVG to embed inline; by default the class diagram of ``ontology`` in ``lang``.
        diagram_href: where the diagram can be opened on its own (beside the page in a release),
            or ``None`` for no link.
    """
    _check_lang(lang)
    doc = describe_ontology(ontology, data)
    words = UI[lang]
    other = [language for language in LANGUAGES if language != lang]

    def label(iri: Node, language: str = lang) -> str:
        term = doc.local(iri)
        texts = term.labels if term else doc.labels.get(iri, {}) if isinstance(iri, URIRef) else {}
        if term is None and not texts:
            return curie(iri)
        return _pick(texts, language) or curie(iri)

    def link(iri: Node) -> str:
        term = doc.local(iri)
        return f"#{term.anchor}" if term else href(str(iri))

    def term_name(iri: Node) -> str:
        """A local term by its label, another vocabulary's term by its CURIE."""
        return label(iri) if doc.local(iri) else curie(iri)

    def describe_value(node: Node) -> str:
        if isinstance(node, Literal):
            suffix = f" @{node.language}" if node.language else (
                f" ({curie(node.datatype)})" if node.datatype else "")
            return f"{node}{suffix}"
        return label(node) if isinstance(node, URIRef) else str(node)

    if diagram is None:
        diagram = render_class_diagram(ontology, lang=lang)
    diagram_markup = svg.inline(diagram)
    template = _environment().get_template("ontology.html")
    return template.render(
        doc=doc,
        lang=lang,
        other_languages=other,
        languages=LANGUAGES,
        words=words,
        kinds=KINDS,
        label=label,
        link=link,
        term_name=term_name,
        curie=curie,
        href=href,
        pick=_pick,
        describe_value=describe_value,
        diagram=diagram_markup,
        diagram_href=diagram_href,
        is_iri=lambda node: isinstance(node, URIRef),
        is_literal=lambda node: isinstance(node, Literal),
    )


# The class diagram ----------------------------------------------------------------------------

_BOX_HEIGHT = 44.0
_BOX_GAP = 16.0
_VIRTUAL_HEIGHT = 8.0
_LAYER_GAP = 190.0
_MARGIN = 30.0
_HEADING = 64.0
_TITLE_SIZE = 13
_CURIE_SIZE = 11
_LABEL_SIZE = 11
_SWEEPS = 12

_DIAGRAM_CSS = """
.class-box rect { stroke-width: 1.5; }
.class-box.local rect { fill: #e8f0fb; stroke: #1f4e8c; }
.class-box.reused rect { fill: #f4f4f4; stroke: #6b6b6b; stroke-dasharray: 5 3; }
.class-box .name { font-size: 13px; font-weight: bold; }
.class-box .curie { font-size: 11px; fill: #4d4d4d; }
.subclass-edge path { fill: none; stroke: #333333; stroke-width: 1.3; }
.property-edge path { fill: none; stroke: #a33b12; stroke-width: 1.3; }
.edge-label { font-size: 11px; fill: #8a2f0c; }
.layer-title { font-size: 12px; fill: #4d4d4d; font-weight: bold; }
.legend text { font-size: 12px; }
"""


@dataclass(eq=False)
class _Node:
    """A box in the diagram, or a virtual point an edge passes through between layers."""

    key: str
    name: str
    curie: str
    local: bool
    layer: int
    width: float
    virtual: bool = False
    x: float = 0.0
    y: float = 0.0

    @property
    def height(self) -> float:
        return _VIRTUAL_HEIGHT if self.virtual else _BOX_HEIGHT

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(eq=False)
class _Edge:
    kind: str
    chain: list[_Node]
    label: str
    alternative: str
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def source(self) -> _Node:
        return self.chain[0]

    @property
    def target(self) -> _Node:
        return self.chain[-1]


def _diagram_graph(ontology: Graph) -> tuple[set[URIRef], set[tuple[URIRef, URIRef]],
                                             list[tuple[URIRef, URIRef, URIRef]]]:
    """Local classes, subclass edges (child, named parent) and object-property edges."""
    iri = _ontology_iri(ontology)
    namespace, _ = _namespace(ontology, iri)
    local = {t for t in ontology.subjects()
             if _is_local(ontology, t, iri, namespace) and _kind(ontology, t) == "class"}
    subclass = {(child, parent) for child in local
                for parent in ontology.objects(child, RDFS.subClassOf)
                if isinstance(parent, URIRef) and parent != child}
    properties = []
    for prop in set(ontology.subjects(RDF.type, OWL.ObjectProperty)):
        if not _is_local(ontology, prop, iri, namespace):
            continue
        domains = [m for d in ontology.objects(prop, RDFS.domain)
                   for m in _named_members(ontology, d)]
        ranges = [m for r in ontology.objects(prop, RDFS.range)
                  for m in _named_members(ontology, r)]
        properties.extend((prop, d, r) for d in domains for r in ranges)
    return local, subclass, sorted(properties, key=lambda e: tuple(map(str, e)))


def _layers(local: set[URIRef], subclass: set[tuple[URIRef, URIRef]],
            referenced: set[URIRef]) -> dict[URIRef, int]:
    """Layer 0 holds the reused superclasses, then come local classes by depth below their local
    superclasses, and last the reused classes that only properties refer to."""
    local_parents: dict[URIRef, list[URIRef]] = defaultdict(list)
    for child, parent in subclass:
        if parent in local:
            local_parents[child].append(parent)
    depth: dict[URIRef, int] = {}

    def depth_of(node: URIRef, path: frozenset[URIRef]) -> int:
        if node not in depth:
            above = [p for p in local_parents[node] if p not in path]
            depth[node] = 1 + max((depth_of(p, path | {node}) for p in above), default=-1)
        return depth[node]

    layers = {node: 1 + depth_of(node, frozenset()) for node in local}
    supers = {parent for _, parent in subclass if parent not in local}
    layers.update({node: 0 for node in supers})
    last = max(layers.values(), default=0) + 1
    layers.update({node: last for node in referenced - local - supers})
    return layers


def _stack(column: list[_Node], gap: float = _BOX_GAP) -> None:
    y = 0.0
    for node in column:
        node.y = y
        y += node.height + (gap if not node.virtual else gap / 2)


def _order(columns: list[list[_Node]], neighbours: dict[int, list[_Node]]) -> None:
    """Order each layer so connected nodes face each other: alternate sweeps sort a layer by the
    mean height of its neighbours in the layer before it (ties keep the current order)."""
    for column in columns:
        _stack(column)
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        sequence = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for index in sequence:
            reference = index - 1 if forward else index + 1
            column = columns[index]

            def barycentre(node: _Node, position: int, reference: int = reference) -> tuple:
                heights = [n.middle for n in neighbours[id(node)] if n.layer == reference]
                return (sum(heights) / len(heights) if heights else node.middle, position)

            column[:] = [n for _, n in sorted(
                ((barycentre(n, i), n) for i, n in enumerate(column)), key=lambda item: item[0])]
            _stack(column)


def _align(columns: list[list[_Node]], neighbours: dict[int, list[_Node]]) -> None:
    """Move nodes towards the height of their neighbours, keeping order and spacing, so edges
    run as straight as the order allows."""
    for _ in range(6):
        for column in columns:
            desired = []
            for node in column:
                heights = [n.middle for n in neighbours[id(node)] if n.layer != node.layer]
                desired.append(sum(heights) / len(heights) - node.height / 2 if heights else node.y)
            placed: list[float] = []
            for node, want in zip(column, desired, strict=True):
                floor = placed[-1] if placed else float("-inf")
                node.y = max(want, floor)
                placed.append(node.y + node.height + (_BOX_GAP if not node.virtual else 4))
            shift = sum(n.y - w for n, w in zip(column, desired, strict=True)) / len(column)
            for node in column:
                node.y -= max(shift, 0)
    _close_gaps([n for column in columns for n in column])


def _close_gaps(nodes: list[_Node], widest: float = 3 * _BOX_GAP) -> None:
    """Shrink every empty horizontal band wider than ``widest`` that alignment opened, and move
    the drawing to just below the heading."""
    shift = 0.0
    reach = float("-inf")
    moves: dict[int, float] = {}
    for node in sorted(nodes, key=lambda n: n.y):
        if reach != float("-inf") and node.y - reach > widest:
            shift += node.y - reach - widest
        moves[id(node)] = shift
        reach = max(reach, node.y + node.height)
    top = min((n.y for n in nodes), default=0.0)
    for node in nodes:
        node.y += _HEADING - top - moves[id(node)]


def _ports(edges: list[_Edge]) -> None:
    """Fix where each edge leaves and enters its boxes: the facing sides, spread along them in
    the order of the nodes at the other end, so edges fan out instead of meeting in a point."""
    sides: dict[tuple[int, str], list[tuple[float, int, int]]] = defaultdict(list)
    for number, edge in enumerate(edges):
        first, second = edge.chain[0], edge.chain[1] if len(edge.chain) > 2 else edge.chain[-1]
        last, before = edge.chain[-1], edge.chain[-2] if len(edge.chain) > 2 else edge.chain[0]
        if first.layer == last.layer:
            side_first = side_last = "right"
        else:
            side_first = "right" if second.layer > first.layer else "left"
            side_last = "left" if before.layer < last.layer else "right"
        sides[(id(first), side_first)].append((second.middle, number, 0))
        sides[(id(last), side_last)].append((before.middle, number, -1))
    for (_, side), attached in sides.items():
        attached.sort()
        for position, (_, number, end) in enumerate(attached):
            edge = edges[number]
            node = edge.chain[end]
            x = node.x + (node.width if side == "right" else 0)
            y = node.y + node.height * (position + 1) / (len(attached) + 1)
            if not edge.points:
                edge.points = [(0.0, 0.0)] * len(edge.chain)
            edge.points[0 if end == 0 else -1] = (x, y)
    for edge in edges:
        for index, node in enumerate(edge.chain[1:-1], start=1):
            edge.points[index] = (node.x + node.width / 2, node.middle)


def _path(edge: _Edge) -> str:
    """A smooth path through an edge's points with horizontal tangents; an edge within one layer
    bulges out to the right of it."""
    f = svg.fmt
    points = edge.points
    (x0, y0) = points[0]
    if edge.source.layer == edge.target.layer:
        (x1, y1) = points[-1]
        bulge = max(x0, x1) + 40 + abs(y1 - y0) * 0.15
        return f"M{f(x0)},{f(y0)} C{f(bulge)},{f(y0)} {f(bulge)},{f(y1)} {f(x1)},{f(y1)}"
    commands = [f"M{f(x0)},{f(y0)}"]
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        dx = (bx - ax) / 2
        commands.append(f"C{f(ax + dx)},{f(ay)} {f(bx - dx)},{f(by)} {f(bx)},{f(by)}")
    return " ".join(commands)


def _label_spot(edge: _Edge, width: float, taken: list[tuple[float, float, float, float]]
                ) -> tuple[float, float]:
    """Where an edge's label goes: on a segment between layers, clear of boxes and labels."""
    candidates = []
    if edge.source.layer == edge.target.layer:
        (x0, y0), (x1, y1) = edge.points[0], edge.points[-1]
        bulge = max(x0, x1) + 40 + abs(y1 - y0) * 0.15
        candidates = [(bulge * 0.75 + max(x0, x1) * 0.25 + width / 2, (y0 + y1) / 2 + t)
                      for t in (0, -14, 14, -28, 28)]
    for (ax, ay), (bx, by) in itertools.pairwise(edge.points):
        for t in (0.5, 0.35, 0.65, 0.25, 0.75):
            u = t * t * (3 - 2 * t)
            candidates.append((ax + (bx - ax) * t, ay + (by - ay) * u))
    for x, y in candidates:
        box = (x - width / 2 - 2, y - 9, x + width / 2 + 2, y + 4)
        if not any(_overlaps(box, other) for other in taken):
            taken.append(box)
            return x, y
    x, y = candidates[0]
    taken.append((x - width / 2 - 2, y - 9, x + width / 2 + 2, y + 4))
    return x, y


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def render_class_diagram(ontology: Graph, *, lang: str = "en") -> str:
    """Draw the ontology's classes as SVG: local classes, the reused classes they specialise,
    subclass edges, and object properties as arrows from domain to range.

    Layers run left to right: reused superclasses, local classes (deeper subclasses further
    right), then reused classes that only properties mention. Edges that skip a layer pass
    through a gap in it, and layers are ordered so connected boxes face each other. The layout
    is computed here, deterministically, without graphviz.
    """
    _check_lang(lang)
    words = UI[lang]
    ontology_iri = _ontology_iri(ontology)
    local, subclass, properties = _diagram_graph(ontology)
    referenced = {d for _, d, _ in properties} | {r for _, _, r in properties}
    layer_of = _layers(local, subclass, referenced)

    def name_of(iri: URIRef) -> str:
        return _pick(_texts(ontology, iri, RDFS.label), lang) or curie(iri)

    nodes: dict[URIRef, _Node] = {}
    for iri, layer in sorted(layer_of.items(), key=lambda item: str(item[0])):
        is_local = iri in local
        name = name_of(iri) if is_local else curie(iri).partition(":")[2] or curie(iri)
        width = max(svg.text_width(name, _TITLE_SIZE, bold=True),
                    svg.text_width(curie(iri), _CURIE_SIZE)) + 24
        nodes[iri] = _Node(str(iri), name, curie(iri), is_local, layer, max(width, 100.0))

    edges: list[_Edge] = []
    for child, parent in sorted(subclass, key=lambda e: (str(e[0]), str(e[1]))):
        edges.append(_Edge("subclass", [nodes[child], nodes[parent]], "",
                           f"{nodes[child].name} — {words['legend_subclass']} — "
                           f"{nodes[parent].name}"))
    for prop, domain, range_ in properties:
        label = name_of(prop)
        edges.append(_Edge("property", [nodes[domain], nodes[range_]], label,
                           f"{label} ({curie(prop)}): {nodes[domain].name} → {nodes[range_].name}"))
    virtual: list[_Node] = []
    for number, edge in enumerate(edges):
        a, b = edge.chain
        step = 1 if b.layer > a.layer else -1
        between = [_Node(f"virtual-{number}-{layer}", "", "", False, layer, 10.0, virtual=True)
                   for layer in range(a.layer + step, b.layer, step)]
        edge.chain = [a, *between, b]
        virtual.extend(between)

    count = max(layer_of.values(), default=0) + 1
    columns: list[list[_Node]] = [[] for _ in range(count)]
    for node in sorted(nodes.values(), key=lambda n: (not n.local, n.name.casefold(), n.key)):
        columns[node.layer].append(node)
    for node in virtual:
        columns[node.layer].append(node)
    neighbours: dict[int, list[_Node]] = defaultdict(list)
    for edge in edges:
        for a, b in itertools.pairwise(edge.chain):
            if a.layer != b.layer:
                neighbours[id(a)].append(b)
                neighbours[id(b)].append(a)
    _order(columns, neighbours)
    _align(columns, neighbours)

    x = _MARGIN
    for column in columns:
        widest = max((n.width for n in column if not n.virtual), default=10.0)
        for node in column:
            node.x = x + (widest - node.width) / 2
        x += widest + _LAYER_GAP
    same_layer = any(e.source.layer == e.target.layer for e in edges)
    width = x - _LAYER_GAP + _MARGIN + (140 if same_layer else 0)
    bottom = max((n.y + n.height for column in columns for n in column), default=_HEADING)
    legend_y = bottom + 40
    height = legend_y + 30
    _ports(edges)

    title = _pick(_texts(ontology, ontology_iri, DCTERMS.title), lang) or curie(ontology_iri)
    title_text = f"{words['diagram']}: {title}"
    document = svg.Document(width, height, ident="class-diagram", title=title_text,
                            desc=words["diagram_desc"].format(classes=len(local)), lang=lang,
                            css=_DIAGRAM_CSS)
    for marker_id, colour, hollow in (("subclass-head", "#333333", True),
                                      ("property-head", "#a33b12", False)):
        marker = svg.add(document.defs, "marker", {
            "id": document.ref(marker_id), "viewBox": "0 0 12 12", "refX": 11, "refY": 6,
            "markerWidth": 12, "markerHeight": 12, "orient": "auto-start-reverse",
            "markerUnits": "userSpaceOnUse"})
        svg.add(marker, "path", {"d": "M1,1 L11,6 L1,11 z" if hollow else "M1,2 L11,6 L1,10 z",
                                 "fill": "#ffffff" if hollow else colour, "stroke": colour,
                                 "stroke-width": 1.3})
    svg.add(document.root, "text", {"x": _MARGIN, "y": 34, "class": "heading"}, title_text)

    taken = [(n.x - 4, n.y - 4, n.x + n.width + 4, n.y + n.height + 4)
             for column in columns for n in column if not n.virtual]
    edge_layer = svg.add(document.root, "g", {"class": "edges"})
    label_layer = svg.add(document.root, "g", {"class": "edge-labels", "aria-hidden": "true"})
    for edge in edges:
        group = svg.mark(edge_layer, edge.alternative, f"{edge.kind}-edge")
        svg.add(group, "path", {"d": _path(edge),
                                "marker-end": f"url(#{document.ref(edge.kind + '-head')})"})
    for edge in edges:
        if edge.label:
            text_width = svg.text_width(edge.label, _LABEL_SIZE)
            x, y = _label_spot(edge, text_width, taken)
            svg.add(label_layer, "text", {"x": x, "y": y + 4, "text-anchor": "middle",
                                          "class": "edge-label halo"}, edge.label)

    for column in columns:
        for node in column:
            if node.virtual:
                continue
            kind = words["legend_local"] if node.local else words["legend_reused"]
            group = svg.mark(document.root, f"{node.name} ({node.curie}) — {kind}",
                             f"class-box {'local' if node.local else 'reused'}")
            svg.add(group, "rect", {"x": node.x, "y": node.y, "width": node.width,
                                    "height": node.height, "rx": 4})
            centre = node.x + node.width / 2
            svg.add(group, "text", {"x": centre, "y": node.y + 18, "text-anchor": "middle",
                                    "class": "name"}, node.name)
            svg.add(group, "text", {"x": centre, "y": node.y + 34, "text-anchor": "middle",
                                    "class": "curie"}, node.curie)

    _diagram_legend(document, words, legend_y)
    return document.to_string()


def _diagram_legend(document: svg.Document, words: dict[str, str], y: float) -> None:
    legend = svg.add(document.root, "g", {"class": "legend", "aria-hidden": "true"})
    x = _MARGIN
    for css, key in (("local", "legend_local"), ("reused", "legend_reused")):
        group = svg.add(legend, "g", {"class": f"class-box {css}"})
        svg.add(group, "rect", {"x": x, "y": y, "width": 28, "height": 16, "rx": 3})
        svg.add(legend, "text", {"x": x + 36, "y": y + 13}, words[key])
        x += 44 + svg.text_width(words[key], 12) + 20
    for css, key, marker in (("subclass-edge", "legend_subclass", "subclass-head"),
                             ("property-edge", "legend_property", "property-head")):
        group = svg.add(legend, "g", {"class": css})
        svg.add(group, "path", {"d": f"M{svg.fmt(x)},{svg.fmt(y + 8)} h36",
                                "marker-end": f"url(#{document.ref(marker)})"})
        svg.add(legend, "text", {"x": x + 44, "y": y + 13}, words[key])
        x += 52 + svg.text_width(words[key], 12) + 20
