"""The ``cbss-kg`` command line.

Each command parses its options, makes one library call, renders the result and exits with
0 (all good), 1 (findings or a failure, explained in one message) or 2 (wrong usage).
Known failures are reported as a message, never as a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from cbss_kg import __version__, align, gsp, pipeline
from cbss_kg.config import Project, ProjectNotFound
from cbss_kg.export import ExportError
from cbss_kg.load import LoadError
from cbss_kg.namespaces import BASE
from cbss_kg.pictures import MissingView
from cbss_kg.queries import (
    ParameterError,
    QueryError,
    QueryFileError,
    UnknownQuery,
    load_catalog,
)
from cbss_kg.reason import InconsistencyError
from cbss_kg.results import render
from cbss_kg.rules import UnsupportedConstruct
from cbss_kg.shacl_sparql import UnsupportedShape
from cbss_kg.store import StoreLoadError
from cbss_kg.validate import CheckError

OK, FINDINGS, USAGE = 0, 1, 2

FAILURES: tuple[type[Exception], ...] = (
    ProjectNotFound,
    LoadError,
    QueryFileError,
    CheckError,
    InconsistencyError,
    ExportError,
    MissingView,
    gsp.PublishError,
    UnsupportedShape,
    UnsupportedConstruct,
)
"""Errors that mean "the input is wrong", reported as their message with exit code 1."""


@contextmanager
def reported_failures() -> Iterator[None]:
    """Turn a known failure into its message on stderr and exit code 1."""
    try:
        yield
    except FAILURES as error:
        click.echo(str(error), err=True)
        sys.exit(FINDINGS)


def _project() -> Project:
    with reported_failures():
        return Project.discover()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cbss-kg")
def main() -> None:
    """cbss-kg: the knowledge graph of the Council of the Baltic Sea States."""


ENGINE = click.option(
    "--engine",
    type=click.Choice(list(pipeline.ENGINES)),
    default="auto",
    show_default=True,
    help="fast: SHACL compiled into SPARQL and OWL 2 RL rules, in pyoxigraph; reference: pyshacl "
    "and owlrl; auto: fast unless the shapes or the graph use what it does not handle.",
)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="How to write the report: readable text, a SHACL validation report, or JSON.",
)
@ENGINE
def validate(fmt: str, engine: str) -> None:
    """Validate the data against the shapes and checks; exit 1 on violations."""
    project = _project()
    with reported_failures():
        report = pipeline.check(project, engine=engine)
    rendered = {"text": report.to_text, "turtle": report.to_turtle, "json": report.to_json}[fmt]()
    click.echo(rendered, nl=False)
    sys.exit(OK if report.conforms else FINDINGS)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="The release folder; a previous release there is replaced once the new one is complete.",
)
@ENGINE
def build(out: Path, engine: str) -> None:
    """Validate, reason and write the release (Turtle, TriG, N-Quads, JSON-LD, VoID, checksums)."""
    project = _project()
    try:
        with reported_failures():
            result = pipeline.build(project, out, engine=engine)
    except pipeline.BuildFailed as failure:
        click.echo(failure.report.to_text(), err=True, nl=False)
        click.echo(f"Build stopped: {failure}; {out} was not changed.", err=True)
        sys.exit(FINDINGS)
    for path in result.files:
        click.echo(f"  {path.name:<16} {path.stat().st_size:>12,} bytes")
    click.echo(
        f"Wrote {len(result.files)} files to {out}: {result.triples:,} triples asserted, "
        f"{result.inferred:,} inferred."
    )
    click.echo(result.report.to_text(), nl=False)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/docs"),
    show_default=True,
    help="Where to write the pages and pictures (files there with the same names are replaced).",
)
@click.option("--lang", type=click.Choice(["en", "lv"]), default="en", show_default=True,
              help="The language of the pages and pictures.")
def docs(out: Path, lang: str) -> None:
    """Write the ontology's documentation, its class diagram and the pictures of the graph."""
    project = _project()
    with reported_failures():
        written = pipeline.write_documents(project, out, lang=lang)
    for path in written:
        click.echo(f"  {path.name:<18} {path.stat().st_size:>10,} bytes")
    click.echo(f"Wrote {len(written)} files to {out}.")


@main.command()
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file is not canonical."
)
def fmt(check_only: bool) -> None:
    """Give ontology/*.ttl and data/*.trig their canonical layout (--check: list the others).

    Layout only: trailing spaces, blank-line runs, the final newline. Comments, statement order
    and prefixes stay as written, because they are what keeps the files readable.
    """
    project = _project()
    with reported_failures():
        changed = pipeline.fmt(project, check_only=check_only)
    for path in changed:
        shown = path.relative_to(project.root).as_posix()
        click.echo(f"not canonical: {shown}" if check_only else f"reformatted: {shown}")
    sys.exit(FINDINGS if check_only and changed else OK)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    """``NAME=VALUE`` options as a mapping.

    Raises:
        click.BadParameter: for an item without ``=`` or a name given twice.
    """
    params: dict[str, str] = {}
    for item in values:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise click.BadParameter(f"--param {item!r} is not NAME=VALUE")
        if name in params:
            raise click.BadParameter(f"--param {name} is given twice")
        params[name] = value
    return params


def _list_queries(project: Project) -> None:
    with reported_failures():
        catalog = load_catalog(project)
    for query in catalog.values():
        click.echo(f"{query.name}  [{query.kind}, {query.form}]  {query.summary}")
        for param in query.params:
            default = f", default {param.default}" if param.default is not None else ""
            optional = ", optional" if not param.required and param.default is None else ""
            about = f": {param.description}" if param.description else ""
            click.echo(f"    --param {param.name}=...  ({param.type}{default}{optional}){about}")


@main.command()
@click.argument("name", metavar="NAME|FILE", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the query (repeat for more); IRIs may be CURIEs: id:state/LV.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]),
              default="table", show_default=True,
              help="A readable table, or SPARQL results JSON/CSV/TSV (a graph: JSON-LD for json).")
@click.option("--endpoint", metavar="URL", help="Ask this SPARQL endpoint instead of the sources.")
@click.option("--release", type=click.Path(file_okay=False, path_type=Path),
              help="Ask this built release instead of the sources.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds the query may run before it is stopped.")
@click.option("--list", "list_only", is_flag=True,
              help="List the catalogue's queries and their parameters.")
def query(name: str | None, params: tuple[str, ...], fmt: str, endpoint: str | None,
          release: Path | None, timeout: float, list_only: bool) -> None:
    """Run a catalogue query by NAME, or the query in FILE (.rq), on the graph."""
    project = _project()
    if list_only:
        _list_queries(project)
        return
    if name is None:
        click.echo("give a query NAME or FILE (cbss-kg query --list shows the names)", err=True)
        sys.exit(USAGE)
    try:
        with reported_failures():
            result = pipeline.run_query(project, name, _parse_params(params), endpoint=endpoint,
                                        release=release, timeout=timeout)
    except (click.BadParameter, UnknownQuery, ParameterError) as error:
        click.echo(str(error), err=True)
        sys.exit(USAGE)
    except (QueryError, StoreLoadError) as error:
        click.echo(str(error), err=True)
        sys.exit(FINDINGS)
    click.echo(render(result, fmt), nl=False)


def _base_iri(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not value.startswith(("http://", "https://")) or not value.endswith("/"):
        raise click.BadParameter("give an http(s) IRI ending in '/', e.g. https://w3id.org/cbss-kg/")
    return value


def _http_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"give an http(s) URL, not {value!r}")
    return value


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default keeps the server on this machine.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--release",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="The release folder: the project is built (validated) into it, then served from it.",
)
@click.option("--base-iri", default=BASE, show_default=True, callback=_base_iri,
              help="The IRI the graph is published under; its paths are this server's paths.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a query may run before it is stopped.")
@click.option("--row-limit", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows an answer may hold; a longer one is cut and says so.")
@click.option("--cache-size", type=click.IntRange(min=0), default=64, show_default=True,
              metavar="MB", help="Megabytes of query answers kept for repeated queries; "
                                 "0 turns the cache off.")
@click.option("--store", "store_url", metavar="URL", callback=_http_url,
              help="Answer from this SPARQL endpoint instead of the embedded store; it must hold "
                   "the release (cbss-kg load) and query the union of its graphs by default.")
def serve(host: str, port: int, release: Path, base_iri: str, timeout: float,
          row_limit: int, cache_size: int, store_url: str | None) -> None:
    """Build the release, then serve it read-only: SPARQL, named queries, pages, downloads."""
    from cbss_kg import serve as server  # starlette and uvicorn load only for this command

    project = replace(_project(), base_iri=base_iri)
    try:
        with reported_failures():
            pipeline.build(project, release)
    except pipeline.BuildFailed as failure:
        click.echo(failure.report.to_text(), err=True, nl=False)
        click.echo(f"Not serving: {failure}.", err=True)
        sys.exit(FINDINGS)
    settings = server.Settings(base_iri=base_iri, timeout=timeout, row_limit=row_limit,
                               cache_bytes=cache_size * 1024 * 1024)
    with reported_failures():
        server.run(project, release, host=host, port=port, settings=settings, store_url=store_url)


@main.command()
@click.option("--endpoint", required=True, metavar="URL", callback=_http_url,
              help="The store's SPARQL endpoint; the load is checked through it.")
@click.option("--release", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="The built release to load (cbss-kg build).")
@click.option("--graph-store", metavar="URL", callback=_http_url,
              help="The store's Graph Store Protocol endpoint (found by itself for Oxigraph "
                   "and Virtuoso).")
@click.option("--dry-run", is_flag=True,
              help="List each graph, its size and where it would go; send nothing.")
@click.option("--user", help="User name for the graph store (HTTP Basic or Digest).")
@click.option("--password", envvar="CBSS_KG_STORE_PASSWORD", show_envvar=True,
              help="The user's password.")
@click.option("--token", envvar="CBSS_KG_STORE_TOKEN", show_envvar=True,
              help="A bearer token for the graph store, instead of a user.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds each request may take.")
def load(endpoint: str, release: Path, graph_store: str | None, dry_run: bool,
         user: str | None, password: str | None, token: str | None, timeout: float) -> None:
    """Put the release into a SPARQL store: each named graph replaced in one request
    (Graph Store Protocol PUT), then every graph's triple count checked."""
    if user and token:
        click.echo("give either --user or a token, not both", err=True)
        sys.exit(USAGE)
    if user and password is None:
        click.echo("give the password with --password or CBSS_KG_STORE_PASSWORD", err=True)
        sys.exit(USAGE)
    credentials = gsp.Credentials(user, password, token)
    with reported_failures():
        plan = gsp.plan(release, endpoint, graph_store=graph_store,
                        authenticated=bool(credentials), timeout=timeout)
    if dry_run:
        for graph in plan.graphs:
            click.echo(f"  {graph.triples:>7,} triples  <{graph.iri}>  → {plan.url(graph)}")
        click.echo(f"Dry run: {len(plan.graphs)} graphs, {plan.triples:,} triples would go to "
                   f"{plan.graph_store}; nothing was sent.")
        return
    if sys.stdout.isatty():
        with click.progressbar(length=plan.triples, label="Loading", show_pos=True) as bar:
            report = gsp.load(plan, credentials=credentials, timeout=timeout,
                              progress=lambda graph: bar.update(graph.triples))
    else:
        report = gsp.load(plan, credentials=credentials, timeout=timeout,
                          progress=lambda graph: click.echo(
                              f"replaced <{graph.iri}> ({graph.triples:,} triples)"))
    if report.failure:
        click.echo(f"Load stopped: {report.failure}", err=True)
        for graph in report.replaced:
            click.echo(f"  replaced: <{graph.iri}>", err=True)
        click.echo(f"Replaced {len(report.replaced)} of {len(plan.graphs)} graphs; the other "
                   f"{len(report.untouched)} are as they were in the store.", err=True)
        sys.exit(FINDINGS)
    if report.mismatches:
        click.echo("The store's triple counts differ from the release's:", err=True)
        for mismatch in report.mismatches:
            click.echo(f"  <{mismatch.iri}>: {mismatch.found:,} in the store, "
                       f"{mismatch.expected:,} in the release", err=True)
        sys.exit(FINDINGS)
    click.echo(f"Loaded {len(plan.graphs)} graphs ({plan.triples:,} triples) into "
               f"{plan.graph_store} in {report.seconds:.1f} s; every graph's triple count "
               f"checked through {plan.endpoint}.")


@main.command("align")
@click.option("--endpoint", default=align.DEFAULT_ENDPOINT, show_default=True,
              help="A SPARQL endpoint holding Wikidata's RDF (statements with qualifiers).")
@click.option("--format", "fmt", type=click.Choice(["table", "turtle", "json"]), default="table",
              show_default=True, help="A readable table, an RDF report, or JSON.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds each request to the endpoint may take.")
def align_command(endpoint: str, fmt: str, timeout: float) -> None:
    """Compare what the graph says about linked things with Wikidata (findings are information)."""
    project = _project()
    with reported_failures():
        try:
            report = align.align_project(project, endpoint, timeout=timeout)
        except align.AlignmentError as error:
            click.echo(f"Alignment stopped: the endpoint failed: {error}", err=True)
            sys.exit(FINDINGS)
    rendered = {"table": report.to_table, "turtle": report.to_turtle, "json": report.to_json}[fmt]()
    click.echo(rendered, nl=False)
