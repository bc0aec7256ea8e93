"""Validation: the SHACL shapes and the SPARQL checks, as one :class:`~cbss_kg.findings.Report`.

SHACL runs on one of two engines, with the same findings: ``"fast"``, the shapes compiled into
SPARQL (:mod:`cbss_kg.shacl_sparql`) and run in pyoxigraph, or ``"pyshacl"``, the reference.
``"auto"`` (the default) takes the fast one whenever the compiler supports every construct the
shapes use.

This is the only module that imports pyshacl.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyshacl
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from cbss_kg import shacl_sparql
from cbss_kg.findings import Finding, Report, Severity, report_from_shacl, term_text
from cbss_kg.load import Sources
from cbss_kg.namespaces import PREFIXES
from cbss_kg.shacl_sparql import UnsupportedShape
from cbss_kg.store import LocalStore, StoreLoadError

if TYPE_CHECKING:
    from cbss_kg.queries import Query

INFERENCE = "none"
"""pyshacl's own inference is off: ``reason`` is the one place where entailment happens, so
what is validated is exactly what the sources assert (plus the ontology's class hierarchy, which
pyshacl follows for ``sh:targetClass`` and ``sh:class`` without inferring anything)."""


ENGINES = ("auto", "fast", "pyshacl")
"""The SHACL engines: see the module's description."""


class CheckError(Exception):
    """A check query could not run; the message names the check and the engine's complaint."""


def validate(
    sources: Sources,
    checks: Iterable[Query] = (),
    *,
    engine: str = "auto",
    store: LocalStore | None = None,
) -> Report:
    """SHACL on the union of all named graphs, then every check on the dataset (in ``store`` when
    given: one made by :meth:`LocalStore.from_dataset` from ``sources.dataset``).

    Raises:
        UnsupportedShape: ``engine="fast"`` and the fast engine cannot give pyshacl's findings.
    """
    shacl = _fast(sources.named_graphs(), sources.shapes, engine, store)
    labelled: Graph = sources.dataset
    if shacl is None:
        labelled = sources.union()
        shacl = _shacl_findings(labelled, sources.shapes, sources.ontology)
    found = shacl + run_checks(sources.dataset, checks, store=store)
    return Report(tuple(found), labels=labels_for(labelled, {f.focus for f in found}))


def validate_graph(
    data: Graph, shapes: Graph, ontology: Graph | None = None, *, engine: str = "auto"
) -> Report:
    """SHACL only, on one graph and the ontology: what the shape fixtures are tested with."""
    found = _fast([data] if ontology is None else [data, ontology], shapes, engine)
    if found is None:
        found = _shacl_findings(data, shapes, ontology)
    return Report(tuple(found), labels=labels_for(data, {f.focus for f in found}))


def fast_findings(
    graphs: Iterable[Graph], shapes: Graph, *, store: LocalStore | None = None
) -> list[Finding]:
    """SHACL on the union of ``graphs`` with the shapes compiled into SPARQL, in pyoxigraph
    (in ``store`` when given: one already holding ``graphs``, read as the union of its graphs).

    Raises:
        UnsupportedShape: the shapes use a construct the compiler does not handle, or the data
            spells one literal value two ways, which rdflib keeps apart and pyoxigraph does not.
    """
    if not len(shapes):
        return []
    checks = shacl_sparql.compile_shapes(shapes)
    union = store is not None
    if store is None:
        store = LocalStore()
        try:
            store.add(triple for graph in graphs for triple in graph)
        except StoreLoadError as error:
            raise UnsupportedShape(f"data pyoxigraph cannot hold ({error})") from None
    if store.merged:
        first, second = store.merged[0]
        raise UnsupportedShape(f"data with both {first.n3()} and {second.n3()}")
    results, counted = shacl_sparql.run(checks, store, union=union)
    return report_from_shacl(results, shapes=shapes, data=counted)


def _fast(
    graphs: Iterable[Graph], shapes: Graph, engine: str, store: LocalStore | None = None
) -> list[Finding] | None:
    """The fast engine's findings, or None when pyshacl must validate."""
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "pyshacl":
        return None
    try:
        return fast_findings(graphs, shapes, store=store)
    except UnsupportedShape:
        if engine == "fast":
            raise
        return None


def run_checks(
    dataset: Dataset | Graph, checks: Iterable[Query], *, store: LocalStore | None = None
) -> list[Finding]:
    """Run each check (``SELECT ?focus ?message``, optionally ``?path``); every row is a finding.

    On a :class:`~rdflib.Dataset` built with ``default_union=True`` the default graph is the
    union of the graphs, so checks may use plain patterns and ``GRAPH ?g { … }`` alike; the
    project's prefixes need no declaring. The checks run in pyoxigraph, in this process, on
    ``store`` (one made from ``dataset`` when none is given); where pyoxigraph cannot hold the
    dataset as rdflib reads it (two literals rdflib tells apart are one term to pyoxigraph),
    rdflib runs them on ``dataset`` instead.

    Raises:
        CheckError: a check does not parse or fails to run.
    """
    checks = list(checks)
    if not checks:
        return []
    union = not isinstance(dataset, Dataset) or dataset.default_union
    if store is None:
        try:
            store = LocalStore.from_dataset(dataset)
        except StoreLoadError:
            store = None
    exact = store is not None and not store.merged
    findings = []
    for check in checks:
        severity = Severity(check.severity or Severity.VIOLATION.value)
        try:
            rows = (
                store.rows(check.text, union=union, prefixes=PREFIXES)
                if exact
                else [row.asdict() for row in dataset.query(check.text, initNs=PREFIXES)]
            )
        except Exception as error:  # the SPARQL engines' own errors have no common base class
            raise CheckError(f"check {check.name} ({check.path.name}) failed: {error}") from None
        for row in rows:
            focus = row.get("focus")
            message = row.get("message")
            if focus is None:
                raise CheckError(f"check {check.name} returned a row without ?focus")
            path = row.get("path")
            findings.append(
                Finding(
                    severity=severity,
                    focus=term_text(focus),
                    path=str(path) if isinstance(path, URIRef) else None,
                    message=str(message) if message is not None else check.summary,
                    source=check.name,
                )
            )
    return findings


def labels_for(graph: Graph, iris: Iterable[str]) -> dict[str, str]:
    """A readable name for each IRI: English ``skos:prefLabel``, else Latvian, else any label."""
    labels = {}
    for iri in iris:
        term = URIRef(iri)
        candidates = [
            lit
            for predicate in (SKOS.prefLabel, RDFS.label)
            for lit in graph.objects(term, predicate)
            if isinstance(lit, Literal)
        ]
        if candidates:
            rank = {"en": 0, "lv": 1}
            best = min(candidates, key=lambda x: (rank.get(x.language or "", 2), str(x)))
            labels[iri] = str(best)
    return labels


def _shacl_findings(data: Graph, shapes: Graph, ontology: Graph | None) -> list[Finding]:
    if not len(shapes):
        return []
    shapes_copy = Graph()
    shapes_copy += shapes  # pyshacl adds RDFS/OWL axioms to the shapes graph it is given
    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes_copy,
        ont_graph=ontology,
        inference=INFERENCE,
        advanced=True,  # SHACL-SPARQL constraints and SHACL rules
        allow_warnings=True,  # warnings are reported but do not fail the data
        abort_on_first=False,
        do_owl_imports=False,
    )
    return report_from_shacl(results, shapes=shapes, data=data)
