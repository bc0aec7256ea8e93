"""The SPARQL 1.1 Service Description of the endpoint (answer to a bare GET on ``/sparql``).

Says what the endpoint is (read-only SPARQL 1.1 Query, the default graph being the union of the
named graphs), which result formats it speaks, and what data it holds: each named graph with its
number of statements, the whole tied to the release's VoID description.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from cbss_kg import __version__
from cbss_kg.namespaces import PREFIXES
from cbss_kg.web.site import Site

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "JSON-LD",
    "N-Triples",
    "RDF_XML",
    "TriG",
)


def service_description(endpoint: str, site: Site) -> Graph:
    """The ``sd:Service`` at ``endpoint``, the URL of ``/sparql`` as the client reached it."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal(
                "Read-only SPARQL 1.1 Query endpoint of the CBSS knowledge graph. The default "
                "graph is the union of all named graphs; SERVICE, LOAD and updates are refused; "
                f"each query may run {site.settings.timeout:g} s and answer at most "
                f"{site.settings.row_limit} rows.",
                lang="en",
            ),
        )
    )
    graph.add((service, DCTERMS.hasVersion, Literal(__version__)))
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))

    dataset = site.void.dataset or BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, service))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(site.triples, datatype=XSD.integer)))
    for info in site.graphs.values():
        named = BNode()
        described = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(info.iri)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
        if info.source:
            graph.add((described, DCTERMS.source, URIRef(info.source)))
    return graph
