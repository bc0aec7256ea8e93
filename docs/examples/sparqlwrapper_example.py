"""Ask the CBSS knowledge graph's SPARQL endpoint from Python with SPARQLWrapper.

    python docs/examples/sparqlwrapper_example.py https://w3id.org/cbss-kg
"""

import sys

from SPARQLWrapper import JSON, SPARQLWrapper

BASE = (sys.argv[1] if len(sys.argv) > 1 else "https://w3id.org/cbss-kg").rstrip("/")

QUERY = """
PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?state ?en ?lv WHERE {
  ?state a cbss:State ; skos:prefLabel ?en , ?lv .
  FILTER (LANG(?en) = "en" && LANG(?lv) = "lv")
}
ORDER BY ?en
"""

endpoint = SPARQLWrapper(f"{BASE}/sparql", agent="cbss-kg-example/1.0")
endpoint.setQuery(QUERY)
endpoint.setReturnFormat(JSON)
rows = endpoint.queryAndConvert()["results"]["bindings"]
for row in rows:
    print(f'{row["state"]["value"]}\t{row["en"]["value"]}\t{row["lv"]["value"]}')
print(f"{len(rows)} states")
