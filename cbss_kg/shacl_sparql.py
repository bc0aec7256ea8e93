"""The SHACL shapes compiled into SPARQL: the plan of the fast validator.

Each constraint of each shape with targets becomes one ``SELECT`` query whose rows are its
validation results (``?this``, and ``?value`` when the result has one), with everything a
``sh:ValidationResult`` needs beside it (source shape, component, severity, path, messages), so
the findings are those pyshacl gives. Shapes used only inside others (``sh:node``, ``sh:or``,
``sh:qualifiedValueShape`` ...) become boolean expressions: "this term conforms".

The compiler covers the part of SHACL Core and SHACL-SPARQL the project's shapes use, with the
semantics pyshacl gives them (its reading of ``sh:languageIn``, of ill-typed literals, of Python
regular expressions). Anything else raises :class:`UnsupportedShape` naming the construct and the
shape, so that validation falls back to pyshacl instead of guessing.

Two things the data cannot say in SPARQL are left to :func:`run`, which runs the plan: which
literals are ill-typed (:func:`datatype_ok`; the queries call :data:`ILL_TYPED`, which
:func:`run` writes out as the list of them), and pyshacl's Python regular expressions
(:func:`matches`, called as :data:`MATCHES`). :func:`run` only reads the store, so the store
may be one shared with other work.

rdflib in, SPARQL text out: this module imports no engine.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from cbss_kg.namespaces import SH
from cbss_kg.queries import projection, tokenize
from cbss_kg.results import literal_text

INTERNAL = "urn:x-cbss-kg:shacl#"
"""Namespace of the names the compiled queries share with the engine that runs them."""

ILL_TYPED = INTERNAL + "ill-typed"
"""A call ``<ILL_TYPED>(term)`` in a compiled query stands for "term is a literal of the data
whose lexical form does not fit its datatype" (see :func:`datatype_ok`); :func:`run` writes the
literals out in its place."""

MATCHES = INTERNAL + "matches"
"""A function ``(value, pattern, flags) → xsd:boolean``: :func:`matches`."""

_VAR = "shaclv"
"""Prefix of the variables the compiler introduces; SHACL-SPARQL queries may not use it."""

_CORE_COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
}
"""Constraints tested on each value node, with their components."""

_COUNTED = (
    SH.MinCountConstraintComponent,
    SH.MaxCountConstraintComponent,
    SH.UniqueLangConstraintComponent,
)
"""Components whose message says how many values there are, when the shape has no message."""

_SUPPORTED = frozenset(
    {
        *_CORE_COMPONENTS,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.property,
        SH.path,
        SH.message,
        SH.severity,
        SH.deactivated,
        SH.flags,
        SH.minCount,
        SH.maxCount,
        SH.uniqueLang,
        SH.qualifiedValueShape,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint,
        SH.sparql,
        SH.name,
        SH.description,
        SH.order,
        SH.group,
        SH.defaultValue,
    }
)
"""The ``sh:`` predicates a shape may carry; any other one is an unsupported construct."""

_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape, SH.Shape)
_CLASS_TYPES = (RDFS.Class, OWL.Class)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
}
_COUNT_LIMIT = 3
"""The largest count tested inside an expression (distinct values written out one by one)."""

_FORBIDDEN_WORDS = frozenset(
    {
        "MINUS",
        "UNION",
        "SERVICE",
        "GRAPH",
        "VALUES",
        "GROUP",
        "HAVING",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "FROM",
        "COUNT",
        "SUM",
        "MIN",
        "MAX",
        "AVG",
        "SAMPLE",
        "GROUP_CONCAT",
    }
)
"""Keywords that make a SHACL-SPARQL query mean something else once ``$this`` is joined with
the focus nodes instead of substituted (SHACL's pre-binding), or that read outside the data."""

_PRE_BOUND = frozenset({"currentShape", "shapesGraph", "PATH"})


class UnsupportedShape(Exception):
    """A shape uses something the SPARQL compiler does not handle; pyshacl must validate.

    ``construct`` names it (``sh:closed``, ``a SPARQL subquery`` ...) and ``shape`` the shape
    that uses it.
    """

    def __init__(self, construct: str, shape: Node | None = None):
        self.construct = construct
        self.shape = shape
        where = f" (in {_name(shape)})" if shape is not None else ""
        super().__init__(f"{construct}{where} is not supported by the SHACL-to-SPARQL compiler")


@dataclass(frozen=True)
class Check:
    """One constraint of one shape: a ``SELECT`` whose rows are its validation results.

    Attributes:
        query: the SPARQL; it projects ``this`` first, then ``variables``' other names.
        variables: the names the query projects, in order.
        shape: the ``sh:sourceShape``.
        component: the ``sh:sourceConstraintComponent``.
        severity: the ``sh:resultSeverity``.
        path: the ``sh:resultPath`` (a node of the shapes graph), if any.
        messages: the ``sh:resultMessage``s.
        value: where ``sh:value`` comes from: ``"value"`` (the projected ``?value``, else the
            focus node), ``"focus"`` (the focus node) or ``"none"``.
        constraint: the ``sh:sourceConstraint`` (SHACL-SPARQL constraints), if any.
        bindings: values of a component's parameters, for ``{$name}`` in messages.
        formatted: messages have ``{?var}`` / ``{$var}`` replaced from the row (SHACL-SPARQL).
        counted: the predicate whose values a result's message counts (and whether the path
            runs it backwards), for count and language results of a shape without a message.
    """

    query: str
    variables: tuple[str, ...]
    shape: Node
    component: URIRef
    severity: URIRef
    path: Node | None
    messages: tuple[Literal, ...]
    value: str
    constraint: Node | None = None
    bindings: tuple[tuple[str, Node], ...] = ()
    formatted: bool = False
    counted: tuple[URIRef, bool] | None = None


def compile_shapes(shapes: Graph) -> tuple[Check, ...]:
    """Every check of the shapes graph, in a stable order.

    Raises:
        UnsupportedShape: a shape uses a construct the compiler does not handle.
    """
    return _Compiler(shapes).compile()


# --- what the engine evaluates in Python ---------------------------------------------------------


def datatype_ok(literal: Literal) -> bool:
    """Whether a literal fits its own datatype as pyshacl judges ``sh:datatype`` (rdflib's
    ``ill_typed``, then the Python type of its value for the datatypes pyshacl knows)."""
    if literal.datatype is None or getattr(literal, "ill_typed", None) is True:
        return literal.datatype is None
    expected = _PYTHON_TYPES.get(literal.datatype)
    return expected is None or isinstance(literal.value, expected)


_PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def matches(value: Node, pattern: Literal, flags: Literal) -> Literal:
    """``sh:pattern`` as pyshacl tests it: Python's ``re.search`` on the value's text, with only
    the ``i`` and ``m`` flags; a blank node never matches."""
    if isinstance(value, BNode):
        return Literal(False)
    return Literal(_regex(str(pattern), str(flags)).search(_text(value)) is not None)


@functools.cache
def _regex(pattern: str, flags: str) -> re.Pattern[str]:
    options = (re.I if "i" in flags.lower() else 0) | (re.M if "m" in flags.lower() else 0)
    return re.compile(pattern, options)


def _text(value: Node) -> str:
    plain = isinstance(value, Literal) and value.datatype in (None, RDF.langString, XSD.string)
    return str(value.value) if plain and value.value is not None else str(value)


# --- the compiler --------------------------------------------------------------------------------

Focus = Callable[[str], str]
"""A group pattern binding the given variable to each focus node."""


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.fresh = 0
        self.components = self._components()

    # helpers ------------------------------------------------------------------------------------

    def var(self) -> str:
        self.fresh += 1
        return f"?{_VAR}{self.fresh}"

    def one(self, shape: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(shape, predicate))
        if len(values) > 1:
            raise UnsupportedShape(f"more than one {_qname(predicate)}", shape)
        return values[0] if values else None

    def items(self, node: Node, shape: Node) -> list[Node]:
        try:
            return list(Collection(self.g, node))
        except Exception:  # rdflib raises assorted errors on a malformed list
            raise UnsupportedShape("a malformed RDF list", shape) from None

    def is_property_shape(self, shape: Node) -> bool:
        return (shape, SH.path, None) in self.g

    def active(self, shape: Node) -> bool:
        flag = self.one(shape, SH.deactivated)
        return not (isinstance(flag, Literal) and flag.toPython() is True)

    def severity(self, shape: Node) -> URIRef:
        found = self.one(shape, SH.severity)
        if found is None:
            return SH.Violation
        if not isinstance(found, URIRef):
            raise UnsupportedShape("a sh:severity that is not an IRI", shape)
        return found

    def messages(self, node: Node) -> tuple[Literal, ...]:
        return tuple(
            sorted(
                (m for m in self.g.objects(node, SH.message) if isinstance(m, Literal)),
                key=lambda m: (m.language or "", str(m)),
            )
        )

    def screen(self, shape: Node) -> None:
        """Refuse every ``sh:`` predicate the compiler does not know, naming it."""
        for predicate in set(self.g.predicates(shape)):
            if str(predicate).startswith(str(SH)) and predicate not in _SUPPORTED:
                raise UnsupportedShape(_qname(predicate), shape)
        disjoint = self.one(shape, SH.qualifiedValueShapesDisjoint)
        if isinstance(disjoint, Literal) and disjoint.toPython() is True:
            raise UnsupportedShape("sh:qualifiedValueShapesDisjoint true", shape)

    # entry ----------------------------------------------------------------------------------------

    def compile(self) -> tuple[Check, ...]:
        checks: list[Check] = []
        for shape in sorted(self._targeted(), key=_sort_key):
            self.screen(shape)
            if not self.active(shape):
                continue
            focus = self._targets(shape)
            if self.is_property_shape(shape):
                checks += self._property_checks(shape, focus)
            else:
                checks += self._node_checks(shape, focus)
        return tuple(checks)

    def _targeted(self) -> set[Node]:
        shapes = {s for t in _TARGETS for s in self.g.subjects(t, None)}
        shapes |= {
            s
            for kind in _CLASS_TYPES
            for s in self.g.subjects(RDF.type, kind)
            if any((s, RDF.type, t) in self.g for t in _SHAPE_TYPES)
        }
        return shapes

    def _targets(self, shape: Node) -> Focus:
        classes = [c for c in self.g.objects(shape, SH.targetClass)]
        if any((shape, RDF.type, t) in self.g for t in _CLASS_TYPES):
            classes.append(shape)
        nodes = list(self.g.objects(shape, SH.targetNode))
        subjects_of = list(self.g.objects(shape, SH.targetSubjectsOf))
        objects_of = list(self.g.objects(shape, SH.targetObjectsOf))
        for value in classes + subjects_of + objects_of:
            if not isinstance(value, URIRef):
                raise UnsupportedShape("a target that is not an IRI", shape)
        class_terms = " ".join(_term(c, shape) for c in sorted(set(classes)))
        node_terms = " ".join(_term(n, shape) for n in sorted(set(nodes), key=_sort_key))
        class_var = self.var()

        def focus(this: str) -> str:
            parts = []
            if classes:
                parts.append(
                    f"VALUES {class_var} {{ {class_terms} }} "
                    f"{this} rdf:type/rdfs:subClassOf* {class_var} ."
                )
            if nodes:
                parts.append(f"VALUES {this} {{ {node_terms} }}")
            parts += [f"{this} {_term(p, shape)} [] ." for p in sorted(set(subjects_of))]
            parts += [f"[] {_term(p, shape)} {this} ." for p in sorted(set(objects_of))]
            union = " UNION ".join(f"{{ {part} }}" for part in parts)
            return f"{{ SELECT DISTINCT {this} WHERE {{ {union} }} }}"

        return focus

    # checks of a node shape -----------------------------------------------------------------------

    def _node_checks(self, shape: Node, focus: Focus) -> list[Check]:
        checks = []
        severity, messages = self.severity(shape), self.messages(shape)
        for predicate, component in _CORE_COMPONENTS.items():
            for parameter in sorted(self.g.objects(shape, predicate), key=_sort_key):
                test = self._value_test(shape, predicate, parameter, "?this", set())
                checks.append(
                    Check(
                        query=_select(("this",), f"{focus('?this')} FILTER (!({test}))"),
                        variables=("this",),
                        shape=shape,
                        component=component,
                        severity=severity,
                        path=None,
                        messages=messages,
                        value="focus",
                    )
                )
        for child in self._children(shape, SH.property):
            checks += self._property_checks(child, focus)
        for constraint in sorted(self.g.objects(shape, SH.sparql), key=_sort_key):
            checks += self._sparql_constraint(shape, constraint, focus)
        checks += self._custom_checks(shape, focus)
        return checks

    def _children(self, shape: Node, predicate: URIRef) -> list[Node]:
        children = []
        for child in sorted(self.g.objects(shape, predicate), key=_sort_key):
            self.screen(child)
            if self.active(child):
                children.append(child)
        return children

    # checks of a property shape -------------------------------------------------------------------

    def _property_checks(self, shape: Node, focus: Focus) -> list[Check]:
        if (shape, SH.sparql, None) in self.g:
            raise UnsupportedShape("sh:sparql on a property shape", shape)
        if any(self._applies(component, shape) for component in self.components):
            raise UnsupportedShape("a SPARQL-based constraint component on a property shape", shape)
        path_node = self.one(shape, SH.path)
        path = self._path(path_node, shape)
        severity, messages = self.severity(shape), self.messages(shape)
        inverse = self.one(path_node, SH.inversePath) if isinstance(path_node, BNode) else None
        counted = None
        if not messages and isinstance(path_node, URIRef):
            counted = (path_node, False)
        elif not messages and isinstance(inverse, URIRef):
            counted = (inverse, True)

        def check(component: URIRef, body: str, value: bool, group: str = "") -> Check:
            variables = ("this", "value") if value else ("this",)
            return Check(
                query=_select(variables, body, group),
                variables=variables,
                shape=shape,
                component=component,
                severity=severity,
                path=path_node,
                messages=messages,
                value="value" if value else "none",
                counted=counted if component in _COUNTED else None,
            )

        checks = []
        min_count = _integer(self.one(shape, SH.minCount), shape, SH.minCount)
        if min_count == 1:
            body = f"{focus('?this')} FILTER (!{self._exists('?this', path_node, shape)})"
            checks.append(check(SH.MinCountConstraintComponent, body, False))
        elif min_count is not None and min_count > 1:
            body = f"{focus('?this')} OPTIONAL {{ ?this {path} ?value }}"
            having = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {min_count})"
            checks.append(check(SH.MinCountConstraintComponent, body, False, having))
        max_count = _integer(self.one(shape, SH.maxCount), shape, SH.maxCount)
        if max_count is not None:
            body = f"{focus('?this')} ?this {path} ?value ."
            having = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {max_count})"
            checks.append(check(SH.MaxCountConstraintComponent, body, False, having))
        for predicate, component in _CORE_COMPONENTS.items():
            for parameter in sorted(self.g.objects(shape, predicate), key=_sort_key):
                if predicate == SH.hasValue:
                    expected = _term(parameter, shape)
                    found = self._exists(
                        "?this", path_node, shape, lambda v, e=expected: f"sameTerm({v}, {e})"
                    )
                    checks.append(check(component, f"{focus('?this')} FILTER (!{found})", False))
                    continue
                test = self._value_test(shape, predicate, parameter, "?value", set())
                body = f"{focus('?this')} ?this {path} ?value . FILTER (!({test}))"
                checks.append(check(component, f"{body}", True))
        if _true(self.one(shape, SH.uniqueLang)):
            a, b = self.var(), self.var()
            body = f"{focus('?this')} ?this {path} {a}, {b} . FILTER ({_same_language(a, b)})"
            checks.append(check(SH.UniqueLangConstraintComponent, body, False))
        checks += self._qualified_checks(shape, focus, path, check)
        children = self._children(shape, SH.property)
        if children:
            parent = self.var()
            owners = focus(parent)

            def values(this: str) -> str:
                return f"{{ SELECT DISTINCT {this} WHERE {{ {owners} {parent} {path} {this} . }} }}"

            for child in children:
                checks += self._property_checks(child, values)
        return checks

    def _qualified_checks(self, shape: Node, focus: Focus, path: str, check) -> list[Check]:
        qualified = self.one(shape, SH.qualifiedValueShape)
        low = _integer(self.one(shape, SH.qualifiedMinCount), shape, SH.qualifiedMinCount)
        high = _integer(self.one(shape, SH.qualifiedMaxCount), shape, SH.qualifiedMaxCount)
        if qualified is None:
            if low is not None or high is not None:
                raise UnsupportedShape("a qualified count without sh:qualifiedValueShape", shape)
            return []
        conforms = self._conforms(qualified, "?value", {shape})
        checks = []
        if low is not None and low > 0:
            body = f"{focus('?this')} OPTIONAL {{ ?this {path} ?value FILTER ({conforms}) }}"
            having = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {low})"
            checks.append(check(SH.QualifiedMinCountConstraintComponent, body, False, having))
        if high is not None:
            body = f"{focus('?this')} ?this {path} ?value FILTER ({conforms})"
            having = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {high})"
            checks.append(check(SH.QualifiedMaxCountConstraintComponent, body, False, having))
        return checks

    # conformance as an expression -----------------------------------------------------------------

    def _conforms(self, shape: Node, term: str, stack: set[Node]) -> str:
        """A SPARQL expression, never an error, true when ``term`` conforms to ``shape``."""
        if shape in stack:
            raise UnsupportedShape("a recursive shape", shape)
        self.screen(shape)
        if not self.active(shape):
            return "true"
        stack = stack | {shape}
        if (shape, SH.sparql, None) in self.g:
            raise UnsupportedShape("sh:sparql in a shape used by another shape", shape)
        if any(self._applies(component, shape) for component in self.components):
            raise UnsupportedShape(
                "a SPARQL-based constraint component in a shape used by another shape", shape
            )
        if self.is_property_shape(shape):
            return self._property_conforms(shape, term, stack)
        return self._all(self._value_tests(shape, term, stack))

    def _value_tests(self, shape: Node, term: str, stack: set[Node]) -> list[str]:
        tests = [
            self._value_test(shape, predicate, parameter, term, stack)
            for predicate in _CORE_COMPONENTS
            for parameter in sorted(self.g.objects(shape, predicate), key=_sort_key)
        ]
        tests += [
            self._conforms(child, term, stack) for child in self._children(shape, SH.property)
        ]
        return tests

    def _property_conforms(self, shape: Node, focus: str, stack: set[Node]) -> str:
        path = self.one(shape, SH.path)
        self._path(path, shape)
        tests = []
        low = _integer(self.one(shape, SH.minCount), shape, SH.minCount)
        if low:
            tests.append(self._at_least(low, focus, path, shape))
        high = _integer(self.one(shape, SH.maxCount), shape, SH.maxCount)
        if high is not None:
            tests.append(f"!{self._at_least(high + 1, focus, path, shape)}")
        for expected in sorted(self.g.objects(shape, SH.hasValue), key=_sort_key):
            constant = _term(expected, shape)
            tests.append(
                self._exists(focus, path, shape, lambda v, c=constant: f"sameTerm({v}, {c})")
            )
        predicates = [p for p in _CORE_COMPONENTS if p != SH.hasValue]
        children = self._children(shape, SH.property)
        if children or any((shape, p, None) in self.g for p in predicates):

            def fails(value: str) -> str:
                each = [
                    self._value_test(shape, predicate, parameter, value, stack)
                    for predicate in predicates
                    for parameter in sorted(self.g.objects(shape, predicate), key=_sort_key)
                ]
                each += [self._conforms(child, value, stack) for child in children]
                return f"!{self._all(each)}"

            tests.append(f"!{self._exists(focus, path, shape, fails)}")
        if _true(self.one(shape, SH.uniqueLang)):

            def doubled(first: str) -> str:
                again = self._exists(
                    focus, path, shape, lambda second: _same_language(first, second)
                )
                return f'isLiteral({first}) && LANG({first}) != "" && {again}'

            tests.append(f"!{self._exists(focus, path, shape, doubled)}")
        qualified = self.one(shape, SH.qualifiedValueShape)
        if qualified is not None:
            inner = stack | {shape}

            def qualifies(value: str) -> str:
                return self._conforms(qualified, value, inner)

            low = _integer(self.one(shape, SH.qualifiedMinCount), shape, SH.qualifiedMinCount)
            high = _integer(self.one(shape, SH.qualifiedMaxCount), shape, SH.qualifiedMaxCount)
            if low:
                tests.append(self._at_least(low, focus, path, shape, qualifies))
            if high is not None:
                tests.append(f"!{self._at_least(high + 1, focus, path, shape, qualifies)}")
        return self._all(tests)

    def _exists(
        self,
        subject: str,
        path: Node,
        shape: Node,
        condition: Callable[[str], str] | None = None,
    ) -> str:
        """``EXISTS``: ``subject`` has a value along ``path`` (one meeting ``condition``).

        Each ``EXISTS`` holds one triple pattern; a sequence path becomes one ``EXISTS`` per
        step, nested. pyoxigraph evaluates a join inside ``EXISTS`` without the bindings from
        outside, once per outer solution, which makes it quadratic; one pattern is a lookup.
        """
        steps = [path]
        if isinstance(path, BNode) and (path, RDF.first, None) in self.g:
            steps = self.items(path, shape)
        nodes = [subject, *(self.var() for _ in steps)]
        innermost = condition(nodes[-1]) if condition is not None else None
        text = ""
        for index in range(len(steps), 0, -1):
            inner = innermost if index == len(steps) else text
            step = f"{nodes[index - 1]} {self._path(steps[index - 1], shape)} {nodes[index]}"
            text = f"EXISTS {{ {step} {f'FILTER ({inner}) ' if inner else ''}}}"
        return text

    def _at_least(
        self,
        count: int,
        focus: str,
        path: Node,
        shape: Node,
        condition: Callable[[str], str] | None = None,
        chosen: tuple[str, ...] = (),
    ) -> str:
        """``focus`` has ``count`` distinct values along ``path`` meeting ``condition``: one
        ``EXISTS`` per value, each inside the previous one's filter."""
        if count > _COUNT_LIMIT:
            raise UnsupportedShape(f"a count above {_COUNT_LIMIT} in a nested shape", shape)

        def holds(value: str) -> str:
            tests = [condition(value)] if condition is not None else []
            tests += [f"!sameTerm({value}, {other})" for other in chosen]
            if len(chosen) + 1 < count:
                tests.append(self._at_least(count, focus, path, shape, condition, (*chosen, value)))
            return self._all(tests)

        return self._exists(focus, path, shape, holds)

    def _value_test(
        self, shape: Node, predicate: URIRef, parameter: Node, term: str, stack: set[Node]
    ) -> str:
        """The expression that ``term`` (one value node) satisfies one constraint."""
        if predicate == SH["class"]:
            return f"EXISTS {{ {term} rdf:type/rdfs:subClassOf* {_term(parameter, shape)} }}"
        if predicate == SH.datatype:
            return self._datatype(parameter, term, shape)
        if predicate == SH.nodeKind:
            if parameter not in _NODE_KINDS:
                raise UnsupportedShape(f"sh:nodeKind {_name(parameter)}", shape)
            return _NODE_KINDS[parameter].format(v=term)
        if predicate == SH["in"]:
            allowed = self.items(parameter, shape)
            if not allowed:
                raise UnsupportedShape("an empty sh:in", shape)
            return "(" + " || ".join(f"sameTerm({term}, {_term(a, shape)})" for a in allowed) + ")"
        if predicate == SH.hasValue:
            return f"sameTerm({term}, {_term(parameter, shape)})"
        if predicate == SH.languageIn:
            return self._language_in(parameter, term, shape)
        if predicate == SH.pattern:
            flags = self.one(shape, SH.flags)
            return (
                f"(!isBlank({term}) && COALESCE(<{MATCHES}>({term}, {literal_text(parameter)}, "
                f"{literal_text(flags if flags is not None else Literal(''))}), false))"
            )
        if predicate in (SH.minLength, SH.maxLength):
            limit = _integer(parameter, shape, predicate)
            compare = ">=" if predicate == SH.minLength else "<="
            return f"(!isBlank({term}) && STRLEN(STR({term})) {compare} {limit})"
        if predicate == SH.node:
            return self._conforms(parameter, term, stack)
        if predicate == SH["not"]:
            return f"!({self._conforms(parameter, term, stack)})"
        members = [self._conforms(m, term, stack) for m in self.items(parameter, shape)]
        if predicate == SH["and"]:
            return self._all(members)
        if predicate == SH["or"]:
            return "(" + " || ".join(members) + ")" if members else "false"
        counted = " + ".join(f"IF({m}, 1, 0)" for m in members) or "0"
        return f"(({counted}) = 1)"

    def _datatype(self, datatype: Node, term: str, shape: Node) -> str:
        if datatype == RDFS.Literal:
            return f"isLiteral({term})"
        if not isinstance(datatype, URIRef) or datatype == RDFS.Datatype:
            raise UnsupportedShape(f"sh:datatype {_name(datatype)}", shape)
        return (
            f"(isLiteral({term}) && COALESCE(DATATYPE({term}) = {_term(datatype, shape)}, false) "
            f"&& !<{ILL_TYPED}>({term}))"
        )

    def _language_in(self, parameter: Node, term: str, shape: Node) -> str:
        ranges = []
        for item in self.items(parameter, shape):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise UnsupportedShape("a sh:languageIn item that is not a string", shape)
            ranges.append(str(item).lower())
        if not ranges:
            raise UnsupportedShape("an empty sh:languageIn", shape)
        tagged = f'(isLiteral({term}) && LANG({term}) != ""'
        if "*" in ranges:
            return tagged + ")"
        listed = ", ".join(literal_text(Literal(r)) for r in sorted(set(ranges)))
        lower = f"LCASE(LANG({term}))"
        return (
            f"{tagged} && ({lower} IN ({listed}) || "
            f'STRBEFORE(CONCAT({lower}, "-"), "-") IN ({listed})))'
        )

    @staticmethod
    def _all(tests: list[str]) -> str:
        return "(" + " && ".join(tests) + ")" if tests else "true"

    # paths ----------------------------------------------------------------------------------------

    def _path(self, node: Node | None, shape: Node) -> str:
        if node is None:
            raise UnsupportedShape("a property shape without sh:path", shape)
        if isinstance(node, URIRef):
            return _term(node, shape)
        if isinstance(node, Literal):
            raise UnsupportedShape("a literal sh:path", shape)
        kinds = {
            SH.inversePath: "^({})",
            SH.zeroOrMorePath: "({})*",
            SH.oneOrMorePath: "({})+",
            SH.zeroOrOnePath: "({})?",
        }
        for predicate, form in kinds.items():
            inner = self.one(node, predicate)
            if inner is not None:
                return form.format(self._path(inner, shape))
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return (
                "("
                + " | ".join(self._path(a, shape) for a in self.items(alternatives, shape))
                + ")"
            )
        if (node, RDF.first, None) in self.g:
            steps = self.items(node, shape)
            if len(steps) < 2:
                raise UnsupportedShape("a sequence path of fewer than two steps", shape)
            return "(" + " / ".join(self._path(s, shape) for s in steps) + ")"
        raise UnsupportedShape("an unknown kind of sh:path", shape)

    # SHACL-SPARQL ---------------------------------------------------------------------------------

    def _prefixes(self, node: Node, owner: Node) -> str:
        lines = []
        for declarer in sorted(self.g.objects(node, SH.prefixes), key=_sort_key):
            for declaration in sorted(self.g.objects(declarer, SH.declare), key=_sort_key):
                prefix = self.one(declaration, SH.prefix)
                namespace = self.one(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise UnsupportedShape("a sh:declare without sh:prefix and sh:namespace", owner)
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(lines)

    def _sparql_constraint(self, shape: Node, constraint: Node, focus: Focus) -> list[Check]:
        for predicate in set(self.g.predicates(constraint)):
            if str(predicate).startswith(str(SH)) and predicate not in (
                SH.select,
                SH.message,
                SH.prefixes,
                SH.deactivated,
            ):
                raise UnsupportedShape(f"{_qname(predicate)} in a SPARQL constraint", shape)
        if not self.active(constraint):
            return []
        select = self.one(constraint, SH.select)
        if select is None:
            raise UnsupportedShape("a SPARQL constraint without sh:select", shape)
        query, variables = self._prebind(
            str(select), self._prefixes(constraint, shape), {}, focus, shape
        )
        return [
            Check(
                query=query,
                variables=variables,
                shape=shape,
                component=SH.SPARQLConstraintComponent,
                severity=self.severity(shape),
                path=None,
                messages=_merge(self.messages(shape), self.messages(constraint)),
                value="value",
                constraint=constraint,
                formatted=True,
            )
        ]

    def _components(self) -> list[_Component]:
        found = []
        for node in sorted(self.g.subjects(RDF.type, SH.ConstraintComponent), key=_sort_key):
            parameters, optional = [], []
            for parameter in sorted(self.g.objects(node, SH.parameter), key=_sort_key):
                path = self.one(parameter, SH.path)
                if not isinstance(path, URIRef):
                    raise UnsupportedShape(
                        "a component parameter whose sh:path is not an IRI", node
                    )
                (optional if _true(self.one(parameter, SH.optional)) else parameters).append(path)
            found.append(_Component(node, tuple(parameters), tuple(optional)))
        return found

    def _applies(self, component: _Component, shape: Node) -> bool:
        return bool(component.parameters) and all(
            (shape, p, None) in self.g for p in component.parameters
        )

    def _custom_checks(self, shape: Node, focus: Focus) -> list[Check]:
        checks = []
        for component in self.components:
            if not self._applies(component, shape):
                continue
            validator = self.one(component.node, SH.nodeValidator) or self.one(
                component.node, SH.validator
            )
            if validator is None:
                raise UnsupportedShape("a component without a node validator", component.node)
            if (validator, RDF.type, SH.SPARQLSelectValidator) not in self.g:
                raise UnsupportedShape("a validator that is not a sh:SPARQLSelectValidator", shape)
            bindings = {}
            for parameter in component.parameters + component.optional:
                value = self.one(shape, parameter)
                if value is not None:
                    bindings[_local_name(parameter)] = value
            select = self.one(validator, SH.select)
            if select is None:
                raise UnsupportedShape("a validator without sh:select", component.node)
            query, variables = self._prebind(
                str(select), self._prefixes(validator, shape), bindings, focus, shape
            )
            checks.append(
                Check(
                    query=query,
                    variables=variables,
                    shape=shape,
                    component=component.node,
                    severity=self.severity(shape),
                    path=None,
                    messages=_merge(self.messages(shape), self.messages(validator)),
                    value="value",
                    bindings=tuple(sorted(bindings.items())),
                    formatted=True,
                )
            )
        return checks

    def _prebind(
        self, text: str, prefixes: str, bindings: dict[str, Node], focus: Focus, shape: Node
    ) -> tuple[str, tuple[str, ...]]:
        """A SHACL-SPARQL ``SELECT`` with ``$this`` bound by joining the focus nodes, which is
        what pre-binding means as long as the query has none of :data:`_FORBIDDEN_WORDS` and
        opens groups only for ``OPTIONAL`` and ``EXISTS``; parameters are written in place."""
        tokens = tokenize(text)
        selects = [
            i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() == "SELECT"
        ]
        if len(selects) != 1:
            raise UnsupportedShape("a SPARQL subquery (or a query that is not a SELECT)", shape)
        for token in tokens:
            word = token.text.upper() if token.kind == "word" else ""
            if word in _FORBIDDEN_WORDS:
                raise UnsupportedShape(f"{word} in a SHACL-SPARQL query", shape)
            if token.kind == "var" and (
                token.text[1:] in _PRE_BOUND or token.text[1:].startswith(_VAR)
            ):
                raise UnsupportedShape(f"the variable {token.text} in a SHACL-SPARQL query", shape)
        variables = projection(tokens)
        if variables is None or "this" not in variables:
            raise UnsupportedShape("a SHACL-SPARQL query that does not project $this", shape)
        open_brace = next(
            (i for i, t in enumerate(tokens) if i > selects[0] and t.text == "{"), None
        )
        if open_brace is None:
            raise UnsupportedShape("a SHACL-SPARQL query without a WHERE clause", shape)
        for index, token in enumerate(tokens):
            if index > open_brace and token.text == "{":
                before = tokens[index - 1].text.upper()
                if before not in ("OPTIONAL", "EXISTS"):
                    raise UnsupportedShape("a nested group in a SHACL-SPARQL query", shape)
        pieces = []
        cursor = 0
        for index, token in enumerate(tokens):
            replacement = None
            if token.kind == "var" and token.text[1:] in bindings:
                replacement = _term(bindings[token.text[1:]], None)
            elif token.kind == "var" and token.text[1:] == "this":
                replacement = "?this"
            elif index == open_brace:
                replacement = "{ " + focus("?this") + " "
            if replacement is not None:
                pieces += [text[cursor : token.start], replacement]
                cursor = token.end
        pieces.append(text[cursor:])
        return _PREFIXES + prefixes + "\n" + _nest_exists("".join(pieces)), tuple(variables)


def _nest_exists(text: str) -> str:
    """``EXISTS { A . B . C }`` as ``EXISTS { A FILTER EXISTS { B FILTER EXISTS { C } } }``,
    which means the same for triple patterns but is a lookup per step in pyoxigraph (see
    :meth:`_Compiler._exists`). The pattern most tied to what is already bound goes first.
    Groups holding anything but plain triple patterns are left as they are."""
    tokens = tokenize(text)
    for index in range(len(tokens) - 2, -1, -1):
        if tokens[index].text.upper() != "EXISTS" or tokens[index + 1].text != "{":
            continue
        close = _closing(tokens, index + 1)
        triples = _triples(tokens[index + 2 : close])
        if triples is None or len(triples) < 2:
            continue
        inside = {t for triple in triples for t in triple if t.startswith(("?", "$"))}
        outside = {
            t.text.replace("$", "?")
            for i, t in enumerate(tokens)
            if t.kind == "var" and not index + 1 <= i <= close
        }
        ordered: list[tuple[str, str, str]] = []
        bound = outside & {v.replace("$", "?") for v in inside}
        remaining = list(triples)
        while remaining:
            best = max(remaining, key=lambda triple: _selectivity(triple, bound))
            remaining.remove(best)
            ordered.append(best)
            bound |= {t.replace("$", "?") for t in best if t.startswith(("?", "$"))}
        nested = ""
        for subject, predicate, obj in reversed(ordered):
            inner = f" FILTER EXISTS {{ {nested} }}" if nested else ""
            nested = f"{subject} {predicate} {obj} .{inner}"
        text = text[: tokens[index + 1].start] + "{ " + nested + " }" + text[tokens[close].end :]
    return text


def _closing(tokens: list, open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == "{":
            depth += 1
        elif tokens[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    raise UnsupportedShape("a SHACL-SPARQL query with unbalanced braces")


def _triples(tokens: list) -> list[tuple[str, str, str]] | None:
    """The triple patterns of a group of plain triples (``;`` and ``,`` allowed), or None."""
    triples: list[tuple[str, str, str]] = []
    position = 0

    def term() -> str | None:
        nonlocal position
        if position >= len(tokens):
            return None
        token = tokens[position]
        position += 1
        if token.kind in ("var", "iri", "pname", "number"):
            return token.text
        if token.kind == "word" and token.text == "a":
            return "a"
        if token.kind != "string":
            return None
        text = token.text
        if position < len(tokens) and tokens[position].kind == "langtag":
            text += tokens[position].text
            position += 1
        elif position + 1 < len(tokens) and tokens[position].text == "^^":
            if tokens[position + 1].kind not in ("iri", "pname"):
                return None
            text += "^^" + tokens[position + 1].text
            position += 2
        return text

    def punct(*marks: str) -> bool:
        nonlocal position
        if position < len(tokens) and tokens[position].text in marks:
            position += 1
            return True
        return False

    while position < len(tokens):
        subject = term()
        while True:
            predicate = term()
            while True:
                obj = term()
                if None in (subject, predicate, obj):
                    return None
                triples.append((subject, predicate, obj))
                if not punct(","):
                    break
            if not punct(";") or position >= len(tokens) or tokens[position].text == ".":
                break
        punct(".")
    return triples


def _selectivity(triple: tuple[str, str, str], bound: set[str]) -> int:
    """How much of a triple pattern is fixed: bound variables and constants as subject or
    object (a class after ``a`` / ``rdf:type`` fixes little)."""
    subject, predicate, obj = triple
    score = 0
    for position, term in ((0, subject), (2, obj)):
        if term.startswith(("?", "$")):
            score += 2 if term.replace("$", "?") in bound else 0
        elif not (position == 2 and predicate in ("a", "rdf:type", f"<{RDF.type}>")):
            score += 1
    return score


@dataclass(frozen=True)
class _Component:
    node: Node
    parameters: tuple[URIRef, ...]
    optional: tuple[URIRef, ...]


# --- SPARQL text ---------------------------------------------------------------------------------

_PREFIXES = f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n"


def _select(variables: tuple[str, ...], body: str, group: str = "") -> str:
    projected = " ".join(f"?{v}" for v in variables)
    distinct = "" if group else "DISTINCT "
    return f"{_PREFIXES}SELECT {distinct}{projected} WHERE {{ {body} }} {group}".rstrip()


def _same_language(a: str, b: str) -> str:
    return (
        f'isLiteral({a}) && isLiteral({b}) && LANG({a}) != "" && !sameTerm({a}, {b}) '
        f"&& LCASE(LANG({a})) = LCASE(LANG({b}))"
    )


def _term(node: Node, shape: Node | None) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return literal_text(node)
    raise UnsupportedShape("a blank node where a constant is expected", shape)


def _integer(node: Node | None, shape: Node, predicate: URIRef) -> int | None:
    if node is None:
        return None
    value = node.toPython() if isinstance(node, Literal) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise UnsupportedShape(f"a {_qname(predicate)} that is not a non-negative integer", shape)
    return value


def _true(node: Node | None) -> bool:
    return isinstance(node, Literal) and node.toPython() is True


def _merge(*groups: tuple[Literal, ...]) -> tuple[Literal, ...]:
    merged: list[Literal] = []
    for group in groups:
        merged += [m for m in group if m not in merged]
    return tuple(merged)


def _sort_key(node: Node) -> tuple[int, str]:
    return (0 if isinstance(node, URIRef) else 1, str(node))


def _qname(iri: Node) -> str:
    text = str(iri)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else f"<{text}>"


def _name(node: Node | None) -> str:
    if isinstance(node, URIRef):
        return _qname(node) if str(node).startswith(str(SH)) else f"<{node}>"
    return "an anonymous shape" if isinstance(node, BNode) else str(node)


def _local_name(iri: URIRef) -> str:
    return re.split(r"[#/]", str(iri))[-1]


# --- running a plan ------------------------------------------------------------------------------


class WorkStore(Protocol):
    """What running a plan needs of a store (:class:`cbss_kg.store.LocalStore` has it)."""

    def select(
        self,
        text: str,
        *,
        functions: Mapping[str, Callable[..., Node | None]] | None = None,
        union: bool = False,
    ) -> list[tuple[Node | None, ...]]:
        """Rows of a SELECT, as rdflib terms; ``functions`` are callable from the query;
        ``union``: the default graph is the union of all graphs."""

    def literals(self) -> list[Literal]:
        """Every distinct literal the store was given."""


def run(
    checks: Sequence[Check], store: WorkStore, *, union: bool = False, threads: int = 2
) -> tuple[Graph, Graph]:
    """Run ``checks`` on the data in ``store``: its default graph, or with ``union`` the union
    of all its graphs. Checks run ``threads`` at a time (pyoxigraph works outside the GIL).

    Returns the ``sh:ValidationReport`` and the few data triples its messages count (the values
    of each focus node that a count or language result is about), which is what
    :func:`cbss_kg.findings.report_from_shacl` reads.
    """
    bad = sorted({literal_text(value) for value in store.literals() if not datatype_ok(value)})
    call = re.compile(re.escape(f"<{ILL_TYPED}>(") + r"(\?\w+)\)")

    def ill_typed(match: re.Match) -> str:
        term = match.group(1)
        return "(" + " || ".join(f"sameTerm({term}, {b})" for b in bad) + ")" if bad else "false"

    functions = {MATCHES: matches}

    def answer(check: Check) -> list[tuple[Node | None, ...]]:
        return store.select(call.sub(ill_typed, check.query), functions=functions, union=union)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        answers = list(pool.map(answer, checks))
    report, data = Graph(), Graph()
    top = BNode()
    report.add((top, RDF.type, SH.ValidationReport))
    wanted: dict[URIRef, set[Node]] = {}
    for check, rows in zip(checks, answers, strict=True):
        for values in rows:
            row = dict(zip(check.variables, values, strict=True))
            focus = row["this"]
            if focus is None:
                continue
            result = BNode()
            report.add((top, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, focus))
            report.add((result, SH.resultSeverity, check.severity))
            report.add((result, SH.sourceShape, check.shape))
            report.add((result, SH.sourceConstraintComponent, check.component))
            path = check.path if check.path is not None else row.get("path")
            if path is not None:
                report.add((result, SH.resultPath, path))
            value = focus if check.value == "focus" else row.get("value")
            if check.value == "value" and value is None and check.path is None:
                value = focus
            if check.value != "none" and value is not None:
                report.add((result, SH.value, value))
            if check.constraint is not None:
                report.add((result, SH.sourceConstraint, check.constraint))
            for message in messages_for(check, row):
                report.add((result, SH.resultMessage, message))
            if check.counted is not None:
                wanted.setdefault(check.counted, set()).add(focus)
    for (predicate, inverse), foci in sorted(wanted.items()):
        named = sorted((f for f in foci if isinstance(f, URIRef)), key=_sort_key)
        pattern = f"?s {_term(predicate, None)} ?o"
        focus = "?o" if inverse else "?s"
        queries = [f"SELECT ?s ?o WHERE {{ {pattern} FILTER (isBlank({focus})) }}"]
        if named:
            listed = " ".join(_term(f, None) for f in named)
            queries.append(f"SELECT ?s ?o WHERE {{ VALUES {focus} {{ {listed} }} {pattern} }}")
        for query in queries:
            for subject, obj in store.select(query, union=union):
                if (obj if inverse else subject) in foci:
                    data.add((subject, predicate, obj))
    return report, data


def messages_for(check: Check, row: dict[str, Node]) -> Iterator[Literal]:
    """The ``sh:resultMessage``s of one result: SHACL-SPARQL messages get ``{?name}`` /
    ``{$name}`` replaced by the row's values and the component's parameters (as pyshacl does)."""
    values = {**dict(check.bindings), **{k: v for k, v in row.items() if v is not None}}
    for message in check.messages:
        if not check.formatted:
            yield message
            continue
        text = str(message)
        for name, value in values.items():
            text = re.sub("{[?$]" + re.escape(name) + "}", lambda _m, v=value: str(v), text)
        yield Literal(text, lang=message.language) if text != str(message) else message
