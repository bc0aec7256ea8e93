"""What the server knows about the release it serves.

The release folder is read only here: its files become a fixed mapping of download names (no
request ever names a path on disk), its checksums give every response's ETag, and a few small
queries at startup give the named graphs and lists the pages show. Names of things and the
pictures are asked of the store when a page first needs them, so start-up does not grow with
the graph.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD
from rdflib.term import Node

from cbss_kg import __version__
from cbss_kg.load import parse_file
from cbss_kg.namespaces import BASE, CBSS, GRAPH
from cbss_kg.queries import iri_text
from cbss_kg.web import i18n
from cbss_kg.web.figures import Figures, load_figures
from cbss_kg.web.vocab import TERM_LABELS, compact, humanize

CHECKSUMS = "SHA256SUMS"

MEDIA_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".gz": "application/gzip",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}

FILE_DESCRIPTIONS = {
    "cbss-kg.trig": (
        "Every named graph: ontology, each source, editorial, metadata, inferred",
        "Visi nosauktie grafi: ontoloģija, katrs avots, redakcija, metadati, secinātais",
    ),
    "cbss-kg.nq": ("The same as sorted N-Quads", "Tas pats kā kārtoti N-Quads"),
    "cbss-kg.ttl": (
        "The union of the asserted graphs (ontology and data), Turtle",
        "Apgalvoto grafu apvienojums (ontoloģija un dati), Turtle",
    ),
    "cbss-kg.nt": ("The same, sorted N-Triples", "Tas pats, kārtoti N-Triples"),
    "cbss-kg.jsonld": (
        "The same, JSON-LD with the published context",
        "Tas pats, JSON-LD ar publicēto kontekstu",
    ),
    "cbss-kg.rdf": ("The same, RDF/XML", "Tas pats, RDF/XML"),
    "inferred.ttl": ("What OWL 2 RL reasoning adds", "Tas, ko pievieno OWL 2 RL secināšana"),
    "ontology.ttl": ("The ontology", "Ontoloģija"),
    "shapes.ttl": (
        "The SHACL shapes the data is validated with",
        "SHACL formas, ar kurām dati tiek pārbaudīti",
    ),
    "context.jsonld": ("The JSON-LD context", "JSON-LD konteksts"),
    "void.ttl": ("VoID and DCAT description of the dataset", "Datu kopas VoID un DCAT apraksts"),
    "ontology.html": ("The ontology's documentation, one page", "Ontoloģijas dokumentācija"),
    "ontology.svg": ("Class diagram of the ontology", "Ontoloģijas klašu diagramma"),
    "timeline.svg": ("Chart: the events of the graph on a time line",
                     "Diagramma: grafa notikumi uz laika ass"),
    "timeline.lv.svg": ("The time line in Latvian", "Laika līnija latviski"),
    "membership.svg": ("Chart: who was a member of the council when, by source",
                       "Diagramma: kas un kad bija padomes dalībnieks, pēc avotiem"),
    "membership.lv.svg": ("The membership chart in Latvian", "Dalības diagramma latviski"),
    "participation.svg": ("Chart: which states took part in which projects",
                          "Diagramma: kuras valstis piedalījās kuros projektos"),
    "participation.lv.svg": ("The participation chart in Latvian",
                             "Dalības projektos diagramma latviski"),
    CHECKSUMS: (
        "SHA-256 checksums of every other file (sha256sum -c)",
        "Visu pārējo datņu SHA-256 kontrolsummas (sha256sum -c)",
    ),
}

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SUM_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


class QueryStore(Protocol):
    """The part of :class:`cbss_kg.store.EmbeddedStore` the site uses."""

    def query(self, text: str, **options: Any) -> Any: ...


class ReleaseError(RuntimeError):
    """The release folder is not a complete release."""


@dataclass(frozen=True)
class ReleaseFile:
    """A file of the release that may be downloaded."""

    name: str
    path: Path
    size: int
    sha256: str
    media_type: str

    def description(self, lang: str) -> str:
        texts = FILE_DESCRIPTIONS.get(self.name)
        if not texts:
            return ""
        return texts[1] if lang == "lv" else texts[0]


def _media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "text/plain; charset=utf-8")


def release_files(release_dir: Path) -> dict[str, ReleaseFile]:
    """The downloadable files: those named in ``SHA256SUMS`` that exist, plus ``SHA256SUMS`` itself.

    Names are checked to be plain file names, so the mapping can never point outside the folder.
    """
    sums = release_dir / CHECKSUMS
    if not sums.is_file():
        raise ReleaseError(f"{release_dir} has no {CHECKSUMS}; build the release first")
    files: dict[str, ReleaseFile] = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        match = _SUM_LINE.match(line.strip())
        if not match:
            continue
        digest, name = match.group(1).lower(), match.group(2)
        path = release_dir / name
        if not _SAFE_NAME.match(name) or not path.is_file():
            continue
        files[name] = ReleaseFile(name, path, path.stat().st_size, digest, _media_type(name))
    data = sums.read_bytes()
    files[CHECKSUMS] = ReleaseFile(
        CHECKSUMS, sums, len(data), hashlib.sha256(data).hexdigest(), "text/plain; charset=utf-8"
    )
    return files


@dataclass(frozen=True)
class GraphInfo:
    """A named graph of the release: what one source says, or one of the project's own graphs."""

    iri: str
    triples: int
    source: str | None = None
    """The IRI (URL) of the document the graph was derived from, if any."""
    names: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.names.get(lang) or next(iter(self.names.values()), "") or compact(self.iri)


_FIXED_GRAPH_NAMES = {
    str(GRAPH["editorial"]): "editorial",
    str(GRAPH["inferred"]): "inferred",
    str(GRAPH["ontology"]): "ontology_graph",
    str(GRAPH["metadata"]): "metadata",
}

_LABEL_PRIORITY = [
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "http://xmlns.com/foaf/0.1/name",
    "http://data.europa.eu/eli/ontology#title",
    "http://purl.org/dc/terms/title",
]

# Counted before the source is joined: joined first, every statement of the store would be
# matched with its graph's sources (and counted once per source).
_GRAPHS_QUERY = """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?triples (SAMPLE(?doc) AS ?source) WHERE {
  { SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }
  OPTIONAL { GRAPH ?m { ?g prov:wasDerivedFrom ?doc } }
}
GROUP BY ?g ?triples
ORDER BY ?g
"""

_INSTANCES_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?class ?thing ?start WHERE {
  GRAPH ?g { ?thing rdf:type ?class }
  OPTIONAL { GRAPH ?h { ?thing schema:startDate ?start } }
}
"""

_TIME = "http://www.w3.org/2006/time#"
_LOOKUP_KEYS = ("s", "kind", "p", "value", "member", "organisation")
_LOOKUP_BATCH = 400
"""IRIs whose names one lookup query asks for."""

_LOOKUP_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT DISTINCT ?s ?kind ?p ?value ?member ?organisation WHERE {
  {
    VALUES ?s { {iris} }
    GRAPH ?g { ?s ?p ?value }
    FILTER(?p IN (skos:prefLabel, rdfs:label, schema:name, foaf:name, eli:title, dct:title)
           && isLiteral(?value))
    BIND("label" AS ?kind)
  } UNION {
    VALUES ?s { {iris} }
    GRAPH ?g { ?s ?p ?value }
    FILTER(?p IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear, time:inXSDDateTimeStamp))
    BIND("instant" AS ?kind)
  } UNION {
    VALUES ?s { {iris} }
    GRAPH ?g { ?s ?end ?instant }
    FILTER(?end IN (time:hasBeginning, time:hasEnd))
    GRAPH ?h { ?instant ?p ?date }
    FILTER(?p IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear, time:inXSDDateTimeStamp))
    BIND(?end AS ?member)
    BIND(?date AS ?value)
    BIND("period" AS ?kind)
  } UNION {
    VALUES ?s { {iris} }
    GRAPH ?g { ?s org:member ?member ; org:organization ?organisation }
    OPTIONAL { GRAPH ?h { ?s org:role ?value } }
    BIND("membership" AS ?kind)
  }
}
"""
"""Everything a name of the ``VALUES`` IRIs is made from: their labels, the date of an instant,
the dates that begin and end a period, and who a membership joins to what (in what role). The
properties are chosen with ``FILTER … IN``, not ``VALUES``: pyoxigraph joins in the order
written, and a second ``VALUES`` block makes it scan every triple of those properties."""


class Labels:
    """Names of things for people, per language, with IRIs as the last resort.

    Explicit labels come first (``skos:prefLabel``, then ``rdfs:label``, names and titles), then the
    built-in names of common vocabulary terms, then dates of instants and periods, then the local
    name of the IRI in words.

    With a ``store``, names are looked up when first asked for (a page asks for all of its
    IRIs at once with :meth:`fetch`) and kept, since the release never changes while it is
    served; so start-up does not grow with the graph, and memory grows only with what is shown.
    """

    def __init__(self, store: QueryStore | None = None) -> None:
        self._store = store
        self._names: dict[str, dict[str, tuple[int, str]]] = {}
        self._any: dict[str, tuple[int, str]] = {}
        self._fetched: set[str] = set()
        self._pending: set[str] = set()
        self._lock = threading.RLock()

    def add(self, iri: str, label: str, lang: str | None, rank: int) -> None:
        """Record one label; a lower ``rank`` wins, and the first of equal rank stays."""
        if lang:
            lang = lang.split("-")[0].lower()
            current = self._names.setdefault(iri, {}).get(lang)
            if current is None or rank < current[0]:
                self._names[iri][lang] = (rank, label)
        current = self._any.get(iri)
        if current is None or rank < current[0]:
            self._any[iri] = (rank, label)

    def fetch(self, iris: Iterable[str]) -> None:
        """Look up the names of ``iris`` not looked up yet, a batch per query."""
        if self._store is None:
            return
        missing = {iri for iri in iris if iri not in self._fetched}
        if not missing:
            return
        # One lookup at a time: a page never sees a name half looked up by another request.
        with self._lock:
            wanted = sorted(missing - self._fetched - self._pending)
            self._pending.update(wanted)
            try:
                for start in range(0, len(wanted), _LOOKUP_BATCH):
                    self._look_up(wanted[start : start + _LOOKUP_BATCH])
            finally:
                self._pending.difference_update(wanted)
            self._fetched.update(wanted)

    def _look_up(self, iris: list[str]) -> None:
        terms = [text for iri in iris if (text := iri_text(iri)) is not None]
        if not terms:
            return
        assert self._store is not None
        rows = self._store.query(
            _LOOKUP_QUERY.replace("{iris}", " ".join(terms)), timeout=None, row_limit=None
        ).rows
        rank = {p: i for i, p in enumerate(_LABEL_PRIORITY)}
        periods: dict[str, dict[str, list[Node]]] = {}
        memberships = []
        instants: dict[str, Node] = {}
        for row in sorted(rows, key=lambda r: tuple(str(r.get(k, "")) for k in _LOOKUP_KEYS)):
            subject, kind, value = str(row["s"]), str(row["kind"]), row.get("value")
            if kind == "label" and isinstance(value, Literal):
                self.add(subject, str(value), value.language, rank.get(str(row["p"]), 99))
            elif kind == "instant" and value is not None:
                instants.setdefault(subject, value)
            elif kind == "period" and value is not None:
                ends = periods.setdefault(subject, {})
                ends.setdefault(str(row["member"]), []).append(value)
            elif kind == "membership":
                memberships.append(row)
        others = {str(row[k]) for row in memberships for k in ("member", "organisation", "value")
                  if isinstance(row.get(k), URIRef)}
        self.fetch(others)
        for lang in i18n.LANGUAGES:
            names = {}
            for iri, value in instants.items():
                if date := _date_of(value, lang):
                    names[iri] = date
            for iri, ends in periods.items():
                begin_date, end_date = (
                    _date_of(ends[_TIME + key][0], lang) if _TIME + key in ends else None
                    for key in ("hasBeginning", "hasEnd")
                )
                if begin_date or end_date:
                    names.setdefault(iri, i18n.format_period(begin_date, end_date, lang))
            membership_names = {}
            for row in memberships:
                parts = [self.label(str(row[k]), lang) for k in ("member", "organisation")]
                role = row.get("value")
                suffix = f" ({self.label(str(role), lang)})" if role is not None else ""
                membership_names.setdefault(str(row["s"]), " \u2014 ".join(parts) + suffix)
            for iri, name in names.items():
                self.add(iri, name, lang, 50)
            for iri, name in membership_names.items():
                self.add(iri, name, lang, 60)

    def get(self, iri: str, lang: str) -> str | None:
        """The best label in ``lang``, else in the other language, else any; ``None`` if none."""
        self.fetch((iri,))
        names = self._names.get(iri, {})
        for wanted in (lang, *i18n.LANGUAGES):
            if wanted in names:
                return names[wanted][1]
        if iri in self._any:
            return self._any[iri][1]
        builtin = TERM_LABELS.get(iri)
        if builtin:
            return builtin[1] if lang == "lv" else builtin[0]
        return None

    def label(self, iri: str, lang: str) -> str:
        """A name for a thing: its label if there is one, else its IRI in short (``wd:Q211``)."""
        return self.get(iri, lang) or compact(iri)

    def term(self, iri: str, lang: str) -> str:
        """A name for a property or class: its label, else its local name in words."""
        return self.get(iri, lang) or humanize(iri)


def _date_of(value: Node, lang: str) -> str | None:
    if isinstance(value, Literal):
        if value.datatype == XSD.dateTimeStamp:
            value = Literal(str(value), datatype=XSD.dateTime)
        return i18n.format_date(value, lang)
    return None


def load_graphs(store: QueryStore, labels: Labels) -> dict[str, GraphInfo]:
    """Every named graph with its size, the document it comes from, and a name for people."""
    graphs = {}
    rows = store.query(_GRAPHS_QUERY, timeout=None, row_limit=None).rows
    labels.fetch(str(row[key]) for row in rows for key in ("g", "source") if row.get(key))
    for row in rows:
        iri = str(row["g"])
        source = str(row["source"]) if row.get("source") is not None else None
        names = {}
        for lang in i18n.LANGUAGES:
            fixed = _FIXED_GRAPH_NAMES.get(iri)
            if fixed:
                names[lang] = i18n.text(lang, fixed)
            else:
                names[lang] = (
                    labels.get(iri, lang)
                    or (labels.get(source, lang) if source else None)
                    or compact(iri)
                )
        graphs[iri] = GraphInfo(iri, int(row["triples"]), source, names)
    return graphs


def things_of_class(
    store: QueryStore, class_iri: str
) -> list[tuple[str, str | None]]:
    """Things typed with ``class_iri`` (in any graph) with their start date, if any."""
    result = store.query(
        _INSTANCES_QUERY,
        bindings={"class": URIRef(class_iri)},
        timeout=None,
        row_limit=None,
    )
    found: dict[str, str | None] = {}
    for row in result.rows:
        thing = row.get("thing")
        if isinstance(thing, URIRef):
            start = row.get("start")
            found[str(thing)] = found.get(str(thing)) or (str(start) if start is not None else None)
    return sorted(found.items())


@dataclass(frozen=True)
class VoidFacts:
    """The dataset's description from the release's ``void.ttl``."""

    graph: Graph
    dataset: URIRef | None
    counts: Mapping[str, int]
    titles: Mapping[str, str]
    descriptions: Mapping[str, str]


def load_void(release_dir: Path) -> VoidFacts:
    """Parse ``void.ttl`` (written by our own build, never fetched) and find the main dataset.

    The main dataset is the ``void:Dataset`` that is no other dataset's subset.
    """
    graph = Graph()
    path = release_dir / "void.ttl"
    if path.is_file():
        parse_file(path, graph)
    datasets = set(graph.subjects(RDF.type, VOID.Dataset)) | set(
        graph.subjects(RDF.type, DCAT.Dataset)
    )
    subsets = set(graph.objects(None, VOID.subset))
    main = sorted((d for d in datasets if d not in subsets), key=str)
    dataset = main[0] if main else None
    counts: dict[str, int] = {}
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    if isinstance(dataset, URIRef):
        for key in (
            "triples",
            "entities",
            "classes",
            "properties",
            "distinctSubjects",
            "distinctObjects",
        ):
            value = graph.value(dataset, VOID[key])
            if isinstance(value, Literal):
                try:
                    counts[key] = int(value)
                except ValueError:
                    continue
        counts["subsets"] = len(set(graph.objects(dataset, VOID.subset)))
        for value in graph.objects(dataset, DCTERMS.title):
            if isinstance(value, Literal):
                titles[value.language or ""] = str(value)
        for value in graph.objects(dataset, DCTERMS.description):
            if isinstance(value, Literal):
                descriptions[value.language or ""] = str(value)
    else:
        dataset = None
    return VoidFacts(graph, dataset, counts, titles, descriptions)


@dataclass(frozen=True)
class Settings:
    """How the server behaves; every limit has a safe default."""

    base_iri: str = BASE
    timeout: float = 10.0
    """Seconds a query may run before it is stopped."""
    row_limit: int = 10_000
    """Rows (or triples) a query answer may hold before it is cut, with the cut announced."""
    max_body: int = 256 * 1024
    """Bytes a request body may have."""
    cache_bytes: int = 64 * 1024 * 1024
    """Bytes of query answers kept for repeated queries (:mod:`cbss_kg.web.cache`); 0 keeps none."""



@dataclass
class Site:
    """The release being served and everything derived from it at startup."""

    settings: Settings
    release_dir: Path
    files: Mapping[str, ReleaseFile]
    fingerprint: str
    """A hash of the release's content (of ``SHA256SUMS``), the basis of every ETag."""
    last_modified: datetime
    void: VoidFacts
    labels: Labels
    graphs: Mapping[str, GraphInfo]
    triples: int
    queries: Mapping[str, Any] = field(default_factory=dict)
    """The named queries offered as an API (kind ``cq``), by name."""
    examples: Mapping[str, Any] = field(default_factory=dict)
    """Queries offered as examples on the query page."""
    lists: Mapping[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    figures: Figures = field(default_factory=lambda: Figures.of_rows({}))
    """The pictures the pages show, drawn from the views' rows."""

    def etag(self, *variant: str) -> str:
        """A strong ETag for one representation of one resource of this release."""
        digest = hashlib.sha256("\0".join((self.fingerprint, __version__, *variant)).encode())
        return '"' + digest.hexdigest()[:32] + '"'

    @property
    def bases(self) -> tuple[str, ...]:
        """The IRI namespaces served at this server's root: the configured base IRI, and the
        graph's own namespace when a deployment publishes elsewhere (with redirects to it)."""
        return tuple(dict.fromkeys((self.settings.base_iri, BASE)))

    def local_path(self, iri: str) -> str | None:
        """The server path of an IRI under a served namespace, else ``None``."""
        for base in self.bases:
            if iri.startswith(base):
                return "/" + iri[len(base) :]
        return None

    def iris_of(self, path: str) -> list[str]:
        """The IRIs a server path may stand for, the configured base IRI's first."""
        return [base + path.lstrip("/") for base in self.bases]


def load_site(
    store: QueryStore,
    release_dir: Path,
    settings: Settings,
    catalog: Mapping[str, Any] | None = None,
) -> Site:
    """Read the release folder and ask the store what the pages need to know.

    These are the server's own fixed queries over its own release, so they run in this process
    without a time budget (the store's workers are kept for the visitors' queries).

    Raises:
        ReleaseError: the folder lacks ``SHA256SUMS``.
    """
    files = release_files(release_dir)
    sums = files[CHECKSUMS]
    fingerprint = sums.sha256
    modified = datetime.fromtimestamp(int(sums.path.stat().st_mtime), tz=UTC)
    labels = Labels(store)
    graphs = load_graphs(store, labels)
    triples = sum(graph.triples for graph in graphs.values())
    catalog = dict(catalog or {})
    named = {name: q for name, q in sorted(catalog.items()) if getattr(q, "kind", None) == "cq"}
    lists = {
        "states": things_of_class(store, str(CBSS.State)),
        "projects": things_of_class(store, str(CBSS.Project)),
    }
    views = {name: q for name, q in catalog.items() if getattr(q, "kind", None) == "view"}
    asserted = [iri for iri in graphs if iri != str(GRAPH["inferred"])]
    return Site(
        settings=settings,
        release_dir=release_dir,
        files=files,
        fingerprint=fingerprint,
        last_modified=modified,
        void=load_void(release_dir),
        labels=labels,
        graphs=graphs,
        triples=triples,
        queries=named,
        examples=named,
        lists=lists,
        figures=load_figures(store, views, asserted, timeout=settings.timeout),
    )
