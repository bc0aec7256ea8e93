"""Competency questions (``queries/cq/*.rq``) answered on the project data, against golden answers.

Each case runs one catalogue query with its parameters in the embedded store over the real data,
and compares the rows, in order, with ``tests/cq/expected/<query>[--<case>].tsv`` (SPARQL 1.1
TSV). The goldens were written by hand from the sources (the seed page and the research notes),
not copied from a query's output. A failure lists the missing and the unexpected rows.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from rdflib.query import Result
from rdflib.term import Node

from cbss_kg.config import Project
from cbss_kg.load import load_project
from cbss_kg.queries import Query, bind, load_catalog
from cbss_kg.store import EmbeddedStore

EXPECTED = Path(__file__).parent / "cq" / "expected"
TIMEOUT = 60.0
"""Seconds a case may take: generous, as the machine is shared; the queries take well under one."""


@dataclass(frozen=True)
class Case:
    """One run of a competency question: the query, a name for the case, its parameters."""

    query: str
    name: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.query if self.name is None else f"{self.query}--{self.name}"

    @property
    def golden(self) -> Path:
        return EXPECTED / f"{self.id}.tsv"


CASES: tuple[Case, ...] = (
    # Russia is a member until 3 March 2022; the EU is shown a member from that day, the European
    # Commission (the seed's member) with no known end; Iceland joined in 1995 (year precision, so
    # not yet certain on 1 June 1995).
    Case("members-on-date", "2021-01-01", {"date": "2021-01-01"}),
    Case("members-on-date", "2023-01-01", {"date": "2023-01-01"}),
    Case("members-on-date", "2018-09-04", {"date": "2018-09-04"}),
    Case("members-on-date", "1995-06-01", {"date": "1995-06-01"}),
    # The 2008 set runs from June 2008 (counted from its last day) to 20 June 2014, when the 2014
    # set begins.
    Case("priorities-on-date", "2010-01-01", {"date": "2010-01-01"}),
    Case("priorities-on-date", "2015-01-01", {"date": "2015-01-01"}),
    Case("priorities-on-date", "2014-06-20", {"date": "2014-06-20"}),
    Case("priorities-on-date", "2008-06-15", {"date": "2008-06-15"}),
    Case("organisation-founding", "tf-thb", {"organisation": "id:org/tf-thb"}),
    Case("organisation-founding", "cbss", {"organisation": "id:org/cbss"}),
    Case("task-force-projects", "en", {"language": "en"}),
    Case("task-force-projects", "lv", {"language": "lv"}),
    Case("non-participating-member-states", "strom", {"project": "id:project/strom"}),
    Case("non-participating-member-states", "strom-ii", {"project": "id:project/strom-ii"}),
    Case("non-participating-member-states", "adstringo", {"project": "id:project/adstringo"}),
    Case("non-participating-member-states", "deflect", {"project": "id:project/deflect"}),
    Case("latvia-in-task-force"),
    Case("claims-about", "cso-berlin-2011", {"thing": "id:event/cso-berlin-2011"}),
    Case("claims-about", "cabinet-order-657", {"thing": "id:act/cabinet-order-657-2011"}),
    Case("source-disagreements"),
    Case("events-timeline"),
    Case("council-functions", "en", {"language": "en"}),
    Case("council-functions", "lv", {"language": "lv"}),
    Case("events-of-body", "cso", {"body": "id:org/cso"}),
    Case("act-obligations", "cabinet-order-657", {"act": "id:act/cabinet-order-657-2011"}),
    Case("project-outcomes", "en", {"language": "en"}),
    Case("project-outcomes", "lv", {"language": "lv"}),
    Case(
        "source-description",
        "seed-page",
        {"document": "http://cilvektirdznieciba.lv/lv/cbss-tf-thb-darbibas-ietvars"},
    ),
    Case("projects-with-participant", "latvia", {"participant": "id:state/LV"}),
    Case("projects-with-participant", "lv-moi", {"participant": "id:org/lv-moi"}),
)


@cache
def project() -> Project:
    return Project.discover(Path(__file__).parent)


@cache
def catalog() -> dict[str, Query]:
    return {n: q for n, q in load_catalog(project()).items() if q.kind == "cq"}


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    with EmbeddedStore.from_dataset(load_project(project()).dataset, workers=1) as embedded:
        yield embedded


Row = tuple[Node | None, ...]


def read_golden(path: Path) -> tuple[tuple[str, ...], list[Row]]:
    result = Result.parse(io.StringIO(path.read_text(encoding="utf-8")), format="tsv")
    variables = tuple(str(v) for v in result.vars or ())
    return variables, [tuple(row) for row in result]


def listing(rows: Counter[Row]) -> str:
    shown = [" | ".join("(unbound)" if t is None else t.n3() for t in r) for r in rows.elements()]
    return "\n".join(f"  {line}" for line in sorted(shown)) or "  (none)"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_answer_matches_golden(case: Case, store: EmbeddedStore) -> None:
    assert case.golden.is_file(), f"no golden answer {case.golden.name}"
    query = catalog()[case.query]
    variables, expected = read_golden(case.golden)
    result = store.query(query.text, bindings=bind(query, case.params), timeout=TIMEOUT)
    assert result.variables == variables, f"columns {result.variables}, expected {variables}"
    actual = [tuple(row.get(v) for v in variables) for row in result.rows]
    missing, unexpected = Counter(expected) - Counter(actual), Counter(actual) - Counter(expected)
    assert not missing and not unexpected, (
        f"{case.id}: {len(actual)} rows, expected {len(expected)}\n"
        f"missing:\n{listing(missing)}\nunexpected:\n{listing(unexpected)}"
    )
    assert actual == expected, f"{case.id}: the right rows in the wrong order"


def test_every_competency_question_has_a_case() -> None:
    without = sorted(set(catalog()) - {c.query for c in CASES})
    assert not without, f"competency questions without a golden case: {without}"


def test_every_case_names_a_competency_question() -> None:
    unknown = sorted({c.query for c in CASES} - set(catalog()))
    assert not unknown, f"cases of unknown queries: {unknown}"


def test_every_golden_belongs_to_a_case() -> None:
    orphans = sorted({p.stem for p in EXPECTED.glob("*.tsv")} - {c.id for c in CASES})
    assert not orphans, f"golden answers no case uses: {orphans}"
