"""Alignment with Wikidata: what Wikidata says about the things the graph links to it.

For every thing with a ``skos:exactMatch`` to a Wikidata item, :func:`align` asks a SPARQL endpoint
(Wikidata's by default, through :mod:`cbss_kg.remote`) for the item's labels, the council's
inception (P571) and formation location (P740), and memberships in the council (P463 statements
with their P580 start and P582 end qualifiers). Each fact is compared with what the graph says,
claim by claim (sources that disagree are each compared, never merged), and reported as one
:class:`AlignmentFinding`: Wikidata **agrees**, **disagrees**, lacks what we have
(``wikidata-lacks``), or has what we lack (``graph-lacks``).

Dates are compared at the coarser of the two precisions: our ``"1995"^^xsd:gYear`` agrees with a
Wikidata value of year precision in 1995, and with any day of 1995.

Findings are information, not errors; the report is a table, JSON or RDF (the report vocabulary
is described in docs/model.md, "Alignment reports").
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SDO, SKOS, TIME, XSD
from rdflib.term import Node

from cbss_kg.config import Project
from cbss_kg.load import load_project
from cbss_kg.namespaces import CBSS, GRAPH, ID, PREFIXES, WD, WDT
from cbss_kg.queries import QueryError
from cbss_kg.results import QueryResult

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"

P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PSV = Namespace("http://www.wikidata.org/prop/statement/value/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PQV = Namespace("http://www.wikidata.org/prop/qualifier/value/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")

COUNCIL = ID["org/cbss"]
"""The council, whose Wikidata item's members and founding facts are compared."""

MEMBER_ROLES = frozenset(
    ID[f"concept/role/{role}"] for role in ("member-state", "member", "suspended-member")
)
"""Roles that make a membership in the council a Wikidata "member of" (P463); observers are not."""

LANGUAGES = ("lv", "en")


class Status(enum.StrEnum):
    """What Wikidata does with one of our facts."""

    AGREES = "agrees"
    DISAGREES = "disagrees"
    WIKIDATA_LACKS = "wikidata-lacks"
    GRAPH_LACKS = "graph-lacks"

    @property
    def iri(self) -> URIRef:
        """The status as an individual of the report vocabulary (``cbss:Agrees``...)."""
        return CBSS["".join(part.capitalize() for part in self.value.split("-"))]


class AlignmentError(Exception):
    """The endpoint could not be asked (unreachable, timed out, refused the query)."""


@dataclass(frozen=True, order=True)
class AlignmentFinding:
    """One fact about one thing, compared with Wikidata.

    Attributes:
        focus: our thing's IRI.
        item: the Wikidata item's IRI (for a member only Wikidata lists: that member).
        fact: what is compared: ``label@lv``, ``label@en``, ``inception``, ``formation location``,
            ``membership``, ``membership start``, ``membership end``.
        status: agrees, disagrees, wikidata-lacks, graph-lacks.
        ours: our value (None when we lack it).
        theirs: Wikidata's value, at its precision (None when Wikidata lacks it).
        sources: the documents our value comes from (the graph, for editorial facts).
        statement: the Wikidata statement compared, when there is one.
        note: anything a reader needs to weigh the finding.
    """

    focus: str
    fact: str
    status: Status
    item: str
    ours: Node | None = None
    theirs: Node | None = None
    sources: tuple[str, ...] = ()
    statement: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON values."""
        return {
            "focus": self.focus,
            "item": self.item,
            "fact": self.fact,
            "status": self.status.value,
            "ours": _show(self.ours),
            "theirs": _show(self.theirs),
            "sources": list(self.sources),
            "statement": self.statement,
            "note": self.note,
        }


FACT_PROPERTIES = {
    "label@lv": RDFS.label,
    "label@en": RDFS.label,
    "inception": WDT.P571,
    "formation location": WDT.P740,
    "membership": WDT.P463,
    "member": WDT.P463,
    "membership start": PQ.P580,
    "membership end": PQ.P582,
}
"""The Wikidata property each fact compares."""


@dataclass(frozen=True)
class AlignmentReport:
    """Every finding of one run against one endpoint."""

    endpoint: str
    findings: tuple[AlignmentFinding, ...]

    def counts(self) -> dict[str, int]:
        """How many findings have each status."""
        return {s.value: sum(f.status is s for f in self.findings) for s in Status}

    def to_table(self) -> str:
        """A readable table: thing, fact, status, both values, our source."""
        rows = [("thing", "fact", "status", "ours", "wikidata", "our source")]
        for f in self.findings:
            rows.append(
                (_short(f.focus), f.fact, f.status.value, _show(f.ours) or "—",
                 _show(f.theirs) or "—", ", ".join(f.sources) or "—")
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(rows[0][-1]))
        summary = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        total = f"{len(self.findings)} findings against {self.endpoint}: {summary}"
        return "\n".join([*lines, "", total]) + "\n"

    def to_json(self) -> str:
        """The report as JSON: endpoint, counts and findings."""
        return json.dumps(
            {
                "endpoint": self.endpoint,
                "counts": self.counts(),
                "findings": [f.to_dict() for f in self.findings],
            },
            ensure_ascii=False,
            indent=2,
        ) + "\n"

    def to_graph(self) -> Graph:
        """The report as RDF: a ``cbss:AlignmentReport`` with ``cbss:AlignmentFinding`` nodes."""
        graph = Graph()
        for prefix in ("cbss", "prov", "dct", "rdfs", "wd", "wdt", "xsd"):
            graph.bind(prefix, PREFIXES[prefix])
        graph.bind("pq", PQ)
        graph.bind("wds", "http://www.wikidata.org/entity/statement/")
        report = BNode("report")
        graph.add((report, RDF.type, CBSS.AlignmentReport))
        graph.add((report, PROV.used, URIRef(self.endpoint)))
        for index, f in enumerate(self.findings, start=1):
            node = BNode(f"finding{index:04d}")
            graph.add((report, CBSS.finding, node))
            graph.add((node, RDF.type, CBSS.AlignmentFinding))
            graph.add((node, CBSS.focus, URIRef(f.focus)))
            graph.add((node, CBSS.counterpart, URIRef(f.item)))
            graph.add((node, CBSS.comparedProperty, FACT_PROPERTIES[f.fact]))
            graph.add((node, RDFS.label, Literal(f.fact)))
            graph.add((node, CBSS.status, f.status.iri))
            if f.ours is not None:
                graph.add((node, CBSS.ourValue, f.ours))
            if f.theirs is not None:
                graph.add((node, CBSS.theirValue, f.theirs))
            if f.statement:
                graph.add((node, CBSS.theirStatement, URIRef(f.statement)))
            for source in f.sources:
                graph.add((node, PROV.wasDerivedFrom, URIRef(source)))
            if f.note:
                graph.add((node, DCTERMS.description, Literal(f.note, lang="en")))
        return graph

    def to_turtle(self) -> str:
        """The report as Turtle."""
        return self.to_graph().serialize(format="turtle")


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _show(value: Node | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Literal) and value.language:
        return f"{value}@{value.language}"
    if isinstance(value, URIRef):
        return _short(str(value))
    return str(value)


# ---------------------------------------------------------------------------------------------
# Dates with a precision
# ---------------------------------------------------------------------------------------------

YEAR, MONTH, DAY = 9, 10, 11
"""Wikidata's time precisions (wikibase:timePrecision) used here."""


@dataclass(frozen=True)
class Date:
    """A calendar date known to a precision: year, month or day (Wikidata's 9, 10, 11)."""

    year: int
    month: int
    day: int
    precision: int

    @classmethod
    def from_literal(cls, value: Literal) -> Date | None:
        """Our ``xsd:date`` / ``gYearMonth`` / ``gYear`` literal; None for anything else."""
        text = str(value)
        try:
            if value.datatype == XSD.gYear:
                return cls(int(text[:4]), 1, 1, YEAR)
            if value.datatype == XSD.gYearMonth:
                return cls(int(text[:4]), int(text[5:7]), 1, MONTH)
            if value.datatype in (XSD.date, XSD.dateTime):
                return cls(int(text[:4]), int(text[5:7]), int(text[8:10]), DAY)
        except ValueError:
            return None
        return None

    @classmethod
    def from_wikidata(cls, value: Literal, precision: Literal | None) -> Date | None:
        """A Wikidata time value (an ``xsd:dateTime``) with its precision (day when not given)."""
        text = str(value).lstrip("+")
        if text.startswith("-"):
            return None
        try:
            year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
        except ValueError:
            return None
        level = int(precision) if precision is not None else DAY
        return cls(year, max(month, 1), max(day, 1), min(level, DAY))

    def key(self, precision: int) -> tuple[int, ...]:
        """The date cut to ``precision``; coarser than a year compares decades, centuries..."""
        if precision < YEAR:
            return (self.year // 10 ** (YEAR - precision),)
        return (self.year, self.month, self.day)[: precision - YEAR + 1]

    def literal(self) -> Literal:
        """The date at its own precision, as our model writes it (never padded)."""
        if self.precision <= YEAR:
            return Literal(f"{self.year:04d}", datatype=XSD.gYear)
        if self.precision == MONTH:
            return Literal(f"{self.year:04d}-{self.month:02d}", datatype=XSD.gYearMonth)
        return Literal(f"{self.year:04d}-{self.month:02d}-{self.day:02d}", datatype=XSD.date)


_PRECISION_NAMES = {YEAR: "year", MONTH: "month", DAY: "day"}


def compare_dates(ours: Date, theirs: Date) -> tuple[Status, str]:
    """Agree when the dates are equal at the coarser precision; the note says at which."""
    common = min(ours.precision, theirs.precision)
    if ours.key(common) != theirs.key(common):
        return Status.DISAGREES, ""
    if ours.precision == theirs.precision:
        return Status.AGREES, ""
    finer = "ours" if ours.precision > theirs.precision else "Wikidata's"
    unit = _PRECISION_NAMES.get(common, "year")
    return Status.AGREES, f"agrees to the {unit}; {finer} is more precise"


# ---------------------------------------------------------------------------------------------
# What Wikidata says
# ---------------------------------------------------------------------------------------------

_WD_PREFIXES = f"""\
PREFIX rdfs: <{RDFS}>
PREFIX wd: <{WD}>
PREFIX wdt: <{WDT}>
PREFIX p: <{P}>
PREFIX ps: <{PS}>
PREFIX psv: <{PSV}>
PREFIX pq: <{PQ}>
PREFIX pqv: <{PQV}>
PREFIX wikibase: <{WIKIBASE}>
"""

WIKIDATA_LABELS = _WD_PREFIXES + """\
SELECT ?label WHERE {
  ?item rdfs:label ?label .
  FILTER (LANG(?label) IN ("lv", "en"))
}
"""
"""An item's labels in Latvian and English (``?item`` is bound)."""

WIKIDATA_FOUNDING = _WD_PREFIXES + """\
SELECT ?fact ?statement ?value ?precision WHERE {
  {
    ?item p:P571 ?statement .
    ?statement ps:P571 ?value .
    OPTIONAL { ?statement psv:P571/wikibase:timePrecision ?precision }
    BIND ("inception" AS ?fact)
  } UNION {
    ?item p:P740 ?statement .
    ?statement ps:P740 ?value .
    BIND ("formation location" AS ?fact)
  }
  FILTER NOT EXISTS { ?statement wikibase:rank wikibase:DeprecatedRank }
}
"""
"""The council's inception (P571, with its precision) and formation location (P740)."""

WIKIDATA_MEMBERS = _WD_PREFIXES + """\
SELECT ?member ?statement ?start ?startPrecision ?end ?endPrecision WHERE {
  ?member p:P463 ?statement .
  ?statement ps:P463 ?organization .
  FILTER NOT EXISTS { ?statement wikibase:rank wikibase:DeprecatedRank }
  OPTIONAL {
    ?statement pq:P580 ?start .
    OPTIONAL { ?statement pqv:P580/wikibase:timePrecision ?startPrecision }
  }
  OPTIONAL {
    ?statement pq:P582 ?end .
    OPTIONAL { ?statement pqv:P582/wikibase:timePrecision ?endPrecision }
  }
}
"""
"""Every "member of" (P463) statement naming the council (``?organization`` is bound)."""

QueryRunner = Callable[[str, str, Mapping[str, Node]], QueryResult]
"""Runs a SELECT at an endpoint with bound variables: ``(endpoint, text, bindings) -> result``."""


# ---------------------------------------------------------------------------------------------
# What the graph says
# ---------------------------------------------------------------------------------------------

_OUR_PREFIXES = {
    "skos": SKOS, "org": ORG, "time": TIME, "schema": SDO, "prov": PROV, "graph": GRAPH,
}

OUR_LINKS = f"""
SELECT DISTINCT ?thing ?item WHERE {{
  ?thing skos:exactMatch ?item .
  FILTER (STRSTARTS(STR(?item), "{WD}Q"))
}}
"""

OUR_SOURCES = """
SELECT ?graph ?document WHERE { GRAPH graph:metadata { ?graph prov:wasDerivedFrom ?document } }
"""

OUR_LABELS = """
SELECT ?property ?label ?graph WHERE {
  VALUES ?property { skos:prefLabel skos:altLabel }
  GRAPH ?graph { ?thing ?property ?label }
  FILTER (LANG(?label) IN ("lv", "en"))
}
"""

OUR_FOUNDING = """
SELECT ?fact ?value ?graph WHERE {
  {
    GRAPH ?graph { ?council schema:foundingDate ?value }
    BIND ("founding date" AS ?fact)
  } UNION {
    ?council org:resultedFrom ?event .
    GRAPH ?graph { ?event schema:startDate ?value }
    BIND ("start" AS ?fact)
  } UNION {
    ?council org:resultedFrom ?event .
    GRAPH ?graph { ?event schema:endDate ?value }
    BIND ("end" AS ?fact)
  } UNION {
    ?council org:resultedFrom ?event .
    GRAPH ?graph { ?event schema:location|prov:atLocation ?place }
    OPTIONAL { ?place skos:exactMatch ?match . FILTER (STRSTARTS(STR(?match), STR(wd:))) }
    BIND (COALESCE(?match, ?place) AS ?value)
    BIND ("location" AS ?fact)
  }
}
"""

OUR_MEMBERSHIPS = """
SELECT ?membership ?member ?role ?side ?date ?graph WHERE {
  ?membership org:organization ?council ; org:member ?member ; org:role ?role .
  {
    GRAPH ?graph { ?membership org:member ?member }
    BIND ("membership" AS ?side)
  } UNION {
    ?membership org:memberDuring/time:hasBeginning ?instant .
    GRAPH ?graph { ?instant time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?date }
    BIND ("start" AS ?side)
  } UNION {
    ?membership org:memberDuring ?interval .
    FILTER NOT EXISTS { ?interval time:hasEnd ?anyEnd }
    BIND ("open" AS ?side)
  } UNION {
    FILTER NOT EXISTS { ?membership org:memberDuring ?anyInterval }
    BIND ("open" AS ?side)
  } UNION {
    ?membership org:memberDuring/time:hasEnd ?instant .
    GRAPH ?graph { ?instant time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?date }
    BIND ("end" AS ?side)
  }
}
"""


@dataclass(frozen=True)
class _Claim:
    """One value the graph states, with the graphs (sources) stating it."""

    value: Node
    graphs: frozenset[URIRef]


class _Graph:
    """Read access to our dataset: claims with their sources."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.documents: dict[URIRef, set[URIRef]] = defaultdict(set)
        for row in self._select(OUR_SOURCES):
            self.documents[row["graph"]].add(row["document"])

    def _select(self, text: str, **bindings: Node) -> list[dict[str, Node]]:
        result = self.dataset.query(
            text, initNs={**_OUR_PREFIXES, "wd": WD}, initBindings=bindings
        )
        return [
            {str(k): v for k, v in row.asdict().items() if v is not None} for row in result
        ]

    def sources(self, graphs: Iterable[URIRef]) -> tuple[str, ...]:
        """The documents behind ``graphs``; a graph with none (editorial) stands for itself."""
        found: set[str] = set()
        for graph in graphs:
            found.update(str(d) for d in self.documents.get(graph, ()) or [graph])
        return tuple(sorted(found))

    def links(self) -> list[tuple[URIRef, URIRef]]:
        return sorted((row["thing"], row["item"]) for row in self._select(OUR_LINKS))

    def labels(self, thing: URIRef) -> dict[str, dict[URIRef, dict[Literal, set[URIRef]]]]:
        """language → property (pref/alt) → label → graphs."""
        found: dict[str, dict[URIRef, dict[Literal, set[URIRef]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(set))
        )
        for row in self._select(OUR_LABELS, thing=thing):
            label = row["label"]
            found[label.language][row["property"]][label].add(row["graph"])
        return found

    def founding(self, council: URIRef) -> dict[str, list[_Claim]]:
        return self._claims(self._select(OUR_FOUNDING, council=council), "fact", "value")

    def memberships(self, council: URIRef) -> list[dict[str, Node]]:
        return self._select(OUR_MEMBERSHIPS, council=council)

    @staticmethod
    def _claims(rows: list[dict[str, Node]], key: str, value: str) -> dict[str, list[_Claim]]:
        grouped: dict[str, dict[Node, set[URIRef]]] = defaultdict(lambda: defaultdict(set))
        for row in rows:
            grouped[str(row[key])][row[value]].add(row["graph"])
        return {
            fact: [_Claim(v, frozenset(g)) for v, g in sorted(values.items())]
            for fact, values in grouped.items()
        }


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------


def _remote_runner(user_agent: str | None, timeout: float) -> QueryRunner:
    from cbss_kg import remote  # SPARQLWrapper loads only when an endpoint is asked

    def run(endpoint: str, text: str, bindings: Mapping[str, Node]) -> QueryResult:
        options: dict[str, Any] = {"bindings": bindings, "timeout": timeout}
        if user_agent:
            options["user_agent"] = user_agent
        return remote.query_endpoint(endpoint, text, **options)

    return run


def align(
    dataset: Dataset,
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    timeout: float = 30.0,
    user_agent: str | None = None,
    runner: QueryRunner | None = None,
) -> AlignmentReport:
    """Compare the graph's facts about linked things with what ``endpoint`` (Wikidata) says.

    Args:
        dataset: the graph with its named graphs (one per source) and ``graph:metadata``.
        endpoint: a SPARQL endpoint holding Wikidata's RDF (statements, qualifiers, precisions).
        timeout: seconds allowed for each request.
        user_agent: sent with each request (remote's polite default when None).
        runner: how queries are sent; :func:`cbss_kg.remote.query_endpoint` by default.

    Raises:
        AlignmentError: the endpoint failed; the message names it and what went wrong.
    """
    ask = runner or _remote_runner(user_agent, timeout)

    def select(text: str, **bindings: Node) -> list[dict[str, Node]]:
        try:
            return ask(endpoint, text, bindings).rows
        except QueryError as error:
            raise AlignmentError(str(error)) from error

    ours = _Graph(dataset)
    links = ours.links()
    findings: list[AlignmentFinding] = []
    for thing, item in links:
        theirs = [row["label"] for row in select(WIKIDATA_LABELS, item=item)]
        findings.extend(_label_findings(ours, thing, item, theirs))
    council_items = [item for thing, item in links if thing == COUNCIL]
    for council_item in council_items:
        founding = select(WIKIDATA_FOUNDING, item=council_item)
        findings.extend(_founding_findings(ours, council_item, founding))
        members = select(WIKIDATA_MEMBERS, organization=council_item)
        findings.extend(_membership_findings(ours, council_item, links, members))
    return AlignmentReport(endpoint, tuple(sorted(findings, key=_order)))


def align_project(
    project: Project,
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    timeout: float = 30.0,
    user_agent: str | None = None,
) -> AlignmentReport:
    """Load the project's sources and :func:`align` them (raises LoadError, AlignmentError)."""
    sources = load_project(project)
    return align(sources.dataset, endpoint, timeout=timeout, user_agent=user_agent)


def _order(finding: AlignmentFinding) -> tuple[str, str, str, str]:
    return (finding.focus, finding.item, finding.fact, _show(finding.ours) or "")


def _label_findings(
    ours: _Graph, thing: URIRef, item: URIRef, theirs: list[Literal]
) -> Iterable[AlignmentFinding]:
    labels = ours.labels(thing)
    for language in LANGUAGES:
        fact = f"label@{language}"
        preferred = labels.get(language, {}).get(SKOS.prefLabel, {})
        alternative = labels.get(language, {}).get(SKOS.altLabel, {})
        their_labels = sorted(t for t in theirs if t.language == language)
        base = {"focus": str(thing), "item": str(item), "fact": fact}
        if not preferred and not their_labels:
            continue
        if not their_labels:
            for label, graphs in sorted(preferred.items()):
                yield AlignmentFinding(
                    **base, status=Status.WIKIDATA_LACKS, ours=label, sources=ours.sources(graphs)
                )
            continue
        their = their_labels[0]
        if not preferred:
            yield AlignmentFinding(**base, status=Status.GRAPH_LACKS, theirs=their)
            continue
        for label, graphs in sorted(preferred.items()):
            sources = ours.sources(graphs)
            if _same_label(label, their):
                yield AlignmentFinding(
                    **base, status=Status.AGREES, ours=label, theirs=their, sources=sources
                )
                continue
            alt = next((a for a in alternative if _same_label(a, their)), None)
            if alt is not None:
                yield AlignmentFinding(
                    **base, status=Status.AGREES, ours=label, theirs=their, sources=sources,
                    note=f"Wikidata's label is our alternative label {alt!s}",
                )
                continue
            yield AlignmentFinding(
                **base, status=Status.DISAGREES, ours=label, theirs=their, sources=sources
            )


def _same_label(a: Literal, b: Literal) -> bool:
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()


def _founding_findings(
    ours: _Graph, item: URIRef, rows: list[dict[str, Node]]
) -> Iterable[AlignmentFinding]:
    claims = ours.founding(COUNCIL)
    base = {"focus": str(COUNCIL), "item": str(item)}
    inceptions = [r for r in rows if str(r["fact"]) == "inception"]
    locations = [r for r in rows if str(r["fact"]) == "formation location"]

    founding = claims.get("founding date", [])
    starts, ends = claims.get("start", []), claims.get("end", [])
    if not inceptions:
        for claim in founding or starts:
            yield AlignmentFinding(
                **base, fact="inception", status=Status.WIKIDATA_LACKS, ours=claim.value,
                sources=ours.sources(claim.graphs),
            )
    for row in inceptions:
        theirs = Date.from_wikidata(row["value"], row.get("precision"))
        statement = str(row["statement"])
        their_value = theirs.literal() if theirs else row["value"]
        if founding:
            for claim in founding:
                mine = Date.from_literal(claim.value)
                status, note = compare_dates(mine, theirs) if mine and theirs else (
                    Status.DISAGREES, "not comparable as dates"
                )
                yield AlignmentFinding(
                    **base, fact="inception", status=status, ours=claim.value, theirs=their_value,
                    sources=ours.sources(claim.graphs), statement=statement, note=note,
                )
        elif starts:
            yield from _inception_in_conference(
                ours, base, starts, ends, theirs, their_value, statement
            )
        else:
            yield AlignmentFinding(
                **base, fact="inception", status=Status.GRAPH_LACKS, theirs=their_value,
                statement=statement,
            )

    places = claims.get("location", [])
    for row in locations:
        statement = str(row["statement"])
        if not places:
            yield AlignmentFinding(
                **base, fact="formation location", status=Status.GRAPH_LACKS, theirs=row["value"],
                statement=statement,
            )
        for claim in places:
            agrees = claim.value == row["value"]
            yield AlignmentFinding(
                **base, fact="formation location",
                status=Status.AGREES if agrees else Status.DISAGREES,
                ours=claim.value, theirs=row["value"], sources=ours.sources(claim.graphs),
                statement=statement,
                note="" if agrees or str(claim.value).startswith(str(WD))
                else "our place has no Wikidata link",
            )
    if not locations:
        for claim in places:
            yield AlignmentFinding(
                **base, fact="formation location", status=Status.WIKIDATA_LACKS, ours=claim.value,
                sources=ours.sources(claim.graphs),
            )


def _inception_in_conference(
    ours: _Graph,
    base: Mapping[str, str],
    starts: list[_Claim],
    ends: list[_Claim],
    theirs: Date | None,
    their_value: Node,
    statement: str,
) -> Iterable[AlignmentFinding]:
    """Without a founding date of ours, the inception should fall in the founding conference."""
    for start in starts:
        first = Date.from_literal(start.value)
        last_claims = ends or [start]
        for end in last_claims:
            last = Date.from_literal(end.value)
            sources = ours.sources(start.graphs | end.graphs)
            span = f"{start.value}/{end.value}" if end is not start else str(start.value)
            if not (first and last and theirs):
                status, note = Status.DISAGREES, "not comparable as dates"
            else:
                common = min(first.precision, last.precision, theirs.precision)
                inside = first.key(common) <= theirs.key(common) <= last.key(common)
                status = Status.AGREES if inside else Status.DISAGREES
                note = (
                    f"Wikidata's inception {'falls' if inside else 'does not fall'} within our "
                    f"founding conference ({span})"
                )
            yield AlignmentFinding(
                **base, fact="inception", status=status, ours=Literal(span), theirs=their_value,
                sources=sources, statement=statement, note=note,
            )


Claims = dict[Literal, set[URIRef]]
"""A date stated by the graph → the named graphs (sources) stating it."""


@dataclass
class _OurMembership:
    """What the graph says about one member's membership in the council, all roles together.

    A status change (Russia: member state, then suspended member) closes one membership and opens
    the next on the same day, so the membership as a whole starts where no other one ends and ends
    where no other one starts. Sources that date it differently each give their own claim.
    """

    graphs: set[URIRef] = field(default_factory=set)
    periods: dict[URIRef, dict[str, Claims]] = field(default_factory=dict)
    open: bool = False

    def _claims(self, side: str, other: str) -> Claims:
        claims: Claims = defaultdict(set)
        for membership, period in self.periods.items():
            elsewhere = {
                date for m, p in self.periods.items() if m != membership for date in p[other]
            }
            for date, graphs in period[side].items():
                if date not in elsewhere:
                    claims[date] |= graphs
        return dict(claims)

    @property
    def starts(self) -> Claims:
        """Beginnings of memberships that continue no other one."""
        return self._claims("start", "end")

    @property
    def ends(self) -> Claims:
        """Ends of memberships that no other one continues."""
        return self._claims("end", "start")


def _our_memberships(ours: _Graph) -> dict[URIRef, _OurMembership]:
    """Per member: its memberships in the council in a member role, with start and end claims."""
    members: dict[URIRef, _OurMembership] = {}
    for row in ours.memberships(COUNCIL):
        if row["role"] not in MEMBER_ROLES:
            continue
        entry = members.setdefault(row["member"], _OurMembership())
        period = entry.periods.setdefault(row["membership"], {"start": {}, "end": {}})
        side = str(row["side"])
        if side == "membership":
            entry.graphs.add(row["graph"])
        elif side == "open":
            entry.open = True
        else:
            period[side].setdefault(row["date"], set()).add(row["graph"])
    return members


def _membership_findings(
    ours: _Graph, council_item: URIRef, links: list[tuple[URIRef, URIRef]],
    rows: list[dict[str, Node]],
) -> Iterable[AlignmentFinding]:
    things_by_item: dict[URIRef, list[URIRef]] = defaultdict(list)
    for thing, item in links:
        things_by_item[item].append(thing)
    statements: dict[URIRef, list[dict[str, Node]]] = defaultdict(list)
    for row in rows:
        statements[row["member"]].append(row)
    our_members = _our_memberships(ours)
    linked_members = {
        item for item, things in things_by_item.items() if set(things) & set(our_members)
    }
    for item in sorted(linked_members | set(statements)):
        their = sorted(statements.get(item, []), key=lambda r: str(r["statement"]))
        if item not in things_by_item:
            for row in their:
                yield AlignmentFinding(
                    focus=str(COUNCIL), item=str(item), fact="member", status=Status.GRAPH_LACKS,
                    theirs=item, statement=str(row["statement"]),
                    note="Wikidata lists this member of the council; no thing of ours links to it",
                )
            continue
        for thing in things_by_item[item]:
            base = {"focus": str(thing), "item": str(item)}
            mine = our_members.get(thing)
            if mine is None:
                yield AlignmentFinding(
                    **base, fact="membership", status=Status.GRAPH_LACKS, theirs=council_item,
                    statement=str(their[0]["statement"]),
                    note="Wikidata has it a member of the council; the graph has no membership",
                )
            elif not their:
                yield AlignmentFinding(
                    **base, fact="membership", status=Status.WIKIDATA_LACKS, ours=COUNCIL,
                    sources=ours.sources(mine.graphs),
                )
            else:
                yield AlignmentFinding(
                    **base, fact="membership", status=Status.AGREES, ours=COUNCIL,
                    theirs=council_item, sources=ours.sources(mine.graphs),
                    statement=str(their[0]["statement"]),
                )
                yield from _start_findings(ours, base, mine, their)
                yield from _end_findings(ours, base, mine, their)


def _their_dates(rows: list[dict[str, Node]], key: str) -> list[tuple[Date, dict[str, Node]]]:
    found = []
    for row in rows:
        if key in row:
            date = Date.from_wikidata(row[key], row.get(key + "Precision"))
            if date is not None:
                found.append((date, row))
    return sorted(found, key=lambda pair: (pair[0].key(DAY), str(pair[1]["statement"])))


def _compared(
    ours: _Graph, base: Mapping[str, str], fact: str, claims: Mapping[Literal, set[URIRef]],
    theirs: tuple[Date, dict[str, Node]] | None, lacking_note: str,
) -> Iterable[AlignmentFinding]:
    """Each of our claims against Wikidata's value (or the lack of one on either side)."""
    if theirs is None:
        for value, graphs in sorted(claims.items()):
            yield AlignmentFinding(
                **base, fact=fact, status=Status.WIKIDATA_LACKS, ours=value,
                sources=ours.sources(graphs),
            )
        return
    their_date, row = theirs
    statement = str(row["statement"])
    if not claims:
        yield AlignmentFinding(
            **base, fact=fact, status=Status.GRAPH_LACKS, theirs=their_date.literal(),
            statement=statement, note=lacking_note,
        )
    for value, graphs in sorted(claims.items()):
        mine = Date.from_literal(value)
        status, note = compare_dates(mine, their_date) if mine else (
            Status.DISAGREES, "not comparable as dates"
        )
        yield AlignmentFinding(
            **base, fact=fact, status=status, ours=value, theirs=their_date.literal(),
            sources=ours.sources(graphs), statement=statement, note=note,
        )


def _start_findings(
    ours: _Graph, base: Mapping[str, str], mine: _OurMembership, their: list[dict[str, Node]]
) -> Iterable[AlignmentFinding]:
    starts = _their_dates(their, "start")
    yield from _compared(
        ours, base, "membership start", mine.starts, starts[0] if starts else None,
        "the graph gives no beginning for this membership",
    )


def _end_findings(
    ours: _Graph, base: Mapping[str, str], mine: _OurMembership, their: list[dict[str, Node]]
) -> Iterable[AlignmentFinding]:
    ends = _their_dates(their, "end")
    their_open = any("end" not in row for row in their)
    if mine.open and their_open:
        yield AlignmentFinding(
            **base, fact="membership end", status=Status.AGREES,
            sources=ours.sources(mine.graphs), statement=str(their[0]["statement"]),
            note="no end on either side: a member to this day",
        )
    if mine.open and not their_open and ends:
        yield from _compared(
            ours, base, "membership end", {}, ends[-1], "the graph has this membership open"
        )
    if mine.ends:
        yield from _compared(
            ours, base, "membership end", mine.ends, None if their_open else ends[-1], ""
        )
