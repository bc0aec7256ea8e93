"""Query results: one value type for every engine, and their standard and readable renderings.

Writers follow the W3C formats to the letter: SPARQL 1.1 Query Results JSON, the SPARQL Query
Results XML Format, and SPARQL 1.1 Query Results CSV and TSV. They work on *encoded terms* (plain
tuples, see :func:`encode`), so the store's worker processes can write results from pyoxigraph's
terms without a detour through rdflib, and rdflib results are written by the very same code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from cbss_kg.namespaces import PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

RESULT_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
"""Content type of each SELECT/ASK results format."""

RENDER_FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle")

EncodedTerm = tuple
"""``("uri", iri)``, ``("bnode", label)`` or ``("literal", lexical, datatype | None, lang | None)``.

The datatype is None for simple (``xsd:string``) and language-tagged literals, as in the results
formats themselves.
"""


@dataclass
class QueryResult:
    """What a query returned: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).

    Terms are rdflib terms; a variable missing from a row is unbound. ``truncated`` says the row
    cap was reached and more rows exist.
    """

    form: str
    variables: tuple[str, ...] = ()
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.rows) if self.form == "select" else len(self.triples)


# --- encoded terms --------------------------------------------------------------------------------


def encode(node: Node) -> EncodedTerm:
    """An rdflib term as an encoded term."""
    if isinstance(node, URIRef):
        return ("uri", str(node))
    if isinstance(node, BNode):
        return ("bnode", str(node))
    if isinstance(node, Literal):
        datatype = str(node.datatype) if node.datatype is not None else None
        if datatype == XSD_STRING:
            datatype = None
        return ("literal", str(node), datatype, node.language)
    raise TypeError(f"not an RDF term: {node!r}")


def decode(term: EncodedTerm) -> Node:
    """An encoded term as an rdflib term."""
    if term[0] == "uri":
        return URIRef(term[1])
    if term[0] == "bnode":
        return BNode(term[1])
    _, lexical, datatype, lang = term
    if lang:
        return Literal(lexical, lang=lang)
    return Literal(lexical, datatype=URIRef(datatype) if datatype else None)


def from_rows(
    form: str,
    variables: Sequence[str] = (),
    rows: Iterable[Sequence[EncodedTerm | None]] = (),
    boolean: bool | None = None,
    triples: Iterable[Sequence[EncodedTerm]] = (),
    truncated: bool = False,
) -> QueryResult:
    """A :class:`QueryResult` from encoded rows or triples."""
    return QueryResult(
        form=form,
        variables=tuple(variables),
        rows=[
            {name: decode(term) for name, term in zip(variables, row, strict=True) if term}
            for row in rows
        ],
        boolean=boolean,
        triples=[(decode(s), decode(p), decode(o)) for s, p, o in triples],
        truncated=truncated,
    )


def from_json(data: Mapping) -> QueryResult:
    """A :class:`QueryResult` from a parsed SPARQL 1.1 Query Results JSON document."""
    if "boolean" in data:
        return QueryResult(form="ask", boolean=bool(data["boolean"]))
    variables = tuple(data.get("head", {}).get("vars", ()))
    rows = []
    for binding in data.get("results", {}).get("bindings", ()):
        row = {}
        for name, value in binding.items():
            kind = value["type"]
            if kind == "uri":
                row[name] = URIRef(value["value"])
            elif kind == "bnode":
                row[name] = BNode(value["value"])
            elif kind in ("literal", "typed-literal"):
                lang = value.get("xml:lang")
                datatype = None if lang else value.get("datatype")
                row[name] = Literal(
                    value["value"], lang=lang, datatype=URIRef(datatype) if datatype else None
                )
            else:
                raise ValueError(f"unsupported term type {kind!r} in SPARQL JSON results")
        rows.append(row)
    return QueryResult(form="select", variables=variables, rows=rows)


def _encoded_rows(result: QueryResult) -> tuple[tuple[str, ...], list[list[EncodedTerm | None]]]:
    """The variables and rows as encoded terms; a graph as subject/predicate/object rows."""
    if result.form == "graph":
        names = ("subject", "predicate", "object")
        return names, [[encode(t) for t in triple] for triple in result.triples]
    return result.variables, [
        [encode(row[name]) if name in row else None for name in result.variables]
        for row in result.rows
    ]


# --- the standard formats -------------------------------------------------------------------------


def _json_term(term: EncodedTerm) -> dict[str, str]:
    if term[0] != "literal":
        return {"type": term[0], "value": term[1]}
    out = {"type": "literal", "value": term[1]}
    if term[3]:
        out["xml:lang"] = term[3]
    elif term[2]:
        out["datatype"] = term[2]
    return out


def _xml_term(term: EncodedTerm) -> str:
    if term[0] == "uri":
        return f"<uri>{escape(term[1])}</uri>"
    if term[0] == "bnode":
        return f"<bnode>{escape(term[1])}</bnode>"
    if term[3]:
        return f"<literal xml:lang={quoteattr(term[3])}>{escape(term[1])}</literal>"
    if term[2]:
        return f"<literal datatype={quoteattr(term[2])}>{escape(term[1])}</literal>"
    return f"<literal>{escape(term[1])}</literal>"


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _literal_syntax(text: str, datatype: str | None, language: str | None) -> str:
    """A literal in N-Triples syntax (also a SPARQL literal): no raw tab or line break."""
    quoted = f'"{text.translate(_NT_ESCAPES)}"'
    if language:
        return f"{quoted}@{language}"
    if datatype:
        return f"{quoted}^^<{datatype}>"
    return quoted


def literal_text(literal: Literal) -> str:
    """An rdflib literal in N-Triples syntax, its datatype kept as given."""
    return _literal_syntax(str(literal), literal.datatype, literal.language)


def _nt_term(term: EncodedTerm) -> str:
    """A term in N-Triples syntax, as the TSV format writes it."""
    if term[0] == "uri":
        return f"<{term[1]}>"
    if term[0] == "bnode":
        return f"_:{term[1]}"
    return _literal_syntax(term[1], term[2], term[3])


def _csv_value(term: EncodedTerm | None) -> str:
    if term is None:
        return ""
    return f"_:{term[1]}" if term[0] == "bnode" else term[1]


def write_select(
    variables: Sequence[str], rows: Iterable[Sequence[EncodedTerm | None]], fmt: str
) -> bytes:
    """SELECT results (rows of encoded terms, None for unbound) in ``fmt``: json, xml, csv, tsv."""
    if fmt == "json":
        bindings = [
            {name: _json_term(term) for name, term in zip(variables, row, strict=True) if term}
            for row in rows
        ]
        document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS_NS}">\n<head>']
        parts += [f"<variable name={quoteattr(name)}/>" for name in variables]
        parts.append("</head>\n<results>\n")
        for row in rows:
            parts.append("<result>")
            parts += [
                f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
                for name, term in zip(variables, row, strict=True)
                if term
            ]
            parts.append("</result>\n")
        parts.append("</results>\n</sparql>\n")
        return "".join(parts).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_value(term) for term in row] for row in rows)
        return out.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{name}" for name in variables)]
        lines += ["\t".join(_nt_term(t) if t else "" for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt!r} (use json, xml, csv or tsv)")


def write_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer in ``fmt``; CSV and TSV (the standard has no ASK form) get true/false."""
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS_NS}">\n<head/>\n'
            f"<boolean>{word}</boolean>\n</sparql>\n"
        ).encode()
    if fmt in ("csv", "tsv"):
        return f"{word}\n".encode()
    raise ValueError(f"unknown results format {fmt!r} (use json, xml, csv or tsv)")


# --- rendering for people -----------------------------------------------------------------------


_SHORT_TYPES = {XSD + t for t in ("integer", "decimal", "boolean", "date", "gYear", "gYearMonth")}
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def curie(iri: str) -> str:
    """``iri`` as a CURIE with the project prefixes when one fits, else ``<iri>``."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and all(c.isalnum() or c in "_-./" for c in local) and local[-1] != ".":
                return f"{prefix}:{local}"
    return f"<{iri}>"


def _cell(node: Node | None) -> str:
    """A term as a table shows it: CURIEs, plain values, ``Latvija @lv``, escaped line breaks."""
    if node is None:
        return ""
    term = encode(node)
    if term[0] == "uri":
        return curie(term[1])
    if term[0] == "bnode":
        return f"_:{term[1]}"
    text = (
        term[1].replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    if term[3]:
        return f"{text} @{term[3]}"
    if term[2] and term[2] not in _SHORT_TYPES:
        return f"{text} ^^{curie(term[2])}"
    return text


def _table(names: Sequence[str], cells: list[list[str]], truncated: bool) -> str:
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(names)]
    lines = ["  ".join(name.ljust(w) for name, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    count = len(cells)
    note = f"{count} row{'s' if count != 1 else ''}"
    if truncated:
        note += f" (cut at {count}: there are more)"
    lines.append(f"({note})")
    return "\n".join(lines) + "\n"


def _graph(result: QueryResult) -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for triple in result.triples:
        graph.add(triple)
    return graph


def render(result: QueryResult, fmt: str) -> str:
    """``result`` as text: ``table`` (aligned, for people), ``json``, ``csv``, ``tsv``, ``xml``.

    SELECT and ASK results use the SPARQL 1.1 results formats. A graph (CONSTRUCT/DESCRIBE) is
    JSON-LD for ``json``, Turtle for ``turtle``, and subject/predicate/object rows otherwise.
    """
    if fmt not in RENDER_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(RENDER_FORMATS)})")
    if result.form == "ask":
        if fmt == "table":
            return ("yes" if result.boolean else "no") + "\n"
        if fmt == "turtle":
            raise ValueError("an ASK answer has no Turtle form")
        return write_boolean(bool(result.boolean), fmt).decode()
    if result.form == "graph" and fmt in ("json", "turtle"):
        graph = _graph(result)
        if fmt == "turtle":
            return graph.serialize(format="turtle")
        return graph.serialize(format="json-ld", context=dict(PREFIXES), indent=2)
    if fmt == "turtle":
        raise ValueError("only CONSTRUCT and DESCRIBE results have a Turtle form")
    names, rows = _encoded_rows(result)
    if fmt == "table":
        nodes = (
            [list(triple) for triple in result.triples]
            if result.form == "graph"
            else [[row.get(name) for name in names] for row in result.rows]
        )
        return _table(names, [[_cell(node) for node in row] for row in nodes], result.truncated)
    return write_select(names, rows, fmt).decode()
