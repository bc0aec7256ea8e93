"""The pictures on the pages, drawn from the graph in the page's language.

Each view a picture is drawn from (:data:`cbss_kg.pictures.PICTURES`) runs once, when a page
first shows its picture, and its rows are kept; drawings are made from them on first use and kept
too, since the release never changes while it is served. A picture is placed in the page as
inline SVG, so the text alternative of each mark reaches screen readers; its ``<style>`` is
allowed by the hash of its text in the page's Content-Security-Policy, never by allowing inline
styles at large.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cbss_kg import pictures, svg
from cbss_kg.pictures import MAX_ROWS, Row
from cbss_kg.queries import Query, QueryError, bind

PAGE_WIDTH = 1100
"""Width the wide pictures are drawn at: the width of a page's text column, so that on a desktop
screen their text is shown at its own size."""

_VIEW_FILES = {view: name for name, view in pictures.PICTURES.items()}
log = logging.getLogger("cbss_kg.serve")

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
    """The rows of each picture's view, asked for when a page first shows the picture, and the
    drawings made from them.

    ``run`` gives a view's rows, or ``None`` when the view cannot give a picture (it ran out of
    time, or gives more rows than a picture can show); either answer is kept, since the release
    never changes while it is served.
    """

    def __init__(self, run: Callable[[str], Sequence[Row] | None]) -> None:
        self._run = run
        self._rows: dict[str, Sequence[Row]] = {}
        self._drawn: dict[tuple[str, str, str | None], Figure] = {}
        self._lock = threading.Lock()

    @classmethod
    def of_rows(cls, rows: Mapping[str, Sequence[Row]]) -> Figures:
        """Pictures drawn from rows at hand (a view not among them has no picture)."""
        return cls(lambda view: rows.get(view))

    def rows(self, view: str) -> Sequence[Row]:
        """The rows of ``view`` (none when it gives no picture)."""
        found = self._rows.get(view)
        if found is None:
            with self._lock:
                found = self._rows.get(view)
                if found is None:
                    found = self._rows[view] = self._run(view) or ()
        return found

    @cached_property
    def states(self) -> set[str]:
        """Rows of the participation grid: a state's page shows the grid with its row marked."""
        return {str(r["state"]) for r in self.rows("participation") if "state" in r}

    @cached_property
    def projects(self) -> set[str]:
        """Columns of the participation grid."""
        return {str(r["project"]) for r in self.rows("participation") if "project" in r}

    @cached_property
    def organisations(self) -> set[str]:
        """Whose members the membership chart shows: that organisation's page shows it."""
        return {str(r["organisation"]) for r in self.rows("membership") if "organisation" in r}

    def draw(self, view: str, lang: str, highlight: str | None = None) -> Figure | None:
        """The picture of ``view`` in ``lang`` (with ``highlight`` marked), or ``None`` when the
        view has no rows."""
        rows = self.rows(view)
        if not rows:
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
            markup = svg.inline(pictures.render_view(view, rows, lang=lang, **options))
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


def load_figures(
    store: Any, views: Mapping[str, Query], graphs: Iterable[str], *, timeout: float
) -> Figures:
    """The pictures of each view (with its default parameters) in ``store``, whose claims come
    from ``graphs`` (the sources: the reasoner's graph is no source of a claim).

    A view runs when a page first needs its picture, within the same time budget as a visitor's
    query, so a large graph never holds up start-up; a view that runs out of time, fails, or gives
    more than :data:`MAX_ROWS` rows gives no picture (and says why in the log). A view the
    catalogue lacks gives no rows, so its picture is simply not shown.

    The view reads the store's default graph, the union of all graphs, as a visitor's query does,
    and a row claimed by a graph outside ``graphs`` is left out. (Naming the sources as the
    default graph instead makes the store look every pattern up once per graph: with the
    2,695 graphs of 1M quads, minutes for the membership chart, against 2 s.)
    """
    sources = set(graphs)

    def run(view: str) -> Sequence[Row] | None:
        query = views.get(view)
        if query is None or query.kind != "view" or not sources:
            return None
        try:
            result = store.query(
                query.text, bindings=bind(query, {}), timeout=timeout, row_limit=MAX_ROWS
            )
        except QueryError as error:
            log.warning("no %s picture: its view failed: %s", view, error)
            return None
        if result.truncated:
            log.warning("no %s picture: its view gives more than %d rows", view, MAX_ROWS)
            return None
        return [
            {key: value for key, value in row.items() if value is not None}
            for row in result.rows
            if row.get("source") is None or str(row["source"]) in sources
        ]

    return Figures(run)
