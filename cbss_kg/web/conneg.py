"""Content negotiation: which representation a client gets.

Formats have a short name (the ``format=`` override and the suffix of a URL), one canonical media
type and the aliases clients send in ``Accept``. A SPARQL SELECT or ASK answers in a *results*
format, CONSTRUCT and DESCRIBE (and every description of a thing) in an *RDF* format; a few
short names mean one of each (``json``, ``xml``), decided by what is being answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """A representation the server can send.

    Attributes:
        name: short name, used in ``format=`` and in suffix URLs.
        media_type: the canonical media type, sent in ``Content-Type``.
        aliases: other media types that clients use for the same thing.
        suffix: the file suffix of suffix URLs (``/id/state/LV.ttl``), if any.
        label: what a person calls it, for links on pages.
    """

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    suffix: str | None = None
    label: str = ""

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


HTML = Format("html", "text/html", ("application/xhtml+xml",), "html", "HTML")

SPARQL_JSON = Format(
    "json",
    "application/sparql-results+json",
    ("application/json",),
    "srj",
    "JSON",
)
SPARQL_XML = Format(
    "xml", "application/sparql-results+xml", ("application/xml", "text/xml"), "srx", "XML"
)
CSV = Format("csv", "text/csv", (), "csv", "CSV")
TSV = Format("tsv", "text/tab-separated-values", (), "tsv", "TSV")

TURTLE = Format(
    "turtle",
    "text/turtle",
    ("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3", "application/n3"),
    "ttl",
    "Turtle",
)
JSON_LD = Format(
    "jsonld",
    "application/ld+json",
    ("application/x-json+ld", "application/json"),
    "jsonld",
    "JSON-LD",
)
N_TRIPLES = Format("nt", "application/n-triples", ("text/plain",), "nt", "N-Triples")
RDF_XML = Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), "rdf", "RDF/XML")
TRIG = Format("trig", "application/trig", ("application/x-trig",), "trig", "TriG")

RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
"""Answers to SELECT and ASK, in the server's order of preference."""

RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG)
"""Answers to CONSTRUCT and DESCRIBE, and descriptions of things, best first."""

_OVERRIDES_RESULTS = {
    "json": SPARQL_JSON,
    "srj": SPARQL_JSON,
    "xml": SPARQL_XML,
    "srx": SPARQL_XML,
    "csv": CSV,
    "tsv": TSV,
    "html": HTML,
}
_OVERRIDES_RDF = {
    "turtle": TURTLE,
    "ttl": TURTLE,
    "n3": TURTLE,
    "nt": N_TRIPLES,
    "ntriples": N_TRIPLES,
    "n-triples": N_TRIPLES,
    "jsonld": JSON_LD,
    "json-ld": JSON_LD,
    "json": JSON_LD,
    "rdfxml": RDF_XML,
    "rdf+xml": RDF_XML,
    "rdf": RDF_XML,
    "xml": RDF_XML,
    "trig": TRIG,
    "html": HTML,
}

FORMAT_NAMES: tuple[str, ...] = (
    "json",
    "xml",
    "csv",
    "tsv",
    "turtle",
    "ttl",
    "nt",
    "jsonld",
    "rdfxml",
    "trig",
    "html",
)
"""The documented values of ``format=``."""


class UnknownFormat(ValueError):
    """A ``format=`` value names no format the server has."""


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> int:
        """How closely this range matches ``media_type``: 3 exact, 2 ``type/*``, 1 ``*/*``."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type != kind:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == sub else 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an ``Accept`` header; a missing or empty header accepts anything.

    Malformed entries are skipped rather than failing the request: a client that sends a broken
    header still gets the server's preferred representation.
    """
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        kind, slash, sub = fields[0].lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q))
    return ranges


def profiles(header: str | None, media_type: str) -> list[str]:
    """The profile IRIs an ``Accept`` header asks for with exactly ``media_type``, in the order
    written: ``application/ld+json; profile="https://w3id.org/cbss-kg/frames/project"``. A
    profile value may list several IRIs separated by spaces; an entry with ``q=0`` asks for none.
    """
    found: list[str] = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0].lower() != media_type:
            continue
        params = {}
        for field in fields[1:]:
            key, _, value = field.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            if float(params.get("q", "1")) <= 0:
                continue
        except ValueError:
            continue
        found.extend(params.get("profile", "").split())
    return found


def quality(ranges: Sequence[MediaRange], fmt: Format) -> float:
    """The q-value a client gives a format: that of the most specific range matching one of its
    media types."""
    best_specificity, best_q = 0, 0.0
    for media_type in fmt.media_types:
        for media_range in ranges:
            specificity = media_range.matches(media_type)
            if specificity > best_specificity or (
                specificity == best_specificity and specificity and media_range.q > best_q
            ):
                best_specificity, best_q = specificity, media_range.q
    return best_q


def negotiate(accept: str | None, offers: Iterable[Format]) -> Format | None:
    """The offer the client likes best, ties going to the server's order; ``None`` if none."""
    ranges = parse_accept(accept)
    best: Format | None = None
    best_q = 0.0
    for fmt in offers:
        q = quality(ranges, fmt)
        if q > best_q:
            best, best_q = fmt, q
    return best


def override(values: Sequence[str], offers: Sequence[Format], *, graph: bool) -> Format | None:
    """The format named by ``format=`` values, or ``None`` when no value was given.

    Several values may come (SPARQLWrapper sends both a short name and a media type); the first
    one that names a format among ``offers`` wins. ``graph`` says whether RDF formats are being
    offered, which decides what ``json`` and ``xml`` mean.

    Raises:
        UnknownFormat: values were given but none names an offered format.
    """
    names = _OVERRIDES_RDF if graph else _OVERRIDES_RESULTS
    cleaned = [v.strip() for v in values if v and v.strip()]
    if not cleaned:
        return None
    for value in cleaned:
        key = value.lower()
        fmt = names.get(key)
        if fmt is None:
            fmt = next((f for f in offers if key.split(";")[0].strip() in f.media_types), None)
        if fmt is not None and fmt in offers:
            return fmt
    wanted = ", ".join(sorted({k for k, f in names.items() if f in offers}))
    raise UnknownFormat(f"format={cleaned[0]!r} is not available here; use one of: {wanted}")


def by_suffix(suffix: str, offers: Iterable[Format]) -> Format | None:
    """The format of a suffix URL (``ttl``, ``jsonld``, ``nt``, ``rdf``, ``trig``, ``html``)."""
    return next((f for f in offers if f.suffix == suffix), None)


def is_graph_form(form: str | None) -> bool:
    """Whether a query form answers with RDF triples rather than a results table."""
    return form in ("construct", "describe")
