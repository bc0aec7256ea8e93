#!/usr/bin/env bash
# Load the release (every named graph, as N-Quads) into your own Oxigraph store and query it,
# with the provenance graphs kept: which source says that Latvia is a member?
#
#   pip install oxigraph
#   bash docs/examples/load_into_oxigraph.sh https://w3id.org/cbss-kg [STORE_DIR]
set -euo pipefail
BASE="${1:-https://w3id.org/cbss-kg}"
BASE="${BASE%/}"
STORE="${2:-$(mktemp -d)}"
OXIGRAPH="${OXIGRAPH:-oxigraph}"
mkdir -p "$STORE"

curl -fsS -o "$STORE/cbss-kg.nq" "$BASE/download/cbss-kg.nq"
"$OXIGRAPH" load --location "$STORE/db" --file "$STORE/cbss-kg.nq"
"$OXIGRAPH" query --location "$STORE/db" --results-format csv --query '
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?membership ?source WHERE {
  GRAPH ?graph { ?membership org:member <https://w3id.org/cbss-kg/id/state/LV> }
  OPTIONAL { GRAPH <https://w3id.org/cbss-kg/graph/metadata> { ?graph prov:wasDerivedFrom ?source } }
}
ORDER BY ?membership ?source'
