"""The pictures on the pages, drawn from the graph in the page's language.

Each view a picture is drawn from (:data:`cbss_kg.pictures.PICTURES`) runs once, at startup,
over the asserted graphs (the reasoner's graph is left out, as in the build), and its rows are
kept; drawings are made from them on first use and kept too, since the release never changes
while it is served. A picture is placed in the page as inline SVG, so the text alternative of
each mark reaches screen readers; its ``<style>`` is allowed by the hash of its text in the
page's Content-Security-Policy, never by allowing inline styles at large.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cbss_kg import pictures, svg
from cbss_kg.pictures import Row
from cbss_kg.queries import Query, bind

PAGE_WIDTH = 1100
"""Width the wide pictures are drawn at: the width of a page's text column, so that on a desktop
screen their text is shown at its own size."""

_VIEW_FILES = {view: name for name, view in pictures.PICTURES.items()}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@dataclass(frozen=True)
class Figure:
    """One picture ready for a page."""

    view: str
    markup: str
    """The SVG element, to be placed in the page as it is."""
    style_source: str
    """The Content-Security-Policy source that allows its ``<style>`` (``'sha256-…'``)."""
    download: str
    """The release file holding the same picture in that language."""
    marked: str | None = None
    """What is marked in it for the page: ``"row"`` (a state) or ``"column"`` (a project)."""


def style_source(markup: str) -> str:
    """The CSP hash source of a picture's ``<style>`` element, over its exact text."""
    match = _STYLE.search(markup)
    text = match.group(1) if match else ""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


class Figures:
    """The rows of each picture's view, and the drawings made from them."""

    def __init__(self, rows: Mapping[str, Sequence[Row]]) -> None:
        self.rows = dict(rows)
        self._drawn: dict[tuple[str, str, str | None], Figure] = {}
        self._lock = threading.Lock()
        participation = self.rows.get("participation", ())
        self.states = {str(r["state"]) for r in participation if "state" in r}
        """Rows of the participation grid: a state's page shows the grid with its row marked."""
        self.projects = {str(r["project"]) for r in participation if "project" in r}
        """Columns of the participation grid."""
        self.organisations = {
            str(r["organisation"]) for r in self.rows.get("membership", ()) if "organisation" in r
        }
        """Whose members the membership chart shows: that organisation's page shows it."""

    def draw(self, view: str, lang: str, highlight: str | None = None) -> Figure | None:
        """The picture of ``view`` in ``lang`` (with ``highlight`` marked), or ``None`` when the
        view has no rows."""
        if not self.rows.get(view):
            return None
        key = (view, lang, highlight)
        with self._lock:
            figure = self._drawn.get(key)
        if figure is None:
            options: dict[str, Any] = {}
            if highlight is not None:
                options["highlight"] = highlight
            if view != "participation":
                options["width"] = PAGE_WIDTH
            markup = svg.inline(pictures.render_view(view, self.rows[view], lang=lang, **options))
            marked = None
            if view == "participation" and highlight is not None:
                marked = "row" if highlight in self.states else "column"
            figure = Figure(view, markup.strip(), style_source(markup),
                            pictures.file_name(_VIEW_FILES[view], lang), marked)
            with self._lock:
                self._drawn.setdefault(key, figure)
        return figure

    def home(self, lang: str) -> list[Figure]:
        """The pictures of the home page: the council's history, its members, the projects."""
        found = (self.draw(view, lang) for view in ("timeline", "membership", "participation"))
        return [figure for figure in found if figure is not None]

    def about(self, iri: str, lang: str) -> list[Figure]:
        """The pictures of a thing's page: the membership chart on the page of the organisation
        it charts; the participation grid, with its row or column marked, on a state's or a
        project's page."""
        found = []
        if iri in self.organisations:
            found.append(self.draw("membership", lang))
        if iri in self.states or iri in self.projects:
            found.append(self.draw("participation", lang, highlight=iri))
        return [figure for figure in found if figure is not None]


def load_figures(store: Any, views: Mapping[str, Query], graphs: Iterable[str]) -> Figures:
    """Run each picture's view (with its default parameters) over ``graphs`` in ``store``.

    A view the catalogue lacks gives no rows, so its picture is simply not shown. These are the
    server's own fixed queries over its own release, run once without a time budget.
    """
    names = sorted(graphs)
    rows: dict[str, list[Row]] = {}
    for view in pictures.PICTURES.values():
        query = views.get(view)
        if query is None or query.kind != "view" or not names:
            continue
        result = store.query(
            query.text,
            bindings=bind(query, {}),
            timeout=None,
            row_limit=None,
            default_graphs=names,
            named_graphs=names,
        )
        rows[view] = [
            {key: value for key, value in row.items() if value is not None} for row in result.rows
        ]
    return Figures(rows)

