"""Framed JSON-LD views over HTTP, on the repository's own graph.

What each view must embed is found by walking the release's graph with rdflib; every statement a
framed document makes must be a statement of the release (it is a view, never new data).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF

from cbss_kg import jsonld
from cbss_kg.namespaces import CBSS, ID, SDO

FRAMES = "https://w3id.org/cbss-kg/frames/"
BASE = "https://w3id.org/cbss-kg"
COUNCIL = ID["org/cbss"]


@pytest.fixture(scope="module")
def release_graph(project_server) -> Graph:
    """The release's asserted statements, what ``cbss-kg.jsonld`` holds."""
    return Graph().parse(project_server.release / "cbss-kg.ttl", format="turtle")


@pytest.fixture(scope="module")
def context(project_server) -> dict:
    return project_server.get("/context.jsonld").json()["@context"]


def path_of(iri: URIRef) -> str:
    return str(iri).removeprefix(BASE)


def framed(server, iri: URIRef, **options):
    response = server.get(path_of(iri) + ".jsonld?view=framed", **options)
    assert response.status_code == 200, response.text
    return response


def absolute(relative: str) -> URIRef:
    return URIRef(str(ID) + relative)


def nodes(value) -> Iterator[dict]:
    """The embedded nodes under a key (one or a list)."""
    for item in value if isinstance(value, list) else [value]:
        assert isinstance(item, dict), f"{item!r} is a reference, not an embedded node"
        yield item


def embedded_ids(document: dict, key: str) -> set[URIRef]:
    return {absolute(node["id"]) for node in nodes(document.get(key, []))}


def assert_part_of_release(document: dict, context: dict, graph: Graph) -> Graph:
    """Expand the document (the context resolved locally, never fetched): each statement it
    makes is in the release."""
    stated = Graph()
    for triple in jsonld.load_jsonld(document, context).triples((None, None, None)):
        stated.add(triple)
    assert len(stated) > 0
    assert set(stated) - set(graph) == set()
    return stated


def test_a_project_embeds_its_participants_funders_and_outputs(project_server, release_graph,
                                                               context):
    projects = sorted(p for p in release_graph.subjects(RDF.type, CBSS.Project)
                      if (p, SDO.funder, None) in release_graph
                      and (p, CBSS.output, None) in release_graph
                      and (None, ORG.organization, p) in release_graph)
    assert projects, "no project with participants, funders and outputs to frame"
    for project in projects:
        response = framed(project_server, project)
        assert response.headers["content-type"].startswith("application/ld+json")
        assert f'profile="{FRAMES}project"' in response.headers["content-type"]
        assert f'<{FRAMES}project>; rel="profile"' in response.headers["link"]
        document = response.json()
        assert document["@context"][0] == jsonld.CONTEXT_IRI
        assert absolute(document["id"]) == project
        participations = set(release_graph.subjects(ORG.organization, project))
        assert embedded_ids(document, "participants") == participations
        for participation in nodes(document["participants"]):
            member = participation["member"]
            assert isinstance(member, dict) and "name" in member
            assert absolute(member["id"]) == release_graph.value(
                absolute(participation["id"]), ORG.member)
        assert embedded_ids(document, "funder") == set(release_graph.objects(project,
                                                                            SDO.funder))
        assert embedded_ids(document, "output") == set(release_graph.objects(project,
                                                                            CBSS.output))
        stated = assert_part_of_release(document, context, release_graph)
        assert set(release_graph.triples((project, None, None))) <= set(stated)


def test_a_state_embeds_its_memberships(project_server, release_graph, context):
    states = sorted(release_graph.subjects(RDF.type, CBSS.State))
    assert states
    for state in states:
        document = framed(project_server, state).json()
        memberships = set(release_graph.subjects(ORG.member, state))
        assert embedded_ids(document, "memberships") == memberships, state
        for membership in nodes(document.get("memberships", [])):
            organisation = membership["organization"]
            assert isinstance(organisation, dict) and organisation["name"]
        assert_part_of_release(document, context, release_graph)


def test_the_council_embeds_its_units_and_members(project_server, release_graph, context):
    response = framed(project_server, COUNCIL)
    assert f'profile="{FRAMES}council"' in response.headers["content-type"]
    document = response.json()
    assert embedded_ids(document, "units") == set(release_graph.subjects(ORG.unitOf, COUNCIL))
    assert embedded_ids(document, "members") == set(release_graph.subjects(ORG.organization,
                                                                          COUNCIL))
    assert_part_of_release(document, context, release_graph)


@pytest.mark.parametrize("profile", [f"{FRAMES}state", "http://www.w3.org/ns/json-ld#framed"])
def test_the_view_by_its_profile_in_accept(project_server, profile):
    latvia = "/id/state/LV"
    by_suffix = project_server.get(latvia + ".jsonld?view=framed")
    accept = f'application/ld+json; profile="{profile}"'
    negotiated = project_server.get(latvia, headers={"Accept": accept})
    assert negotiated.status_code == 200
    assert negotiated.content == by_suffix.content
    assert f'profile="{FRAMES}state"' in negotiated.headers["content-type"]
    assert "Accept" in negotiated.headers["vary"]
    assert negotiated.headers["content-location"] == latvia + ".jsonld?view=framed"
    again = project_server.get(latvia, headers={"Accept": accept,
                                                "If-None-Match": negotiated.headers["etag"]})
    assert again.status_code == 304


def test_another_views_profile_gives_the_ordinary_json_ld(project_server):
    """A profile is a preference: a state asked for as a project gets its usual description."""
    plain = project_server.get("/id/state/LV", headers={"Accept": "application/ld+json"})
    other = project_server.get("/id/state/LV", headers={
        "Accept": f'application/ld+json; profile="{FRAMES}project"'})
    assert other.status_code == 200
    assert "profile" not in other.headers["content-type"]
    assert other.content == plain.content
    assert other.headers["etag"] != framed(project_server, ID["state/LV"]).headers["etag"]


def test_what_has_no_framed_view(project_server, release_graph):
    meeting = sorted(release_graph.subjects(RDF.type, CBSS.Meeting))[0]
    missing = project_server.get(path_of(meeting) + ".jsonld?view=framed")
    assert missing.status_code == 404
    assert "projects, states and the council" in missing.text
    assert project_server.get("/id/state/LV.jsonld?view=tree").status_code == 400
    turtle = project_server.get("/id/state/LV.ttl?view=framed")
    assert turtle.status_code == 400 and ".jsonld?view=framed" in turtle.text
    refused = project_server.get("/id/state/LV?view=framed", headers={"Accept": "text/turtle"})
    assert refused.status_code == 406


def test_pages_link_to_their_framed_view(project_server, release_graph):
    project = sorted(release_graph.subjects(RDF.type, CBSS.Project))[0]
    page = project_server.get(path_of(project), headers={"Accept": "text/html"}).text
    link = re.search(r'<a class="framed" href="([^"]+)"', page).group(1)
    assert link == path_of(project) + ".jsonld?view=framed"
    assert project_server.get(link).headers["content-type"].endswith(f'"{FRAMES}project"')
    meeting = sorted(release_graph.subjects(RDF.type, CBSS.Meeting))[0]
    assert 'class="framed"' not in project_server.get(path_of(meeting),
                                                      headers={"Accept": "text/html"}).text
    described = project_server.get(path_of(project), headers={"Accept": "text/turtle"})
    assert f'profile="{FRAMES}project"' in described.headers["link"]


@pytest.mark.parametrize("view", ["project", "state", "council"])
def test_each_profile_iri_says_what_its_view_is(project_server, view):
    """The profile IRI a framed answer names answers too: its view's keys and an example that
    gives that very profile."""
    described = project_server.get(f"/frames/{view}", headers={"Accept": "application/json"})
    assert described.status_code == 200
    body = described.json()
    assert body["profile"] == FRAMES + view
    example = project_server.get(body["example"])
    assert example.headers["content-type"].endswith(f'profile="{FRAMES}{view}"')
    assert set(body["embeds"]) & set(example.json())
    page = project_server.get(f"/frames/{view}?lang=lv", headers={"Accept": "text/html"})
    assert '<html lang="lv">' in page.text and FRAMES + view in page.text
    assert project_server.get("/frames/planet").status_code == 404
