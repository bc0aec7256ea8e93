"""Findings: what validation found wrong, in plain words, and its renderings.

Every stage that judges the data (SHACL shapes, SPARQL checks) reports :class:`Finding` values
collected in a :class:`Report`. A report renders as readable text for people, as an
``sh:ValidationReport`` in Turtle for tools, and as JSON for scripts.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node
from rdflib.util import from_n3

from cbss_kg.namespaces import PREFIXES, SH


class Severity(enum.StrEnum):
    """How bad a finding is; only violations make a report fail."""

    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: the worst first."""
        return _RANK[self]

    @property
    def heading(self) -> str:
        """The word that starts a finding's line in the text report."""
        return self.value.capitalize()


ANONYMOUS_SHAPE = "anonymous shape"
"""The source of a SHACL finding whose shape has no IRI and belongs to no named shape."""

_RANK = {Severity.VIOLATION: 0, Severity.WARNING: 1, Severity.INFO: 2}
_SH_SEVERITY = {
    SH.Violation: Severity.VIOLATION,
    SH.Warning: Severity.WARNING,
    SH.Info: Severity.INFO,
}


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong with one entity.

    Terms are kept as strings so that findings compare, sort and serialize simply: an IRI is its
    plain string, a literal or blank node its N3 form (see :func:`term_text`).
    """

    severity: Severity
    focus: str
    path: str | None
    message: str
    source: str
    component: str | None = None
    value: str | None = None

    def sort_key(self) -> tuple:
        """Worst first, then by entity, property and message, so output is stable."""
        return (
            self.severity.rank,
            self.focus,
            self.path or "",
            self.message,
            self.source,
            self.value or "",
        )


@dataclass(frozen=True)
class Report:
    """The findings of one validation run.

    ``labels`` maps focus IRIs to a human label (English preferred) so the text report can name
    entities the way people know them; it takes no part in comparing reports.
    """

    findings: tuple[Finding, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        unique = sorted(set(self.findings), key=Finding.sort_key)
        object.__setattr__(self, "findings", tuple(unique))

    @property
    def conforms(self) -> bool:
        """True when there is no violation (warnings and infos do not fail a report)."""
        return not any(f.severity is Severity.VIOLATION for f in self.findings)

    def count(self, severity: Severity) -> int:
        """How many findings have this severity."""
        return sum(1 for f in self.findings if f.severity is severity)

    def summary(self) -> str:
        """One line: conforms or not, with the count of each severity."""
        counts = ", ".join(
            _plural(self.count(s), s.value)
            for s in Severity
            if self.count(s) or s is not Severity.INFO
        )
        verdict = "Conforms" if self.conforms else "Does not conform"
        return f"{verdict}: {counts}."

    def to_text(self, labels: Mapping[str, str] | None = None) -> str:
        """A readable report: one line per finding naming entity, property and what is wrong.

        Example: ``Violation: id:project/strom-ii (STROM II) — property cbss:runBy: must have
        exactly 1 value, has 0 (shape: ProjectShape)``.
        """
        names = self.labels if labels is None else labels
        lines = [_finding_line(f, names) for f in self.findings]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_graph(self) -> Graph:
        """The report as an ``sh:ValidationReport``."""
        graph = _bound_graph()
        report = BNode()
        graph.add((report, RDF.type, SH.ValidationReport))
        graph.add((report, SH.conforms, Literal(self.conforms)))
        for finding in self.findings:
            result = BNode()
            graph.add((report, SH.result, result))
            graph.add((result, RDF.type, SH.ValidationResult))
            graph.add((result, SH.resultSeverity, _SEVERITY_IRI[finding.severity]))
            graph.add((result, SH.focusNode, text_term(finding.focus)))
            graph.add((result, SH.resultMessage, Literal(finding.message)))
            if finding.path is not None:
                graph.add((result, SH.resultPath, path_node(finding.path, graph)))
            if finding.value is not None:
                graph.add((result, SH.value, text_term(finding.value)))
            if finding.component is not None:
                graph.add((result, SH.sourceConstraintComponent, URIRef(finding.component)))
            if _is_iri(finding.source):
                graph.add((result, SH.sourceShape, URIRef(finding.source)))
            else:
                graph.add((result, _DCT_SOURCE, Literal(finding.source)))
        return graph

    def to_turtle(self) -> str:
        """The report as an ``sh:ValidationReport`` in Turtle."""
        return self.to_graph().serialize(format="turtle")

    def to_json(self) -> str:
        """The report as JSON: verdict, counts and one object per finding (with its label)."""
        names = self.labels
        document = {
            "conforms": self.conforms,
            "counts": {s.value: self.count(s) for s in Severity},
            "findings": [
                {
                    "severity": f.severity.value,
                    "focus": f.focus,
                    "label": names.get(f.focus),
                    "path": f.path,
                    "message": f.message,
                    "source": f.source,
                    "component": f.component,
                    "value": f.value,
                }
                for f in self.findings
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- terms as text -------------------------------------------------------------------------------


def term_text(term: Node) -> str:
    """A term as a finding stores it: an IRI plain, a literal or blank node in N3."""
    return str(term) if isinstance(term, URIRef) else term.n3()


def text_term(text: str) -> Node:
    """The inverse of :func:`term_text`."""
    if text.startswith(('"', "_:")):
        return from_n3(text)
    return URIRef(text)


def compact(iri: str) -> str:
    """``https://w3id.org/cbss-kg/id/project/x`` → ``id:project/x`` with the project's prefixes.

    Meant for reading, not for Turtle: the local part may hold characters a prefixed name cannot.
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None or best == iri:
        return f"<{iri}>" if _is_iri(iri) else iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"


def show(text: str) -> str:
    """A stored term (see :func:`term_text`) for a reader: IRIs compacted, datatypes too."""
    if not text.startswith('"'):
        return compact(text)
    term = text_term(text)
    if isinstance(term, Literal) and term.datatype is not None and term.datatype != XSD.string:
        return f"{_quoted(term)}^^{compact(str(term.datatype))}"
    return text


def _quoted(literal: Literal) -> str:
    return json.dumps(str(literal), ensure_ascii=False)


def _is_iri(text: str) -> bool:
    return ":" in text and not text.startswith(('"', "_:")) and " " not in text


# --- property paths ------------------------------------------------------------------------------

_PATH_SUFFIX = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


def path_text(node: Node, graph: Graph) -> str:
    """A SHACL path as a finding stores it: a predicate path is its IRI, any other path its
    SPARQL property-path form with full IRIs (``^<…>``, ``<…>/<…>``, ``(<…>|<…>)``, ``<…>*``)."""
    if isinstance(node, URIRef):
        return str(node)
    return _path_expression(node, graph)


def _path_expression(node: Node, graph: Graph) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + _path_expression(inverse, graph)
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        members = Collection(graph, alternatives)
        return "(" + "|".join(_path_expression(m, graph) for m in members) + ")"
    for predicate, suffix in _PATH_SUFFIX.items():
        inner = graph.value(node, predicate)
        if inner is not None:
            return _path_expression(inner, graph) + suffix
    if graph.value(node, RDF.first) is not None:
        return "(" + "/".join(_path_expression(m, graph) for m in Collection(graph, node)) + ")"
    return node.n3()


def path_node(text: str, graph: Graph) -> Node:
    """The inverse of :func:`path_text`: build the SHACL path node for ``text`` in ``graph``."""
    if not text.startswith(("<", "^", "(")):
        return URIRef(text)
    node, rest = _parse_path(text, graph)
    if rest:
        raise ValueError(f"unexpected {rest!r} in property path {text!r}")
    return node


def _parse_path(text: str, graph: Graph) -> tuple[Node, str]:
    """Parse one path element (with any suffix) from the start of ``text``."""
    if text.startswith("^"):
        inner, rest = _parse_path(text[1:], graph)
        node = BNode()
        graph.add((node, SH.inversePath, inner))
        return node, rest
    if text.startswith("<"):
        end = text.index(">")
        node, rest = URIRef(text[1:end]), text[end + 1 :]
    elif text.startswith("("):
        parts, separator, rest = [], None, text[1:]
        while True:
            part, rest = _parse_path(rest, graph)
            parts.append(part)
            if rest.startswith(")"):
                rest = rest[1:]
                break
            separator, rest = rest[0], rest[1:]
        if separator == "|":
            node = BNode()
            graph.add((node, SH.alternativePath, _list(graph, parts)))
        else:
            node = _list(graph, parts)
    else:
        raise ValueError(f"cannot read property path {text!r}")
    for predicate, suffix in _PATH_SUFFIX.items():
        if rest.startswith(suffix):
            wrapper = BNode()
            graph.add((wrapper, predicate, node))
            return wrapper, rest[1:]
    return node, rest


def _list(graph: Graph, items: list[Node]) -> Node:
    head = BNode()
    Collection(graph, head, items)
    return head


# --- from SHACL results --------------------------------------------------------------------------


def report_from_shacl(
    results_graph: Graph, shapes: Graph | None = None, data: Graph | None = None
) -> list[Finding]:
    """Turn an ``sh:ValidationReport`` into findings with messages in plain words.

    ``shapes`` (the shapes graph) lets a finding name the node shape a property shape belongs
    to and quote the shape's parameters; ``data`` lets it say how many values an entity really
    has. Both are optional: without them the messages are shorter, never wrong. A message the
    shape author wrote (``sh:message``) is kept as written.
    """
    lookup = _ShapeLookup(results_graph, shapes)
    findings = []
    for result in results_graph.objects(None, SH.result):
        focus = results_graph.value(result, SH.focusNode)
        path = results_graph.value(result, SH.resultPath)
        value = results_graph.value(result, SH.value)
        shape = results_graph.value(result, SH.sourceShape)
        component = results_graph.value(result, SH.sourceConstraintComponent)
        severity = _SH_SEVERITY.get(
            results_graph.value(result, SH.resultSeverity), Severity.VIOLATION
        )
        message = _message(
            result, results_graph, lookup, data, focus, path, value, shape, component
        )
        findings.append(
            Finding(
                severity=severity,
                focus=term_text(focus),
                path=None if path is None else path_text(path, lookup.graph_of(path)),
                message=message,
                source=lookup.owner_name(shape),
                component=None if component is None else str(component),
                value=None if value is None else term_text(value),
            )
        )
    return sorted(findings, key=Finding.sort_key)


class _ShapeLookup:
    """Reads shape parameters from the shapes graph, falling back to the copies of blank-node
    shapes that pyshacl puts into its results graph."""

    def __init__(self, results: Graph, shapes: Graph | None) -> None:
        self.graphs = [g for g in (shapes, results) if g is not None]

    def value(self, node: Node | None, predicate: URIRef) -> Node | None:
        if node is None:
            return None
        for graph in self.graphs:
            found = graph.value(node, predicate)
            if found is not None:
                return found
        return None

    def graph_of(self, node: Node) -> Graph:
        for graph in self.graphs:
            if (node, None, None) in graph:
                return graph
        return self.graphs[-1]

    def items(self, node: Node | None, predicate: URIRef) -> list[Node]:
        head = self.value(node, predicate)
        return [] if head is None else list(Collection(self.graph_of(head), head))

    def owner_name(self, shape: Node | None) -> str:
        """The IRI of the named shape a finding comes from: the shape itself, or the nearest
        named node shape that holds it through ``sh:property`` / ``sh:node``."""
        seen: set[Node] = set()
        current = shape
        while isinstance(current, BNode) and current not in seen:
            seen.add(current)
            parent = None
            for graph in self.graphs:
                parent = next(graph.subjects(SH.property, current), None) or next(
                    graph.subjects(SH.node, current), None
                )
                if parent is not None:
                    break
            if parent is None:
                break
            current = parent
        return ANONYMOUS_SHAPE if current is None or isinstance(current, BNode) else str(current)


def _message(result, results, lookup, data, focus, path, value, shape, component) -> str:
    given = _best_text(results.objects(result, SH.resultMessage))
    constraint = results.value(result, SH.sourceConstraint)
    if (
        component == SH.SPARQLConstraintComponent
        or lookup.value(shape, SH.message) is not None
        or (constraint is not None and lookup.value(constraint, SH.message) is not None)
    ):
        return given or "fails a SPARQL constraint"
    name = (
        str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent") if component else ""
    )
    describe = _DESCRIBERS.get(name)
    written = describe(_Context(lookup, data, focus, path, value, shape)) if describe else None
    return written or given or "does not conform"


def _best_text(literals: Iterable[Node]) -> str | None:
    """Prefer an English message, then one without a language, then any (stably)."""
    ranked = sorted(
        ({"en": 0, None: 1}.get(getattr(x, "language", None), 2), str(x)) for x in literals
    )
    return ranked[0][1] if ranked else None


@dataclass
class _Context:
    lookup: _ShapeLookup
    data: Graph | None
    focus: Node
    path: Node | None
    value: Node | None
    shape: Node | None

    def param(self, predicate: URIRef) -> Node | None:
        return self.lookup.value(self.shape, predicate)

    def number(self, predicate: URIRef) -> int | None:
        found = self.param(predicate)
        return int(found) if isinstance(found, Literal) else None

    def values(self) -> list[Node] | None:
        """The focus node's values along a predicate or inverse path, when the data is at hand."""
        if self.data is None or self.path is None:
            return None
        if isinstance(self.path, URIRef):
            return list(self.data.objects(self.focus, self.path))
        inverse = self.lookup.value(self.path, SH.inversePath)
        if isinstance(inverse, URIRef):
            return list(self.data.subjects(inverse, self.focus))
        return None

    def shown_value(self) -> str:
        return "the value" if self.value is None else f"value {show(term_text(self.value))}"


def _count_phrase(ctx: _Context, bound: str) -> str | None:
    low, high = ctx.number(SH.minCount), ctx.number(SH.maxCount)
    limit = low if bound == "min" else high
    if limit is None:
        return None
    if low is not None and low == high:
        phrase = f"must have exactly {_plural(limit, 'value')}"
    else:
        phrase = (
            f"must have {'at least' if bound == 'min' else 'at most'} {_plural(limit, 'value')}"
        )
    values = ctx.values()
    return phrase if values is None else f"{phrase}, has {len(values)}"


def _datatype(ctx: _Context) -> str | None:
    expected = ctx.param(SH.datatype)
    if expected is None:
        return None
    wanted = compact(str(expected))
    value = ctx.value
    if isinstance(value, Literal) and value.datatype == expected:
        return f"{ctx.shown_value()} is not a valid {wanted}"
    if isinstance(value, Literal):
        actual = value.datatype or (RDF.langString if value.language else XSD.string)
        return f"{ctx.shown_value()} is a {compact(str(actual))}, must be a {wanted}"
    return f"{ctx.shown_value()} must be a literal of type {wanted}"


def _class(ctx: _Context) -> str | None:
    expected = ctx.param(SH["class"])
    return (
        None
        if expected is None
        else f"{ctx.shown_value()} must be an instance of {compact(str(expected))}"
    )


_NODE_KINDS = {
    SH.IRI: "an IRI",
    SH.Literal: "a literal",
    SH.BlankNode: "a blank node",
    SH.BlankNodeOrIRI: "an IRI or a blank node",
    SH.BlankNodeOrLiteral: "a blank node or a literal",
    SH.IRIOrLiteral: "an IRI or a literal",
}


def _node_kind(ctx: _Context) -> str | None:
    kind = _NODE_KINDS.get(ctx.param(SH.nodeKind))
    return None if kind is None else f"{ctx.shown_value()} must be {kind}"


def _in(ctx: _Context) -> str | None:
    allowed = ctx.lookup.items(ctx.shape, SH["in"])
    if not allowed:
        return None
    return f"{ctx.shown_value()} must be one of: " + ", ".join(show(term_text(a)) for a in allowed)


def _has_value(ctx: _Context) -> str | None:
    expected = ctx.param(SH.hasValue)
    return None if expected is None else f"must have the value {show(term_text(expected))}"


def _language_in(ctx: _Context) -> str | None:
    languages = [str(x) for x in ctx.lookup.items(ctx.shape, SH.languageIn)]
    if not languages:
        return None
    return f"{ctx.shown_value()} must be in language " + " or ".join(languages)


def _unique_lang(ctx: _Context) -> str:
    values = ctx.values()
    doubled = sorted(
        {
            v.language
            for v in values or ()
            if isinstance(v, Literal)
            and v.language
            and sum(1 for w in values if isinstance(w, Literal) and w.language == v.language) > 1
        }
    )
    where = f" (more than one in {', '.join(doubled)})" if doubled else ""
    return f"must have at most one value per language{where}"


def _pattern(ctx: _Context) -> str | None:
    pattern = ctx.param(SH.pattern)
    return None if pattern is None else f"{ctx.shown_value()} must match the pattern {pattern}"


def _length(word: str, predicate: URIRef):
    def describe(ctx: _Context) -> str | None:
        limit = ctx.number(predicate)
        if limit is None:
            return None
        return f"{ctx.shown_value()} must be {word} {_plural(limit, 'character')} long"

    return describe


def _range(word: str, predicate: URIRef):
    def describe(ctx: _Context) -> str | None:
        limit = ctx.param(predicate)
        if limit is None:
            return None
        return f"{ctx.shown_value()} must be {word} {show(term_text(limit))}"

    return describe


def _pair(word: str, predicate: URIRef):
    def describe(ctx: _Context) -> str | None:
        other = ctx.param(predicate)
        if other is None:
            return None
        return f"values must {word} those of {compact(str(other))}"

    return describe


def _closed(ctx: _Context) -> str:
    return f"{ctx.shown_value()} uses a property the shape does not allow"


def _node(ctx: _Context) -> str | None:
    shape = ctx.param(SH.node)
    name = ctx.lookup.owner_name(shape) if shape is not None else None
    if name is None:
        return None
    return f"{ctx.shown_value()} does not conform to {compact(name)}"


def _qualified(bound: str, predicate: URIRef):
    def describe(ctx: _Context) -> str | None:
        limit = ctx.number(predicate)
        if limit is None:
            return None
        return f"must have {bound} {_plural(limit, 'value')} of the qualified shape"

    return describe


def _logical(word: str):
    def describe(ctx: _Context) -> str:
        return f"{ctx.shown_value()} {word}"

    return describe


_DESCRIBERS = {
    "MinCount": lambda ctx: _count_phrase(ctx, "min"),
    "MaxCount": lambda ctx: _count_phrase(ctx, "max"),
    "Datatype": _datatype,
    "Class": _class,
    "NodeKind": _node_kind,
    "In": _in,
    "HasValue": _has_value,
    "LanguageIn": _language_in,
    "UniqueLang": _unique_lang,
    "Pattern": _pattern,
    "MinLength": _length("at least", SH.minLength),
    "MaxLength": _length("at most", SH.maxLength),
    "MinInclusive": _range("at least", SH.minInclusive),
    "MinExclusive": _range("greater than", SH.minExclusive),
    "MaxInclusive": _range("at most", SH.maxInclusive),
    "MaxExclusive": _range("less than", SH.maxExclusive),
    "Equals": _pair("equal", SH.equals),
    "Disjoint": _pair("differ from", SH.disjoint),
    "LessThan": _pair("be less than", SH.lessThan),
    "LessThanOrEquals": _pair("be at most", SH.lessThanOrEquals),
    "Closed": _closed,
    "Node": _node,
    "QualifiedMinCount": _qualified("at least", SH.qualifiedMinCount),
    "QualifiedMaxCount": _qualified("at most", SH.qualifiedMaxCount),
    "Not": _logical("must not conform to the excluded shape"),
    "And": _logical("must conform to every one of the listed shapes"),
    "Or": _logical("must conform to at least one of the listed shapes"),
    "Xone": _logical("must conform to exactly one of the listed shapes"),
}


# --- text rendering ------------------------------------------------------------------------------


def _finding_line(finding: Finding, labels: Mapping[str, str]) -> str:
    entity = show(finding.focus)
    label = labels.get(finding.focus)
    if label:
        entity += f" ({label})"
    where = ""
    if finding.path is not None:
        where = f" — property {_show_path(finding.path)}"
    message = finding.message
    if finding.value is not None:
        shown = show(finding.value)
        if shown not in message and finding.value not in message:
            message += f" (value {shown})"
    if finding.source == ANONYMOUS_SHAPE:
        origin = "shape: anonymous"
    elif _is_iri(finding.source):
        origin = f"shape: {_local(finding.source)}"
    else:
        origin = f"check: {finding.source}"
    return f"{finding.severity.heading}: {entity}{where}: {message} ({origin})"


def _show_path(text: str) -> str:
    if not text.startswith(("<", "^", "(")):
        return compact(text)
    return "".join(_path_tokens(text))


def _path_tokens(text: str) -> Iterator[str]:
    while text:
        if text.startswith("<"):
            end = text.index(">")
            yield compact(text[1:end])
            text = text[end + 1 :]
        else:
            yield text[0]
            text = text[1:]


def _local(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri:
            tail = iri.rsplit(separator, 1)[1]
            if tail:
                return tail
    return iri


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _bound_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


_SEVERITY_IRI = {severity: iri for iri, severity in _SH_SEVERITY.items()}
_DCT_SOURCE = URIRef(PREFIXES["dct"] + "source")
