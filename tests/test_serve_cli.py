"""``cbss-kg serve`` as a command: it builds first, refuses a graph with violations, listens on
127.0.0.1 by default, and publishes under another base IRI when asked."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_server import Server, fixture_project, free_port, start_server, stop_server
from rdflib import Graph, URIRef
from rdflib.namespace import VOID


def serve(project: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cbss_kg", "serve", "--port", str(free_port()), *options],
        cwd=project, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )


def test_a_graph_with_violations_is_not_served(tmp_path):
    project = fixture_project(tmp_path / "project")
    states = project / "data" / "states.trig"
    states.write_text(states.read_text().replace(
        '<https://w3id.org/cbss-kg/id/state/EE> skos:prefLabel "Igaunija"@lv .', ""))
    release = tmp_path / "dist"
    done = serve(project, "--release", str(release))
    assert done.returncode == 1
    assert "id:state/EE" in done.stderr
    assert "prefLabel" in done.stderr
    assert "Not serving" in done.stderr
    assert "Uvicorn running" not in done.stdout + done.stderr
    assert not (release / "SHA256SUMS").exists()


@pytest.mark.parametrize("iri", ["ftp://example.org/", "https://example.org/no-slash", "x"])
def test_a_bad_base_iri_is_a_usage_error(tmp_path, iri):
    done = serve(fixture_project(tmp_path / "project"), "--base-iri", iri)
    assert done.returncode == 2
    assert "base-iri" in done.stderr


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


def test_the_server_listens_on_loopback_only_by_default(server):
    port = int(server.url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, little-endian hex


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Iterator[Server]:
    """The fixture project published under another domain."""
    project = fixture_project(tmp_path_factory.mktemp("elsewhere") / "project")
    running = start_server(project, project.parent / "dist",
                           "--base-iri", "https://data.example.org/cbss/")
    yield running
    stop_server(running)


def test_another_base_iri_publishes_there(elsewhere):
    answer = elsewhere.get("/.well-known/void", headers={"Accept": "text/turtle"})
    void = Graph().parse(data=answer.text, format="turtle")
    dataset = URIRef("https://data.example.org/cbss/")
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(
        "https://data.example.org/cbss/sparql")


def test_the_graphs_own_iris_still_answer_at_their_paths(elsewhere):
    """The data keeps its w3id IRIs (redirected to the deployment); their paths still answer."""
    page = elsewhere.get("/id/state/LV", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<h1>Latvia</h1>" in page.text
    assert 'href="/id/membership/cbss/lv-member-state"' in page.text
