"""Writing the release: every serialization, its VoID/DCAT description and checksums.

Output is byte-identical for the same input. Blank nodes get labels derived from the graph's
content (rdflib's canonicalization, then numbered in order), lines of N-Triples and N-Quads are
sorted, Turtle is rdflib's ``longturtle`` (sorted subjects, predicates and objects, one statement
per line), and every serializer is fed triples in sorted order. Prefixes come from
:data:`~cbss_kg.namespaces.PREFIXES` only.

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import Color, _TripleCanonicalizer
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, VOID, XSD

from cbss_kg import jsonld
from cbss_kg.load import ONTOLOGY_GRAPH
from cbss_kg.namespaces import GRAPH, ID, ONTOLOGY_IRI, PREFIXES, SHAPES, SPDX

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
    named = relabel_blank_nodes(
        {**asserted, INFERRED_GRAPH: inferred} if len(inferred) else asserted
    )
    union = _merge(g for name, g in named.items() if name != INFERRED_GRAPH)
    everything = {triple for graph in named.values() for triple in graph}
    stats = ReleaseStats(
        asserted=len(union),
        inferred=len(named.get(INFERRED_GRAPH, ())),
        triples=len(everything),
        entities=len({s for s, _, _ in everything if str(s).startswith(str(ID))}),
        classes=len({o for _, p, o in everything if p == RDF.type}),
        properties=len({p for _, p, _ in everything}),
    )
    context = json_ld_context(named.get(ONTOLOGY_GRAPH, Graph()), shapes)
    writers: dict[str, Callable[[], bytes]] = {
        "cbss-kg.trig": lambda: trig(named).encode(),
        "cbss-kg.nq": lambda: _sorted_lines(
            _dataset(named).serialize(format="nquads", encoding="utf-8")
        ),
        "cbss-kg.ttl": lambda: turtle(union).encode(),
        "cbss-kg.nt": lambda: _sorted_lines(union.serialize(format="nt", encoding="utf-8")),
        "cbss-kg.jsonld": lambda: _json_ld(union, context),
        "cbss-kg.rdf": lambda: _sorted_copy(union).serialize(format="xml", encoding="utf-8"),
        "inferred.ttl": lambda: turtle(named.get(INFERRED_GRAPH, Graph())).encode(),
        "ontology.ttl": lambda: turtle(named.get(ONTOLOGY_GRAPH, Graph())).encode(),
        "shapes.ttl": lambda: turtle(relabel_blank_nodes({_SHAPES: shapes})[_SHAPES]).encode(),
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
        for name, write in writers.items():
            (staging / name).write_bytes(write())
        distributions = {name: (staging / name).read_bytes() for name in writers}
        (staging / "void.ttl").write_bytes(
            turtle(_void(named, stats, distributions, base_iri=base_iri, version=version)).encode()
        )
        sums = "".join(
            f"{hashlib.sha256((staging / name).read_bytes()).hexdigest()}  {name}\n"
            for name in sorted(p.name for p in staging.iterdir())
        )
        (staging / RELEASE_MARKER).write_text(sums, encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    written = {*writers, "void.ttl", RELEASE_MARKER}
    return tuple(out / name for name in MEDIA_TYPES if name in written), stats


# --- serializations ------------------------------------------------------------------------------


def bound_graph() -> Graph:
    """An empty graph that knows the project's prefixes and no others.

    Its store is rdflib's ``SimpleMemory``, which iterates triples in insertion order (the
    default store iterates a hash-ordered set, so serializers that do not sort would write
    triples in a different order in every process).
    """
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def turtle(graph: Graph) -> str:
    """Canonical Turtle: ``longturtle`` over a copy with the project's prefixes.

    Blank-node labels must already be stable (see :func:`relabel_blank_nodes`).
    """
    return _sorted_copy(graph).serialize(format="longturtle")


def trig(graphs: Mapping[URIRef, Graph]) -> str:
    """Canonical TriG: the prefixes once, then each graph, sorted by name, as a
    ``GRAPH <name> { … }`` block holding its canonical Turtle.

    The Turtle is not re-indented inside the block: a long literal spans lines, and indenting
    them would change its text.
    """
    prefixes: dict[str, str] = {}
    blocks = []
    for name in sorted(graphs, key=str):
        header, body = _split_prefixes(turtle(graphs[name]))
        prefixes.update(header)
        blocks.append(f"GRAPH <{name}> {{\n{body.strip(chr(10))}\n}}\n")
    order = {prefix: n for n, prefix in enumerate(PREFIXES)}
    lines = [prefixes[p] for p in sorted(prefixes, key=lambda p: (order.get(p, len(order)), p))]
    return "\n".join(lines) + "\n\n" + "\n".join(blocks)


def relabel_blank_nodes(graphs: Mapping[URIRef, Graph]) -> dict[URIRef, Graph]:
    """Copies of ``graphs`` whose blank nodes have stable labels, unique across all of them.

    Each graph is canonicalized on its own (so its labels depend only on its content) and the
    labels are then numbered ``b0, b1, …`` graph by graph in name order. A blank node is thus
    scoped to its graph, as it is when a graph is published as its own file.
    """
    counter = itertools.count()
    relabelled = {}
    for name in sorted(graphs, key=str):
        graph = graphs[name]
        if not any(isinstance(t, BNode) for triple in graph for t in triple):
            relabelled[name] = graph
            continue
        canonical = list(_Canonicalizer(_Adjacency(graph)).canonical_triples())
        blanks = sorted(
            {t for triple in canonical for t in triple if isinstance(t, BNode)}, key=str
        )
        label = {b: BNode(f"b{next(counter)}") for b in blanks}
        copy = Graph()
        for triple in canonical:
            copy.add(tuple(label.get(t, t) for t in triple))
        relabelled[name] = copy
    return relabelled


class _Adjacency:
    """A graph's triples, indexed by subject and object together: rdflib's canonicalization asks
    again and again for the triples between two given nodes, which its own store answers
    slowly. Only what the canonicalization uses is offered (iterating, counting, and
    ``triples((s, None, o))``)."""

    def __init__(self, graph: Graph) -> None:
        self.triples_list = list(graph)
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


def _split_prefixes(text: str) -> tuple[dict[str, str], str]:
    header: dict[str, str] = {}
    lines = text.split("\n")
    while lines and (lines[0].startswith("PREFIX ") or not lines[0].strip()):
        line = lines.pop(0)
        if line:
            header[line.split()[1].rstrip(":")] = line
    return header, "\n".join(lines)


def _sorted_copy(graph: Graph) -> Graph:
    """A copy holding the graph's triples inserted in sorted order, with our prefixes: the
    serializers that do not sort (RDF/XML, JSON-LD) then write them in that order."""
    copy = bound_graph()
    for triple in sorted(graph, key=_triple_key):
        copy.add(triple)
    return copy


def _triple_key(triple: tuple) -> tuple[str, ...]:
    return tuple(term.n3() for term in triple)


def _merge(graphs: Iterable[Graph]) -> Graph:
    merged = Graph()
    for graph in graphs:
        merged += graph
    return merged


def _dataset(graphs: Mapping[URIRef, Graph]) -> Dataset:
    dataset = Dataset()
    for name, graph in graphs.items():
        target = dataset.graph(name)
        target += graph
    return dataset


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted({line for line in data.split(b"\n") if line.strip()})
    return b"".join(line + b"\n" for line in lines)


def _json_ld(graph: Graph, context: dict) -> bytes:
    """JSON-LD compacted with the published context (embedded, so the file works offline); nodes
    sorted by IRI. Blank-node labels are the release's own (already stable)."""
    document = jsonld.compact_graph(graph, context["@context"], relabel_blank_nodes=False)
    return jsonld.dumps(document).encode()


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
    stats: ReleaseStats,
    files: Mapping[str, bytes],
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
    for vocabulary in _vocabularies(graphs):
        add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    metadata = graphs.get(GRAPH["metadata"], Graph())
    for name, graph in graphs.items():
        add((dataset, VOID.subset, name))
        add((name, RDF.type, VOID.Dataset))
        add((name, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
        for source in metadata.objects(name, PROV.wasDerivedFrom):
            if isinstance(source, URIRef):
                add((name, DCTERMS.source, source))
                add((dataset, DCTERMS.source, source))
    for name, data in files.items():
        url = URIRef(f"{base_iri}download/{name}")
        if name in DUMPS:
            add((dataset, VOID.dataDump, url))
        add((dataset, DCAT.distribution, url))
        add((url, RDF.type, DCAT.Distribution))
        add((url, DCAT.downloadURL, url))
        add((url, DCAT.mediaType, URIRef(IANA + MEDIA_TYPES[name])))
        add((url, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        add((url, SPDX.checksum, checksum))
        add((checksum, RDF.type, SPDX.Checksum))
        add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        add(
            (
                checksum,
                SPDX.checksumValue,
                Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary),
            )
        )
    return relabel_blank_nodes({dataset: void})[dataset]


def _vocabularies(graphs: Mapping[URIRef, Graph]) -> list[str]:
    """The namespaces (from the prefix map) of every class and property the graph uses."""
    used: set[str] = set()
    for graph in graphs.values():
        used.update(str(p) for p in graph.predicates())
        used.update(str(c) for c in graph.objects(None, RDF.type) if isinstance(c, URIRef))
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
