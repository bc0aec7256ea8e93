"""Framed JSON-LD views of things, for web developers who want a tree rather than a graph.

A project comes with its participants (each membership with its member and role), funders,
outputs and outcomes embedded; a state with its memberships; the council with its units and
members (:data:`cbss_kg.jsonld.VIEWS`). A client asks for one in either of two ways:

* ``?view=framed`` on the JSON-LD of a thing: ``/id/project/strom.jsonld?view=framed``;
* a profile in ``Accept``:
  ``application/ld+json; profile="https://w3id.org/cbss-kg/frames/project"`` (or the JSON-LD
  standard's ``http://www.w3.org/ns/json-ld#framed``, meaning the thing's own view).

The answer names its view in ``Content-Type`` (``profile=``) and in a ``Link: rel="profile"``.
Views are framed from the release's asserted graph (``cbss-kg.ttl``, what ``cbss-kg.jsonld``
holds: no inferred statements), read once, and each framed document is kept once made.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rdflib import Graph

from cbss_kg import jsonld
from cbss_kg.load import parse_file
from cbss_kg.namespaces import BASE, CBSS, ID, SDO

FRAMES = BASE + "frames/"
"""Where the profile IRIs of the views live: ``…/frames/project``."""

JSONLD_FRAMED = "http://www.w3.org/ns/json-ld#framed"
"""The JSON-LD 1.1 profile for framed documents in general."""

COUNCIL = str(ID["org/cbss"])

_VIEW_OF_TYPE = {
    str(CBSS.State): "state",
    str(CBSS.Project): "project",
    str(SDO.Project): "project",
}


def profile(view: str) -> str:
    """The profile IRI of a view."""
    return FRAMES + view


class FramedViews:
    """The framed views of one release."""

    def __init__(self, graph_file: Path, context: Mapping[str, Any] | None) -> None:
        self.graph_file = graph_file
        self.context = context
        self._graph: Graph | None = None
        self._documents: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def view_of(self, iri: str, types: Iterable[str]) -> str | None:
        """The view a thing has: ``council`` for the council, ``state`` for a state,
        ``project`` for a project; ``None`` for anything else (or without a context)."""
        if self.context is None:
            return None
        if iri == COUNCIL:
            return "council"
        return next((_VIEW_OF_TYPE[t] for t in types if t in _VIEW_OF_TYPE), None)

    def requested(self, view: str, wanted: Iterable[str]) -> bool:
        """Whether the profiles a client asked for (``Accept``) include this view."""
        return any(p in (profile(view), JSONLD_FRAMED) for p in wanted)

    def document(self, view: str, iri: str) -> bytes:
        """The framed view of ``iri`` as JSON-LD text (it refers to the published context by
        its IRI, like every JSON-LD answer of the server).

        Raises:
            JsonLdError: the release says nothing about ``iri``.
        """
        key = (view, iri)
        with self._lock:
            if key not in self._documents:
                if self._graph is None:
                    self._graph = Graph()
                    parse_file(self.graph_file, self._graph)
                framed = jsonld.frame_view(self._graph, view, iri, self.context or {})
                self._documents[key] = jsonld.dumps(framed).encode("utf-8")
            return self._documents[key]
