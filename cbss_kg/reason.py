"""Reasoning: the OWL 2 RL entailments of the asserted graph, and its consistency.

Two engines give the same entailments and inconsistencies: ``"fast"``, OWL 2 RL rules run as
SPARQL in pyoxigraph (:mod:`cbss_kg.rules`), and ``"owlrl"``, the reference. ``"auto"`` (the
default) takes the fast one unless the graph uses a construct it does not handle.

This is the only module that imports owlrl, and the one place in the pipeline where entailment
happens (validation runs on what the sources assert).
"""

from __future__ import annotations

import gc

import owlrl
from owlrl.AxiomaticTriples import OWLRL_Datatypes_Disjointness
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.OWLRL import OWLRL_Annotation_properties
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from cbss_kg import rules
from cbss_kg.rules import UnsupportedConstruct

ENGINES = ("auto", "fast", "owlrl")
"""The reasoners: see the module's description."""

OWLRL_ERRORS = "http://www.daml.org/2002/03/agents/agent-ont#"
"""owlrl reports each inconsistency as ``[ a err:ErrorMessage ; err:error "…" ]`` in this
namespace (owlrl ``Closure.py``); an individual typed ``owl:Nothing`` is reported the same way."""

_ERROR = URIRef(OWLRL_ERRORS + "error")
_ERROR_MESSAGE = URIRef(OWLRL_ERRORS + "ErrorMessage")

_BUILT_IN = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
"""Vocabularies whose own terms owlrl describes axiomatically (``xsd:int a rdfs:Datatype``,
``owl:Nothing rdfs:subClassOf cbss:Project``…): true of every graph, so not about ours."""

_TRIVIAL_WHEN_REFLEXIVE = frozenset(
    {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
)


class InconsistencyError(Exception):
    """The graph is inconsistent under OWL 2 RL; the message lists every reason owlrl gave."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        listed = "\n".join(f"  - {reason}" for reason in reasons)
        super().__init__(f"the graph is inconsistent (OWL 2 RL):\n{listed}")


def infer(graph: Graph, *, engine: str = "auto") -> Graph:
    """The OWL 2 RL closure of ``graph`` minus ``graph`` itself, kept to what says something.

    Kept: entailments about the data and our terms (types from domains, ranges and subclasses,
    inverse and super-properties, transitive subclass and subproperty links, ``owl:sameAs``
    between distinct nodes). Dropped: triples about literals (owlrl gives literals subjects),
    statements about RDF/RDFS/OWL/XSD's own terms, reflexive ``owl:sameAs`` /
    equivalence / subclass links, ``… a owl:Thing`` and domains or ranges of ``owl:Thing``, and
    statements involving blank nodes (OWL restriction and list structure: they cannot be
    referred to from the separate inferred graph).

    Raises:
        InconsistencyError: owlrl found an inconsistency (disjoint classes sharing a member,
            an individual of ``owl:Nothing``, a violated property restriction…).
        UnsupportedConstruct: ``engine="fast"`` and the graph uses what it does not handle.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoner {engine!r}; choose one of {', '.join(ENGINES)}")
    # The reasoner makes millions of objects, hardly any of them garbage in cycles; with the cyclic
    # garbage collector on, each of its full collections would also walk the whole input graph
    # again (at 100k quads that doubled the reasoning time: 1.42 s against 0.64 s).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _closure(graph, engine)
    finally:
        if enabled:
            gc.enable()


def _closure(graph: Graph, engine: str) -> Graph:
    if engine != "owlrl":
        try:
            found = rules.closure(graph, DATATYPES)
        except UnsupportedConstruct:
            if engine == "fast":
                raise
        else:
            if found.errors:
                raise InconsistencyError(list(found.errors))
            inferred = Graph()
            for triple in found.inferred:
                if _meaningful(triple):
                    inferred.add(triple)
            return inferred
    closure = Graph()
    closure += graph
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    reasons = sorted(
        str(message)
        for node in closure.subjects(RDF.type, _ERROR_MESSAGE)
        for message in closure.objects(node, _ERROR)
    )
    if reasons:
        raise InconsistencyError(reasons)
    inferred = Graph()
    for triple in closure:
        if triple not in graph and _meaningful(triple):
            inferred.add(triple)
    return inferred


def _lexical_ok(literal: Literal) -> bool:
    """owlrl's rule dt-not-type: the lexical form converts with owlrl's own converters."""
    try:
        AltXSDToPYTHON.get(literal.datatype, str)(str(literal))
    except ValueError:
        return False
    return True


DATATYPES = rules.Datatypes(
    typed=frozenset(OWL_RL_Datatypes),
    supertypes=OWL_Datatype_Subsumptions,
    disjoint=tuple(OWLRL_Datatypes_Disjointness),
    annotation_properties=tuple(OWLRL_Annotation_properties),
    lexical_ok=_lexical_ok,
)
"""owlrl's datatype tables, for the fast reasoner to read datatypes exactly as owlrl does."""


def _meaningful(triple: tuple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, (Literal, BNode)) or isinstance(obj, BNode):
        return False
    if str(subject).startswith(_BUILT_IN) or str(predicate).startswith(OWLRL_ERRORS):
        return False
    if subject == obj and predicate in _TRIVIAL_WHEN_REFLEXIVE:
        return False
    return not (
        obj == OWL.Thing and predicate in (RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range)
    )
