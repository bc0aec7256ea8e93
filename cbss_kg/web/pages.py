"""Pages for people: the page context, the templates, and the views of results and terms.

Nothing here knows about HTTP: :mod:`cbss_kg.serve` builds a :class:`PageContext` from a request
and hands the rendered text to its response.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from cbss_kg import __version__
from cbss_kg.namespaces import ONTOLOGY_IRI
from cbss_kg.web import conneg, i18n
from cbss_kg.web.conneg import RDF_FORMATS, Format
from cbss_kg.web.describe import Presenter
from cbss_kg.web.site import Site


def environment() -> Environment:
    """The Jinja2 environment of the pages: autoescaped, with a thousands filter."""
    environment = Environment(
        loader=PackageLoader("cbss_kg", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["thousands"] = lambda n: f"{n:,}".replace(",", "\u202f")
    return environment


@dataclass
class PageContext:
    """What every page needs: the language, how to write links, and the site."""

    path: str
    """The path of the page (for the language switch)."""
    query: tuple[tuple[str, str], ...]
    """The page's query-string arguments, in order."""
    site: Site
    lang: str
    explicit: bool
    """Whether the visitor chose the language with ``?lang=`` (then links carry it)."""

    def url(self, path: str, **params: str) -> str:
        """A link to ``path`` that keeps an explicitly chosen language."""
        if self.explicit:
            params = {**params, "lang": self.lang}
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return path + (("&" if "?" in path else "?") + query if query else "") + fragment

    def switch(self, lang: str) -> str:
        """This page in another language."""
        params = [(k, v) for k, v in self.query if k != "lang"]
        params.append(("lang", lang))
        return self.path + "?" + urllib.parse.urlencode(params)

    def text(self, key: str, **values: object) -> str:
        return i18n.text(self.lang, key, **values)


class Renderer:
    """Writes pages from the templates in ``cbss_kg/templates``."""

    def __init__(self) -> None:
        self.environment = environment()

    def render(self, name: str, page: PageContext, **values: Any) -> str:
        template = self.environment.get_template(name)
        return template.render(
            page=page,
            t=page.text,
            url=page.url,
            lang=page.lang,
            site=page.site,
            languages=i18n.LANGUAGES,
            language_names=i18n.LANGUAGE_NAMES,
            version=__version__,
            **values,
        )


def download_formats(form: str) -> tuple[Format, ...]:
    """The formats offered as download links under a result table."""
    if form == "graph":
        return (conneg.TURTLE, conneg.JSON_LD, conneg.N_TRIPLES)
    return (conneg.CSV, conneg.SPARQL_JSON, conneg.TSV)


@dataclass
class Table:
    """A result for a page: column names and rows of links and texts (``None``: unbound)."""

    columns: list[str]
    rows: list[list[Any]]


def results_view(result: Any, presenter: Presenter) -> Table:
    """A query result as a table of links and texts."""
    if result.form == "select":
        presenter.fetch(value for row in result.rows for value in row.values())
        rows = [
            [presenter.node(row[v]) if v in row else None for v in result.variables]
            for row in result.rows
        ]
        return Table(list(result.variables), rows)
    if result.form == "graph":
        columns = [i18n.text(presenter.lang, k) for k in ("subject", "predicate", "object")]
        presenter.fetch(term for triple in result.triples for term in triple)
        rows = [
            [presenter.node(s), presenter.iri(str(p), term=True), presenter.node(o)]
            for s, p, o in result.triples
        ]
        return Table(columns, rows)
    return Table([], [])


def graph_query(graph: str) -> str:
    """A query listing the statements of one named graph (linked from a graph's page)."""
    return f"SELECT ?s ?p ?o WHERE {{\n  GRAPH <{graph}> {{ ?s ?p ?o }}\n}}\nORDER BY ?s ?p ?o\n"


def ontology_listing(ontology: Graph, renderer: Renderer) -> Callable[[PageContext], str]:
    """The built-in page for the ontology: its classes and properties with labels and definitions.

    Used when no richer documentation is plugged in with ``create_app(ontology_page=...)``.
    """
    sections = (
        ("ontology_classes", (OWL.Class, RDFS.Class)),
        ("ontology_properties",
         (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)),
        ("ontology_datatypes", (RDFS.Datatype,)),
    )

    def terms(classes: tuple[URIRef, ...]) -> list[URIRef]:
        found = {s for c in classes for s in ontology.subjects(RDF.type, c)}
        return sorted((s for s in found if isinstance(s, URIRef)), key=str)

    def texts(subject: URIRef, predicate: URIRef) -> dict[str, str]:
        return {
            o.language or "": str(o)
            for o in ontology.objects(subject, predicate)
            if isinstance(o, Literal)
        }

    def render(page: PageContext) -> str:
        presenter = Presenter(page.site, page.lang, page.url)

        def links(term: URIRef, *predicates: URIRef) -> list[Any]:
            return [
                presenter.iri(str(o), term=True)
                for predicate in predicates
                for o in ontology.objects(term, predicate)
                if isinstance(o, URIRef)
            ]

        def entry(term: URIRef) -> dict[str, Any]:
            return {
                "iri": str(term),
                "anchor": str(term).rpartition("#")[2] or str(term).rpartition("/")[2],
                "labels": texts(term, RDFS.label),
                "definitions": texts(term, SKOS.definition) or texts(term, RDFS.comment),
                "parents": links(term, RDFS.subClassOf, RDFS.subPropertyOf),
                "domain": links(term, RDFS.domain),
                "range": links(term, RDFS.range),
            }

        return renderer.render(
            "ontology.html",
            page,
            sections=[(key, [entry(t) for t in terms(classes)]) for key, classes in sections],
            ontology_iri=ONTOLOGY_IRI,
            formats=[(f.label, f"/ontology.{f.suffix}", f.media_type) for f in RDF_FORMATS],
        )

    return render


def source_listing(graph: Graph, renderer: Renderer, title: str) -> Callable[[PageContext], str]:
    """A page showing a whole graph as Turtle (the SHACL shapes), with links to its formats."""
    turtle = graph.serialize(format="turtle")

    def render(page: PageContext) -> str:
        return renderer.render(
            "source.html",
            page,
            title=page.text(title),
            turtle=turtle,
            formats=[(f.label, f"{page.path}.{f.suffix}", f.media_type) for f in RDF_FORMATS],
        )

    return render
