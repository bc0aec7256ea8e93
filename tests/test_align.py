"""Alignment with Wikidata, against a real SPARQL server loaded with a Wikidata-shaped fixture."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD
from servers import free_port, oxigraph

from cbss_kg import align
from cbss_kg.align import Date, Status
from cbss_kg.namespaces import CBSS, ID, WD

HERE = Path(__file__).parent / "align"
ROOT = Path(__file__).resolve().parent.parent
MEMBERS_PAGE = "https://cbss.org/about-us/members/"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory):
    with oxigraph(tmp_path_factory.mktemp("wikidata"), [HERE / "wikidata.ttl"]) as url:
        yield url


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    graphs = Dataset(default_union=True)
    graphs.parse(HERE / "graph.trig", format="trig")
    return graphs


@pytest.fixture(scope="module")
def report(dataset: Dataset, endpoint: str) -> align.AlignmentReport:
    return align.align(dataset, endpoint, timeout=20)


def _find(report: align.AlignmentReport, focus: str, fact: str) -> list[align.AlignmentFinding]:
    return [f for f in report.findings if f.focus == str(ID[focus]) and f.fact == fact]


def _one(report: align.AlignmentReport, focus: str, fact: str) -> align.AlignmentFinding:
    (finding,) = _find(report, focus, fact)
    return finding


# --- dates with a precision --------------------------------------------------------------------


def _wd(text: str, precision: int) -> Date:
    date = Date.from_wikidata(Literal(text, datatype=XSD.dateTime), Literal(precision))
    assert date is not None
    return date


def test_year_agrees_with_a_year_precision_value() -> None:
    ours = Date.from_literal(Literal("1995", datatype=XSD.gYear))
    assert align.compare_dates(ours, _wd("1995-01-01T00:00:00Z", 9)) == (Status.AGREES, "")


def test_dates_compare_at_the_coarser_precision() -> None:
    day = Date.from_literal(Literal("1995-05-04", datatype=XSD.date))
    status, note = align.compare_dates(day, _wd("1995-01-01T00:00:00Z", 9))
    assert status is Status.AGREES and "year" in note and "ours is more precise" in note
    year = Date.from_literal(Literal("1995", datatype=XSD.gYear))
    assert align.compare_dates(year, _wd("1996-01-01T00:00:00Z", 11))[0] is Status.DISAGREES
    march = Date.from_literal(Literal("1992-03", datatype=XSD.gYearMonth))
    assert align.compare_dates(march, _wd("1992-03-06T00:00:00Z", 11))[0] is Status.AGREES
    assert align.compare_dates(march, _wd("1992-04-06T00:00:00Z", 11))[0] is Status.DISAGREES
    sixth = Date.from_literal(Literal("1992-03-06", datatype=XSD.date))
    assert align.compare_dates(sixth, _wd("1992-03-07T00:00:00Z", 11))[0] is Status.DISAGREES


def test_a_date_keeps_its_own_precision() -> None:
    assert _wd("1993-01-01T00:00:00Z", 9).literal() == Literal("1993", datatype=XSD.gYear)
    assert _wd("1992-03-06T00:00:00Z", 11).literal() == Literal("1992-03-06", datatype=XSD.date)
    assert _wd("+1992-03-01T00:00:00Z", 10).literal() == Literal("1992-03", datatype=XSD.gYearMonth)


# --- against the fixture endpoint --------------------------------------------------------------


def test_planted_disagreement_names_both_values_and_our_source(report) -> None:
    estonia = _one(report, "state/EE", "membership start")
    assert estonia.status is Status.DISAGREES
    assert estonia.ours == Literal("1992-03-06", datatype=XSD.date)
    assert estonia.theirs == Literal("1993", datatype=XSD.gYear)
    assert estonia.sources == (MEMBERS_PAGE,)
    assert estonia.statement == "http://www.wikidata.org/entity/statement/Q191-cbss"


def test_year_precision_start_agrees(report) -> None:
    iceland = _one(report, "state/IS", "membership start")
    assert iceland.status is Status.AGREES
    assert iceland.ours == Literal("1995", datatype=XSD.gYear)


def test_each_source_is_compared_on_its_own(report) -> None:
    latvia = {str(f.ours): f for f in _find(report, "state/LV", "membership start")}
    assert set(latvia) == {"1992-03-06", "1992"}
    assert latvia["1992-03-06"].status is Status.AGREES
    assert latvia["1992"].status is Status.AGREES
    assert latvia["1992"].sources == ("https://example.org/second-source",)
    assert "Wikidata's is more precise" in latvia["1992"].note


def test_deprecated_statements_are_ignored(report) -> None:
    """Latvia also has a deprecated 1990 start: it must not show up as a second value."""
    assert {str(f.theirs) for f in _find(report, "state/LV", "membership start")} == {"1992-03-06"}


def test_gaps_on_either_side(report) -> None:
    denmark = _one(report, "state/DK", "membership start")
    assert denmark.status is Status.WIKIDATA_LACKS and denmark.theirs is None
    germany = _one(report, "state/DE", "membership start")
    assert germany.status is Status.GRAPH_LACKS and germany.ours is None
    assert germany.theirs == Literal("1992-03-06", datatype=XSD.date)
    estonia_lv = _one(report, "state/EE", "label@lv")
    assert estonia_lv.status is Status.WIKIDATA_LACKS
    assert estonia_lv.ours == Literal("Igaunija", lang="lv")
    (france,) = [f for f in report.findings if f.item == str(WD.Q142)]
    assert (france.focus, france.fact, france.status) == (str(ID["org/cbss"]), "member",
                                                           Status.GRAPH_LACKS)


def test_membership_end_and_status_changes(report) -> None:
    """Russia's memberships (member state, then suspended) count as one, ended 2022-05-17."""
    russia = _one(report, "state/RU", "membership end")
    assert russia.status is Status.AGREES
    assert russia.ours == Literal("2022-05-17", datatype=XSD.date)
    assert [f.ours for f in _find(report, "state/RU", "membership start")] == [
        Literal("1992-03-06", datatype=XSD.date)
    ]
    latvia = _one(report, "state/LV", "membership end")
    assert latvia.status is Status.AGREES and "to this day" in latvia.note


def test_labels_and_council_facts(report) -> None:
    assert _one(report, "state/RU", "label@en").status is Status.DISAGREES
    assert _one(report, "state/LV", "label@lv").status is Status.AGREES
    inception = _one(report, "org/cbss", "inception")
    assert inception.status is Status.AGREES
    assert "founding conference (1992-03-05/1992-03-06)" in inception.note
    location = _one(report, "org/cbss", "formation location")
    assert (location.status, location.ours, location.theirs) == (
        Status.AGREES, WD.Q1748, WD.Q1748
    )


def test_a_changed_fact_turns_into_a_disagreement(dataset: Dataset, endpoint: str) -> None:
    """Counter-example: move Iceland's joining to 1996 and the comparison says so."""
    changed = Dataset(default_union=True)
    for quad in dataset.quads((None, None, None, None)):
        changed.add(quad)
    graph = changed.graph(URIRef("https://w3id.org/cbss-kg/graph/source/cbss-org-members"))
    instant = ID["instant/1995"]
    graph.remove((instant, None, None))
    graph.add((instant, URIRef("http://www.w3.org/2006/time#inXSDgYear"),
               Literal("1996", datatype=XSD.gYear)))
    iceland = _one(align.align(changed, endpoint, timeout=20), "state/IS", "membership start")
    assert iceland.status is Status.DISAGREES


def test_report_as_rdf_and_json(report) -> None:
    graph = Graph().parse(data=report.to_turtle(), format="turtle")
    findings = list(graph.subjects(RDF.type, CBSS.AlignmentFinding))
    assert len(findings) == len(report.findings)
    disagreements = list(graph.subjects(CBSS.status, CBSS.Disagrees))
    assert len(disagreements) == report.counts()["disagrees"] == 2
    (estonia,) = [
        node for node in disagreements if (node, CBSS.focus, ID["state/EE"]) in graph
    ]
    assert (estonia, CBSS.theirValue, Literal("1993", datatype=XSD.gYear)) in graph
    assert (estonia, PROV.wasDerivedFrom, URIRef(MEMBERS_PAGE)) in graph
    data = json.loads(report.to_json())
    assert data["counts"] == report.counts()
    assert {f["status"] for f in data["findings"]} == {s.value for s in Status}
    table = report.to_table()
    assert "id:state/EE" in table and "disagrees" in table and "1993" in table


def test_unreachable_endpoint_raises(dataset: Dataset) -> None:
    with pytest.raises(align.AlignmentError, match=r"127\.0\.0\.1"):
        align.align(dataset, f"http://127.0.0.1:{free_port()}/sparql", timeout=5)


# --- the command -------------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    """A project folder whose data is the alignment fixture."""
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(HERE / "graph.trig", tmp_path / "data" / "graph.trig")
    return tmp_path


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cbss_kg", "align", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_command_reports_findings_with_exit_code_0(tmp_path: Path, endpoint: str) -> None:
    run = _cli(_project(tmp_path), "--endpoint", endpoint, "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["counts"]["disagrees"] == 2
    table = _cli(tmp_path, "--endpoint", endpoint)
    assert table.returncode == 0 and "disagrees" in table.stdout
    turtle = _cli(tmp_path, "--endpoint", endpoint, "--format", "turtle")
    assert turtle.returncode == 0
    assert len(Graph().parse(data=turtle.stdout, format="turtle")) > 100


def test_command_exits_1_when_the_endpoint_fails(tmp_path: Path) -> None:
    run = _cli(_project(tmp_path), "--endpoint", f"http://127.0.0.1:{free_port()}/sparql")
    assert run.returncode == 1
    assert "127.0.0.1" in run.stderr and "Traceback" not in run.stderr
