"""Helpers of the linked-data server that need no web framework.

:mod:`cbss_kg.serve` is the only module that imports starlette and uvicorn; everything here works on
plain values (strings, rdflib terms, query results) so it can be tested without a server:
content negotiation (:mod:`.conneg`), languages and dates (:mod:`.i18n`), what the site knows about
its release (:mod:`.site`), descriptions of things (:mod:`.describe`), the SPARQL service
description (:mod:`.service`) and the OpenAPI description of the named queries (:mod:`.openapi`).
"""
