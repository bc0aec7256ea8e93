"""Reasoning: only new, meaningful triples; inconsistencies stop with a readable message."""

from __future__ import annotations

import gc

import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from cbss_kg.load import load_project
from cbss_kg.namespaces import CBSS, ID, ORG, SDO
from cbss_kg.reason import InconsistencyError, infer
from cbss_kg.rules import UnsupportedConstruct

PREFIXES = """
@prefix cbss: <https://w3id.org/cbss-kg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def graph(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


@pytest.fixture(scope="module")
def asserted(mini_project) -> Graph:
    return load_project(mini_project).union()


@pytest.fixture(scope="module")
def inferred(asserted: Graph) -> Graph:
    return infer(asserted)


def test_returns_only_new_triples(asserted: Graph, inferred: Graph) -> None:
    assert len(inferred) > 0
    assert not [t for t in inferred if t in asserted]


def test_entailments_about_our_data(inferred: Graph) -> None:
    task_force, strom = ID["org/tf-thb"], ID["project/strom-ii"]
    assert (task_force, CBSS.runs, strom) in inferred  # owl:inverseOf
    assert (task_force, RDF.type, ORG.OrganizationalUnit) in inferred  # subclass
    assert (ID["state/LV"], RDF.type, ORG.FormalOrganization) in inferred
    assert (strom, RDF.type, SDO.Project) in inferred
    aim = Literal("Stiprināt cīņu pret cilvēku tirdzniecību", lang="lv")
    assert (strom, SKOS.note, aim) in inferred  # subproperty
    assert (CBSS.State, RDFS.subClassOf, CBSS.Participant) in inferred  # owl:unionOf


def test_noise_is_dropped(inferred: Graph) -> None:
    builtin = (str(RDF), str(RDFS), str(OWL), str(XSD))
    for s, p, o in inferred:
        assert not isinstance(s, (Literal, BNode)), (s, p, o)
        assert not isinstance(o, BNode), (s, p, o)
        assert not str(s).startswith(builtin), (s, p, o)
        assert o != OWL.Thing, (s, p, o)
        assert not (s == o and p in (OWL.sameAs, RDFS.subClassOf, OWL.equivalentClass)), (s, p, o)


def test_input_is_not_changed(asserted: Graph) -> None:
    before = len(asserted)
    infer(asserted)
    assert len(asserted) == before


def test_disjoint_classes_with_a_shared_member_are_inconsistent() -> None:
    data = graph(
        """
        cbss:State owl:disjointWith cbss:Project .
        <https://w3id.org/cbss-kg/id/state/LV> a cbss:State , cbss:Project .
        """
    )
    with pytest.raises(InconsistencyError) as caught:
        infer(data)
    message = str(caught.value)
    assert "inconsistent" in message
    assert "https://w3id.org/cbss-kg/id/state/LV" in message
    assert "Disjoint" in message


def test_inconsistency_reached_through_entailment() -> None:
    """The clash only appears once the range of cbss:runBy is applied."""
    data = graph(
        """
        cbss:runBy rdfs:range cbss:TaskForce .
        cbss:TaskForce owl:disjointWith cbss:State .
        <https://w3id.org/cbss-kg/id/state/LV> a cbss:State .
        <https://w3id.org/cbss-kg/id/project/x> cbss:runBy <https://w3id.org/cbss-kg/id/state/LV> .
        """
    )
    with pytest.raises(InconsistencyError, match="state/LV"):
        infer(data)


def test_member_of_nothing_is_inconsistent() -> None:
    data = graph("<https://w3id.org/cbss-kg/id/thing/x> a owl:Nothing .")
    with pytest.raises(InconsistencyError) as caught:
        infer(data)
    assert caught.value.reasons
    assert any("thing/x" in reason for reason in caught.value.reasons)


def test_consistent_graph_raises_nothing() -> None:
    data = graph(
        """
        cbss:State owl:disjointWith cbss:Project .
        <https://w3id.org/cbss-kg/id/state/LV> a cbss:State .
        <https://w3id.org/cbss-kg/id/project/x> a cbss:Project .
        """
    )
    assert len(infer(data)) == 0


@pytest.mark.parametrize("engine", ["fast", "owlrl"])
def test_the_garbage_collector_rests_while_reasoning_and_is_left_as_it_was(
    asserted: Graph, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each full collection would walk the whole input again; after reasoning, finished or
    failed, the collector is as the caller had it."""
    seen = []
    real_triples = Graph.triples

    def watched(self: Graph, *args: object, **options: object) -> object:
        seen.append(gc.isenabled())
        return real_triples(self, *args, **options)

    monkeypatch.setattr(Graph, "triples", watched)
    assert gc.isenabled()
    infer(asserted, engine=engine)
    assert seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises((InconsistencyError, UnsupportedConstruct)):
        infer(graph("<https://w3id.org/cbss-kg/id/thing/x> a owl:Nothing ."), engine=engine)
    assert gc.isenabled()
    gc.disable()
    try:
        infer(graph("<https://w3id.org/cbss-kg/id/thing/x> a cbss:State ."), engine=engine)
        assert not gc.isenabled()
    finally:
        gc.enable()
