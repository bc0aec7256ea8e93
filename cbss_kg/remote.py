"""Remote SPARQL endpoints (SPARQLWrapper): run a query there, or use one as the server's store.

SPARQLWrapper sends text, so bindings are written into the query by
:func:`cbss_kg.queries.inline_bindings`: each RDF term takes its variable's place, serialized by
rdflib (which escapes anything that could end a term), never a user string pasted in. The client
is polite: it names itself in the User-Agent, waits and retries when the endpoint says it is busy
(429, 503, honouring ``Retry-After``), and gives up after a timeout.

:class:`RemoteStore` puts an endpoint behind the embedded store's interface (``query``,
``query_serialized``, ``close``), so ``cbss-kg serve --store URL`` serves its pages, API and
``/sparql`` from a store on other machines. It keeps the embedded store's defences: queries are
screened before they leave (no update, ``SERVICE`` or ``LOAD``), the time budget bounds the whole
exchange (and is passed to endpoints that take a time limit per query), and the row cap is
applied, with a ``LIMIT`` sent along so the endpoint does not compute what would be thrown away.

The store's default graph must be the union of its named graphs, as in the embedded store: start
Oxigraph with ``--union-default-graph``; Virtuoso's default graph is the union already.

This is the only module that imports SPARQLWrapper.
"""

from __future__ import annotations

import ast
import email.message
import email.utils
import hashlib
import io
import json
import re
import time
import urllib.error
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result
from rdflib.term import Node
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from cbss_kg import __version__
from cbss_kg.namespaces import BASE, PREFIXES
from cbss_kg.queries import (
    FORMS,
    QueryError,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    inline_bindings,
    query_form,
    screen,
    tokenize,
)
from cbss_kg.results import QueryResult, encode, from_json, write_boolean, write_select
from cbss_kg.store import MEDIA_TYPES, negotiate

USER_AGENT = f"cbss-kg/{__version__} (+{BASE})"
RETRY_STATUSES = (429, 503)
MAX_WAIT = 30.0
"""The longest pause between two attempts, whatever ``Retry-After`` asks for."""
GET_LIMIT = 2000
"""Longer requests are sent with POST, which every endpoint accepts and no URL length limits."""
MAX_ANSWER = 128 * 2**20
"""The largest answer read from an endpoint, in bytes (Oxigraph's own request limit)."""
CHUNK = 2**16

RESULTS_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
"""N-Triples first: every term spelled out in full. (Virtuoso's Turtle writes the decimal 64500 as
``64500``, which Turtle reads as an integer.)"""
GRAPH_PARSERS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
}
"""Graph formats read from an endpoint: text formats only, nothing that could fetch a context."""

PASSED_THROUGH = {
    "select": {"json": "json", "xml": "xml"},
    "ask": {"json": "json", "xml": "xml"},
    "graph": {"ntriples": "nt", "nquads": "nquads"},
}
"""Formats :meth:`RemoteStore.query_serialized` asks the endpoint for and passes on as it wrote
them (after reading them, to count rows), with the rdflib parser that reads them. The others are
written here from the endpoint's SPARQL JSON or N-Triples: CSV and TSV, which lose what a reader
would need to check them, and which endpoints write their own way (Virtuoso's blank nodes are
``nodeID://…``, its TSV terms lack N-Triples syntax); Turtle and TriG, whose abbreviations an
endpoint may get wrong (see GRAPH_ACCEPT); JSON-LD and RDF/XML, because reading them from another
server would mean remote contexts and XML entities."""

GRAPH_WRITERS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nquads": "nquads",
}
"""rdflib serializer of each graph format, for answers written here."""

TIME_LIMITS = {"Virtuoso/": ("timeout", 1000.0)}
"""Endpoints (by ``Server`` header) taking a time limit per query: its parameter and units per
second. Oxigraph has a server-wide one instead (``oxigraph serve --timeout-s``)."""

BNODE_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?\Z")
"""A blank node label every format can write."""

DEFAULT_TIMEOUT = 60.0
"""Seconds allowed for a query the caller gave no budget (the server's own fixed queries)."""


class RemoteError(QueryError):
    """The endpoint could not be reached or answered with an error; the message says which."""


class _Unacceptable(RemoteError):
    """The endpoint cannot write the answer in the media type asked for (HTTP 406)."""


@dataclass
class _Answer:
    body: bytes
    media_type: str
    charset: str | None
    headers: email.message.Message = field(default_factory=email.message.Message)


def _server_message(error: SPARQLWrapperException) -> str:
    """The endpoint's own error text from a SPARQLWrapper exception (it keeps only its repr)."""
    text = str(error)
    _, marker, body = text.partition("Response:\n")
    if marker:
        try:
            text = ast.literal_eval(body).decode("utf-8", "replace")
        except (ValueError, SyntaxError, AttributeError):
            text = body
    return " ".join(text.split())


def _retry_after(error: urllib.error.HTTPError, attempt: int) -> float:
    """Seconds to wait before the next attempt: ``Retry-After`` when given, else backoff."""
    value = error.headers.get("Retry-After") if error.headers else None
    if value:
        value = value.strip()
        if value.isdigit():
            return min(float(value), MAX_WAIT)
        when = email.utils.parsedate_to_datetime(value) if value else None
        if when is not None:
            return min(max(when.timestamp() - time.time(), 0.0), MAX_WAIT)
    return min(0.5 * 2**attempt, MAX_WAIT)


def _read(response, endpoint: str, deadline: float, timeout: float) -> bytes:
    """The body of ``response``, read until ``deadline`` at the latest and at most MAX_ANSWER."""
    chunks = []
    size = 0
    while chunk := response.read(CHUNK):
        size += len(chunk)
        if size > MAX_ANSWER:
            raise RemoteError(f"{endpoint} sent an answer larger than {MAX_ANSWER // 2**20} MiB")
        if time.monotonic() > deadline:
            raise QueryTimeout(f"{endpoint} did not answer within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _request(
    endpoint: str,
    text: str,
    *,
    accept: str,
    timeout: float,
    user_agent: str,
    parameters: Mapping[str, str],
) -> _Answer:
    started = time.monotonic()
    client = SPARQLWrapper(endpoint, agent=user_agent)
    client.setQuery(text)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", accept)
    for name, value in parameters.items():
        client.addParameter(name, value)
    if len(endpoint) + len(text) * 3 > GET_LIMIT:
        client.setMethod(POST)
    client.timeout = timeout  # setTimeout() would round it down to whole seconds
    response = client.query().response
    headers = response.headers or email.message.Message()
    body = _read(response, endpoint, started + timeout, timeout)
    media_type = headers.get_content_type() if headers.get("Content-Type") else ""
    return _Answer(body, media_type, headers.get_content_charset(), headers)


def _exchange(
    endpoint: str,
    text: str,
    *,
    accept: str,
    timeout: float,
    user_agent: str = USER_AGENT,
    retries: int = 3,
    parameters: Mapping[str, str] | None = None,
) -> _Answer:
    """Send a query and read the answer, retrying while the endpoint is busy.

    Raises:
        QuerySyntaxError, QueryTimeout, RemoteError: see :func:`query_endpoint`.
    """
    attempt = 0
    while True:
        try:
            answer = _request(
                endpoint,
                text,
                accept=accept,
                timeout=timeout,
                user_agent=user_agent,
                parameters=parameters or {},
            )
            break
        except QueryBadFormed as error:
            raise QuerySyntaxError(
                f"{endpoint} refused the query: {_server_message(error)}"
            ) from None
        except SPARQLWrapperException as error:
            raise RemoteError(
                f"{endpoint} answered with an error: {_server_message(error)}"
            ) from None
        except urllib.error.HTTPError as error:
            if error.code in RETRY_STATUSES and attempt < retries:
                time.sleep(_retry_after(error, attempt))
                attempt += 1
                continue
            if error.code == 406:
                raise _Unacceptable(f"{endpoint} cannot answer in {accept}") from None
            raise RemoteError(f"{endpoint} answered HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise QueryTimeout(f"{endpoint} did not answer within {timeout:g} s") from None
            raise RemoteError(f"cannot reach {endpoint}: {error.reason}") from None
        except TimeoutError:
            raise QueryTimeout(f"{endpoint} did not answer within {timeout:g} s") from None
        except (ConnectionError, OSError, ValueError) as error:
            raise RemoteError(f"cannot reach {endpoint}: {error}") from None
    state = answer.headers.get("X-SQL-State")
    if state:
        reason = " ".join(answer.headers.get("X-SQL-Message", "").split())
        raise QueryTimeout(
            f"{endpoint} stopped the query at its time limit and sent a partial answer, which "
            f"is not passed on ({state}: {reason})"
        )
    return answer


def _prepare(text: str, bindings: Mapping[str, Node] | None) -> tuple[str, str]:
    """The query with its bindings written in, and its form.

    Raises:
        QueryRejected: an update request.
        QuerySyntaxError: not a query at all.
    """
    form = query_form(tokenize(text))
    if form == "update":
        raise QueryRejected("SPARQL Update is not sent: this client only reads")
    if form not in FORMS:
        raise QuerySyntaxError("not a SPARQL query: it must be SELECT, ASK, CONSTRUCT or DESCRIBE")
    try:
        text = inline_bindings(text, bindings or {})
    except ValueError as error:
        raise QueryError(f"bad binding: {error}") from None
    return text, form


def with_limit(text: str, limit: int) -> str:
    """A SELECT query asking for at most ``limit`` solutions: its own ``LIMIT`` if that is
    lower, else a lowered one, else one added (before a trailing ``VALUES`` clause, where the
    grammar puts it). Only the top level counts: a subquery's ``LIMIT`` sits inside braces."""
    tokens = tokenize(text)
    depth = 0
    insert_at = len(text)
    for index, token in enumerate(tokens):
        if token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
        elif depth == 0 and token.kind == "word" and token.text.upper() == "LIMIT":
            value = tokens[index + 1] if index + 1 < len(tokens) else None
            if value is None or not value.text.isdigit() or int(value.text) <= limit:
                return text
            return text[: value.start] + str(limit) + text[value.end :]
        elif depth == 0 and token.kind == "word" and token.text.upper() == "VALUES":
            insert_at = token.start
            break
    return f"{text[:insert_at].rstrip()}\nLIMIT {limit}\n{text[insert_at:]}"


DATASET_ENDS = frozenset(("WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"))
"""Keywords that follow the place of the dataset clauses, at the top level of a query."""


def with_dataset(text: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """The query with the protocol's dataset (``default-graph-uri``, ``named-graph-uri``)
    written as FROM and FROM NAMED clauses, in place of the query's own.

    The SPARQL 1.1 Protocol makes the two the same, and the protocol's dataset overrides the
    query's. Written into the query, a long list of graphs stays in the request: Virtuoso echoes
    each protocol graph back as a response header, more headers than an HTTP client accepts.
    """
    if not default_graphs and not named_graphs:
        return text
    clauses = " ".join(
        [f"FROM {URIRef(g).n3()}" for g in default_graphs]
        + [f"FROM NAMED {URIRef(g).n3()}" for g in named_graphs]
    )
    tokens = tokenize(text)
    start = next(
        (i for i, t in enumerate(tokens) if t.kind == "word" and t.text.lower() in FORMS), None
    )
    if start is None:
        return text
    template = tokens[start].text.upper() == "CONSTRUCT"
    braces = parens = 0
    insert_at = len(text)
    cuts: list[tuple[int, int]] = []
    index = start + 1
    while index < len(tokens):
        token = tokens[index]
        word = token.text.upper() if token.kind == "word" else None
        if token.kind == "punct" and token.text in "()":
            parens += 1 if token.text == "(" else -1
        elif token.kind == "punct" and token.text in "{}" and parens == 0:
            if token.text == "{" and braces == 0 and not template:
                insert_at = token.start
                break
            braces += 1 if token.text == "{" else -1
            if braces == 0:
                template = False
        elif braces == parens == 0 and word in DATASET_ENDS:
            insert_at = token.start
            break
        elif braces == parens == 0 and word == "FROM":
            end = index + 1
            if end < len(tokens) and tokens[end].text.upper() == "NAMED":
                end += 1
            cuts.append((token.start, tokens[min(end, len(tokens) - 1)].end))
            index = end
        index += 1
    pieces, cursor = [], 0
    for cut_start, cut_end in cuts:
        pieces += [text[cursor:cut_start]]
        cursor = cut_end
    pieces += [text[cursor:insert_at], f"\n{clauses}\n", text[insert_at:]]
    return "".join(pieces)


def _exchange_capped(
    endpoint: str, text: str, form: str, row_limit: int | None, **options
) -> _Answer:
    """:func:`_exchange`, a SELECT asking for one row more than ``row_limit`` (which tells
    whether the cap cut the answer). When the endpoint refuses the query so changed, the query
    as written goes: its error message then speaks of the caller's text, not of ours."""
    if row_limit is None or form != "select":
        return _exchange(endpoint, text, **options)
    limited = with_limit(text, row_limit + 1)
    try:
        return _exchange(endpoint, limited, **options)
    except QuerySyntaxError:
        if limited == text:
            raise
        return _exchange(endpoint, text, **options)


def _parse_graph(body: bytes, parser: str) -> list[tuple[Node, Node, Node]]:
    if parser in ("trig", "nquads"):
        dataset = Dataset()
        dataset.parse(data=body, format=parser)
        return [(s, p, o) for s, p, o, _ in dataset.quads()]
    graph = Graph()
    graph.parse(data=body, format=parser)
    return list(graph)


def _plain_labels(result: QueryResult) -> QueryResult:
    """``result`` with each blank node whose label would not do in N-Triples or TSV (Virtuoso's
    are ``nodeID://b10001``) relabelled; one label always becomes the same new one."""

    def plain(term: Node) -> Node:
        if isinstance(term, BNode) and not BNODE_LABEL.match(term):
            return BNode("b" + hashlib.sha256(term.encode("utf-8")).hexdigest()[:16])
        return term

    result.rows = [{name: plain(term) for name, term in row.items()} for row in result.rows]
    return result


def _read_result(body: bytes, form: str, parser: str) -> QueryResult:
    """An answer in a standard format as a QueryResult.

    Raises:
        ValueError: the body is not what the format says (any parser's complaint).
    """
    if form == "graph":
        return QueryResult(form="graph", triples=_parse_graph(body, parser))
    if parser == "json":
        result = from_json(json.loads(body))
    else:
        parsed = Result.parse(io.BytesIO(body), format=parser)
        if parsed.type == "ASK":
            result = QueryResult(form="ask", boolean=bool(parsed.askAnswer))
        else:
            variables = tuple(str(v) for v in parsed.vars or ())
            rows = [
                {str(k): v for k, v in row.items() if v is not None} for row in parsed.bindings
            ]
            result = QueryResult(form="select", variables=variables, rows=rows)
    result = _plain_labels(result)
    if result.form != form:
        raise ValueError(f"a {result.form} answer to a {form} query")
    return result


def _decode(answer: _Answer, endpoint: str, graph: bool) -> QueryResult:
    """The answer of :func:`query_endpoint`'s request (SPARQL JSON, or N-Triples or Turtle)."""
    if graph:
        parser = GRAPH_PARSERS.get(answer.media_type)
        if parser is None:
            raise RemoteError(
                f"{endpoint} answered with {answer.media_type or 'no content type'}, "
                "not N-Triples or Turtle"
            )
        try:
            return QueryResult(form="graph", triples=_parse_graph(answer.body, parser))
        except Exception as error:  # any parser's syntax error
            raise RemoteError(f"{endpoint} sent a graph that cannot be read: {error}") from None
    try:
        return _plain_labels(from_json(json.loads(answer.body)))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RemoteError(f"{endpoint} did not answer with SPARQL JSON results") from None


def _capped(result: QueryResult, row_limit: int | None) -> QueryResult:
    if row_limit is None or len(result) <= row_limit:
        return result
    if result.form == "select":
        result.rows = result.rows[:row_limit]
    else:
        result.triples = result.triples[:row_limit]
    result.truncated = True
    return result


def query_endpoint(
    endpoint: str,
    text: str,
    *,
    bindings: Mapping[str, Node] | None = None,
    timeout: float = 30.0,
    user_agent: str = USER_AGENT,
    retries: int = 3,
    row_limit: int | None = None,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    parameters: Mapping[str, str] | None = None,
) -> QueryResult:
    """Run ``text`` on the SPARQL endpoint at ``endpoint``, with ``bindings`` as RDF terms.

    SELECT and ASK answers are read as SPARQL JSON results, CONSTRUCT and DESCRIBE as
    N-Triples (or Turtle, for an endpoint without N-Triples).

    Args:
        timeout: seconds to wait for each answer.
        retries: further attempts when the endpoint answers 429 or 503.
        row_limit: at most this many rows (or triples); ``truncated`` says more exist.
        default_graphs, named_graphs: the SPARQL protocol's ``default-graph-uri`` and
            ``named-graph-uri``.
        parameters: further request parameters (an endpoint's own time limit, say).

    Raises:
        QuerySyntaxError: the endpoint refused the query as malformed (its message included).
        QueryRejected: an update request (this client only reads).
        QueryTimeout: no answer within ``timeout``.
        RemoteError: the endpoint is unreachable, answered with another HTTP error, or sent
            something that is not a results document.
    """
    text, form = _prepare(text, bindings)
    text = with_dataset(text, default_graphs, named_graphs)
    graph = form in ("construct", "describe")
    answer = _exchange_capped(
        endpoint,
        text,
        form,
        row_limit,
        accept=GRAPH_ACCEPT if graph else RESULTS_ACCEPT,
        timeout=timeout,
        user_agent=user_agent,
        retries=retries,
        parameters=parameters,
    )
    return _capped(_decode(answer, endpoint, graph), row_limit)


def _write(result: QueryResult, key: str) -> bytes:
    """A result in one of the store's formats (see :func:`cbss_kg.store.negotiate`)."""
    if result.form == "ask":
        return write_boolean(bool(result.boolean), key)
    if result.form == "select":
        rows = [
            [encode(row[name]) if name in row else None for name in result.variables]
            for row in result.rows
        ]
        return write_select(result.variables, rows, key)
    dataset = Dataset()
    graph = dataset.graph(DATASET_DEFAULT_GRAPH_ID)
    for triple in result.triples:
        graph.add(triple)
    iris = {str(t) for triple in result.triples for t in triple if isinstance(t, URIRef)}
    iris |= {
        str(t.datatype) for _, _, t in result.triples if isinstance(t, Literal) and t.datatype
    }
    for prefix, namespace in PREFIXES.items():
        if any(iri.startswith(namespace) for iri in iris):
            graph.bind(prefix, namespace, override=True, replace=True)
    target = dataset if key in ("trig", "nquads") else graph
    return target.serialize(format=GRAPH_WRITERS[key], encoding="utf-8")


def _time_limit(server: str) -> tuple[str, float] | None:
    return next((limit for name, limit in TIME_LIMITS.items() if server.startswith(name)), None)


class RemoteStore:
    """A SPARQL endpoint with the embedded store's interface, for the server.

    Safe to call from many threads (each query is its own HTTP request). Build one with
    :meth:`connect`, which checks that the endpoint answers.

    Args:
        endpoint: the SPARQL query endpoint.
        time_limit: the endpoint's per-query time limit parameter and its units per second.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        time_limit: tuple[str, float] | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.endpoint = endpoint
        self.time_limit = time_limit
        self.user_agent = user_agent
        self._closed = False

    @classmethod
    def connect(cls, endpoint: str, *, timeout: float = 30.0) -> RemoteStore:
        """A store over ``endpoint``, once it has answered a query; the endpoint's ``Server``
        header says whether it takes a time limit per query.

        Raises:
            RemoteError, QueryTimeout: the endpoint does not answer.
        """
        answer = _exchange(
            endpoint, "ASK { ?s ?p ?o }", accept=RESULTS_ACCEPT, timeout=timeout, retries=0
        )
        return cls(endpoint, time_limit=_time_limit(answer.headers.get("Server", "")))

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Send no more queries (there is no connection to keep: each query is a request)."""
        self._closed = True

    def _options(self, timeout: float) -> dict:
        if self._closed:
            raise QueryError("the store is closed")
        parameters = {}
        if self.time_limit is not None:
            name, units = self.time_limit
            parameters[name] = str(max(1, round(timeout * units)))
        return {
            "timeout": timeout,
            "user_agent": self.user_agent,
            "retries": 0,
            "parameters": parameters,
        }

    def query(
        self,
        text: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = 10.0,
        row_limit: int | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> QueryResult:
        """Run a query on the endpoint; arguments and errors as
        :meth:`cbss_kg.store.EmbeddedStore.query`.

        ``timeout=None`` allows DEFAULT_TIMEOUT: a remote answer is never awaited forever.
        ``union_default_graph`` is the endpoint's own setting (see the module's notes).
        """
        screen(tokenize(text))
        return query_endpoint(
            self.endpoint,
            text,
            bindings=bindings,
            row_limit=row_limit,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            **self._options(timeout or DEFAULT_TIMEOUT),
        )

    def query_serialized(
        self,
        text: str,
        *,
        media_type: str,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = 10.0,
        row_limit: int | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> tuple[bytes, str, bool]:
        """Run a query and answer in the format ``media_type`` asks for, as the embedded store.

        The endpoint is asked for that very format and its answer passed on unchanged, when the
        format is one of PASSED_THROUGH and the answer reads as that format; the answer is read
        anyway to apply the row cap, and written here again only when the cap cut it. Other
        formats, and answers the endpoint could not give or gave wrongly, are written here from
        the endpoint's JSON or N-Triples.

        Returns:
            ``(body, content type, truncated)``.
        """
        screen(tokenize(text))
        budget = timeout or DEFAULT_TIMEOUT
        deadline = time.monotonic() + budget
        prepared, form = _prepare(text, bindings)
        prepared = with_dataset(prepared, default_graphs, named_graphs)
        kind = "graph" if form in ("construct", "describe") else form
        key, content_type = negotiate(kind, media_type)
        parser = PASSED_THROUGH[kind].get(key)
        if parser is not None:
            asked = content_type.split(";")[0]
            try:
                answer = _exchange_capped(
                    self.endpoint,
                    prepared,
                    form,
                    row_limit,
                    accept=asked,
                    **self._options(budget),
                )
            except _Unacceptable:
                answer = None
            if answer is not None and self._is(answer, kind, key):
                try:
                    result = _read_result(answer.body, kind, parser)
                except Exception:  # any parser's complaint: the answer is written here instead
                    result = None
                if result is not None:
                    if row_limit is None or len(result) <= row_limit:
                        return answer.body, content_type, False
                    return _write(_capped(result, row_limit), key), content_type, True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(f"{self.endpoint} did not answer within {budget:g} s")
        result = query_endpoint(
            self.endpoint,
            prepared,
            row_limit=row_limit,
            **self._options(remaining),
        )
        return _write(result, key), content_type, result.truncated

    @staticmethod
    def _is(answer: _Answer, kind: str, key: str) -> bool:
        """Whether the endpoint answered in the format asked for, in UTF-8."""
        table = MEDIA_TYPES["graph" if kind == "graph" else "results"]
        named = table.get(answer.media_type)
        if named is None and key == "ntriples" and answer.media_type == "text/plain":
            named = "ntriples"
        return named == key and (answer.charset or "utf-8").lower() in ("utf-8", "utf8")

