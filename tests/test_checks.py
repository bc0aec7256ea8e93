"""The hygiene checks (``queries/checks/*.rq``): each can fire, and the project data passes all.

Every check has a counter-example ``tests/checks/<check-name>.trig`` on which it must find at
least one thing wrong; the real data (``data/*.trig`` with the ontology) must give no row at all.
The counter-examples are read with rdflib directly rather than the project loader, because one of
them (a statement outside any named graph) is something the loader refuses.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Dataset

from cbss_kg.config import Project
from cbss_kg.findings import Finding, show
from cbss_kg.load import Sources, load_project
from cbss_kg.namespaces import BASE, GRAPH
from cbss_kg.queries import Query, load_catalog
from cbss_kg.validate import run_checks

COUNTER_EXAMPLES = Path(__file__).parent / "checks"


@cache
def project() -> Project:
    return Project.discover(Path(__file__).parent)


@cache
def checks() -> dict[str, Query]:
    return {n: q for n, q in load_catalog(project()).items() if q.kind == "check"}


@cache
def project_sources() -> Sources:
    return load_project(project())


def listing(findings: list[Finding]) -> str:
    return "\n".join(
        f"  {show(f.focus)}{' ' + show(f.path) if f.path else ''}: {f.message}" for f in findings
    )


def test_there_are_checks() -> None:
    assert len(checks()) >= 10


@pytest.mark.parametrize("name", sorted(checks()))
def test_check_fires_on_its_counter_example(name: str) -> None:
    fixture = COUNTER_EXAMPLES / f"{name}.trig"
    assert fixture.is_file(), f"check {name} has no counter-example {fixture.name}"
    dataset = Dataset(default_union=True)
    dataset.parse(data=fixture.read_text(encoding="utf-8"), format="trig", publicID=BASE)
    findings = run_checks(dataset, [checks()[name]])
    assert findings, f"check {name} found nothing in its counter-example"
    assert {f.source for f in findings} == {name}
    assert all(f.message.strip() for f in findings), f"check {name} gave a row without a message"


def test_every_counter_example_belongs_to_a_check() -> None:
    orphans = sorted(p.stem for p in COUNTER_EXAMPLES.glob("*.trig") if p.stem not in checks())
    assert not orphans, f"counter-examples without a check: {orphans}"


def test_project_data_passes_every_check() -> None:
    sources = project_sources()
    sources_graphs = [
        g for g in sources.named_graphs() if str(g.identifier).startswith(str(GRAPH["source/"]))
    ]
    assert sources_graphs, "the project has no source graphs to check"
    findings = run_checks(sources.dataset, checks().values())
    assert not findings, f"{len(findings)} findings on the project data:\n{listing(findings)}"
