"""The pages' two languages: Latvian (the source's language) and English.

Holds the interface wording, the choice of language for a request, and dates written for people
(``5 March 1992`` / ``1992. gada 5. marts``) keeping the precision the data has: a month is never
shown as its first day, a year never as 1 January.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Literal
from rdflib.namespace import XSD

LANGUAGES: tuple[str, ...] = ("en", "lv")
DEFAULT_LANGUAGE = "en"

LANGUAGE_NAMES = {"en": "English", "lv": "Latviešu"}

_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "lv": (
        "janvāris",
        "februāris",
        "marts",
        "aprīlis",
        "maijs",
        "jūnijs",
        "jūlijs",
        "augusts",
        "septembris",
        "oktobris",
        "novembris",
        "decembris",
    ),
}

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "site_title": "CBSS knowledge graph",
        "site_tagline": (
            "Linked data about the Council of the Baltic Sea States, its member states, "
            "priorities and "
            "decisions, and its Task Force against Trafficking in Human Beings, each statement "
            "traceable to the source that makes it."
        ),
        "nav_home": "Home",
        "skip_to_content": "Skip to the content",
        "nav_query": "Query",
        "nav_api": "API",
        "nav_downloads": "Downloads",
        "nav_ontology": "Ontology",
        "language": "Language",
        "in_numbers": "The graph in numbers",
        "triples": "statements",
        "entities": "things",
        "classes": "classes",
        "properties": "properties",
        "graphs": "sources and graphs",
        "start_here": "Start here",
        "council": "The council",
        "task_force": "The task force",
        "projects": "Projects",
        "states": "States",
        "tools": "Use the data",
        "pictures": "At a glance",
        "figure_timeline": (
            "Every dated meeting, act, membership change and project the graph records. A dot is "
            "an exact day, a hatched extent a month or a year; point at a mark for its dates and "
            "sources."
        ),
        "figure_membership": (
            "Each bar is a membership as the sources give it; point at a bar for its dates and "
            "sources."
        ),
        "figure_participation": (
            "Each filled cell is a state's part in a project as the graph records it; point at a "
            "cell for its role and source."
        ),
        "figure_marked_row": "This state's row is marked.",
        "figure_marked_column": "This project's column is marked.",
        "figure_download": "Download as SVG",
        "tool_query": (
            "Ask your own question in SPARQL, or start from one of the prepared questions."
        ),
        "tool_api": "Prepared questions as a web API with an OpenAPI description.",
        "tool_downloads": "The whole graph as Turtle, JSON-LD, N-Triples, RDF/XML and TriG.",
        "tool_endpoint": "SPARQL 1.1 endpoint for programs:",
        "tool_ontology": "The classes and properties the graph uses.",
        "type": "Type",
        "statements": "Statements",
        "property": "Property",
        "value": "Value",
        "source": "Source",
        "sources": "Sources",
        "referenced_by": "Referenced by",
        "inferred_statements": "Inferred statements",
        "inferred_note": (
            "Derived by OWL 2 RL reasoning from the statements above; no source says them "
            "directly."
        ),
        "this_thing_as": "This description as",
        "framed_jsonld": "JSON-LD tree (framed)",
        "frame_title": "Framed JSON-LD view: {view}",
        "frame_project": (
            "A project as one JSON-LD tree: its participants (each membership with its member and "
            "role), funders, outputs and outcomes embedded."
        ),
        "frame_state": (
            "A state as one JSON-LD tree: its memberships embedded, each with its organisation, "
            "role and period."
        ),
        "frame_council": "The council as one JSON-LD tree: its units and its members embedded.",
        "frame_embeds": "Embedded under the keys",
        "frame_ask": "How to ask for it",
        "frame_example": "Example",
        "identifier": "Identifier",
        "not_found_title": "Not found",
        "not_found": "The graph says nothing about {iri}.",
        "error_title": "Something went wrong",
        "query_title": "Query the graph",
        "query_intro": (
            "Write a SPARQL 1.1 query, or open one of the prepared questions. All named graphs are "
            "queried together unless the query says otherwise (GRAPH, FROM)."
        ),
        "query_label": "SPARQL query",
        "run": "Run query",
        "examples": "Prepared questions",
        "open_in_editor": "open in editor",
        "run_with_parameters": "run with parameters",
        "results": "Results",
        "rows": "{n} rows",
        "one_row": "1 row",
        "no_rows": "No results.",
        "truncated": "Only the first {n} rows are shown: the result was cut at the server's limit.",
        "download_results": "Download these results as",
        "ask_true": "Yes — the pattern matches.",
        "ask_false": "No — the pattern does not match.",
        "query_error": "The query could not be run",
        "subject": "Subject",
        "predicate": "Predicate",
        "object": "Object",
        "downloads_title": "Downloads",
        "downloads_intro": (
            "The release as files. Each is listed with its size and SHA-256 checksum; SHA256SUMS "
            "checks them all with sha256sum -c."
        ),
        "file": "File",
        "size": "Size",
        "checksum": "SHA-256",
        "description": "Description",
        "api_title": "Named queries",
        "api_intro": (
            "Each prepared question is a GET endpoint. Parameters are query-string arguments; "
            "the answer comes in the format asked for by Accept or format= (json, xml, csv, tsv)."
        ),
        "parameters": "Parameters",
        "no_parameters": "No parameters.",
        "openapi": "OpenAPI description",
        "required": "required",
        "default": "default",
        "ontology_title": "Ontology",
        "shapes_title": "SHACL shapes: what the data must look like",
        "ontology_classes": "Classes",
        "ontology_properties": "Properties",
        "ontology_datatypes": "Datatypes",
        "definition": "Definition",
        "subclass_of": "Subclass of",
        "subproperty_of": "Subproperty of",
        "domain": "Domain",
        "range": "Range",
        "footer": "Data: CC BY 4.0. Each statement links to its source.",
        "graph_contents": "This graph holds {n} statements.",
        "see_statements": "List its statements",
        "from": "from",
        "until": "until",
        "editorial": "Editorial additions of the project",
        "inferred": "Inferred (OWL 2 RL)",
        "ontology_graph": "The ontology",
        "metadata": "Metadata about the sources",
    },
    "lv": {
        "site_title": "BJVP zināšanu grafs",
        "site_tagline": (
            "Saistītie dati par Baltijas jūras valstu padomi, tās dalībvalstīm, prioritātēm un "
            "lēmumiem, kā arī tās Darba grupu cilvēku tirdzniecības apkarošanai; katrs apgalvojums "
            "ir izsekojams līdz avotam, kas to saka."
        ),
        "nav_home": "Sākums",
        "skip_to_content": "Pāriet uz saturu",
        "nav_query": "Vaicājumi",
        "nav_api": "API",
        "nav_downloads": "Lejupielādes",
        "nav_ontology": "Ontoloģija",
        "language": "Valoda",
        "in_numbers": "Grafs skaitļos",
        "triples": "apgalvojumi",
        "entities": "lietas",
        "classes": "klases",
        "properties": "īpašības",
        "graphs": "avoti un grafi",
        "start_here": "Sāciet šeit",
        "council": "Padome",
        "task_force": "Darba grupa",
        "projects": "Projekti",
        "states": "Valstis",
        "tools": "Datu izmantošana",
        "pictures": "Pārskats",
        "figure_timeline": (
            "Katra grafā ierakstītā datētā sanāksme, akts, dalības izmaiņa un projekts. Punkts ir "
            "precīza diena, iesvītrots posms — mēnesis vai gads; norādiet uz atzīmi, lai redzētu "
            "tās datumus un avotus."
        ),
        "figure_membership": (
            "Katra josla ir dalība, kā to norāda avoti; norādiet uz joslu, lai redzētu tās datumus "
            "un avotus."
        ),
        "figure_participation": (
            "Katra aizpildīta šūna ir valsts dalība projektā, kā to ieraksta grafs; norādiet uz "
            "šūnu, lai redzētu lomu un avotu."
        ),
        "figure_marked_row": "Šīs valsts rinda ir iezīmēta.",
        "figure_marked_column": "Šī projekta kolonna ir iezīmēta.",
        "figure_download": "Lejupielādēt kā SVG",
        "tool_query": (
            "Uzdodiet savu jautājumu SPARQL valodā vai sāciet no kāda sagatavota jautājuma."
        ),
        "tool_api": "Sagatavotie jautājumi kā tīmekļa API ar OpenAPI aprakstu.",
        "tool_downloads": "Viss grafs Turtle, JSON-LD, N-Triples, RDF/XML un TriG formātā.",
        "tool_endpoint": "SPARQL 1.1 piekļuves punkts programmām:",
        "tool_ontology": "Klases un īpašības, ko grafs izmanto.",
        "type": "Tips",
        "statements": "Apgalvojumi",
        "property": "Īpašība",
        "value": "Vērtība",
        "source": "Avots",
        "sources": "Avoti",
        "referenced_by": "Uz šo atsaucas",
        "inferred_statements": "Secinātie apgalvojumi",
        "inferred_note": (
            "Iegūti ar OWL 2 RL secināšanu no iepriekšējiem apgalvojumiem; neviens avots tos "
            "tieši nesaka."
        ),
        "this_thing_as": "Šis apraksts kā",
        "framed_jsonld": "JSON-LD koks (ierāmēts skats)",
        "frame_title": "Ierāmēts JSON-LD skats: {view}",
        "frame_project": (
            "Projekts kā viens JSON-LD koks: tajā iegulti dalībnieki (katra dalība ar "
            "dalībnieku un lomu), finansētāji, rezultāti un panākumi."
        ),
        "frame_state": (
            "Valsts kā viens JSON-LD koks: tajā iegultas tās dalības, katra ar organizāciju, lomu "
            "un laikposmu."
        ),
        "frame_council": (
            "Padome kā viens JSON-LD koks: tajā iegultas tās struktūrvienības un dalībnieki."
        ),
        "frame_embeds": "Iegultie dati zem atslēgām",
        "frame_ask": "Kā to pieprasīt",
        "frame_example": "Piemērs",
        "identifier": "Identifikators",
        "not_found_title": "Nav atrasts",
        "not_found": "Grafs neko nesaka par {iri}.",
        "error_title": "Radās kļūda",
        "query_title": "Vaicājumi grafam",
        "query_intro": (
            "Uzrakstiet SPARQL 1.1 vaicājumu vai atveriet kādu no sagatavotajiem jautājumiem. "
            "Vaicājums aptver visus nosauktos grafus, ja vien tas nenosaka citādi (GRAPH, FROM)."
        ),
        "query_label": "SPARQL vaicājums",
        "run": "Izpildīt",
        "examples": "Sagatavotie jautājumi",
        "open_in_editor": "atvērt redaktorā",
        "run_with_parameters": "izpildīt ar parametriem",
        "results": "Rezultāti",
        "rows": "{n} rindas",
        "one_row": "1 rinda",
        "no_rows": "Rezultātu nav.",
        "truncated": (
            "Parādītas tikai pirmās {n} rindas: rezultāts tika saīsināts līdz servera "
            "ierobežojumam."
        ),
        "download_results": "Lejupielādēt šos rezultātus kā",
        "ask_true": "Jā — šablons atbilst.",
        "ask_false": "Nē — šablons neatbilst.",
        "query_error": "Vaicājumu nevarēja izpildīt",
        "subject": "Subjekts",
        "predicate": "Predikāts",
        "object": "Objekts",
        "downloads_title": "Lejupielādes",
        "downloads_intro": (
            "Laidiens datņu veidā. Katrai norādīts izmērs un SHA-256 kontrolsumma; ar SHA256SUMS "
            "tās visas var pārbaudīt komandā sha256sum -c."
        ),
        "file": "Datne",
        "size": "Izmērs",
        "checksum": "SHA-256",
        "description": "Apraksts",
        "api_title": "Nosauktie vaicājumi",
        "api_intro": (
            "Katrs sagatavotais jautājums ir GET galapunkts. Parametri ir vaicājuma virknes "
            "argumenti; "
            "atbilde nāk formātā, ko pieprasa Accept vai format= (json, xml, csv, tsv)."
        ),
        "parameters": "Parametri",
        "no_parameters": "Parametru nav.",
        "openapi": "OpenAPI apraksts",
        "required": "obligāts",
        "default": "noklusējums",
        "ontology_title": "Ontoloģija",
        "shapes_title": "SHACL formas: kādiem jābūt datiem",
        "ontology_classes": "Klases",
        "ontology_properties": "Īpašības",
        "ontology_datatypes": "Datu tipi",
        "definition": "Definīcija",
        "subclass_of": "Apakšklase klasei",
        "subproperty_of": "Apakšīpašība īpašībai",
        "domain": "Domēns",
        "range": "Diapazons",
        "footer": "Dati: CC BY 4.0. Katrs apgalvojums norāda savu avotu.",
        "graph_contents": "Šajā grafā ir {n} apgalvojumi.",
        "see_statements": "Parādīt tā apgalvojumus",
        "from": "no",
        "until": "līdz",
        "editorial": "Projekta redakcionālie papildinājumi",
        "inferred": "Secināts (OWL 2 RL)",
        "ontology_graph": "Ontoloģija",
        "metadata": "Avotu metadati",
    },
}


def choose_language(param: str | None, accept_language: str | None) -> tuple[str, bool]:
    """The page language and whether the visitor chose it explicitly (``?lang=``).

    An explicit choice is carried in the page's links; one taken from ``Accept-Language`` need
    not be.
    """
    if param and param.lower() in LANGUAGES:
        return param.lower(), True
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (accept_language or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        tag = fields[0].lower().split("-")[0]
        q = 1.0
        for extra in fields[1:]:
            key, _, value = extra.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > best_q:
            best, best_q = tag, q
    return best, False


def text(lang: str, key: str, **values: object) -> str:
    """An interface message in ``lang``, with ``{placeholders}`` filled."""
    message = (
        MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE]).get(key) or MESSAGES[DEFAULT_LANGUAGE][key]
    )
    return message.format(**values) if values else message


_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})")
_YEAR_MONTH = re.compile(r"^(-?\d{4,})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$")
_YEAR = re.compile(r"^(-?\d{4,})(?:Z|[+-]\d{2}:\d{2})?$")


def format_date_parts(year: int, month: int | None, day: int | None, lang: str) -> str:
    """A date of year, month or day precision written for people in ``lang``."""
    if lang == "lv":
        if month is None:
            return f"{year}. gads"
        name = _MONTHS["lv"][month - 1]
        return f"{year}. gada {day}. {name}" if day is not None else f"{year}. gada {name}"
    if month is None:
        return str(year)
    name = _MONTHS["en"][month - 1]
    return f"{day} {name} {year}" if day is not None else f"{name} {year}"


def format_date(value: Literal, lang: str) -> str | None:
    """A date literal (``xsd:date``, ``xsd:dateTime``, ``xsd:gYearMonth``, ``xsd:gYear``) in words.

    Returns ``None`` for any other literal, or one whose lexical form is not a valid date.
    """
    lexical = str(value)
    datatype = value.datatype
    try:
        if datatype in (XSD.date, XSD.dateTime):
            match = _DATE.match(lexical)
            if match:
                year, month, day = (int(g) for g in match.groups())
                if 1 <= month <= 12 and 1 <= day <= 31:
                    return format_date_parts(year, month, day, lang)
        elif datatype == XSD.gYearMonth:
            match = _YEAR_MONTH.match(lexical)
            if match and 1 <= int(match.group(2)) <= 12:
                return format_date_parts(int(match.group(1)), int(match.group(2)), None, lang)
        elif datatype == XSD.gYear:
            match = _YEAR.match(lexical)
            if match:
                return format_date_parts(int(match.group(1)), None, None, lang)
    except ValueError:
        return None
    return None


def format_period(begin: str | None, end: str | None, lang: str) -> str:
    """A period from already formatted ends; an open end reads as ongoing."""
    if begin and end:
        return f"{begin} \u2013 {end}"
    if begin:
        return f"{text(lang, 'from')} {begin}"
    if end:
        return f"{text(lang, 'until')} {end}"
    return ""
