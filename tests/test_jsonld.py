"""The JSON-LD context, compaction round trip, framed views and the loader that never fetches."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, RDF, RDFS, SDO, SKOS, VOID, XSD

from cbss_kg import jsonld
from cbss_kg.load import load_project
from cbss_kg.namespaces import CBSS, ELI, ID, PREFIXES, SH

HERE = Path(__file__).parent / "jsonld"
LV = str(ID["state/LV"])


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(HERE / "ontology.ttl")


@pytest.fixture(scope="module")
def graph(ontology: Graph) -> Graph:
    return ontology + Graph().parse(HERE / "graph.ttl")


@pytest.fixture(scope="module")
def context(ontology: Graph) -> dict:
    return jsonld.build_context(ontology)


def _node(document: dict, relative_id: str) -> dict:
    (node,) = [n for n in document["@graph"] if n["id"] == relative_id]
    return node


def _triples(dataset) -> Graph:
    graph = Graph()
    for triple in dataset.triples((None, None, None)):
        graph.add(triple)
    return graph


# --- the context ---------------------------------------------------------------------------


def test_context_gives_short_keys_for_web_developers(context: dict) -> None:
    assert context["id"] == "@id" and context["type"] == "@type"
    assert context["@base"] == str(ID) and context["@vocab"] == str(CBSS)
    assert "id" not in {k for k, v in context.items() if isinstance(v, str) and v.endswith("/id/")}
    assert context["name"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert context["altName"] == {"@id": "skos:altLabel", "@container": "@language"}
    assert context["startDate"] == {"@id": "schema:startDate", "@type": "xsd:date"}
    assert context["member"] == {"@id": "org:member", "@type": "@id"}
    assert context["memberships"] == {"@reverse": "org:member"}
    assert context["State"] == "cbss:State"
    assert context["output"] == {"@id": "cbss:output", "@type": "@id"}


def test_context_is_deterministic_and_ordered(ontology: Graph) -> None:
    first = jsonld.dumps(jsonld.build_context(ontology))
    again = jsonld.dumps(jsonld.build_context(Graph().parse(HERE / "ontology.ttl")))
    assert first == again
    keys = list(json.loads(first))
    prefixes = [k for k in keys if k in PREFIXES and k != "id"]
    head = ["@version", "@base", "@vocab", "id", "type", *prefixes]
    assert keys[: len(head)] == head
    terms = keys[len(head):]
    assert terms == sorted(terms) and len(terms) > 20


def test_shared_local_names_get_distinct_keys() -> None:
    ontology = Graph()
    ontology.add((ELI.title, RDF.type, OWL.DatatypeProperty))
    ontology.add((SDO.Organization, RDF.type, OWL.Class))
    ontology.add((ORG.Organization, RDF.type, OWL.Class))
    context = jsonld.build_context(ontology)
    assert context["title"]["@id"] == "dct:title"
    assert context["eliTitle"]["@id"] == "eli:title"
    assert context["Organization"] == "org:Organization"
    assert context["schemaOrganization"] == "schema:Organization"


def test_value_kinds_come_from_ontology_and_shapes() -> None:
    ontology = Graph()
    ontology.add((CBSS.linksTo, RDF.type, OWL.ObjectProperty))
    ontology.add((CBSS.decidedOn, RDF.type, OWL.DatatypeProperty))
    ontology.add((CBSS.decidedOn, RDFS.range, XSD.date))
    ontology.add((CBSS.motto, RDFS.range, RDF.langString))
    shapes = Graph()
    shape = URIRef("https://example.org/shape")
    shapes.add((shape, SH.path, CBSS.headcount))
    shapes.add((shape, SH.datatype, XSD.integer))
    context = jsonld.build_context(ontology, shapes)
    assert context["linksTo"] == {"@id": "cbss:linksTo", "@type": "@id"}
    assert context["decidedOn"] == {"@id": "cbss:decidedOn", "@type": "xsd:date"}
    assert context["motto"] == {"@id": "cbss:motto", "@container": "@language"}
    assert context["headcount"] == {"@id": "cbss:headcount", "@type": "xsd:integer"}


# --- compaction and the round trip -------------------------------------------------------------


def test_compacted_graph_reads_like_ordinary_json(graph: Graph, context: dict) -> None:
    document = jsonld.compact_graph(graph, context)
    latvia = _node(document, "state/LV")
    assert latvia["type"] == "State"
    assert latvia["name"] == {"lv": "Latvija", "en": "Latvia"}
    assert latvia["exactMatch"] == "wd:Q211"
    conference = _node(document, "event/copenhagen-1992")
    assert conference["startDate"] == "1992-03-05"
    assert conference["location"] == "place/copenhagen"
    membership = _node(document, "membership/cbss/LV-member-state")
    assert membership["member"] == "state/LV" and membership["organization"] == "org/cbss"


def test_values_that_do_not_fit_their_term_fall_back(graph: Graph, context: dict) -> None:
    """A gYear start date, a label without language, a literal source keep their exact value."""
    document = jsonld.compact_graph(graph, context)
    project = _node(document, "project/strom")
    assert "startDate" not in project
    assert project["schema:startDate"] == {"type": "xsd:gYear", "@value": "2012"}
    assert project["endDate"] == "2013-12-31"
    assert project["dct:source"] == "a literal where an IRI is usual"
    council = _node(document, "org/cbss")
    assert council["altName"] == {"lv": "BJVP", "@none": "CBSS", "en": "CBSS"}


LISTS = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix cbss: <https://w3id.org/cbss-kg/ontology#> .
[] a owl:AllDisjointClasses ; owl:members ( cbss:State cbss:Committee ) .
<https://w3id.org/cbss-kg/id/x> cbss:note ( "a"@en "b" 3 ) , ( ) .
"""


@pytest.mark.parametrize("which", ["fixture", "lists", "project"])
def test_compaction_is_pylds_own(which: str, graph: Graph, context: dict, project) -> None:
    """compact_graph remembers how PyLD compacted each IRI and kind of value: the document must
    be exactly the one PyLD writes when asked every time."""
    data = {
        "fixture": lambda: graph,
        "lists": lambda: Graph().parse(data=LISTS, format="turtle"),
        "project": lambda: load_project(project).union(),
    }[which]()
    expected = jsonld.pyld.compact(
        jsonld.expand_graph(data),
        jsonld.CONTEXT_IRI,
        {"documentLoader": jsonld.local_loader({jsonld.CONTEXT_IRI: {"@context": context}}),
         "graph": True},
    )
    expected["@context"] = dict(context)
    assert jsonld.compact_graph(data, context) == expected


def test_round_trip_gives_the_same_graph(graph: Graph, context: dict) -> None:
    text = jsonld.dumps(jsonld.compact_graph(graph, context))
    assert isomorphic(_triples(jsonld.load_jsonld(text)), graph)
    # A consumer's own JSON-LD processor (rdflib's) reads the same graph from the download.
    assert isomorphic(Graph().parse(data=text, format="json-ld"), graph)


def test_round_trip_keeps_values_exactly(graph: Graph, context: dict) -> None:
    text = jsonld.dumps(jsonld.compact_graph(graph, context))
    back = _triples(jsonld.load_jsonld(text))
    passage = ID["passage/seed-01"]
    (value,) = back.objects(passage, URIRef("http://www.w3.org/ns/prov#value"))
    assert value == Literal('Teikums ar "pēdiņām" un\njaunu rindu.', lang="lv")
    assert (passage, SDO.position, Literal("1", datatype=XSD.integer)) in back
    assert (ID["org/cbss"], SKOS.altLabel, Literal("CBSS")) in back
    assert (ID["project/strom"], DCTERMS.source, Literal("a literal where an IRI is usual")) in back


def test_round_trip_detects_a_changed_graph(graph: Graph, context: dict) -> None:
    """Counter-example: the isomorphism check used above does fail when a value changes."""
    document = jsonld.compact_graph(graph, context)
    _node(document, "event/copenhagen-1992")["startDate"] = "1992-03-04"
    assert not isomorphic(_triples(jsonld.load_jsonld(document)), graph)


def test_compaction_is_byte_stable_with_blank_nodes(context: dict) -> None:
    texts = {
        jsonld.dumps(jsonld.compact_graph(Graph().parse(HERE / "graph.ttl"), context))
        for _ in range(2)
    }
    assert len(texts) == 1
    assert '"@list"' in texts.pop()


def test_document_may_refer_to_the_context_by_iri(graph: Graph, context: dict) -> None:
    document = jsonld.compact_graph(graph, context, embed_context=False)
    assert document["@context"] == jsonld.CONTEXT_IRI
    assert isomorphic(_triples(jsonld.load_jsonld(document, context)), graph)
    with pytest.raises(jsonld.RemoteContextRefused, match="never fetches"):
        jsonld.load_jsonld(document)


# --- the loader never fetches ------------------------------------------------------------------


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture()
def listener():
    server = Listener()
    yield server
    server.close()


def _doc(context: object) -> str:
    return json.dumps({"@context": context, "@id": LV, "name": "x"})


def test_remote_context_is_refused_without_connecting(listener: Listener, context: dict) -> None:
    url = f"http://127.0.0.1:{listener.port}/context.jsonld"
    with pytest.raises(jsonld.RemoteContextRefused) as refused:
        jsonld.load_jsonld(_doc(url), context)
    assert refused.value.url == url
    with pytest.raises(jsonld.RemoteContextRefused):
        jsonld.load_jsonld(_doc({"@import": url, "name": "skos:prefLabel"}), context)
    with pytest.raises(jsonld.RemoteContextRefused):
        jsonld.load_jsonld(_doc({"name": {"@id": "skos:prefLabel", "@context": url}}), context)
    listener.stopped.wait(0.5)
    assert listener.connections == 0


def test_listener_does_see_a_fetching_parser(listener: Listener) -> None:
    """Counter-example: a parser that fetches contexts (rdflib's own) is seen by the listener."""
    url = f"http://127.0.0.1:{listener.port}/context.jsonld"
    with pytest.raises(Exception):  # noqa: B017 - any failure: the listener answers nothing
        Graph().parse(data=_doc(url), format="json-ld")
    listener.stopped.wait(0.5)
    assert listener.connections >= 1


def test_file_context_is_refused(tmp_path: Path, context: dict) -> None:
    local = tmp_path / "context.jsonld"
    local.write_text(jsonld.dumps({"@context": context}), encoding="utf-8")
    for reference in (local.as_uri(), str(local), "context.jsonld"):
        with pytest.raises(jsonld.RemoteContextRefused):
            jsonld.load_jsonld(_doc(reference), context)


def test_malformed_input_gets_a_plain_error(context: dict) -> None:
    with pytest.raises(jsonld.JsonLdError, match="line 1, column 2"):
        jsonld.load_jsonld("{oops", context)
    with pytest.raises(jsonld.JsonLdError, match="invalid JSON-LD"):
        jsonld.load_jsonld({"@context": {"name": {"@id": 5}}, "name": "x"}, context)
    with pytest.raises(jsonld.JsonLdError, match="object or array"):
        jsonld.load_jsonld("42", context)


# --- framed views ------------------------------------------------------------------------------


def test_project_view_embeds_participants_funders_outputs(graph: Graph, context: dict) -> None:
    view = jsonld.frame_view(graph, "project", str(ID["project/strom"]), context)
    assert view["@context"][0] == jsonld.CONTEXT_IRI
    assert view["id"] == "project/strom"
    participant = view["participants"]
    assert participant["role"] == "concept/role/participant"
    assert participant["member"]["name"] == {"en": "Latvia", "lv": "Latvija"}
    assert view["funder"]["name"]["en"] == "Ministry of the Interior"
    assert view["output"]["name"]["en"] == "Guidelines"
    assert view["outcomes"]["description"] == {"lv": "Pašvaldības sadarbojas"}
    assert view["runBy"] == "org/tf-thb"
    assert isomorphic(
        _triples(jsonld.load_jsonld(view, context)),
        jsonld._view_subgraph(graph, jsonld.VIEWS["project"], ID["project/strom"]),
    )


def test_state_view_embeds_memberships(graph: Graph, context: dict) -> None:
    view = jsonld.frame_view(graph, "state", LV, context, embed_context=True)
    memberships = {m["id"]: m for m in view["memberships"]}
    council = memberships["membership/cbss/LV-member-state"]
    assert council["member"] == "state/LV"
    assert council["organization"]["name"]["en"] == "Council of the Baltic Sea States"
    assert council["memberDuring"]["hasBeginning"]["inXSDDate"] == "1992-03-06"
    assert "participation/strom/LV" in memberships
    assert isinstance(view["@context"][0], dict)


def test_council_view_embeds_units_and_members(graph: Graph, context: dict) -> None:
    view = jsonld.frame_view(graph, "council", str(ID["org/cbss"]), context)
    assert view["units"]["name"]["en"] == "Task Force against Trafficking in Human Beings"
    members = {m["member"]["id"]: m for m in view["members"]}
    assert set(members) == {"state/LV", "state/IS"}
    assert members["state/IS"]["memberDuring"]["hasBeginning"]["inXSDgYear"] == "1995"
    assert members["state/IS"]["attestedOn"] == "2018-09-04"


def test_unknown_thing_or_view_is_an_error(graph: Graph, context: dict) -> None:
    with pytest.raises(jsonld.JsonLdError, match="nothing is known"):
        jsonld.frame_view(graph, "state", str(ID["state/XX"]), context)
    with pytest.raises(KeyError):
        jsonld.frame_view(graph, "planet", LV, context)


# --- the release -------------------------------------------------------------------------------


def _assert_release_round_trip(out: Path) -> None:
    """The JSON-LD download expands to exactly the graph of the Turtle download."""
    context = json.loads((out / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    text = (out / "cbss-kg.jsonld").read_text(encoding="utf-8")
    assert json.loads(text)["@context"] == context
    turtle = Graph().parse(out / "cbss-kg.ttl")
    assert len(turtle) > 0
    assert isomorphic(_triples(jsonld.load_jsonld(text, context)), turtle)
    assert context["name"] == {"@id": "skos:prefLabel", "@container": "@language"}


def test_mini_release_json_ld_is_the_turtle_graph(mini_project, tmp_path: Path) -> None:
    from cbss_kg import pipeline

    _assert_release_round_trip(pipeline.build(mini_project, tmp_path / "dist").out)


def test_release_json_ld_is_the_turtle_graph(release) -> None:
    _assert_release_round_trip(release.out)
    document = json.loads((release.out / "cbss-kg.jsonld").read_text(encoding="utf-8"))
    latvia = _node(document, "state/LV")
    assert latvia["name"]["lv"] == "Latvija"
    types = [latvia["type"]] if isinstance(latvia["type"], str) else latvia["type"]
    assert "State" in types


# --- a dataset's description ----------------------------------------------------------------


def _void(dataset: URIRef) -> Graph:
    spdx = "http://spdx.org/rdf/terms#"
    void = Graph()
    dump = URIRef(str(dataset) + "download/a.ttl")
    checksum = BNode()
    void.add((dataset, RDF.type, VOID.Dataset))
    void.add((dataset, VOID.triples, Literal(12, datatype=XSD.integer)))
    void.add((dataset, DCAT.distribution, dump))
    void.add((dataset, VOID.dataDump, dump))
    void.add((dump, DCAT.byteSize, Literal(99, datatype=XSD.nonNegativeInteger)))
    void.add((dump, URIRef(spdx + "checksum"), checksum))
    void.add((checksum, URIRef(spdx + "checksumValue"), Literal("ab12", datatype=XSD.hexBinary)))
    void.add((dataset, VOID.subset, URIRef(str(dataset) + "graph/a")))
    void.add((URIRef(str(dataset) + "graph/a"), VOID.triples, Literal(3, datatype=XSD.integer)))
    return void


def test_a_dataset_description_is_one_tree_and_the_same_graph(context: dict) -> None:
    dataset = URIRef("https://example.org/kg/")
    void = _void(dataset)
    tree = jsonld.frame_dataset(void, str(dataset), context)
    assert tree["id"] == str(dataset)
    (distribution,) = tree["distribution"] if isinstance(tree["distribution"], list) else [
        tree["distribution"]]
    assert distribution["byteSize"] == "99"
    assert distribution["checksum"]["checksumValue"] == "ab12"
    assert tree["subset"]["triples"] == "3"
    assert isomorphic(_triples(jsonld.load_jsonld(tree, context)), void)


def test_a_dataset_description_never_drops_a_statement(context: dict) -> None:
    """Counter-example: a node that does not hang from the dataset cannot be framed away."""
    dataset = URIRef("https://example.org/kg/")
    void = _void(dataset)
    void.add((URIRef("https://example.org/elsewhere"), RDFS.label, Literal("loose")))
    with pytest.raises(jsonld.JsonLdError, match="1 statements do not hang from"):
        jsonld.frame_dataset(void, str(dataset), context)
