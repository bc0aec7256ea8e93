"""Load the CBSS knowledge graph's Turtle release into rdflib and query it locally.

    python docs/examples/rdflib_example.py https://w3id.org/cbss-kg      (downloads cbss-kg.ttl)
    python docs/examples/rdflib_example.py dist/cbss-kg.ttl              (a release on disk)
"""

import sys
import urllib.request

from rdflib import Graph

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "https://w3id.org/cbss-kg"

graph = Graph()
if SOURCE.startswith(("http://", "https://")):
    with urllib.request.urlopen(f"{SOURCE.rstrip('/')}/download/cbss-kg.ttl") as response:
        graph.parse(data=response.read().decode("utf-8"), format="turtle")
else:
    graph.parse(SOURCE, format="turtle")
print(f"{len(graph)} triples")

MEMBERSHIPS = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name (COUNT(?membership) AS ?memberships) WHERE {
  ?membership org:member ?member .
  ?member skos:prefLabel ?name .
  FILTER (LANG(?name) = "en")
}
GROUP BY ?name
ORDER BY DESC(?memberships) ?name
"""
for name, count in graph.query(MEMBERSHIPS):
    print(f"{name}\t{count}")
