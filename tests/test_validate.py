"""Validation: SHACL on the union without entailment, checks on the dataset, plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS

from cbss_kg.findings import Finding, Report, Severity, path_node, path_text
from cbss_kg.load import load_project
from cbss_kg.namespaces import CBSS, ID, SH, SHAPES
from cbss_kg.pipeline import check, checks
from cbss_kg.queries import Query, parse_query_file
from cbss_kg.validate import CheckError, run_checks, validate_graph

HERE = Path(__file__).resolve().parent
MINI = HERE / "export" / "project"


def edit(path: Path, old: str, new: str) -> None:
    """Replace one occurrence of ``old`` in a file (failing loudly if it is not there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_project_conforms_with_one_warning(mini_project) -> None:
    report = check(mini_project)
    assert report.conforms
    assert [(f.severity, f.focus, f.path) for f in report.findings] == [
        (Severity.WARNING, str(ID["project/adsult"]), str(CBSS.aim))
    ]
    text = report.to_text()
    assert "Warning: id:project/adsult (ADSTRINGO) — property cbss:aim: " in text
    assert "must have at least 1 value, has 0 (shape: ProjectShape)" in text
    assert text.endswith("Conforms: 0 violations, 1 warning.\n")


def test_missing_value_names_entity_property_and_what_is_wrong(project_copy) -> None:
    copy = project_copy(MINI)
    edit(
        copy.data_dir / "projects.trig",
        "cbss:runBy <https://w3id.org/cbss-kg/id/org/tf-thb> ;\n        cbss:aim",
        "cbss:aim",
    )
    report = check(copy)
    assert not report.conforms
    line = next(x for x in report.to_text().splitlines() if x.startswith("Violation"))
    assert line == (
        "Violation: id:project/strom-ii (STROM II) — property cbss:runBy: "
        "must have exactly 1 value, has 0 (shape: ProjectShape)"
    )


def test_too_many_values_and_wrong_class(project_copy) -> None:
    copy = project_copy(MINI)
    edit(
        copy.data_dir / "projects.trig",
        "cbss:runBy <https://w3id.org/cbss-kg/id/org/tf-thb> .",
        "cbss:runBy <https://w3id.org/cbss-kg/id/org/tf-thb> ,"
        " <https://w3id.org/cbss-kg/id/state/LV> .",
    )
    messages = {f.component.rsplit("#")[-1]: f.message for f in check(copy).findings if f.component}
    assert messages["MaxCountConstraintComponent"] == "must have exactly 1 value, has 2"
    assert messages["ClassConstraintComponent"] == (
        "value id:state/LV must be an instance of cbss:TaskForce"
    )


def test_wrong_datatype_says_which_type(project_copy) -> None:
    copy = project_copy(MINI)
    edit(copy.data_dir / "projects.trig", '"2016-01-01"^^xsd:date', '"2016"')
    [finding] = [f for f in check(copy).findings if f.severity is Severity.VIOLATION]
    assert finding.message == 'value "2016" is a xsd:string, must be a xsd:date'
    assert finding.path == "https://schema.org/startDate"


def test_language_findings(project_copy) -> None:
    copy = project_copy(MINI)
    edit(copy.data_dir / "projects.trig", '"STROM II"@en', '"STROM II"@de')
    texts = [f.message for f in check(copy).findings if f.severity is Severity.VIOLATION]
    assert 'value "STROM II"@de must be in language lv or en' in texts


def test_shacl_runs_without_entailment(project_copy) -> None:
    """A thing that is a project only by cbss:runBy's domain is not a target of ProjectShape:
    validation sees what the sources assert; reasoning happens in one place, later."""
    copy = project_copy(MINI)
    edit(
        copy.data_dir / "projects.trig",
        "<https://w3id.org/cbss-kg/id/project/adsult>\n        a cbss:Project ;",
        "<https://w3id.org/cbss-kg/id/project/adsult>",
    )
    report = check(copy)
    assert not any(f.focus == str(ID["project/adsult"]) for f in report.findings)


def test_subclass_targets_follow_the_ontology(mini_project) -> None:
    """Without inference, sh:targetClass still reaches instances of a subclass that only the
    ontology graph declares."""
    sources = load_project(mini_project)
    ontology = Graph()
    ontology += sources.ontology
    ontology.add((CBSS.SmallProject, RDF.type, OWL.Class))
    ontology.add((CBSS.SmallProject, RDFS.subClassOf, CBSS.Project))
    data = Graph()
    data.add((ID["project/tiny"], RDF.type, CBSS.SmallProject))
    report = validate_graph(data, sources.shapes, ontology)
    assert any(
        f.focus == str(ID["project/tiny"]) and f.path == str(CBSS.runBy) for f in report.findings
    )
    assert not validate_graph(data, sources.shapes).findings


def test_check_finding_names_the_check(project_copy) -> None:
    copy = project_copy(MINI)
    edit(copy.data_dir / "projects.trig", '"STROM II"@lv', '"Strom II"@lv')
    report = check(copy)
    [finding] = [f for f in report.findings if f.source == "project-label-differs"]
    assert finding.severity is Severity.VIOLATION
    assert finding.message == 'the names "Strom II" and "STROM II" differ in case only'
    assert "(check: project-label-differs)" in report.to_text()


def test_checks_see_named_graphs_and_the_union(mini_project, tmp_path: Path) -> None:
    sources = load_project(mini_project)
    query = tmp_path / "checks" / "labels-per-graph.rq"
    query.parent.mkdir()
    query.write_text(
        "#+ summary: things labelled in one graph and typed in another\n"
        "#+ kind: check\n#+ severity: warning\n\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?focus ?message WHERE {\n"
        "  GRAPH <https://w3id.org/cbss-kg/graph/source/cbss-org> { ?focus skos:prefLabel ?l }\n"
        "  ?focus a ?type .\n"
        "  BIND (STR(?type) AS ?message)\n"
        "}\n",
        encoding="utf-8",
    )
    findings = run_checks(sources.dataset, [parse_query_file(query)])
    assert {(f.focus, f.message, f.severity) for f in findings} == {
        (str(ID["org/tf-thb"]), str(CBSS.TaskForce), Severity.WARNING),
        (str(ID["state/LV"]), str(CBSS.State), Severity.WARNING),
    }


def test_a_broken_check_is_reported_by_name(mini_project, tmp_path: Path) -> None:
    query = Query(
        name="broken",
        kind="check",
        path=tmp_path / "broken.rq",
        text="SELECT ?focus ?message WHERE { ?focus <http://x/p> ?message . FILTER(nosuch(?x)) }",
        summary="broken",
        form="select",
        severity="violation",
    )
    with pytest.raises(CheckError, match="broken"):
        run_checks(Dataset(), [query])


def test_project_checks_are_the_checks_folder(project) -> None:
    names = [q.name for q in checks(project)]
    assert names == sorted(p.stem for p in (project.queries_dir / "checks").glob("*.rq"))
    assert all(q.kind == "check" for q in checks(project))


def test_report_renders_as_shacl_turtle_and_json(project_copy) -> None:
    copy = project_copy(MINI)
    edit(copy.data_dir / "projects.trig", '"2016-01-01"^^xsd:date', '"2016"')
    report = check(copy)
    graph = Graph().parse(data=report.to_turtle(), format="turtle")
    [node] = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == Literal(False)
    results = list(graph.objects(node, SH.result))
    assert len(results) == len(report.findings) == 2
    assert {graph.value(r, SH.resultSeverity) for r in results} == {SH.Violation, SH.Warning}
    assert (None, SH.sourceShape, SHAPES.ProjectShape) in graph
    document = json.loads(report.to_json())
    assert document["conforms"] is False
    assert document["counts"] == {"violation": 1, "warning": 1, "info": 0}
    assert {f["label"] for f in document["findings"]} == {"STROM II", "ADSTRINGO"}


def test_findings_are_sorted_worst_first_and_deduplicated() -> None:
    warning = Finding(Severity.WARNING, "https://w3id.org/cbss-kg/id/a", None, "w", "c")
    violation = Finding(Severity.VIOLATION, "https://w3id.org/cbss-kg/id/b", None, "v", "c")
    report = Report((warning, violation, warning))
    assert report.findings == (violation, warning)
    assert not report.conforms
    assert Report((warning,)).conforms


@pytest.mark.parametrize(
    "text",
    [
        "https://schema.org/member",
        "^<http://www.w3.org/ns/org#member>",
        "(<http://www.w3.org/ns/org#member>/<http://www.w3.org/ns/org#organization>)",
        "(<http://a/p>|^<http://a/q>)*",
        "<http://a/p>+",
    ],
)
def test_property_paths_round_trip_through_shacl(text: str) -> None:
    graph = Graph()
    node = path_node(text, graph)
    assert path_text(node, graph) == text


def test_real_project_validates(project) -> None:
    report = check(project)
    assert report.conforms, report.to_text()
