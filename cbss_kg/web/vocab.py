"""Readable names for the reused vocabulary terms a page shows most.

The ontology names its own terms (``rdfs:label`` @lv/@en); for terms of reused vocabularies that
carry no label in the graph, this table gives one in both languages, and anything else falls back
to its local name split into words (``memberDuring`` → ``member during``).
"""

from __future__ import annotations

import re

from cbss_kg.namespaces import PREFIXES

_P = PREFIXES

TERM_LABELS: dict[str, tuple[str, str]] = {
    # IRI: (English, Latvian)
    _P["rdf"] + "type": ("type", "tips"),
    _P["rdfs"] + "label": ("label", "nosaukums"),
    _P["rdfs"] + "comment": ("comment", "komentārs"),
    _P["rdfs"] + "seeAlso": ("see also", "skatīt arī"),
    _P["rdfs"] + "isDefinedBy": ("defined by", "definēts"),
    _P["rdfs"] + "subClassOf": ("subclass of", "apakšklase klasei"),
    _P["rdfs"] + "subPropertyOf": ("subproperty of", "apakšīpašība īpašībai"),
    _P["rdfs"] + "domain": ("domain", "domēns"),
    _P["rdfs"] + "range": ("range", "diapazons"),
    _P["owl"] + "sameAs": ("same as", "tas pats, kas"),
    _P["skos"] + "prefLabel": ("name", "nosaukums"),
    _P["skos"] + "altLabel": ("also called", "cits nosaukums"),
    _P["skos"] + "notation": ("code", "kods"),
    _P["skos"] + "definition": ("definition", "definīcija"),
    _P["skos"] + "exactMatch": ("same as (elsewhere)", "tas pats citur"),
    _P["skos"] + "closeMatch": ("close to", "tuvs"),
    _P["skos"] + "inScheme": ("in scheme", "shēmā"),
    _P["skos"] + "topConceptOf": ("top concept of", "virskoncepts shēmā"),
    _P["skos"] + "hasTopConcept": ("top concept", "virskoncepts"),
    _P["skos"] + "broader": ("broader", "plašāks"),
    _P["skos"] + "narrower": ("narrower", "šaurāks"),
    _P["dct"] + "title": ("title", "nosaukums"),
    _P["dct"] + "description": ("description", "apraksts"),
    _P["dct"] + "date": ("date", "datums"),
    _P["dct"] + "issued": ("issued", "izdots"),
    _P["dct"] + "modified": ("modified", "mainīts"),
    _P["dct"] + "publisher": ("publisher", "izdevējs"),
    _P["dct"] + "language": ("language", "valoda"),
    _P["dct"] + "isPartOf": ("part of", "daļa no"),
    _P["dct"] + "hasPart": ("has part", "ietver"),
    _P["dct"] + "subject": ("subject", "temats"),
    _P["dct"] + "type": ("kind", "veids"),
    _P["dct"] + "replaces": ("replaces", "aizstāj"),
    _P["dct"] + "isReplacedBy": ("replaced by", "aizstāts ar"),
    _P["dct"] + "source": ("source", "avots"),
    _P["dct"] + "license": ("licence", "licence"),
    _P["org"] + "memberOf": ("member of", "dalībnieks"),
    _P["org"] + "hasMember": ("has member", "dalībnieks"),
    _P["org"] + "member": ("member", "dalībnieks"),
    _P["org"] + "organization": ("organisation", "organizācija"),
    _P["org"] + "role": ("role", "loma"),
    _P["org"] + "memberDuring": ("member during", "dalības laiks"),
    _P["org"] + "hasMembership": ("membership", "dalība"),
    _P["org"] + "unitOf": ("unit of", "struktūrvienība organizācijā"),
    _P["org"] + "hasUnit": ("unit", "struktūrvienība"),
    _P["org"] + "subOrganizationOf": ("part of", "daļa no"),
    _P["org"] + "hasSubOrganization": ("sub-organisation", "apakšorganizācija"),
    _P["org"] + "classification": ("classification", "klasifikācija"),
    _P["org"] + "purpose": ("purpose", "mērķis"),
    _P["org"] + "resultedFrom": ("resulted from", "izveidota ar"),
    _P["org"] + "FormalOrganization": ("formal organisation", "formāla organizācija"),
    _P["org"] + "Membership": ("membership", "dalība"),
    _P["time"] + "hasBeginning": ("beginning", "sākums"),
    _P["time"] + "hasEnd": ("end", "beigas"),
    _P["time"] + "inXSDDate": ("date", "datums"),
    _P["time"] + "inXSDgYearMonth": ("month", "mēnesis"),
    _P["time"] + "inXSDgYear": ("year", "gads"),
    _P["time"] + "Interval": ("period", "periods"),
    _P["time"] + "Instant": ("instant", "brīdis"),
    _P["prov"] + "wasDerivedFrom": ("derived from", "iegūts no"),
    _P["prov"] + "wasGeneratedBy": ("brought about by", "radīts ar"),
    _P["prov"] + "wasInvalidatedBy": ("ended by", "izbeigts ar"),
    _P["prov"] + "wasInfluencedBy": ("builds on", "balstās uz"),
    _P["prov"] + "wasAssociatedWith": ("associated with", "saistīts ar"),
    _P["prov"] + "value": ("text", "teksts"),
    _P["schema"] + "startDate": ("start date", "sākuma datums"),
    _P["schema"] + "endDate": ("end date", "beigu datums"),
    _P["schema"] + "location": ("location", "vieta"),
    _P["schema"] + "organizer": ("organiser", "organizētājs"),
    _P["schema"] + "funder": ("funder", "finansētājs"),
    _P["schema"] + "fundedItem": ("funds", "finansē"),
    _P["schema"] + "amount": ("amount", "summa"),
    _P["schema"] + "value": ("value", "vērtība"),
    _P["schema"] + "currency": ("currency", "valūta"),
    _P["schema"] + "position": ("position", "pozīcija"),
    _P["schema"] + "name": ("name", "nosaukums"),
    _P["schema"] + "url": ("web address", "tīmekļa adrese"),
    _P["schema"] + "Organization": ("organisation", "organizācija"),
    _P["schema"] + "Country": ("country", "valsts"),
    _P["schema"] + "Event": ("event", "notikums"),
    _P["schema"] + "Project": ("project", "projekts"),
    _P["schema"] + "Legislation": ("legislation", "tiesību akts"),
    _P["schema"] + "CreativeWork": ("work", "darbs"),
    _P["schema"] + "WebPage": ("web page", "tīmekļa lapa"),
    _P["schema"] + "MonetaryGrant": ("grant", "finansējums"),
    _P["schema"] + "MonetaryAmount": ("amount of money", "naudas summa"),
    _P["schema"] + "Place": ("place", "vieta"),
    _P["schema"] + "Person": ("person", "persona"),
    _P["foaf"] + "Document": ("document", "dokuments"),
    _P["foaf"] + "name": ("name", "vārds"),
    _P["eli"] + "title": ("title", "nosaukums"),
    _P["eli"] + "type_document": ("document type", "dokumenta veids"),
    _P["eli"] + "passed_by": ("adopted by", "pieņēma"),
    _P["eli"] + "date_document": ("date of the document", "dokumenta datums"),
    _P["eli"] + "number": ("number", "numurs"),
    _P["eli"] + "jurisdiction": ("jurisdiction", "jurisdikcija"),
    _P["eli"] + "LegalResource": ("legal resource", "tiesību resurss"),
    _P["cv"] + "hasLegalResource": ("legal basis", "tiesiskais pamats"),
    _P["cv"] + "PublicOrganisation": ("public organisation", "publiska organizācija"),
    _P["skos"] + "Concept": ("concept", "jēdziens"),
    _P["skos"] + "ConceptScheme": ("concept scheme", "jēdzienu shēma"),
    _P["owl"] + "Class": ("class", "klase"),
    _P["owl"] + "ObjectProperty": ("object property", "objekta īpašība"),
    _P["owl"] + "DatatypeProperty": ("data property", "datu īpašība"),
    _P["owl"] + "Ontology": ("ontology", "ontoloģija"),
    _P["void"] + "Dataset": ("dataset", "datu kopa"),
    _P["dcat"] + "Dataset": ("dataset", "datu kopa"),
    _P["prov"] + "Activity": ("activity", "darbība"),
    _P["prov"] + "generated": ("brought about", "radīja"),
    _P["prov"] + "invalidated": ("ended", "izbeidza"),
    _P["prov"] + "wasAttributedTo": ("attributed to", "piedēvēts"),
    _P["eli"] + "is_about": ("is about", "par"),
    _P["eli"] + "related_to": ("related to", "saistīts ar"),
    _P["dct"] + "created": ("created", "izveidots"),
    _P["dct"] + "creator": ("creator", "autors"),
    _P["dct"] + "identifier": ("identifier", "identifikators"),
    _P["dct"] + "references": ("refers to", "atsaucas uz"),
    _P["dct"] + "relation": ("related to", "saistīts ar"),
    _P["dct"] + "spatial": ("place", "vieta"),
    _P["dct"] + "temporal": ("time", "laiks"),
    _P["skos"] + "editorialNote": ("editorial note", "redakcijas piezīme"),
    _P["org"] + "Organization": ("organisation", "organizācija"),
    _P["org"] + "OrganizationalCollaboration": ("collaboration", "sadarbība"),
    _P["org"] + "OrganizationalUnit": ("organisational unit", "struktūrvienība"),
    _P["org"] + "ChangeEvent": ("change", "pārmaiņa"),
    _P["org"] + "Post": ("post", "amats"),
    _P["org"] + "hasPost": ("post", "amats"),
    _P["org"] + "heldBy": ("held by", "ieņem"),
    _P["org"] + "holds": ("holds", "ieņem amatu"),
    _P["org"] + "identifier": ("identifier", "identifikators"),
    _P["org"] + "linkedTo": ("linked to", "saistīta ar"),
    _P["org"] + "originalOrganization": ("changed organisation", "mainītā organizācija"),
    _P["org"] + "resultingOrganization": ("resulting organisation", "izveidotā organizācija"),
    _P["org"] + "postIn": ("post in", "amats organizācijā"),
    _P["org"] + "reportsTo": ("reports to", "atskaitās"),
    _P["foaf"] + "homepage": ("home page", "mājaslapa"),
    _P["foaf"] + "Person": ("person", "persona"),
    _P["foaf"] + "Organization": ("organisation", "organizācija"),
    _P["schema"] + "City": ("city", "pilsēta"),
    _P["schema"] + "FundingScheme": ("funding scheme", "finansējuma programma"),
    _P["schema"] + "Report": ("report", "ziņojums"),
    _P["schema"] + "WebSite": ("web site", "tīmekļa vietne"),
    _P["schema"] + "about": ("about", "par"),
    _P["schema"] + "containedInPlace": ("located in", "atrodas"),
    _P["schema"] + "datePublished": ("published", "publicēts"),
    _P["schema"] + "eventStatus": ("status", "statuss"),
    _P["schema"] + "foundingDate": ("founding date", "dibināšanas datums"),
    _P["schema"] + "foundingLocation": ("founding place", "dibināšanas vieta"),
    _P["schema"] + "locationCreated": ("place of creation", "izveides vieta"),
    _P["schema"] + "publisher": ("publisher", "izdevējs"),
    _P["owl"] + "versionInfo": ("version", "versija"),
    _P["owl"] + "versionIRI": ("version IRI", "versijas IRI"),
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|_")


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[cut + 1 :] if cut >= 0 and cut < len(iri) - 1 else iri


def humanize(iri: str) -> str:
    """A term's local name as words: ``memberDuring`` → ``member during``."""
    words = _CAMEL.sub(" ", local_name(iri)).split()
    return " ".join(w.lower() if w[1:].islower() or len(w) == 1 else w for w in words)


def compact(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI itself (for display only)."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            rest = iri[len(namespace) :]
            if rest and "#" not in rest:
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else iri
