"""The server's helpers that need no server: content negotiation, languages, dates, OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from cbss_kg.queries import Param, Query
from cbss_kg.web import conneg, i18n
from cbss_kg.web.conneg import (
    CSV,
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_FORMATS,
    RDF_XML,
    RESULT_FORMATS,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
)
from cbss_kg.web.openapi import openapi
from cbss_kg.web.vocab import compact, humanize

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, RESULT_FORMATS, SPARQL_JSON),
        ("*/*", RDF_FORMATS, TURTLE),
        ("text/csv", RESULT_FORMATS, CSV),
        ("text/tab-separated-values", RESULT_FORMATS, TSV),
        ("application/sparql-results+xml", RESULT_FORMATS, SPARQL_XML),
        # SPARQLWrapper's JSON list
        (
            "application/sparql-results+json,application/json,text/javascript",
            RESULT_FORMATS,
            SPARQL_JSON,
        ),
        ("application/ld+json", RDF_FORMATS, JSON_LD),
        ("application/turtle,text/turtle", RDF_FORMATS, TURTLE),
        ("application/rdf+xml", RDF_FORMATS, RDF_XML),
        ("application/n-triples", RDF_FORMATS, N_TRIPLES),
        # q-values decide, not the order written
        ("text/turtle;q=0.5, application/ld+json;q=0.9", RDF_FORMATS, JSON_LD),
        ("text/csv;q=0.1, text/tab-separated-values", RESULT_FORMATS, TSV),
        # a more specific range overrides a wildcard's q
        ("text/*;q=0.9, text/csv;q=0.2", (CSV, TSV), TSV),
        # a browser gets HTML over the XML it also accepts
        (BROWSER, (*RDF_FORMATS, HTML), HTML),
        (BROWSER, (*RESULT_FORMATS, HTML), HTML),
        ("text/turtle, text/html;q=0.5", (*RDF_FORMATS, HTML), TURTLE),
    ],
)
def test_negotiate_picks_the_clients_best(accept, offers, expected):
    assert conneg.negotiate(accept, offers) is expected


@pytest.mark.parametrize("accept", ["image/png", "text/csv;q=0, */*;q=0", "application/pdf"])
def test_negotiate_finds_nothing_acceptable(accept):
    assert conneg.negotiate(accept, RDF_FORMATS) is None


def test_a_malformed_accept_entry_is_skipped():
    assert (
        conneg.negotiate("garbage, text/csv;q=abc, text/tab-separated-values", RESULT_FORMATS)
        is TSV
    )


@pytest.mark.parametrize(
    ("values", "graph", "expected"),
    [
        (["json"], False, SPARQL_JSON),
        (["json"], True, JSON_LD),
        (["xml"], False, SPARQL_XML),
        (["xml"], True, RDF_XML),
        (["ttl"], True, TURTLE),
        (["turtle"], True, TURTLE),
        (["nt"], True, N_TRIPLES),
        (["rdfxml"], True, RDF_XML),
        # SPARQLWrapper sends the short name and the media type
        (["tsv", "text/tab-separated-values"], False, TSV),
        (["json-ld", "application/ld+json"], True, JSON_LD),
        ([], False, None),
        ([""], False, None),
    ],
)
def test_format_override(values, graph, expected):
    offers = RDF_FORMATS if graph else RESULT_FORMATS
    assert conneg.override(values, offers, graph=graph) is expected


@pytest.mark.parametrize(("values", "graph"), [(["csv"], True), (["ttl"], False), (["pdf"], False)])
def test_format_override_refuses_what_is_not_on_offer(values, graph):
    offers = RDF_FORMATS if graph else RESULT_FORMATS
    with pytest.raises(conneg.UnknownFormat, match=values[0]):
        conneg.override(values, offers, graph=graph)


@pytest.mark.parametrize(
    ("param", "accept", "expected"),
    [
        ("lv", "en", ("lv", True)),
        ("EN", "lv", ("en", True)),
        (None, "lv-LV,lv;q=0.9,en;q=0.8", ("lv", False)),
        (None, "de-DE,en;q=0.5,lv;q=0.7", ("lv", False)),
        (None, "de", ("en", False)),
        (None, None, ("en", False)),
        ("xx", "lv", ("lv", False)),
    ],
)
def test_choose_language(param, accept, expected):
    assert i18n.choose_language(param, accept) == expected


@pytest.mark.parametrize(
    ("literal", "en", "lv"),
    [
        (Literal("1992-03-05", datatype=XSD.date), "5 March 1992", "1992. gada 5. marts"),
        (Literal("2018-09-04", datatype=XSD.date), "4 September 2018", "2018. gada 4. septembris"),
        (Literal("2022-03", datatype=XSD.gYearMonth), "March 2022", "2022. gada marts"),
        (Literal("1995", datatype=XSD.gYear), "1995", "1995. gads"),
        (
            Literal("2021-01-01T10:00:00Z", datatype=XSD.dateTime),
            "1 January 2021",
            "2021. gada 1. janvāris",
        ),
    ],
)
def test_dates_keep_their_precision(literal, en, lv):
    assert i18n.format_date(literal, "en") == en
    assert i18n.format_date(literal, "lv") == lv


@pytest.mark.parametrize(
    "literal",
    [
        Literal("1992"),
        Literal("not a date", datatype=XSD.date),
        Literal("2020-13", datatype=XSD.gYearMonth),
    ],
)
def test_what_is_not_a_date_is_left_alone(literal):
    assert i18n.format_date(literal, "en") is None


def test_every_message_exists_in_both_languages():
    assert set(i18n.MESSAGES["en"]) == set(i18n.MESSAGES["lv"])


def test_vocabulary_names():
    assert humanize("http://www.w3.org/ns/org#memberDuring") == "member during"
    assert compact("https://w3id.org/cbss-kg/id/state/LV") == "id:state/LV"
    assert compact("http://www.wikidata.org/entity/Q211") == "wd:Q211"
    assert compact("https://example.org/x") == "https://example.org/x"


def test_openapi_follows_the_query_headers(tmp_path: Path):
    query = Query(
        name="members-on-date",
        kind="cq",
        path=tmp_path / "members-on-date.rq",
        text="SELECT ?member WHERE { ?member ?p ?date }",
        summary="Members of the council on a given date",
        form="select",
        params=(
            Param("date", "xsd:date", "the day to ask about", "2021-01-01", True),
            Param("organisation", "iri", "whose members", None, True),
            Param("limit", "xsd:integer", "how many", "10", False),
        ),
        tags=("membership",),
    )
    document = openapi(
        {"members-on-date": query}, "http://127.0.0.1:8000", title="t", description="d"
    )
    assert document["openapi"] == "3.1.0"
    operation = document["paths"]["/api/members-on-date"]["get"]
    assert operation["summary"] == "Members of the council on a given date"
    assert operation["operationId"] == "membersOnDate"
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["date"]["schema"] == {"type": "string", "format": "date", "default": "2021-01-01"}
    assert params["date"]["required"] is False
    assert "the day to ask about" in params["date"]["description"]
    assert params["organisation"]["required"] is True
    assert params["organisation"]["schema"]["format"] == "iri"
    assert params["limit"]["schema"] == {"type": "integer", "default": 10}
    assert set(params["format"]["schema"]["enum"]) == {"json", "xml", "csv", "tsv"}
    assert set(operation["responses"]["200"]["content"]) == {f.media_type for f in RESULT_FORMATS}


def test_openapi_offers_rdf_for_a_construct(tmp_path: Path):
    query = Query(
        name="g",
        kind="cq",
        path=tmp_path / "g.rq",
        text="CONSTRUCT WHERE { ?s ?p ?o }",
        summary="s",
        form="construct",
    )
    document = openapi({"g": query}, "http://x", title="t", description="d")
    content = document["paths"]["/api/g"]["get"]["responses"]["200"]["content"]
    assert set(content) == {f.media_type for f in RDF_FORMATS}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ('application/ld+json; profile="https://w3id.org/cbss-kg/frames/state"',
         ["https://w3id.org/cbss-kg/frames/state"]),
        # several profiles in one value, and several entries
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#framed '
         'http://www.w3.org/ns/json-ld#compacted", text/turtle;q=0.5',
         ["http://www.w3.org/ns/json-ld#framed", "http://www.w3.org/ns/json-ld#compacted"]),
        # another media type's profile, a refused entry, no profile at all
        ('text/turtle; profile="https://example.org/p"', []),
        ('application/ld+json; profile="https://example.org/p"; q=0', []),
        ("application/ld+json", []),
        (None, []),
    ],
)
def test_profiles_asked_for_with_a_media_type(accept, expected):
    assert conneg.profiles(accept, "application/ld+json") == expected
