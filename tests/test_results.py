"""Query results in the W3C results formats (read back by rdflib's own, independent parsers) and
as a table for people."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from cbss_kg import results
from cbss_kg.results import QueryResult, from_json, render

ID = "https://w3id.org/cbss-kg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
LATVIA = URIRef(ID + "state/LV")
TRICKY = 'Line one,\n"two"\tand \\ three'


@pytest.fixture
def result() -> QueryResult:
    return QueryResult(
        form="select",
        variables=("thing", "label", "value"),
        rows=[
            {
                "thing": LATVIA,
                "label": Literal("Latvija", lang="lv"),
                "value": Literal("1992-03-06", datatype=URIRef(XSD + "date")),
            },
            {"thing": BNode("b0"), "label": Literal(TRICKY), "value": Literal(7)},
            {
                "thing": URIRef("http://example.org/x"),
                "value": Literal("x", datatype=URIRef("http://example.org/type")),
            },
        ],
    )


def parsed(text: str, fmt: str) -> list[dict]:
    rows = Result.parse(io.BytesIO(text.encode()), format=fmt)
    return [{str(k): v for k, v in row.asdict().items()} for row in rows]


def expected_rows(result: QueryResult) -> list[dict]:
    return [{name: term for name, term in row.items()} for row in result.rows]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_formats_read_back_to_the_same_terms(result: QueryResult, fmt: str) -> None:
    assert parsed(render(result, fmt), fmt) == expected_rows(result)


def test_json_follows_the_spec(result: QueryResult) -> None:
    document = json.loads(render(result, "json"))
    assert document["head"] == {"vars": ["thing", "label", "value"]}
    first, second, third = document["results"]["bindings"]
    assert first["label"] == {"type": "literal", "value": "Latvija", "xml:lang": "lv"}
    assert first["value"] == {"type": "literal", "value": "1992-03-06", "datatype": XSD + "date"}
    assert second["thing"] == {"type": "bnode", "value": "b0"}
    assert second["label"] == {"type": "literal", "value": TRICKY}  # simple literal: no datatype
    assert "label" not in third  # unbound


def test_json_reads_back_into_a_result(result: QueryResult) -> None:
    again = from_json(json.loads(render(result, "json")))
    assert again.variables == result.variables
    assert again.rows == result.rows


def test_xml_follows_the_spec(result: QueryResult) -> None:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(render(result, "xml"))
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == [
        "thing",
        "label",
        "value",
    ]
    label = root.find("r:results/r:result/r:binding[@name='label']/r:literal", ns)
    assert label.text == "Latvija"
    assert label.get("{http://www.w3.org/XML/1998/namespace}lang") == "lv"


def test_csv_follows_the_spec(result: QueryResult) -> None:
    text = render(result, "csv")
    assert text.startswith("thing,label,value\r\n")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == [str(LATVIA), "Latvija", "1992-03-06"]  # lexical forms only
    assert rows[2] == ["_:b0", TRICKY, "7"]
    assert rows[3] == ["http://example.org/x", "", "x"]


def test_tsv_writes_terms_with_escapes(result: QueryResult) -> None:
    lines = render(result, "tsv").split("\n")
    assert lines[0] == "?thing\t?label\t?value"
    assert lines[1].split("\t") == [f"<{LATVIA}>", '"Latvija"@lv', f'"1992-03-06"^^<{XSD}date>']
    assert lines[2].split("\t")[1] == '"Line one,\\n\\"two\\"\\tand \\\\ three"'
    assert lines[3].split("\t")[1] == ""
    assert len(lines) == 5 and lines[4] == ""


@pytest.mark.parametrize("answer", [True, False])
def test_ask_answers(answer: bool) -> None:
    result = QueryResult(form="ask", boolean=answer)
    assert json.loads(render(result, "json")) == {"head": {}, "boolean": answer}
    xml = Result.parse(io.BytesIO(render(result, "xml").encode()), format="xml")
    assert xml.askAnswer is answer
    assert render(result, "csv").strip() == str(answer).lower()
    assert render(result, "table") == ("yes\n" if answer else "no\n")


def test_table_is_aligned_and_readable(result: QueryResult) -> None:
    lines = render(result, "table").splitlines()
    assert lines[0].split() == ["thing", "label", "value"]
    assert set(lines[1]) == {"-", " "}
    column = lines[0].index("label")
    assert all(line[column - 2 : column] == "  " for line in lines[1:4])
    assert lines[2].startswith("id:state/LV ")
    assert "Latvija @lv" in lines[2]
    assert "1992-03-06" in lines[2] and "^^" not in lines[2]
    assert 'Line one,\\n"two"\\tand \\\\ three' in lines[3]  # one line, breaks shown escaped
    assert "x ^^<http://example.org/type>" in lines[4]
    assert lines[-1] == "(3 rows)"


def test_table_says_when_rows_were_cut(result: QueryResult) -> None:
    result.truncated = True
    assert render(result, "table").splitlines()[-1] == "(3 rows (cut at 3: there are more))"


@pytest.fixture
def graph_result() -> QueryResult:
    triples = [
        (
            LATVIA,
            URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
            Literal("Latvija", lang="lv"),
        ),
        (
            LATVIA,
            URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("https://w3id.org/cbss-kg/ontology#State"),
        ),
    ]
    return QueryResult(form="graph", triples=triples)


@pytest.mark.parametrize(("fmt", "parser"), [("json", "json-ld"), ("turtle", "turtle")])
def test_graphs_render_as_rdf(graph_result: QueryResult, fmt: str, parser: str) -> None:
    expected = Graph()
    for triple in graph_result.triples:
        expected.add(triple)
    assert isomorphic(Graph().parse(data=render(graph_result, fmt), format=parser), expected)


def test_graph_table_and_csv_have_subject_predicate_object(graph_result: QueryResult) -> None:
    table = render(graph_result, "table")
    assert table.splitlines()[0].split() == ["subject", "predicate", "object"]
    assert "id:state/LV  skos:prefLabel  Latvija @lv" in table
    assert render(graph_result, "csv").startswith("subject,predicate,object\r\n")


def test_unknown_format_is_refused(result: QueryResult) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(result, "yaml")
    with pytest.raises(ValueError, match="Turtle"):
        render(result, "turtle")


@pytest.mark.parametrize("literal", [
    Literal('a "quoted"\ttab\nline\\ and \r return'),
    Literal("Rīga", lang="lv"),
    Literal("2016-01-01", datatype=URIRef(XSD + "date")),
])
def test_a_literal_written_as_n_triples_reads_back_as_itself(literal: Literal) -> None:
    text = results.literal_text(literal)
    assert "\t" not in text and "\n" not in text
    graph = Graph().parse(data=f"<http://e.org/s> <http://e.org/p> {text} .", format="nt")
    assert list(graph.objects()) == [literal]
