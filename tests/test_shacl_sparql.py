"""The fast SHACL engine (shapes compiled into SPARQL, run in pyoxigraph) against pyshacl.

Every comparison is on whole findings (severity, focus, path, message, source shape, component
and value), on the shape fixtures, the real project, a generated project with planted
violations, and one small counter-example per construct the compiler handles. Constructs it
does not handle must be refused by name, and then pyshacl validates instead.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from test_shapes import fixture_files, project_sources, split_fixture

from cbss_kg.config import Project
from cbss_kg.load import load_project
from cbss_kg.pipeline import checks
from cbss_kg.shacl_sparql import UnsupportedShape, compile_shapes
from cbss_kg.store import LocalStore
from cbss_kg.validate import run_checks, validate, validate_graph

REPO = Path(__file__).resolve().parent.parent

PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def both(data: Graph, shapes: Graph, ontology: Graph | None = None) -> tuple:
    """(fast findings, pyshacl findings)."""
    fast = validate_graph(data, shapes, ontology, engine="fast").findings
    reference = validate_graph(data, shapes, ontology, engine="pyshacl").findings
    return fast, reference


# --- the project's shapes -----------------------------------------------------------------------


def test_the_project_shapes_compile_entirely() -> None:
    compiled = compile_shapes(project_sources().shapes)
    components = {str(check.component).rsplit("#", 1)[-1] for check in compiled}
    assert {
        "ClassConstraintComponent",
        "DatatypeConstraintComponent",
        "OrConstraintComponent",
        "XoneConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "SPARQLConstraintComponent",
        "DateOrderConstraintComponent",
    } <= components


@pytest.mark.parametrize(
    "path", fixture_files("valid") + fixture_files("invalid"), ids=lambda p: p.stem
)
def test_each_shape_fixture_gets_pyshacls_findings(path: Path) -> None:
    data, _conforms, _expected = split_fixture(path)
    sources = project_sources()
    fast, reference = both(data, sources.shapes, sources.ontology)
    assert fast == reference


def test_the_real_project_gets_pyshacls_findings(project: Project) -> None:
    sources = load_project(project)
    fast = validate(sources, engine="fast")
    reference = validate(sources, engine="pyshacl")
    assert fast == reference
    assert fast.labels == reference.labels
    shared = LocalStore.from_dataset(sources.dataset)  # the build's store, graphs kept apart
    assert validate(sources, engine="fast", store=shared) == reference


def _generator():
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planted")
    _generator().generate(out, 1500, seed=11, violations=0.25)
    return out


def test_a_generated_project_with_planted_violations_gets_pyshacls_findings(
    planted: Path,
) -> None:
    project = Project(planted)
    sources = load_project(project)
    fast = validate(sources, engine="fast")
    reference = validate(sources, engine="pyshacl")
    assert fast.findings == reference.findings
    shared = LocalStore.from_dataset(sources.dataset)
    assert validate(sources, engine="fast", store=shared).findings == reference.findings
    planted_foci = {
        v["focus"] for v in json.loads((planted / "manifest.json").read_text())["violations"]
    }
    assert planted_foci, "the generator planted nothing"
    found = {f.focus for f in fast.findings} | {
        f.focus for f in run_checks(sources.dataset, checks(project))
    }
    assert planted_foci <= found


# --- one counter-example per construct ----------------------------------------------------------

CASES = {
    "targets of every kind": (
        """
        ex:S a sh:NodeShape ; sh:targetNode ex:n1 , "lit" ; sh:targetSubjectsOf ex:p ;
            sh:targetObjectsOf ex:q ; sh:nodeKind sh:BlankNodeOrIRI .
        ex:C a rdfs:Class , sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
        """,
        """
        ex:a ex:p 1 . ex:b ex:q ex:c . ex:d a ex:C . ex:e a ex:Sub .
        ex:Sub rdfs:subClassOf ex:C .
        """,
    ),
    "paths": (
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:property [ sh:path ( ex:p ex:q ) ; sh:class ex:K ] ,
                [ sh:path [ sh:inversePath ex:p ] ; sh:maxCount 1 ] ,
                [ sh:path [ sh:alternativePath ( ex:p ex:r ) ] ; sh:nodeKind sh:IRI ] ,
                [ sh:path [ sh:zeroOrMorePath ex:next ] ; sh:class ex:T ] ,
                [ sh:path [ sh:oneOrMorePath ex:next ] ; sh:minCount 2 ] ,
                [ sh:path [ sh:zeroOrOnePath ex:next ] ; sh:maxCount 1 ] .
        """,
        """
        ex:t1 a ex:T ; ex:p ex:m , ex:t2 ; ex:r "text" ; ex:next ex:t2 , ex:t3 .
        ex:t2 a ex:T ; ex:next ex:x . ex:m ex:q ex:notK . ex:z ex:p ex:t2 . ex:t1 ex:p ex:t2 .
        """,
    ),
    "values and strings": (
        """
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:property [ sh:path ex:code ; sh:pattern "^a[0-9]+$" ; sh:flags "i" ;
                          sh:minLength 2 ; sh:maxLength 3 ] ,
                [ sh:path ex:kind ; sh:in ( ex:k1 "k2" 3 ) ] ,
                [ sh:path ex:label ; sh:languageIn ( "en" "lv" ) ; sh:uniqueLang true ] ,
                [ sh:path ex:tag ; sh:hasValue ex:required ] ,
                [ sh:path ex:when ; sh:datatype xsd:date ] ,
                [ sh:path ex:any ; sh:datatype rdfs:Literal ] .
        """,
        """
        ex:t1 a ex:T ; ex:code "A12" , "b1" , "a1234" , ex:a1 ; ex:kind ex:k1 , "k2" , 4 , "3" ;
            ex:label "x"@en-GB , "y"@EN , "z"@de , "w" ; ex:tag ex:other ;
            ex:when "2020-02-30"^^xsd:date , "2020-02-03"^^xsd:date , "2020"^^xsd:gYear ;
            ex:any ex:iri .
        """,
    ),
    "logic and nesting": (
        """
        ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:not [ sh:class ex:Banned ] ;
            sh:and ( [ sh:nodeKind sh:IRI ] ex:Named ) ;
            sh:property [ sh:path ex:friend ; sh:node ex:Named ;
                          sh:qualifiedValueShape [ sh:class ex:T ] ; sh:qualifiedMaxCount 1 ;
                          sh:qualifiedMinCount 1 ] ,
                [ sh:path ex:friend ; sh:xone ( [ sh:class ex:T ]
                    [ sh:path ex:name ; sh:minCount 2 ] ) ] ,
                [ sh:path ex:friend ; sh:minCount 2 ; sh:severity sh:Warning ] ,
                [ sh:path ex:friend ; sh:maxCount 0 ; sh:deactivated true ] ,
                [ sh:path ex:note ; sh:maxCount 1 ; sh:severity sh:Info ;
                  sh:message "one note"@en ] .
        """,
        """
        ex:t1 a ex:T , ex:Banned ; ex:name "t1" ; ex:friend ex:t2 , ex:t3 ; ex:note "a" , "b" .
        ex:t2 a ex:T ; ex:friend ex:t1 . ex:t3 a ex:T ; ex:name "t3" , "third" .
        ex:t4 a ex:T ; ex:name "t4" ; ex:friend ex:t5 . ex:t5 ex:name "t5" .
        """,
    ),
    "SHACL-SPARQL with a message template": (
        """
        ex:Decl sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
        ex:S a sh:NodeShape ; sh:targetClass ex:T ;
            sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex:Decl ;
                sh:message "{$this} points at {?other}, which points back" ;
                sh:select \"\"\"SELECT $this ?other ?value WHERE {
                    $this ex:link ?other . FILTER EXISTS { ?other ex:link ?x . ?x ex:same $this }
                    BIND (?other AS ?value) }\"\"\" ] .
        """,
        """
        ex:t1 a ex:T ; ex:link ex:t2 . ex:t2 ex:link ex:t3 . ex:t3 ex:same ex:t1 .
        ex:t4 a ex:T ; ex:link ex:t5 .
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_construct_gets_pyshacls_findings(name: str) -> None:
    shapes, data = CASES[name]
    fast, reference = both(turtle(data), turtle(shapes))
    assert fast, f"{name}: the counter-example should produce findings"
    assert fast == reference


def test_literals_keep_their_spelling_in_findings() -> None:
    """pyoxigraph keeps "64500.00"^^xsd:decimal as "64500"; the finding shows the data's."""
    shapes = turtle(
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ; "
        "sh:property [ sh:path ex:v ; sh:class ex:Amount ] ."
    )
    data = turtle('ex:t a ex:T ; ex:v "64500.00"^^xsd:decimal , "x"@EN-gb .')
    fast, reference = both(data, shapes)
    assert {f.value for f in fast} == {
        '"64500.00"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        '"x"@EN-gb',
    }
    assert fast == reference


# --- what the compiler refuses ------------------------------------------------------------------

UNSUPPORTED = {
    "sh:closed": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:closed true .",
    "sh:equals": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
    "sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
    "sh:minInclusive": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
    "sh:property [ sh:path ex:p ; sh:minInclusive 3 ] .",
    "sh:qualifiedValueShapesDisjoint": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
    "sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:K ] ; "
    "sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] .",
    "a recursive shape": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
    "sh:property [ sh:path ex:p ; sh:node ex:S ] .",
    "MINUS": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "
    '"SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }" ] .',
    "sh:sparql on a property shape": "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
    'sh:property [ sh:path ex:p ; sh:sparql [ sh:select "SELECT $this WHERE { }" ] ] .',
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_an_unsupported_construct_is_refused_by_name(construct: str) -> None:
    shapes = turtle(UNSUPPORTED[construct])
    with pytest.raises(UnsupportedShape, match=construct):
        compile_shapes(shapes)
    data = turtle("ex:a ex:p ex:b ; ex:q ex:c .")
    with pytest.raises(UnsupportedShape, match=construct):
        validate_graph(data, shapes, engine="fast")


def test_auto_falls_back_to_pyshacl_for_unsupported_shapes() -> None:
    shapes = turtle(UNSUPPORTED["sh:closed"])
    data = turtle("ex:a ex:p ex:b .")
    findings = validate_graph(data, shapes).findings
    assert findings == validate_graph(data, shapes, engine="pyshacl").findings
    assert [f.component for f in findings] == [
        "http://www.w3.org/ns/shacl#ClosedConstraintComponent"
    ]


def test_two_spellings_rdflib_keeps_apart_make_pyshacl_validate() -> None:
    """rdflib holds "x" and "x"^^xsd:string as two values; pyoxigraph as one."""
    shapes = turtle(
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] ."
    )
    data = turtle('ex:a ex:p "x" , "x"^^xsd:string .')
    with pytest.raises(UnsupportedShape, match="data with both"):
        validate_graph(data, shapes, engine="fast")
    findings = validate_graph(data, shapes).findings
    assert [f.component for f in findings] == [
        "http://www.w3.org/ns/shacl#MaxCountConstraintComponent"
    ]


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown SHACL engine 'jena'"):
        validate_graph(Graph(), turtle("ex:S a sh:NodeShape ."), engine="jena")


# --- the command line ---------------------------------------------------------------------------

MINI = Path(__file__).resolve().parent / "export" / "project"
SCRIPT = Path(sys.executable).with_name("cbss-kg")


def cbss_kg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def test_validate_engines_agree_on_the_command_line(project_copy) -> None:
    root = project_copy(MINI).root
    fast = cbss_kg("validate", "--engine", "fast", "--format", "json", cwd=root)
    reference = cbss_kg("validate", "--engine", "reference", "--format", "json", cwd=root)
    assert fast.returncode == reference.returncode == 0
    assert json.loads(fast.stdout)["findings"]
    assert fast.stdout == reference.stdout


def test_the_fast_engine_names_what_it_cannot_do_on_the_command_line(project_copy) -> None:
    root = project_copy(MINI).root
    shapes = root / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\nshapes:ClosedShape a sh:NodeShape ; sh:targetClass cbss:Project ; sh:closed true .\n",
        encoding="utf-8",
    )
    refused = cbss_kg("validate", "--engine", "fast", cwd=root)
    assert refused.returncode == 1
    assert "sh:closed" in refused.stderr and "not supported" in refused.stderr
    assert cbss_kg("validate", cwd=root).returncode == 1  # pyshacl finds the closed shape broken
