"""OWL 2 RL reasoning as SPARQL Update rules run to a fixpoint in pyoxigraph: the fast reasoner.

The rules are those owlrl applies (its ``OWLRL_Semantics``, read rule by rule, with its wording of
every inconsistency), so that the closure minus the input is owlrl's, for the constructs this
module covers: subclasses and equivalent classes, subproperties and equivalent properties,
domains and ranges, inverse, symmetric, transitive, functional and inverse-functional
properties, property chains, ``owl:sameAs``, intersections, unions, enumerations,
``someValuesFrom`` / ``allValuesFrom`` / ``hasValue`` restrictions, and the consistency rules:
disjoint classes (``owl:disjointWith``, ``owl:AllDisjointClasses``), ``owl:complementOf``,
``owl:Nothing``, irreflexive, asymmetric and disjoint properties, ``owl:differentFrom``, and
literals that do not fit their datatype. Whatever else owlrl would do (keys, maximum
cardinalities, ``owl:AllDifferent``, negative property assertions, resources typed with an XSD
datatype, ``owl:sameAs`` between classes or properties, anonymous properties) raises
:class:`UnsupportedConstruct` naming it, so that owlrl reasons instead.

Evaluation is semi-naive: after a first round with every rule on the whole graph, each round
joins the triples new in the previous round (graph :data:`DELTA`) with all the others, so work
grows with what is derived, not with the number of rounds. Literals travel as IRIs standing for
them (``urn:x-cbss-kg:literal:N``), which lets a literal be a subject as in owlrl (a range gives
a literal a type) and gives back each literal exactly as rdflib had it.

The datatype tables (which literals are typed, which datatypes are disjoint, how a lexical form
is checked) are owlrl's: :mod:`cbss_kg.reason`, the only owlrl importer, hands them over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from cbss_kg.store import LocalStore, StoreLoadError

INTERNAL = "urn:x-cbss-kg:rules#"
DELTA = INTERNAL + "delta"
"""The graph of the triples derived in the previous round."""
NEW = INTERNAL + "new"
"""The graph of the triples derived in this round."""
INFERRED = INTERNAL + "inferred"
"""The graph of every derived triple."""
AXIOMS = INTERNAL + "axioms"
"""The graph of the triples owlrl adds once, before its rules (those the input lacks)."""

LITERAL = "urn:x-cbss-kg:literal:"
"""Prefix of the IRIs that stand for literals in the store."""

_UNSUPPORTED_PREDICATES = {
    OWL.maxCardinality: "owl:maxCardinality",
    OWL.maxQualifiedCardinality: "owl:maxQualifiedCardinality",
    OWL.hasKey: "owl:hasKey",
    OWL.sourceIndividual: "a negative property assertion",
    OWL.distinctMembers: "owl:AllDifferent",
}
_UNSUPPORTED_TYPES = {
    OWL.AllDifferent: "owl:AllDifferent",
    OWL.AllDisjointProperties: "owl:AllDisjointProperties",
    OWL.NegativePropertyAssertion: "a negative property assertion",
}
_STRUCTURE = (
    OWL.intersectionOf,
    OWL.unionOf,
    OWL.oneOf,
    OWL.propertyChainAxiom,
    OWL.members,
    RDF.first,
    RDF.rest,
)
"""Predicates whose triples the compiled rules read once, from the input: a rule that could
derive more of them would change the rules themselves."""
_PROPERTY_AXIOMS = (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf)
_SCHEMA = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.disjointWith,
    OWL.complementOf,
    OWL.propertyDisjointWith,
    OWL.onProperty,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.hasValue,
    *_STRUCTURE,
)
"""Predicates of schema triples: a term they mention is a class, a property or a list."""
_RESTRICTIONS = (OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue)

_PREFIXES = f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\nPREFIX owl: <{OWL}>\n"


class UnsupportedConstruct(Exception):
    """The graph uses something the fast reasoner does not handle (``construct`` names it)."""

    def __init__(self, construct: str):
        self.construct = construct
        super().__init__(f"{construct} is not supported by the fast OWL 2 RL reasoner")


@dataclass(frozen=True)
class Datatypes:
    """owlrl's datatype tables, as its one-time rules read them.

    Attributes:
        typed: the datatypes whose literals get typed (``OWL_RL_Datatypes``).
        supertypes: each datatype's supertypes (``OWL_Datatype_Subsumptions``).
        disjoint: ``(d1, owl:disjointWith, d2)`` for the datatypes owlrl declares disjoint.
        annotation_properties: the properties owlrl declares annotation properties.
        lexical_ok: whether a literal's lexical form fits its datatype (owlrl's converters).
    """

    typed: frozenset[URIRef]
    supertypes: Mapping[URIRef, Sequence[URIRef]]
    disjoint: Sequence[tuple[URIRef, URIRef, URIRef]]
    annotation_properties: Sequence[URIRef]
    lexical_ok: Callable[[Literal], bool]


@dataclass(frozen=True)
class Closure:
    """What the rules derived: the new triples (none about a literal), and every
    inconsistency in owlrl's words."""

    inferred: list[tuple[Node, Node, Node]]
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One rule: ``head`` holds when every atom of ``body`` (and ``condition``) does.

    Atoms are single triple patterns; ``static`` atoms read lists of the input, never derived.
    """

    name: str
    head: str
    body: tuple[str, ...]
    condition: str = ""
    static: tuple[str, ...] = ()

    def update(self, delta: int | None) -> str:
        """The SPARQL Update deriving new heads into :data:`NEW`: from the whole graph, or
        (semi-naive) with the body atom ``delta`` read from :data:`DELTA`."""
        atoms = [
            f"GRAPH <{DELTA}> {{ {atom} }}" if index == delta else f"{atom} ."
            for index, atom in enumerate(self.body)
        ]
        atoms += [f"{atom} ." for atom in self.static]
        condition = f"FILTER ({self.condition}) " if self.condition else ""
        return (
            f"{_PREFIXES}INSERT {{ GRAPH <{NEW}> {{ {self.head} }} }} WHERE {{ "
            f"{' '.join(atoms)} {condition}FILTER NOT EXISTS {{ {self.head} }} }}"
        )


_CHARACTERISTICS = (
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.SymmetricProperty,
    OWL.AsymmetricProperty,
    OWL.TransitiveProperty,
    OWL.IrreflexiveProperty,
)
_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    RDF.Property,
    *_CHARACTERISTICS,
    OWL.AllDisjointClasses,
    OWL.Nothing,
)
"""Classes whose members some rule reads."""
_TRIGGERS = (*_SCHEMA, OWL.sameAs, OWL.differentFrom)
"""Predicates some rule reads."""


@dataclass
class _Schema:
    """What the input uses of the vocabulary the rules read, and the lengths of its lists."""

    present: set[URIRef] = field(default_factory=set)
    intersections: set[int] = field(default_factory=set)
    chains: set[int] = field(default_factory=set)


def closure(graph: Graph, datatypes: Datatypes) -> Closure:
    """The OWL 2 RL closure of ``graph`` minus ``graph``, and its inconsistencies.

    Triples whose subject is a literal are derived (as owlrl does) but not returned.

    Raises:
        UnsupportedConstruct: the graph uses what this reasoner does not handle.
    """
    schema = _read_schema(graph)
    rules = compile_rules(schema)
    store = LocalStore()
    literals = _Literals()
    try:
        store.add(literals.stand_in(graph, _read_by_rules(graph, schema)))
    except StoreLoadError as error:
        raise UnsupportedConstruct(f"a term pyoxigraph cannot hold ({error})") from None
    errors = set(literals.lexical_errors(datatypes))
    store.add(_one_time_triples(literals, datatypes), graph=AXIOMS)
    store.update(
        f"DELETE {{ GRAPH <{AXIOMS}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{AXIOMS}> {{ ?s ?p ?o }} "
        f"?s ?p ?o }} ; ADD <{AXIOMS}> TO DEFAULT"
    )
    _fixpoint(store, rules)
    _check_structure(store, schema)
    store.update(f"ADD <{AXIOMS}> TO <{INFERRED}>")
    errors |= _errors(store, literals)
    back = literals.back
    inferred = [
        (s, p, back(o))
        for s, p, o in store.select(
            f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} "
            f'FILTER (!STRSTARTS(STR(?s), "{LITERAL}")) }}'
        )
    ]
    return Closure(inferred, tuple(sorted(errors)))


# --- the schema ----------------------------------------------------------------------------------


def _read_schema(graph: Graph) -> _Schema:
    """What the input uses, by the graph's indexes; refuse the constructs not handled."""
    for predicate, construct in _UNSUPPORTED_PREDICATES.items():
        if (None, predicate, None) in graph:
            raise UnsupportedConstruct(construct)
    for kind, construct in _UNSUPPORTED_TYPES.items():
        if (None, RDF.type, kind) in graph:
            raise UnsupportedConstruct(construct)
    schema = _Schema()
    schema.present = {p for p in _TRIGGERS if (None, p, None) in graph}
    schema.present |= {k for k in _TYPES if (None, None, k) in graph}
    if any(
        pattern in graph
        for term in (OWL.Thing, OWL.Nothing)
        for pattern in ((term, None, None), (None, term, None), (None, None, term))
    ):
        schema.present |= {OWL.Thing, OWL.Nothing}
    for predicate in _PROPERTY_AXIOMS:
        for pair in graph.subject_objects(predicate):
            for term in pair:
                if not isinstance(term, URIRef):
                    raise UnsupportedConstruct(f"an anonymous property ({_show(term)})")
    for node, head in graph.subject_objects(OWL.propertyChainAxiom):
        chain = _list(graph, head)
        if not all(isinstance(term, URIRef) for term in (node, *chain)):
            raise UnsupportedConstruct("a property chain with an anonymous property")
        schema.chains.add(len(chain))
    for head in graph.objects(None, OWL.intersectionOf):
        schema.intersections.add(len(_list(graph, head)))
    for head in graph.objects(None, OWL.members):
        _list(graph, head)
    return schema


_ABOUT_PROPERTIES = (
    RDFS.domain,
    RDFS.range,
    RDFS.subPropertyOf,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.onProperty,
    OWL.propertyDisjointWith,
)


def _read_by_rules(graph: Graph, schema: _Schema) -> set[URIRef] | None:
    """The predicates whose triples some rule can read, or None when that may be any.

    A rule reads a data triple only through an axiom about its predicate (a domain, a range, a
    superproperty, an inverse, a restriction on it, a chain through it, a characteristic such
    as transitivity) or through owl:sameAs, which can put any triple to use. Every triple a rule
    writes has such a predicate too. So without owl:sameAs, the triples of other predicates
    (labels, descriptions, dates …) can neither take part nor be derived, and need not be
    stored: with the project's ontology that is most of the data.
    """
    if OWL.sameAs in schema.present:
        return None
    for kind in _CHARACTERISTICS:
        # Named anywhere but as a type (a superclass, a range, a list member ...), a
        # characteristic could come to a property by entailment.
        if (kind, None, None) in graph or any(
            predicate != RDF.type for _, predicate in graph.subject_predicates(kind)
        ):
            return None
    keep: set[URIRef] = {RDF.type, RDF.first, RDF.rest, OWL.members, *_TRIGGERS}
    for axiom in _ABOUT_PROPERTIES:
        for s, o in graph.subject_objects(axiom):
            keep.add(s)
            if axiom not in (RDFS.domain, RDFS.range):
                keep.add(o)
    for head in graph.objects(None, OWL.propertyChainAxiom):
        keep.update(_list(graph, head))
    keep.update(graph.subjects(OWL.propertyChainAxiom, None))
    for kind in _CHARACTERISTICS:
        keep.update(graph.subjects(RDF.type, kind))
    return {term for term in keep if isinstance(term, URIRef)}


def _list(graph: Graph, head: Node) -> list[Node]:
    try:
        return list(Collection(graph, head))
    except Exception:  # rdflib raises assorted errors on a malformed list
        raise UnsupportedConstruct(f"a malformed RDF list ({_show(head)})") from None


# --- the rules -----------------------------------------------------------------------------------


def compile_rules(schema: _Schema) -> list[Rule]:
    """The rules that can fire on a graph with this schema."""
    has = schema.present
    if RDFS.subClassOf in has:
        has.add(OWL.equivalentClass)
    if OWL.equivalentClass in has or has & {OWL.intersectionOf, OWL.unionOf}:
        has.add(RDFS.subClassOf)
    if RDFS.subPropertyOf in has:
        has.add(OWL.equivalentProperty)
    if OWL.equivalentProperty in has:
        has.add(RDFS.subPropertyOf)
    if has & {OWL.FunctionalProperty, OWL.InverseFunctionalProperty}:
        has.add(OWL.sameAs)
    not_literal = f'!STRSTARTS(STR(?{{}}), "{LITERAL}")'
    rules: list[Rule] = []

    def rule(name: str, needs: Iterable[URIRef], head: str, *body: str, **options) -> None:
        if all(term in has for term in needs):
            rules.append(Rule(name, head, tuple(body), **options))

    # properties (owlrl's table 5)
    rule("prp-dom", [RDFS.domain], "?x rdf:type ?c", "?p rdfs:domain ?c", "?x ?p ?y")
    rule("prp-rng", [RDFS.range], "?y rdf:type ?c", "?p rdfs:range ?c", "?x ?p ?y")
    rule(
        "prp-fp",
        [OWL.FunctionalProperty],
        "?y1 owl:sameAs ?y2",
        "?p rdf:type owl:FunctionalProperty",
        "?x ?p ?y1",
        "?x ?p ?y2",
        condition="?y1 != ?y2",
    )
    rule(
        "prp-ifp",
        [OWL.InverseFunctionalProperty],
        "?x1 owl:sameAs ?x2",
        "?p rdf:type owl:InverseFunctionalProperty",
        "?x1 ?p ?y",
        "?x2 ?p ?y",
        condition="?x1 != ?x2",
    )
    rule(
        "prp-symp",
        [OWL.SymmetricProperty],
        "?y ?p ?x",
        "?p rdf:type owl:SymmetricProperty",
        "?x ?p ?y",
    )
    rule(
        "prp-trp",
        [OWL.TransitiveProperty],
        "?x ?p ?z",
        "?p rdf:type owl:TransitiveProperty",
        "?x ?p ?y",
        "?y ?p ?z",
    )
    rule(
        "prp-spo1",
        [RDFS.subPropertyOf],
        "?x ?p2 ?y",
        "?p1 rdfs:subPropertyOf ?p2",
        "?x ?p1 ?y",
        condition=not_literal.format("p2"),
    )
    for name, head, used in (
        ("prp-eqp1", "?x ?p2 ?y", "?x ?p1 ?y"),
        ("prp-eqp2", "?x ?p1 ?y", "?x ?p2 ?y"),
    ):
        target = head.split()[1][1:]
        rule(
            name,
            [OWL.equivalentProperty],
            head,
            "?p1 owl:equivalentProperty ?p2",
            used,
            condition=f"?p1 != ?p2 && {not_literal.format(target)}",
        )
    for name, head, used in (
        ("prp-inv1", "?y ?p2 ?x", "?x ?p1 ?y"),
        ("prp-inv2", "?y ?p1 ?x", "?x ?p2 ?y"),
    ):
        target = head.split()[1][1:]
        rule(
            name,
            [OWL.inverseOf],
            head,
            "?p1 owl:inverseOf ?p2",
            used,
            condition=not_literal.format(target),
        )
    for length in sorted(n for n in schema.chains if n):
        links = _list_pattern("?l", "?p", length)
        steps = tuple(f"?u{i} ?p{i} ?u{i + 1}" for i in range(length))
        head = f"?u0 ?p ?u{length}"
        rules.append(
            Rule(f"prp-spo2/{length}", head, steps, static=("?p owl:propertyChainAxiom ?l", *links))
        )

    # equality (table 4; eq-ref gives only reflexive owl:sameAs, which says nothing)
    rule("eq-sym", [OWL.sameAs], "?y owl:sameAs ?x", "?x owl:sameAs ?y")
    rule("eq-trans", [OWL.sameAs], "?x owl:sameAs ?z", "?x owl:sameAs ?y", "?y owl:sameAs ?z")
    rule("eq-rep-s", [OWL.sameAs], "?o ?p ?x", "?s owl:sameAs ?o", "?s ?p ?x")
    rule(
        "eq-rep-p",
        [OWL.sameAs],
        "?x ?o ?y",
        "?s owl:sameAs ?o",
        "?x ?s ?y",
        condition=not_literal.format("o"),
    )
    rule("eq-rep-o", [OWL.sameAs], "?x ?p ?s", "?s owl:sameAs ?o", "?x ?p ?o")

    # classes (table 6)
    members = "?l rdf:rest*/rdf:first ?ci"
    for length in sorted(n for n in schema.intersections if n):
        links = _list_pattern("?l", "?c", length)
        body = tuple(f"?y rdf:type ?c{i}" for i in range(length))
        static = ("?c owl:intersectionOf ?l", *links)
        rules.append(Rule(f"cls-int1/{length}", "?y rdf:type ?c", body, static=static))
    rule(
        "cls-int2",
        [OWL.intersectionOf],
        "?y rdf:type ?ci",
        "?c owl:intersectionOf ?l",
        "?y rdf:type ?c",
        static=(members,),
    )
    rule(
        "cls-uni",
        [OWL.unionOf],
        "?y rdf:type ?c",
        "?c owl:unionOf ?l",
        "?y rdf:type ?ci",
        static=(members,),
    )
    rule(
        "cls-svf1",
        [OWL.someValuesFrom],
        "?u rdf:type ?x",
        "?x owl:someValuesFrom ?y",
        "?x owl:onProperty ?p",
        "?u ?p ?v",
        "?v rdf:type ?y",
    )
    rule(
        "cls-svf2",
        [OWL.someValuesFrom],
        "?u rdf:type ?x",
        "?x owl:someValuesFrom owl:Thing",
        "?x owl:onProperty ?p",
        "?u ?p ?v",
    )
    rule(
        "cls-avf",
        [OWL.allValuesFrom],
        "?v rdf:type ?y",
        "?x owl:allValuesFrom ?y",
        "?x owl:onProperty ?p",
        "?u rdf:type ?x",
        "?u ?p ?v",
    )
    rule(
        "cls-hv1",
        [OWL.hasValue],
        "?u ?p ?y",
        "?x owl:hasValue ?y",
        "?x owl:onProperty ?p",
        "?u rdf:type ?x",
        condition=not_literal.format("p"),
    )
    rule(
        "cls-hv2",
        [OWL.hasValue],
        "?u rdf:type ?x",
        "?x owl:hasValue ?y",
        "?x owl:onProperty ?p",
        "?u ?p ?y",
    )
    rule(
        "cls-oo",
        [OWL.oneOf],
        "?y rdf:type ?c",
        "?c owl:oneOf ?l",
        static=("?l rdf:rest*/rdf:first ?y",),
    )

    # class axioms (table 7)
    rule(
        "cax-sco",
        [RDFS.subClassOf],
        "?x rdf:type ?c2",
        "?c1 rdfs:subClassOf ?c2",
        "?x rdf:type ?c1",
        condition="?c1 != ?c2",
    )
    for name, head, used in (
        ("cax-eqc1", "?x rdf:type ?c2", "?x rdf:type ?c1"),
        ("cax-eqc2", "?x rdf:type ?c1", "?x rdf:type ?c2"),
    ):
        rule(
            name,
            [OWL.equivalentClass],
            head,
            "?c1 owl:equivalentClass ?c2",
            used,
            condition="?c1 != ?c2",
        )

    # schema vocabulary (table 9); reflexive subclass and subproperty links only matter to the
    # restriction rules, owl:Thing and owl:Nothing only to a graph that names them
    restrictions = bool(has & set(_RESTRICTIONS))
    if restrictions or OWL.Thing in has:
        rule("scm-cls", [], "?c rdfs:subClassOf ?c", "?c rdf:type owl:Class")
    if OWL.Thing in has:
        rule("scm-cls", [], "?c rdfs:subClassOf owl:Thing", "?c rdf:type owl:Class")
        rule("scm-cls", [], "owl:Nothing rdfs:subClassOf ?c", "?c rdf:type owl:Class")
    if restrictions:
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property):
            rule("scm-op", [], "?p rdfs:subPropertyOf ?p", f"?p rdf:type {_sparql(kind)}")
    rule(
        "scm-sco",
        [RDFS.subClassOf],
        "?c1 rdfs:subClassOf ?c3",
        "?c1 rdfs:subClassOf ?c2",
        "?c2 rdfs:subClassOf ?c3",
        condition="?c1 != ?c2 && ?c1 != ?c3",
    )
    rule(
        "scm-eqc1",
        [OWL.equivalentClass],
        "?c1 rdfs:subClassOf ?c2",
        "?c1 owl:equivalentClass ?c2",
        condition="?c1 != ?c2",
    )
    rule(
        "scm-eqc1",
        [OWL.equivalentClass],
        "?c2 rdfs:subClassOf ?c1",
        "?c1 owl:equivalentClass ?c2",
        condition="?c1 != ?c2",
    )
    rule(
        "scm-eqc2",
        [RDFS.subClassOf],
        "?c1 owl:equivalentClass ?c2",
        "?c1 rdfs:subClassOf ?c2",
        "?c2 rdfs:subClassOf ?c1",
        condition="?c1 != ?c2",
    )
    rule(
        "scm-spo",
        [RDFS.subPropertyOf],
        "?p1 rdfs:subPropertyOf ?p3",
        "?p1 rdfs:subPropertyOf ?p2",
        "?p2 rdfs:subPropertyOf ?p3",
        condition="?p1 != ?p2 && ?p1 != ?p3",
    )
    rule(
        "scm-eqp1",
        [OWL.equivalentProperty],
        "?p1 rdfs:subPropertyOf ?p2",
        "?p1 owl:equivalentProperty ?p2",
        condition="?p1 != ?p2",
    )
    rule(
        "scm-eqp1",
        [OWL.equivalentProperty],
        "?p2 rdfs:subPropertyOf ?p1",
        "?p1 owl:equivalentProperty ?p2",
        condition="?p1 != ?p2",
    )
    rule(
        "scm-eqp2",
        [RDFS.subPropertyOf],
        "?p1 owl:equivalentProperty ?p2",
        "?p1 rdfs:subPropertyOf ?p2",
        "?p2 rdfs:subPropertyOf ?p1",
        condition="?p1 != ?p2",
    )
    for axiom, short in ((RDFS.domain, "dom"), (RDFS.range, "rng")):
        term = _sparql(axiom)
        rule(
            f"scm-{short}1",
            [axiom, RDFS.subClassOf],
            f"?p {term} ?c2",
            f"?p {term} ?c1",
            "?c1 rdfs:subClassOf ?c2",
            condition="?c1 != ?c2",
        )
        rule(
            f"scm-{short}2",
            [axiom, RDFS.subPropertyOf],
            f"?p1 {term} ?c",
            f"?p2 {term} ?c",
            "?p1 rdfs:subPropertyOf ?p2",
            condition="?p1 != ?p2",
        )
    rule(
        "scm-hv",
        [OWL.hasValue, RDFS.subPropertyOf],
        "?c1 rdfs:subClassOf ?c2",
        "?c1 owl:hasValue ?i",
        "?c1 owl:onProperty ?p1",
        "?c2 owl:hasValue ?i",
        "?c2 owl:onProperty ?p2",
        "?p1 rdfs:subPropertyOf ?p2",
    )
    for restriction, short in ((OWL.someValuesFrom, "svf"), (OWL.allValuesFrom, "avf")):
        term = _sparql(restriction)
        rule(
            f"scm-{short}1",
            [restriction],
            "?c1 rdfs:subClassOf ?c2",
            f"?c1 {term} ?y1",
            "?c1 owl:onProperty ?p",
            "?c2 owl:onProperty ?p",
            f"?c2 {term} ?y2",
            "?y1 rdfs:subClassOf ?y2",
        )
        rule(
            f"scm-{short}2",
            [restriction, RDFS.subPropertyOf],
            "?c2 rdfs:subClassOf ?c1" if short == "avf" else "?c1 rdfs:subClassOf ?c2",
            f"?c1 {term} ?y",
            "?c1 owl:onProperty ?p1",
            f"?c2 {term} ?y",
            "?c2 owl:onProperty ?p2",
            "?p1 rdfs:subPropertyOf ?p2",
        )
    rule(
        "scm-int",
        [OWL.intersectionOf],
        "?c rdfs:subClassOf ?ci",
        "?c owl:intersectionOf ?l",
        static=(members,),
    )
    rule(
        "scm-uni",
        [OWL.unionOf],
        "?ci rdfs:subClassOf ?c",
        "?c owl:unionOf ?l",
        static=(members,),
    )
    return rules


def _fixpoint(store: LocalStore, rules: list[Rule]) -> None:
    """Run every rule on the whole graph once, then semi-naively until nothing is new."""
    updates = [rule.update(None) for rule in rules]
    while True:
        for text in updates:
            store.update(text)
        store.update(
            f"ADD <{NEW}> TO DEFAULT ; ADD <{NEW}> TO <{INFERRED}> ; "
            f"DROP SILENT GRAPH <{DELTA}> ; MOVE SILENT <{NEW}> TO <{DELTA}>"
        )
        if not store.select(f"SELECT ?s WHERE {{ GRAPH <{DELTA}> {{ ?s ?p ?o }} }} LIMIT 1"):
            return
        updates = [rule.update(index) for rule in rules for index in range(len(rule.body))]


def _check_structure(store: LocalStore, schema: _Schema) -> None:
    """Refuse a closure in which the rules derived vocabulary they were not compiled for:
    lists and their holders (read once), or a predicate or class no compiled rule reads."""
    unseen = [p for p in _TRIGGERS if p not in schema.present or p in _STRUCTURE]
    predicates = " ".join(_sparql(p) for p in unseen)
    derived = store.select(
        f"{_PREFIXES}SELECT ?p WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} "
        f"VALUES ?p {{ {predicates} }} }} LIMIT 1"
    )
    kinds = " ".join(_sparql(k) for k in _TYPES if k not in schema.present)
    derived += store.select(
        f"{_PREFIXES}SELECT ?k WHERE {{ GRAPH <{INFERRED}> {{ ?s rdf:type ?k }} "
        f"VALUES ?k {{ {kinds} owl:AllDisjointClasses }} }} LIMIT 1"
    )
    if derived:
        raise UnsupportedConstruct(f"a derived use of {_show(derived[0][0])}")
    axioms = " ".join(_sparql(p) for p in _SCHEMA)
    merged = store.select(
        f"{_PREFIXES}SELECT ?a WHERE {{ ?a owl:sameAs ?b FILTER (?a != ?b) "
        f"{{ ?a ?axiom [] VALUES ?axiom {{ {axioms} }} }} UNION "
        f"{{ [] ?axiom ?a VALUES ?axiom {{ {axioms} }} }} UNION {{ [] rdf:type ?a }} UNION "
        f"{{ [] ?a [] }} }} LIMIT 1"
    )
    if merged:
        raise UnsupportedConstruct(f"owl:sameAs on the class or property {_show(merged[0][0])}")


# --- inconsistencies -----------------------------------------------------------------------------


def _errors(store: LocalStore, literals: _Literals) -> set[str]:
    """Every inconsistency of the closure, worded as owlrl words it."""
    found: set[str] = set()

    def report(template: str, query: str) -> None:
        for row in store.select(_PREFIXES + query):
            found.add(template % tuple(str(literals.back(term)) for term in row))

    disjoint = "Disjoint classes %s and %s have a common individual %s"
    report(
        disjoint,
        "SELECT ?c1 ?c2 ?x WHERE { ?c1 owl:disjointWith ?c2 . ?x rdf:type ?c1 . ?x rdf:type ?c2 }",
    )
    report(
        disjoint,
        "SELECT ?c1 ?c2 ?x WHERE { ?a rdf:type owl:AllDisjointClasses ; owl:members ?l . "
        "?l rdf:rest* ?n1 . ?n1 rdf:first ?c1 . ?n1 rdf:rest+ ?n2 . ?n2 rdf:first ?c2 . "
        "?x rdf:type ?c1 . ?x rdf:type ?c2 }",
    )
    report("%s is defined of type 'Nothing'", "SELECT ?x WHERE { ?x rdf:type owl:Nothing }")
    report(
        "Violation of complementarity for classes %s and %s on element %s",
        "SELECT ?c1 ?c2 (?c2 AS ?element) WHERE { ?c1 owl:complementOf ?c2 . ?x rdf:type ?c1 . "
        "?x rdf:type ?c2 }",
    )
    report(
        "Irreflexive property used on %s with %s",
        "SELECT ?x ?p WHERE { ?p rdf:type owl:IrreflexiveProperty . ?x ?p ?x }",
    )
    report(
        "Erroneous usage of asymmetric property %s on %s and %s",
        "SELECT ?p ?x ?y WHERE { ?p rdf:type owl:AsymmetricProperty . ?x ?p ?y . ?y ?p ?x }",
    )
    report(
        "Erroneous usage of disjoint properties %s and %s on %s and %s",
        "SELECT ?p1 ?p2 ?x ?y WHERE { ?p1 owl:propertyDisjointWith ?p2 . ?x ?p1 ?y . ?x ?p2 ?y }",
    )
    same_and_different = (
        "'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: (%s, %s)"
    )
    report(
        same_and_different,
        "SELECT ?s ?o WHERE { ?s owl:sameAs ?o . "
        "{ ?s owl:differentFrom ?o } UNION { ?o owl:differentFrom ?s } }",
    )
    report(same_and_different, "SELECT ?x (?x AS ?y) WHERE { ?x owl:differentFrom ?x }")
    return found


# --- literals ------------------------------------------------------------------------------------


class _Literals:
    """The IRIs standing for literals in the store, and the literals they stand for."""

    def __init__(self) -> None:
        self._terms: dict[tuple, URIRef] = {}
        self._literals: dict[str, Literal] = {}

    def stand_in(
        self, triples: Iterable[tuple[Node, Node, Node]], keep: set[URIRef] | None = None
    ) -> Iterator[tuple]:
        """The triples with each literal replaced by the IRI standing for it; with ``keep``,
        only those whose predicate is in it (a typed literal elsewhere is still recorded, for
        owlrl's datatype rules read every literal of the graph)."""
        term = self.term
        for s, p, o in triples:
            if keep is not None and p not in keep:
                if type(o) is Literal and o.datatype is not None:
                    term(o)
                continue
            if type(o) is Literal:
                o = term(o)
            if type(s) is Literal:
                s = term(s)
            yield s, p, o

    def term(self, node: Literal) -> URIRef:
        """The IRI standing for a literal."""
        datatype = node.datatype
        key = (str(node), node.language, None if datatype is None else str(datatype))
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = URIRef(f"{LITERAL}{len(self._terms)}")
            self._literals[str(term)] = node
        return term

    def back(self, node: Node) -> Node:
        """The literal an IRI stands for, or the node itself."""
        if isinstance(node, URIRef) and node.startswith(LITERAL):
            return self._literals[str(node)]
        return node

    def typed(self, datatypes: Datatypes) -> Iterator[tuple[URIRef, Literal]]:
        """Each literal of a datatype owlrl types, with the IRI standing for it."""
        for iri, literal in self._literals.items():
            if literal.datatype in datatypes.typed:
                yield URIRef(iri), literal

    def lexical_errors(self, datatypes: Datatypes) -> Iterator[str]:
        """owlrl's rule dt-not-type: literals whose lexical form does not fit their datatype."""
        for _, literal in self.typed(datatypes):
            if not datatypes.lexical_ok(literal):
                yield (
                    f"Lexical value of the literal '{literal}' does not match its datatype "
                    f"({literal.datatype})"
                )


def _one_time_triples(
    literals: _Literals, datatypes: Datatypes
) -> Iterator[tuple[Node, Node, Node]]:
    """What owlrl adds once before its rules: cls-thing, cls-nothing1, prp-ap, dt-type1 and
    dt-type2 with the datatypes' supertypes, and the disjointness of the datatypes in use."""
    yield OWL.Thing, RDF.type, OWL.Class
    yield OWL.Nothing, RDF.type, OWL.Class
    for prop in datatypes.annotation_properties:
        yield prop, RDF.type, OWL.AnnotationProperty
    for datatype in datatypes.typed:
        yield datatype, RDF.type, RDFS.Datatype
    used = set()
    for iri, literal in literals.typed(datatypes):
        yield iri, RDF.type, literal.datatype
        used.add(literal.datatype)
        for supertype in datatypes.supertypes.get(literal.datatype, ()):
            yield iri, RDF.type, supertype
            yield supertype, RDF.type, RDFS.Datatype
            used.add(supertype)
    for triple in datatypes.disjoint:
        if triple[0] in used and triple[2] in used:
            yield triple


# --- text ----------------------------------------------------------------------------------------


def _list_pattern(head: str, item: str, length: int) -> tuple[str, ...]:
    """Triple patterns matching an RDF list of ``length`` items ``{item}0``, ``{item}1`` ..."""
    nodes = [head, *(f"{head}{i}" for i in range(1, length)), "rdf:nil"]
    patterns = []
    for i in range(length):
        patterns += [f"{nodes[i]} rdf:first {item}{i}", f"{nodes[i]} rdf:rest {nodes[i + 1]}"]
    return tuple(patterns)


def _sparql(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    raise UnsupportedConstruct(f"{_show(term)} where a class or property is expected")


def _show(term: Node) -> str:
    if isinstance(term, BNode):
        return "a blank node"
    for prefix, namespace in (("rdf", RDF), ("rdfs", RDFS), ("owl", OWL)):
        if isinstance(term, URIRef) and term.startswith(str(namespace)):
            return f"{prefix}:{term[len(str(namespace)) :]}"
    return f"<{term}>" if isinstance(term, URIRef) else str(term)
