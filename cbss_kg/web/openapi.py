"""An OpenAPI 3.1 description of the named queries, generated from their ``#+`` headers.

Each competency query is ``GET /api/<name>``; its parameters become query-string parameters with
the type, default and description the header gives, and its answers are the SPARQL results
formats (or RDF formats for a CONSTRUCT) chosen by ``Accept`` or ``format=``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from cbss_kg import __version__
from cbss_kg.web.conneg import RDF_FORMATS, RESULT_FORMATS

_SCHEMAS: Mapping[str, Mapping[str, Any]] = {
    "iri": {"type": "string", "format": "iri"},
    "xsd:date": {"type": "string", "format": "date"},
    "xsd:gYear": {"type": "string", "pattern": "^-?[0-9]{4,}$"},
    "xsd:gYearMonth": {"type": "string", "pattern": "^-?[0-9]{4,}-[0-9]{2}$"},
    "xsd:string": {"type": "string"},
    "xsd:integer": {"type": "integer"},
    "xsd:decimal": {"type": "number"},
    "xsd:boolean": {"type": "boolean"},
    "lang:lv": {"type": "string", "description": "text in Latvian"},
    "lang:en": {"type": "string", "description": "text in English"},
}

_ERROR = {
    "description": "",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
        "text/plain": {"schema": {"type": "string"}},
    },
}


def _schema(param: Any) -> dict[str, Any]:
    schema = dict(_SCHEMAS.get(param.type, {"type": "string"}))
    if param.default is not None:
        default: Any = param.default
        if schema.get("type") == "integer":
            with contextlib.suppress(ValueError):
                default = int(default)
        elif schema.get("type") == "boolean":
            default = str(default).lower() == "true"
        schema["default"] = default
    return schema


def _operation_id(name: str) -> str:
    return "".join(part.capitalize() if i else part for i, part in enumerate(name.split("-")))


def _error(description: str) -> dict[str, Any]:
    return {**_ERROR, "description": description}


def openapi(
    queries: Mapping[str, Any], server_url: str, *, title: str, description: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``queries`` (name → :class:`cbss_kg.queries.Query`)."""
    paths: dict[str, Any] = {}
    for name, query in sorted(queries.items()):
        graph = query.form in ("construct", "describe")
        formats = RDF_FORMATS if graph else RESULT_FORMATS
        parameters = []
        for param in query.params:
            entry: dict[str, Any] = {
                "name": param.name,
                "in": "query",
                "required": bool(param.required and param.default is None),
                "schema": _schema(param),
            }
            text = param.description or ""
            if param.type.startswith(("xsd:", "lang:")) or param.type == "iri":
                text = f"{text} ({param.type})".strip()
            entry["description"] = text
            parameters.append(entry)
        parameters.append(
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "overrides the Accept header",
                "schema": {
                    "type": "string",
                    "enum": sorted({f.name for f in formats} | ({"ttl"} if graph else set())),
                },
            }
        )
        content = {f.media_type: {} for f in formats}
        if not graph:
            content["application/sparql-results+json"] = {
                "schema": {"$ref": "#/components/schemas/SparqlResults"}
            }
        paths[f"/api/{name}"] = {
            "get": {
                "operationId": _operation_id(name),
                "summary": query.summary,
                "description": query.description or query.summary,
                "tags": list(query.tags) or ["queries"],
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "the answer; X-Result-Truncated: true when it was cut at "
                        "the row limit",
                        "headers": {
                            "X-Result-Truncated": {"schema": {"type": "string", "enum": ["true"]}}
                        },
                        "content": content,
                    },
                    "400": _error("a parameter is missing, unknown or not of its type"),
                    "406": _error("none of the formats in Accept is available"),
                    "503": _error("the query ran out of its time budget and was stopped"),
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": __version__,
            "description": description,
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "description": "what kind of error"},
                        "message": {"type": "string", "description": "what is wrong, in words"},
                    },
                },
                "SparqlResults": {
                    "type": "object",
                    "description": "SPARQL 1.1 Query Results JSON Format",
                    "properties": {
                        "head": {
                            "type": "object",
                            "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                        },
                        "results": {
                            "type": "object",
                            "properties": {
                                "bindings": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                        "boolean": {"type": "boolean"},
                    },
                },
            }
        },
    }
