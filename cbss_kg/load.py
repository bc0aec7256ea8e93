"""Load the project's sources: the ontology, the data in named graphs, and the shapes.

Files are read from disk by this module and handed to rdflib as text, so a parser never opens
a path or a URL of its own: nothing is fetched from the network (``owl:imports`` is data, not
an instruction) and nothing outside the project is read. Relative IRIs resolve against the
published base IRI, never against a machine path.

A syntax error becomes a :class:`LoadError` naming the file, line and column.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from cbss_kg import store
from cbss_kg.config import Project
from cbss_kg.namespaces import BASE, GRAPH

ONTOLOGY_GRAPH = GRAPH["ontology"]
"""The named graph the ontology files are loaded into."""

FORMATS = {".ttl": "turtle", ".trig": "trig"}
"""The source formats, by file suffix."""

_NOT_IN_IRIS = frozenset('<>"{}|\\^`') | frozenset(chr(c) for c in range(0x21))


class LoadError(Exception):
    """A source file cannot be read as RDF.

    ``str()`` gives ``file:line:column: message`` (the position when it is known), the form
    editors and terminals turn into a link.
    """

    def __init__(
        self, path: Path, message: str, line: int | None = None, column: int | None = None
    ):
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        position = "".join(f":{n}" for n in (self.line, self.column) if n is not None)
        return f"{self.path.as_posix()}{position}: {self.message}"

    def relative_to(self, root: Path) -> LoadError:
        """The same error with its path relative to ``root`` (as the project shows paths)."""
        try:
            path = self.path.resolve().relative_to(root.resolve())
        except ValueError:
            path = self.path
        return LoadError(path, self.message, self.line, self.column)


@dataclass(frozen=True)
class Sources:
    """Everything the pipeline reads.

    Attributes:
        dataset: each named graph as written in ``data/*.trig``, the ontology in
            ``graph:ontology``; the default graph is the union of them all.
        shapes: the SHACL shapes.
        files: the files that were read, in reading order.
    """

    dataset: Dataset
    shapes: Graph
    files: tuple[Path, ...]

    @property
    def ontology(self) -> Graph:
        """The ontology's named graph."""
        return self.dataset.graph(ONTOLOGY_GRAPH)

    def named_graphs(self) -> list[Graph]:
        """The non-empty named graphs, sorted by name."""
        graphs = (g for g in self.dataset.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID)
        return sorted((g for g in graphs if len(g)), key=lambda g: str(g.identifier))

    def union(self) -> Graph:
        """All named graphs merged into one graph (a triple said by several sources once)."""
        merged = Graph()
        for graph in self.named_graphs():
            merged.addN((s, p, o, merged) for s, p, o in graph)  # the store skips duplicates
        return merged


def load_project(project: Project) -> Sources:
    """Read ``ontology/*.ttl`` (except the shapes), every ``data/*.trig`` and the shapes.

    Raises:
        LoadError: a file is not well-formed; its path is relative to the project root.
    """
    dataset = Dataset(default_union=True)
    shapes = Graph()
    ontology_files = sorted(
        p for p in project.ontology_dir.glob("*.ttl") if p.resolve() != project.shapes_file
    )
    data_files = sorted(project.data_dir.glob("*.trig"))
    shape_files = [project.shapes_file] if project.shapes_file.is_file() else []
    try:
        for path in ontology_files:
            parse_file(path, dataset.graph(ONTOLOGY_GRAPH))
        for path in data_files:
            parse_file(path, dataset)
        for path in shape_files:
            parse_file(path, shapes)
    except LoadError as error:
        raise error.relative_to(project.root) from None
    return Sources(dataset, shapes, tuple(ontology_files + data_files + shape_files))


def parse_file(path: Path, into: Dataset | Graph) -> None:
    """Parse one Turtle (``.ttl``) or TriG (``.trig``) file into ``into``.

    Turtle triples go into ``into`` itself (a dataset's default graph). TriG named graphs keep
    their names in a dataset and are merged into a plain graph. A TriG file must put every
    triple inside a named graph: the project keeps no triples in the default graph.

    Raises:
        LoadError: the file cannot be read, is not UTF-8, is not well-formed, or holds an
            IRI with characters IRIs may not contain.
    """
    parse_text(path, read_source(path), into)


def parse_text(path: Path, text: str, into: Dataset | Graph) -> None:
    """Parse ``text`` as the content of ``path`` (whose suffix gives the format and which
    errors name), as :func:`parse_file` does."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise LoadError(path, f"unknown file type {path.suffix!r} (expected .ttl or .trig)")
    if _fast(text, fmt, into):
        return
    parsed: Graph = Dataset() if fmt == "trig" else Graph()
    try:
        with _quiet_rdflib_terms():
            parsed.parse(data=text, format=fmt, publicID=BASE)
    except BadSyntax as error:
        line, column = _position(text, error)
        raise LoadError(path, _syntax_message(error), line, column) from None
    except Exception as error:  # a parser failure other than BadSyntax: still the file's fault
        raise LoadError(path, f"cannot parse as {fmt}: {error}") from None
    _check_terms(path, text, parsed)
    if isinstance(parsed, Dataset):
        _merge_named_graphs(path, text, parsed, into)
    else:
        into += parsed


_RDFLIB_ONLY = re.compile(r"""["']@[A-Za-z0-9-]*[A-Z]|\^\^\s*\S*string\b""")
"""What pyoxigraph reads otherwise than rdflib: a language tag with capitals (pyoxigraph writes
it in lower case), a literal typed as a string (pyoxigraph drops the type)."""


def _fast(text: str, fmt: str, into: Dataset | Graph) -> bool:
    """Parse ``text`` with the store's parser into ``into`` if it reads the text exactly as rdflib
    does and finds nothing wrong with it; False (nothing added) if rdflib must read it, which
    then names any error as this module always has (file, line, column, and rdflib's words).

    pyoxigraph refuses what :func:`_check_terms` refuses (IRIs with excluded characters,
    literal subjects), so its statements need no further check; a TriG triple outside a named
    graph is left to rdflib too, which reports it.
    """
    if _RDFLIB_ONLY.search(text):
        return False
    try:
        statements = store.parse_statements(text, fmt, BASE)
    except SyntaxError:
        return False
    if fmt == "trig" and any(graph is None for *_, graph in statements):
        return False
    named = fmt == "trig" and isinstance(into, Dataset)
    by_graph: dict[Node | None, list[tuple[Node, Node, Node]]] = defaultdict(list)
    for s, p, o, graph in statements:
        by_graph[graph if named else None].append((s, p, o))
    for graph, triples in by_graph.items():
        target = into.graph(graph) if named else into
        target.addN((s, p, o, target) for s, p, o in triples)
    return True


def read_source(path: Path) -> str:
    """A source file's text (UTF-8, without a byte-order mark).

    Raises:
        LoadError: the file cannot be read or is not UTF-8 (with the position of the bad byte).
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LoadError(path, f"cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise LoadError(path, "not valid UTF-8", line, column) from None
    return text.removeprefix("\ufeff")


@contextlib.contextmanager
def _quiet_rdflib_terms() -> Iterator[None]:
    """Silence rdflib's term warnings while parsing: a malformed IRI is reported as a
    :class:`LoadError` and an ill-typed literal by SHACL, so the log lines are only noise."""
    logger = logging.getLogger("rdflib.term")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def _position(text: str, error: BadSyntax) -> tuple[int | None, int | None]:
    """Line and column (both from 1) of a notation3-parser error.

    The parser records the character offset into the text it was given (``_i``, -1 for the
    end of input) and a line count; the offset is the precise one, the line count a fallback.
    """
    offset = getattr(error, "_i", None)
    if isinstance(offset, int):
        if offset < 0 or offset > len(text):
            offset = len(text)
        return _line_column(text, offset)
    lines = getattr(error, "lines", None)
    return (lines + 1 if isinstance(lines, int) else None), None


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _syntax_message(error: BadSyntax) -> str:
    why = getattr(error, "_why", None)
    return f"syntax error: {why}" if why else f"syntax error: {error}"


def _check_terms(path: Path, text: str, parsed: Graph) -> None:
    """Reject what rdflib's parsers let through but RDF forbids: IRIs with spaces or other
    excluded characters, and literals as subjects."""
    for quad in (
        parsed.quads((None, None, None, None))
        if isinstance(parsed, Dataset)
        else ((*t, None) for t in parsed)
    ):
        subject = quad[0]
        if isinstance(subject, Literal):
            raise LoadError(
                path,
                f"a literal cannot be a subject: {subject.n3()}",
                *_locate(text, subject, parsed),
            )
        for term in quad[:3]:
            if isinstance(term, URIRef) and _NOT_IN_IRIS.intersection(str(term)):
                bad = sorted(_NOT_IN_IRIS.intersection(str(term)))
                shown = ", ".join(repr(c) for c in bad)
                raise LoadError(
                    path,
                    f"invalid IRI <{term}>: IRIs may not contain {shown}",
                    *_locate(text, term, parsed),
                )


def _locate(text: str, term: Node, parsed: Graph) -> tuple[int | None, int | None]:
    """Where ``term`` is first written in ``text``, as best as can be told after parsing: as a
    full IRI (or its relative tail), as a prefixed name with one of the file's prefixes, or as
    a quoted literal."""
    if isinstance(term, URIRef):
        iri = str(term)
        candidates = [re.escape(f"<{iri[k:]}>") for k in range(len(iri))]
        candidates += [
            rf"(?<![\w:-]){re.escape(prefix)}:{re.escape(iri[len(ns) :])}(?![\w:/#%.-]*\w)"
            for prefix, ns in parsed.namespace_manager.namespaces()
            if iri.startswith(str(ns))
        ]
    elif isinstance(term, Literal):
        candidates = [re.escape(term.n3()), re.escape(f'"{term}"')]
    else:
        candidates = [re.escape(term.n3())]
    for candidate in candidates:
        match = re.search(candidate, text)
        if match:
            return _line_column(text, match.start())
    return None, None


def _merge_named_graphs(path: Path, text: str, parsed: Dataset, into: Dataset | Graph) -> None:
    default = parsed.graph(DATASET_DEFAULT_GRAPH_ID)
    if len(default):
        first = min(default, key=lambda t: tuple(x.n3() for x in t))
        raise LoadError(
            path,
            "triple outside a GRAPH block (every triple belongs to the named graph of its source): "
            + " ".join(x.n3() for x in first),
            *_locate(text, first[0], parsed),
        )
    for graph in parsed.graphs():
        if graph.identifier == DATASET_DEFAULT_GRAPH_ID:
            continue
        target = into.graph(graph.identifier) if isinstance(into, Dataset) else into
        target += graph


# --- the layout of source files ------------------------------------------------------------------


def canonical_layout(text: str) -> str:
    """``text`` with the source files' layout rules applied, changing nothing else.

    The rules: lines end in LF with no trailing spaces or tabs, no run of blank lines, no blank
    lines at the start or the end, and one final newline. Text inside a long string literal is
    data and is left exactly as it is. Comments, statement order, prefixes and relative IRIs are
    kept: they are what makes a hand-written file readable (rdflib's canonical serialization,
    used for the release, would drop or rewrite all four).
    """
    protected = _newlines_in_long_strings(text)
    lines: list[str] = []
    blank_run = True  # so that blank lines at the start are dropped
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if end in protected:
            lines.append(line)
            blank_run = False
        else:
            line = line.rstrip(" \t\r")
            if line or not blank_run:
                lines.append(line)
            blank_run = not line
        start = end + 1
    if blank_run and lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def _newlines_in_long_strings(text: str) -> set[int]:
    """Offsets of the newlines that lie inside a long string literal.

    A small scanner: outside strings it skips comments and IRIs (which may hold quote
    characters), and it honours backslash escapes inside strings.
    """
    inside: set[int] = set()
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = size if end < 0 else end
        elif char == "<":
            end = text.find(">", i)
            i = size if end < 0 else end + 1
        elif char in "\"'":
            delimiter = char * 3 if text.startswith(char * 3, i) else char
            i += len(delimiter)
            while i < size and not text.startswith(delimiter, i):
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n" and len(delimiter) == 3:
                    inside.add(i)
                elif text[i] == "\n":
                    break
                i += 1
            i += len(delimiter)
        else:
            i += 1
    return inside
