"""Every consumer example of docs/consumers.md and docs/federation.md, run against real servers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from servers import cbss_server, oxigraph, oxigraph_binary

from cbss_kg.queries import parse_query_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
ALIGN = Path(__file__).parent / "align"
WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("served") / "release"


@pytest.fixture(scope="module")
def base(release: Path):
    """The project's own server (``python -m cbss_kg serve``) over a freshly built release."""
    with cbss_server(release) as url:
        yield url


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_curl_example(base: str) -> None:
    out = run("bash", str(EXAMPLES / "curl.sh"), base).stdout
    assert "https://w3id.org/cbss-kg/id/state/LV,Latvia" in out
    assert '"head"' in out and '"bindings"' in out
    assert "<https://w3id.org/cbss-kg/id/state/LV>" in out
    assert "cbss-kg.ttl: OK" in out


def test_sparqlwrapper_example(base: str) -> None:
    out = run(sys.executable, str(EXAMPLES / "sparqlwrapper_example.py"), base).stdout
    assert "https://w3id.org/cbss-kg/id/state/LV\tLatvia\tLatvija" in out
    states = re.search(r"^(\d+) states$", out, re.MULTILINE)
    assert states and int(states.group(1)) >= 1


def test_rdflib_example_from_the_server_and_from_disk(base: str, release: Path) -> None:
    triples = len(Graph().parse(release / "cbss-kg.ttl"))
    for source in (base, str(release / "cbss-kg.ttl")):
        out = run(sys.executable, str(EXAMPLES / "rdflib_example.py"), source).stdout
        assert out.splitlines()[0] == f"{triples} triples"


def test_fetch_example(base: str) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the JavaScript example needs Node 18+")
    out = run("node", str(EXAMPLES / "fetch_example.mjs"), base).stdout
    assert "https://w3id.org/cbss-kg/id/state/LV\tLatvia" in out
    assert "Latvia as JSON-LD:" in out and "Latvija" in out


def test_load_into_oxigraph_example(base: str, tmp_path: Path) -> None:
    out = run(
        "bash", str(EXAMPLES / "load_into_oxigraph.sh"), base, str(tmp_path / "store"),
        env={"OXIGRAPH": oxigraph_binary()},
    ).stdout
    lines = out.strip().splitlines()
    assert lines[0] == "membership,source"
    assert any("/id/membership/" in line for line in lines[1:]), out


# --- federation --------------------------------------------------------------------------------


FEDERATED = sorted(EXAMPLES.glob("federated-*.rq"))


def test_federated_examples_have_headers() -> None:
    assert len(FEDERATED) >= 2
    for path in FEDERATED:
        query = parse_query_file(path)
        assert query.summary and "federated" in query.tags
        assert WIKIDATA_ENDPOINT in query.text


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory):
    with oxigraph(tmp_path_factory.mktemp("wikidata"), [ALIGN / "wikidata.ttl"]) as url:
        yield url


@pytest.fixture(scope="module")
def our_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Oxigraph store of our own holding the alignment fixture (sources as named graphs)."""
    location = tmp_path_factory.mktemp("ours")
    subprocess.run(
        [oxigraph_binary(), "load", "--location", str(location), "--file",
         str(ALIGN / "graph.trig")],
        check=True, capture_output=True, timeout=120,
    )
    return location


def _federate(path: Path, store: Path, wikidata: str, tmp_path: Path) -> list[list[str]]:
    """Run a federated example with Oxigraph's CLI, its SERVICE pointed at the local fixture."""
    query = tmp_path / path.name
    query.write_text(path.read_text(encoding="utf-8").replace(WIKIDATA_ENDPOINT, wikidata))
    done = subprocess.run(
        [oxigraph_binary(), "query", "--location", str(store), "--union-default-graph",
         "--results-format", "csv", "--query-file", str(query)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [line.split(",") for line in done.stdout.strip().splitlines()]


def test_federated_capitals(our_store: Path, wikidata: str, tmp_path: Path) -> None:
    header, *rows = _federate(EXAMPLES / "federated-capitals.rq", our_store, wikidata, tmp_path)
    assert header == ["state", "name", "capital", "capitalName"]
    named = {(r[1], r[3]) for r in rows}
    assert named == {("Denmark", "Copenhagen"), ("Germany", "Berlin"), ("Latvia", "Riga")}


def test_federated_membership_start(our_store: Path, wikidata: str, tmp_path: Path) -> None:
    path = EXAMPLES / "federated-membership-start.rq"
    header, *rows = _federate(path, our_store, wikidata, tmp_path)
    assert header == ["state", "ourStart", "graph", "wikidataStart"]
    estonia = [r for r in rows if r[0].endswith("/state/EE")]
    assert [(r[1], r[3]) for r in estonia] == [("1992-03-06", "1993-01-01T00:00:00Z")]
    latvia = {(r[1], r[3]) for r in rows if r[0].endswith("/state/LV")}
    assert latvia == {("1992", "1992-03-06T00:00:00Z"), ("1992-03-06", "1992-03-06T00:00:00Z")}


def test_our_endpoint_refuses_the_federated_examples(base: str) -> None:
    request = urllib.request.Request(
        f"{base}/sparql",
        data=FEDERATED[0].read_bytes(),
        headers={"Content-Type": "application/sparql-query"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code in (400, 403)  # refused, whichever status the server picks
    assert "SERVICE" in refused.value.read().decode()
