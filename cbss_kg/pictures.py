"""Pictures of the graph: the council's timeline, states in projects, membership over time.

Each picture is drawn from the rows of one view (``queries/views/<name>.rq``), so it shows what
the graph says and nothing else: the rows can come from rdflib (:func:`view_rows`) or from the
server's store, and the renderers below only read them. Output is plain SVG, deterministic for
the same rows, in English or Latvian, and accessible: the document has a title and a
description, and every mark carries a ``<title>`` with its text alternative.

Dates are drawn as precisely as the graph gives them: a day is a point, a month or a year is a
hatched extent over the whole month or year, and where sources disagree every claim is drawn and
named with its source.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from cbss_kg import svg
from cbss_kg.namespaces import ID, PREFIXES
from cbss_kg.queries import Query, bind

Row = Mapping[str, Node]
"""One solution of a view: variable name → RDF term; an unbound variable is absent."""

LANGUAGES = ("en", "lv")

MAX_ROWS = 2_000
"""Rows a picture is drawn from at most: beyond that its marks could not be told apart."""

PICTURES = {
    "timeline.svg": "timeline",
    "participation.svg": "participation",
    "membership.svg": "membership",
}
"""Release file name → the view it is drawn from."""

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "timeline_title": "History of the council",
        "timeline_desc": "Timeline from {first} to {last} with {count} dated marks: meetings, "
        "declarations and decisions, membership changes, task-force milestones and projects. "
        "A dot is an exact day; a hatched extent is a month or a year when no day is known.",
        "lane.council": "Council: meetings, declarations, decisions",
        "lane.task-force": "Task force: creation, meetings, project events",
        "lane.membership": "Membership changes",
        "lane.projects": "Projects",
        "from": "from",
        "until": "until",
        "joins": "Begins as {role}",
        "leaves": "Ends as {role}",
        "start": "start",
        "end": "end",
        "end_unknown": "end not given",
        "begin_unknown": "beginning not given",
        "source": "source",
        "sources": "sources",
        "day": "exact day",
        "month": "month known, day not",
        "year": "year known, month not",
        "participation_title": "Participation of states in the task force's projects",
        "participation_desc": "Grid of {states} states and {projects} projects; {cells} filled "
        "cells, each a participation the graph records, with its source.",
        "took_part": "took part in",
        "no_participation": "no participation recorded",
        "total": "total",
        "states": "States",
        "projects": "Projects",
        "membership_title": "{organisation}: members over time",
        "membership_desc": "One row per member, {members} members, {periods} periods: bars "
        "coloured by role (member, observer, suspended); an arrow means the period continues; a "
        "dashed start means no source gives the beginning; diamonds are days a source shows the "
        "membership in force.",
        "role.member": "member",
        "role.observer": "observer",
        "role.suspended": "suspended",
        "role.other": "other role",
        "continuing": "continuing",
        "attested": "in force according to a source on",
        "legend_attested": "shown in force by a source",
        "legend_uncertain": "month or year only",
        "legend_unknown_begin": "beginning not given",
        "legend_day": "exact day",
        "legend_end": "membership ends",
        "legend_participation": "took part",
        "ended_by": "ended by",
        "no_dates": "no dates given",
        "too_many_title": "{picture}: too many rows to draw",
        "too_many_desc": "The graph has more than {limit} rows for this picture, too many to "
        "draw legibly. The view queries/views/{view}.rq gives them as a table.",
    },
    "lv": {
        "timeline_title": "Padomes vēsture",
        "timeline_desc": "Laika līnija no {first} līdz {last} ar {count} datētām atzīmēm: "
        "sanāksmes, deklarācijas un lēmumi, dalības izmaiņas, darba grupas notikumi un projekti. "
        "Punkts ir precīza diena; iesvītrots posms ir mēnesis vai gads, ja diena nav zināma.",
        "lane.council": "Padome: sanāksmes, deklarācijas, lēmumi",
        "lane.task-force": "Darba grupa: izveide, sanāksmes, projektu notikumi",
        "lane.membership": "Dalības izmaiņas",
        "lane.projects": "Projekti",
        "from": "no",
        "until": "līdz",
        "joins": "Sāk dalību kā {role}",
        "leaves": "Beidz dalību kā {role}",
        "start": "sākums",
        "end": "beigas",
        "end_unknown": "beigas nav norādītas",
        "begin_unknown": "sākums nav norādīts",
        "source": "avots",
        "sources": "avoti",
        "day": "precīza diena",
        "month": "zināms mēnesis, diena nav",
        "year": "zināms gads, mēnesis nav",
        "participation_title": "Valstu dalība darba grupas projektos",
        "participation_desc": "Tabula ar {states} valstīm un {projects} projektiem; {cells} "
        "aizpildītas šūnas, katra ir grafā ierakstīta dalība ar tās avotu.",
        "took_part": "piedalījās projektā",
        "no_participation": "dalība nav ierakstīta",
        "total": "kopā",
        "states": "Valstis",
        "projects": "Projekti",
        "membership_title": "{organisation}: dalībnieki laika gaitā",
        "membership_desc": "Katram dalībniekam sava rinda, {members} dalībnieki, {periods} "
        "posmi: joslu krāsa rāda lomu (dalībvalsts, novērotājs, apturēta dalība); bulta nozīmē, "
        "ka posms turpinās; raustīts sākums nozīmē, ka neviens avots nenorāda sākumu; rombi ir "
        "dienas, kad avots rāda dalību spēkā.",
        "role.member": "dalībnieks",
        "role.observer": "novērotājs",
        "role.suspended": "apturēta dalība",
        "role.other": "cita loma",
        "continuing": "turpinās",
        "attested": "spēkā saskaņā ar avotu",
        "legend_attested": "avots rāda dalību spēkā",
        "legend_uncertain": "zināms tikai mēnesis vai gads",
        "legend_unknown_begin": "sākums nav norādīts",
        "legend_day": "precīza diena",
        "legend_end": "dalība beidzas",
        "legend_participation": "piedalījās",
        "ended_by": "beigu iemesls",
        "no_dates": "datumi nav norādīti",
        "too_many_title": "{picture}: pārāk daudz rindu, lai attēlotu",
        "too_many_desc": "Grafā šim attēlam ir vairāk nekā {limit} rindu, pārāk daudz, lai "
        "tās salasāmi attēlotu. Skats queries/views/{view}.rq tās dod kā tabulu.",
    },
}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "lv": ("janvāris", "februāris", "marts", "aprīlis", "maijs", "jūnijs", "jūlijs", "augusts",
           "septembris", "oktobris", "novembris", "decembris"),
}

_ROLE_GROUPS = {
    ID["concept/role/member-state"]: "member",
    ID["concept/role/member"]: "member",
    ID["concept/role/observer"]: "observer",
    ID["concept/role/suspended-member"]: "suspended",
    ID["concept/role/suspended-observer"]: "suspended",
}
"""How the membership chart colours the roles of the model's role vocabulary."""

_ROLE_COLOURS = {
    "member": "#1f4e8c",
    "observer": "#2e7d5b",
    "suspended": "#b3460b",
    "other": "#5c5c5c",
}

_LANE_COLOURS = {
    "council": "#1f4e8c",
    "task-force": "#6f3596",
    "membership": "#2e6b30",
    "projects": "#a14d00",
}

_LANES = ("council", "task-force", "membership", "projects")

_DATE = re.compile(r"(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?\Z")


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return lang


@dataclass(frozen=True, order=True)
class When:
    """A date as precise as the graph gives it: the first and last day it may mean."""

    earliest: datetime.date
    latest: datetime.date
    precision: str
    lexical: str = field(compare=False)

    @classmethod
    def parse(cls, node: Node | None) -> When | None:
        """Read an ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` literal (or ``None``)."""
        if not isinstance(node, Literal):
            return None
        match = _DATE.match(str(node).strip())
        if match is None:
            return None
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            if day is not None and month is not None:
                first = last = datetime.date(year, month, day)
                return cls(first, last, "day", str(node))
            if month is not None:
                first = datetime.date(year, month, 1)
                following = datetime.date(year + month // 12, month % 12 + 1, 1)
                return cls(first, following - datetime.timedelta(days=1), "month", str(node))
            return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year", str(node))
        except ValueError:
            return None

    def describe(self, lang: str) -> str:
        """The date in words, no more precise than it is."""
        month = _MONTHS[lang][self.earliest.month - 1]
        year = self.earliest.year
        if lang == "lv":
            if self.precision == "day":
                return f"{year}. gada {self.earliest.day}. {month}"
            return f"{year}. gada {month}" if self.precision == "month" else f"{year}. gads"
        if self.precision == "day":
            return f"{self.earliest.day} {month} {year}"
        return f"{month} {year}" if self.precision == "month" else str(year)


def _text(row: Row, name: str, lang: str) -> str | None:
    """``?name_<lang>`` from a row, falling back to the other language."""
    for language in (lang, *(x for x in LANGUAGES if x != lang)):
        value = row.get(f"{name}_{language}")
        if value is not None:
            return str(value)
    return None


def _curie(iri: Node) -> str:
    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return text


def _source(row: Row) -> str | None:
    """The document a claim comes from, else the name of its graph."""
    if "document" in row:
        return str(row["document"])
    return _curie(row["source"]) if "source" in row else None


def _claims_text(claims: Mapping[When, set[str]], lang: str) -> str:
    """Every claimed date with the sources that give it, e.g. ``5 March 1992 (source: …)``."""
    words = _WORDS[lang]
    parts = []
    for when in sorted(claims):
        sources = sorted(claims[when])
        noun = words["source"] if len(sources) == 1 else words["sources"]
        parts.append(f"{when.describe(lang)} ({noun}: {', '.join(sources)})" if sources
                     else when.describe(lang))
    return "; ".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Axis:
    """Maps days to x between ``left`` and ``right`` for whole years ``first``..``last``."""

    def __init__(self, first: int, last: int, left: float, right: float) -> None:
        self.first, self.last = first, last
        self.left, self.right = left, right
        self.start = datetime.date(first, 1, 1).toordinal()
        self.days = datetime.date(last + 1, 1, 1).toordinal() - self.start

    def x(self, day: datetime.date, *, end_of_day: bool = False) -> float:
        offset = day.toordinal() - self.start + (1 if end_of_day else 0)
        return self.left + (self.right - self.left) * offset / self.days

    @property
    def year_width(self) -> float:
        return (self.right - self.left) * 365.25 / self.days

    def draw(self, parent: Element, top: float, bottom: float, *,
             labels_at: Iterable[float]) -> None:
        """Year grid lines from ``top`` to ``bottom`` and year labels at the given heights."""
        step = next(s for s in (1, 2, 5, 10, 20, 50) if self.year_width * s >= 38)
        grid = svg.add(parent, "g", {"class": "axis-years", "aria-hidden": "true"})
        for year in range(self.first, self.last + 2):
            x = self.x(datetime.date(year, 1, 1))
            labelled = year % step == 0 or (step == 1)
            svg.add(grid, "line", {"x1": x, "y1": top, "x2": x, "y2": bottom,
                                   "class": "grid" if not labelled else "axis",
                                   "stroke-opacity": 0.35 if labelled else 1})
            if labelled and year <= self.last:
                for y in labels_at:
                    svg.add(grid, "text", {"x": x + self.year_width / 2 if step == 1 else x,
                                           "y": y, "text-anchor": "middle",
                                           "class": "small muted"}, str(year))


def _span(dates: Iterable[When]) -> tuple[int, int]:
    whens = list(dates)
    return min(w.earliest.year for w in whens), max(w.latest.year for w in whens)


class _Legend:
    """Legend entries (a glyph and its words) from left to right, starting a new line rather
    than passing ``right``."""

    LINE = 22.0

    def __init__(self, parent: Element, y: float, right: float) -> None:
        self.group = svg.add(parent, "g", {"class": "legend", "aria-hidden": "true"})
        self.x, self.y, self.right = 20.0, y, right

    def add(self, draw: Callable[[Element, float, float], None], label: str) -> None:
        width = 26 + svg.text_width(label, 11)
        if self.x > 20 and self.x + width > self.right:
            self.x, self.y = 20.0, self.y + self.LINE
        group = svg.add(self.group, "g")
        draw(group, self.x, self.y)
        svg.add(group, "text", {"x": self.x + 26, "y": self.y + 4, "class": "small"}, label)
        self.x += width + 22


# Rows from views ------------------------------------------------------------------------------


def view_rows(data: Dataset | Graph, view: Query, params: Mapping[str, str] | None = None, *,
              limit: int | None = None) -> list[dict[str, Node]]:
    """Run a view with rdflib over ``data`` (a dataset whose default graph is the union of its
    named graphs, as :func:`cbss_kg.load.load_project` gives) with its parameters bound; with
    ``limit``, at most that many rows are read (rdflib gives them as it finds them)."""
    bindings = bind(view, params or {})
    result = data.query(view.text, initBindings=bindings)
    return [{str(k): v for k, v in row.asdict().items()}
            for row in itertools.islice(result, limit)]


class MissingView(LookupError):
    """The catalogue lacks a view a picture is drawn from."""


def render_pictures(data: Dataset, catalog: Mapping[str, Query], *,
                    languages: Sequence[str] = ("en",),
                    run: Callable[[Query, int], Sequence[Row]] | None = None) -> dict[str, str]:
    """Draw every picture from ``data`` with the views of ``catalog`` in each of ``languages``
    (each view runs once): release file name (:func:`file_name`) → SVG text. The views run with
    rdflib (:func:`view_rows`), or with ``run``, which gives a view's rows from a store holding
    ``data``: ``run(view, limit)`` reads at most ``limit`` rows.

    A view is read up to :data:`MAX_ROWS` + 1 rows: one that gives more than :data:`MAX_ROWS`
    has, under the same file names, a picture saying it is too large to draw
    (:func:`too_many_svg`), so a large graph costs neither the time to run the whole view nor
    that to draw it.

    Raises:
        MissingView: ``queries/views/<view>.rq`` is not in the catalogue.
    """
    for name, view in PICTURES.items():
        if view not in catalog or catalog[view].kind != "view":
            raise MissingView(f"{name} is drawn from the view queries/views/{view}.rq, "
                              "which the project does not have")
    drawn = {}
    for name, view in PICTURES.items():
        query = catalog[view]
        rows = (view_rows(data, query, limit=MAX_ROWS + 1) if run is None
                else run(query, MAX_ROWS + 1))
        for lang in languages:
            drawn[file_name(name, lang)] = (too_many_svg(view, rows, lang=lang)
                                            if len(rows) > MAX_ROWS
                                            else render_view(view, rows, lang=lang))
    return drawn


def too_many_svg(view: str, rows: Iterable[Row], *, lang: str = "en") -> str:
    """The picture of ``view`` when it gives more than :data:`MAX_ROWS` rows: a short text
    saying so and where the rows are to be had. ``rows`` (any of them) are read only for the
    name of the organisation a membership chart is of."""
    _check_lang(lang)
    words = _WORDS[lang]
    if view == "membership":
        organisation = min((_text(row, "organisation", lang) or _curie(row["organisation"])
                            for row in rows if "organisation" in row), default="")
        picture = words["membership_title"].format(organisation=organisation)
    else:
        picture = words[f"{view}_title"]
    limit = f"{MAX_ROWS:,}" if lang == "en" else str(MAX_ROWS)
    title = words["too_many_title"].format(picture=picture)
    desc = words["too_many_desc"].format(limit=limit, view=view)
    width = 720.0
    document = svg.Document(width, 100, ident=view, lang=lang, title=title, desc=desc)
    y = 32.0
    for line in _fit(title, 20, width - 40, bold=True):
        svg.add(document.root, "text", {"x": 20, "y": y, "class": "heading"}, line)
        y += _HEADING_LINE
    for line in _fit(desc, 13, width - 40):
        svg.add(document.root, "text", {"x": 20, "y": y + 4, "class": "subheading"}, line)
        y += 20
    document.resize(width, y + 12)
    return document.to_string()


def file_name(name: str, lang: str) -> str:
    """The file of a picture in ``lang``: English keeps the plain name (``timeline.svg``), another
    language goes before the suffix (``timeline.lv.svg``)."""
    if lang == "en":
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{lang}{dot}{suffix}"


# The timeline ---------------------------------------------------------------------------------


@dataclass
class _Mark:
    """One thing on the timeline with every date claim made about it."""

    key: tuple[str, ...]
    lane: str
    label: str
    starts: dict[When, set[str]] = field(default_factory=lambda: defaultdict(set))
    ends: dict[When, set[str]] = field(default_factory=lambda: defaultdict(set))
    members: set[str] = field(default_factory=set)
    kind: str = "point"
    short: str | None = None

    @property
    def first(self) -> When:
        return min(self.starts or self.ends)


def timeline_marks(rows: Iterable[Row], lang: str = "en") -> list[_Mark]:
    """Group the timeline view's rows into marks: one per thing (and per membership change:
    members whose same role begins or ends on the same claimed dates share one mark)."""
    _check_lang(lang)
    words = _WORDS[lang]
    items: dict[tuple[str, ...], _Mark] = {}
    membership_changes: dict[tuple[str, str], dict] = {}
    for row in rows:
        when = When.parse(row.get("date"))
        if when is None:
            continue
        lane, part = str(row["lane"]), str(row["part"])
        source = _source(row) or ""
        if lane == "membership":
            change = membership_changes.setdefault((str(row["item"]), part), {
                "member": _text(row, "member", lang) or _curie(row["member"]),
                "role": _text(row, "role", lang) or (_curie(row["role"]) if "role" in row else ""),
                "cause": _text(row, "cause", lang) if part == "end" else None,
                "claims": defaultdict(set),
            })
            change["claims"][when].add(source)
            continue
        key = (str(row["item"]),)
        mark = items.get(key)
        if mark is None:
            label = _text(row, "label", lang) or _curie(row["item"])
            mark = items[key] = _Mark(key, lane, label,
                                      kind="span" if lane == "projects" else "point")
        (mark.ends if part == "end" else mark.starts)[when].add(source)
        if "short" in row and str(row["short"]) not in mark.label:
            mark.short = min(filter(None, (mark.short, str(row["short"]))))
    grouped: dict[tuple, _Mark] = {}
    for (_, part), change in sorted(membership_changes.items()):
        claims = change["claims"]
        signature = tuple(sorted((w.lexical, tuple(sorted(s))) for w, s in claims.items()))
        key = ("membership", part, change["role"], change["cause"] or "",
               *(f"{d}|{'/'.join(s)}" for d, s in signature))
        mark = grouped.get(key)
        if mark is None:
            label = words["joins" if part == "start" else "leaves"].format(role=change["role"])
            if change["cause"]:
                label += f" ({change['cause']})"
            mark = grouped[key] = _Mark(key, "membership", label)
            for when, sources in claims.items():
                (mark.ends if part == "end" else mark.starts)[when] |= sources
        mark.members.add(change["member"])
    marks = list(items.values()) + list(grouped.values())
    marks = [m for m in marks if m.starts or m.ends]
    return sorted(marks, key=lambda m: (_LANES.index(m.lane), m.first, m.label, m.key))


_TIMELINE_CSS = """
.lane-title { font-size: 13px; font-weight: bold; }
.mark-label { font-size: 12px; }
.lane-band { fill: #f7f7f7; }
"""

_LEFT = 190.0
_RIGHT_MARGIN = 30.0
_SUBROW = 21.0
_LABEL_LIMIT = 64


def timeline_svg(rows: Iterable[Row], *, lang: str = "en", width: float = 1400) -> str:
    """Draw the council's history from the ``timeline`` view's rows.

    Lanes: the council's meetings and acts, the task force's milestones, membership changes
    (joins, suspensions, withdrawals) and the projects as spans. Every mark has a ``<title>``
    naming the thing, each claimed date and its source.
    """
    _check_lang(lang)
    words = _WORDS[lang]
    marks = timeline_marks(rows, lang)
    whens = [w for m in marks for w in (*m.starts, *m.ends)]
    first, last = _span(whens) if whens else (2000, 2000)
    axis = _Axis(first, last, _LEFT, width - _RIGHT_MARGIN)
    document = svg.Document(
        width, 100, ident="timeline", lang=lang, title=words["timeline_title"],
        desc=words["timeline_desc"].format(first=first, last=last, count=len(marks)),
        css=_TIMELINE_CSS)
    for lane, colour in _LANE_COLOURS.items():
        svg.hatch(document.defs, document.ref(f"hatch-{lane}"), colour)
    svg.add(document.root, "text", {"x": 20, "y": 32, "class": "heading"}, words["timeline_title"])
    top = 70.0
    body = svg.add(document.root, "g", {"class": "lanes"})
    y = top
    lane_bounds = []
    for lane in _LANES:
        lane_marks = [m for m in marks if m.lane == lane]
        if not lane_marks:
            continue
        lane_top = y
        band = svg.add(body, "g", {"class": f"lane lane-{lane}"})
        rect = svg.add(band, "rect", {"x": 10, "y": lane_top, "width": width - 20, "height": 0,
                                      "class": "lane-band", "rx": 4})
        title_lines = _fit(words[f"lane.{lane}"], 13, _LEFT - 34, bold=True)
        for number, line in enumerate(title_lines):
            svg.add(band, "text", {"x": 20, "y": lane_top + 20 + number * 16,
                                   "class": "lane-title", "fill": _LANE_COLOURS[lane]}, line)
        rows_used = _draw_lane(document, band, lane_marks, axis, lane_top + 8, words, lang, width)
        height = max(rows_used * _SUBROW + 16, len(title_lines) * 16 + 16)
        rect.set("height", svg.fmt(height))
        lane_bounds.append((lane_top, lane_top + height))
        y = lane_top + height + 10
    axis.draw(document.root, top - 6, y - 4, labels_at=(top - 10, y + 12))
    # The year grid is drawn after the lanes but must sit under the marks.
    grid = document.root[-1]
    document.root.remove(grid)
    document.root.insert(list(document.root).index(body), grid)
    last_line = _timeline_legend(document, y + 40, words, width - 20)
    document.resize(width, last_line + 24)
    return document.to_string()


def _fit(text: str, size: float, room: float, *, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``room`` px at ``size`` (a single word may overflow)."""
    lines: list[str] = []
    for word in text.split():
        if lines and svg.text_width(f"{lines[-1]} {word}", size, bold=bold) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _extent(axis: _Axis, when: When) -> tuple[float, float]:
    return axis.x(when.earliest), axis.x(when.latest, end_of_day=True)


def _draw_lane(document: svg.Document, parent: Element, marks: list[_Mark], axis: _Axis,
               top: float, words: dict[str, str], lang: str, width: float) -> int:
    """Draw a lane's marks, stacking labels into sub-rows so none overlap; returns the rows used."""
    colour = _LANE_COLOURS[marks[0].lane]
    hatch = f"url(#{document.ref('hatch-' + marks[0].lane)})"
    occupied: list[list[tuple[float, float]]] = []
    for mark in marks:
        label = mark.label
        if mark.members:
            names = sorted(mark.members, key=str.casefold)
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            label = f"{label}: {shown}"
        if mark.short:
            label = f"{mark.short}: {label}"
        visible = _shorten(label, _LABEL_LIMIT)
        drawn = (*mark.starts, *mark.ends) if mark.kind == "span" or _long(mark) else (
            tuple(mark.starts) or tuple(mark.ends))
        glyph_left = min(axis.x(w.earliest) for w in drawn)
        if mark.kind == "span":
            glyph_right = _span_right(mark, axis)
        else:
            glyph_right = max(axis.x(w.latest, end_of_day=True) for w in drawn)
        glyph_right = max(glyph_right, glyph_left + 10)
        text_width = svg.text_width(visible, 12)
        if glyph_right + 6 + text_width <= width - 16:
            text_x, anchor = glyph_right + 6, "start"
            extent = (glyph_left - 6, glyph_right + 10 + text_width)
        else:
            text_x, anchor = glyph_left - 6, "end"
            extent = (glyph_left - 10 - text_width, glyph_right + 6)
        row = next((i for i, used in enumerate(occupied)
                    if all(extent[1] < a or extent[0] > b for a, b in used)), len(occupied))
        if row == len(occupied):
            occupied.append([])
        occupied[row].append(extent)
        y = top + row * _SUBROW + _SUBROW / 2
        group = svg.mark(parent, _mark_alternative(mark, label, words, lang),
                         f"mark {mark.kind}")
        if mark.kind == "span":
            _draw_span(group, mark, axis, y, colour, hatch, words)
        elif mark.starts:
            if _long(mark):
                svg.add(group, "line", {
                    "x1": axis.x(min(mark.starts).earliest), "y1": y,
                    "x2": axis.x(max(mark.ends).latest, end_of_day=True), "y2": y,
                    "stroke": colour, "stroke-width": 3})
            for when in sorted(mark.starts):
                _draw_when(group, when, axis, y, colour, hatch)
        else:
            for when in sorted(mark.ends):
                _draw_when(group, when, axis, y, colour, hatch, square=True)
        svg.add(group, "text", {"x": text_x, "y": y + 4, "text-anchor": anchor,
                                "class": "mark-label"}, visible)
    return max(len(occupied), 1)


def _long(mark: _Mark) -> bool:
    """Whether an event lasts long enough (over a month) to be drawn as a line, not a point."""
    if not (mark.starts and mark.ends):
        return False
    return (max(mark.ends).latest - min(mark.starts).earliest).days > 31


def _draw_when(parent: Element, when: When, axis: _Axis, y: float, colour: str, hatch: str,
               *, square: bool = False) -> None:
    """A day as a dot (a square for an end), a month or year as a hatched extent."""
    if when.precision == "day":
        x = (axis.x(when.earliest) + axis.x(when.latest, end_of_day=True)) / 2
        if square:
            svg.add(parent, "rect", {"x": x - 5, "y": y - 5, "width": 10, "height": 10,
                                     "fill": colour})
        else:
            svg.add(parent, "circle", {"cx": x, "cy": y, "r": 5.5, "fill": colour})
        return
    left, right = _extent(axis, when)
    svg.add(parent, "rect", {"x": left, "y": y - 6, "width": max(right - left, 4), "height": 12,
                             "fill": hatch, "stroke": colour, "stroke-width": 1.2})


def _span_right(mark: _Mark, axis: _Axis) -> float:
    if mark.ends:
        return max(axis.x(w.latest, end_of_day=True) for w in mark.ends)
    return axis.x(max(mark.starts).latest, end_of_day=True) + axis.year_width


def _draw_span(parent: Element, mark: _Mark, axis: _Axis, y: float, colour: str, hatch: str,
               words: dict[str, str]) -> None:
    """A project: solid where it surely ran, hatched where a month or year leaves it open,
    fading out when no end is given."""
    starts = sorted(mark.starts) or sorted(mark.ends)
    solid_left = max(axis.x(w.latest, end_of_day=True) if w.precision != "day"
                     else axis.x(w.earliest) for w in starts)
    for when in starts:
        if when.precision != "day":
            _draw_when(parent, when, axis, y, colour, hatch)
    if mark.ends:
        ends = sorted(mark.ends)
        solid_right = min(axis.x(w.earliest) if w.precision != "day"
                          else axis.x(w.latest, end_of_day=True) for w in ends)
        if solid_right > solid_left:
            svg.add(parent, "rect", {"x": solid_left, "y": y - 6, "width": solid_right - solid_left,
                                     "height": 12, "fill": colour})
        for when in ends:
            if when.precision != "day":
                _draw_when(parent, when, axis, y, colour, hatch)
        return
    fade_id = "fade-" + re.sub(r"[^A-Za-z0-9-]", "-", mark.key[0])
    gradient = svg.add(parent, "linearGradient", {"id": fade_id})
    svg.add(gradient, "stop", {"offset": "0", "stop-color": colour})
    svg.add(gradient, "stop", {"offset": "1", "stop-color": colour, "stop-opacity": "0"})
    svg.add(parent, "rect", {"x": solid_left, "y": y - 6, "width": axis.year_width,
                             "height": 12, "fill": f"url(#{fade_id})"})


def _mark_alternative(mark: _Mark, label: str, words: dict[str, str], lang: str) -> str:
    names = sorted(mark.members, key=str.casefold)
    subject = f"{mark.label}: {', '.join(names)}" if names else mark.label
    if mark.short:
        subject += f" ({mark.short})"
    parts = [subject]
    if mark.starts:
        prefix = f"{words['start']}: " if mark.kind == "span" or mark.ends else ""
        parts.append(prefix + _claims_text(mark.starts, lang))
    if mark.ends:
        prefix = f"{words['end']}: " if mark.kind == "span" or mark.starts else ""
        parts.append(prefix + _claims_text(mark.ends, lang))
    elif mark.kind == "span":
        parts.append(words["end_unknown"])
    return " — ".join(parts)


def _timeline_legend(document: svg.Document, y: float, words: dict[str, str],
                     right: float) -> float:
    """Draw the timeline's legend from ``y``; returns the height of its last line."""
    legend = _Legend(document.root, y, right)
    colour = _LANE_COLOURS["council"]
    hatch = f"url(#{document.ref('hatch-council')})"
    legend.add(lambda g, a, b: svg.add(
        g, "circle", {"cx": a + 8, "cy": b, "r": 5.5, "fill": colour}), words["legend_day"])
    legend.add(lambda g, a, b: svg.add(
        g, "rect", {"x": a + 3, "y": b - 5, "width": 10, "height": 10, "fill": colour}),
        words["legend_end"])
    legend.add(lambda g, a, b: svg.add(
        g, "rect", {"x": a, "y": b - 6, "width": 18, "height": 12, "fill": hatch,
                    "stroke": colour, "stroke-width": 1.2}), words["legend_uncertain"])
    fade = document.ref("legend-fade")
    gradient = svg.add(document.defs, "linearGradient", {"id": fade})
    svg.add(gradient, "stop", {"offset": "0", "stop-color": _LANE_COLOURS["projects"]})
    svg.add(gradient, "stop", {"offset": "1", "stop-color": _LANE_COLOURS["projects"],
                               "stop-opacity": "0"})
    legend.add(lambda g, a, b: svg.add(
        g, "rect", {"x": a, "y": b - 6, "width": 18, "height": 12, "fill": f"url(#{fade})"}),
        words["end_unknown"])
    return legend.y


# The participation grid -----------------------------------------------------------------------


@dataclass
class _Participation:
    roles: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)


_CELL_W = 46.0
_CELL_H = 28.0
_HEADING_LIMIT = 28
"""Characters of a column heading; the column's ``<title>`` has the whole name."""
_HEADING_LINE = 26.0

_GRID_CSS = """
.cell-empty { fill: #ffffff; stroke: #c4c4c4; }
.cell-filled { fill: #1f4e8c; stroke: #1f4e8c; }
.row-label, .column-label { font-size: 13px; }
.total { font-size: 12px; fill: #4d4d4d; }
.highlight { fill: #fff1b8; stroke: #8a6d00; stroke-width: 1.5; }
"""


def participation_grid(rows: Iterable[Row], lang: str = "en") -> tuple[
        list[tuple[str, str]], list[tuple[str, str, str]],
        dict[tuple[str, str], _Participation]]:
    """States (IRI, label), projects (IRI, label, column heading) in drawing order, and the
    filled cells; a project's heading is its acronym when the graph gives one."""
    _check_lang(lang)
    states: dict[str, str] = {}
    projects: dict[str, tuple[datetime.date, str]] = {}
    cells: dict[tuple[str, str], _Participation] = defaultdict(_Participation)
    headings: dict[str, str] = {}
    far = datetime.date.max
    for row in rows:
        state, project = row.get("state"), row.get("project")
        if state is not None:
            states[str(state)] = _text(row, "state", lang) or _curie(state)
        if project is not None:
            start = When.parse(row.get("start"))
            label = _text(row, "project", lang) or _curie(project)
            known = projects.get(str(project), (far, label))
            projects[str(project)] = (min(known[0], start.earliest if start else far), label)
            if "project_short" in row:
                short = str(row["project_short"])
                headings[str(project)] = min(headings.get(str(project), short), short)
        if state is not None and project is not None:
            cell = cells[(str(state), str(project))]
            role = _text(row, "role", lang)
            if role:
                cell.roles.add(role)
            source = _source(row)
            if source:
                cell.sources.add(source)
    state_order = sorted(states.items(), key=lambda s: (s[1].casefold(), s[0]))
    project_order = sorted(projects.items(), key=lambda p: (p[1][0], p[1][1].casefold(), p[0]))
    return state_order, [(iri, label, headings.get(iri, label))
                         for iri, (_, label) in project_order], dict(cells)


def participation_svg(rows: Iterable[Row], *, lang: str = "en",
                      highlight: str | None = None) -> str:
    """Draw the grid of states and projects from the ``participation`` view's rows: a filled cell
    is a participation the graph records (its title names the role and the source).

    ``highlight`` (a state's or a project's IRI) marks its row or column, for the page of that
    state or project."""
    _check_lang(lang)
    words = _WORDS[lang]
    states, projects, cells = participation_grid(rows, lang)
    row_label_width = max((svg.text_width(label, 13) for _, label in states), default=80) + 30
    headings = [_shorten(heading, _HEADING_LIMIT) for _, _, heading in projects]
    heading_widths = [svg.text_width(heading, 13, bold=True) for heading in headings]
    left = 20 + row_label_width
    # A heading is turned 45 degrees: it reaches above and to the right of its column by its
    # length times cos 45°, and the picture must hold the last one whole.
    reach = max((left + (column + 0.5) * _CELL_W + w * 0.72 + 20
                 for column, w in enumerate(heading_widths)), default=0)
    width = max(left + len(projects) * _CELL_W + 90, reach, 520)
    title_lines = _fit(words["participation_title"], 20, width - 40, bold=True)
    top = 60 + (len(title_lines) - 1) * _HEADING_LINE + max(heading_widths, default=60) * 0.72 + 30
    height = top + len(states) * _CELL_H + 90
    document = svg.Document(
        width, height, ident="participation", lang=lang, title=words["participation_title"],
        desc=words["participation_desc"].format(states=len(states), projects=len(projects),
                                                cells=len(cells)),
        css=_GRID_CSS)
    for number, line in enumerate(title_lines):
        svg.add(document.root, "text", {"x": 20, "y": 32 + number * _HEADING_LINE,
                                        "class": "heading"}, line)
    headers = svg.add(document.root, "g", {"class": "columns"})
    for column, ((project, label, _), heading) in enumerate(zip(projects, headings,
                                                                strict=True)):
        x = left + column * _CELL_W + _CELL_W / 2
        group = svg.mark(headers, label)
        svg.add(group, "text", {"x": x, "y": top - 10, "class": "column-label",
                                "transform": f"rotate(-45 {svg.fmt(x)} {svg.fmt(top - 10)})",
                                "font-weight": "bold" if project == highlight else None},
                heading)
    grid = svg.add(document.root, "g", {"class": "cells"})
    for column, (project, _, _) in enumerate(projects):
        if project == highlight:
            svg.add(grid, "rect", {"x": left + column * _CELL_W, "y": top - 4, "width": _CELL_W,
                                   "height": len(states) * _CELL_H + 8, "class": "highlight"})
    for row_number, (state, state_label) in enumerate(states):
        y = top + row_number * _CELL_H
        if state == highlight:
            svg.add(grid, "rect", {"x": 14, "y": y, "width": left + len(projects) * _CELL_W + 30,
                                   "height": _CELL_H, "class": "highlight"})
        svg.add(grid, "text", {"x": left - 12, "y": y + _CELL_H / 2 + 5, "text-anchor": "end",
                               "class": "row-label", "font-weight": "bold"
                               if state == highlight else None}, state_label)
        count = 0
        for column, (project, project_label, _) in enumerate(projects):
            x = left + column * _CELL_W
            cell = cells.get((state, project))
            if cell is None:
                svg.add(grid, "rect", {"x": x + 2, "y": y + 2, "width": _CELL_W - 4,
                                       "height": _CELL_H - 4, "class": "cell-empty", "rx": 3})
                continue
            count += 1
            roles = f" ({', '.join(sorted(cell.roles))})" if cell.roles else ""
            sources = sorted(cell.sources)
            noun = words["source"] if len(sources) == 1 else words["sources"]
            alternative = (f"{state_label} {words['took_part']} {project_label}{roles} — "
                           f"{noun}: {', '.join(sources)}")
            group = svg.mark(grid, alternative, "cell")
            svg.add(group, "rect", {"x": x + 2, "y": y + 2, "width": _CELL_W - 4,
                                    "height": _CELL_H - 4, "class": "cell-filled", "rx": 3})
            svg.add(group, "path", {
                "d": f"M{svg.fmt(x + _CELL_W / 2 - 7)},{svg.fmt(y + _CELL_H / 2)} l5,5 l9,-10",
                "fill": "none", "stroke": "#ffffff", "stroke-width": 2.5,
                "stroke-linecap": "round", "stroke-linejoin": "round"})
        svg.add(grid, "text", {"x": left + len(projects) * _CELL_W + 14,
                               "y": y + _CELL_H / 2 + 5, "class": "total"}, str(count))
    bottom = top + len(states) * _CELL_H
    for column, (project, _, _) in enumerate(projects):
        count = sum(1 for state, _ in states if (state, project) in cells)
        svg.add(grid, "text", {"x": left + column * _CELL_W + _CELL_W / 2, "y": bottom + 20,
                               "text-anchor": "middle", "class": "total"}, str(count))
    svg.add(grid, "text", {"x": left - 12, "y": bottom + 20, "text-anchor": "end",
                           "class": "total"}, words["total"])
    _Legend(document.root, bottom + 56, width - 20).add(lambda g, a, b: svg.add(
        g, "rect", {"x": a, "y": b - 8, "width": 18, "height": 16, "class": "cell-filled",
                    "rx": 3}), words["legend_participation"])
    return document.to_string()


# Membership over time -------------------------------------------------------------------------


@dataclass
class _Period:
    """One membership: its role and every claim about its beginning, end and attestation."""

    iri: str
    member: str
    member_label: str
    role: str
    role_group: str
    cause: str | None = None
    starts: dict[When, set[str]] = field(default_factory=lambda: defaultdict(set))
    ends: dict[When, set[str]] = field(default_factory=lambda: defaultdict(set))
    attested: dict[When, set[str]] = field(default_factory=lambda: defaultdict(set))


def membership_periods(rows: Iterable[Row], lang: str = "en") -> tuple[str, list[_Period]]:
    """The organisation's label and its memberships, grouped from the ``membership`` view."""
    _check_lang(lang)
    periods: dict[str, _Period] = {}
    organisation = ""
    for row in rows:
        organisation = organisation or _text(row, "organisation", lang) or _curie(
            row["organisation"])
        iri = str(row["membership"])
        period = periods.get(iri)
        if period is None:
            role = row.get("role")
            period = periods[iri] = _Period(
                iri, str(row["member"]), _text(row, "member", lang) or _curie(row["member"]),
                _text(row, "role", lang) or (_curie(role) if role else ""),
                _ROLE_GROUPS.get(role, "other") if isinstance(role, URIRef) else "other",
                _text(row, "cause", lang))
        period.cause = period.cause or _text(row, "cause", lang)
        when = When.parse(row.get("date"))
        if when is not None:
            target = {"start": period.starts, "end": period.ends,
                      "attested": period.attested}[str(row["part"])]
            target[when].add(_source(row) or "")
    return organisation, sorted(periods.values(), key=lambda p: (p.member_label.casefold(),
                                                                 _first_date(p), p.iri))


def _first_date(period: _Period) -> datetime.date:
    dates = [w.earliest for w in (*period.starts, *period.attested, *period.ends)]
    return min(dates, default=datetime.date.max)


_MEMBERSHIP_CSS = """
.member-label { font-size: 13px; }
.period-note { font-size: 11px; fill: #4d4d4d; }
.role-on-bar { font-size: 11px; font-weight: bold; fill: #ffffff; }
.role-on-hatch { font-size: 11px; font-weight: bold; fill: #1a1a1a; paint-order: stroke;
  stroke: #ffffff; stroke-width: 3px; }
"""


def membership_svg(rows: Iterable[Row], *, lang: str = "en", width: float = 1400,
                   highlight: str | None = None) -> str:
    """Draw who was a member when, from the ``membership`` view's rows.

    One row per member; a bar per membership coloured by role. A period with no end runs to
    the right edge with an arrow (it continues); a period whose beginning no source gives starts
    with a dashed stub and a question mark before its first attestation (diamonds).
    ``highlight`` (a member's IRI) marks that member's row.
    """
    _check_lang(lang)
    words = _WORDS[lang]
    organisation, periods = membership_periods(rows, lang)
    members: dict[str, list[_Period]] = defaultdict(list)
    for period in periods:
        members[period.member].append(period)
    order = sorted(members, key=lambda m: (min(_first_date(p) for p in members[m]),
                                           members[m][0].member_label.casefold(), m))
    whens = [w for p in periods for w in (*p.starts, *p.ends, *p.attested)]
    first, last = _span(whens) if whens else (2000, 2000)
    last += 1
    left = max((svg.text_width(members[m][0].member_label, 13) for m in order), default=80) + 40
    axis = _Axis(first, last, left, width - 40)
    title = words["membership_title"].format(organisation=organisation)
    top = 74.0
    document = svg.Document(
        width, 100, ident="membership", lang=lang, title=title,
        desc=words["membership_desc"].format(members=len(order), periods=len(periods)),
        css=_MEMBERSHIP_CSS)
    for group, colour in _ROLE_COLOURS.items():
        svg.hatch(document.defs, document.ref(f"hatch-{group}"), colour)
    arrow = document.ref("arrow")
    marker = svg.add(document.defs, "marker", {
        "id": arrow, "viewBox": "0 0 10 10", "refX": 1, "refY": 5, "markerWidth": 8,
        "markerHeight": 8, "orient": "auto", "markerUnits": "userSpaceOnUse"})
    svg.add(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": "#333333"})
    svg.add(document.root, "text", {"x": 20, "y": 32, "class": "heading"}, title)
    body = svg.add(document.root, "g", {"class": "members"})
    y = top
    for number, member in enumerate(order):
        lanes = _pack_periods(members[member], axis, words)
        height = len(lanes) * _PERIOD_ROW + 8
        group = svg.add(body, "g", {"class": "member"})
        if member == highlight:
            svg.add(group, "rect", {"x": 10, "y": y, "width": width - 20, "height": height,
                                    "fill": "#fff1b8", "stroke": "#8a6d00"})
        elif number % 2 == 0:
            svg.add(group, "rect", {"x": 10, "y": y, "width": width - 20, "height": height,
                                    "fill": "#f5f5f5"})
        svg.add(group, "text", {"x": left - 14, "y": y + 4 + _PERIOD_ROW / 2 + 5,
                                "text-anchor": "end", "class": "member-label",
                                "font-weight": "bold" if member == highlight else None},
                members[member][0].member_label)
        for lane, lane_periods in enumerate(lanes):
            middle = y + 4 + lane * _PERIOD_ROW + _PERIOD_ROW / 2
            for period in lane_periods:
                followed = bool(period.ends) and any(
                    other.starts and min(other.starts).earliest >= min(period.ends).earliest
                    for other in members[member] if other is not period)
                _draw_period(document, group, period, axis, middle, words, lang, arrow,
                             show_cause=not followed)
        y += height
    bottom = y
    axis.draw(document.root, top - 6, bottom, labels_at=(top - 12, bottom + 16))
    grid = document.root[-1]
    document.root.remove(grid)
    document.root.insert(list(document.root).index(body), grid)
    last_line = _membership_legend(document, bottom + 50, words, arrow, width - 20)
    document.resize(width, last_line + 26)
    return document.to_string()


_PERIOD_ROW = 24.0
_STUB_YEARS = 1.5


def _stub_start(axis: _Axis, anchor: float) -> float:
    """Where the dashed lead-in of a period with no known beginning starts."""
    return max(axis.left + 14, anchor - axis.year_width * _STUB_YEARS)


def _period_extent(period: _Period, axis: _Axis, words: dict[str, str]) -> tuple[float, float]:
    """The horizontal room a period's drawing takes, including its notes."""
    if period.starts:
        left = min(axis.x(w.earliest) for w in period.starts)
    elif period.attested or period.ends:
        anchor = min(period.attested).earliest if period.attested else min(period.ends).earliest
        left = _stub_start(axis, axis.x(anchor)) - 12
    else:
        note = f"{period.role} — {words['no_dates']}"
        return axis.left, axis.left + 6 + svg.text_width(note, 11)
    if period.ends:
        right = max(axis.x(w.latest, end_of_day=True) for w in period.ends)
        right += 6 + svg.text_width(period.cause or "", 11)
    else:
        right = axis.right
    return left, right


def _pack_periods(periods: list[_Period], axis: _Axis,
                  words: dict[str, str]) -> list[list[_Period]]:
    """Put a member's periods into as few sub-rows as possible without overlapping drawings."""
    lanes: list[list[tuple[float, float, _Period]]] = []
    ordered = sorted(periods, key=lambda p: (_period_extent(p, axis, words), p.iri))
    for period in ordered:
        left, right = _period_extent(period, axis, words)
        lane = next((lane for lane in lanes if lane[-1][1] + 4 < left), None)
        if lane is None:
            lanes.append(lane := [])
        lane.append((left, right, period))
    return [[period for _, _, period in lane] for lane in lanes] or [[]]


def _draw_period(document: svg.Document, parent: Element, period: _Period, axis: _Axis, y: float,
                 words: dict[str, str], lang: str, arrow: str, *, show_cause: bool) -> None:
    """One membership as a bar; its cause of ending is written after it unless the member's
    next period (which shows what followed) starts right there."""
    colour = _ROLE_COLOURS[period.role_group]
    suspended = period.role_group == "suspended"
    fill = f"url(#{document.ref('hatch-suspended')})" if suspended else colour
    hatch = f"url(#{document.ref('hatch-' + period.role_group)})"
    group = svg.mark(parent, _period_alternative(period, words, lang), "period")
    height = 14.0
    if period.starts:
        starts = sorted(period.starts)
        solid_left = max(axis.x(w.latest, end_of_day=True) if w.precision != "day"
                         else axis.x(w.earliest) for w in starts)
        for when in starts:
            if when.precision != "day":
                left, right = _extent(axis, when)
                svg.add(group, "rect", {"x": left, "y": y - height / 2, "width": right - left,
                                        "height": height, "fill": hatch, "stroke": colour})
    elif period.attested or period.ends:
        anchor = min(period.attested).earliest if period.attested else min(period.ends).earliest
        solid_left = axis.x(anchor)
        stub_left = _stub_start(axis, solid_left)
        svg.add(group, "line", {"x1": stub_left, "y1": y, "x2": solid_left, "y2": y,
                                "stroke": colour, "stroke-width": 3, "stroke-dasharray": "4 3"})
        svg.add(group, "text", {"x": stub_left - 3, "y": y + 4, "text-anchor": "end",
                                "class": "period-note", "font-weight": "bold"}, "?")
    else:
        svg.add(group, "text", {"x": axis.left + 6, "y": y + 4, "class": "period-note"},
                f"{period.role} — {words['no_dates']}")
        return
    if period.ends:
        ends = sorted(period.ends)
        solid_right = min(axis.x(w.earliest) if w.precision != "day"
                          else axis.x(w.latest, end_of_day=True) for w in ends)
        for when in ends:
            if when.precision != "day":
                left, right = _extent(axis, when)
                svg.add(group, "rect", {"x": left, "y": y - height / 2, "width": right - left,
                                        "height": height, "fill": hatch, "stroke": colour})
        end_x = max(solid_right, solid_left + 3)
    else:
        end_x = axis.right - 8
    svg.add(group, "rect", {"x": solid_left, "y": y - height / 2, "width": end_x - solid_left,
                            "height": height, "fill": fill, "stroke": colour})
    if not period.ends:
        svg.add(group, "line", {"x1": end_x, "y1": y, "x2": end_x + 1, "y2": y,
                                "stroke": "#333333", "marker-end": f"url(#{arrow})"})
    elif period.cause and show_cause:
        svg.add(group, "text", {"x": end_x + 6, "y": y + 4, "class": "period-note"},
                period.cause)
    for when in sorted(period.attested):
        x = axis.x(when.earliest)
        svg.add(group, "path", {"d": f"M{svg.fmt(x)},{svg.fmt(y - 7)} l6,7 l-6,7 l-6,-7 z",
                                "fill": "#ffffff", "stroke": "#1a1a1a", "stroke-width": 1.5})
    if end_x - solid_left > svg.text_width(period.role, 11, bold=True) + 16:
        svg.add(group, "text", {"x": solid_left + 8, "y": y + 4,
                                "class": "role-on-hatch" if suspended else "role-on-bar"},
                period.role)


def _period_alternative(period: _Period, words: dict[str, str], lang: str) -> str:
    parts = [f"{period.member_label}: {period.role}"]
    parts.append(f"{words['from']} {_claims_text(period.starts, lang)}" if period.starts
                 else words["begin_unknown"])
    if period.ends:
        parts.append(f"{words['until']} {_claims_text(period.ends, lang)}")
    else:
        parts.append(words["continuing"])
    if period.cause:
        parts.append(f"{words['ended_by']}: {period.cause}")
    if period.attested:
        parts.append(f"{words['attested']} {_claims_text(period.attested, lang)}")
    return " — ".join(parts)


def _membership_legend(document: svg.Document, y: float, words: dict[str, str], arrow: str,
                       right: float) -> float:
    """Draw the membership chart's legend from ``y``; returns the height of its last line."""
    legend = _Legend(document.root, y, right)
    for group in ("member", "observer", "suspended", "other"):
        colour = _ROLE_COLOURS[group]
        fill = f"url(#{document.ref('hatch-suspended')})" if group == "suspended" else colour
        legend.add(lambda g, a, b, f=fill, c=colour: svg.add(
            g, "rect", {"x": a, "y": b - 7, "width": 18, "height": 14, "fill": f, "stroke": c}),
            words[f"role.{group}"])
    legend.add(lambda g, a, b: svg.add(
        g, "line", {"x1": a, "y1": b, "x2": a + 8, "y2": b, "stroke": "#333333",
                    "marker-end": f"url(#{arrow})"}), words["continuing"])
    legend.add(lambda g, a, b: svg.add(
        g, "line", {"x1": a, "y1": b, "x2": a + 18, "y2": b, "stroke": _ROLE_COLOURS["member"],
                    "stroke-width": 3, "stroke-dasharray": "4 3"}), words["legend_unknown_begin"])
    legend.add(lambda g, a, b: svg.add(
        g, "path", {"d": f"M{svg.fmt(a + 9)},{svg.fmt(b - 7)} l6,7 l-6,7 l-6,-7 z",
                    "fill": "#ffffff", "stroke": "#1a1a1a", "stroke-width": 1.5}),
        words["legend_attested"])
    hatch = f"url(#{document.ref('hatch-member')})"
    legend.add(lambda g, a, b: svg.add(
        g, "rect", {"x": a, "y": b - 7, "width": 18, "height": 14, "fill": hatch,
                    "stroke": _ROLE_COLOURS["member"]}), words["legend_uncertain"])
    return legend.y


RENDERERS: dict[str, Callable[..., str]] = {
    "timeline": timeline_svg,
    "participation": participation_svg,
    "membership": membership_svg,
}
"""View name → the function drawing its rows (``rows, *, lang``)."""


def render_view(view: str, rows: Iterable[Row], *, lang: str = "en", **options: object) -> str:
    """Draw the picture of ``view`` from rows however they were obtained (rdflib or a store);
    ``options`` go to the renderer (``highlight=`` an IRI for participation and membership).

    The views give their rows in no order (sorting would keep a store from stopping at
    :data:`MAX_ROWS`), so they are put in one order here first: the picture depends on the
    set of rows only."""
    return RENDERERS[view](sorted(rows, key=_row_key), lang=lang, **options)


def _row_key(row: Row) -> list[tuple[str, str, str, str, str]]:
    """A row's place in the one order: its variables with each term's kind, text, datatype and
    language."""
    return sorted((name, type(term).__name__, str(term),
                   str(getattr(term, "datatype", None) or ""),
                   getattr(term, "language", None) or "") for name, term in row.items())
