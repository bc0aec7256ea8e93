"""The fast reasoner (OWL 2 RL rules as SPARQL Update in pyoxigraph) against owlrl.

Every comparison is on what ``reason.infer`` returns (new triples, filtered the same way) or on
the reasons of the inconsistency it raises: on the real project, the fixture project, a
generated project, and one counter-example per rule family whose entailment must appear.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from cbss_kg.load import load_project
from cbss_kg.reason import InconsistencyError, infer
from cbss_kg.rules import Rule, UnsupportedConstruct

REPO = Path(__file__).resolve().parent.parent
EX = "http://example.org/"

PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def outcome(graph: Graph, engine: str) -> set | tuple[str, ...]:
    """The new triples, or the reasons of the inconsistency."""
    try:
        return set(infer(graph, engine=engine))
    except InconsistencyError as error:
        return tuple(error.reasons)


def same_as_owlrl(graph: Graph) -> set | tuple[str, ...]:
    fast = outcome(graph, "fast")
    assert fast == outcome(graph, "owlrl")
    return fast


# --- whole graphs -------------------------------------------------------------------------------


def test_the_real_project_gets_owlrls_entailments(project) -> None:
    inferred = same_as_owlrl(load_project(project).union())
    assert isinstance(inferred, set) and inferred


def test_the_fixture_project_gets_owlrls_entailments(mini_project) -> None:
    inferred = same_as_owlrl(load_project(mini_project).union())
    assert (ex("x"), RDF.type, ex("y")) not in inferred
    assert (
        URIRef("https://w3id.org/cbss-kg/ontology#State"),
        RDFS.subClassOf,
        URIRef("https://w3id.org/cbss-kg/ontology#Participant"),
    ) in inferred


def test_a_generated_project_gets_owlrls_entailments(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = generate
    spec.loader.exec_module(generate)
    generate.generate(tmp_path, 1500, seed=3)
    from cbss_kg.config import Project

    inferred = same_as_owlrl(load_project(Project(tmp_path)).union())
    assert isinstance(inferred, set) and len(inferred) > 100


# --- one counter-example per rule family --------------------------------------------------------

ENTAILMENTS = {
    "subclass, transitively": (
        "ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:C . ex:x a ex:A .",
        [("x", RDF.type, "C"), ("A", RDFS.subClassOf, "C")],
    ),
    "subproperty, with the literal as written": (
        "ex:p rdfs:subPropertyOf ex:q . ex:q rdfs:subPropertyOf ex:r . "
        'ex:x ex:p "64500.00"^^xsd:decimal , "Rīga"@LV .',
        [
            ("x", "r", Literal("64500.00", datatype=XSD.decimal)),
            ("x", "r", Literal("Rīga", lang="LV")),
            ("p", RDFS.subPropertyOf, "r"),
        ],
    ),
    "domain and range, through the hierarchies": (
        "ex:p rdfs:domain ex:D ; rdfs:range ex:R . ex:D rdfs:subClassOf ex:D2 . "
        "ex:sub rdfs:subPropertyOf ex:p . ex:x ex:sub ex:y .",
        [
            ("x", RDF.type, "D2"),
            ("y", RDF.type, "R"),
            ("sub", RDFS.domain, "D"),
            ("p", RDFS.domain, "D2"),
        ],
    ),
    "inverse": (
        "ex:p owl:inverseOf ex:q . ex:x ex:p ex:y . ex:z ex:q ex:w .",
        [("y", "q", "x"), ("w", "p", "z")],
    ),
    "symmetric": ("ex:p a owl:SymmetricProperty . ex:x ex:p ex:y .", [("y", "p", "x")]),
    "transitive": (
        "ex:p a owl:TransitiveProperty . ex:a ex:p ex:b . ex:b ex:p ex:c . ex:c ex:p ex:d .",
        [("a", "p", "d"), ("b", "p", "d")],
    ),
    "a characteristic gained by entailment": (
        "ex:Chain rdfs:subClassOf owl:TransitiveProperty . ex:p a ex:Chain . "
        "ex:a ex:p ex:b . ex:b ex:p ex:c . ex:a ex:label ex:b .",
        [("p", RDF.type, OWL.TransitiveProperty), ("a", "p", "c")],
    ),
    "equivalent classes and properties": (
        "ex:A owl:equivalentClass ex:B . ex:x a ex:B . ex:p owl:equivalentProperty ex:q . "
        "ex:x ex:q ex:y . ex:C rdfs:subClassOf ex:E . ex:E rdfs:subClassOf ex:C .",
        [
            ("x", RDF.type, "A"),
            ("x", "p", "y"),
            ("A", RDFS.subClassOf, "B"),
            ("C", OWL.equivalentClass, "E"),
        ],
    ),
    "property chain": (
        "ex:grandparent owl:propertyChainAxiom ( ex:parent ex:parent ) . "
        "ex:uncle owl:propertyChainAxiom ( ex:parent ex:brother ) . "
        "ex:a ex:parent ex:b . ex:b ex:parent ex:c . ex:b ex:brother ex:d .",
        [("a", "grandparent", "c"), ("a", "uncle", "d")],
    ),
    "hasValue, both ways": (
        "ex:Latvian owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:country ; "
        "owl:hasValue ex:LV ] . ex:x ex:country ex:LV . ex:y a ex:Latvian .",
        [("x", RDF.type, "Latvian"), ("y", "country", "LV")],
    ),
    "someValuesFrom and allValuesFrom": (
        "ex:Parent owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:child ; "
        "owl:someValuesFrom ex:Person ] . ex:x ex:child ex:y . ex:y a ex:Person . "
        "ex:Strict rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:member ; "
        "owl:allValuesFrom ex:State ] . ex:s a ex:Strict ; ex:member ex:m .",
        [("x", RDF.type, "Parent"), ("m", RDF.type, "State")],
    ),
    "intersection, union and enumeration": (
        "ex:Both owl:intersectionOf ( ex:A ex:B ) . ex:x a ex:A , ex:B . ex:y a ex:Both . "
        "ex:Either owl:unionOf ( ex:C ex:D ) . ex:z a ex:D . "
        "ex:Colour owl:oneOf ( ex:red ex:green ) .",
        [
            ("x", RDF.type, "Both"),
            ("y", RDF.type, "A"),
            ("z", RDF.type, "Either"),
            ("green", RDF.type, "Colour"),
            ("Both", RDFS.subClassOf, "B"),
            ("D", RDFS.subClassOf, "Either"),
        ],
    ),
    "sameAs: symmetric, transitive, replacing": (
        "ex:a owl:sameAs ex:b . ex:b owl:sameAs ex:c . ex:a ex:p ex:o . ex:s ex:q ex:c .",
        [("c", OWL.sameAs, "a"), ("c", "p", "o"), ("s", "q", "a")],
    ),
    "functional and inverse-functional properties": (
        "ex:f a owl:FunctionalProperty . ex:x ex:f ex:a , ex:b . "
        "ex:g a owl:InverseFunctionalProperty . ex:m ex:g ex:k . ex:n ex:g ex:k .",
        [("a", OWL.sameAs, "b"), ("m", OWL.sameAs, "n")],
    ),
}


@pytest.mark.parametrize("family", sorted(ENTAILMENTS))
def test_each_rule_family_gets_owlrls_entailments(family: str) -> None:
    data, expected = ENTAILMENTS[family]
    inferred = same_as_owlrl(turtle(data))
    assert isinstance(inferred, set), inferred
    for s, p, o in expected:
        triple = tuple(ex(x) if type(x) is str else x for x in (s, p, o))
        assert triple in inferred, f"{family}: {triple} not inferred"


INCONSISTENCIES = {
    "disjoint classes": ("ex:A owl:disjointWith ex:B . ex:x a ex:A , ex:B .", "Disjoint"),
    "all disjoint classes, reached through a range": (
        "[] a owl:AllDisjointClasses ; owl:members ( ex:A ex:B ex:C ) . "
        "ex:p rdfs:range ex:C . ex:y a ex:A . ex:x ex:p ex:y .",
        "Disjoint classes http://example.org/A and http://example.org/C",
    ),
    "a member of Nothing": ("ex:A rdfs:subClassOf owl:Nothing . ex:x a ex:A .", "Nothing"),
    "complement": ("ex:A owl:complementOf ex:B . ex:x a ex:A , ex:B .", "complementarity"),
    "irreflexive property": ("ex:p a owl:IrreflexiveProperty . ex:x ex:p ex:x .", "Irreflexive"),
    "asymmetric property": (
        "ex:p a owl:AsymmetricProperty . ex:x ex:p ex:y . ex:y ex:p ex:x .",
        "asymmetric",
    ),
    "disjoint properties": (
        "ex:p owl:propertyDisjointWith ex:q . ex:x ex:p ex:y ; ex:q ex:y .",
        "disjoint properties",
    ),
    "sameAs and differentFrom": (
        "ex:a owl:sameAs ex:b . ex:b owl:differentFrom ex:a . ex:c owl:differentFrom ex:c .",
        "differentFrom",
    ),
    "a literal that does not fit its datatype": (
        'ex:x ex:count "many"^^xsd:integer .',
        "Lexical value of the literal 'many'",
    ),
    "a literal typed by a range disjoint with its datatype": (
        'ex:p rdfs:range xsd:boolean . ex:x ex:p "3"^^xsd:decimal . ex:y ex:flag true .',
        "Disjoint classes http://www.w3.org/2001/XMLSchema#boolean",
    ),
}


@pytest.mark.parametrize("case", sorted(INCONSISTENCIES))
def test_each_inconsistency_is_reported_as_owlrl_reports_it(case: str) -> None:
    data, wording = INCONSISTENCIES[case]
    reasons = same_as_owlrl(turtle(data))
    assert isinstance(reasons, tuple), f"{case}: no inconsistency found"
    assert any(wording in reason for reason in reasons), reasons


def test_a_consistent_graph_with_disjoint_classes_raises_nothing() -> None:
    data = turtle("ex:A owl:disjointWith ex:B . ex:x a ex:A . ex:y a ex:B .")
    assert same_as_owlrl(data) == set()


# --- what the fast reasoner refuses -------------------------------------------------------------

UNSUPPORTED = {
    "owl:hasKey": "ex:A owl:hasKey ( ex:p ) . ex:x a ex:A ; ex:p 1 . ex:y a ex:A ; ex:p 1 .",
    "owl:maxCardinality": "ex:R owl:onProperty ex:p ; owl:maxCardinality 1 . ex:x a ex:R .",
    "owl:AllDifferent": "[] a owl:AllDifferent ; owl:distinctMembers ( ex:a ex:b ) .",
    "an anonymous property": "ex:p owl:inverseOf [ owl:inverseOf ex:q ] . ex:x ex:p ex:y .",
    "owl:sameAs on the class or property": "ex:A owl:sameAs ex:B . ex:x a ex:A .",
    "a derived use of rdfs:domain": "ex:label rdfs:subPropertyOf rdfs:domain . "
    "ex:p ex:label ex:C . ex:x ex:p ex:y .",
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_an_unsupported_construct_is_refused_by_name_and_owlrl_reasons(construct: str) -> None:
    data = turtle(UNSUPPORTED[construct])
    with pytest.raises(UnsupportedConstruct, match=construct):
        infer(data, engine="fast")
    assert outcome(data, "auto") == outcome(data, "owlrl")


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown reasoner 'hermit'"):
        infer(Graph(), engine="hermit")


def test_semi_naive_rounds_read_one_atom_from_the_delta() -> None:
    rule = Rule("cax-sco", "?x rdf:type ?c2", ("?c1 rdfs:subClassOf ?c2", "?x rdf:type ?c1"))
    whole, second = rule.update(None), rule.update(1)
    assert "GRAPH <urn:x-cbss-kg:rules#delta>" not in whole
    assert "GRAPH <urn:x-cbss-kg:rules#delta> { ?x rdf:type ?c1 }" in second
    assert "FILTER NOT EXISTS { ?x rdf:type ?c2 }" in second


def test_a_build_writes_the_same_inferred_triples_with_either_engine(
    mini_project, tmp_path: Path
) -> None:
    from cbss_kg import pipeline

    fast = pipeline.build(mini_project, tmp_path / "fast", engine="fast")
    reference = pipeline.build(mini_project, tmp_path / "reference", engine="reference")
    assert fast.inferred == reference.inferred > 0
    written = [(tmp_path / name / "inferred.ttl").read_bytes() for name in ("fast", "reference")]
    assert written[0] == written[1]


def test_only_triples_some_rule_can_read_are_stored(project) -> None:
    """Without owl:sameAs, labels and other predicates no axiom mentions stay out of the store."""
    from rdflib.namespace import ORG, SKOS

    from cbss_kg.rules import _read_by_rules, _read_schema, compile_rules

    graph = load_project(project).union()
    schema = _read_schema(graph)
    compile_rules(schema)
    kept = _read_by_rules(graph, schema)
    assert kept is not None
    assert {RDF.type, ORG.member, ORG.hasMembership, RDFS.subClassOf} <= kept
    assert SKOS.prefLabel not in kept
    same = turtle("ex:a owl:sameAs ex:b .")
    schema = _read_schema(same)
    compile_rules(schema)
    assert _read_by_rules(same, schema) is None
