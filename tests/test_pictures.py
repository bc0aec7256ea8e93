"""The pictures of the graph, checked against the graph itself.

What should be drawn is found here by walking the graph with rdflib (not by the views the
pictures use), and each expected thing must have a mark whose text alternative names it. Edge
cases of drawing (dates known only to the year, unknown beginnings, conflicting sources) are
checked on small hand-made rows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS, TIME, XSD

from cbss_kg import pictures, svg
from cbss_kg.config import Project
from cbss_kg.load import Sources, load_project
from cbss_kg.namespaces import CBSS, ELI, GRAPH, ID, SDO
from cbss_kg.queries import Query, load_catalog

SVG = "{http://www.w3.org/2000/svg}"
COUNCIL = ID["org/cbss"]
DATES = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)


@pytest.fixture(scope="module")
def sources(project: Project) -> Sources:
    return load_project(project)


@pytest.fixture(scope="module")
def catalog(project: Project) -> dict[str, Query]:
    return load_catalog(project)


@pytest.fixture(scope="module")
def data(sources: Sources) -> Graph:
    return sources.union()


@pytest.fixture(scope="module")
def drawn(sources: Sources, catalog: dict[str, Query]) -> dict[tuple[str, str], str]:
    """Every picture in every language, drawn once from the project's graph."""
    rows = {view: pictures.view_rows(sources.dataset, catalog[view])
            for view in pictures.PICTURES.values()}
    return {(view, lang): pictures.render_view(view, rows[view], lang=lang)
            for view in rows for lang in pictures.LANGUAGES}


def marks(svg_text: str, css_class: str) -> list[tuple[ET.Element, str]]:
    """The groups of ``css_class`` with the text of their ``<title>``."""
    root = ET.fromstring(svg_text)
    found = []
    for group in root.iter(f"{SVG}g"):
        if css_class in group.get("class", "").split():
            title = group.find(f"{SVG}title")
            assert title is not None and title.text, f"a {css_class} mark has no text alternative"
            found.append((group, title.text))
    return found


def label(graph: Graph, node: URIRef, lang: str) -> str:
    found = [str(x) for x in graph.objects(node, SKOS.prefLabel)
             if isinstance(x, Literal) and x.language == lang]
    assert found, f"{node} has no {lang} label"
    return found[0]


def event_classes(graph: Graph) -> set[URIRef]:
    classes = {SDO.Event}
    while True:
        more = {s for c in classes for s in graph.subjects(RDFS.subClassOf, c)} - classes
        if not more:
            return classes
        classes |= {c for c in more if isinstance(c, URIRef)}


def dated_things(graph: Graph) -> Iterator[URIRef]:
    """Events, acts and projects with a date, walked by hand."""
    for cls in (*event_classes(graph), CBSS.Project):
        for thing in set(graph.subjects(RDF.type, cls)):
            if (thing, SDO.startDate, None) in graph or (thing, SDO.endDate, None) in graph:
                yield thing
    for act in set(graph.subjects(RDF.type, ELI.LegalResource)):
        if (act, DCTERMS.date, None) in graph:
            yield act


def dated_memberships(graph: Graph) -> Iterator[URIRef]:
    for membership in set(graph.subjects(ORG.organization, COUNCIL)):
        for interval in graph.objects(membership, ORG.memberDuring):
            for edge in (TIME.hasBeginning, TIME.hasEnd):
                for instant in graph.objects(interval, edge):
                    if any((instant, p, None) in graph for p in DATES):
                        yield membership


def council_memberships(graph: Graph) -> set[URIRef]:
    return {m for m in graph.subjects(ORG.organization, COUNCIL)
            if (m, RDF.type, CBSS.ProjectParticipation) not in graph}


def participations(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    return {(state, project)
            for p in graph.subjects(RDF.type, CBSS.ProjectParticipation)
            for state in graph.objects(p, ORG.member)
            for project in graph.objects(p, ORG.organization)
            if (state, RDF.type, CBSS.State) in graph}


def copy_of(dataset: Dataset) -> Dataset:
    copy = Dataset(default_union=True)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        copy.graph(g).add((s, p, o))
    return copy


# Every picture --------------------------------------------------------------------------------


@pytest.mark.parametrize("view", sorted(pictures.PICTURES.values()))
@pytest.mark.parametrize("lang", pictures.LANGUAGES)
def test_picture_is_accessible_svg(drawn: dict, view: str, lang: str) -> None:
    root = ET.fromstring(drawn[(view, lang)])
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("lang") == lang
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for element in root.iter():
        for value in element.attrib.values():
            if value.startswith("url(#"):
                assert value[5:-1] in ids, f"reference to a missing definition {value}"
            assert "http://" not in value.replace(
                "http://www.w3.org/2000/svg", ""), "pictures must not fetch anything"


def test_pictures_are_deterministic(sources: Sources, catalog: dict[str, Query]) -> None:
    first = pictures.render_pictures(sources.dataset, catalog)
    assert first == pictures.render_pictures(sources.dataset, catalog)
    assert set(first) == {"timeline.svg", "participation.svg", "membership.svg"}


def test_pictures_in_every_language(sources: Sources, catalog: dict[str, Query],
                                    drawn: dict) -> None:
    """English keeps the plain file name, Latvian goes before the suffix."""
    both = pictures.render_pictures(sources.dataset, catalog, languages=pictures.LANGUAGES)
    assert set(both) == {"timeline.svg", "timeline.lv.svg", "participation.svg",
                         "participation.lv.svg", "membership.svg", "membership.lv.svg"}
    for name, view in pictures.PICTURES.items():
        for lang in pictures.LANGUAGES:
            assert both[pictures.file_name(name, lang)] == drawn[(view, lang)]


# Views too large to draw ----------------------------------------------------------------------


class Views:
    """A store's view runner over rows at hand: gives at most the rows it is asked for and
    records what each view was asked for."""

    def __init__(self, rows: dict[str, list[dict]]) -> None:
        self.rows = rows
        self.asked: list[tuple[str, int]] = []

    def __call__(self, view: Query, limit: int) -> list[dict]:
        self.asked.append((view.name, limit))
        return self.rows[view.name][:limit]


def many_rows(view: str, count: int) -> list[dict]:
    """``count`` distinct rows of ``view``, each a thing of its own."""
    if view == "timeline":
        return [row(item=ID[f"event/e{n}"], lane="council", part="start",
                    date=date("2001-05-02"), label_en=f"Meeting {n}") for n in range(count)]
    if view == "membership":
        return [row(organisation=COUNCIL, organisation_en="Council of the Baltic Sea States",
                    membership=ID[f"membership/m{n}"], member=ID[f"state/s{n}"],
                    member_en=f"State {n}", part="start", date=date("1992")) for n in range(count)]
    return [row(state=ID[f"state/s{n // 50}"], state_en=f"State {n // 50}",
                project=ID[f"project/p{n % 50}"], project_en=f"Project {n % 50}",
                source=GRAPH["source/a"]) for n in range(count)]


def test_a_view_with_too_many_rows_gives_a_picture_saying_so(catalog: dict[str, Query]) -> None:
    views = Views({view: many_rows(view, 3 * pictures.MAX_ROWS)
                   for view in pictures.PICTURES.values()})
    drawn = pictures.render_pictures(Dataset(), catalog, languages=pictures.LANGUAGES, run=views)
    assert sorted(views.asked) == [(view, pictures.MAX_ROWS + 1)
                                   for view in sorted(pictures.PICTURES.values())]
    assert set(drawn) == {pictures.file_name(name, lang)
                          for name in pictures.PICTURES for lang in pictures.LANGUAGES}
    limits = {"en": "more than 2,000 rows", "lv": "vairāk nekā 2000 rindu"}
    too_many = {"en": "too many", "lv": "pārāk daudz"}
    for name, view in pictures.PICTURES.items():
        for lang in pictures.LANGUAGES:
            text = drawn[pictures.file_name(name, lang)]
            assert len(text) < 3_000, "the picture is a short note, not a drawing"
            root = ET.fromstring(text)
            assert root.tag == f"{SVG}svg" and root.get("role") == "img"
            assert root.get("lang") == lang
            title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
            assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
            assert too_many[lang] in title.text
            assert limits[lang] in desc.text and f"queries/views/{view}.rq" in desc.text
            shown = " ".join(t.text for t in root.iter(f"{SVG}text"))
            assert title.text in shown and desc.text in shown
            assert not marks(text, "mark") and not marks(text, "cell")
    assert "Council of the Baltic Sea States" in ET.fromstring(
        drawn["membership.svg"]).find(f"{SVG}title").text
    assert drawn == pictures.render_pictures(Dataset(), catalog, languages=pictures.LANGUAGES,
                                             run=Views(views.rows))


@pytest.mark.parametrize("count", [pictures.MAX_ROWS, pictures.MAX_ROWS + 1])
def test_a_picture_is_drawn_up_to_max_rows(catalog: dict[str, Query], count: int) -> None:
    rows = {view: many_rows(view, 3) for view in pictures.PICTURES.values()}
    rows["participation"] = many_rows("participation", count)
    drawn = pictures.render_pictures(Dataset(), catalog, run=Views(rows))
    cells = marks(drawn["participation.svg"], "cell")
    if count <= pictures.MAX_ROWS:
        assert len(cells) == count
        assert ET.fromstring(drawn["participation.svg"]).find(f"{SVG}title").text == \
            "Participation of states in the task force's projects"
    else:
        assert not cells
    assert len(marks(drawn["timeline.svg"], "mark")) == 3


def test_rdflib_reads_a_view_only_up_to_its_limit(sources: Sources,
                                                  catalog: dict[str, Query]) -> None:
    every = pictures.view_rows(sources.dataset, catalog["timeline"])
    some = pictures.view_rows(sources.dataset, catalog["timeline"], limit=5)
    assert len(every) > 5 and len(some) == 5
    assert all(r in every for r in some)


def test_a_picture_does_not_depend_on_the_order_of_rows() -> None:
    """Views give rows in no order: a membership ended for two causes by two sources is drawn
    the same whichever row comes first."""
    base = {"organisation": COUNCIL, "organisation_en": "Council", "membership": ID["m/a"],
            "member": ID["state/RU"], "member_en": "Russian Federation", "part": "end",
            "date": date("2022-03-03")}
    membership = [row(**base, cause_en="suspension", source=GRAPH["source/a"]),
                  row(**base, cause_en="withdrawal", source=GRAPH["source/b"])]
    timeline = [dict(r, item=r["membership"], lane="membership") for r in membership]
    for view, rows in (("membership", membership), ("timeline", timeline)):
        assert pictures.render_view(view, rows) == pictures.render_view(view, rows[::-1])
    renderer = pictures.RENDERERS["membership"]
    assert renderer(membership) != renderer(membership[::-1]), "the order does matter to it"


# The timeline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", pictures.LANGUAGES)
def test_every_dated_thing_has_a_mark_with_its_label(data: Graph, drawn: dict, lang: str) -> None:
    titles = [title for _, title in marks(drawn[("timeline", lang)], "mark")]
    things = set(dated_things(data))
    assert things, "the graph has no dated events, acts or projects"
    for thing in things:
        name = label(data, thing, lang)
        assert any(title.startswith(name) for title in titles), f"no mark for {name}"


@pytest.mark.parametrize("lang", pictures.LANGUAGES)
def test_every_membership_change_has_a_mark(data: Graph, drawn: dict, lang: str) -> None:
    root = ET.fromstring(drawn[("timeline", lang)])
    lane = next((g for g in root.iter(f"{SVG}g") if "lane-membership" in g.get("class", "")),
                None)
    changes = set(dated_memberships(data))
    if not changes:
        assert lane is None
        return
    titles = [g.find(f"{SVG}title").text for g in lane.iter(f"{SVG}g")
              if g.find(f"{SVG}title") is not None]
    for membership in changes:
        member = label(data, data.value(membership, ORG.member), lang)
        assert any(member in title for title in titles), f"no membership change for {member}"


def test_marks_other_than_membership_changes_are_one_per_thing(data: Graph, drawn: dict) -> None:
    root = ET.fromstring(drawn[("timeline", "en")])
    count = sum(1 for lane in root.iter(f"{SVG}g")
                if "lane" in lane.get("class", "").split()
                and "lane-membership" not in lane.get("class", "")
                for _ in marks(ET.tostring(lane, encoding="unicode"), "mark"))
    assert count == len(set(dated_things(data)))


def test_one_more_dated_event_gives_one_more_mark(
    sources: Sources, catalog: dict[str, Query]
) -> None:
    """Counter-example: the timeline follows the graph."""
    before = pictures.render_view("timeline", pictures.view_rows(sources.dataset,
                                                                 catalog["timeline"]))
    dataset = copy_of(sources.dataset)
    event = ID["event/test-only-meeting"]
    graph = dataset.graph(GRAPH["source/test-only"])
    graph.add((event, RDF.type, CBSS.Meeting))
    graph.add((event, SKOS.prefLabel, Literal("Test-only meeting", lang="en")))
    graph.add((event, SDO.startDate, Literal("2001-02-03", datatype=XSD.date)))
    after = pictures.render_view("timeline", pictures.view_rows(dataset, catalog["timeline"]))
    assert len(marks(after, "mark")) == len(marks(before, "mark")) + 1
    assert any(t.startswith("Test-only meeting — 3 February 2001") for _, t in marks(after, "mark"))


def row(**values: object) -> dict:
    """A view row from plain values: strings starting with a scheme become IRIs."""
    converted = {}
    for key, value in values.items():
        if isinstance(value, Literal | URIRef):
            converted[key] = value
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            converted[key] = URIRef(value)
        else:
            converted[key] = Literal(value)
    return converted


def date(text: str) -> Literal:
    kind = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(text)]
    return Literal(text, datatype=kind)


def test_conflicting_dates_are_both_shown_with_their_sources() -> None:
    rows = [
        row(item=ID["event/x"], lane="council", part="start", date=date("1992-03-05"),
            source=GRAPH["source/a"], document="https://a.example/page", label_en="Conference"),
        row(item=ID["event/x"], lane="council", part="start", date=date("1992-03-06"),
            source=GRAPH["source/b"], label_en="Conference"),
    ]
    (group, title), = marks(pictures.timeline_svg(rows), "mark")
    assert "5 March 1992 (source: https://a.example/page)" in title
    assert "6 March 1992 (source: graph:source/b)" in title
    assert len(group.findall(f"{SVG}circle")) == 2


def test_precision_is_drawn_honestly_on_the_timeline() -> None:
    rows = [
        row(item=ID["project/p"], lane="projects", part="start", date=date("2016"),
            source=GRAPH["source/a"], label_en="Project P"),
        row(item=ID["project/p"], lane="projects", part="end", date=date("2017-10-13"),
            source=GRAPH["source/a"], label_en="Project P"),
        row(item=ID["project/q"], lane="projects", part="start", date=date("2011-06-07"),
            source=GRAPH["source/a"], label_en="Project Q"),
    ]
    text = pictures.timeline_svg(rows)
    (p, p_title), (q, q_title) = sorted(marks(text, "mark"), key=lambda m: m[1])
    assert "start: 2016" in p_title and "end: 13 October 2017" in p_title
    hatched = [r for r in p.iter(f"{SVG}rect") if "hatch" in r.get("fill", "")]
    assert len(hatched) == 1, "the year 2016 is drawn as a hatched extent"
    assert "end not given" in q_title
    assert any("fade" in r.get("fill", "") for r in q.iter(f"{SVG}rect"))
    assert not [r for r in q.iter(f"{SVG}rect") if "hatch" in r.get("fill", "")]


# The participation grid -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", pictures.LANGUAGES)
def test_every_participation_is_a_filled_cell(data: Graph, drawn: dict, lang: str) -> None:
    cells = [title for _, title in marks(drawn[("participation", lang)], "cell")]
    pairs = participations(data)
    assert pairs, "the graph records no state taking part in a project"
    assert len(cells) == len(pairs)
    for state, project in pairs:
        expected = f"{label(data, state, lang)} {pictures._WORDS[lang]['took_part']} " \
                   f"{label(data, project, lang)}"
        assert any(title.startswith(expected) for title in cells), f"no cell for {expected}"


def test_one_participation_less_gives_one_cell_less(
    sources: Sources, catalog: dict[str, Query], data: Graph
) -> None:
    """Counter-example: removing a participation empties exactly its cell."""
    dataset = copy_of(sources.dataset)
    participation = sorted(p for p in data.subjects(RDF.type, CBSS.ProjectParticipation)
                           if (data.value(p, ORG.member), RDF.type, CBSS.State) in data)[0]
    state, project = data.value(participation, ORG.member), data.value(participation,
                                                                       ORG.organization)
    others = [p for p in data.subjects(ORG.member, state)
              if (p, ORG.organization, project) in data and p != participation]
    for graph in dataset.graphs():
        graph.remove((participation, None, None))
    rows = pictures.view_rows(dataset, catalog["participation"])
    before = len(participations(data))
    after = marks(pictures.render_view("participation", rows), "cell")
    assert len(after) == before - (0 if others else 1)


def test_a_narrow_grid_holds_its_title_and_headings_whole() -> None:
    """A grid of few projects is narrow: its title wraps and its turned headings still fit
    (both were once cut off at the right edge)."""
    rows = [row(project=ID["project/a"], project_en="ADSTRINGO"),
            row(project=ID["project/b"],
                project_en="Training of consular officials of the Baltic Sea region"),
            row(state=ID["state/LV"], state_en="Latvia")]
    root = ET.fromstring(pictures.participation_svg(rows, highlight=str(ID["project/b"])))
    width = float(root.get("width"))
    headings = [t for t in root.iter(f"{SVG}text") if t.get("class") == "heading"]
    assert len(headings) == 2
    assert " ".join(t.text for t in headings) == root.find(f"{SVG}title").text
    for text in headings:
        assert float(text.get("x")) + svg.text_width(text.text, 20, bold=True) <= width
    columns = [t for t in root.iter(f"{SVG}text") if t.get("class") == "column-label"]
    assert [t.get("font-weight") for t in columns] == [None, "bold"]
    for text in columns:
        reach = svg.text_width(text.text, 13, bold=True) * 0.7072
        assert float(text.get("x")) + reach <= width


# Membership over time -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", pictures.LANGUAGES)
def test_every_membership_is_in_the_chart(data: Graph, drawn: dict, lang: str) -> None:
    periods = [title for _, title in marks(drawn[("membership", lang)], "period")]
    memberships = council_memberships(data)
    assert memberships, "the graph has no memberships of the council"
    assert len(periods) == len(memberships)
    for membership in memberships:
        member = label(data, data.value(membership, ORG.member), lang)
        role = data.value(membership, ORG.role)
        role_name = label(data, role, lang) if (role, SKOS.prefLabel, None) in data else ""
        assert any(t.startswith(f"{member}: {role_name}") for t in periods), member


def test_membership_bars_show_precision_unknown_beginnings_and_open_ends() -> None:
    base = {"organisation": COUNCIL, "organisation_en": "Council", "role_en": "member state",
            "role": ID["concept/role/member-state"], "source": GRAPH["source/a"]}
    rows = [
        row(**base, membership=ID["membership/a"], member=ID["state/IS"], member_en="Iceland",
            part="start", date=date("1995")),
        row(**base, membership=ID["membership/b"], member=ID["state/EE"], member_en="Estonia",
            part="attested", date=date("2018-09-04")),
        row(**base, membership=ID["membership/c"], member=ID["state/RU"],
            member_en="Russian Federation", part="start", date=date("1992-03-05")),
        row(**base, membership=ID["membership/c"], member=ID["state/RU"],
            member_en="Russian Federation", part="end", date=date("2022-03-03"),
            cause_en="suspension"),
    ]
    found = {title.split(":")[0]: group for group, title in marks(
        pictures.membership_svg(rows), "period")}
    iceland, estonia, russia = found["Iceland"], found["Estonia"], found["Russian Federation"]
    assert [r for r in iceland.iter(f"{SVG}rect") if "hatch" in r.get("fill", "")]
    assert any(line.get("marker-end") for line in iceland.iter(f"{SVG}line")), "continues"
    assert any(line.get("stroke-dasharray") for line in estonia.iter(f"{SVG}line"))
    assert "?" in [t.text for t in estonia.iter(f"{SVG}text")]
    assert estonia.findall(f"{SVG}path"), "the attestation is marked"
    assert not any(line.get("marker-end") for line in russia.iter(f"{SVG}line")), "ended"
    assert not [r for r in russia.iter(f"{SVG}rect") if "hatch" in r.get("fill", "")]
    assert "suspension" in [t.text for t in russia.iter(f"{SVG}text")]


def test_when_reads_each_precision() -> None:
    year = pictures.When.parse(date("1995"))
    month = pictures.When.parse(date("2008-06"))
    day = pictures.When.parse(date("2008-06-03"))
    assert (year.precision, str(year.earliest), str(year.latest)) == ("year", "1995-01-01",
                                                                     "1995-12-31")
    assert (month.precision, str(month.latest)) == ("month", "2008-06-30")
    assert day.describe("lv") == "2008. gada 3. jūnijs"
    assert pictures.When.parse(Literal("not a date")) is None
