"""The SHACL shapes, tested against fixtures kept as data.

Each file under ``tests/shapes/valid/`` and ``tests/shapes/invalid/`` is named
``<Shape>-<case>`` and holds data plus a W3C-style manifest node::

    [] a sht:Validate ;
        mf:result [ a sh:ValidationReport ; sh:conforms false ;
                    sh:result [ sh:focusNode … ; sh:resultPath … ;
                                sh:sourceConstraintComponent … ; sh:resultSeverity … ] ] .

The manifest is taken out of the data, the rest is validated with the project's shapes and
ontology, and the results are compared with the expected ones on focus node, path, constraint
component and severity: exactly, as a multiset. Messages are not compared.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from cbss_kg.config import Project
from cbss_kg.findings import Severity, path_text, term_text
from cbss_kg.load import Sources, load_project, parse_file
from cbss_kg.namespaces import SH, SHAPES
from cbss_kg.validate import validate_graph

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
FIXTURES = Path(__file__).parent / "shapes"
SEVERITIES = {
    SH.Violation: Severity.VIOLATION,
    SH.Warning: Severity.WARNING,
    SH.Info: Severity.INFO,
}

Key = tuple[str, str | None, str | None, Severity]
"""What a result is compared on: focus node, path, constraint component, severity."""


def fixture_files(kind: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / kind).iterdir() if p.suffix in (".ttl", ".trig"))


@cache
def project_sources() -> Sources:
    return load_project(Project.discover(Path(__file__).parent))


def split_fixture(path: Path) -> tuple[Graph, bool, Counter[Key]]:
    """The fixture's data without its manifest, whether it should conform, the expected results."""
    graph = Graph()
    parse_file(path, graph)
    tests = list(graph.subjects(MF.result, None))
    assert len(tests) == 1, f"{path.name}: expected one manifest node with mf:result"
    report = graph.value(tests[0], MF.result)
    conforms = graph.value(report, SH.conforms)
    assert isinstance(conforms, Literal), f"{path.name}: mf:result needs sh:conforms"
    expected: Counter[Key] = Counter()
    for result in graph.objects(report, SH.result):
        focus = graph.value(result, SH.focusNode)
        path_node = graph.value(result, SH.resultPath)
        component = graph.value(result, SH.sourceConstraintComponent)
        severity = graph.value(result, SH.resultSeverity)
        assert focus is not None and component is not None and severity in SEVERITIES, (
            f"{path.name}: every expected result needs sh:focusNode, "
            "sh:sourceConstraintComponent and sh:resultSeverity"
        )
        expected[
            (
                term_text(focus),
                None if path_node is None else path_text(path_node, graph),
                str(component),
                SEVERITIES[severity],
            )
        ] += 1
    data = Graph()
    manifest = manifest_triples(graph, tests[0])
    for triple in graph:
        if triple not in manifest:
            data.add(triple)
    return data, bool(conforms.toPython()), expected


def manifest_triples(graph: Graph, start: Node) -> set[tuple[Node, Node, Node]]:
    """The manifest node's triples and those of the blank nodes it leads to."""
    found: set[tuple[Node, Node, Node]] = set()
    todo, seen = [start], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            found.add(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
    return found


def actual_results(data: Graph) -> Counter[Key]:
    sources = project_sources()
    report = validate_graph(data, sources.shapes, sources.ontology)
    return Counter((f.focus, f.path, f.component, f.severity) for f in report.findings)


def describe(keys: Counter[Key]) -> str:
    return "\n".join(f"  {k}" for k in sorted(keys.elements(), key=str)) or "  (none)"


@pytest.mark.parametrize("path", fixture_files("valid"), ids=lambda p: p.stem)
def test_valid_fixture_conforms(path: Path) -> None:
    data, conforms, expected = split_fixture(path)
    assert conforms and not expected, f"{path.name}: a valid fixture declares sh:conforms true only"
    actual = actual_results(data)
    assert not actual, f"{path.name} should conform but has results:\n{describe(actual)}"


@pytest.mark.parametrize("path", fixture_files("invalid"), ids=lambda p: p.stem)
def test_invalid_fixture_yields_exactly_its_results(path: Path) -> None:
    data, conforms, expected = split_fixture(path)
    assert not conforms and expected, f"{path.name}: declare sh:conforms false and the results"
    actual = actual_results(data)
    assert actual == expected, (
        f"{path.name}:\nmissing:\n{describe(expected - actual)}\n"
        f"unexpected:\n{describe(actual - expected)}"
    )


def node_shape_names() -> set[str]:
    shapes = project_sources().shapes
    return {
        str(shape)[len(str(SHAPES)) :]
        for shape in shapes.subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, URIRef) and str(shape).startswith(str(SHAPES))
    }


def test_every_node_shape_has_a_valid_and_an_invalid_fixture() -> None:
    names = node_shape_names()
    assert names, "no node shapes found in ontology/shapes.ttl"
    for kind in ("valid", "invalid"):
        covered = {p.stem.split("-", 1)[0] for p in fixture_files(kind)}
        missing, unknown = sorted(names - covered), sorted(covered - names)
        assert not missing, f"node shapes without a {kind} fixture: {missing}"
        assert not unknown, f"{kind} fixtures that name no node shape: {unknown}"


def test_every_constraint_says_what_is_wrong() -> None:
    """Findings speak plain words: every property shape, SPARQL constraint and node shape with a
    logical constraint of its own carries an ``sh:message``."""
    shapes = project_sources().shapes
    silent = [
        shape
        for shape in set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
        if shapes.value(shape, SH.message) is None
    ]
    silent += [
        shape
        for shape in shapes.subjects(RDF.type, SH.NodeShape)
        if (shapes.value(shape, SH["or"]) or shapes.value(shape, SH.xone))
        and shapes.value(shape, SH.message) is None
    ]
    assert not silent, f"constraints without sh:message: {sorted(map(str, silent))}"
