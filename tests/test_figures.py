"""cbss_kg.web.figures: a picture's view runs when a page first needs it, and a view that fails,
runs out of time or gives more rows than a picture can show gives no picture."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cbss_kg.config import Project
from cbss_kg.queries import QueryTimeout, load_catalog
from cbss_kg.store import EmbeddedStore
from cbss_kg.web.figures import MAX_ROWS, load_figures

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def views() -> dict[str, Any]:
    return {n: q for n, q in load_catalog(Project(REPO)).items() if q.kind == "view"}


class Answering:
    """A store that answers every query with ``rows`` (cut, as a row cap says, when too many)."""

    def __init__(self, rows: list[dict], fail: Exception | None = None) -> None:
        self.rows, self.fail, self.asked = rows, fail, []

    def query(self, text: str, **options: Any) -> Any:
        self.asked.append(options)
        if self.fail is not None:
            raise self.fail
        limit = options["row_limit"]
        return SimpleNamespace(rows=self.rows[:limit], truncated=len(self.rows) > limit)


ROW = {"state": "http://e.org/lv", "project": "http://e.org/p", "state_en": "Latvia"}


def test_views_run_on_first_use_within_the_budget(views) -> None:
    store = Answering([ROW])
    figures = load_figures(store, views, ["http://e.org/g"], timeout=2.5)
    assert store.asked == []  # nothing runs until a page asks
    assert figures.states == {"http://e.org/lv"}
    assert len(store.asked) == 1 and store.asked[0]["timeout"] == 2.5
    figures.rows("participation")
    assert len(store.asked) == 1  # kept


def test_views_read_the_whole_graph_and_keep_the_claims_of_the_sources(views) -> None:
    """The default graph is the store's union (a list of thousands of source graphs is slow to
    read); a row claimed by a graph that is no source (the reasoner's) is left out."""
    claimed = [dict(ROW, source="http://e.org/g"), dict(ROW, project="http://e.org/q"),
               dict(ROW, project="http://e.org/r", source="http://e.org/inferred")]
    store = Answering(claimed)
    figures = load_figures(store, views, ["http://e.org/g"], timeout=2.5)
    assert figures.projects == {"http://e.org/p", "http://e.org/q"}
    (options,) = store.asked
    assert "default_graphs" not in options and "named_graphs" not in options


@pytest.mark.parametrize(
    "store",
    [Answering([ROW] * (MAX_ROWS + 1)), Answering([], QueryTimeout("out of time"))],
    ids=["too-many-rows", "timeout"],
)
def test_a_view_that_cannot_give_a_picture_gives_none(views, store) -> None:
    figures = load_figures(store, views, ["http://e.org/g"], timeout=1.0)
    assert figures.rows("participation") == ()
    assert figures.about("http://e.org/lv", "en") == []


def test_the_real_graph_draws_every_picture(views, tmp_path: Path) -> None:
    from cbss_kg import pipeline

    pipeline.build(Project(REPO), tmp_path / "dist")
    with EmbeddedStore.open_release(tmp_path / "dist", workers=1) as store:
        graphs = [str(r["g"]) for r in store.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g {} } ", timeout=None).rows
            if not str(r["g"]).endswith("/inferred")]
        figures = load_figures(store, views, graphs, timeout=10.0)
        drawn = [f.view for f in figures.home("en")]
    assert drawn == ["timeline", "membership", "participation"]
