"""Reasoning: the OWL 2 RL entailments of the asserted graph, and its consistency.

This is the only module that imports owlrl, and the one place in the pipeline where entailment
happens (validation runs on what the sources assert).
"""

from __future__ import annotations

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

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


def infer(graph: Graph) -> Graph:
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
    """
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
