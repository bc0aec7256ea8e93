"""The pictures on the pages of the repository's own graph, checked against the graph.

Each page is read with an HTML5 parser, as a browser reads it, and its inline SVG is checked:
the language is the page's, the names are the graph's names in that language, and on a state's
or a project's page the marked row or column is that state's or project's, holding exactly the
participations the graph records.
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET

import pytest
from html5rdf import HTMLParser
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import ORG, RDF, SKOS

from cbss_kg import pictures
from cbss_kg.namespaces import CBSS, ID
from cbss_kg.web import i18n

SVG = "{http://www.w3.org/2000/svg}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BROWSER = "text/html"
COUNCIL = ID["org/cbss"]
LANGUAGES = ("en", "lv")


@pytest.fixture(scope="module")
def dataset(project_server) -> Dataset:
    data = Dataset(default_union=True)
    data.parse(project_server.release / "cbss-kg.trig", format="trig")
    return data


def label(data: Dataset, node: URIRef, lang: str) -> str:
    found = sorted(str(x) for x in data.objects(node, SKOS.prefLabel)
                   if isinstance(x, Literal) and x.language == lang)
    assert found, f"{node} has no {lang} label"
    return found[0]


def participations(data: Dataset) -> set[tuple[URIRef, URIRef]]:
    """(state, project) for every state the graph says took part in a project."""
    return {(state, project)
            for p in data.subjects(RDF.type, CBSS.ProjectParticipation)
            for state in data.objects(p, ORG.member)
            for project in data.objects(p, ORG.organization)
            if (state, RDF.type, CBSS.State) in data}


def page(server, path: str, lang: str):
    response = server.get(f"{path}?lang={lang}", headers={"Accept": BROWSER})
    assert response.status_code == 200, path
    return response, HTMLParser(namespaceHTMLElements=False).parse(response.text)


def figures(document) -> dict[str, ET.Element]:
    """The inline pictures of a page by the view they show (the figure's class names it)."""
    found = {}
    for figure in document.iter("figure"):
        kind = next(c.removeprefix("picture-") for c in figure.get("class", "").split()
                    if c.startswith("picture-"))
        (svg,) = figure.iter(f"{SVG}svg")
        found[kind] = svg
    return found


def caption(document, view: str) -> str:
    (figure,) = [f for f in document.iter("figure") if f"picture-{view}" in f.get("class", "")]
    return " ".join("".join(figure.find("figcaption").itertext()).split())


def titles(svg: ET.Element, css_class: str) -> list[str]:
    return [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")
            if css_class in g.get("class", "").split()]


def number(element: ET.Element, name: str) -> float:
    return float(element.get(name))


def highlight(svg: ET.Element) -> tuple[float, float, float, float]:
    """The marked band of a participation grid: left, right, top, bottom."""
    (rect,) = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "highlight"]
    x, y = number(rect, "x"), number(rect, "y")
    return x, x + number(rect, "width"), y, y + number(rect, "height")


def filled_cells(svg: ET.Element) -> list[tuple[float, float, str]]:
    """Each filled cell: the middle of its box and its text alternative."""
    cells = []
    for group in svg.iter(f"{SVG}g"):
        if "cell" in group.get("class", "").split():
            rect = group.find(f"{SVG}rect")
            cells.append((number(rect, "x") + number(rect, "width") / 2,
                          number(rect, "y") + number(rect, "height") / 2,
                          group.find(f"{SVG}title").text))
    return cells


def took_part(state: str, project: str, lang: str) -> str:
    return f"{state} {pictures._WORDS[lang]['took_part']} {project}"


def named_once(titles: list[str], expected: list[str]) -> bool:
    """Each expected text begins exactly one title (then its role or sources), and no title is
    left over."""
    def begins(title: str, text: str) -> bool:
        return title == text or title.startswith((text + " (", text + " \u2014"))

    return len(titles) == len(expected) and all(
        sum(begins(title, text) for title in titles) == 1 for text in expected)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_page_shows_the_pictures_of_the_release_in_its_language(project_server, lang):
    """Inline, in the page's language, with the same marks as the release's picture files."""
    _, document = page(project_server, "/", lang)
    shown = figures(document)
    assert set(shown) == {"timeline", "membership", "participation"}
    for view, svg in shown.items():
        assert svg.get("lang") == lang and svg.get(XML_LANG) == lang
        name = pictures.file_name(f"{view}.svg", lang)
        released = ET.parse(project_server.release / name).getroot()
        assert svg.find(f"{SVG}title").text == released.find(f"{SVG}title").text
        for css_class in ("mark", "period", "cell"):
            assert sorted(titles(svg, css_class)) == sorted(titles(released, css_class)), name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_council_page_charts_its_members(project_server, dataset, lang):
    _, document = page(project_server, "/id/org/cbss", lang)
    chart = figures(document)["membership"]
    assert chart.get("lang") == lang
    assert label(dataset, COUNCIL, lang) in chart.find(f"{SVG}title").text
    memberships = {m for m in dataset.subjects(ORG.organization, COUNCIL)
                   if (m, RDF.type, CBSS.ProjectParticipation) not in dataset}
    periods = titles(chart, "period")
    assert len(periods) == len(memberships)
    members = {label(dataset, dataset.value(m, ORG.member), lang) for m in memberships}
    assert {title.split(": ")[0] for title in periods} == members


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_project_page_marks_its_column(project_server, dataset, lang):
    taking_part = participations(dataset)
    projects = sorted({project for _, project in taking_part})
    assert projects
    for project in projects:
        path = str(project).removeprefix("https://w3id.org/cbss-kg")
        _, document = page(project_server, path, lang)
        grid = figures(document)["participation"]
        assert grid.get("lang") == lang
        left, right, _, _ = highlight(grid)
        headings = [g for g in grid.iter(f"{SVG}g") if g.find(f"{SVG}text") is not None
                    and g.find(f"{SVG}text").get("class") == "column-label"
                    and left <= number(g.find(f"{SVG}text"), "x") <= right]
        assert [g.find(f"{SVG}title").text for g in headings] == [label(dataset, project, lang)]
        in_column = [title for x, _, title in filled_cells(grid) if left <= x <= right]
        expected = [took_part(label(dataset, state, lang), label(dataset, project, lang), lang)
                    for state in {s for s, p in taking_part if p == project}]
        assert named_once(in_column, expected), path
        assert i18n.text(lang, "figure_marked_column") in caption(document, "participation")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_state_page_marks_its_row(project_server, dataset, lang):
    taking_part = participations(dataset)
    states = sorted({state for state, _ in taking_part})
    assert states
    for state in states:
        path = str(state).removeprefix("https://w3id.org/cbss-kg")
        _, document = page(project_server, path, lang)
        grid = figures(document)["participation"]
        _, _, top, bottom = highlight(grid)
        rows = [t.text for t in grid.iter(f"{SVG}text")
                if t.get("class") == "row-label" and top <= number(t, "y") <= bottom]
        assert rows == [label(dataset, state, lang)]
        in_row = [title for _, y, title in filled_cells(grid) if top <= y <= bottom]
        expected = [took_part(label(dataset, state, lang), label(dataset, project, lang), lang)
                    for project in {p for s, p in taking_part if s == state}]
        assert named_once(in_row, expected), path


def test_pictures_only_where_they_concern_the_thing(project_server, dataset):
    """A meeting's page has no picture; a state that is no member and took part in nothing has
    no grid."""
    meeting = sorted(dataset.subjects(RDF.type, CBSS.Meeting))[0]
    _, document = page(project_server, str(meeting).removeprefix("https://w3id.org/cbss-kg"), "en")
    assert figures(document) == {}
    taking_part = {state for state, _ in participations(dataset)}
    members = {dataset.value(m, ORG.member) for m in dataset.subjects(ORG.organization, COUNCIL)
               if dataset.value(m, ORG.role) in (ID["concept/role/member-state"],
                                                 ID["concept/role/member"])}
    bystanders = sorted(s for s in dataset.subjects(RDF.type, CBSS.State)
                        if s not in taking_part and s not in members)
    assert bystanders
    path = str(bystanders[0]).removeprefix("https://w3id.org/cbss-kg")
    _, document = page(project_server, path, "en")
    assert "participation" not in figures(document)


def test_the_pictures_styles_are_allowed_by_their_hash_alone(project_server):
    """The policy names the hash of each picture's <style>, and allows no other inline style."""
    response, document = page(project_server, "/", "en")
    policy = response.headers["content-security-policy"]
    styles = re.search(r"style-src ([^;]*)", policy).group(1).split()
    assert "'unsafe-inline'" not in styles
    inline = [s.text for svg in figures(document).values() for s in svg.iter(f"{SVG}style")]
    assert inline
    for text in inline:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in styles
    assert len(styles) == 1 + len(set(inline))


def test_the_release_has_every_picture_in_both_languages(project_server):
    for name in pictures.PICTURES:
        for lang in LANGUAGES:
            path = project_server.release / pictures.file_name(name, lang)
            assert ET.parse(path).getroot().get("lang") == lang
            assert project_server.get(f"/download/{path.name}").status_code == 200
