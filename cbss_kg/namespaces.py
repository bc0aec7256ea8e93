"""The project's namespaces and its one prefix map.

Every module that binds prefixes (Turtle output, SPARQL ``initNs``, the JSON-LD context) takes them
from :data:`PREFIXES`, so a prefix means the same thing everywhere.
"""

from rdflib import Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    TIME,
    VOID,
    XSD,
)

BASE = "https://w3id.org/cbss-kg/"
"""The published base IRI; things live under ``id/``, the ontology under ``ontology``."""

ONTOLOGY_IRI = BASE + "ontology"
CBSS = Namespace(ONTOLOGY_IRI + "#")
SHAPES = Namespace(BASE + "shapes#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

ELI = Namespace("http://data.europa.eu/eli/ontology#")
CV = Namespace("http://data.europa.eu/m8g/")
EUVOC = Namespace("http://publications.europa.eu/ontology/euvoc#")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
OP_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
OP_CORPORATE_BODY = Namespace("http://publications.europa.eu/resource/authority/corporate-body/")
OP_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
SPDX = Namespace("http://spdx.org/rdf/terms#")

PREFIXES: dict[str, str] = {
    "cbss": str(CBSS),
    "id": str(ID),
    "graph": str(GRAPH),
    "sh": str(SH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "skosxl": str(SKOSXL),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "vann": str(VANN),
    "foaf": str(FOAF),
    "org": str(ORG),
    "time": str(TIME),
    "prov": str(PROV),
    "schema": str(SDO),
    "eli": str(ELI),
    "cv": str(CV),
    "euvoc": str(EUVOC),
    "wd": str(WD),
    "wdt": str(WDT),
    "opcountry": str(OP_COUNTRY),
    "opcb": str(OP_CORPORATE_BODY),
    "oplang": str(OP_LANGUAGE),
    "spdx": str(SPDX),
}
"""Prefix → namespace IRI, in the order they are written in output."""
