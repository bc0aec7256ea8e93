"""The pages in a real browser: headless Chromium (Debian's) driven by Playwright.

Every page must work without JavaScript and load nothing from anywhere but the server. Each test
leaves a screenshot in its temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser

STATES = """PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
SELECT ?state WHERE { ?state a cbss:State } ORDER BY ?state"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CBSS_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + ", and CBSS_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Visit:
    """A browser page that records every request it makes and every console error."""

    def __init__(self, browser, server, *, javascript: bool = True, width: int = 1280) -> None:
        self.context = browser.new_context(java_script_enabled=javascript,
                                           viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.server = server
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message) -> None:
        """Keep console errors, except the page's own HTTP status (a 400 page is expected)."""
        if message.type == "error" and message.location.get("url") != self.page.url:
            self.errors.append(message.text)

    def go(self, path: str):
        response = self.page.goto(self.server.url + path)
        assert response is not None
        return response

    def check(self, screenshot: Path) -> None:
        """Nothing was fetched from elsewhere and nothing went wrong; keep a screenshot."""
        self.page.screenshot(path=str(screenshot), full_page=True)
        outside = [u for u in self.requests if not u.startswith(self.server.url)]
        assert outside == []
        assert self.errors == []
        self.context.close()


def test_home_page(browser, server, tmp_path):
    visit = Visit(browser, server)
    assert visit.go("/").status == 200
    page = visit.page
    assert page.locator("h1").inner_text() == "CBSS knowledge graph"
    assert page.locator(".counts dd").first.inner_text().replace("\u202f", "").isdigit()
    assert page.locator("link[rel=stylesheet]").count() == 1
    page.get_by_role("link", name="Latvia").click()
    page.wait_for_url("**/id/state/LV")
    assert page.locator("h1").inner_text() == "Latvia"
    visit.check(tmp_path / "home.png")


def test_a_thing_and_the_language_switch(browser, server, tmp_path):
    visit = Visit(browser, server)
    visit.go("/id/event/copenhagen-1992")
    page = visit.page
    assert page.locator("h1").inner_text() == "Copenhagen conference"
    statements = page.locator("table.statements").first
    assert statements.get_by_text("5 March 1992").is_visible()
    assert statements.get_by_text("6 March 1992").is_visible()
    assert page.locator("a.source", has_text="CBSS members").count() >= 1
    page.screenshot(path=str(tmp_path / "event-en.png"), full_page=True)
    page.locator(".languages a", has_text="LV").click()
    page.wait_for_url("**lang=lv")
    assert page.locator("html").get_attribute("lang") == "lv"
    assert page.locator("h1").inner_text() == "Kopenhāgenas konference"
    assert page.get_by_text("1992. gada 5. marts").is_visible()
    page.get_by_role("link", name="Kopenhāgena").click()
    page.wait_for_url("**/id/place/copenhagen?lang=lv")
    assert page.locator("html").get_attribute("lang") == "lv"
    visit.check(tmp_path / "place-lv.png")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_query_page_runs_a_typed_query(browser, server, tmp_path, javascript):
    visit = Visit(browser, server, javascript=javascript)
    visit.go("/query")
    page = visit.page
    editor = page.locator("textarea#query")
    editor.fill("")
    editor.type(STATES) if javascript else editor.fill(STATES)
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("table.results")
    cells = page.locator("table.results tbody td a")
    assert cells.all_inner_texts() == ["Estonia", "Iceland", "Latvia", "Russia"]
    assert page.get_by_text("4 rows").is_visible()
    assert page.locator("textarea#query").input_value().strip() == STATES.strip()
    csv_link = page.get_by_role("link", name="CSV")
    assert "format=csv" in csv_link.get_attribute("href")
    visit.check(tmp_path / f"query-{'js' if javascript else 'nojs'}.png")


def test_control_enter_runs_the_query(browser, server, tmp_path):
    visit = Visit(browser, server)
    visit.go("/query")
    page = visit.page
    page.locator("textarea#query").fill("ASK { ?s ?p ?o }")
    page.locator("textarea#query").press("Control+Enter")
    page.wait_for_selector("p.boolean")
    assert "Yes" in page.locator("p.boolean").inner_text()
    visit.check(tmp_path / "ask.png")


def test_an_example_opens_in_the_editor(browser, server, tmp_path):
    visit = Visit(browser, server)
    visit.go("/query")
    page = visit.page
    page.locator("a.example[data-name=states]").click()
    assert "?state a cbss:State" in page.locator("textarea#query").input_value()
    assert page.url.endswith("example=states")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("table.results")
    assert page.locator("table.results thead th").all_inner_texts() == [
        "state", "name_en", "name_lv"]
    visit.check(tmp_path / "example.png")


def test_query_errors_show_in_the_page(browser, server, tmp_path):
    visit = Visit(browser, server)
    visit.go("/query")
    page = visit.page
    page.locator("textarea#query").fill("SELECT ?x WHERE { ?x ?y }")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector(".problem")
    assert "not valid SPARQL" in page.locator(".problem").inner_text()
    visit.check(tmp_path / "error.png")


def test_downloads_and_api_pages(browser, server, tmp_path):
    visit = Visit(browser, server)
    visit.go("/downloads")
    page = visit.page
    assert page.locator("table.downloads tbody tr").count() == len(
        (server.release / "SHA256SUMS").read_text().splitlines()) + 1
    page.screenshot(path=str(tmp_path / "downloads.png"), full_page=True)
    visit.go("/api/members-on-date")
    page.locator("#param-date").fill("1993-01-01")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("table.results")
    assert set(page.locator("table.results tbody td:first-child a").all_inner_texts()) == {
        "Latvia", "Russia"}
    visit.check(tmp_path / "api.png")


PICTURE_PROBLEMS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll('figure.picture svg')) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5
          || r.bottom > box.bottom + 0.5) {
        problems.push('cut off: ' + text.textContent);
      }
    }
    const filled = svg.querySelector('.cell-filled, .lane-band, .member-label');
    if (filled && getComputedStyle(filled).fill === 'rgb(0, 0, 0)'
        && !filled.classList.contains('member-label')) {
      problems.push('unstyled: ' + svg.getAttribute('aria-labelledby'));
    }
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth) {
    problems.push('the page scrolls sideways');
  }
  return problems;
}"""
"""What is wrong with the page's pictures: text drawn outside a picture, a picture whose own
styles were blocked, a page wider than the screen."""


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_project_page_shows_its_participation_grid(browser, project_server, tmp_path, width):
    visit = Visit(browser, project_server, width=width)
    visit.go("/")
    page = visit.page
    project = page.locator(".projects a").first
    name = project.inner_text()
    project.click()
    page.wait_for_selector("figure.picture-participation svg")
    grid = page.locator("figure.picture-participation svg")
    assert grid.get_attribute("lang") == "en"
    marked = page.locator("figure.picture-participation text.column-label[font-weight=bold]")
    assert marked.count() == 1
    assert marked.locator("xpath=../*[local-name()='title']").text_content() == name
    filled = page.locator("figure.picture-participation rect.cell-filled").first
    assert filled.evaluate("e => getComputedStyle(e).fill") == "rgb(31, 78, 140)"
    assert page.evaluate(PICTURE_PROBLEMS) == []
    visit.check(tmp_path / f"project-{width}.png")


@pytest.mark.parametrize("lang", ["en", "lv"])
def test_the_home_pages_pictures_fit(browser, project_server, tmp_path, lang):
    visit = Visit(browser, project_server)
    visit.go(f"/?lang={lang}")
    page = visit.page
    assert page.locator("figure.picture svg").count() == 3
    assert set(page.locator("figure.picture svg").evaluate_all(
        "all => all.map(e => e.getAttribute('lang'))")) == {lang}
    assert page.evaluate(PICTURE_PROBLEMS) == []
    visit.check(tmp_path / f"home-{lang}.png")


def test_keyboard_users_see_where_they_are(browser, server, tmp_path):
    """The first Tab shows a link past the header; focus is drawn with a visible ring."""
    visit = Visit(browser, server)
    visit.go("/id/state/LV")
    page = visit.page
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("e => e === document.activeElement")
    assert skip.bounding_box()["y"] >= 0, "the skip link comes into view when focused"
    ring = skip.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e)"
                         ".outlineWidth")
    assert ring == "solid 3px"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.activeElement.closest('main') !== null")
    assert inside_main, "after skipping, the next Tab stops in the content"
    visit.check(tmp_path / "keyboard.png")
