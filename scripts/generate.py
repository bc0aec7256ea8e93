"""Generate synthetic data shaped like the project's own, at a chosen size, for tests and benches.

The output is a project folder that ``cbss-kg validate`` and ``cbss-kg build`` accept::

    OUT/pyproject.toml      marker of a project root
    OUT/ontology/           a copy of the real ontology and shapes
    OUT/queries/            a copy of the real query catalogue
    OUT/data/*.trig         generated data, one file per kind of entity, as in data/
    OUT/generated.nq        the same data as N-Quads (what peers load fastest)
    OUT/manifest.json       seed, sizes, counts and the list of planted violations

The data repeats one *unit* — a council with its committee, task force, secretariat, member
states, memberships over time (day, month and year precision, suspensions, open ends,
attested-only ones), meetings, acts with obligations, priority schemes, projects with
participations, outputs, outcomes and funding, and the sources that say all this (one named graph
per source, described in graph:metadata) — until the quad count reaches the target. The first unit
uses the real council's IRIs (``id:org/cbss``, ``id:org/tf-thb``, ``id:state/LV`` ...) so the
catalogue's default parameters find something.

With ``--violations RATE`` a share of entities gets one shape violation each (missing label, end
before start, missing adopting body, ...), and the manifest lists each as (kind, focus, path), so a
test can check that the validator finds exactly those. Everything is deterministic for a seed.

Terms are written as text (N-Triples syntax, prefixed where the local name allows it), not through
rdflib, so a million quads take seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

REPO = Path(__file__).resolve().parent.parent

BASE = "https://w3id.org/cbss-kg/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

NS = {
    "cbss": BASE + "ontology#",
    "id": ID,
    "graph": GRAPH,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "cv": "http://data.europa.eu/m8g/",
    "wd": "http://www.wikidata.org/entity/",
    "opcountry": "http://publications.europa.eu/resource/authority/country/",
    "oplang": "http://publications.europa.eu/resource/authority/language/",
}

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# The real member states of the council (alpha-2, alpha-3, Wikidata, lv, en).
REAL_STATES = [
    ("DK", "DNK", "Q35", "Dānija", "Denmark"),
    ("EE", "EST", "Q191", "Igaunija", "Estonia"),
    ("FI", "FIN", "Q33", "Somija", "Finland"),
    ("DE", "DEU", "Q183", "Vācija", "Germany"),
    ("IS", "ISL", "Q189", "Islande", "Iceland"),
    ("LV", "LVA", "Q211", "Latvija", "Latvia"),
    ("LT", "LTU", "Q37", "Lietuva", "Lithuania"),
    ("NO", "NOR", "Q20", "Norvēģija", "Norway"),
    ("PL", "POL", "Q36", "Polija", "Poland"),
    ("RU", "RUS", "Q159", "Krievijas Federācija", "Russian Federation"),
    ("SE", "SWE", "Q34", "Zviedrija", "Sweden"),
]

VOCABULARIES: dict[str, list[tuple[str, str, str]]] = {
    "role": [
        ("member-state", "dalībvalsts", "member state"),
        ("member", "dalībnieks", "member"),
        ("observer", "novērotājs", "observer"),
        ("suspended-member", "apturēts dalībnieks", "suspended member"),
        ("participant", "projekta dalībnieks", "participant"),
        ("coordinator", "koordinators", "coordinator"),
        ("partner", "partneris", "partner"),
    ],
    "end-cause": [
        ("suspension", "apturēšana", "suspension"),
        ("withdrawal", "izstāšanās", "withdrawal"),
    ],
    "document-type": [
        ("declaration", "deklarācija", "declaration"),
        ("decision", "lēmums", "decision"),
        ("cabinet-order", "Ministru kabineta rīkojums", "Cabinet order"),
        ("guidelines", "vadlīnijas", "guidelines"),
        ("report", "ziņojums", "report"),
    ],
    "event-type": [
        ("cso-meeting", "Vecāko amatpersonu komitejas sanāksme", "meeting of senior officials"),
        ("ministerial-session", "ministru sesija", "ministerial session"),
        ("summit", "samits", "summit"),
    ],
    "topic": [
        ("trafficking", "cilvēku tirdzniecība", "trafficking in human beings"),
        ("budget", "budžets", "budget"),
        ("labour-exploitation", "darbaspēka ekspluatācija", "labour exploitation"),
        ("civil-security", "civilā drošība", "civil security"),
    ],
    "council-function": [
        ("political-goals", "politisko mērķu noteikšana", "identifies political goals"),
        ("action-plans", "rīcības plānu izstrāde", "drafts action plans"),
        ("strategic-projects", "stratēģisku projektu īstenošana", "carries out strategic projects"),
        ("forum", "forums viedokļu apmaiņai", "serves as a forum"),
    ],
    "org-type": [
        ("intergovernmental-council", "starpvaldību padome", "intergovernmental council"),
        ("ministry", "ministrija", "ministry"),
    ],
}

PRIORITY_WORDS = [
    ("izglītība", "education"),
    ("enerģētika", "energy"),
    ("vide", "environment"),
    ("ekonomika", "economy"),
    ("drošība", "security"),
    ("kultūra", "culture"),
    ("veselība", "health"),
    ("transports", "transport"),
    ("pētniecība", "research"),
]

FILES = (
    "sources",
    "vocabularies",
    "organisations",
    "states",
    "places",
    "memberships",
    "events",
    "acts",
    "priorities",
    "projects",
    "funding",
    "people",
)

VIOLATION_KINDS = (
    "missing-label-en",
    "missing-label-lv",
    "end-before-start",
    "missing-adopting-body",
    "missing-member",
    "two-precisions",
)
"""What ``--violations`` plants. Each entry of the manifest names its kind, focus node and path."""


def iri(qname: str) -> str:
    """``"id:org/cbss"`` → ``"<https://w3id.org/cbss-kg/id/org/cbss>"`` (N-Triples form)."""
    prefix, _, local = qname.partition(":")
    return f"<{NS[prefix]}{local}>"


def lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^{iri(datatype)}'


# Terms used everywhere, in N-Triples form.
A = iri("rdf:type")
PREF = iri("skos:prefLabel")
EDITORIAL = iri("graph:editorial")
METADATA = iri("graph:metadata")

PRECISION = {"day": "time:inXSDDate", "month": "time:inXSDgYearMonth", "year": "time:inXSDgYear"}
DATATYPE = {"day": "xsd:date", "month": "xsd:gYearMonth", "year": "xsd:gYear"}


def date_value(year: int, month: int, day: int, precision: str) -> str:
    if precision == "day":
        return f"{year:04d}-{month:02d}-{day:02d}"
    if precision == "month":
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


@dataclass
class Violation:
    kind: str
    focus: str
    path: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "focus": self.focus, "path": self.path}


@dataclass
class Sink:
    """Collects quads per data file and graph, writing them out unit by unit."""

    data_dir: Path
    nquads: TextIO
    count: int = 0
    pending: dict[str, dict[str, dict[str, list[tuple[str, str]]]]] = field(default_factory=dict)
    handles: dict[str, TextIO] = field(default_factory=dict)

    def add(self, file: str, graph: str, s: str, p: str, o: str) -> None:
        subjects = self.pending.setdefault(file, {}).setdefault(graph, {})
        subjects.setdefault(s, []).append((p, o))
        self.count += 1

    def flush(self) -> None:
        lines = []
        for file, graphs in self.pending.items():
            handle = self.handles.get(file)
            if handle is None:
                handle = (self.data_dir / f"{file}.trig").open("w", encoding="utf-8")
                handle.write(trig_prologue())
                self.handles[file] = handle
            for graph, subjects in graphs.items():
                handle.write(f"\n{short(graph)} {{\n")
                for s, pos in subjects.items():
                    handle.write(trig_subject(s, pos))
                    lines.extend(f"{s} {p} {o} {graph} .\n" for p, o in pos)
                handle.write("}\n")
        self.nquads.write("".join(lines))
        self.pending.clear()

    def close(self) -> None:
        self.flush()
        for handle in self.handles.values():
            handle.close()


def trig_prologue() -> str:
    head = "# Synthetic data generated by scripts/generate.py; shaped like data/, not true.\n"
    return head + "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in NS.items())


_LOCAL_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_BY_LENGTH = sorted(NS.items(), key=lambda item: -len(item[1]))


def short(term: str) -> str:
    """A prefixed name for an IRI term whose local part is a plain name; other terms unchanged."""
    if term.startswith("<"):
        body = term[1:-1]
        for prefix, ns in _BY_LENGTH:
            if body.startswith(ns):
                local = body[len(ns) :]
                if local and local[0].isalpha() and set(local) <= _LOCAL_OK:
                    return f"{prefix}:{local}"
                break
        return term
    if "^^<" in term:
        value, _, datatype = term.rpartition("^^")
        return f"{value}^^{short(datatype)}"
    return term


def trig_subject(s: str, pos: list[tuple[str, str]]) -> str:
    out = [f"    {short(s)}"]
    for i, (p, o) in enumerate(pos):
        pred = "a" if p == A else short(p)
        sep = " ;\n        " if i else " "
        out.append(f"{sep}{pred} {short(o)}")
    out.append(" .\n")
    return "".join(out)


def term(text: str) -> str:
    """A term in N-Triples form: ``<iri>`` and ``"literal"`` kept, prefixed names expanded."""
    return text if text[0] in '<"' else iri(text)


@dataclass
class Generator:
    """Emits the shared parts and one unit after another into a :class:`Sink`.

    ``rate`` is the share of entities that get one planted violation; planting draws from its own
    random stream, so the data around the violations is the same at any rate.
    """

    sink: Sink
    rate: float
    seed: int
    violations: list[Violation] = field(default_factory=list)
    entities: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._plant_rng = random.Random(self.seed + 1)
        self._turns: dict[tuple[str, ...], int] = {}

    def writer(self, file: str, graph: str) -> Callable[[str, str, str], None]:
        """``add(subject, predicate, object)`` into one file and graph (terms as :func:`term`)."""
        add = self.sink.add

        def write(s: str, p: str, o: str) -> None:
            add(file, graph, term(s), term(p), term(o))

        return write

    def plant(self, *kinds: str) -> str | None:
        """Whether the next entity gets a violation, and which of ``kinds`` (each in turn)."""
        if self.rate <= 0 or self._plant_rng.random() >= self.rate:
            return None
        turn = self._turns.get(kinds, 0)
        self._turns[kinds] = turn + 1
        return kinds[turn % len(kinds)]

    def record(self, kind: str, focus: str, path: str | None) -> None:
        self.violations.append(
            Violation(kind, term(focus)[1:-1], term(path)[1:-1] if path else None)
        )

    def labels(self, file: str, graph: str, node: str, lv: str, en: str) -> None:
        """One prefLabel in lv (in the source's graph) and one in en (editorial), or a gap."""
        self.entities += 1
        kind = self.plant("missing-label-en", "missing-label-lv")
        if kind != "missing-label-lv":
            self.sink.add(file, term(graph), term(node), PREF, lit(lv, "lv"))
        if kind != "missing-label-en":
            self.sink.add(file, EDITORIAL, term(node), PREF, lit(en, "en"))
        if kind:
            self.record(kind, node, "skos:prefLabel")

    def interval(
        self, file: str, graph: str, slug: str, begin: Ymd | None, precision: str, end: Ymd | None
    ) -> str:
        """An OWL-Time interval ``id:interval/<slug>`` (maybe planted: end before start, two
        precisions); returns its name."""
        add = self.writer(file, graph)
        node = f"id:interval/{slug}"
        add(node, "rdf:type", "time:Interval")
        self.labels(file, graph, node, f"periods {slug}", f"period {slug}")
        kind = None
        if begin:
            kind = (
                self.plant("end-before-start", "two-precisions")
                if end
                else self.plant("two-precisions")
            )
        if kind == "end-before-start" and begin:
            end, precision = (begin[0] - 1, begin[1], begin[2]), "day"
            self.record(kind, node, "time:hasEnd")
        for name, ymd, prec in (("start", begin, precision), ("end", end, "day")):
            if ymd is None:
                continue
            instant = f"id:instant/{slug}-{name}"
            add(node, "time:hasBeginning" if name == "start" else "time:hasEnd", instant)
            add(instant, "rdf:type", "time:Instant")
            self.labels(file, graph, instant, f"brīdis {slug} {name}", f"instant {slug} {name}")
            add(instant, PRECISION[prec], typed(date_value(*ymd, prec), DATATYPE[prec]))
            if name == "start" and kind == "two-precisions":
                other = "year" if prec != "year" else "day"
                add(instant, PRECISION[other], typed(date_value(*ymd, other), DATATYPE[other]))
                self.record(kind, instant, None)
        return node

    def membership(
        self,
        file: str,
        graph: str,
        node: str,
        member: str,
        organization: str,
        role: str,
        cls: str = "org:Membership",
    ) -> None:
        add = self.writer(file, graph)
        add(node, "rdf:type", cls)
        if self.plant("missing-member"):
            self.record("missing-member", node, "org:member")
        else:
            add(node, "org:member", member)
        add(node, "org:organization", organization)
        add(node, "org:role", f"id:concept/role/{role}")

    # -- shared parts -----------------------------------------------------------------------

    def vocabularies(self) -> None:
        add = self.writer("vocabularies", EDITORIAL)
        for vocab, concepts in VOCABULARIES.items():
            scheme = f"id:concept/{vocab}"
            add(scheme, "rdf:type", "skos:ConceptScheme")
            self.labels(
                "vocabularies", EDITORIAL, scheme, f"vārdnīca {vocab}", vocab.replace("-", " ")
            )
            for slug, lv, en in concepts:
                node = f"id:concept/{vocab}/{slug}"
                add(node, "rdf:type", "skos:Concept")
                add(node, "skos:inScheme", scheme)
                self.labels("vocabularies", EDITORIAL, node, lv, en)

    def editorial(self) -> None:
        """The project itself and its editorial graph, described as in data/sources.trig."""
        add = self.writer("sources", METADATA)
        project, note = "id:org/cbss-kg", "id:work/cbss-kg-editorial"
        add(project, "rdf:type", "prov:Organization")
        add(project, "rdf:type", "foaf:Organization")
        add(project, "foaf:homepage", "<https://w3id.org/cbss-kg/>")
        self.labels("sources", METADATA, project, "Projekts cbss-kg", "cbss-kg project")
        add(note, "rdf:type", "foaf:Document")
        add(note, "rdf:type", "schema:CreativeWork")
        add(note, "dct:title", lit("cbss-kg editorial additions", "en"))
        add(note, "dct:language", "oplang:ENG")
        add(note, "dct:publisher", project)
        self.labels(
            "sources",
            METADATA,
            note,
            "cbss-kg redakcionālie papildinājumi",
            "cbss-kg editorial additions",
        )
        add(EDITORIAL, "rdf:type", "cbss:SourceGraph")
        add(EDITORIAL, "prov:wasDerivedFrom", note)
        add(EDITORIAL, "prov:wasAttributedTo", project)
        publisher = "id:org/example-publisher"
        self.writer("organisations", METADATA)(publisher, "rdf:type", "org:FormalOrganization")
        self.labels("organisations", METADATA, publisher, "Datu izdevējs", "Data publisher")

    def source(self, slug: str, url: str, title: str, lang: str, issued: Ymd) -> str:
        """A source page described in graph:metadata; returns its graph term."""
        add = self.writer("sources", METADATA)
        page, graph = f"<{url}>", iri(f"graph:source/{slug}")
        add(page, "rdf:type", "foaf:Document")
        add(page, "rdf:type", "schema:WebPage")
        add(page, "dct:title", lit(title, lang))
        add(page, "dct:publisher", "id:org/example-publisher")
        add(page, "dct:language", "oplang:LAV" if lang == "lv" else "oplang:ENG")
        add(page, "dct:issued", typed(date_value(*issued, "day"), "xsd:date"))
        add(graph, "rdf:type", "cbss:SourceGraph")
        add(graph, "prov:wasDerivedFrom", page)
        return graph

    def states(self, count: int) -> list[tuple[str, str, str]]:
        """The pool of states, real ones first, then made-up two-letter codes: (code, lv, en)."""
        registry = self.source(
            "state-registry",
            "https://example.org/state-registry",
            "State registry",
            "en",
            (2020, 1, 1),
        )
        add = self.writer("states", registry)
        pool = list(REAL_STATES)
        taken = {state[0] for state in pool}
        for first, second in itertools.product(string.ascii_uppercase, repeat=2):
            if len(pool) >= count:
                break
            if first + second not in taken:
                code = first + second
                pool.append((code, code + "X", None, f"Valsts {code}", f"State {code}"))
        for a2, a3, wikidata, lv, en in pool:
            node = f"id:state/{a2}"
            add(node, "rdf:type", "cbss:State")
            add(node, "skos:notation", typed(a2, "cbss:iso3166Alpha2"))
            add(node, "skos:notation", typed(a3, "cbss:iso3166Alpha3"))
            if wikidata:
                add(node, "skos:exactMatch", f"wd:{wikidata}")
                add(node, "skos:exactMatch", f"opcountry:{a3}")
            self.labels("states", registry, node, lv, en)
        return [(a2, lv, en) for a2, _a3, _wd, lv, en in pool]

    # -- one unit ---------------------------------------------------------------------------

    def unit(self, i: int, pool: list[tuple[str, str, str]]) -> None:
        """One council with everything around it, said by three sources of its own."""
        u = Unit(self, i)
        u.sources()
        u.organisations()
        u.meetings()
        u.acts()
        u.priorities()
        u.memberships(pool)
        u.projects()
        u.people()


Ymd = tuple[int, int, int]


class Unit:
    """One council's worth of data. The first unit takes the real council's IRIs."""

    def __init__(self, gen: Generator, i: int) -> None:
        self.gen, self.i, self.rng = gen, i, gen.rng
        self.tag = tag = f"c{i:04d}"
        real = i == 0
        self.council = "id:org/cbss" if real else f"id:org/council-{i:04d}"
        self.cso = "id:org/cso" if real else f"id:org/{tag}-cso"
        self.tf = "id:org/tf-thb" if real else f"id:org/{tag}-tf"
        self.secretariat = "id:org/secretariat" if real else f"id:org/{tag}-secretariat"
        self.year = 1992 + i % 30
        self.real = real
        self.meeting_list: list[tuple[str, Ymd]] = []
        self.act_list: list[tuple[str, Ymd]] = []
        self.members: list[tuple[str, str, str]] = []
        self.cabinet_order: str | None = None

    def sources(self) -> None:
        gen, tag, i = self.gen, self.tag, self.i
        self.page_url = f"https://example.org/{tag}/page"
        self.page = gen.source(f"{tag}-page", self.page_url, f"Padome {i}", "lv", (2018, 9, 4))
        self.listing = gen.source(
            f"{tag}-members",
            f"https://example.org/{tag}/members",
            f"Members of council {i}",
            "en",
            (2022, 3, 7),
        )
        self.news = gen.source(
            f"{tag}-news",
            f"https://example.org/{tag}/news",
            f"News of council {i}",
            "en",
            (2022, 5, 18),
        )
        add = gen.writer("sources", self.page)
        self.passages = []
        for n in range(1, 7):
            node = f"id:passage/{tag}-{n:02d}"
            add(node, "rdf:type", "cbss:SourcePassage")
            gen.labels("sources", self.page, node, f"Teikums {i}-{n}", f"Sentence {i}-{n}")
            add(node, "dct:isPartOf", f"<{self.page_url}>")
            add(node, "schema:position", typed(str(n), "xsd:integer"))
            add(node, "prov:value", lit(f"Padomes {i} teikums {n}: sintētisks teksts.", "lv"))
            self.passages.append(node)

    def organisations(self) -> None:
        gen, i, tag = self.gen, self.i, self.tag
        add = gen.writer("organisations", self.page)
        council = self.council
        self.founding = f"id:event/{tag}-founding"
        add(council, "rdf:type", "org:FormalOrganization")
        add(council, "rdf:type", "schema:Organization")
        add(council, "org:classification", "id:concept/org-type/intergovernmental-council")
        for function in VOCABULARIES["council-function"]:
            add(council, "org:purpose", f"id:concept/council-function/{function[0]}")
        add(council, "org:resultedFrom", self.founding)
        add(council, "prov:wasDerivedFrom", self.passages[0])
        gen.labels(
            "organisations",
            self.page,
            council,
            f"Jūras valstu padome {i}",
            f"Council of Sea States {i}",
        )
        gen.writer("organisations", self.news)(council, "skos:altLabel", lit(f"CSS{i}", "en"))
        for node, cls, lv, en in (
            (self.cso, "cbss:Committee", "Vecāko amatpersonu komiteja", "Committee of Officials"),
            (self.tf, "cbss:TaskForce", "Darba grupa", "Task Force"),
            (self.secretariat, "org:OrganizationalUnit", "Sekretariāts", "Secretariat"),
        ):
            add(node, "rdf:type", cls)
            add(node, "org:unitOf", council)
            gen.labels("organisations", self.page, node, f"{lv} {i}", f"{en} {i}")

    def meetings(self) -> None:
        gen, i, tag, r = self.gen, self.i, self.tag, self.rng
        add = gen.writer("places", self.page)
        places = [f"id:place/{tag}-city-{n}" for n in range(3)]
        for n, place in enumerate(places):
            add(place, "rdf:type", "schema:Place")
            gen.labels("places", self.page, place, f"Pilsēta {i}-{n}", f"City {i}-{n}")
        add = gen.writer("events", self.page)
        founding = self.founding
        add(founding, "rdf:type", "schema:Event")
        add(founding, "schema:startDate", typed(f"{self.year}-03-05", "xsd:date"))
        add(founding, "schema:endDate", typed(f"{self.year}-03-06", "xsd:date"))
        add(founding, "schema:location", places[0])
        add(founding, "prov:wasDerivedFrom", self.passages[0])
        gen.labels(
            "events", self.page, founding, f"Dibināšanas konference {i}", f"Founding conference {i}"
        )
        topics = ("trafficking", "budget", "civil-security")
        for n in range(5):
            node = f"id:event/{tag}-cso-{n}"
            y, m, d = self.year + 1 + 3 * n, r.randint(1, 12), r.randint(1, 27)
            add(node, "rdf:type", "cbss:Meeting")
            add(node, "schema:startDate", typed(date_value(y, m, d, "day"), "xsd:date"))
            add(node, "schema:endDate", typed(date_value(y, m, d + 1, "day"), "xsd:date"))
            add(node, "schema:location", places[n % 3])
            add(node, "schema:organizer", self.cso)
            add(node, "dct:type", "id:concept/event-type/cso-meeting")
            add(node, "dct:subject", f"id:concept/topic/{topics[n % 3]}")
            add(node, "prov:wasDerivedFrom", self.passages[1 + n % 5])
            gen.labels("events", self.page, node, f"VAK sanāksme {i}-{n}", f"CSO meeting {i}-{n}")
            self.meeting_list.append((node, (y, m, d)))

    def acts(self) -> None:
        gen, i, tag = self.gen, self.i, self.tag
        add, add_en = gen.writer("acts", self.page), gen.writer("acts", self.news)
        for n, (meeting, (y, m, d)) in enumerate(self.meeting_list[:4]):
            kind = "declaration" if n % 2 == 0 else "decision"
            node = f"id:act/{tag}-{kind}-{y}"
            day = typed(date_value(y, m, d, "day"), "xsd:date")
            add(node, "rdf:type", "eli:LegalResource")
            add(node, "rdf:type", "schema:Legislation")
            add(node, "eli:type_document", f"id:concept/document-type/{kind}")
            if gen.plant("missing-adopting-body"):
                gen.record("missing-adopting-body", node, "eli:passed_by")
            else:
                add(node, "eli:passed_by", self.cso if n % 2 else self.council)
            add(node, "dct:date", day)
            add(node, "eli:date_document", day)
            add(node, "eli:title", lit(f"Padomes {kind} {i}-{n}", "lv"))
            add_en(node, "eli:title", lit(f"Council {kind} {i}-{n}", "en"))
            add(node, "prov:wasGeneratedBy", meeting)
            add_en(node, "cbss:endorsedBy", self.meeting_list[n + 1][0])
            add(node, "prov:wasDerivedFrom", self.passages[1 + n])
            gen.labels("acts", self.page, node, f"Padomes akts {i}-{n}", f"Council act {i}-{n}")
            obligation = f"id:obligation/{tag}-{n}"
            add(node, "cbss:imposes", obligation)
            add(obligation, "rdf:type", "cbss:Obligation")
            gen.labels("acts", self.page, obligation, f"Pienākums {i}-{n}", f"Obligation {i}-{n}")
            add(obligation, "cbss:obligedAgent", self.tf)
            add(obligation, "dct:description", lit(f"Pienākums {i}-{n}", "lv"))
            gen.writer("acts", EDITORIAL)(
                obligation, "dct:description", lit(f"Obligation {i}-{n}", "en")
            )
            self.act_list.append((node, (y, m, d)))

    def priorities(self) -> None:
        """Two sets, the second replacing the first; the news source lists fewer priorities."""
        gen, i, tag = self.gen, self.i, self.tag
        add, add_en = gen.writer("priorities", self.page), gen.writer("priorities", self.news)
        schemes = []
        for n, (act, (y, m, d)) in enumerate(self.act_list[:2]):
            scheme = f"id:scheme/{tag}-priorities-{y}"
            add(scheme, "rdf:type", "skos:ConceptScheme")
            add(scheme, "cbss:setBy", act)
            end = self.act_list[1][1] if n == 0 else None
            period = gen.interval(
                "priorities", self.page, f"{tag}-priorities-{y}", (y, m, d), "month", end
            )
            add(scheme, "cbss:validDuring", period)
            gen.labels(
                "priorities",
                self.page,
                scheme,
                f"Padomes {i} ilgtermiņa prioritātes {y}",
                f"Long-term priorities {y} of council {i}",
            )
            for k in range(3 + 2 * n):
                lv, en = PRIORITY_WORDS[(k + n) % len(PRIORITY_WORDS)]
                concept = f"id:priority/{y}/{tag}-{en}-{k}"
                add(concept, "rdf:type", "skos:Concept")
                add(concept, "skos:inScheme", scheme)
                add(concept, "skos:topConceptOf", scheme)
                add(scheme, "skos:hasTopConcept", concept)
                if k % 2 == 0:
                    add_en(scheme, "skos:hasTopConcept", concept)
                gen.labels(
                    "priorities", self.page, concept, f"{lv} {i}-{n}-{k}", f"{en} {i}-{n}-{k}"
                )
                add_en(concept, "skos:altLabel", lit(f"{en} ({i})", "en"))
            schemes.append(scheme)
        add(schemes[1], "dct:replaces", schemes[0])
        add(schemes[0], "dct:isReplacedBy", schemes[1])

    def memberships(self, pool: list[tuple[str, str, str]]) -> None:
        """Of the council (open, closed by a suspension, attested only) and of the task force."""
        gen, i, tag, r = self.gen, self.i, self.tag, self.rng
        if self.real:
            self.members = pool[: len(REAL_STATES)]
        else:
            self.members = [pool[k] for k in r.sample(range(len(pool)), min(10, len(pool)))]
        org = "cbss" if self.real else f"council-{i:04d}"
        add_page = gen.writer("memberships", self.page)
        add = gen.writer("memberships", self.listing)
        add_news = gen.writer("memberships", self.news)
        for n, (code, _lv, _en) in enumerate(self.members):
            state, low = f"id:state/{code}", code.lower()
            precision = ("day", "month", "year")[n % 3]
            node = f"id:membership/{org}/{low}-member-state"
            gen.membership("memberships", self.listing, node, state, self.council, "member-state")
            slug = f"{tag}/{low}-member-state"
            if n % 7 == 6:
                add_page(node, "cbss:attestedOn", typed("2018-09-04", "xsd:date"))
                period = gen.interval("memberships", self.listing, slug, None, precision, None)
            elif n % 5 == 4:
                stop = (2022, 3, 3)
                period = gen.interval(
                    "memberships", self.listing, slug, (self.year, 3, 6), precision, stop
                )
                add_news(node, "cbss:endCause", "id:concept/end-cause/suspension")
                add_news(node, "prov:wasInvalidatedBy", self.meeting_list[-1][0])
                after = f"id:membership/{org}/{low}-suspended-member"
                gen.membership(
                    "memberships", self.news, after, state, self.council, "suspended-member"
                )
                later = gen.interval(
                    "memberships", self.news, f"{tag}/{low}-suspended-member", stop, "day", None
                )
                add_news(after, "org:memberDuring", later)
                add_news(after, "prov:wasGeneratedBy", self.act_list[-1][0])
                gen.labels(
                    "memberships",
                    self.news,
                    after,
                    f"{code} apturēta dalība {i}",
                    f"{code} suspended membership {i}",
                )
            else:
                begin = (self.year + n % 4, 1 + n % 12, 1 + n % 28)
                period = gen.interval("memberships", self.listing, slug, begin, precision, None)
            add(node, "org:memberDuring", period)
            gen.labels(
                "memberships", self.listing, node, f"{code} dalība {i}", f"{code} membership {i}"
            )
            if n % 2 == 0:
                self.task_force_member(code)

    def task_force_member(self, code: str) -> None:
        """A state in the task force, represented by its ministry under a national act."""
        gen, i, tag, low = self.gen, self.i, self.tag, code.lower()
        add_org = gen.writer("organisations", self.page)
        add = gen.writer("memberships", self.page)
        ministry = f"id:org/{tag}-{low}-ministry"
        add_org(ministry, "rdf:type", "cv:PublicOrganisation")
        add_org(ministry, "rdf:type", "org:FormalOrganization")
        add_org(ministry, "org:classification", "id:concept/org-type/ministry")
        gen.labels(
            "organisations", self.page, ministry, f"{code} ministrija {i}", f"{code} ministry {i}"
        )
        if self.cabinet_order is None:
            order = self.cabinet_order = f"id:act/{tag}-cabinet-order"
            add_act = gen.writer("acts", self.page)
            add_act(order, "rdf:type", "eli:LegalResource")
            add_act(order, "eli:type_document", "id:concept/document-type/cabinet-order")
            add_act(order, "eli:passed_by", ministry)
            add_act(order, "eli:number", lit(str(600 + i % 300)))
            add_act(order, "eli:jurisdiction", f"id:state/{code}")
            add_act(order, "dct:date", typed(f"{self.year + 19}-12-15", "xsd:date"))
            add_act(order, "eli:title", lit(f"Rīkojums {i}", "lv"))
            gen.labels("acts", self.page, order, f"Rīkojums {i}", f"Cabinet order {i}")
        node = f"id:membership/{tag}-tf/{low}-member"
        gen.membership("memberships", self.page, node, f"id:state/{code}", self.tf, "member")
        add(node, "cbss:representedBy", ministry)
        period = gen.interval(
            "memberships", self.page, f"{tag}-tf/{low}-member", (self.year + 14, 11, 7), "day", None
        )
        add(node, "org:memberDuring", period)
        add(node, "prov:wasDerivedFrom", self.passages[4])
        add(node, "cv:hasLegalResource", self.cabinet_order)
        gen.labels(
            "memberships", self.page, node, f"{code} darba grupā {i}", f"{code} in task force {i}"
        )

    def projects(self) -> None:
        """Projects run by the task force, with participations, outputs, outcomes and funding."""
        gen, i, tag = self.gen, self.i, self.tag
        add, add_news = gen.writer("projects", self.page), gen.writer("projects", self.news)
        add_editorial = gen.writer("projects", EDITORIAL)
        previous = None
        for n in range(4):
            project, y = f"id:project/{tag}-project-{n}", self.year + 16 + 2 * n
            add(project, "rdf:type", "cbss:Project")
            gen.labels("projects", self.page, project, f"Projekts {i}-{n}", f"Project {i}-{n}")
            add(project, "skos:altLabel", lit(f"P{i}X{n}", "en"))
            add(project, "cbss:aim", lit(f"Mērķis {i}-{n}", "lv"))
            add_editorial(project, "cbss:aim", lit(f"Aim {i}-{n}", "en"))
            add(project, "cbss:runBy", self.tf)
            add_news(project, "schema:startDate", typed(f"{y}-01", "xsd:gYearMonth"))
            if n < 3:
                add_news(project, "schema:endDate", typed(f"{y + 2}", "xsd:gYear"))
            add(project, "prov:wasDerivedFrom", self.passages[5])
            if previous:
                add(project, "prov:wasInfluencedBy", previous)
            previous = project
            work = f"id:work/{tag}-guidelines-{n}"
            add(project, "cbss:output", work)
            add(work, "rdf:type", "schema:CreativeWork")
            add(work, "dct:type", "id:concept/document-type/guidelines")
            gen.labels("projects", self.page, work, f"Vadlīnijas {i}-{n}", f"Guidelines {i}-{n}")
            outcome = f"id:outcome/{tag}-{n}"
            add(outcome, "rdf:type", "cbss:ProjectOutcome")
            gen.labels("projects", self.page, outcome, f"Rezultāts {i}-{n}", f"Outcome {i}-{n}")
            add(outcome, "cbss:outcomeOf", project)
            add(outcome, "dct:description", lit(f"Rezultāts {i}-{n}", "lv"))
            add_editorial(outcome, "dct:description", lit(f"Outcome {i}-{n}", "en"))
            self.participations(n, project, y)
            self.funding(n, project)

    def participations(self, n: int, project: str, y: int) -> None:
        gen, i, tag = self.gen, self.i, self.tag
        add = gen.writer("projects", self.news)
        for k, (code, _lv, _en) in enumerate(self.members[n : n + 6]):
            node = f"id:membership/{tag}-project-{n}/{code.lower()}-participant"
            gen.membership(
                "projects",
                self.news,
                node,
                f"id:state/{code}",
                project,
                "participant",
                cls="cbss:ProjectParticipation",
            )
            if k % 2 == 0:
                period = gen.interval(
                    "projects",
                    self.news,
                    f"{tag}-project-{n}/{code.lower()}-participant",
                    (y, 1 + k, 1),
                    ("day", "month", "year")[k % 3],
                    (y + 2, 12, 31),
                )
                add(node, "org:memberDuring", period)
            gen.labels(
                "projects",
                self.news,
                node,
                f"{code} projektā {i}-{n}",
                f"{code} in project {i}-{n}",
            )
        node = f"id:membership/{tag}-project-{n}/secretariat-coordinator"
        gen.membership(
            "projects",
            self.news,
            node,
            self.secretariat,
            project,
            "coordinator",
            cls="cbss:ProjectParticipation",
        )
        gen.labels("projects", self.news, node, f"Koordinators {i}-{n}", f"Coordinator {i}-{n}")

    def funding(self, n: int, project: str) -> None:
        gen, i, tag = self.gen, self.i, self.tag
        add = gen.writer("funding", self.news)
        grant = f"id:grant/{tag}-project-{n}"
        funder = f"id:state/{self.members[n % len(self.members)][0]}"
        add(project, "schema:funder", funder)
        add(grant, "rdf:type", "cbss:BudgetContribution")
        add(grant, "schema:funder", funder)
        add(grant, "schema:fundedItem", project)
        if self.cabinet_order:
            add(grant, "cv:hasLegalResource", self.cabinet_order)
        if n % 2 == 0:
            amount = f"id:grant/{tag}-project-{n}-amount"
            add(grant, "schema:amount", amount)
            add(amount, "rdf:type", "schema:MonetaryAmount")
            gen.labels("funding", self.news, amount, f"Summa {i}-{n}", f"Amount {i}-{n}")
            add(amount, "schema:value", typed(str(10000 * (n + 1) + i), "xsd:decimal"))
            add(amount, "schema:currency", lit("EUR"))
        else:
            add(grant, "dct:description", lit("Set each year in the national budget.", "en"))
        gen.labels("funding", self.news, grant, f"Iemaksa {i}-{n}", f"Contribution {i}-{n}")

    def people(self) -> None:
        """A post in the task force, held by a person."""
        gen, i, tag = self.gen, self.i, self.tag
        add = gen.writer("people", self.news)
        post, person = f"id:post/{tag}-tf-chair", f"id:person/{tag}-chair"
        add(post, "rdf:type", "org:Post")
        add(post, "org:postIn", self.tf)
        add(post, "org:heldBy", person)
        gen.labels("people", self.news, post, f"Darba grupas vadītājs {i}", f"Task force chair {i}")
        add(person, "rdf:type", "foaf:Person")
        add(person, "foaf:name", lit(f"Person {i}"))
        gen.labels("people", self.news, person, f"Persona {i}", f"Person {i}")


@dataclass(frozen=True)
class Result:
    out: Path
    quads: int
    units: int
    entities: int
    violations: tuple[Violation, ...]


def parse_size(text: str) -> int:
    """``"10k"`` / ``"1m"`` / ``"25000"`` → a triple count."""
    key = text.strip().lower()
    if key in SIZES:
        return SIZES[key]
    if key.endswith("k"):
        return int(float(key[:-1]) * 1000)
    if key.endswith("m"):
        return int(float(key[:-1]) * 1_000_000)
    return int(key)


def generate(
    out: Path, triples: int, *, seed: int = 1, violations: float = 0.0, project_root: Path = REPO
) -> Result:
    """Write a generated project folder of about ``triples`` quads to ``out`` (data replaced)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "pyproject.toml").write_text(
        "# A generated cbss-kg project (scripts/generate.py): synthetic data, real ontology.\n"
        '[project]\nname = "cbss-kg-generated"\nversion = "0"\n',
        encoding="utf-8",
    )
    for folder in ("ontology", "queries"):
        target = out / folder
        if target.exists():
            shutil.rmtree(target)
        source = project_root / folder
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.mkdir()
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir()
    with (out / "generated.nq").open("w", encoding="utf-8") as nquads:
        sink = Sink(data, nquads)
        gen = Generator(sink, violations, seed)
        gen.editorial()
        gen.vocabularies()
        pool = gen.states(min(676, max(20, triples // 2000)))
        units = 0
        while sink.count < triples:
            gen.unit(units, pool)
            units += 1
            if units % 20 == 0:
                sink.flush()
        sink.close()
    manifest = {
        "seed": seed,
        "target": triples,
        "quads": sink.count,
        "units": units,
        "entities": gen.entities,
        "violation_rate": violations,
        "violations": [v.as_dict() for v in gen.violations],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return Result(out, sink.count, units, gen.entities, tuple(gen.violations))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--triples", default="10k", help="about how many quads: 10k, 100k, 1m or a number"
    )
    parser.add_argument("--out", type=Path, required=True, help="the project folder to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--violations",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of entities that get one planted shape violation (0..1)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.violations <= 1:
        parser.error("--violations is a share between 0 and 1")
    try:
        target = parse_size(args.triples)
    except ValueError:
        parser.error(f"--triples: not a size: {args.triples!r}")
    result = generate(args.out, target, seed=args.seed, violations=args.violations)
    print(
        f"{result.quads} quads in {result.units} units, "
        f"{len(result.violations)} planted violations -> {result.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
