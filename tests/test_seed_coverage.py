"""No sentence of the seed page is dropped: each is a passage, and a competency question answers it.

Every sentence (or list item) of the seed page is a ``cbss:SourcePassage`` ``id:passage/seed-NN``
in the data. :data:`ANSWERED_BY` maps each passage to the golden cases of ``test_competency`` that
answer it; the tests check that the mapping and the data agree, that each mapped golden answer
exists, is not empty and names something derived from that passage, and that the passages, put
together, cover every sentence of the seed file.

The seed file is read from ``$CBSS_SEED_DIR`` (default: ``../shared/seeds`` beside the repository).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF

from cbss_kg.config import Project
from cbss_kg.load import Sources, load_project
from cbss_kg.namespaces import CBSS, ID

EXPECTED = Path(__file__).parent / "cq" / "expected"
SEED_FILE = "000_d651ebdd79b039ed.txt"
PASSAGE_PREFIX = str(ID["passage/seed-"])

SITE_CHROME = frozenset({"Notikumu kalendārs - Septembris, 2023"})
"""Lines of the seed file that are the site's widgets, not content (docs/model.md)."""

ANSWERED_BY: dict[str, tuple[str, ...]] = {
    # The Copenhagen conference of 5-6 March 1992, its declaration, the council and what it is.
    "seed-01": ("organisation-founding--cbss",),
    # The eleven states and the European Commission that make up the council.
    "seed-02": ("members-on-date--2018-09-04",),
    # What the council does; the five priorities of the 2008 Riga reform declaration.
    "seed-03": ("council-functions--lv", "council-functions--en", "priorities-on-date--2010-01-01"),
    # The three priorities of the decision of 20 June 2014.
    "seed-04": ("priorities-on-date--2015-01-01", "priorities-on-date--2014-06-20"),
    # The CSO meeting in Kalmar, 7-8 November 2006, decided to create the task force.
    "seed-05": ("organisation-founding--tf-thb", "events-of-body--cso"),
    # The CSO meeting in Berlin, 21 September 2011, on contributions to the task force's budget.
    "seed-06": ("events-of-body--cso", "claims-about--cso-berlin-2011"),
    # Cabinet order No. 657 of 15 December 2011, its title and what it supports.
    "seed-07": ("latvia-in-task-force", "claims-about--cabinet-order-657"),
    # What the order makes the Ministry of the Interior do.
    "seed-08": ("act-obligations--cabinet-order-657",),
    # Latvia in the task force since its founding, represented by a delegate of the ministry.
    "seed-09": ("latvia-in-task-force",),
    # The projects in which Latvian institutions and NGOs took part.
    "seed-10": ("projects-with-participant--latvia",),
    # The five projects, their aims and states.
    "seed-11": ("task-force-projects--lv", "task-force-projects--en"),
    "seed-12": ("task-force-projects--lv", "task-force-projects--en"),
    "seed-13": ("task-force-projects--lv", "task-force-projects--en"),
    "seed-14": ("task-force-projects--lv", "task-force-projects--en"),
    "seed-15": ("task-force-projects--lv", "task-force-projects--en"),
    # What the projects achieve.
    "seed-16": ("project-outcomes--lv", "project-outcomes--en"),
    "seed-17": ("project-outcomes--lv",),
    "seed-18": ("project-outcomes--lv",),
    # The page's own date and the site that published it.
    "seed-19": ("source-description--seed-page", "events-timeline"),
    "seed-20": ("source-description--seed-page",),
}


@cache
def project() -> Project:
    return Project.discover(Path(__file__).parent)


@cache
def sources() -> Sources:
    return load_project(project())


@cache
def passages() -> dict[str, str]:
    """Passage name (``seed-NN``) → its exact text."""
    dataset = sources().dataset
    found = {}
    for passage in dataset.subjects(RDF.type, CBSS.SourcePassage):
        if str(passage).startswith(PASSAGE_PREFIX):
            texts = [v for v in dataset.objects(passage, PROV.value) if isinstance(v, Literal)]
            assert len(texts) == 1, f"{passage} needs exactly one prov:value"
            found[str(passage)[len(str(ID["passage/"])) :]] = str(texts[0])
    return found


def normal(text: str) -> str:
    """Whitespace (non-breaking spaces included) collapsed to single spaces."""
    return " ".join(text.split())


def seed_path() -> Path:
    folder = Path(os.environ.get("CBSS_SEED_DIR", project().root.parent / "shared" / "seeds"))
    path = folder / SEED_FILE
    if not path.is_file():
        pytest.skip(f"seed page {SEED_FILE} not found in {folder}; set CBSS_SEED_DIR to its folder")
    return path


def test_every_passage_is_answered() -> None:
    names, mapped = set(passages()), set(ANSWERED_BY)
    assert names, "the data has no passages of the seed page"
    assert not names - mapped, f"passages no case answers: {sorted(names - mapped)}"
    assert not mapped - names, f"mapped passages not in the data: {sorted(mapped - names)}"


@pytest.mark.parametrize("passage", sorted(ANSWERED_BY))
def test_answers_exist_and_speak_of_the_passage(passage: str) -> None:
    source = URIRef(str(ID[f"passage/{passage}"]))
    derived = {
        f"<{thing}>"
        for thing in sources().dataset.subjects(PROV.wasDerivedFrom, source)
        if isinstance(thing, URIRef)
    }
    assert derived, f"nothing in the data says it is derived from {passage}"
    for case in ANSWERED_BY[passage]:
        golden = EXPECTED / f"{case}.tsv"
        assert golden.is_file(), f"{passage} is mapped to {case}, which has no golden answer"
        lines = golden.read_text(encoding="utf-8").splitlines()
        assert len(lines) > 1, f"{passage} is mapped to {case}, whose golden answer is empty"
        body = "\n".join(lines[1:])
        assert any(iri in body for iri in derived), (
            f"the answer {case} names nothing derived from {passage} ({sorted(derived)})"
        )


def test_passages_are_the_exact_text_of_the_seed() -> None:
    seed = normal(seed_path().read_text(encoding="utf-8"))
    strangers = {name: text for name, text in passages().items() if normal(text) not in seed}
    assert not strangers, f"passages whose text is not in the seed page: {strangers}"


def test_passages_cover_every_sentence_of_the_seed() -> None:
    texts = sorted((normal(t) for t in passages().values()), key=len, reverse=True)
    uncovered = []
    for line in seed_path().read_text(encoding="utf-8").splitlines():
        content = normal(line)
        if not content or content in SITE_CHROME:
            continue
        rest = content.removeprefix("- ")
        for text in texts:
            rest = rest.replace(text, " ")
        if rest.strip():
            uncovered.append(f"{rest.strip()!r} (in: {content[:60]}…)")
    assert not uncovered, "seed text no passage holds:\n" + "\n".join(uncovered)
