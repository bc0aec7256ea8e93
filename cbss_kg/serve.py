"""The linked-data server: SPARQL endpoint, named-query API, dereferenceable IRIs, pages, downloads.

The only module that imports starlette and uvicorn. It serves one immutable release, read-only:

* ``/sparql`` speaks the SPARQL 1.1 Protocol (GET, POST form, POST ``application/sparql-query``),
  answers a bare GET with the Service Description (or the query page for a browser), and refuses
  updates.
* ``/api/<name>`` runs a competency query with its parameters bound as RDF terms; ``/api`` lists
  them and ``/api/openapi.json`` describes them.
* Every IRI under the base IRI answers at the same path: HTML for people, RDF by content
  negotiation or a suffix (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.trig``, ``.html``), with
  ETag and Last-Modified from the release. A project, a state and the council also answer as a
  framed JSON-LD tree (``.jsonld?view=framed``, or a profile in ``Accept``; see
  :mod:`cbss_kg.web.framed`).
* ``/``, ``/query``, ``/downloads``, ``/download/<file>``, ``/.well-known/void``, ``/health``.

Defences are on by default: queries run in the store's worker processes under a time budget and a
row cap, store calls never run on the event loop, request bodies are capped, downloads come from a
fixed mapping, and no request ever makes the server reach the network.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from importlib import resources
from pathlib import Path
from typing import Any

import uvicorn
from rdflib import Graph, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from cbss_kg import __version__, docs, gsp, jsonld
from cbss_kg.config import Project
from cbss_kg.jsonld import JsonLdError
from cbss_kg.load import parse_file
from cbss_kg.namespaces import GRAPH, ID, ONTOLOGY_IRI
from cbss_kg.queries import ParameterError, Query, bind, load_catalog, tokenize
from cbss_kg.queries import query_form as _form
from cbss_kg.remote import RemoteStore
from cbss_kg.store import (
    EmbeddedStore,
    QueryError,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    check_syntax,
)
from cbss_kg.web import conneg, framed, i18n
from cbss_kg.web.cache import AnswerCache, CachedAnswer, answer_key
from cbss_kg.web.conneg import HTML, JSON_LD, RDF_FORMATS, RESULT_FORMATS, Format
from cbss_kg.web.describe import INFERRED, Description, Presenter, describe, schema_org, serialize
from cbss_kg.web.figures import Figure
from cbss_kg.web.framed import FramedViews
from cbss_kg.web.openapi import openapi
from cbss_kg.web.pages import (
    PageContext,
    Renderer,
    download_formats,
    graph_query,
    ontology_listing,
    results_view,
    source_listing,
)
from cbss_kg.web.service import service_description
from cbss_kg.web.site import FILE_DESCRIPTIONS, Settings, Site, load_site

log = logging.getLogger("cbss_kg.serve")

PLAIN = Format("text", "text/plain", (), None, "text")
JSON = Format(
    "json",
    "application/json",
    ("application/sparql-results+json", "application/ld+json", "application/problem+json"),
    None,
    "JSON",
)
ERROR_FORMATS = (PLAIN, JSON, HTML)
"""What an error is written in; plain text unless the client prefers JSON or HTML."""

MAX_FIELDS = 100
"""Form fields a POST may have (a query needs a handful)."""

STATIC_FILES = {
    "style.css": "text/css; charset=utf-8",
    "query.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


def page_csp(style_sources: Iterable[str] = ()) -> str:
    """The pages' Content-Security-Policy; ``style_sources`` are the hashes of the ``<style>``
    elements of the pictures a page holds inline (:class:`cbss_kg.web.figures.Figure`)."""
    styles = " ".join(["'self'", *sorted(set(style_sources))])
    return (
        f"default-src 'none'; style-src {styles}; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


PAGE_CSP = page_csp()
DOC_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

_SUFFIXES = {f.suffix: f for f in (*RDF_FORMATS, HTML)}
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


class BodyTooLarge(Exception):
    """The request body is larger than the server accepts."""


class Problem(Exception):
    """An error to answer with: an HTTP status, a kind and a message in plain words."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        iri: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = dict(headers or {})
        self.iri = iri
        """The IRI nothing is known about, for a page that says so in its own language."""


def html_response(
    body: str, status: int = 200, headers: Mapping[str, str] | None = None, csp: str = PAGE_CSP
) -> Response:
    headers = {"Content-Security-Policy": csp, **(headers or {})}
    return Response(body, status, headers=headers, media_type="text/html; charset=utf-8")


# Request helpers ------------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing anything longer than ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge
        except ValueError as exc:
            raise Problem(400, "bad-request", "Content-Length is not a number") from exc
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _charset(request: Request) -> str:
    match = re.search(r"charset=([A-Za-z0-9._-]+)", request.headers.get("content-type", ""))
    return match.group(1) if match else "utf-8"


@dataclass
class SparqlRequest:
    """A SPARQL Protocol operation, whatever way it came."""

    query: str | None
    update: bool
    default_graphs: list[str]
    named_graphs: list[str]
    formats: list[str]


async def sparql_request(request: Request, limit: int) -> SparqlRequest:
    """Gather query, dataset and format from the URL and, for POST, the body.

    Raises:
        Problem: several queries, an unsupported body type, or a body that is not UTF-8.
    """
    params: list[tuple[str, str]] = list(request.query_params.multi_items())
    body_query: str | None = None
    update = False
    if request.method == "POST":
        kind = _media_type(request)
        body = await read_body(request, limit)
        try:
            text = body.decode(_charset(request))
        except (UnicodeDecodeError, LookupError) as exc:
            raise Problem(400, "bad-request", "the request body is not valid UTF-8") from exc
        if kind == "application/x-www-form-urlencoded":
            try:
                params += urllib.parse.parse_qsl(
                    text, keep_blank_values=True, max_num_fields=MAX_FIELDS
                )
            except ValueError as exc:
                raise Problem(400, "bad-request", f"more than {MAX_FIELDS} form fields") from exc
        elif kind == "application/sparql-query":
            body_query = text
        elif kind == "application/sparql-update":
            update = True
        else:
            raise Problem(
                415,
                "unsupported-media-type",
                "POST a query as application/x-www-form-urlencoded (query=...) or as "
                "application/sparql-query",
            )
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    if "update" in values:
        update = True
    queries = values.get("query", [])
    if body_query is not None:
        queries = [body_query, *queries]
    if len(queries) > 1:
        raise Problem(400, "bad-request", "give exactly one query")
    return SparqlRequest(
        query=queries[0] if queries else None,
        update=update,
        default_graphs=values.get("default-graph-uri", []),
        named_graphs=values.get("named-graph-uri", []),
        formats=values.get("format", []),
    )


def choose_format(
    request: Request, offers: Sequence[Format], *, graph: bool, formats: Sequence[str] | None = None
) -> Format:
    """The representation to send: ``format=`` if given, else the best match for ``Accept``.

    Raises:
        Problem: 406 when nothing the client accepts is on offer.
    """
    if formats is None:
        formats = request.query_params.getlist("format")
    try:
        chosen = conneg.override(formats, offers, graph=graph)
    except conneg.UnknownFormat as exc:
        raise Problem(406, "not-acceptable", str(exc)) from exc
    if chosen is None:
        chosen = conneg.negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        names = ", ".join(f.media_type for f in offers)
        raise Problem(
            406,
            "not-acceptable",
            f"none of the requested media types is available; "
            f"this resource is available as: {names}",
        )
    return chosen


def page_context(request: Request) -> PageContext:
    lang, explicit = i18n.choose_language(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    return PageContext(
        path=request.url.path,
        query=tuple(request.query_params.multi_items()),
        site=request.app.state.site,
        lang=lang,
        explicit=explicit,
    )


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    candidates = [c.strip() for c in header.split(",")]
    return any(c.removeprefix("W/") == etag for c in candidates)


def not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """Whether the client's copy is current (If-None-Match first, else If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return parsedate_to_datetime(since) >= last_modified
        except (TypeError, ValueError):
            return False
    return False


def cache_headers(site: Site, etag: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": format_datetime(site.last_modified, usegmt=True),
        "Cache-Control": "public, no-cache",
    }


async def conditional(
    request: Request,
    site: Site,
    etag: str,
    headers: Mapping[str, str],
    make: Callable[[], Response],
) -> Response:
    """Answer 304 when the client has this representation, else ``make()`` with caching headers.

    ``make`` runs in a worker thread: a page may wait for the store (names looked up, a
    picture's view run), and the event loop keeps answering others meanwhile.
    """
    all_headers = {**cache_headers(site, etag), **headers}
    if not_modified(request, etag, site.last_modified):
        return Response(status_code=304, headers=all_headers)
    response = await run_in_threadpool(make)
    response.headers.update(all_headers)
    return response


# Errors ---------------------------------------------------------------------------------------


def error_response(request: Request, problem: Problem) -> Response:
    """An error in the client's terms: plain text, JSON, or a page for a browser."""
    fmt = conneg.negotiate(request.headers.get("accept"), ERROR_FORMATS) or PLAIN
    headers = dict(problem.headers)
    if fmt is HTML:
        page = page_context(request)
        title_key = "not_found_title" if problem.status == 404 else "error_title"
        body = request.app.state.renderer.render(
            "error.html",
            page,
            status=problem.status,
            title=page.text(title_key),
            message=page.text("not_found", iri=problem.iri) if problem.iri else problem.message,
        )
        return html_response(body, problem.status, headers)
    if fmt is JSON:
        return JSONResponse(
            {"error": problem.kind, "message": problem.message}, problem.status, headers=headers
        )
    return Response(
        problem.message + "\n",
        problem.status,
        headers=headers,
        media_type="text/plain; charset=utf-8",
    )


def query_problem(exc: Exception, timeout: float) -> Problem:
    """The answer to a failed query, by what went wrong."""
    if isinstance(exc, QuerySyntaxError):
        return Problem(400, "syntax", f"the query is not valid SPARQL: {exc}")
    if isinstance(exc, QueryRejected):
        return Problem(403, "rejected", str(exc))
    if isinstance(exc, QueryTimeout):
        return Problem(
            503,
            "timeout",
            f"the query ran longer than its time budget of {timeout:g} s and was stopped",
        )
    if isinstance(exc, ParameterError):
        return Problem(400, "parameter", str(exc))
    return Problem(500, "query-failed", f"the query could not be answered: {exc}")


READ_ONLY = Problem(
    403,
    "read-only",
    "this endpoint is read-only: SPARQL Update is not accepted (the graph is published as "
    "immutable releases)",
)


def query_form(text: str) -> str | None:
    """select, ask, construct, describe or update; ``None`` when the store's parser must say why."""
    return _form(tokenize(text))


def _wrap(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Turn :class:`Problem` and oversized bodies into proper answers."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Problem as problem:
            return error_response(request, problem)
        except BodyTooLarge:
            limit = request.app.state.site.settings.max_body
            return error_response(
                request, Problem(413, "too-large", f"the request body is larger than {limit} bytes")
            )

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


# Running queries ------------------------------------------------------------------------------


@dataclass
class Answer:
    """A query's answer as the store wrote it."""

    body: bytes
    media_type: str
    truncated: bool
    cached: bool | None = None
    """Whether it came from the answer cache; ``None`` when the cache is off."""


async def run_serialized(
    request: Request,
    text: str,
    fmt: Format,
    *,
    bindings: Mapping[str, Any] | None = None,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> Answer:
    """Run a query from a worker thread (the store's worker process does the work), serialized.

    A repeated query is answered from the answer cache; a new answer is put there, an error never.
    """
    site: Site = request.app.state.site
    store: EmbeddedStore = request.app.state.store
    cache: AnswerCache = request.app.state.cache
    dataset_given = bool(default_graphs or named_graphs)
    key = answer_key(
        text,
        media_type=fmt.media_type,
        bindings=bindings,
        row_limit=site.settings.row_limit,
        union_default_graph=not dataset_given,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
    )
    kept = cache.get(key)
    if kept is not None:
        return Answer(kept.body, kept.media_type, kept.truncated, cached=True)
    try:
        body, media_type, truncated = await run_in_threadpool(
            store.query_serialized,
            text,
            media_type=fmt.media_type,
            bindings=bindings,
            timeout=site.settings.timeout,
            row_limit=site.settings.row_limit,
            union_default_graph=not dataset_given,
            default_graphs=tuple(default_graphs),
            named_graphs=tuple(named_graphs),
        )
    except (QueryError, ParameterError) as exc:
        raise query_problem(exc, site.settings.timeout) from exc
    cache.put(key, CachedAnswer(body, media_type, truncated))
    return Answer(body, media_type, truncated, cached=False if cache.enabled else None)


async def run_result(
    request: Request, text: str, *, bindings: Mapping[str, Any] | None = None
) -> Any:
    """Run a query for a page: the result as rdflib terms, capped like any other answer."""
    site: Site = request.app.state.site
    store: EmbeddedStore = request.app.state.store
    try:
        return await run_in_threadpool(
            store.query,
            text,
            bindings=bindings,
            timeout=site.settings.timeout,
            row_limit=site.settings.row_limit,
        )
    except (QueryError, ParameterError) as exc:
        raise query_problem(exc, site.settings.timeout) from exc


def answer_response(answer: Answer) -> Response:
    """A query's answer as the store wrote it, saying whether the row cap cut it (and, when the
    answer cache is on, whether the answer came from it)."""
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers["X-Result-Truncated"] = "true"
    if answer.cached is not None:
        headers["X-Cache"] = "hit" if answer.cached else "miss"
    return Response(answer.body, 200, headers=headers, media_type=answer.media_type)


def offers_for(form: str | None) -> tuple[Format, ...]:
    """What an answer to a query of ``form`` can be written in, a page for people included."""
    return (*(RDF_FORMATS if conneg.is_graph_form(form) else RESULT_FORMATS), HTML)


# The SPARQL endpoint --------------------------------------------------------------------------


async def sparql(request: Request) -> Response:
    """The SPARQL 1.1 Protocol: query by GET or POST, Service Description on a bare GET."""
    site: Site = request.app.state.site
    operation = await sparql_request(request, site.settings.max_body)
    if operation.update:
        if request.method == "GET":
            raise Problem(400, "read-only", READ_ONLY.message + "; and updates never come by GET")
        raise READ_ONLY
    if operation.query is None:
        if request.method == "POST":
            raise Problem(
                400,
                "bad-request",
                "no query given: send query=... or a application/sparql-query body",
            )
        return describe_service(request, operation.formats)
    form = query_form(operation.query)
    if form == "update":
        raise READ_ONLY
    offers = offers_for(form)
    try:
        fmt = choose_format(
            request, offers, graph=conneg.is_graph_form(form), formats=operation.formats
        )
    except Problem:
        await check_query(request, operation.query)
        raise
    if fmt is HTML:
        response = await query_page(request, operation.query)
        response.headers["Vary"] = "Accept"
        return response
    answer = await run_serialized(
        request,
        operation.query,
        fmt,
        default_graphs=operation.default_graphs,
        named_graphs=operation.named_graphs,
    )
    return answer_response(answer)


async def check_query(request: Request, text: str) -> None:
    """Raise the 400 of a malformed query or the 403 of a refused one, before any 406.

    Runs the query for at most its first row under the usual budget; reached only when no
    format the client accepts fits the query.
    """
    site: Site = request.app.state.site
    try:
        await run_in_threadpool(
            request.app.state.store.query, text, timeout=site.settings.timeout, row_limit=0
        )
    except (QuerySyntaxError, QueryRejected) as exc:
        raise query_problem(exc, site.settings.timeout) from exc
    except QueryError:
        return


def describe_service(request: Request, formats: Sequence[str]) -> Response:
    site: Site = request.app.state.site
    fmt = choose_format(request, (*RDF_FORMATS, HTML), graph=True, formats=formats)
    if fmt is HTML:
        response = query_page_sync(request, None)
        response.headers["Vary"] = "Accept"
        return response
    endpoint = str(request.url.replace(query="", fragment=""))
    graph = service_description(endpoint, site)
    return Response(
        _serialize_graph(graph, fmt), headers={"Vary": "Accept"}, media_type=_content_type(fmt)
    )


def _content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith("text/") or fmt.media_type in (
        "application/ld+json",
        "application/n-triples",
        "application/trig",
        "application/rdf+xml",
    )
    return fmt.media_type + ("; charset=utf-8" if textual else "")


def _serialize_graph(
    graph: Graph,
    fmt: Format,
    context: Mapping[str, Any] | None = None,
    *,
    root: str | None = None,
) -> bytes:
    """A whole graph in ``fmt``. JSON-LD uses the published ``context`` when there is one: with
    ``root`` (a dataset) as a VoID/DCAT tree, else compacted; IRIs stay absolute."""
    names = {
        "turtle": "turtle",
        "jsonld": "json-ld",
        "nt": "nt",
        "rdfxml": "pretty-xml",
        "trig": "trig",
    }
    if fmt.name == "jsonld" and context is not None:
        document = None
        if root is not None:
            try:
                document = jsonld.frame_dataset(graph, root, context)
            except JsonLdError:
                document = None  # not everything hangs from the dataset; the flat form keeps it
        if document is None:
            document = jsonld.compact_graph(graph, context, embed_context=False,
                                            local={"@base": None})
        return jsonld.dumps(document).encode("utf-8")
    if fmt.name == "jsonld":
        prefixes = {p: str(ns) for p, ns in graph.namespaces()}
        return graph.serialize(
            format="json-ld", context=prefixes, auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=names[fmt.name], encoding="utf-8")


# The query page -------------------------------------------------------------------------------


async def query_route(request: Request) -> Response:
    """The query editor; with ``query=`` it runs the query and shows the results as a table."""
    text = request.query_params.get("query")
    return await query_page(request, text)


def _example_text(request: Request) -> str | None:
    site: Site = request.app.state.site
    example = site.examples.get(request.query_params.get("example", ""))
    return example.text if example else None


DEFAULT_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>

SELECT ?state ?name WHERE {
  ?state a cbss:State ;
         skos:prefLabel ?name .
  FILTER(lang(?name) = "en")
}
ORDER BY ?name
"""


def query_page_sync(request: Request, text: str | None) -> Response:
    """The query editor without results: the given text, an example, or a first query."""
    page = page_context(request)
    editor = text if text is not None else (_example_text(request) or DEFAULT_QUERY)
    body = request.app.state.renderer.render("query.html", page, query=editor, ran=False)
    return html_response(body)


async def query_page(request: Request, text: str | None) -> Response:
    if text is None or not text.strip():
        return query_page_sync(request, None)
    site: Site = request.app.state.site
    form = query_form(text)
    if form == "update":
        return _query_page_error(request, text, READ_ONLY)
    try:
        result = await run_result(request, text)
    except Problem as problem:
        return _query_page_error(request, text, problem)
    page = page_context(request)
    table = await run_in_threadpool(results_view, result, Presenter(site, page.lang, page.url))
    downloads = [
        (f.label, "/sparql?" + urllib.parse.urlencode({"query": text, "format": f.name}))
        for f in download_formats(result.form)
    ]
    body = await run_in_threadpool(
        request.app.state.renderer.render,
        "query.html",
        page,
        query=text,
        ran=True,
        result=result,
        table=table,
        downloads=downloads,
    )
    headers = {"X-Result-Truncated": "true"} if result.truncated else {}
    return html_response(body, 200, headers)


def _query_page_error(request: Request, text: str, problem: Problem) -> Response:
    page = page_context(request)
    body = request.app.state.renderer.render(
        "query.html",
        page,
        query=text,
        ran=True,
        problem=problem,
    )
    return html_response(body, problem.status, problem.headers)


# Named queries --------------------------------------------------------------------------------


def _query_summary(query: Query) -> dict[str, Any]:
    return {
        "name": query.name,
        "summary": query.summary,
        "form": query.form,
        "tags": list(query.tags),
        "url": f"/api/{query.name}",
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "description": p.description,
                "default": p.default,
                "required": bool(p.required and p.default is None),
            }
            for p in query.params
        ],
    }


async def api_index(request: Request) -> Response:
    """The named queries: JSON for programs, a page for people."""
    site: Site = request.app.state.site
    fmt = choose_format(request, (JSON, HTML), graph=False, formats=[])
    if fmt is HTML:
        page = page_context(request)
        body = request.app.state.renderer.render("api.html", page, queries=site.queries.values())
        return html_response(body, headers={"Vary": "Accept"})
    listing = {
        "openapi": "/api/openapi.json",
        "queries": [_query_summary(q) for q in site.queries.values()],
    }
    return JSONResponse(listing, headers={"Vary": "Accept"})


async def frame_profile(request: Request) -> Response:
    """The profile IRI of a framed view (``/frames/project``): what the view embeds and how to
    ask for it; JSON for programs, a page for people."""
    site: Site = request.app.state.site
    name = request.path_params["name"]
    view = jsonld.VIEWS.get(name)
    if view is None:
        names = ", ".join(jsonld.view_names())
        raise Problem(404, "not-found", f"there is no framed view {name!r}; the views are {names}")
    fmt = choose_format(request, (JSON, HTML), graph=False, formats=[])
    examples = {
        "council": framed.COUNCIL,
        "state": next((iri for iri, _ in site.lists.get("states", [])), None),
        "project": next((iri for iri, _ in site.lists.get("projects", [])), None),
    }
    example = site.local_path(examples[name]) if examples.get(name) else None
    described = {
        "profile": framed.profile(name),
        "view": name,
        "summary": view.summary,
        "embeds": sorted([*view.forward, *view.backward]),
        "example": f"{example}.jsonld?view=framed" if example else None,
    }
    headers = {"Vary": "Accept"}
    if fmt is HTML:
        body = request.app.state.renderer.render("frame.html", page_context(request), **described)
        return html_response(body, headers=headers)
    return JSONResponse(described, headers=headers)


async def api_openapi(request: Request) -> Response:
    site: Site = request.app.state.site
    document = openapi(
        site.queries,
        str(request.base_url).rstrip("/"),
        title="CBSS knowledge graph — named queries",
        description=i18n.text("en", "api_intro"),
    )
    return JSONResponse(document)


async def api_query(request: Request) -> Response:
    """One named query: its parameters from the query string, bound as RDF terms."""
    site: Site = request.app.state.site
    query = site.queries.get(request.path_params["name"])
    if query is None:
        raise Problem(
            404,
            "not-found",
            f"there is no named query {request.path_params['name']!r}; see /api for the list",
        )
    graph = conneg.is_graph_form(query.form)
    fmt = choose_format(request, offers_for(query.form), graph=graph)
    raw = {k: v for k, v in request.query_params.items() if k not in ("format", "lang")}
    if fmt is HTML:
        return await api_page(request, query, raw)
    try:
        bindings = bind(query, raw)
    except ParameterError as exc:
        raise Problem(400, "parameter", str(exc)) from exc
    answer = await run_serialized(request, query.text, fmt, bindings=bindings)
    return answer_response(answer)


async def api_page(request: Request, query: Query, raw: Mapping[str, str]) -> Response:
    site: Site = request.app.state.site
    page = page_context(request)
    values = {p.name: raw.get(p.name, p.default or "") for p in query.params}
    problem = None
    result = None
    table = None
    try:
        bindings = bind(query, raw)
        result = await run_result(request, query.text, bindings=bindings)
        table = await run_in_threadpool(
            results_view, result, Presenter(site, page.lang, page.url)
        )
    except ParameterError as exc:
        problem = Problem(400, "parameter", str(exc))
    except Problem as exc:
        problem = exc
    downloads = [
        (f.label, page.url(f"/api/{query.name}", **dict(raw), format=f.name))
        for f in download_formats("graph" if conneg.is_graph_form(query.form) else query.form)
    ]
    body = await run_in_threadpool(
        request.app.state.renderer.render,
        "api_query.html",
        page,
        query=query,
        values=values,
        result=result,
        table=table,
        problem=problem,
        downloads=downloads,
    )
    headers = {"Vary": "Accept"}
    if result is not None and result.truncated:
        headers["X-Result-Truncated"] = "true"
    return html_response(body, problem.status if problem else 200, headers)


# Things ---------------------------------------------------------------------------------------


@dataclass
class Document:
    """A resource served from a whole graph rather than a description (the ontology, the shapes)."""

    graph: Graph
    html: Callable[[PageContext], str] | None = None
    """Renders the page for people."""
    csp: str = PAGE_CSP
    """The Content-Security-Policy of that page."""
    root: str | None = None
    """The dataset a VoID description is about: its JSON-LD is a tree from there."""
    written: dict[str, bytes] = field(default_factory=dict)
    """Each format once written (the release never changes while served)."""

    def serialize(self, fmt: Format, context: Mapping[str, Any] | None) -> bytes:
        if fmt.name not in self.written:
            self.written[fmt.name] = _serialize_graph(self.graph, fmt, context, root=self.root)
        return self.written[fmt.name]


async def thing(request: Request) -> Response:
    """Any IRI under the base IRI: a page for people, RDF by negotiation or suffix."""
    site: Site = request.app.state.site
    path = request.scope["path"]
    if not _SAFE_PATH.match(path) or "/../" in path + "/" or "//" in path:
        raise Problem(404, "not-found", "no such page")
    documents: Mapping[str, Document] = request.app.state.documents
    forced: Format | None = None
    target = path
    description = None
    if path not in documents:
        description = await find(request, path)
        stem, dot, suffix = path.rpartition(".")
        if description is None and dot and suffix in _SUFFIXES:
            target, forced = stem, _SUFFIXES[suffix]
            if target not in documents:
                description = await find(request, target)
        if description is None and target not in documents:
            iri = site.iris_of(target)[0]
            raise Problem(404, "not-found", f"the graph says nothing about <{iri}>", iri=iri)
    views: FramedViews = request.app.state.framed
    view = views.view_of(description.iri, description.types()) if description else None
    if "view" in request.query_params:
        return await framed_view(request, target, description, forced, view)
    offers = (*RDF_FORMATS, HTML)
    fmt = forced or choose_format(request, offers, graph=True)
    if fmt is JSON_LD and forced is None and description is not None and view is not None:
        wanted = conneg.profiles(request.headers.get("accept"), JSON_LD.media_type)
        if views.requested(view, wanted):
            return await framed_answer(request, target, description.iri, view, negotiated=True)
    page = page_context(request) if fmt is HTML else None
    headers = {"Vary": "Accept, Accept-Language"} if forced is None else {}
    links = [f'<{target}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in offers]
    if view is not None:
        links.append(
            f'<{target}.jsonld?view=framed>; rel="alternate"; type="{JSON_LD.media_type}"; '
            f'profile="{framed.profile(view)}"'
        )
    headers["Link"] = ", ".join(links)
    if forced is None:
        headers["Content-Location"] = f"{target}.{fmt.suffix}"
    etag = site.etag(target, fmt.name, page.lang if page else "")
    document = documents.get(target)
    if document is not None:
        return await _document(request, site, etag, document, fmt, page, headers)
    assert description is not None
    if page is not None:
        html = page

        def make_page() -> Response:
            figures = site.figures.about(description.iri, html.lang)
            return html_response(
                thing_page(request, html, description, target, figures, view),
                csp=page_csp(f.style_source for f in figures),
            )

        return await conditional(request, site, etag, headers, make_page)
    return await conditional(
        request,
        site,
        etag,
        headers,
        lambda: Response(
            serialize(description, fmt, request.app.state.jsonld_context),
            media_type=_content_type(fmt),
        ),
    )


async def framed_view(
    request: Request,
    target: str,
    description: Description | None,
    forced: Format | None,
    view: str | None,
) -> Response:
    """A thing's framed JSON-LD view, asked for with ``?view=framed`` (see
    :mod:`cbss_kg.web.framed`)."""
    value = request.query_params.get("view")
    if value != "framed":
        raise Problem(
            400,
            "bad-request",
            f"view={value!r} is not known: view=framed gives a project, a state or the council "
            "as one JSON-LD tree",
        )
    if forced is not None and forced is not JSON_LD:
        raise Problem(
            400, "bad-request", f"a framed view is JSON-LD: ask for {target}.jsonld?view=framed"
        )
    if description is None or view is None:
        raise Problem(
            404,
            "not-found",
            "there is no framed view of this; projects, states and the council have one",
        )
    if forced is None:
        choose_format(request, (JSON_LD,), graph=True)
    return await framed_answer(request, target, description.iri, view, negotiated=forced is None)


async def framed_answer(
    request: Request, target: str, iri: str, view: str, *, negotiated: bool
) -> Response:
    """The framed view ``view`` of ``iri``, naming its profile in Content-Type and Link."""
    site: Site = request.app.state.site
    views: FramedViews = request.app.state.framed
    try:
        body = await run_in_threadpool(views.document, view, iri)
    except JsonLdError as exc:
        raise Problem(404, "not-found", str(exc)) from exc
    profile = framed.profile(view)
    headers = {"Link": f'<{profile}>; rel="profile"'}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = f"{target}.jsonld?view=framed"
    media_type = f'{JSON_LD.media_type}; charset=utf-8; profile="{profile}"'
    return await conditional(
        request,
        site,
        site.etag(target, JSON_LD.name, "framed"),
        headers,
        lambda: Response(body, media_type=media_type),
    )


async def find(request: Request, path: str) -> Description | None:
    """The description of the thing a path stands for, or ``None`` if the graph knows nothing."""
    site: Site = request.app.state.site
    for iri in site.iris_of(path):
        description = await run_in_threadpool(describe, request.app.state.store, iri)
        if description.exists or iri in site.graphs:
            return description
    return None


async def _document(
    request: Request,
    site: Site,
    etag: str,
    document: Document,
    fmt: Format,
    page: PageContext | None,
    headers: dict[str, str],
) -> Response:
    if page is not None:
        if document.html is None:
            raise Problem(406, "not-acceptable", "this resource has no HTML page; ask for RDF")
        render, csp, html = document.html, document.csp, page
        return await conditional(
            request, site, etag, headers, lambda: html_response(render(html), csp=csp)
        )
    return await conditional(
        request,
        site,
        etag,
        headers,
        lambda: Response(
            document.serialize(fmt, request.app.state.jsonld_context),
            media_type=_content_type(fmt),
        ),
    )


def _distinct_names(links: Iterable[Any]) -> list[Any]:
    """Links with distinct texts: of two classes with one name (cbss:Project and schema:Project,
    both "Project") the page shows one, this server's own first."""
    chosen: dict[str, Any] = {}
    for link in sorted(links, key=lambda link: not (link.href or "").startswith("/")):
        chosen.setdefault(link.text.casefold(), link)
    return sorted(chosen.values(), key=lambda link: link.text.casefold())


def thing_page(
    request: Request,
    page: PageContext,
    description: Description,
    path: str,
    figures: Sequence[Figure] = (),
    view: str | None = None,
) -> str:
    """The page of a thing; ``view`` names its framed JSON-LD view, if it has one."""
    site = page.site
    presenter = Presenter(site, page.lang, page.url)
    presenter.fetch(
        term
        for quad in description.quads
        for term in (quad.subject, quad.predicate, quad.object, URIRef(quad.graph))
    )
    this = URIRef(description.iri)
    asserted = [q for q in description.outgoing if q.graph != INFERRED]
    asserted_keys = {(q.subject, q.predicate, q.object) for q in asserted}
    inferred = [
        q
        for q in description.outgoing
        if q.graph == INFERRED and (q.subject, q.predicate, q.object) not in asserted_keys
    ]
    incoming = [q for q in description.incoming if q.graph != INFERRED]
    nested = {
        str(quad.subject): presenter.rows(asserted, subject=quad.subject)
        for quad in asserted
        if quad.subject != this
    }
    page_url = str(request.url.replace(query="", fragment=""))
    info = site.graphs.get(description.iri)
    other_names = [
        (lang, name)
        for lang in i18n.LANGUAGES
        if lang != page.lang
        and (name := site.labels.get(description.iri, lang))
        and name != site.labels.label(description.iri, page.lang)
    ]
    return request.app.state.renderer.render(
        "thing.html",
        page,
        iri=description.iri,
        title=site.labels.label(description.iri, page.lang),
        other_names=other_names,
        types=_distinct_names(presenter.iri(t, term=True) for t in description.types()),
        rows=presenter.rows(asserted, subject=this),
        nested=nested,
        inferred=presenter.rows(inferred, subject=this),
        incoming=presenter.rows(incoming, incoming=True),
        formats=[(f.label, f"{path}.{f.suffix}", f.media_type) for f in RDF_FORMATS],
        framed=f"{path}.jsonld?view=framed" if view else None,
        framed_type=f'{JSON_LD.media_type}; profile="{framed.profile(view)}"' if view else None,
        jsonld=schema_org(description, site, page_url),
        figures=figures,
        graph_info=info,
        graph_query=(
            "/query?" + urllib.parse.urlencode({"query": graph_query(description.iri)})
            if info
            else None
        ),
    )


# Home, downloads, VoID, health, static ---------------------------------------------------------


async def home(request: Request) -> Response:
    """The home page; it is also the dataset's IRI, so RDF clients get its VoID description."""
    site: Site = request.app.state.site
    fmt = choose_format(request, (HTML, *RDF_FORMATS), graph=True)
    if fmt is not HTML:
        return await _document(
            request,
            site,
            site.etag("/", fmt.name),
            request.app.state.void,
            fmt,
            None,
            {"Vary": "Accept, Accept-Language", "Content-Location": "/.well-known/void"},
        )
    page = page_context(request)
    etag = site.etag("/", page.lang)

    def entries(key: str) -> list[Any]:
        presenter = Presenter(site, page.lang, page.url)
        presenter.fetch(URIRef(iri) for iri, _ in site.lists.get(key, []))
        items = [(presenter.iri(iri), start) for iri, start in site.lists.get(key, [])]
        if key == "projects":
            return sorted(items, key=lambda item: (item[1] or "9999", item[0].text))
        return sorted(items, key=lambda item: item[0].text)

    def make() -> Response:
        presenter = Presenter(site, page.lang, page.url)
        figures = site.figures.home(page.lang)
        body = request.app.state.renderer.render(
            "home.html",
            page,
            counts=site.void.counts,
            council=presenter.iri(str(ID["org/cbss"])),
            task_force=presenter.iri(str(ID["org/tf-thb"])),
            states=entries("states"),
            projects=entries("projects"),
            title=site.void.titles.get(page.lang),
            description=site.void.descriptions.get(page.lang),
            figures=figures,
        )
        return html_response(body, csp=page_csp(f.style_source for f in figures))

    return await conditional(request, site, etag, {"Vary": "Accept, Accept-Language"}, make)


async def downloads_page(request: Request) -> Response:
    site: Site = request.app.state.site
    page = page_context(request)
    etag = site.etag("/downloads", page.lang)

    def make() -> Response:
        body = request.app.state.renderer.render(
            "downloads.html", page, files=sorted(site.files.values(), key=_download_order)
        )
        return html_response(body)

    return await conditional(request, site, etag, {"Vary": "Accept-Language"}, make)


def _download_order(file: Any) -> tuple[int, str]:
    """The files in the order their descriptions read best (the whole graph first, the
    checksums last), any other after them by name."""
    order = list(FILE_DESCRIPTIONS)
    return (order.index(file.name) if file.name in order else len(order), file.name)


async def download(request: Request) -> Response:
    """A release file, looked up by name in the mapping built at startup."""
    site: Site = request.app.state.site
    file = site.files.get(request.path_params["name"])
    if file is None:
        raise Problem(404, "not-found", "no such file in this release; see /downloads")
    etag = '"' + file.sha256 + '"'
    headers = {"Content-Disposition": f'attachment; filename="{file.name}"'}
    return await conditional(
        request,
        site,
        etag,
        headers,
        lambda: FileResponse(file.path, media_type=file.media_type, stat_result=None),
    )


def _release_context(site: Site) -> dict[str, Any] | None:
    """The release's JSON-LD context (``context.jsonld``), used for every JSON-LD answer."""
    file = site.files.get("context.jsonld")
    if file is None:
        return None
    return json.loads(Path(file.path).read_text(encoding="utf-8"))["@context"]


async def json_ld_context(request: Request) -> Response:
    """The JSON-LD context at its stable IRI (``https://w3id.org/cbss-kg/context.jsonld``)."""
    site: Site = request.app.state.site
    file = site.files.get("context.jsonld")
    if file is None:
        raise Problem(404, "not-found", "this release has no JSON-LD context")
    return await conditional(
        request,
        site,
        '"' + file.sha256 + '"',
        {},
        lambda: FileResponse(file.path, media_type="application/ld+json", stat_result=None),
    )


async def void(request: Request) -> Response:
    site: Site = request.app.state.site
    fmt = choose_format(request, RDF_FORMATS, graph=True)
    etag = site.etag("/.well-known/void", fmt.name)
    return await conditional(
        request,
        site,
        etag,
        {"Vary": "Accept"},
        lambda: Response(
            request.app.state.void.serialize(fmt, request.app.state.jsonld_context),
            media_type=_content_type(fmt),
        ),
    )


async def health(request: Request) -> Response:
    site: Site = request.app.state.site
    return JSONResponse(
        {
            "status": "ready",
            "triples": site.triples,
            "version": __version__,
            "release": site.fingerprint[:16],
        }
    )


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    files: Mapping[str, tuple[bytes, str, str]] = request.app.state.static
    if name not in files:
        raise Problem(404, "not-found", "no such file")
    content, media_type, etag = files[name]
    if _etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        content,
        media_type=media_type,
        headers={"ETag": etag, "Cache-Control": "public, max-age=3600"},
    )


def _load_static() -> dict[str, tuple[bytes, str, str]]:
    import hashlib

    folder = resources.files("cbss_kg") / "static"
    loaded = {}
    for name, media_type in STATIC_FILES.items():
        content = (folder / name).read_bytes()
        loaded[name] = (content, media_type, '"' + hashlib.sha256(content).hexdigest()[:32] + '"')
    return loaded


# Documents: the ontology and the shapes ---------------------------------------------------------


def _read_graph(path: Path) -> Graph:
    graph = Graph()
    if path.is_file():
        parse_file(path, graph)
    return graph


def documents_of(
    site: Site, renderer: Renderer, ontology_page: Callable[[str], str] | None
) -> dict[str, Document]:
    """The resources served whole: the ontology (and its version IRI) and the shapes."""
    ontology = _read_graph(site.release_dir / "ontology.ttl")
    shapes = _read_graph(site.release_dir / "shapes.ttl")
    if ontology_page is None:
        page = Document(ontology, ontology_listing(ontology, renderer))
    else:
        page = Document(ontology, lambda context: ontology_page(context.lang), DOC_CSP)
    documents = {"/ontology": page}
    for version in ontology.objects(URIRef(ONTOLOGY_IRI), OWL.versionIRI):
        local = site.local_path(str(version))
        if local:
            documents[local] = page
    if len(shapes):
        documents["/shapes"] = Document(shapes, source_listing(shapes, renderer, "shapes_title"))
    return documents


# The application ------------------------------------------------------------------------------


class CommonHeaders:
    """ASGI middleware giving every answer ``X-Content-Type-Options: nosniff`` (a download is
    never run as a page or script) and a referrer policy that keeps query texts on this site."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []),
                           (b"x-content-type-options", b"nosniff"),
                           (b"referrer-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    message = "no such page" if status == 404 else str(getattr(exc, "detail", "bad request"))
    return error_response(
        request, Problem(status, "not-found" if status == 404 else "http", message)
    )


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception(
        "unexpected error answering %s %s", request.method, request.url.path, exc_info=exc
    )
    return error_response(
        request,
        Problem(
            500, "internal", "the server failed to answer this request; the error has been logged"
        ),
    )


def create_app(
    store: EmbeddedStore,
    site: Site,
    *,
    ontology_page: Callable[[str], str] | None = None,
) -> Starlette:
    """The ASGI application serving ``site`` from ``store``.

    Args:
        ontology_page: the ontology's HTML page in a language (``"en"``, ``"lv"``), for richer
            generated documentation; by default a listing of classes and properties with their
            labels and definitions.
    """
    renderer = Renderer()
    routes = [
        Route("/", _wrap(home), methods=["GET"]),
        Route("/sparql", _wrap(sparql), methods=["GET", "POST"]),
        Route("/query", _wrap(query_route), methods=["GET"]),
        Route("/api", _wrap(api_index), methods=["GET"]),
        Route("/api/openapi.json", _wrap(api_openapi), methods=["GET"]),
        Route("/api/{name}", _wrap(api_query), methods=["GET"]),
        Route("/downloads", _wrap(downloads_page), methods=["GET"]),
        Route("/download/{name}", _wrap(download), methods=["GET"]),
        Route("/.well-known/void", _wrap(void), methods=["GET"]),
        Route("/health", _wrap(health), methods=["GET"]),
        Route("/context.jsonld", _wrap(json_ld_context), methods=["GET"]),
        Route("/static/{name}", _wrap(static), methods=["GET"]),
        Route("/frames/{name}", _wrap(frame_profile), methods=["GET"]),
        Route("/{path:path}", _wrap(thing), methods=["GET"]),
    ]
    middleware = [
        Middleware(CommonHeaders),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["*"],
            allow_credentials=False,
            expose_headers=[
                "X-Result-Truncated",
                "X-Cache",
                "ETag",
                "Last-Modified",
                "Content-Location",
                "Link",
            ],
            max_age=86400,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: not_found, Exception: server_error},
    )
    app.state.store = store
    app.state.site = site
    app.state.renderer = renderer
    app.state.static = _load_static()
    app.state.documents = documents_of(site, renderer, ontology_page)
    app.state.jsonld_context = _release_context(site)
    app.state.void = Document(
        site.void.graph, root=str(site.void.dataset) if site.void.dataset else None
    )
    app.state.framed = FramedViews(site.release_dir / "cbss-kg.ttl", app.state.jsonld_context)
    app.state.cache = AnswerCache(site.settings.cache_bytes)
    return app


def documentation(site: Site, store: EmbeddedStore | RemoteStore) -> Callable[[str], str]:
    """The ontology's generated documentation (:mod:`cbss_kg.docs`) in a language, with the
    graph's own IRIs linked to this server's pages; rendered when first asked for (its examples
    and counts are asked of the store over every asserted graph but the ontology's, which
    start-up should not wait for) and then kept."""
    pages: dict[str, str] = {}
    ontology: list[Graph] = []  # read once for every language
    lock = threading.Lock()
    not_data = {str(GRAPH["inferred"]), str(GRAPH["ontology"])}  # the build reads neither
    data = [iri for iri in site.graphs if iri not in not_data]

    def href(iri: str) -> str:
        return site.local_path(iri) or iri

    def select(text: str) -> list[dict[str, Node]]:
        result = store.query(text, timeout=None, union_default_graph=False, default_graphs=data)
        return [{name: term for name, term in row.items() if term is not None}
                for row in result.rows]

    def page(lang: str) -> str:
        with lock:
            if lang not in pages:
                if not ontology:
                    ontology.append(_read_graph(site.release_dir / "ontology.ttl"))
                pages[lang] = docs.render_ontology_html(
                    ontology[0], select, lang=lang, href=href, diagram_href="/download/ontology.svg"
                )
            return pages[lang]

    return page


def run(
    project: Project,
    release: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    ontology_page: Callable[[str], str] | None = None,
    store_url: str | None = None,
) -> None:
    """Load a built ``release`` into the embedded store and serve it until interrupted.

    The named queries come from ``project``'s catalogue (kind ``cq``). With ``store_url`` the
    queries go to that SPARQL endpoint instead, once it is shown to hold the release (see
    :func:`cbss_kg.gsp.open_store`); pages and downloads still come from ``release``.
    """
    settings = settings or Settings(base_iri=project.base_iri)
    store: EmbeddedStore | RemoteStore = (
        gsp.open_store(store_url, release) if store_url else EmbeddedStore.open_release(release)
    )
    catalog = load_catalog(project, check_syntax=check_syntax)
    try:
        site = load_site(store, release, settings, catalog)
        app = create_app(store, site, ontology_page=ontology_page or documentation(site, store))
        log.info("serving %d statements from %s", site.triples, store_url or release)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            server_header=False,
            proxy_headers=False,
            limit_concurrency=512,
            timeout_keep_alive=5,
            log_level="info",
        )
        uvicorn.Server(config).run()
    finally:
        store.close()
