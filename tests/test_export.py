"""The release: every file, each re-parsing to the graph it holds, byte-identical builds, VoID,
checksums, and a previous release left untouched by any failure."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_canonical_graph
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from cbss_kg import __version__, export, pipeline
from cbss_kg.config import Project
from cbss_kg.export import INFERRED_GRAPH, MEDIA_TYPES, ExportError
from cbss_kg.load import ONTOLOGY_GRAPH, LoadError, load_project
from cbss_kg.namespaces import BASE, ID, ONTOLOGY_IRI, SPDX
from cbss_kg.reason import infer

HERE = Path(__file__).resolve().parent
MINI = HERE / "export" / "project"

FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


@pytest.fixture(scope="module")
def built(mini_project: Project, tmp_path_factory: pytest.TempPathFactory) -> pipeline.BuildResult:
    return pipeline.build(mini_project, tmp_path_factory.mktemp("mini") / "dist")


@pytest.fixture(scope="module")
def expected(mini_project: Project) -> tuple[dict[URIRef, Graph], Graph, Graph]:
    """What the release of the mini project must hold: named graphs, inferred triples, shapes."""
    sources = load_project(mini_project)
    graphs = {g.identifier: g for g in sources.named_graphs()}
    return graphs, infer(sources.union()), sources.shapes


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def merged(graphs) -> Graph:
    union = Graph()
    for g in graphs:
        union += g
    return union


def without_version(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    copy.remove((URIRef(ONTOLOGY_IRI), OWL.versionIRI, None))
    copy.remove((URIRef(ONTOLOGY_IRI), OWL.versionInfo, None))
    return copy


def stamped(graphs: dict[URIRef, Graph]) -> dict[URIRef, Graph]:
    """The graphs as released: the ontology carries this version."""
    ontology = without_version(graphs[ONTOLOGY_GRAPH])
    ontology.add((URIRef(ONTOLOGY_IRI), OWL.versionIRI, URIRef(f"{ONTOLOGY_IRI}/{__version__}")))
    ontology.add((URIRef(ONTOLOGY_IRI), OWL.versionInfo, Literal(__version__)))
    return {**graphs, ONTOLOGY_GRAPH: ontology}


def test_release_has_exactly_the_public_files(built: pipeline.BuildResult) -> None:
    assert sorted(p.name for p in built.out.iterdir()) == sorted(MEDIA_TYPES)
    assert [p.name for p in built.files] == list(MEDIA_TYPES)
    assert not [p for p in built.out.parent.iterdir() if p.name.startswith(".")]


def test_dumps_reparse_to_the_asserted_union(built, expected) -> None:
    graphs, _inferred, _shapes = expected
    union = without_version(merged(graphs.values()))
    for name in ("cbss-kg.ttl", "cbss-kg.nt", "cbss-kg.jsonld", "cbss-kg.rdf"):
        parsed = Graph().parse(built.out / name, format=FORMATS[Path(name).suffix])
        assert isomorphic(without_version(parsed), union), name
    assert built.triples == len(union) + 2  # the stamped version IRI and version info


def test_quads_reparse_to_every_named_graph(built, expected) -> None:
    graphs, inferred, _shapes = expected
    want = {**stamped(graphs), INFERRED_GRAPH: inferred}
    for name, fmt in (("cbss-kg.trig", "trig"), ("cbss-kg.nq", "nquads")):
        dataset = Dataset()
        dataset.parse(built.out / name, format=fmt)
        got = {g.identifier: g for g in dataset.graphs() if len(g)}
        assert set(got) == set(want), name
        for graph_name, graph in want.items():
            assert isomorphic(got[graph_name], graph), (name, graph_name)
    assert built.inferred == len(inferred)


def test_inferred_ontology_and_shapes_files(built, expected) -> None:
    graphs, inferred, shapes = expected
    assert isomorphic(Graph().parse(built.out / "inferred.ttl"), inferred)
    assert isomorphic(Graph().parse(built.out / "shapes.ttl"), shapes)
    ontology = Graph().parse(built.out / "ontology.ttl")
    assert isomorphic(without_version(ontology), without_version(graphs[ONTOLOGY_GRAPH]))
    iri = URIRef(ONTOLOGY_IRI)
    assert ontology.value(iri, OWL.versionInfo) == Literal(__version__)
    assert ontology.value(iri, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{__version__}")


def test_json_ld_embeds_the_published_context(built) -> None:
    """The dump carries the context it was compacted with, so it reads offline."""
    context = json.loads((built.out / "context.jsonld").read_text(encoding="utf-8"))
    dump = json.loads((built.out / "cbss-kg.jsonld").read_text(encoding="utf-8"))
    assert dump["@context"] == context["@context"]


def test_checksums_are_sha256sum_compatible(built) -> None:
    lines = (built.out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == sorted(set(MEDIA_TYPES) - {"SHA256SUMS"})
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((built.out / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        run = subprocess.run(
            ["sha256sum", "--check", "--strict", "SHA256SUMS"],
            cwd=built.out,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stdout + run.stderr


def test_void_describes_the_release(built, expected) -> None:
    graphs, inferred, _shapes = expected
    void = Graph().parse(built.out / "void.ttl")
    dataset = URIRef(BASE)
    everything = merged([*stamped(graphs).values(), inferred])
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert void.value(dataset, VOID.triples).toPython() == len(everything)
    assert void.value(dataset, VOID.entities).toPython() == len(
        {s for s in everything.subjects() if str(s).startswith(str(ID))}
    )
    assert void.value(dataset, VOID.classes).toPython() == len(
        set(everything.objects(None, RDF.type))
    )
    assert void.value(dataset, VOID.properties).toPython() == len(set(everything.predicates()))
    assert void.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(dataset, OWL.versionInfo) == Literal(__version__)
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert void.value(dataset, VOID.uriSpace) == Literal("https://w3id.org/cbss-kg/id/")
    assert set(void.objects(dataset, DCTERMS.source)) == {
        URIRef("http://cilvektirdznieciba.lv/lv/cbss-tf-thb-darbibas-ietvars"),
        URIRef("https://cbss.org/about-us/members/"),
    }
    assert URIRef("https://schema.org/") in set(void.objects(dataset, VOID.vocabulary))
    subsets = set(void.objects(dataset, VOID.subset))
    assert subsets == {*graphs, INFERRED_GRAPH}
    for name, graph in {**stamped(graphs), INFERRED_GRAPH: inferred}.items():
        assert void.value(name, VOID.triples).toPython() == len(graph)


def test_void_distributions_match_the_files(built) -> None:
    void = Graph().parse(built.out / "void.ttl")
    distributions = set(void.objects(URIRef(BASE), DCAT.distribution))
    described = set(MEDIA_TYPES) - {"void.ttl", "SHA256SUMS"}
    assert distributions == {URIRef(f"{BASE}download/{name}") for name in described}
    for name in described:
        url = URIRef(f"{BASE}download/{name}")
        data = (built.out / name).read_bytes()
        assert void.value(url, DCAT.downloadURL) == url
        assert void.value(url, DCAT.byteSize) == Literal(len(data), datatype=XSD.nonNegativeInteger)
        assert str(void.value(url, DCAT.mediaType)).endswith("/" + MEDIA_TYPES[name])
        checksum = void.value(url, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()


def test_builds_in_separate_processes_are_byte_identical(built, mini_project, tmp_path) -> None:
    """A second build, in a process with another hash seed, writes the very same bytes."""
    out = tmp_path / "again"
    script = (
        "import sys; from pathlib import Path; from cbss_kg import pipeline; "
        "from cbss_kg.config import Project; "
        "pipeline.build(Project(Path(sys.argv[1])), Path(sys.argv[2]))"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", script, str(mini_project.root), str(out)], env=env, check=True
        )
        assert snapshot(out) == snapshot(built.out), f"hash seed {seed}"


def test_turtle_and_trig_write_deep_iris_whole_not_as_escaped_prefixed_names(built) -> None:
    """``id:state/LV`` is no prefixed name: a writer given ``id:`` escapes it as
    ``id:state\\/LV``, which is valid but hard to read; the release writes the IRI whole."""
    for name in ("cbss-kg.ttl", "cbss-kg.trig", "inferred.ttl"):
        text = (built.out / name).read_text(encoding="utf-8")
        assert "\\/" not in text, name
        assert f"<{ID}" in text and "@prefix id:" not in text, name
    ontology = (built.out / "ontology.ttl").read_text(encoding="utf-8")
    assert "@prefix cbss:" in ontology and "cbss:State" in ontology


def test_violations_leave_the_previous_release_untouched(built, project_copy, tmp_path) -> None:
    out = tmp_path / "dist"
    shutil.copytree(built.out, out)
    before = snapshot(out)
    copy = project_copy(MINI)
    projects = copy.data_dir / "projects.trig"
    projects.write_text(
        projects.read_text(encoding="utf-8").replace('"2016-01-01"^^xsd:date', '"2016"'),
        encoding="utf-8",
    )
    with pytest.raises(pipeline.BuildFailed) as caught:
        pipeline.build(copy, out)
    assert not caught.value.report.conforms
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "project"]


def test_the_loaded_graph_is_set_aside_from_the_garbage_collector_only_while_building(
    mini_project, project_copy, tmp_path, monkeypatch
) -> None:
    """The stages run with the loaded sources frozen out of the cyclic collector's sight (and the
    collector on, so what they drop is freed); after a build, finished or failed, the process's
    collector is as it was."""
    seen = []
    real_infer = pipeline.infer

    def watched_infer(graph: Graph, **options: object) -> Graph:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return real_infer(graph, **options)

    monkeypatch.setattr(pipeline, "infer", watched_infer)
    assert gc.get_freeze_count() == 0
    pipeline.build(mini_project, tmp_path / "dist")
    (enabled, frozen), = seen
    assert enabled and frozen > len(load_project(mini_project).dataset)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    broken = project_copy(MINI)
    (broken.data_dir / "projects.trig").write_text("@prefix : <x> .\n:a :b", encoding="utf-8")
    with pytest.raises(LoadError):
        pipeline.build(broken, tmp_path / "other")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_failure_while_writing_leaves_the_previous_release_untouched(
    built, mini_project, tmp_path, monkeypatch
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(built.out, out)
    before = snapshot(out)
    calls = []
    real_turtle = export.turtle

    def failing_turtle(graph: Graph) -> str:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_turtle(graph)

    monkeypatch.setattr(export, "turtle", failing_turtle)
    with pytest.raises(OSError, match="disk full"):
        pipeline.build(mini_project, out)
    assert len(calls) == 3
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_an_inconsistency_leaves_the_previous_release_untouched(
    built, project_copy, tmp_path
) -> None:
    from cbss_kg.reason import InconsistencyError

    out = tmp_path / "dist"
    shutil.copytree(built.out, out)
    before = snapshot(out)
    copy = project_copy(MINI)
    for path, old, new in (
        (
            copy.ontology_dir / "cbss.ttl",
            "owl:disjointWith cbss:Project",
            "owl:disjointWith cbss:TaskForce",
        ),
        (copy.data_dir / "organisations.trig", "a cbss:State ;", "a cbss:State , cbss:TaskForce ;"),
    ):
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InconsistencyError, match="state/LV"):
        pipeline.build(copy, out)
    assert snapshot(out) == before


def test_a_folder_that_is_not_a_release_is_never_replaced(mini_project, tmp_path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ExportError, match="not a previous release"):
        pipeline.build(mini_project, out)
    assert snapshot(out) == {"notes.txt": b"keep me"}


def test_a_new_release_replaces_the_previous_one(built, mini_project, tmp_path) -> None:
    out = tmp_path / "dist"
    shutil.copytree(built.out, out)
    (out / "stale.txt").write_text("from an older release", encoding="utf-8")
    pipeline.build(mini_project, out)
    assert snapshot(out) == snapshot(built.out)


# --- the real project ----------------------------------------------------------------------------


def test_real_release_reparses_to_its_sources(
    release: pipeline.BuildResult, project: Project
) -> None:
    sources = load_project(project)
    union = without_version(sources.union())
    for name in ("cbss-kg.ttl", "cbss-kg.nt", "cbss-kg.jsonld", "cbss-kg.rdf"):
        parsed = Graph().parse(release.out / name, format=FORMATS[Path(name).suffix])
        assert isomorphic(without_version(parsed), union), name
    dataset = Dataset()
    dataset.parse(release.out / "cbss-kg.nq", format="nquads")
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {g.identifier for g in sources.named_graphs()} | {INFERRED_GRAPH}
    trig = Dataset()
    trig.parse(release.out / "cbss-kg.trig", format="trig")
    for graph in dataset.graphs():
        if len(graph):
            assert isomorphic(trig.graph(graph.identifier), graph), graph.identifier


def test_trig_keeps_multi_line_literals_exact() -> None:
    """A literal spanning lines reads back with the same text from the TriG dump."""
    text = "line one\n  line two, indented\nline three"
    graph = Graph()
    graph.add((ID["thing/a"], DCTERMS.description, Literal(text, lang="en")))
    name = URIRef(BASE + "graph/x")
    parsed = Dataset()
    parsed.parse(data=export.trig({name: graph}), format="trig")
    assert {o for _, _, o, _ in parsed.quads()} == {Literal(text, lang="en")}


SYMMETRIC = """
@prefix : <http://example.org/> .
:a :p [ :q [ :r :z ] ] , [ :q [ :r :z ] ] .
_:x :s _:y . _:y :s _:x . _:u :s _:v . _:v :s _:u .
:l :list ( 1 2 3 ) , ( 1 2 3 ) , ( ( 1 ) ( 1 ) ) .
"""


@pytest.mark.parametrize("which", ["shapes", "ontology", "symmetric"])
def test_blank_node_labels_are_rdflibs_canonical_ones(project: Project, which: str) -> None:
    """The release's blank-node labels come from rdflib's canonicalization, computed faster: they
    must be exactly rdflib's, numbered in the order of rdflib's labels."""
    sources = load_project(project)
    graph = {
        "shapes": sources.shapes,
        "ontology": sources.ontology,
        "symmetric": Graph().parse(data=SYMMETRIC, format="turtle"),
    }[which]
    canonical = list(to_canonical_graph(graph))
    blanks = sorted({t for triple in canonical for t in triple if isinstance(t, BNode)}, key=str)
    label = {b: BNode(f"b{n}") for n, b in enumerate(blanks)}
    expected = {tuple(label.get(t, t) for t in triple) for triple in canonical}
    [relabelled] = export.relabel_blank_nodes({URIRef(BASE + "graph/x"): graph}).values()
    assert set(relabelled) == expected


EDGES = """
@prefix cbss: <https://w3id.org/cbss-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix id: <https://w3id.org/cbss-kg/id/> .
id:a a cbss:Project , <https://example.org/Other> ;
    skos:prefLabel "no language" , "Latvija"@lv , "Latvia"@en , "Latvia too"@en ;
    schema:startDate "1995"^^xsd:gYear , "1995-01-01"^^xsd:date ;
    schema:name "typed"^^xsd:string , "quote \\" and \\\\ and\\nline"@en ;
    <https://example.org/p> <https://w3id.org/cbss-kg/ontology> ,
        <https://w3id.org/cbss-kg/x/../y> , <https://example.org/q?x#y> , id:b\\/c ,
        <https://w3id.org/cbss-kg/id/@k> , "1"^^xsd:integer ;
    cbss:unknownProperty id:b , "x"@lv .
id:j rdf:value "{\\"a\\": 1}"^^rdf:JSON ; owl:members ( id:a id:b ) .
<https://w3id.org/cbss-kg/id/> skos:prefLabel "the id space"@en .
[] skos:prefLabel "blank"@en ; schema:location [ schema:name "nested" ] .
"""


@pytest.mark.parametrize("which", ["mini", "edges", "symmetric"])
def test_json_ld_is_pylds_own_document(mini_project: Project, which: str) -> None:
    """The release's JSON-LD is written without PyLD compacting every node, yet it is the very
    document PyLD writes for the same graph, byte for byte."""
    from cbss_kg import jsonld

    sources = load_project(mini_project)
    graph = {
        "mini": sources.union(),
        "edges": Graph().parse(data=EDGES, format="turtle"),
        "symmetric": Graph().parse(data=SYMMETRIC, format="turtle"),
    }[which]
    context = jsonld.build_context(sources.ontology, sources.shapes)
    [relabelled] = export.relabel_blank_nodes({INFERRED_GRAPH: graph}).values()
    [statements] = export._render_all({INFERRED_GRAPH: graph}).values()
    assert not jsonld._FastCompactor(context).generic  # the shortcuts are taken
    fast = jsonld.dumps(jsonld.compact_statements(statements, context))
    pyld = jsonld.compact_graph(relabelled, context, relabel_blank_nodes=False)
    assert fast == jsonld.dumps(pyld)


def test_turtle_is_grouped_by_subject_with_the_projects_prefixes(built) -> None:
    from cbss_kg.namespaces import PREFIXES

    text = (built.out / "cbss-kg.ttl").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("@prefix ")]
    declared = [line.split()[1].rstrip(":") for line in header]
    assert declared == [p for p in PREFIXES if p in declared]
    assert {"cbss", "skos", "org"} <= set(declared)
    for line, prefix in zip(header, declared, strict=True):
        assert line.split()[2] == f"<{PREFIXES[prefix]}>"
    body = text.split("\n\n", 1)[1]
    starts = [line.split(" ", 1)[0] for line in body.splitlines() if not line[0].isspace()]
    assert len(starts) == len(set(starts)) > 10
    assert "cbss:Project" in starts
