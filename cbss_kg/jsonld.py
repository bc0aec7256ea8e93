"""JSON-LD for web developers: the published ``@context``, compaction, framed views, a safe loader.

The context is generated, never hand-edited: every class and property the ontology declares or
refers to (plus the reused terms the data model uses, :data:`VALUE_KINDS`) gets a short key, its
local name, unless :data:`KEY_OVERRIDES` says otherwise or two terms would share a key (then the
term from the namespace listed first in :data:`~cbss_kg.namespaces.PREFIXES` keeps the local name
and the other is prefixed: ``eliTitle``). Property definitions say how values look, so ordinary JSON
comes out: ``"name": {"lv": "…", "en": "…"}`` (a language map), ``"startDate": "1992-03-05"``
(the datatype is in the context), ``"member": "state/LV"`` (an IRI relative to ``@base``, the
``id/`` space).
A value that does not fit its term's definition (a ``gYear`` start date, a label without language)
is written with the full compact IRI as key and an explicit value object, so nothing is lost.

Every JSON-LD operation here runs PyLD with a document loader that resolves only the contexts it
is given (the project's own, by its IRI); any other ``@context`` reference, remote or ``file:``,
is refused with :class:`RemoteContextRefused` before anything is fetched.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyld import jsonld as pyld
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, TIME, XSD

from cbss_kg.namespaces import BASE, CBSS, CV, ELI, PREFIXES, SH

CONTEXT_IRI = BASE + "context.jsonld"
"""The stable IRI the context is published at (the server answers it at ``/context.jsonld``)."""

JSONLD_MEDIA_TYPE = "application/ld+json"

KEY_OVERRIDES: dict[URIRef, str] = {
    SKOS.prefLabel: "name",
    SKOS.altLabel: "altName",
    SDO.startDate: "startDate",
    SDO.endDate: "endDate",
    DCTERMS.title: "title",
    DCTERMS.description: "description",
    DCTERMS.type: "kind",
}
"""Keys that are not the term's local name (``kind`` because ``type`` is the ``@type`` alias)."""

REVERSE_TERMS: dict[str, URIRef] = {
    "memberships": ORG.member,
}
"""Keys read backwards: a state's ``memberships`` are the nodes whose ``org:member`` it is."""

LANG = "@language"
IRI = "@id"

VALUE_KINDS: dict[URIRef, str] = {
    **dict.fromkeys(
        (
            SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition, SKOS.scopeNote,
            SKOS.editorialNote, SKOS.note, SKOS.changeNote, RDFS.label, RDFS.comment,
            DCTERMS.title, DCTERMS.description, DCTERMS.abstract, ELI.title, PROV.value,
            SDO.name, SDO.description, CBSS.aim,
        ),
        LANG,
    ),
    **dict.fromkeys(
        (
            SDO.startDate, SDO.endDate, SDO.foundingDate, DCTERMS.date, DCTERMS.issued,
            DCTERMS.modified, DCTERMS.created, ELI.date_document, ELI.date_publication,
            ELI.first_date_entry_in_force, TIME.inXSDDate, CBSS.attestedOn,
        ),
        str(XSD.date),
    ),
    TIME.inXSDgYear: str(XSD.gYear),
    TIME.inXSDgYearMonth: str(XSD.gYearMonth),
    SDO.position: str(XSD.integer),
    **dict.fromkeys(
        (
            ORG.member, ORG.organization, ORG.role, ORG.memberDuring, ORG.unitOf, ORG.hasUnit,
            ORG.subOrganizationOf, ORG.hasSubOrganization, ORG.classification, ORG.purpose,
            ORG.resultedFrom, ORG.hasMembership, ORG.memberOf, ORG.postIn, ORG.heldBy,
            ORG.holds, ORG.linkedTo, ORG.originalOrganization, ORG.resultingOrganization,
            TIME.hasBeginning, TIME.hasEnd,
            SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.broadMatch,
            SKOS.narrowMatch, SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept,
            SKOS.broader, SKOS.narrower, SKOS.related,
            PROV.wasDerivedFrom, PROV.wasGeneratedBy, PROV.wasInvalidatedBy,
            PROV.wasAssociatedWith, PROV.wasInfluencedBy, PROV.wasAttributedTo,
            PROV.actedOnBehalfOf, PROV.hadPrimarySource, PROV.used, PROV.atLocation,
            SDO.location, SDO.organizer, SDO.funder, SDO.fundedItem, SDO.amount,
            SDO.superEvent, SDO.sameAs,
            ELI.passed_by, ELI.type_document, ELI.jurisdiction, ELI.is_about, ELI.related_to,
            ELI.changes, ELI.based_on,
            DCTERMS.type, DCTERMS.subject, DCTERMS.isPartOf, DCTERMS.hasPart, DCTERMS.replaces,
            DCTERMS.isReplacedBy, DCTERMS.publisher, DCTERMS.language, DCTERMS.source,
            DCTERMS.license, DCTERMS.spatial, DCTERMS.relation, DCTERMS.conformsTo,
            DCTERMS.creator, CV.hasLegalResource,
            RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDFS.isDefinedBy,
            RDFS.seeAlso, OWL.versionIRI, OWL.imports, OWL.equivalentClass,
            OWL.equivalentProperty, OWL.inverseOf, OWL.onProperty, OWL.someValuesFrom,
            OWL.allValuesFrom, OWL.disjointWith, FOAF.homepage, FOAF.page,
        ),
        IRI,
    ),
}
"""How the values of reused properties look: a language map, a datatype, or IRIs.

The ontology's own declarations (``owl:ObjectProperty``, an ``rdfs:range`` datatype) and the SHACL
shapes (``sh:nodeKind sh:IRI``, ``sh:class``, one ``sh:datatype``) type any term missing here.
"""

_EXCLUDED_NAMESPACES = (str(XSD), str(SH))
_KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_TERM_TYPES = (
    OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    RDF.Property, RDFS.Datatype,
)
_TERM_LINKS = (
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.inverseOf,
)


class JsonLdError(ValueError):
    """A JSON-LD document could not be read or written; the message says why in plain words."""


class RemoteContextRefused(JsonLdError):
    """A document asked for a context this project does not hold locally; nothing was fetched."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"refused to load the JSON-LD context {url!r}: cbss-kg never fetches remote or "
            f"file contexts; only {CONTEXT_IRI} is resolved (locally). Embed the context in "
            "the document."
        )


# ---------------------------------------------------------------------------------------------
# The context
# ---------------------------------------------------------------------------------------------


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _namespace_rank(iri: str) -> tuple[int, str]:
    """Which namespace wins a shared key: ours first, then the order of PREFIXES."""
    for rank, namespace in enumerate(PREFIXES.values()):
        if iri.startswith(namespace):
            return rank, iri
    return len(PREFIXES), iri


def _prefix_of(iri: str) -> tuple[str, str] | None:
    matches = [(p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns) and len(iri) > len(ns)]
    if not matches:
        return None
    prefix, namespace = max(matches, key=lambda match: len(match[1]))
    return prefix, iri[len(namespace):]


def _context_prefixes() -> dict[str, str]:
    """PREFIXES less ``id``: the key ``id`` is the ``@id`` alias, and things use ``@base``."""
    return {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "id"}


def _terms_of(ontology: Graph, shapes: Graph | None) -> set[URIRef]:
    terms: set[URIRef] = set(VALUE_KINDS) | set(KEY_OVERRIDES)
    for term_type in _TERM_TYPES:
        terms.update(s for s in ontology.subjects(RDF.type, term_type) if isinstance(s, URIRef))
    for link in _TERM_LINKS:
        for s, o in ontology.subject_objects(link):
            terms.update(t for t in (s, o) if isinstance(t, URIRef))
    terms.update(p for p in ontology.predicates() if isinstance(p, URIRef))
    terms.update(o for o in ontology.objects(None, RDF.type) if isinstance(o, URIRef))
    if shapes is not None:
        for link in (SH.path, SH.targetClass, SH["class"]):
            terms.update(o for o in shapes.objects(None, link) if isinstance(o, URIRef))
    return {
        t for t in terms
        if t != RDF.type and not str(t).startswith(_EXCLUDED_NAMESPACES) and str(t) != str(CBSS)
        and _KEY_PATTERN.match(_local_name(str(t)))
    }


def _kind_from_shapes(shapes: Graph, prop: URIRef) -> str | None:
    datatypes: set[str] = set()
    iri = False
    for constraint in shapes.subjects(SH.path, prop):
        datatypes.update(str(d) for d in shapes.objects(constraint, SH.datatype))
        if (constraint, SH.nodeKind, SH.IRI) in shapes or (constraint, SH["class"], None) in shapes:
            iri = True
    if iri and not datatypes:
        return IRI
    if len(datatypes) == 1:
        datatype = datatypes.pop()
        return LANG if datatype == str(RDF.langString) else datatype
    return None


def _value_kind(prop: URIRef, ontology: Graph, shapes: Graph | None) -> str | None:
    """How values of ``prop`` are written: explicit table, then the ontology, then the shapes."""
    if prop in VALUE_KINDS:
        return VALUE_KINDS[prop]
    if (prop, RDF.type, OWL.ObjectProperty) in ontology:
        return IRI
    ranges = set(ontology.objects(prop, RDFS.range))
    if len(ranges) == 1:
        (range_,) = ranges
        if range_ == RDF.langString:
            return LANG
        if (prop, RDF.type, OWL.DatatypeProperty) in ontology and str(range_).startswith(str(XSD)):
            return None if range_ == XSD.string else str(range_)
    if shapes is not None:
        return _kind_from_shapes(shapes, prop)
    return None


def _definition(iri: URIRef, kind: str | None) -> str | dict[str, str]:
    compact = _compact(str(iri))
    if kind is None:
        return compact
    if kind == LANG:
        return {"@id": compact, "@container": LANG}
    return {"@id": compact, "@type": kind if kind == IRI else _compact(kind)}


def _compact(iri: str) -> str:
    split = _prefix_of(iri)
    return f"{split[0]}:{split[1]}" if split and split[0] != "id" else iri


def build_context(
    ontology: Graph, shapes: Graph | None = None, *, base_iri: str = BASE
) -> dict[str, Any]:
    """The project's JSON-LD context (the value of ``@context``), derived from the ontology.

    ``base_iri`` is where the graph is published (its things under ``id/`` are ``@base``).

    Deterministic: the same ontology and shapes give the same context, key for key, in the same
    order (keywords and prefixes first, then terms sorted by key).
    """
    prefixes = _context_prefixes()
    reserved = {"id", "type", *prefixes, *REVERSE_TERMS}
    claimants: dict[str, list[URIRef]] = {}
    for term in _terms_of(ontology, shapes):
        key = KEY_OVERRIDES.get(term, _local_name(str(term)))
        claimants.setdefault(key, []).append(term)

    keys: dict[str, URIRef] = {}
    for key, terms in claimants.items():
        terms.sort(key=lambda t: (KEY_OVERRIDES.get(t) != key, _namespace_rank(str(t))))
        winner, *losers = terms
        if key not in reserved:
            keys[key] = winner
        else:
            losers = terms
        for loser in losers:
            split = _prefix_of(str(loser))
            if split is None:
                continue
            local = KEY_OVERRIDES.get(loser, split[1])
            fallback = split[0] + local[:1].upper() + local[1:]
            if fallback not in reserved and fallback not in claimants and fallback not in keys:
                keys[fallback] = loser

    context: dict[str, Any] = {
        "@version": 1.1,
        "@base": base_iri + "id/",
        "@vocab": str(CBSS),
        "id": "@id",
        "type": "@type",
        **prefixes,
    }
    terms = {key: _definition(iri, _value_kind(iri, ontology, shapes)) for key, iri in keys.items()}
    terms.update({key: {"@reverse": _compact(str(iri))} for key, iri in REVERSE_TERMS.items()})
    context.update(sorted(terms.items()))
    return context


def context_document(
    ontology: Graph, shapes: Graph | None = None, *, base_iri: str = BASE
) -> dict[str, Any]:
    """The published file ``context.jsonld``: ``{"@context": build_context(...)}``."""
    return {"@context": build_context(ontology, shapes, base_iri=base_iri)}


def dumps(document: Any) -> str:
    """JSON text as the project writes it: UTF-8 characters, two-space indent, final newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# A document loader that never fetches
# ---------------------------------------------------------------------------------------------


def local_loader(contexts: Mapping[str, Mapping[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A PyLD document loader: resolves only ``contexts`` (IRI → document), refuses the rest."""

    def load(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = contexts.get(url)
        if document is None:
            raise RemoteContextRefused(url)
        return {
            "contentType": JSONLD_MEDIA_TYPE,
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(dict(document)),
        }

    return load


def _contexts(context: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {CONTEXT_IRI: {"@context": context}}


def _run(operation: Callable[..., Any], *args: Any, options: dict[str, Any]) -> Any:
    """Run one PyLD operation, turning its errors into :class:`JsonLdError` with a plain message."""
    try:
        return operation(*args, options)
    except pyld.JsonLdError as error:
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, RemoteContextRefused):
                raise RemoteContextRefused(cause.url) from None
            cause = getattr(cause, "cause", None) or cause.__cause__
        code = f" ({error.code})" if error.code else ""
        raise JsonLdError(f"invalid JSON-LD{code}: {error.args[0]}") from None
    except ValueError as error:
        raise JsonLdError(f"invalid JSON-LD: {error}") from None


# ---------------------------------------------------------------------------------------------
# Writing: graph → compacted JSON-LD
# ---------------------------------------------------------------------------------------------


def _rdf_term(term: URIRef | BNode | Literal) -> dict[str, str]:
    """An rdflib term in PyLD's RDF dataset form."""
    if isinstance(term, URIRef):
        return {"type": "IRI", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "blank node", "value": f"_:{term}"}
    if term.language:
        return {"type": "literal", "value": str(term), "datatype": str(RDF.langString),
                "language": term.language}
    return {"type": "literal", "value": str(term), "datatype": str(term.datatype or XSD.string)}


def _rdf_dataset(graph: Graph, relabel: bool) -> dict[str, list[dict[str, Any]]]:
    """The graph in PyLD's RDF dataset form, triples sorted, blank nodes labelled canonically
    (unless ``relabel`` is off: the caller's labels are already stable)."""
    if relabel and any(isinstance(t, BNode) for triple in graph for t in triple):
        graph = to_canonical_graph(graph)
    triples = sorted(graph, key=lambda t: tuple(term.n3() for term in t))
    return {
        "@default": [
            {"subject": _rdf_term(s), "predicate": _rdf_term(p), "object": _rdf_term(o)}
            for s, p, o in triples
        ]
    }


def _rdflib_term(term: Mapping[str, str]) -> URIRef | BNode | Literal:
    """A term of PyLD's RDF dataset form as an rdflib term."""
    if term["type"] == "IRI":
        return URIRef(term["value"])
    if term["type"] == "blank node":
        return BNode(term["value"].removeprefix("_:"))
    if "language" in term:
        return Literal(term["value"], lang=term["language"])
    datatype = term.get("datatype")
    return Literal(term["value"], datatype=None if datatype == str(XSD.string) else datatype)


def expand_graph(graph: Graph, *, relabel_blank_nodes: bool = True) -> list[dict[str, Any]]:
    """The graph as expanded JSON-LD (subjects sorted by IRI, values in a stable order)."""
    return pyld.from_rdf(_rdf_dataset(graph, relabel_blank_nodes), {})


class _Compactor(pyld.JsonLdProcessor):
    """PyLD's processor, remembering how it compacted each IRI that stands on its own.

    Compacting an IRI means trying every term of the context as a prefix, and a graph holds the
    same IRIs (node identifiers, types, linked nodes) many times over. Where PyLD compacts an
    IRI with no value to choose a term for, its answer depends only on the active context and
    the call, so it is kept; where a value takes part (choosing a property's term), PyLD is
    asked every time.
    """

    def __init__(self) -> None:
        super().__init__()
        self._known: dict[int, tuple[dict, dict[tuple, str]]] = {}

    def setting(self, context: Mapping[str, Any]) -> tuple[dict, dict[str, Any]]:
        """The active context and the options PyLD compacts with, for ``context``."""
        seen: list[tuple[dict, dict[str, Any]]] = []
        compact = self._compact

        def record(active_ctx: dict, prop: Any, element: Any, options: dict[str, Any]) -> Any:
            seen.append((active_ctx, options))
            return compact(active_ctx, prop, element, options)

        self._compact = record  # type: ignore[method-assign]
        try:
            _run(
                self.compact, [], CONTEXT_IRI,
                options={"documentLoader": local_loader(_contexts(context)), "graph": True},
            )
        finally:
            del self._compact
        return seen[0]

    def _compact_iri(
        self,
        active_ctx: dict,
        iri: str,
        value: Any = None,
        vocab: bool = False,
        base: str | None = None,
        reverse: bool = False,
    ) -> str:
        if value is not None:
            return super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
        # The context is kept beside its answers, so its id() is never another context's.
        known = self._known.setdefault(id(active_ctx), (active_ctx, {}))[1]
        key = (iri, vocab, base, reverse)
        if key not in known:
            known[key] = super()._compact_iri(active_ctx, iri, None, vocab, base, reverse)
        return known[key]


def compact_graph(
    graph: Graph,
    context: Mapping[str, Any],
    *,
    embed_context: bool = True,
    relabel_blank_nodes: bool = True,
    local: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The graph compacted with the project's context, as a dict ready for :func:`dumps`.

    With ``embed_context`` the document carries the context itself (a download works offline);
    otherwise it refers to :data:`CONTEXT_IRI`. Blank nodes are given canonical labels unless
    ``relabel_blank_nodes`` is off (the release's labels are already stable). ``local`` is a
    context of the document's own, after the project's (``{"@base": None}`` keeps IRIs outside
    ``id/`` absolute).
    """
    expanded = expand_graph(graph, relabel_blank_nodes=relabel_blank_nodes)
    reference: Any = [CONTEXT_IRI, dict(local)] if local else CONTEXT_IRI
    compacted = _run(
        _Compactor().compact, expanded, reference,
        options={"documentLoader": local_loader(_contexts(context)), "graph": True},
    )
    published: Any = dict(context) if embed_context else CONTEXT_IRI
    compacted["@context"] = [published, dict(local)] if local else published
    return compacted


def _statement_term(text: str) -> dict[str, str]:
    """An N-Triples term (as :mod:`cbss_kg.export` writes them) in PyLD's RDF dataset form."""
    if text[0] == "<":
        return {"type": "IRI", "value": text[1:-1]}
    if text[0] == "_":
        return {"type": "blank node", "value": text}
    close = text.rindex('"')
    value = _unescape(text[1:close])
    rest = text[close + 1 :]
    if rest.startswith("@"):
        return {"type": "literal", "value": value, "datatype": str(RDF.langString),
                "language": rest[1:]}
    datatype = rest[3:-1] if rest else str(XSD.string)
    return {"type": "literal", "value": value, "datatype": datatype}


_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n", "\\r": "\r"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r'\\[\\"nr]', lambda match: _ESCAPES[match.group()], text)


def compact_statements(
    statements: Iterable[tuple[str, str, str]], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Statements (N-Triples terms, sorted, blank-node labels stable) compacted with the
    project's context, embedded: the very document :func:`compact_graph` gives for their graph,
    in time linear in the graph.

    PyLD compacts every node on its own, asking the context again for each property and value.
    Here PyLD compacts one node per kind of statement (a property with an IRI, a literal in one
    language, a literal of one datatype) and the answer is kept as a template for every other
    node; IRIs are shortened as PyLD shortens them, once each. The nodes PyLD would build
    differently from their statements (blank nodes, which may become lists, and JSON literals)
    are left to PyLD, one node at a time.
    """
    compactor = _FastCompactor(context)
    simple: dict[str, list[tuple[str, str]]] = {}
    other: list[tuple[str, str, str]] = []
    tricky: set[str] = set()
    for s, p, o in statements:
        if s[0] == "_" or o[0] == "_" or o.endswith(_JSON_DATATYPE):
            tricky.add(s)
        if s[0] == "_":
            other.append((s, p, o))
        else:
            simple.setdefault(s, []).append((p, o))
    for subject in tricky:
        if subject[0] == "<":
            other.extend((subject, p, o) for p, o in simple.pop(subject))
    nodes = [(s[1:-1], compactor.node(s[1:-1], pairs)) for s, pairs in simple.items()]
    nodes.extend(compactor.pyld_nodes(other))
    nodes.sort(key=lambda pair: pair[0])
    return {"@context": dict(context), "@graph": [node for _, node in nodes]}


_JSON_DATATYPE = f"^^<{RDF.JSON}>"
_PROBE_IRI = "urn:x-cbss-kg:probe"
_STRING_KIND = f"^^<{XSD.string}>"
_PROBE_TEXT = "\x00probe\x00"


class _FastCompactor:
    """PyLD's compaction of node objects built from statements, with its answers kept (see
    :func:`compact_statements`)."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.processor = _Compactor()
        self.active, self.options = self.processor.setting(context)
        mappings = self.active["mappings"]
        self.prefixes = [
            (term, definition["@id"])
            for term, definition in mappings.items()
            if definition and definition.get("_prefix") and definition.get("@id")
        ]
        # The shortcuts below hold for contexts like the project's: no term with a colon
        # (whose IRI could be a compact IRI's), none that reads IRIs against @vocab, no scoped
        # contexts. Any other context is left to PyLD throughout.
        self.generic = any(
            ":" in term
            or (definition and (definition.get("@type") == "@vocab" or "@context" in definition))
            for term, definition in mappings.items()
        )
        base = self.active.get("@base")  # None: IRIs are kept absolute
        self.base = None if base is None else pyld.resolve(base, "")
        self.iris: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.templates: dict[tuple[str, str], tuple[str, Any, bool]] = {}
        self.id_key = self.processor._compact_iri(self.active, "@id")
        self.type_key = self.processor._compact_iri(self.active, "@type")

    def iri(self, iri: str) -> str:
        """An IRI as PyLD writes a node's ``@id`` (a compact IRI, or relative to ``@base``)."""
        known = self.iris.get(iri)
        if known is None:
            known = self.iris[iri] = self._iri(iri)
        return known

    def _iri(self, iri: str) -> str:
        if self.generic or any(iri.startswith(term + ":") for term, _ in self.prefixes):
            return self.processor._compact_iri(self.active, iri, vocab=False, base="")
        mappings = self.active["mappings"]
        candidate = None
        for term, namespace in self.prefixes:
            if iri != namespace and iri.startswith(namespace):
                curie = f"{term}:{iri[len(namespace):]}"
                if curie not in mappings and (
                    candidate is None or (len(curie), curie) < (len(candidate), candidate)
                ):
                    candidate = curie
        if candidate is not None:
            return candidate
        if self.base is None:
            return iri
        if self.base.endswith("/") and iri.startswith(self.base) and _plain_path(iri, self.base):
            return iri[len(self.base) :]  # what unresolve gives for a path below the base
        return pyld.unresolve(iri, self.base)

    def node(self, subject: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        """The compacted node of ``subject`` with its (predicate, object) pairs, in order."""
        if self.generic:
            return self._pyld_node(self._expanded(subject, pairs))
        node: dict[str, Any] = {self.id_key: self.iri(subject)}
        types = [o[1:-1] for p, o in pairs if p == _RDF_TYPE_TERM and o[0] == "<"]
        if types:
            names = [self._type(t) for t in types]
            node[self.type_key] = names[0] if len(names) == 1 else names
        for p, o in sorted(
            ((p, o) for p, o in pairs if p != _RDF_TYPE_TERM or o[0] != "<"),
            key=lambda pair: pair[0][1:-1],
        ):
            self._add(node, p[1:-1], o)
        return node

    def _type(self, iri: str) -> str:
        known = self.types.get(iri)
        if known is None:
            known = self.types[iri] = self.processor._compact_iri(self.active, iri, vocab=True)
        return known

    def _add(self, node: dict[str, Any], predicate: str, term: str) -> None:
        """Add one value to ``node`` as PyLD adds it (an array when a key has several)."""
        if term[0] == "<":
            kind, value = "@id", term[1:-1]
        else:
            close = term.rindex('"')
            value, kind = _unescape(term[1:close]), term[close + 1 :] or _STRING_KIND
        key, template, as_array = self._template(predicate, kind)
        if isinstance(template, dict) and _is_map(template):  # a language map
            target = node.setdefault(key, {})
            (key, inner), = template.items()
            as_array = isinstance(inner, list)
            compacted: Any = value
        else:
            target = node
            compacted = self._fill(template, value)
        # PyLD's add_value for one value that is not an array: a second value makes an array.
        existing = target.get(key)
        if existing is None:
            target[key] = [compacted] if as_array else compacted
        elif isinstance(existing, list):
            existing.append(compacted)
        else:
            target[key] = [existing, compacted]

    def _fill(self, template: Any, value: str) -> Any:
        if template == _PROBE_TEXT:
            return value
        if template == _PROBE_IRI:
            return self.iri(value)
        if isinstance(template, dict):
            return {k: self._fill(v, value) if k in ("@value", self.id_key) else v
                    for k, v in template.items()}
        raise JsonLdError(f"unexpected compaction template {template!r}")

    def _template(self, predicate: str, kind: str) -> tuple[str, Any, bool]:
        """How PyLD compacts one value of ``predicate`` of this kind (``@id``, ``@en``,
        ``^^<datatype>``): the key, the value with a placeholder, and whether it is an array."""
        known = self.templates.get((predicate, kind))
        if known is None:
            if kind == "@id":
                probe: dict[str, str] = {"@id": _PROBE_IRI}
            elif kind.startswith("@"):
                probe = {"@value": _PROBE_TEXT, "@language": kind[1:]}
            elif kind == _STRING_KIND:
                probe = {"@value": _PROBE_TEXT}
            else:
                probe = {"@value": _PROBE_TEXT, "@type": kind[3:-1]}
            compacted = self._pyld_node({"@id": _PROBE_IRI, predicate: [probe]})
            del compacted[self.id_key]
            ((key, value),) = compacted.items()
            as_array = isinstance(value, list)
            known = self.templates[predicate, kind] = (key, value[0] if as_array else value,
                                                      as_array)
        return known

    def _expanded(self, subject: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        triples = [(f"<{subject}>", p, o) for p, o in pairs]
        return self._from_rdf(triples)[0][1]

    def _from_rdf(self, triples: list[tuple[str, str, str]]) -> list[tuple[str, Any]]:
        dataset = {
            "@default": [
                {"subject": _statement_term(s), "predicate": _statement_term(p),
                 "object": _statement_term(o)}
                for s, p, o in triples
            ]
        }
        return [(node["@id"], node) for node in pyld.from_rdf(dataset, {})]

    def _pyld_node(self, expanded: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.processor._compact(self.active, None, expanded, self.options)
        except pyld.JsonLdError as error:
            raise JsonLdError(f"invalid JSON-LD: {error.args[0]}") from None

    def pyld_nodes(self, triples: list[tuple[str, str, str]]) -> list[tuple[str, Any]]:
        """PyLD's own nodes for ``triples`` (sorted), each compacted, with its expanded id."""
        if not triples:
            return []
        triples.sort()
        return [(key, self._pyld_node(node)) for key, node in self._from_rdf(triples)]


_RDF_TYPE_TERM = f"<{RDF.type}>"


def _plain_path(iri: str, base: str) -> bool:
    """Whether ``iri``, below ``base``, is a plain path from it: segments with no dots, query,
    fragment, colon or keyword look, so that its relative form is simply its rest."""
    rest = iri[len(base) :]
    return (
        bool(rest)
        and rest[0] not in "/@"
        and not _NOT_PLAIN.intersection(rest)
        and "//" not in rest
        and not any(segment in (".", "..") for segment in rest.split("/"))
    )


_NOT_PLAIN = frozenset(":?#")


def _is_map(template: dict[str, Any]) -> bool:
    """Whether a compacted value is a language map holding the probe (under its language, or
    ``@none``) rather than a value object."""
    if len(template) != 1 or "@value" in template:
        return False
    (inner,) = template.values()
    return inner == _PROBE_TEXT or inner == [_PROBE_TEXT]


# ---------------------------------------------------------------------------------------------
# Reading: JSON-LD → RDF, safely
# ---------------------------------------------------------------------------------------------


def load_jsonld(
    data: str | bytes | Mapping[str, Any] | list[Any],
    context: Mapping[str, Any] | None = None,
    *,
    base: str | None = None,
) -> Dataset:
    """Parse a JSON-LD document into a Dataset without fetching anything.

    ``context`` is the project's context: a document referring to :data:`CONTEXT_IRI` resolves it
    from here. Any other context reference raises :class:`RemoteContextRefused`; malformed JSON or
    JSON-LD raises :class:`JsonLdError` naming the problem.
    """
    if isinstance(data, bytes | str):
        try:
            document = json.loads(data)
        except json.JSONDecodeError as error:
            raise JsonLdError(
                f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
            ) from None
    else:
        document = copy.deepcopy(data)
    if not isinstance(document, dict | list):
        raise JsonLdError("not a JSON-LD document: expected a JSON object or array")
    contexts = _contexts(context) if context is not None else {}
    for reference in _context_references(document):
        if reference not in contexts:
            raise RemoteContextRefused(reference)
    options: dict[str, Any] = {"documentLoader": local_loader(contexts)}
    if base is not None:
        options["base"] = base
    rdf = _run(pyld.to_rdf, document, options=options)
    dataset = Dataset(default_union=True)
    for name, triples in rdf.items():
        graph = dataset.default_graph if name == "@default" else dataset.graph(_graph_name(name))
        for triple in triples:
            graph.add(tuple(_rdflib_term(triple[k]) for k in ("subject", "predicate", "object")))
    return dataset


def _context_references(value: Any) -> Iterable[str]:
    """Every context named by IRI anywhere in a document (``@context`` values, ``@import``s)."""
    if isinstance(value, list):
        for item in value:
            yield from _context_references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("@context", "@import"):
                for ref in item if isinstance(item, list) else [item]:
                    if isinstance(ref, str):
                        yield ref
            yield from _context_references(item)


def _graph_name(name: str) -> URIRef | BNode:
    return BNode(name.removeprefix("_:")) if name.startswith("_:") else URIRef(name)


# ---------------------------------------------------------------------------------------------
# Framed views
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """A framed view of one thing: which neighbours are embedded under which keys.

    ``forward`` maps a key (of the context) to its property, followed from the thing; ``backward``
    maps a view-only key to a property followed towards the thing (e.g. a project's participations
    are the memberships whose ``org:organization`` it is). ``nested`` lists properties followed one
    step further from every embedded node (a membership's member, role and period).
    """

    name: str
    summary: str
    forward: Mapping[str, URIRef]
    backward: Mapping[str, URIRef]
    nested: tuple[URIRef, ...] = ()


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View(
            "project",
            "a project with its participants, funders, outputs and outcomes embedded",
            forward={"funder": SDO.funder, "output": CBSS.output},
            backward={"participants": ORG.organization, "outcomes": CBSS.outcomeOf},
            nested=(ORG.member, ORG.role, ORG.memberDuring, TIME.hasBeginning, TIME.hasEnd),
        ),
        View(
            "state",
            "a state with its memberships embedded",
            forward={},
            backward={"memberships": ORG.member},
            nested=(ORG.organization, ORG.role, ORG.memberDuring, TIME.hasBeginning, TIME.hasEnd),
        ),
        View(
            "council",
            "the council with its units and members embedded",
            forward={},
            backward={"units": ORG.unitOf, "members": ORG.organization},
            nested=(ORG.member, ORG.role, ORG.memberDuring, TIME.hasBeginning, TIME.hasEnd),
        ),
    )
}
"""The framed views, by name."""


def _view_subgraph(graph: Graph, view: View, root: URIRef) -> Graph:
    """The triples a view shows: the thing, its embedded neighbours, and their nested parts."""
    out = Graph()
    embedded: set[URIRef | BNode] = set()
    for triple in graph.triples((root, None, None)):
        out.add(triple)
    for prop in view.forward.values():
        embedded.update(o for o in graph.objects(root, prop) if isinstance(o, URIRef | BNode))
    for prop in view.backward.values():
        embedded.update(graph.subjects(prop, root))
    frontier = set(embedded)
    seen = {root}
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            out.add(triple)
            if triple[1] in view.nested and isinstance(triple[2], URIRef | BNode):
                frontier.add(triple[2])
    return out


_PERIOD_FRAME = {
    "@embed": "@always",
    "hasBeginning": {"@embed": "@always"},
    "hasEnd": {"@embed": "@always"},
}


def _embed_frame(key: str, view: View) -> dict[str, Any]:
    """The frame for one embedded key: the node itself and, for memberships, their parts.

    A membership embeds its member (unless the member is the thing viewed), organisation (likewise),
    role and period, as far as the view's ``nested`` properties reach.
    """
    frame: dict[str, Any] = {"@embed": "@always"}
    if view.backward.get(key) not in (ORG.member, ORG.organization):
        return frame
    parts = {"member": ORG.member, "organization": ORG.organization, "role": ORG.role}
    for part, prop in parts.items():
        if prop in view.nested and view.backward[key] != prop:
            frame[part] = {"@embed": "@always"}
    frame["memberDuring"] = _PERIOD_FRAME
    return frame


def frame_view(
    graph: Graph, view: str, root: str, context: Mapping[str, Any], *, embed_context: bool = False
) -> dict[str, Any]:
    """One thing as a framed JSON-LD tree (see :data:`VIEWS`); raises KeyError for an unknown view.

    The frame embeds only what the view names; every other link stays a plain IRI string, so the
    document stays small and its shape predictable.
    """
    spec = VIEWS[view]
    root_iri = URIRef(root)
    subgraph = _view_subgraph(graph, spec, root_iri)
    if not subgraph:
        raise JsonLdError(f"nothing is known about {root} to frame as a {view}")
    local = {key: {"@reverse": _compact(str(prop))} for key, prop in spec.backward.items()}
    frame: dict[str, Any] = {
        "@context": [CONTEXT_IRI, local],
        "@id": root,
        **{key: _embed_frame(key, spec) for key in sorted([*spec.forward, *spec.backward])},
    }
    framed = _run(
        pyld.frame, expand_graph(subgraph), frame,
        options={
            "documentLoader": local_loader(_contexts(context)),
            "embed": "@never",
            "omitDefault": True,
            "omitGraph": True,
        },
    )
    framed["@context"] = [dict(context), local] if embed_context else [CONTEXT_IRI, local]
    return framed


DATASET_TERMS: dict[str, Any] = {
    "@base": None,
    "distribution": {"@id": "dcat:distribution", "@type": "@id"},
    "downloadURL": {"@id": "dcat:downloadURL", "@type": "@id"},
    "mediaType": {"@id": "dcat:mediaType", "@type": "@id"},
    "byteSize": {"@id": "dcat:byteSize", "@type": "xsd:nonNegativeInteger"},
    "checksum": {"@id": "spdx:checksum", "@type": "@id"},
    "algorithm": {"@id": "spdx:algorithm", "@type": "@id"},
    "checksumValue": {"@id": "spdx:checksumValue", "@type": "xsd:hexBinary"},
    "subset": {"@id": "void:subset", "@type": "@id"},
    "dataDump": {"@id": "void:dataDump", "@type": "@id"},
    "sparqlEndpoint": {"@id": "void:sparqlEndpoint", "@type": "@id"},
    "vocabulary": {"@id": "void:vocabulary", "@type": "@id"},
    "uriSpace": "void:uriSpace",
    "triples": {"@id": "void:triples", "@type": "xsd:integer"},
    "entities": {"@id": "void:entities", "@type": "xsd:integer"},
    "classes": {"@id": "void:classes", "@type": "xsd:integer"},
    "properties": {"@id": "void:properties", "@type": "xsd:integer"},
}
"""Short keys for a VoID and DCAT description, a context of its own after the project's.
``@base`` is dropped: the dataset and its files are not things under ``id/``."""


def frame_dataset(graph: Graph, dataset: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """A VoID/DCAT description as one tree: the dataset with its distributions (each with its
    checksum) and its subsets embedded, keys from :data:`DATASET_TERMS`.

    Raises:
        JsonLdError: something in ``graph`` does not hang from ``dataset``, and would be lost.
    """
    frame: dict[str, Any] = {
        "@context": [CONTEXT_IRI, DATASET_TERMS],
        "@id": dataset,
        "distribution": {"@embed": "@always", "checksum": {"@embed": "@always"}},
        "subset": {"@embed": "@always"},
    }
    framed = _run(
        pyld.frame, expand_graph(graph), frame,
        options={
            "documentLoader": local_loader(_contexts(context)),
            "embed": "@never",
            "omitDefault": True,
            "omitGraph": True,
        },
    )
    kept = sum(1 for _ in load_jsonld(framed, context).triples((None, None, None)))
    if kept != len(graph):
        raise JsonLdError(f"{len(graph) - kept} statements do not hang from {dataset}")
    return framed


def view_names() -> Iterable[str]:
    """The names of the framed views."""
    return VIEWS.keys()
