// The CBSS knowledge graph from JavaScript with fetch (Node 18+ or a browser):
// a SPARQL query, then one entity as JSON-LD, read like ordinary JSON thanks to the context.
//
//   node docs/examples/fetch_example.mjs https://w3id.org/cbss-kg
const base = (process.argv[2] ?? "https://w3id.org/cbss-kg").replace(/\/$/, "");

const query = `
PREFIX cbss: <https://w3id.org/cbss-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?state ?name WHERE {
  ?state a cbss:State ; skos:prefLabel ?name .
  FILTER (LANG(?name) = "en")
} ORDER BY ?name`;

const answer = await fetch(`${base}/sparql`, {
  method: "POST",
  headers: {
    "Content-Type": "application/sparql-query",
    Accept: "application/sparql-results+json",
  },
  body: query,
});
if (!answer.ok) throw new Error(`SPARQL: HTTP ${answer.status}: ${await answer.text()}`);
const { results } = await answer.json();
for (const row of results.bindings) console.log(`${row.state.value}\t${row.name.value}`);

const latvia = await fetch(`${base}/id/state/LV`, { headers: { Accept: "application/ld+json" } });
if (!latvia.ok) throw new Error(`Latvia: HTTP ${latvia.status}`);
const doc = await latvia.json();
const nodes = doc["@graph"] ?? [doc];
const node = nodes.find((n) => (n.id ?? n["@id"] ?? "").endsWith("state/LV"));
console.log("Latvia as JSON-LD:", JSON.stringify(node?.name ?? node));
