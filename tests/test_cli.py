"""The command line, through the installed console script: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF

from cbss_kg import __version__
from cbss_kg.export import MEDIA_TYPES
from cbss_kg.namespaces import SH

HERE = Path(__file__).resolve().parent
MINI = HERE / "export" / "project"
SCRIPT = Path(sys.executable).with_name("cbss-kg")


def cbss_kg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script in ``cwd`` (the project is found from the working folder)."""
    assert SCRIPT.is_file(), f"the console script is not installed at {SCRIPT}"
    run = subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def mini(project_copy) -> Path:
    """A writable copy of the small fixture project."""
    return project_copy(MINI).root


def test_version(tmp_path: Path) -> None:
    run = cbss_kg("--version", cwd=tmp_path)
    assert run.returncode == 0
    assert run.stdout.strip() == f"cbss-kg, version {__version__}"


def test_usage_errors_exit_2(mini: Path) -> None:
    assert cbss_kg("validate", "--format", "yaml", cwd=mini).returncode == 2
    assert cbss_kg("build", "--no-such-flag", cwd=mini).returncode == 2
    assert cbss_kg("no-such-command", cwd=mini).returncode == 2


def test_validate_conforming_data(mini: Path) -> None:
    run = cbss_kg("validate", cwd=mini)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.endswith("Conforms: 0 violations, 1 warning.\n")


def test_validate_names_entity_property_and_problem(mini: Path) -> None:
    edit(mini / "data" / "projects.trig", '"2016-01-01"^^xsd:date', '"2016"')
    run = cbss_kg("validate", cwd=mini)
    assert run.returncode == 1
    assert (
        "Violation: id:project/strom-ii (STROM II) — property schema:startDate: "
        'value "2016" is a xsd:string, must be a xsd:date (shape: ProjectShape)'
    ) in run.stdout.splitlines()
    assert run.stdout.endswith("Does not conform: 1 violation, 1 warning.\n")


def test_validate_as_json_and_turtle(mini: Path) -> None:
    edit(mini / "data" / "projects.trig", '"2016-01-01"^^xsd:date', '"2016"')
    as_json = cbss_kg("validate", "--format", "json", cwd=mini)
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert document["conforms"] is False
    [violation] = [f for f in document["findings"] if f["severity"] == "violation"]
    assert violation["focus"] == "https://w3id.org/cbss-kg/id/project/strom-ii"
    assert violation["path"] == "https://schema.org/startDate"
    assert violation["value"] == '"2016"'

    as_turtle = cbss_kg("validate", "--format", "turtle", cwd=mini)
    assert as_turtle.returncode == 1
    graph = Graph().parse(data=as_turtle.stdout, format="turtle")
    [report] = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    assert len(list(graph.objects(report, SH.result))) == 2


def test_malformed_turtle_names_file_line_and_column(mini: Path) -> None:
    edit(mini / "data" / "projects.trig", "cbss:runBy <https", "cbss:runBy <https:// bad")
    for command in ("validate", "build"):
        run = cbss_kg(command, cwd=mini)
        assert run.returncode == 1
        assert run.stderr.startswith("data/projects.trig:11:20: invalid IRI <https:// bad"), (
            run.stderr
        )
        assert run.stdout == ""


def test_malformed_ontology_syntax(mini: Path) -> None:
    edit(
        mini / "ontology" / "cbss.ttl",
        "rdfs:subClassOf org:FormalOrganization ;",
        "rdfs:subClassOf ;",
    )
    run = cbss_kg("validate", cwd=mini)
    assert run.returncode == 1
    assert run.stderr == "ontology/cbss.ttl:19:20: syntax error: objectList expected\n"


def test_build_writes_the_release_and_a_summary(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = cbss_kg("build", "--out", str(out), cwd=mini)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(MEDIA_TYPES)
    lines = run.stdout.splitlines()
    assert f"Wrote {len(MEDIA_TYPES)} files to {out}: 62 triples asserted, 14 inferred." in lines
    assert any(line.startswith("Warning: id:project/adsult (ADSTRINGO)") for line in lines)
    assert lines[-1] == "Conforms: 0 violations, 1 warning."


def test_build_defaults_to_dist(mini: Path) -> None:
    run = cbss_kg("build", cwd=mini)
    assert run.returncode == 0, run.stderr
    assert (mini / "dist" / "SHA256SUMS").is_file()


def test_failed_build_leaves_the_previous_release(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cbss_kg("build", "--out", str(out), cwd=mini).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    edit(
        mini / "data" / "projects.trig", "cbss:runBy <https://w3id.org/cbss-kg/id/org/tf-thb> ;", ""
    )
    run = cbss_kg("build", "--out", str(out), cwd=mini)
    assert run.returncode == 1
    assert "property cbss:runBy: must have exactly 1 value, has 0" in run.stderr
    assert "Build stopped: the data does not conform" in run.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_build_refuses_to_replace_a_folder_that_is_not_a_release(mini: Path) -> None:
    run = cbss_kg("build", "--out", "data", cwd=mini)
    assert run.returncode == 1
    assert "refusing to replace" in run.stderr
    assert (mini / "data" / "projects.trig").is_file()


def test_fmt_check_and_rewrite(mini: Path) -> None:
    assert cbss_kg("fmt", "--check", cwd=mini).returncode == 0
    projects = mini / "data" / "projects.trig"
    original = projects.read_text(encoding="utf-8")
    projects.write_text(original.replace(" ;\n", " ;   \n", 1) + "\n\n", encoding="utf-8")
    check = cbss_kg("fmt", "--check", cwd=mini)
    assert check.returncode == 1
    assert check.stdout == "not canonical: data/projects.trig\n"
    assert projects.read_text(encoding="utf-8") != original
    rewrite = cbss_kg("fmt", cwd=mini)
    assert rewrite.returncode == 0
    assert rewrite.stdout == "reformatted: data/projects.trig\n"
    assert projects.read_text(encoding="utf-8") == original
    assert cbss_kg("fmt", "--check", cwd=mini).returncode == 0


def test_fmt_reports_a_malformed_file(mini: Path) -> None:
    edit(mini / "data" / "projects.trig", "a cbss:Project ;", "a cbss:Project ] ;")
    before = (mini / "data" / "organisations.trig").read_bytes()
    run = cbss_kg("fmt", cwd=mini)
    assert run.returncode == 1
    assert run.stderr.startswith("data/projects.trig:"), run.stderr
    assert (mini / "data" / "organisations.trig").read_bytes() == before


def test_python_dash_m_runs_the_same_cli(mini: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cbss_kg", "validate", "--format", "json"],
        cwd=mini,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0
    assert json.loads(run.stdout)["conforms"] is True


# --- the real project ----------------------------------------------------------------------------


def test_real_project_builds_byte_identically(project, release, tmp_path: Path) -> None:
    """``cbss-kg build`` on the project, in a fresh process, validates and writes exactly the
    bytes of the session's release (built in this process)."""
    out = tmp_path / "dist"
    build = cbss_kg("build", "--out", str(out), cwd=project.root)
    assert build.returncode == 0, build.stderr
    assert build.stdout.splitlines()[-1].startswith("Conforms: 0 violations")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        p.name: p.read_bytes() for p in release.out.iterdir()
    }
