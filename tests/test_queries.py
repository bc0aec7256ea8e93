"""The query catalogue: ``#+`` headers, typed binding, the tokenizer's screening, and the real
``cbss-kg query`` command run on a small fixture project."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql.parser import parseQuery

from cbss_kg.config import Project
from cbss_kg.queries import (
    ParameterError,
    Query,
    QueryError,
    QueryFileError,
    QueryRejected,
    bind,
    inline_bindings,
    load_catalog,
    parse_query_file,
    projection,
    query_form,
    screen,
    tokenize,
)

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "store" / "project"
ID = "https://w3id.org/cbss-kg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"

HEADER = """#+ summary: States on a date
#+ kind: cq
#+ params:
#+   - name: date
#+     type: xsd:date
#+     default: "2000-01-01"
#+     description: the day
"""
BODY = "SELECT ?s WHERE { ?s ?p ?date }\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def catalog() -> dict[str, Query]:
    return load_catalog(Project(FIXTURE))


# --- the header ---------------------------------------------------------------------------------


def test_header_fields(catalog) -> None:
    query = catalog["members-on-date"]
    assert (query.name, query.kind, query.form) == ("members-on-date", "cq", "select")
    assert query.summary == "States that were members of the council on a given day"
    assert query.tags == ("membership", "time")
    (param,) = query.params
    assert (param.name, param.type, param.default, param.required) == (
        "date",
        "xsd:date",
        "2000-01-01",
        False,
    )
    assert param.description == "the day to ask about"
    assert catalog["labels"].params[0].required
    assert not catalog["labels"].params[1].required


def test_forms_kinds_and_severity(catalog) -> None:
    assert catalog["is-member"].form == "ask"
    assert catalog["description"].form == "construct"
    assert catalog["description"].kind == "view"
    check = catalog["state-without-english-label"]
    assert (check.kind, check.severity) == ("check", "warning")
    assert catalog["labels"].severity is None


def test_catalog_holds_every_file_by_name(catalog) -> None:
    files = sorted(p.stem for p in (FIXTURE / "queries").rglob("*.rq"))
    assert sorted(catalog) == files


def test_yaml_dates_and_numbers_become_text(tmp_path: Path) -> None:
    """Unquoted YAML reads 2000-01-01 as a date: the default must still be the text typed."""
    text = HEADER.replace('"2000-01-01"', "2000-01-01") + BODY
    query = parse_query_file(write(tmp_path / "cq", "q.rq", text))
    assert query.params[0].default == "2000-01-01"


BAD_FILES = {
    "no header": (BODY, "no '#+' header"),
    "no summary": ("#+ kind: cq\n" + BODY, "no summary"),
    "unknown kind": ("#+ summary: x\n#+ kind: question\n" + BODY, "unknown kind 'question'"),
    "kind against folder": ("#+ summary: x\n#+ kind: view\n" + BODY, "does not match its folder"),
    "not YAML": ("#+ summary: [x\n" + BODY, "not valid YAML"),
    "unknown key": ("#+ summary: x\n#+ sumary: y\n" + BODY, "unknown header keys sumary"),
    "param not in body": (
        HEADER.replace("name: date", "name: day") + BODY,
        "?day does not appear in the query",
    ),
    "param only in a comment and a string": (
        HEADER.replace("name: date", "name: day") + 'SELECT ?s WHERE { ?s ?p "?day" } # ?day\n',
        "?day does not appear in the query",
    ),
    "unknown type": (HEADER.replace("xsd:date", "xsd:datum") + BODY, "unknown type 'xsd:datum'"),
    "bad default": (HEADER.replace("2000-01-01", "2000-02-30") + BODY, "bad default"),
    "param twice": (
        HEADER + "#+   - name: date\n#+     type: xsd:date\n" + BODY,
        "declared twice",
    ),
    "syntax error": (HEADER + "SELECT ?s WHERE { ?s ?p ?date \n", "SPARQL syntax error"),
    "severity outside a check": ("#+ summary: x\n#+ severity: warning\n" + BODY, "only for checks"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_named_with_the_reason(tmp_path: Path, case: str) -> None:
    text, reason = BAD_FILES[case]
    path = write(tmp_path / "cq", "broken.rq", text)
    with pytest.raises(QueryFileError) as caught:
        parse_query_file(path)
    assert "broken.rq" in str(caught.value)
    assert reason in str(caught.value)


def test_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "cq", "broken.rq", HEADER + "\nSELECT ?s WHERE { ?s ?p ?date \n")
    with pytest.raises(QueryFileError) as caught:
        parse_query_file(path)
    assert "broken.rq: 10:" in str(caught.value) or "broken.rq: 11:" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ASK { ?focus ?p ?message }", "must be a SELECT"),
        ("SELECT ?focus WHERE { ?focus ?p ?o }", "must select ?focus and ?message"),
        (
            "#+ severity: fatal\nSELECT ?focus ?message WHERE { ?focus ?p ?message }",
            "unknown severity",
        ),
    ],
)
def test_checks_must_select_focus_and_message(tmp_path: Path, text: str, reason: str) -> None:
    lines = text.splitlines(keepends=True)
    header = "#+ summary: x\n" + "".join(line for line in lines if line.startswith("#+"))
    body = "".join(line for line in lines if not line.startswith("#+"))
    path = write(tmp_path / "checks", "c.rq", header + body)
    with pytest.raises(QueryFileError, match=re.escape(reason)):
        parse_query_file(path)


def test_names_are_unique_across_folders(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root / "queries" / "cq", "same.rq", "#+ summary: a\n" + BODY.replace("?date", "?o"))
    write(root / "queries" / "views", "same.rq", "#+ summary: b\n" + BODY.replace("?date", "?o"))
    with pytest.raises(QueryFileError, match="'same' is already used by"):
        load_catalog(Project(root))


# --- binding --------------------------------------------------------------------------------------


def test_defaults_are_applied_and_typed(catalog) -> None:
    assert bind(catalog["members-on-date"], {}) == {
        "date": Literal("2000-01-01", datatype=URIRef(XSD + "date"))
    }
    assert bind(catalog["is-member"], {}) == {"state": URIRef(ID + "state/LV")}


def test_iris_as_curies_full_or_bracketed(catalog) -> None:
    query = catalog["labels"]
    for value in ("id:state/LV", f"{ID}state/LV", f"<{ID}state/LV>"):
        assert bind(query, {"thing": value})["thing"] == URIRef(ID + "state/LV")


def test_an_optional_parameter_without_value_stays_unbound(catalog) -> None:
    assert bind(catalog["labels"], {"thing": "id:state/LV"}) == {"thing": URIRef(ID + "state/LV")}


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("labels", {}, "needs parameter 'thing' (iri): the thing"),
        ("labels", {"thing": "id:state/LV", "colour": "red"}, "unknown parameter 'colour'"),
        ("labels", {"thing": "idd:state/LV"}, "unknown prefix 'idd'"),
        ("labels", {"thing": "state/LV"}, "is not an IRI"),
        ("labels", {"thing": "https://x.org/a> } #"}, "cannot contain"),
        ("labels", {"thing": "https://x.org/a b"}, "cannot contain"),
        ("labels", {"thing": "ftp://x.org/a"}, "unknown prefix 'ftp'"),
        ("members-on-date", {"date": "2021-02-30"}, "YYYY-MM-DD"),
        ("members-on-date", {"date": "2021-1-1"}, "YYYY-MM-DD"),
        ("members-on-date", {"date": "20210101"}, "YYYY-MM-DD"),
        ("members-on-date", {"date": "2021-01-01T00:00:00"}, "YYYY-MM-DD"),
        ("members-on-date", {"date": '2021-01-01" || true || "'}, "YYYY-MM-DD"),
    ],
)
def test_bad_parameters_are_refused_in_plain_words(catalog, name, raw, message) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        bind(catalog[name], raw)


@pytest.mark.parametrize(
    ("kind", "value", "term"),
    [
        ("xsd:gYear", "1992", Literal("1992", datatype=URIRef(XSD + "gYear"))),
        ("xsd:integer", "-7", Literal(-7)),
        ("xsd:boolean", "true", Literal(True)),
        ("xsd:boolean", "0", Literal(False)),
        ("lang:lv", "Latvija", Literal("Latvija", lang="lv")),
        ("xsd:string", 'a "quoted" }', Literal('a "quoted" }')),
    ],
)
def test_each_type_makes_its_term(tmp_path: Path, kind, value, term) -> None:
    text = f"#+ summary: x\n#+ params:\n#+   - name: v\n#+     type: {kind}\n" + (
        "SELECT ?s WHERE { ?s ?p ?v }\n"
    )
    query = parse_query_file(write(tmp_path / "cq", "q.rq", text))
    assert bind(query, {"v": value})["v"] == term


@pytest.mark.parametrize(
    ("kind", "value"), [("xsd:gYear", "92"), ("xsd:integer", "1.5"), ("xsd:boolean", "yes")]
)
def test_ill_typed_values_are_refused(tmp_path: Path, kind: str, value: str) -> None:
    text = f"#+ summary: x\n#+ params:\n#+   - name: v\n#+     type: {kind}\n" + (
        "SELECT ?s WHERE { ?s ?p ?v }\n"
    )
    query = parse_query_file(write(tmp_path / "cq", "q.rq", text))
    with pytest.raises(ParameterError, match="parameter 'v'"):
        bind(query, {"v": value})


# --- the tokenizer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?s WHERE { ?s ?p "SERVICE <http://x> { }" }',
        "SELECT ?s WHERE { ?s <http://example.org/LOAD> ?o } # SERVICE LOAD INSERT",
        "PREFIX service: <http://x/> SELECT ?load WHERE { ?load service:load ?o }",
        "SELECT ?s WHERE { ?s ?p '''\nDELETE WHERE { ?s ?p ?o }\n''' }",
    ],
)
def test_keywords_in_strings_iris_and_comments_are_not_seen(text: str) -> None:
    screen(tokenize(text))


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("select * where { service silent <http://x/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE ?e { ?s ?p ?o } }", "SERVICE"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "read-only"),
        ("PREFIX a: <http://a/> DELETE WHERE { ?s ?p ?o }", "read-only"),
        ("CLEAR ALL", "read-only"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "read-only"),
    ],
)
def test_network_file_and_update_operations_are_rejected(text: str, what: str) -> None:
    with pytest.raises(QueryRejected, match=what):
        screen(tokenize(text))


def test_form_and_projection() -> None:
    text = "PREFIX x: <http://x/> SELECT DISTINCT ?a (COUNT(?b) AS ?n) { ?a x:p ?b } GROUP BY ?a"
    tokens = tokenize(text)
    assert query_form(tokens) == "select"
    assert projection(tokens) == ("a", "n")
    assert projection(tokenize("SELECT * { ?s ?p ?o }")) is None
    assert query_form(tokenize("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }")) == "construct"


DATE = Literal("2000-01-01", datatype=URIRef(XSD + "date"))


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s WHERE { ?s ?p ?d FILTER (?d < ?date) }",
        "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?date } GROUP BY ?s ?date ORDER BY ?date",
        "SELECT ?date ?s WHERE { GRAPH ?g { ?s ?p ?o FILTER (?o = ?date) } }",
        "SELECT * WHERE { { SELECT ?date WHERE { ?s ?p ?date } } }",
        "ASK { ?s ?p ?date }",
        "CONSTRUCT WHERE { ?s ?p ?date }",
        "CONSTRUCT { ?s ?p ?date } WHERE { ?s ?p ?o }",
    ],
)
def test_inlined_terms_keep_the_query_valid(text: str) -> None:
    inlined = inline_bindings(text, {"date": DATE})
    parseQuery(inlined)
    assert "?date" not in inlined.replace("AS ?date", "")
    assert DATE.n3() in inlined


def test_a_bound_variable_is_bound() -> None:
    text = "SELECT * WHERE { ?s ?p ?o FILTER (BOUND(?date) && BOUND (?o)) }"
    expected = "SELECT * WHERE { ?s ?p ?o FILTER (true && BOUND (?o)) }"
    assert inline_bindings(text, {"date": DATE}) == expected


def test_a_subquery_variable_it_does_not_project_is_left_alone() -> None:
    text = "SELECT ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?date ?p ?o } } }"
    assert inline_bindings(text, {"date": DATE}) == text


@pytest.mark.parametrize(
    "text",
    ["SELECT * WHERE { BIND (1 AS ?date) }", "SELECT * WHERE { VALUES ?date { 1 } }"],
)
def test_a_variable_the_query_assigns_cannot_be_bound(text: str) -> None:
    with pytest.raises(QueryError, match="assigned by the query"):
        inline_bindings(text, {"date": DATE})


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the fixture project (a folder ``cbss-kg`` recognises) to run the command in."""
    root = tmp_path / "project"
    for part in ("ontology", "data", "queries"):
        (root / part).mkdir(parents=True)
        for source in (FIXTURE / part).rglob("*"):
            target = root / part / source.relative_to(FIXTURE / part)
            if source.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.write_bytes(source.read_bytes())
    (root / "pyproject.toml").write_text('[project]\nname = "fixture"\n', encoding="utf-8")
    return root


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cbss_kg", "query", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_runs_a_named_query_with_parameters(project_dir: Path) -> None:
    done = cli(project_dir, "members-on-date", "--param", "date=2023-01-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == ["Estonia", "Iceland", "Latvia"]


def test_command_table_is_readable(project_dir: Path) -> None:
    done = cli(project_dir, "labels", "-p", "thing=id:state/LV")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["thing", "label"]
    assert "id:state/LV  Latvia @en" in done.stdout
    assert "id:state/LV  Latvija @lv" in done.stdout
    assert lines[-1] == "(2 rows)"


def test_command_runs_a_query_file(project_dir: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path / "mine",
        "count.rq",
        "#+ summary: count\n#+ kind: cq\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n",
    )
    done = cli(project_dir, str(path), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "n"
    assert int(done.stdout.splitlines()[1]) > 30


def test_command_lists_the_catalogue(project_dir: Path) -> None:
    done = cli(project_dir, "--list")
    assert done.returncode == 0, done.stderr
    assert "members-on-date  [cq, select]  States that were members" in done.stdout
    assert "--param date=...  (xsd:date, default 2000-01-01): the day to ask about" in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("no-such-query",), 2, "no query named 'no-such-query'"),
        (("members-on-dat",), 2, "did you mean members-on-date"),
        (("members-on-date", "-p", "date=yesterday"), 2, "YYYY-MM-DD"),
        (("members-on-date", "-p", "day=2000-01-01"), 2, "unknown parameter 'day'"),
        (("members-on-date", "-p", "date"), 2, "is not NAME=VALUE"),
        (("labels",), 2, "needs parameter 'thing'"),
        ((), 2, "give a query NAME or FILE"),
        (("missing.rq",), 1, "no such query file"),
        (
            ("state-by-label", "-p", "name=x", "--endpoint", "http://127.0.0.1:9/sparql"),
            1,
            "cannot reach",
        ),
    ],
)
def test_command_errors_are_one_line_without_traceback(project_dir, args, code, message) -> None:
    done = cli(project_dir, *args)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_command_reports_a_syntax_error_and_a_timeout(project_dir: Path, tmp_path: Path) -> None:
    broken = write(tmp_path / "mine", "broken.rq", "#+ summary: x\n#+ kind: cq\nSELECT ?s {\n")
    done = cli(project_dir, str(broken))
    assert done.returncode == 1
    assert "broken.rq" in done.stderr and "SPARQL syntax error" in done.stderr
    product = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(6))
    slow = write(
        tmp_path / "mine",
        "slow.rq",
        f"#+ summary: x\n#+ kind: cq\nSELECT (COUNT(*) AS ?n) WHERE {{ {product} }}\n",
    )
    done = cli(project_dir, str(slow), "--timeout", "1")
    assert done.returncode == 1, done.stderr
    assert "time budget of 1 s" in done.stderr
    assert "Traceback" not in done.stderr
