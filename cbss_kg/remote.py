"""Run a query on a remote SPARQL endpoint (SPARQLWrapper) and read its answer as a QueryResult.

SPARQLWrapper sends text, so bindings are written into the query by
:func:`cbss_kg.queries.inline_bindings`: each RDF term takes its variable's place, serialized by
rdflib (which escapes anything that could end a term), never a user string pasted in. The client
is polite: it names itself in the User-Agent, waits and retries when the endpoint says it is busy
(429, 503, honouring ``Retry-After``), and gives up after a timeout.

This is the only module that imports SPARQLWrapper.
"""

from __future__ import annotations

import ast
import email.utils
import json
import time
import urllib.error
from collections.abc import Mapping

from rdflib import Graph
from rdflib.term import Node
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from cbss_kg import __version__
from cbss_kg.namespaces import BASE
from cbss_kg.queries import (
    FORMS,
    QueryError,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    inline_bindings,
    query_form,
    tokenize,
)
from cbss_kg.results import QueryResult, from_json

USER_AGENT = f"cbss-kg/{__version__} (+{BASE})"
RETRY_STATUSES = (429, 503)
MAX_WAIT = 30.0
"""The longest pause between two attempts, whatever ``Retry-After`` asks for."""
GET_LIMIT = 2000
"""Longer requests are sent with POST, which every endpoint accepts and no URL length limits."""
GRAPH_PARSERS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
}
"""Graph formats read from an endpoint: text formats only, nothing that could fetch a context."""


class RemoteError(QueryError):
    """The endpoint could not be reached or answered with an error; the message says which."""


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


def _request(
    endpoint: str, text: str, graph: bool, timeout: float, user_agent: str
) -> tuple[bytes, str]:
    client = SPARQLWrapper(endpoint, agent=user_agent)
    client.setQuery(text)
    client.setReturnFormat(TURTLE if graph else JSON)
    client.setOnlyConneg(True)
    if len(endpoint) + len(text) * 3 > GET_LIMIT:
        client.setMethod(POST)
    client.timeout = timeout  # setTimeout() would round it down to whole seconds
    response = client.query().response
    content_type = response.headers.get("Content-Type", "") if response.headers else ""
    return response.read(), content_type.split(";")[0].strip().lower()


def query_endpoint(
    endpoint: str,
    text: str,
    *,
    bindings: Mapping[str, Node] | None = None,
    timeout: float = 30.0,
    user_agent: str = USER_AGENT,
    retries: int = 3,
) -> QueryResult:
    """Run ``text`` on the SPARQL endpoint at ``endpoint``, with ``bindings`` as RDF terms.

    SELECT and ASK answers are read as SPARQL JSON results, CONSTRUCT and DESCRIBE as Turtle.

    Args:
        timeout: seconds to wait for each answer.
        retries: further attempts when the endpoint answers 429 or 503.

    Raises:
        QuerySyntaxError: the endpoint refused the query as malformed (its message included).
        QueryRejected: an update request (this client only reads).
        QueryTimeout: no answer within ``timeout``.
        RemoteError: the endpoint is unreachable, answered with another HTTP error, or sent
            something that is not a results document.
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
    graph = form in ("construct", "describe")

    attempt = 0
    while True:
        try:
            body, content_type = _request(endpoint, text, graph, timeout, user_agent)
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
            raise RemoteError(f"{endpoint} answered HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise QueryTimeout(f"{endpoint} did not answer within {timeout:g} s") from None
            raise RemoteError(f"cannot reach {endpoint}: {error.reason}") from None
        except TimeoutError:
            raise QueryTimeout(f"{endpoint} did not answer within {timeout:g} s") from None
        except (ConnectionError, OSError, ValueError) as error:
            raise RemoteError(f"cannot reach {endpoint}: {error}") from None

    if graph:
        parser = GRAPH_PARSERS.get(content_type)
        if parser is None:
            raise RemoteError(
                f"{endpoint} answered with {content_type or 'no content type'}, not Turtle"
            )
        result_graph = Graph()
        try:
            result_graph.parse(data=body.decode("utf-8"), format=parser)
        except Exception as error:  # any parser's syntax error
            raise RemoteError(f"{endpoint} sent a graph that cannot be read: {error}") from None
        return QueryResult(form="graph", triples=list(result_graph))
    try:
        return from_json(json.loads(body))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RemoteError(f"{endpoint} did not answer with SPARQL JSON results") from None
