"""Loading: named graphs as written, the ontology and shapes apart, syntax errors located."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from cbss_kg.config import Project
from cbss_kg.load import ONTOLOGY_GRAPH, LoadError, load_project, parse_file
from cbss_kg.namespaces import BASE, CBSS, GRAPH, ID, SH

HERE = Path(__file__).resolve().parent
MALFORMED = HERE / "load"


def test_named_graphs_are_kept_as_written(mini_project: Project) -> None:
    sources = load_project(mini_project)
    names = {g.identifier for g in sources.named_graphs()}
    assert names == {
        ONTOLOGY_GRAPH,
        GRAPH["metadata"],
        GRAPH["source/seed"],
        GRAPH["source/cbss-org"],
    }
    seed = sources.dataset.graph(GRAPH["source/seed"])
    other = sources.dataset.graph(GRAPH["source/cbss-org"])
    latvia = ID["state/LV"]
    assert (latvia, SKOS.prefLabel, Literal("Latvija", lang="lv")) in seed
    assert (latvia, SKOS.prefLabel, Literal("Latvia", lang="en")) not in seed
    assert (latvia, SKOS.prefLabel, Literal("Latvia", lang="en")) in other


def test_ontology_and_shapes_are_kept_apart(mini_project: Project) -> None:
    sources = load_project(mini_project)
    assert (CBSS.Project, RDF.type, OWL.Class) in sources.ontology
    assert (None, RDF.type, SH.NodeShape) in sources.shapes
    assert not any((None, RDF.type, SH.NodeShape) in g for g in sources.named_graphs())
    assert [p.relative_to(mini_project.root).as_posix() for p in sources.files] == [
        "ontology/cbss.ttl",
        "data/organisations.trig",
        "data/projects.trig",
        "data/sources.trig",
        "ontology/shapes.ttl",
    ]


def test_union_merges_every_named_graph_once(mini_project: Project) -> None:
    sources = load_project(mini_project)
    union = sources.union()
    total = sum(len(g) for g in sources.named_graphs())
    # strom-ii's label triples are only in the seed graph; each triple appears once in the union.
    assert len(union) == len({t for g in sources.named_graphs() for t in g})
    assert len(union) <= total
    assert (CBSS.Project, RDF.type, OWL.Class) in union
    assert (ID["state/LV"], SKOS.prefLabel, Literal("Latvia", lang="en")) in union


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("bad-prefix.ttl", 5, 14, 'Prefix "skos:" not bound'),
        ("missing-dot.ttl", 5, 1, "expected '.'"),
        ("unterminated-string.ttl", 4, 35, "newline found in string literal"),
        ("bad-iri.ttl", 5, 18, "invalid IRI <https://example.org/a state>"),
        ("missing-brace.trig", 5, 1, "needed '}'"),
        ("bad-language.trig", 4, 60, "language"),
        ("literal-subject.trig", 5, 5, "a literal cannot be a subject"),
        ("outside-graph.trig", 8, 1, "outside a GRAPH block"),
    ],
)
def test_malformed_file_names_file_line_and_column(
    name: str, line: int, column: int, words: str
) -> None:
    path = MALFORMED / name
    into = Dataset() if path.suffix == ".trig" else Graph()
    with pytest.raises(LoadError) as caught:
        parse_file(path, into)
    error = caught.value
    assert (error.path, error.line, error.column) == (path, line, column)
    assert words in error.message
    assert str(error).startswith(f"{path.as_posix()}:{line}:{column}: ")


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(
        b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        b'<https://w3id.org/cbss-kg/id/state/LV> skos:prefLabel "R\xefga"@lv .\n'
    )
    with pytest.raises(LoadError) as caught:
        parse_file(path, Graph())
    assert (caught.value.line, caught.value.column) == (2, 57)
    assert "UTF-8" in caught.value.message


def test_project_error_names_the_file_relative_to_the_root(project_copy) -> None:
    copy = project_copy(HERE / "export" / "project")
    broken = copy.data_dir / "projects.trig"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("cbss:runBy", "cbss:runBy <oops", 1), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_project(copy)
    assert str(caught.value).startswith("data/projects.trig:")
    assert caught.value.path == Path("data/projects.trig")
    assert caught.value.line is not None


def test_loading_never_reaches_the_network(tmp_path: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the loader tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    path = tmp_path / "imports.ttl"
    path.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://w3id.org/cbss-kg/ontology> a owl:Ontology ;\n"
        "    owl:imports <http://www.w3.org/ns/org#> , <relative-thing> .\n",
        encoding="utf-8",
    )
    graph = Graph()
    parse_file(path, graph)
    imported = set(graph.objects(None, OWL.imports))
    # owl:imports is kept as data; a relative IRI resolves against the published base, never
    # against the file's location on this machine.
    assert imported == {URIRef("http://www.w3.org/ns/org#"), URIRef(BASE + "relative-thing")}


def test_missing_shapes_file_gives_empty_shapes(project_copy) -> None:
    copy = project_copy(HERE / "export" / "project")
    copy.shapes_file.unlink()
    sources = load_project(copy)
    assert len(sources.shapes) == 0
    assert copy.shapes_file not in sources.files


def test_real_project_loads(project: Project) -> None:
    sources = load_project(project)
    assert len(sources.ontology) > 0
    assert len(sources.shapes) > 0
    graphs = {g.identifier for g in sources.named_graphs()}
    assert GRAPH["metadata"] in graphs
    assert GRAPH["source/cilvektirdznieciba-2018"] in graphs
    # no triple outside a named graph
    assert len(sources.dataset.default_graph) == 0


# --- the fast parser -----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["mini", "real"])
def test_the_fast_parser_reads_every_source_as_rdflib_does(
    mini_project: Project, project: Project, monkeypatch, which: str
) -> None:
    """Sources are parsed by the store's parser; rdflib's own reading is the reference."""
    from rdflib.compare import isomorphic

    from cbss_kg import load

    chosen = {"mini": mini_project, "real": project}[which]
    fast = load_project(chosen)
    monkeypatch.setattr(load, "_fast", lambda *args: False)
    reference = load_project(chosen)
    graphs = {g.identifier: g for g in reference.named_graphs()}
    assert {g.identifier for g in fast.named_graphs()} == set(graphs)
    for graph in fast.named_graphs():
        assert isomorphic(graph, graphs[graph.identifier]), graph.identifier
    assert isomorphic(fast.shapes, reference.shapes)
    assert len(fast.dataset.default_graph) == 0


def test_what_the_fast_parser_would_read_otherwise_is_read_by_rdflib(tmp_path: Path) -> None:
    """pyoxigraph lower-cases language tags and drops ``xsd:string``; rdflib keeps both."""
    path = tmp_path / "things.ttl"
    path.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<https://w3id.org/cbss-kg/id/a> <urn:p> "colour"@en-GB , "text"^^xsd:string , "plain" .\n',
        encoding="utf-8",
    )
    graph = Graph()
    parse_file(path, graph)
    assert set(graph.objects()) == {
        Literal("colour", lang="en-GB"),
        Literal("text", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string")),
        Literal("plain"),
    }
    assert {o.language for o in graph.objects()} == {"en-GB", None}


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    first.write_text('_:x <urn:p> "a" .\n', encoding="utf-8")
    second.write_text('_:x <urn:p> "b" .\n', encoding="utf-8")
    graph = Graph()
    parse_file(first, graph)
    parse_file(second, graph)
    assert len(set(graph.subjects())) == 2
