"""The query catalogue: each ``.rq`` under ``queries/``, its ``#+`` header, safe parameter binding.

A catalogue file starts with a grlc-style header, YAML behind ``#+``::

    #+ summary: Members of the council on a given date, with the source of each claim
    #+ kind: cq
    #+ params:
    #+   - name: date
    #+     type: xsd:date
    #+     default: "2021-01-01"
    #+     description: the day to ask about
    #+ tags: [membership, time]

Parameters become typed RDF terms (:func:`bind`) that the engines bind to the query's variables
(pyoxigraph substitutions, rdflib ``initBindings``). A user string is never pasted into query text;
where an engine only takes text (a remote endpoint), :func:`inline_bindings` writes each term in
place of its variable with rdflib's N3 serializer, which escapes everything that could end a term.

This module also holds the small SPARQL tokenizer the store and the remote client share: it tells
the query form, finds the keywords that would reach the network or change data (``SERVICE``,
``LOAD``, update operations) and finds where a term may stand, ignoring strings, IRIs and comments.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import BNode, Literal, URIRef
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node

from cbss_kg.config import Project
from cbss_kg.namespaces import PREFIXES

KINDS = ("cq", "check", "view")
"""What a catalogue query is for: a competency question, a validation check, or a page's view."""

FOLDER_KINDS = {"cq": "cq", "checks": "check", "views": "view"}
"""The folder under ``queries/`` that holds each kind."""

SEVERITIES = ("violation", "warning", "info")

PARAM_TYPES = ("iri", "xsd:date", "xsd:gYear", "xsd:string", "xsd:integer", "xsd:boolean")
"""Parameter types besides ``lang:<tag>`` (a string in that language, e.g. ``lang:lv``)."""

HEADER_KEYS = {"summary", "description", "kind", "params", "severity", "tags"}
PARAM_KEYS = {"name", "type", "description", "default", "required"}

FORMS = ("select", "ask", "construct", "describe")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
"""Words that only occur in SPARQL Update requests."""

VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
LANG_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*\Z")
IRI_SCHEMES = ("http", "https", "urn")
"""Schemes of a full IRI parameter; anything else before the colon must be a known prefix."""
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class QueryError(Exception):
    """A query could not be run; the message says why in plain words."""


class QuerySyntaxError(QueryError):
    """The query is not valid SPARQL; ``str()`` is the parser's message, ``line`` and ``column``
    where the parser found the error (when it says)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class QueryRejected(QueryError):
    """The query would change data or reach the network or file system, so it is not run."""


class QueryTimeout(QueryError):
    """The time budget ran out; the query was stopped."""


class QueryFileError(Exception):
    """A catalogue file is unusable: the message names the file and what is wrong."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{_display(self.path)}: {self.reason}"


class ParameterError(ValueError):
    """A parameter value is missing, unknown or not of its declared type."""


class UnknownQuery(LookupError):
    """No catalogue query has that name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(name, list(known), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        super().__init__(f"no query named {name!r} in the catalogue{hint}")


@dataclass(frozen=True)
class Param:
    """A declared query parameter: the variable ``?name`` it binds and the type of its values."""

    name: str
    type: str
    description: str = ""
    default: str | None = None
    required: bool = True


@dataclass(frozen=True)
class Query:
    """A catalogue query: its text and what its header says about it."""

    name: str
    kind: str
    path: Path
    text: str
    summary: str
    form: str
    params: tuple[Param, ...] = ()
    severity: str | None = None
    tags: tuple[str, ...] = ()
    description: str = ""


def _display(path: Path) -> str:
    """``path`` relative to the working folder when it is below it, so messages stay short."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- the header -------------------------------------------------------------------------------


def _header(text: str) -> str:
    """The YAML of the ``#+`` lines the file starts with (blank lines before them are allowed)."""
    yaml_lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("#+"):
            body = line[2:]
            yaml_lines.append(body[1:] if body.startswith(" ") else body)
        elif line.strip() or yaml_lines:
            break
    return "\n".join(yaml_lines)


def _scalar(value: object) -> str:
    """A YAML scalar as the string a user would have typed (YAML reads 2021-01-01 as a date)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | int | float | str):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    raise TypeError(type(value).__name__)


def _parse_params(path: Path, raw: object, variables: set[str]) -> tuple[Param, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise QueryFileError(path, "'params' must be a list of parameters (- name: ...)")
    params: list[Param] = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise QueryFileError(
                path, f"parameter {index} must be a mapping with a name and a type"
            )
        unknown = set(item) - PARAM_KEYS
        if unknown:
            raise QueryFileError(
                path,
                f"parameter {index} has unknown keys {', '.join(sorted(map(str, unknown)))}"
                f" (allowed: {', '.join(sorted(PARAM_KEYS))})",
            )
        name = item.get("name")
        if not isinstance(name, str) or not VARNAME.match(name):
            raise QueryFileError(
                path, f"parameter {index} needs a name usable as a SPARQL variable"
            )
        if any(p.name == name for p in params):
            raise QueryFileError(path, f"parameter {name!r} is declared twice")
        type_ = item.get("type")
        if not isinstance(type_, str) or not _known_type(type_):
            raise QueryFileError(
                path,
                f"parameter {name!r} has unknown type {type_!r} "
                f"(use one of {', '.join(PARAM_TYPES)} or lang:<tag>)",
            )
        if name not in variables:
            raise QueryFileError(
                path, f"parameter {name!r} is declared but ?{name} does not appear in the query"
            )
        default = item.get("default")
        if default is not None:
            try:
                default = _scalar(default)
            except TypeError:
                raise QueryFileError(
                    path, f"the default of parameter {name!r} must be a single value"
                ) from None
        required = item.get("required", default is None)
        if not isinstance(required, bool):
            raise QueryFileError(path, f"'required' of parameter {name!r} must be true or false")
        description = item.get("description", "")
        if not isinstance(description, str):
            raise QueryFileError(path, f"the description of parameter {name!r} must be text")
        param = Param(name, type_, description.strip(), default, required)
        if default is not None:
            try:
                to_term(param, default)
            except ParameterError as error:
                raise QueryFileError(path, f"bad default: {error}") from None
        params.append(param)
    return tuple(params)


def _known_type(type_: str) -> bool:
    if type_.startswith("lang:"):
        return bool(LANG_TAG.match(type_[5:]))
    return type_ in PARAM_TYPES


SyntaxCheck = Callable[[str], None]
"""Parses a query without running it; raises :class:`QuerySyntaxError` when it is not valid
SPARQL (:func:`cbss_kg.store.check_syntax`, the parser of the store that runs the queries)."""


def _rdflib_syntax(text: str) -> None:
    """rdflib's SPARQL parser as a :data:`SyntaxCheck`: for callers that have no store's."""
    try:
        parseQuery(text)
    except Exception as error:  # pyparsing's ParseException and rdflib's own errors alike
        message = getattr(error, "msg", None) or str(error)
        raise QuerySyntaxError(
            message, getattr(error, "lineno", None), getattr(error, "col", None)
        ) from None


def parse_query_file(path: Path, *, check_syntax: SyntaxCheck | None = None) -> Query:
    """Read one catalogue file: its header, its SPARQL and its form.

    The SPARQL is checked by ``check_syntax`` (rdflib's parser when none is given).

    Raises:
        QueryFileError: naming the file and what is wrong (no summary, unknown kind, a parameter
            whose variable the query never uses, unparsable SPARQL, ...).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryFileError(path, f"cannot read the file: {error}") from None
    header_yaml = _header(text)
    if not header_yaml.strip():
        raise QueryFileError(
            path, "no '#+' header: start the file with '#+ summary: ...' and '#+ kind: ...'"
        )
    try:
        header = yaml.safe_load(header_yaml)
    except yaml.YAMLError as error:
        raise QueryFileError(path, f"the '#+' header is not valid YAML: {error}") from None
    if not isinstance(header, dict):
        raise QueryFileError(path, "the '#+' header must be a YAML mapping (key: value lines)")
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise QueryFileError(
            path,
            f"unknown header keys {', '.join(sorted(map(str, unknown)))}"
            f" (allowed: {', '.join(sorted(HEADER_KEYS))})",
        )

    summary = header.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise QueryFileError(
            path, "the header has no summary ('#+ summary: what the query answers')"
        )

    folder_kind = FOLDER_KINDS.get(path.parent.name)
    kind = header.get("kind", folder_kind)
    if kind not in KINDS:
        raise QueryFileError(
            path,
            f"unknown kind {kind!r} (use one of {', '.join(KINDS)})"
            if kind is not None
            else f"the header has no kind (use one of {', '.join(KINDS)})",
        )
    if folder_kind is not None and kind != folder_kind:
        raise QueryFileError(
            path,
            f"kind {kind!r} does not match its folder {path.parent.name}/ (kind {folder_kind!r})",
        )

    try:
        (check_syntax or _rdflib_syntax)(text)
    except QuerySyntaxError as error:
        where = f"{error.line}:{error.column}: " if error.line is not None else ""
        raise QueryFileError(path, f"{where}SPARQL syntax error: {error}") from None
    tokens = tokenize(text)
    form = query_form(tokens)
    if form not in FORMS:
        raise QueryFileError(path, "not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
    variables = {t.text[1:] for t in tokens if t.kind == "var"}
    params = _parse_params(path, header.get("params"), variables)

    severity = header.get("severity")
    if kind == "check":
        severity = severity if severity is not None else "violation"
        if severity not in SEVERITIES:
            raise QueryFileError(
                path, f"unknown severity {severity!r} (use one of {', '.join(SEVERITIES)})"
            )
        if form != "select":
            raise QueryFileError(path, "a check must be a SELECT query (each row is a finding)")
        projected = projection(tokens)
        if projected is not None and not {"focus", "message"} <= set(projected):
            raise QueryFileError(path, "a check must select ?focus and ?message")
    elif severity is not None:
        raise QueryFileError(path, f"'severity' is only for checks, not for kind {kind!r}")

    tags = header.get("tags", ())
    if isinstance(tags, str):
        tags = (tags,)
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise QueryFileError(path, "'tags' must be a list of words")
    description = header.get("description", "")
    if not isinstance(description, str):
        raise QueryFileError(path, "'description' must be text")

    return Query(
        name=path.stem,
        kind=kind,
        path=path,
        text=text,
        summary=" ".join(summary.split()),
        form=form,
        params=params,
        severity=severity,
        tags=tuple(tags),
        description=description.strip(),
    )


def load_catalog(
    project: Project, *, check_syntax: SyntaxCheck | None = None
) -> dict[str, Query]:
    """Every ``.rq`` under ``queries/`` by name (the file stem), which must be unique; the
    SPARQL of each is checked by ``check_syntax`` (see :func:`parse_query_file`).

    Raises:
        QueryFileError: for the first unusable file or a name used twice.
    """
    catalog: dict[str, Query] = {}
    if not project.queries_dir.is_dir():
        return catalog
    for path in sorted(project.queries_dir.rglob("*.rq")):
        query = parse_query_file(path, check_syntax=check_syntax)
        if query.name in catalog:
            raise QueryFileError(
                path,
                f"the name {query.name!r} is already used by {_display(catalog[query.name].path)}",
            )
        catalog[query.name] = query
    return catalog


# --- binding ------------------------------------------------------------------------------------


def expand_iri(value: str) -> URIRef:
    """A full IRI (``<...>`` optional) or a CURIE with one of the project prefixes, as a URIRef.

    Raises:
        ParameterError: for an unknown prefix or characters an IRI cannot hold.
    """
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    if not colon:
        raise ParameterError(
            f"{value!r} is not an IRI: give a full IRI (https://...) or a CURIE such as id:state/LV"
        )
    if prefix in PREFIXES:
        text = PREFIXES[prefix] + local
    elif prefix.lower() not in IRI_SCHEMES:
        raise ParameterError(
            f"unknown prefix {prefix!r} in {value!r} (known prefixes: {', '.join(PREFIXES)})"
        )
    elif prefix.lower() in ("http", "https") and not local.startswith("//"):
        raise ParameterError(f"{value!r} is not a full IRI")
    if IRI_FORBIDDEN.search(text):
        raise ParameterError(
            f'{value!r} holds characters an IRI cannot contain (space, <, >, ", ...)'
        )
    return URIRef(text)


def _date(value: str, param: Param) -> Literal:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    try:
        if not match:
            raise ValueError
        datetime.date(*map(int, match.groups()))
    except ValueError:
        raise ParameterError(
            f"parameter {param.name!r} must be a date written YYYY-MM-DD, not {value!r}"
        ) from None
    return Literal(value, datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))


def to_term(param: Param, value: str) -> Node:
    """One user string as the typed RDF term ``param`` declares.

    Raises:
        ParameterError: when the value is not of the declared type.
    """
    if not isinstance(value, str):
        raise ParameterError(f"parameter {param.name!r} must be given as text")
    kind = param.type
    if kind == "iri":
        try:
            return expand_iri(value)
        except ParameterError as error:
            raise ParameterError(f"parameter {param.name!r}: {error}") from None
    if kind == "xsd:date":
        return _date(value, param)
    if kind == "xsd:gYear":
        if not re.fullmatch(r"\d{4}", value):
            raise ParameterError(
                f"parameter {param.name!r} must be a year such as 2021, not {value!r}"
            )
        return Literal(value, datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    if kind == "xsd:integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ParameterError(f"parameter {param.name!r} must be a whole number, not {value!r}")
        return Literal(int(value))
    if kind == "xsd:boolean":
        if value not in ("true", "false", "1", "0"):
            raise ParameterError(f"parameter {param.name!r} must be true or false, not {value!r}")
        return Literal(value in ("true", "1"))
    if kind.startswith("lang:"):
        return Literal(value, lang=kind[5:])
    return Literal(value)


def bind(query: Query, raw: Mapping[str, str]) -> dict[str, Node]:
    """User strings for ``query``'s parameters as typed RDF terms, defaults filled in.

    An optional parameter without a value and without a default stays unbound (absent).

    Raises:
        ParameterError: for an unknown parameter, a missing required one, or an ill-typed value.
    """
    unknown = sorted(set(raw) - {p.name for p in query.params})
    if unknown:
        takes = ", ".join(p.name for p in query.params) or "no parameters"
        raise ParameterError(
            f"unknown parameter {', '.join(map(repr, unknown))} for query {query.name!r} "
            f"(it takes {takes})"
        )
    bound: dict[str, Node] = {}
    for param in query.params:
        value = raw.get(param.name, param.default)
        if value is None:
            if param.required:
                about = f": {param.description}" if param.description else ""
                raise ParameterError(
                    f"query {query.name!r} needs parameter {param.name!r} ({param.type}){about}"
                )
            continue
        bound[param.name] = to_term(param, value)
    return bound


# --- the tokenizer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "word" | "var" | "iri" | "pname" | "string" | "langtag" | "number" | "punct"
    text: str
    start: int
    end: int


_PN_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_CHAR = rf"(?:[\w:%\-\u00B7]|{_PN_ESCAPE})"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7]+)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:{_PN_CHAR}(?:(?:{_PN_CHAR}|\.)*{_PN_CHAR})?)?)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>\^\^|<<|>>|<=|>=|!=|&&|\|\||.)
    """,
    re.VERBOSE | re.DOTALL,
)


TOKENS_CACHED = 512
"""How many query texts keep their tokens: the catalogue's queries are run again and again, and
tokenizing one takes longer than running it."""

TOKENS_CACHED_LENGTH = 20_000
"""Only texts up to this many characters are cached, so large one-off queries never pile up."""


def tokenize(text: str) -> list[Token]:
    """The SPARQL tokens of ``text`` without whitespace and comments.

    Strings, IRIs and prefixed names are single tokens, so a keyword inside them is never seen
    as one. (Unicode escapes outside strings and IRIs are not decoded: pyoxigraph, which runs the
    queries here, treats them as a syntax error.)
    """
    if len(text) > TOKENS_CACHED_LENGTH:
        return list(_scan(text))
    return list(_cached_scan(text))


def _scan(text: str) -> tuple[Token, ...]:
    return tuple(
        Token(match.lastgroup, match.group(), match.start(), match.end())
        for match in _TOKEN.finditer(text)
        if match.lastgroup not in ("ws", "comment")
    )


_cached_scan = functools.lru_cache(maxsize=TOKENS_CACHED)(_scan)


def _words(tokens: Iterable[Token]) -> Iterable[tuple[int, str]]:
    for index, token in enumerate(tokens):
        if token.kind == "word":
            yield index, token.text.upper()


def query_form(tokens: list[Token]) -> str | None:
    """The form: select, ask, construct or describe; "update" for an update request; else None."""
    for _, word in _words(tokens):
        if word in ("BASE", "PREFIX"):
            continue
        if word in UPDATE_KEYWORDS:
            return "update"
        return word.lower() if word.lower() in FORMS else None
    return None


def screen(tokens: list[Token]) -> None:
    """Refuse what a read-only endpoint must never run.

    Raises:
        QueryRejected: for SPARQL Update, ``SERVICE`` (federation reaches the network) and
            ``LOAD`` (reads a document from the network or file system).
    """
    for _, word in _words(tokens):
        if word == "SERVICE":
            raise QueryRejected(
                "SERVICE (federated query) is not allowed: it would reach the network"
            )
        if word == "LOAD":
            raise QueryRejected(
                "LOAD is not allowed: it would read from the network or file system"
            )
    if query_form(tokens) == "update":
        raise QueryRejected("SPARQL Update is not accepted: the store is read-only")


def has_dataset_clause(tokens: list[Token]) -> bool:
    """Whether the query names its own dataset with ``FROM`` / ``FROM NAMED``."""
    return any(word == "FROM" for _, word in _words(tokens))


def _projection_at(tokens: list[Token], select: int) -> tuple[tuple[str, ...] | None, int]:
    """The variables the SELECT at token ``select`` projects (None for ``*``) and where its
    projection ends (the index of the first token after it)."""
    projected: list[str] = []
    star = False
    depth = 0
    index = select + 1
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "punct" and token.text == "(":
            depth += 1
        elif token.kind == "punct" and token.text == ")":
            depth -= 1
        elif depth == 0 and (
            (token.kind == "punct" and token.text == "{")
            or (token.kind == "word" and token.text.upper() in ("WHERE", "FROM"))
        ):
            break
        elif depth == 0 and token.kind == "punct" and token.text == "*":
            star = True
        elif token.kind == "var":
            previous = tokens[index - 1]
            if depth == 0 or (previous.kind == "word" and previous.text.upper() == "AS"):
                projected.append(token.text[1:])
        index += 1
    return (None if star else tuple(projected)), index


def projection(tokens: list[Token]) -> tuple[str, ...] | None:
    """The variables a SELECT query projects by name; None for ``SELECT *`` and other forms."""
    if query_form(tokens) != "select":
        return None
    select = next(i for i, w in _words(tokens) if w == "SELECT")
    return _projection_at(tokens, select)[0]


def _matching_brace(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].kind == "punct":
            if tokens[index].text == "{":
                depth += 1
            elif tokens[index].text == "}":
                depth -= 1
                if depth == 0:
                    return index
    raise QuerySyntaxError("unbalanced braces: a '{' is never closed")


@dataclass(frozen=True)
class _Select:
    """A SELECT of the query: where its projection is and which tokens it scopes."""

    projected: tuple[str, ...] | None
    projection: range
    scope: range


def _selects(tokens: list[Token]) -> list[_Select]:
    selects = []
    for index, word in _words(tokens):
        if word != "SELECT":
            continue
        projected, end = _projection_at(tokens, index)
        opening = index - 1
        if opening >= 0 and tokens[opening].kind == "punct" and tokens[opening].text == "{":
            scope = range(opening, _matching_brace(tokens, opening) + 1)
        else:
            scope = range(0, len(tokens))
        selects.append(_Select(projected, range(index + 1, end), scope))
    return selects


def _modifier_spans(tokens: list[Token]) -> list[range]:
    """Token ranges of ``GROUP BY`` and ``ORDER BY`` conditions (no bare constants allowed)."""
    spans = []
    for index, word in _words(tokens):
        if word not in ("GROUP", "ORDER"):
            continue
        follower = tokens[index + 1] if index + 1 < len(tokens) else None
        if follower is None or follower.kind != "word" or follower.text.upper() != "BY":
            continue
        end = index + 2
        depth = 0
        while end < len(tokens):
            token = tokens[end]
            if token.kind == "punct" and token.text in ("(", "{"):
                depth += 1
            elif token.kind == "punct" and token.text in (")", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif (
                depth == 0
                and token.kind == "word"
                and token.text.upper() in ("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES")
            ):
                break
            end += 1
        spans.append(range(index + 2, end))
    return spans


def _paren_depth(tokens: list[Token], span: range, index: int) -> int:
    depth = 0
    for i in range(span.start, index):
        if tokens[i].kind == "punct" and tokens[i].text == "(":
            depth += 1
        elif tokens[i].kind == "punct" and tokens[i].text == ")":
            depth -= 1
    return depth


def _assigned(tokens: list[Token], index: int) -> bool:
    """Whether the variable at ``index`` is assigned there: ``AS ?x`` or a ``VALUES`` header."""
    previous = tokens[index - 1] if index else None
    if previous is not None and previous.kind == "word" and previous.text.upper() == "AS":
        return True
    back = index - 1
    while back >= 0 and (tokens[back].kind == "var" or tokens[back].text == "("):
        back -= 1
    return back >= 0 and tokens[back].kind == "word" and tokens[back].text.upper() == "VALUES"


def iri_text(iri: str) -> str | None:
    """``iri`` as a query writes it (``<…>``), or None for an IRI rdflib refuses to write (one
    with a space, say): nothing in a store can be named by it."""
    try:
        return URIRef(iri).n3()
    except Exception:  # rdflib raises a bare Exception for an IRI it cannot write
        return None


def inline_bindings(text: str, bindings: Mapping[str, Node]) -> str:
    """``text`` with each bound variable replaced by its RDF term, as SPARQL substitution does.

    For engines that take only text (a remote endpoint; pyoxigraph where its own substitution
    refuses a variable that is not projected). The terms are written by rdflib's N3 serializer,
    which escapes anything that could end a term, so a value can never become query syntax. A
    variable keeps its value everywhere: in patterns, in FILTERs of nested groups, in the
    CONSTRUCT template. A projected variable becomes ``(term AS ?x)``, so it stays in the results;
    a subquery's variable that the subquery does not project is another variable and is left alone.

    Raises:
        QueryError: when the query assigns the variable itself (``AS ?x``, ``VALUES ?x``).
        ValueError: for a name that is not a variable name, or a blank node (it cannot be
            written as a constant).
    """
    if not bindings:
        return text
    written: dict[str, str] = {}
    for name, term in bindings.items():
        if not VARNAME.match(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
        if isinstance(term, BNode):
            raise ValueError(f"?{name}: a blank node cannot be written into a query")
        written[name] = term.n3()
    tokens = tokenize(text)
    selects = _selects(tokens)
    modifiers = _modifier_spans(tokens)
    pieces: list[str] = []
    cursor = 0
    skip_to = -1
    for index, token in enumerate(tokens):
        if index < skip_to or token.kind != "var" or token.text[1:] not in written:
            continue
        name = token.text[1:]
        if any(
            index in select.scope
            and select.projected is not None
            and name not in select.projected
            and select.scope.start > 0
            for select in selects
        ):
            continue
        if _assigned(tokens, index):
            raise QueryError(
                f"?{name} is assigned by the query itself, so it cannot be given a value"
            )
        start, end = token.start, token.end
        value = written[name]
        if any(index in select.projection for select in selects):
            value = f"({value} AS ?{name})"
        elif any(index in span and _paren_depth(tokens, span, index) == 0 for span in modifiers):
            value = f"({value})"
        elif (
            index >= 2
            and index + 1 < len(tokens)
            and tokens[index - 1].text == "("
            and tokens[index - 2].kind == "word"
            and tokens[index - 2].text.upper() == "BOUND"
            and tokens[index + 1].text == ")"
        ):
            start, end, value = tokens[index - 2].start, tokens[index + 1].end, "true"
            skip_to = index + 2
        pieces += [text[cursor:start], value]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
