#!/usr/bin/env bash
# The CBSS knowledge graph with nothing but curl: SPARQL by GET and POST, an entity's RDF by
# content negotiation, and a download checked against the release's checksums.
#
#   bash docs/examples/curl.sh https://w3id.org/cbss-kg      (or a local server: http://127.0.0.1:8000)
set -euo pipefail
BASE="${1:-https://w3id.org/cbss-kg}"
BASE="${BASE%/}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

QUERY='PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?state ?name WHERE {
  ?state a cbss:State ; skos:prefLabel ?name .
  FILTER (LANG(?name) = "en")
} ORDER BY ?name'

echo "== SPARQL by GET, results as CSV"
curl -fsS -G "$BASE/sparql" --data-urlencode "query=$QUERY" -H 'Accept: text/csv'

echo "== SPARQL by POST (the query as the body), results as SPARQL JSON"
curl -fsS "$BASE/sparql" -H 'Content-Type: application/sparql-query' \
     -H 'Accept: application/sparql-results+json' --data-binary "$QUERY" | head -c 400
echo

echo "== Latvia as Turtle, then as JSON-LD (content negotiation on its IRI)"
curl -fsS -H 'Accept: text/turtle' "$BASE/id/state/LV" | head -n 20
curl -fsS -H 'Accept: application/ld+json' "$BASE/id/state/LV" | head -c 400
echo

echo "== Download the Turtle release and check it against SHA256SUMS"
curl -fsS -o "$WORK/cbss-kg.ttl" "$BASE/download/cbss-kg.ttl"
curl -fsS -o "$WORK/SHA256SUMS" "$BASE/download/SHA256SUMS"
(cd "$WORK" && grep ' cbss-kg.ttl$' SHA256SUMS | sha256sum --check --strict)
