"""Writing the release: every serialization, its VoID/DCAT description and checksums.

Output is byte-identical for the same input. Blank nodes get labels derived from the graph's
content (rdflib's canonicalization, then numbered in order). Each graph is read from rdflib once
and written as N-Triples terms, sorted; every file is written from those strings in time linear
in the graph: N-Triples and N-Quads directly (lines sorted), Turtle, TriG and RDF/XML by
pyoxigraph's streaming writers (:func:`cbss_kg.store.reserialize`, statements grouped by
subject), JSON-LD by :func:`cbss_kg.jsonld.compact_statements` (PyLD's document, without PyLD
compacting every node). Prefixes come from :data:`~cbss_kg.namespaces.PREFIXES` only, those a
file uses, in that order.

The release is written into a fresh folder beside the output folder and swapped in only once
every file is written, so a failure leaves the previous release as it was.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import Color, _TripleCanonicalizer
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, VOID, XSD
from rdflib.term import Node

from cbss_kg import jsonld, store
from cbss_kg.load import ONTOLOGY_GRAPH
from cbss_kg.namespaces import GRAPH, ID, ONTOLOGY_IRI, PREFIXES, SHAPES, SPDX
from cbss_kg.results import literal_text

INFERRED_GRAPH = GRAPH["inferred"]
"""The named graph that holds the reasoner's new triples in the release."""

_SHAPES = URIRef(str(SHAPES))
TITLE = "CBSS knowledge graph"
DESCRIPTION = (
    "The Council of the Baltic Sea States, its members, priorities, decisions and its Task Force"
    " against Trafficking in Human Beings, with the source of every statement."
)
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA = "https://www.iana.org/assignments/media-types/"

MEDIA_TYPES = {
    "cbss-kg.trig": "application/trig",
    "cbss-kg.nq": "application/n-quads",
    "cbss-kg.ttl": "text/turtle",
    "cbss-kg.nt": "application/n-triples",
    "cbss-kg.jsonld": "application/ld+json",
    "cbss-kg.rdf": "application/rdf+xml",
    "inferred.ttl": "text/turtle",
    "ontology.ttl": "text/turtle",
    "shapes.ttl": "text/turtle",
    "context.jsonld": "application/ld+json",
    "ontology.html": "text/html",
    "ontology.svg": "image/svg+xml",
    "timeline.svg": "image/svg+xml",
    "timeline.lv.svg": "image/svg+xml",
    "participation.svg": "image/svg+xml",
    "participation.lv.svg": "image/svg+xml",
    "membership.svg": "image/svg+xml",
    "membership.lv.svg": "image/svg+xml",
    "void.ttl": "text/turtle",
    "SHA256SUMS": "text/plain",
}
"""Every file of a release, with its media type. The names are a public API."""

DUMPS = ("cbss-kg.trig", "cbss-kg.nq", "cbss-kg.ttl", "cbss-kg.nt", "cbss-kg.jsonld", "cbss-kg.rdf")
"""The files that hold the whole graph (VoID ``void:dataDump``)."""

RELEASE_MARKER = "SHA256SUMS"
"""Only a folder holding this file (or an empty one) is ever replaced by a new release."""


class ExportError(Exception):
    """The release cannot be written where it was asked to go."""


@dataclass(frozen=True)
class ReleaseStats:
    """Counts that describe a release (the same that ``void.ttl`` states)."""

    asserted: int
    inferred: int
    triples: int
    entities: int
    classes: int
    properties: int


def json_ld_context(ontology: Graph, shapes: Graph | None = None) -> dict:
    """The published JSON-LD context (``context.jsonld``), generated from the ontology and shapes
    by :mod:`cbss_kg.jsonld`; the JSON-LD dump is compacted with it."""
    return jsonld.context_document(ontology, shapes)


def write_release(
    graphs: Mapping[URIRef, Graph],
    inferred: Graph,
    shapes: Graph,
    out: Path,
    *,
    base_iri: str,
    version: str,
    documents: Mapping[str, str] | None = None,
) -> tuple[tuple[Path, ...], ReleaseStats]:
    """Write a complete release into ``out``, replacing the previous one only when complete.

    Args:
        graphs: the asserted named graphs (ontology, sources, editorial, metadata) by name.
        inferred: the reasoner's new triples (written as ``graph:inferred``).
        shapes: the SHACL shapes.
        out: the release folder; it must not exist, be empty, or hold a previous release.
        base_iri: where the release is published (SPARQL endpoint and download links).
        version: stamped as the ontology's ``owl:versionInfo`` and version IRI.
        documents: generated pages and pictures (``ontology.html``, ``*.svg``) by file name,
            written, described and checksummed like every other file.

    Returns:
        The paths written, and the release's counts.

    Raises:
        ExportError: ``out`` holds something that is not a release.
    """
    out = Path(os.path.abspath(out))
    check_replaceable(out)
    asserted = {
        name: _stamped(g, version) if name == ONTOLOGY_GRAPH else g for name, g in graphs.items()
    }
    named = {**asserted, INFERRED_GRAPH: inferred} if len(inferred) else asserted
    statements = _render_all(named)
    union = sorted(set().union(*(s for name, s in statements.items() if name != INFERRED_GRAPH)))
    everything = {triple for graph in statements.values() for triple in graph}
    own = "<" + str(ID)
    stats = ReleaseStats(
        asserted=len(union),
        inferred=len(statements.get(INFERRED_GRAPH, ())),
        triples=len(everything),
        entities=len({s for s, _, _ in everything if s.startswith(own)}),
        classes=len({o for _, p, o in everything if p == _RDF_TYPE}),
        properties=len({p for _, p, _ in everything}),
    )
    del everything
    context = json_ld_context(named.get(ONTOLOGY_GRAPH, Graph()), shapes)
    writers: dict[str, Callable[[], bytes]] = {
        "cbss-kg.trig": lambda: trig(statements).encode(),
        "cbss-kg.nq": lambda: _nquads(statements),
        "cbss-kg.ttl": lambda: turtle(union).encode(),
        "cbss-kg.nt": lambda: _ntriples(union),
        "cbss-kg.jsonld": lambda: _json_ld(union, context),
        "cbss-kg.rdf": lambda: _rdf_xml(union),
        "inferred.ttl": lambda: turtle(statements.get(INFERRED_GRAPH, [])).encode(),
        "ontology.ttl": lambda: turtle(statements.get(ONTOLOGY_GRAPH, [])).encode(),
        "shapes.ttl": lambda: turtle(shapes).encode(),
        "context.jsonld": lambda: _json(context),
    }
    for name, text in (documents or {}).items():
        if name not in MEDIA_TYPES or name in writers:
            raise ExportError(f"{name} is not a document of a release")
        writers[name] = lambda text=text: text.encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        os.chmod(staging, 0o755)
        files: dict[str, tuple[int, str]] = {}  # size and SHA-256 of each file written
        for name, write in writers.items():
            files[name] = _write(staging / name, write())
        void = _void(named, statements, stats, files, base_iri=base_iri, version=version)
        files["void.ttl"] = _write(staging / "void.ttl", turtle(void).encode())
        sums = "".join(f"{files[name][1]}  {name}\n" for name in sorted(files))
        (staging / RELEASE_MARKER).write_text(sums, encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    written = {*writers, "void.ttl", RELEASE_MARKER}
    return tuple(out / name for name in MEDIA_TYPES if name in written), stats


# --- serializations ------------------------------------------------------------------------------

Statement = tuple[str, str, str]
"""A triple as the N-Triples text of its three terms."""

_RDF_TYPE = f"<{RDF.type}>"


def turtle(graph: Graph | Sequence[Statement]) -> str:
    """Canonical Turtle: the statements sorted, grouped by subject, with the project's prefixes
    (those it uses, in the order of :data:`~cbss_kg.namespaces.PREFIXES`).

    A graph's blank nodes are given stable labels (see :func:`relabel_blank_nodes`); statements
    already carry theirs.
    """
    statements = _statements(graph) if isinstance(graph, Graph) else graph
    return _with_prefixes(store.reserialize(_ntriples(statements), "turtle", _used(statements)))


def trig(graphs: Mapping[URIRef, Graph | Sequence[Statement]]) -> str:
    """Canonical TriG: the prefixes once, then each graph, sorted by name, as a block holding its
    statements in canonical Turtle order.

    Graphs are given stable blank-node labels, unique across all of them, unless they are
    statements already (see :func:`relabel_blank_nodes`).
    """
    rendered: Mapping[URIRef, Sequence[Statement]] = (
        _render_all(graphs)  # type: ignore[arg-type]
        if all(isinstance(graph, Graph) for graph in graphs.values())
        else graphs
    )
    ordered = sorted(rendered, key=str)
    lines = "".join(
        f"{s} {p} {o} <{name}> .\n" for name in ordered for s, p, o in sorted(rendered[name])
    )
    used = _used((t for name in ordered for t in rendered[name]), (str(n) for n in ordered))
    return _with_prefixes(store.reserialize(lines.encode(), "trig", used))


def relabel_blank_nodes(graphs: Mapping[URIRef, Graph]) -> dict[URIRef, Graph]:
    """Copies of ``graphs`` whose blank nodes have stable labels, unique across all of them (see
    :func:`blank_labels`); a graph without blank nodes is returned as it is."""
    relabelled = {}
    for name, labels in blank_labels(graphs).items():
        graph = graphs[name]
        if not labels:
            relabelled[name] = graph
            continue
        copy = Graph()
        for triple in graph:
            copy.add(tuple(BNode(labels[t]) if isinstance(t, BNode) else t for t in triple))
        relabelled[name] = copy
    return relabelled


def blank_labels(
    graphs: Mapping[URIRef, Iterable[tuple[Node, Node, Node]]],
) -> dict[URIRef, dict[BNode, str]]:
    """Stable labels for the blank nodes of ``graphs`` (graphs, or their triples), unique across
    all of them, by graph.

    Each graph is canonicalized on its own (so its labels depend only on its content) and the
    labels are then numbered ``b0, b1, …`` graph by graph in name order. A blank node is thus
    scoped to its graph, as it is when a graph is published as its own file. Only the triples
    that hold a blank node take part: rdflib's canonical labels depend on nothing else.
    """
    counter = itertools.count()
    labels: dict[URIRef, dict[BNode, str]] = {}
    for name in sorted(graphs, key=str):
        blank = [
            triple
            for triple in graphs[name]
            if type(triple[0]) is BNode or type(triple[2]) is BNode or type(triple[1]) is BNode
        ]
        if not blank:
            labels[name] = {}
            continue
        canonical: dict[BNode, BNode] = {}
        for triple, renamed in zip(
            blank, _Canonicalizer(_Adjacency(blank)).canonical_triples(), strict=True
        ):
            for term, label in zip(triple, renamed, strict=True):
                if isinstance(term, BNode):
                    canonical[term] = label
        order = sorted(set(canonical.values()), key=str)
        number = {label: f"b{next(counter)}" for label in order}
        labels[name] = {term: number[label] for term, label in canonical.items()}
    return labels


class _Adjacency:
    """Triples, indexed by subject and object together: rdflib's canonicalization asks again and
    again for the triples between two given nodes, which its own store answers slowly. Only
    what the canonicalization uses is offered (iterating, counting, and
    ``triples((s, None, o))``)."""

    def __init__(self, triples: list[tuple]) -> None:
        self.triples_list = triples
        self.between: dict[tuple, list[tuple]] = defaultdict(list)
        for triple in self.triples_list:
            self.between[triple[0], triple[2]].append(triple)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.triples_list)

    def __len__(self) -> int:
        return len(self.triples_list)

    def triples(self, pattern: tuple) -> Iterator[tuple]:
        subject, _, value = pattern
        return iter(self.between.get((subject, value), ()))


class _Canonicalizer(_TripleCanonicalizer):
    """rdflib's blank-node canonicalization (``to_canonical_graph``), giving the very same labels,
    faster: refining the colouring, rdflib asks every colour to split itself against each
    colour in turn, and most have no triple with it, which leaves them as they were but moved
    to the end of the colouring. Those are moved here without being asked; the others split
    exactly as rdflib splits them. (A test compares the labels with rdflib's own.)"""

    graph: _Adjacency

    def _refine(self, coloring: list[Color], sequence: list[Color]) -> list[Color]:
        sequence = sorted(sequence, key=lambda x: x.key(), reverse=True)
        between = self.graph.between
        while sequence and not self._discrete(coloring):
            splitter = sequence.pop()
            kept, moved = [], []
            for color in coloring:
                if len(color.nodes) == 1 and not isinstance(color.nodes[0], BNode):
                    kept.append(color)
                elif not any(
                    (node, other) in between or (other, node) in between
                    for node in color.nodes
                    for other in splitter.nodes
                ):
                    moved.append(color)
                else:
                    colors = sorted(
                        color.distinguish(splitter, self.graph),  # type: ignore[arg-type]
                        key=lambda x: x.key(),
                        reverse=True,
                    )
                    moved.extend(colors)
                    at = next((i for i, x in enumerate(sequence) if x is color), None)
                    if at is None:
                        sequence = colors[1:] + sequence
                    else:
                        sequence = sequence[:at] + colors + sequence[at + 1 :]
            coloring = kept + moved
        combined: dict[str, Color] = {}
        for color in coloring:
            known = combined.setdefault(color.hash_color(), color)
            if known is not color:  # a hash collision: one colour, to be individuated later
                known.nodes.extend(color.nodes)
        return list(combined.values())


def _render_all(graphs: Mapping[URIRef, Graph]) -> dict[URIRef, list[Statement]]:
    """Each graph's statements, sorted, its blank nodes labelled (see :func:`blank_labels`).
    Each graph is read once (reading an rdflib graph of a dataset is slow)."""
    triples = {name: list(graphs[name]) for name in sorted(graphs, key=str)}
    labels = blank_labels(triples)
    return {name: _statements(triples[name], labels[name]) for name in triples}


def _statements(
    graph: Iterable[tuple[Node, Node, Node]], labels: Mapping[BNode, str] | None = None
) -> list[Statement]:
    """The triples as N-Triples terms, sorted; blank nodes get ``labels`` (by default the
    graph's own stable ones). Each literal is written once, looked up by plain strings
    (rdflib's hashing of terms is Python code)."""
    if labels is None:
        graph = list(graph)
        labels = blank_labels({URIRef("urn:x-graph"): graph})[URIRef("urn:x-graph")]
    literals: dict[tuple, str] = {}
    blanks = {node: f"_:{label}" for node, label in labels.items()}

    def term(node: Node) -> str:
        kind = type(node)
        if kind is URIRef:
            return f"<{node}>"
        if kind is Literal:
            datatype = node.datatype  # type: ignore[attr-defined]
            key = (str(node), node.language, datatype and str(datatype))  # type: ignore[attr-defined]
            text = literals.get(key)
            if text is None:
                text = literals[key] = literal_text(node)  # type: ignore[arg-type]
            return text
        return blanks[node]

    statements = [(term(s), term(p), term(o)) for s, p, o in graph]
    statements.sort()
    return statements


def _ntriples(statements: Iterable[Statement]) -> bytes:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in statements).encode()


def _nquads(graphs: Mapping[URIRef, list[Statement]]) -> bytes:
    """Every graph's statements as N-Quads, lines sorted."""
    lines = sorted(f"{s} {p} {o} <{name}> .\n" for name, st in graphs.items() for s, p, o in st)
    return "".join(lines).encode()


def _rdf_xml(statements: Sequence[Statement]) -> bytes:
    return store.reserialize(_ntriples(statements), "rdfxml", _used(statements))


def _used(statements: Iterable[Statement], names: Iterable[str] = ()) -> dict[str, str]:
    """The project's prefixes whose namespace holds an IRI of ``statements`` (or a graph name)
    and none deeper: ``id:state/LV`` is no prefixed name, and a writer given ``id:`` would write
    ``id:state\\/LV``; such IRIs are written whole, which reads better."""
    folders = {name[: max(name.rfind("/"), name.rfind("#")) + 1] for name in names}
    for term in set(itertools.chain.from_iterable(statements)):
        if term[0] == "<":
            iri = term[1:-1]
        elif term[0] == '"' and term[-1] == ">":
            iri = term[term.rindex("^^<") + 3 : -1]
        else:
            continue
        folders.add(iri[: max(iri.rfind("/"), iri.rfind("#")) + 1])
    return {
        prefix: namespace
        for prefix, namespace in PREFIXES.items()
        if namespace in folders
        and not any(folder != namespace and folder.startswith(namespace) for folder in folders)
    }


def _with_prefixes(data: bytes) -> str:
    """pyoxigraph's Turtle or TriG with its prefix lines in the order of
    :data:`~cbss_kg.namespaces.PREFIXES` and a blank line after them."""
    text = data.decode()
    header: dict[str, str] = {}
    at = 0
    while text.startswith("@prefix ", at):
        end = text.index("\n", at) + 1
        header[text[at + 8 : text.index(":", at)]] = text[at:end]
        at = end
    order = {prefix: n for n, prefix in enumerate(PREFIXES)}
    lines = [header[p] for p in sorted(header, key=lambda p: (order.get(p, len(order)), p))]
    return "".join(lines) + ("\n" if lines else "") + text[at:]


def _json_ld(statements: Sequence[Statement], context: dict) -> bytes:
    """JSON-LD compacted with the published context (embedded, so the file works offline); nodes
    sorted by IRI. Blank-node labels are the release's own (already stable)."""
    return jsonld.dumps(jsonld.compact_statements(statements, context["@context"])).encode()


def _write(path: Path, data: bytes) -> tuple[int, str]:
    """Write ``data`` to ``path``; its size and SHA-256 (hex)."""
    path.write_bytes(data)
    return len(data), hashlib.sha256(data).hexdigest()


def _json(document: object) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def _stamped(ontology: Graph, version: str) -> Graph:
    """A copy of the ontology whose ``owl:versionIRI`` / ``owl:versionInfo`` name ``version``."""
    stamped = Graph()
    stamped += ontology
    iri = URIRef(ONTOLOGY_IRI)
    if (iri, RDF.type, OWL.Ontology) in stamped:
        stamped.remove((iri, OWL.versionIRI, None))
        stamped.remove((iri, OWL.versionInfo, None))
        stamped.add((iri, OWL.versionIRI, URIRef(f"{ONTOLOGY_IRI}/{version}")))
        stamped.add((iri, OWL.versionInfo, Literal(version)))
    return stamped


# --- VoID and DCAT -------------------------------------------------------------------------------


def _void(
    graphs: Mapping[URIRef, Graph],
    statements: Mapping[URIRef, list[Statement]],
    stats: ReleaseStats,
    files: Mapping[str, tuple[int, str]],
    *,
    base_iri: str,
    version: str,
) -> Graph:
    void = Graph()
    dataset = URIRef(base_iri)
    add = void.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    add((dataset, DCTERMS.license, LICENSE))
    add((dataset, OWL.versionInfo, Literal(version)))
    add((dataset, VOID.sparqlEndpoint, URIRef(base_iri + "sparql")))
    add((dataset, VOID.uriSpace, Literal(str(ID))))
    for name, value in (
        ("triples", stats.triples),
        ("entities", stats.entities),
        ("classes", stats.classes),
        ("properties", stats.properties),
    ):
        add((dataset, VOID[name], Literal(value, datatype=XSD.integer)))
    for vocabulary in _vocabularies(statements):
        add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    metadata = graphs.get(GRAPH["metadata"], Graph())
    for name in graphs:
        add((dataset, VOID.subset, name))
        add((name, RDF.type, VOID.Dataset))
        add((name, VOID.triples, Literal(len(statements[name]), datatype=XSD.integer)))
        for source in metadata.objects(name, PROV.wasDerivedFrom):
            if isinstance(source, URIRef):
                add((name, DCTERMS.source, source))
                add((dataset, DCTERMS.source, source))
    for name, (size, digest) in files.items():
        url = URIRef(f"{base_iri}download/{name}")
        if name in DUMPS:
            add((dataset, VOID.dataDump, url))
        add((dataset, DCAT.distribution, url))
        add((url, RDF.type, DCAT.Distribution))
        add((url, DCAT.downloadURL, url))
        add((url, DCAT.mediaType, URIRef(IANA + MEDIA_TYPES[name])))
        add((url, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        add((url, SPDX.checksum, checksum))
        add((checksum, RDF.type, SPDX.Checksum))
        add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        add(
            (
                checksum,
                SPDX.checksumValue,
                Literal(digest, datatype=XSD.hexBinary),
            )
        )
    return void


def _vocabularies(statements: Mapping[URIRef, list[Statement]]) -> list[str]:
    """The namespaces (from the prefix map) of every class and property the graph uses."""
    used = {p[1:-1] for graph in statements.values() for _, p, _ in graph}
    used.update(
        o[1:-1]
        for graph in statements.values()
        for _, p, o in graph
        if p == _RDF_TYPE and o[0] == "<"
    )
    own = {str(ID), str(GRAPH)}
    return sorted(
        {
            ns
            for ns in PREFIXES.values()
            if ns not in own and any(term.startswith(ns) for term in used)
        }
    )


# --- atomic replacement --------------------------------------------------------------------------


def check_replaceable(out: Path) -> None:
    """Refuse an output folder that exists and is not empty or a previous release.

    Raises:
        ExportError: ``out`` is a file, or a folder that holds something else.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if any(out.iterdir()) and not (out / RELEASE_MARKER).is_file():
        raise ExportError(
            f"refusing to replace {out}: it is not empty and holds no {RELEASE_MARKER}, "
            "so it is not a previous release"
        )


def _swap_in(staging: Path, out: Path) -> None:
    """Put the finished ``staging`` folder at ``out``; the previous release is removed only after
    the new one is in place, and put back if the swap fails."""
    if not out.exists():
        os.rename(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    retired.rmdir()
    os.rename(out, retired)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
