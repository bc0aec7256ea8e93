"""The pipeline: load → validate → reason → export, as library calls that return values.

Nothing here prints; the CLI renders what these functions return.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from cbss_kg import __version__, docs, pictures
from cbss_kg.config import Project
from cbss_kg.export import check_replaceable, write_release
from cbss_kg.findings import Report
from cbss_kg.load import (
    FORMATS,
    ONTOLOGY_GRAPH,
    LoadError,
    Sources,
    canonical_layout,
    load_project,
    parse_text,
    read_source,
)
from cbss_kg.queries import (
    Query,
    QueryFileError,
    UnknownQuery,
    bind,
    inline_bindings,
    load_catalog,
    parse_query_file,
)
from cbss_kg.reason import infer
from cbss_kg.remote import query_endpoint
from cbss_kg.results import QueryResult
from cbss_kg.store import EmbeddedStore, LocalStore, StoreLoadError, check_syntax
from cbss_kg.validate import validate


class BuildFailed(Exception):
    """Validation found violations; nothing was written."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(f"the data does not conform: {report.summary()}")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote.

    Attributes:
        out: the release folder.
        report: the validation report (no violations; warnings may remain).
        files: every file of the release.
        triples: distinct triples asserted (ontology and data, all graphs merged).
        inferred: triples the reasoner added.
    """

    out: Path
    report: Report
    files: tuple[Path, ...]
    triples: int
    inferred: int


def checks(project: Project) -> list[Query]:
    """The check queries, ``queries/checks/*.rq``, in name order."""
    return [
        parse_query_file(path, check_syntax=check_syntax)
        for path in sorted((project.queries_dir / "checks").glob("*.rq"))
    ]


def catalog(project: Project) -> dict[str, Query]:
    """The query catalogue, each query checked by the parser of the store that runs it."""
    return load_catalog(project, check_syntax=check_syntax)


def local_store(sources: Sources) -> LocalStore | None:
    """The sources in pyoxigraph, in this process, for the stages to share (the checks, the
    pictures' views); None when pyoxigraph cannot hold them as rdflib reads them, and rdflib
    runs those queries instead."""
    try:
        store = LocalStore.from_dataset(sources.dataset)
    except StoreLoadError:
        return None
    return None if store.merged else store


ENGINES = {"auto": ("auto", "auto"), "fast": ("fast", "fast"), "reference": ("pyshacl", "owlrl")}
"""The ``engine`` of :func:`check` and :func:`build` → (SHACL engine, reasoner): ``auto`` the fast
ones unless the shapes or the graph use what they do not handle, ``fast`` the fast ones or an
error, ``reference`` pyshacl and owlrl."""


def check(project: Project, *, engine: str = "auto") -> Report:
    """Load the sources and validate them (SHACL shapes and checks)."""
    return validate(load_project(project), checks(project), engine=ENGINES[engine][0])


def build(project: Project, out: Path, *, engine: str = "auto") -> BuildResult:
    """Validate, reason and write the release into ``out`` (``engine``: see :data:`ENGINES`).

    Raises:
        LoadError: a source file is malformed.
        BuildFailed: validation found violations.
        InconsistencyError: the graph is inconsistent under OWL 2 RL.
        ExportError: ``out`` holds something other than a previous release.

    In every failure the previous release in ``out`` is left as it was.
    """
    check_replaceable(out)  # before the work, not after it
    try:
        with _kept():
            sources = load_project(project)
        return _build(project, sources, out, engine)
    finally:
        gc.unfreeze()


def _build(project: Project, sources: Sources, out: Path, engine: str) -> BuildResult:
    queries = catalog(project)
    store = local_store(sources)
    checks_dir = project.queries_dir / "checks"
    report = validate(
        sources,
        [q for _, q in sorted(queries.items()) if q.path.parent == checks_dir],
        store=store,
        engine=ENGINES[engine][0],
    )
    if not report.conforms:
        raise BuildFailed(report)
    with _kept():
        union = sources.union()
    inferred = infer(union, engine=ENGINES[engine][1])
    files, stats = write_release(
        {g.identifier: g for g in sources.named_graphs()},
        inferred,
        sources.shapes,
        out,
        base_iri=project.base_iri,
        version=__version__,
        documents=release_documents(project, sources, queries=queries, store=store),
    )
    return BuildResult(out, report, files, stats.asserted, stats.inferred)


@contextlib.contextmanager
def _kept() -> Iterator[None]:
    """Make what the build keeps to its end (the loaded sources, their union) without the cyclic
    garbage collector, then set it aside from the collector's sight (until ``gc.unfreeze``).

    Those objects are never garbage while the build runs, yet every full collection would walk
    all of their millions again: at 100k quads that cost a third of the loading and half of the
    reasoner's time. Reference counting still frees whatever the stages drop.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def documents(project: Project, sources: Sources, *, lang: str = "en") -> dict[str, str]:
    """The generated pages and pictures in ``lang`` by file name: the ontology's documentation and
    class diagram, and the pictures drawn from ``queries/views``."""
    store = local_store(sources)
    drawn = pictures.render_pictures(
        sources.dataset, catalog(project), languages=(lang,), run=_views_in(store)
    )
    return {
        **_ontology_documents(sources, lang, store),
        **{name: drawn[pictures.file_name(name, lang)] for name in pictures.PICTURES},
    }


def release_documents(
    project: Project,
    sources: Sources,
    *,
    queries: Mapping[str, Query] | None = None,
    store: LocalStore | None = None,
) -> dict[str, str]:
    """The documents a release carries: :func:`documents` in English, and the pictures in every
    language of the pages (``timeline.svg`` in English, ``timeline.lv.svg`` in Latvian).

    ``queries`` is the project's catalogue and ``store`` a :func:`local_store` of ``sources``,
    when the caller has them already.
    """
    store = store if store is not None else local_store(sources)
    return {
        **_ontology_documents(sources, "en", store),
        **pictures.render_pictures(
            sources.dataset,
            catalog(project) if queries is None else queries,
            languages=pictures.LANGUAGES,
            run=_views_in(store),
        ),
    }


def _views_in(store: LocalStore | None) -> Callable[[Query, int | None], list[dict]] | None:
    """A view runner for :func:`pictures.render_pictures` on ``store`` (None: rdflib runs them):
    a view's rows, at most ``limit`` of them."""
    if store is None:
        return None

    def run(view: Query, limit: int | None) -> list[dict]:
        return store.rows(inline_bindings(view.text, bind(view, {})), union=True, limit=limit)

    return run


def _ontology_documents(sources: Sources, lang: str, store: LocalStore | None) -> dict[str, str]:
    return {
        "ontology.html": docs.render_ontology_html(
            sources.ontology, _instance_data(sources, store), lang=lang
        ),
        "ontology.svg": docs.render_class_diagram(sources.ontology, lang=lang),
    }


def _instance_data(sources: Sources, store: LocalStore | None) -> Graph | docs.Select:
    """The data the documentation draws its examples and counts from: the graphs other than the
    ontology's, read in ``store`` when there is one (a large graph is never copied into rdflib),
    else the union of the sources."""
    if store is None:
        return sources.union()
    graphs = [str(g.identifier) for g in sources.named_graphs() if g.identifier != ONTOLOGY_GRAPH]
    return functools.partial(store.rows, graphs=graphs)


def write_documents(project: Project, out: Path, *, lang: str = "en") -> list[Path]:
    """Write :func:`documents` into ``out`` (created if needed) and return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in documents(project, load_project(project), lang=lang).items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written


def source_files(project: Project) -> list[Path]:
    """The hand-written RDF sources: ``ontology/*.ttl`` (shapes included) and ``data/*.trig``."""
    return sorted(project.ontology_dir.glob("*.ttl")) + sorted(project.data_dir.glob("*.trig"))


def fmt(project: Project, *, check_only: bool = False) -> list[Path]:
    """Give every source file the canonical layout; return the files that did not have it.

    Only layout is normalized (see :func:`~cbss_kg.load.canonical_layout`): the files' comments,
    section order and relative IRIs are what keeps them readable, and rdflib's canonical
    serialization (what the release publishes) would lose them. Each rewrite is checked to
    describe the same graph before it is written. With ``check_only`` nothing is written.

    Raises:
        LoadError: a file is not well-formed (nothing is rewritten before every file parses).
    """
    rewrites = []
    try:
        for path in source_files(project):
            text = read_source(path)
            tidy = canonical_layout(text)
            if not _same_graphs(_parsed(path, text), _parsed(path, tidy)):
                raise LoadError(path, "reformatting would change the graph; file left as it is")
            if tidy.encode("utf-8") != path.read_bytes():
                rewrites.append((path, tidy))
    except LoadError as error:
        raise error.relative_to(project.root) from None
    if not check_only:
        for path, tidy in rewrites:
            path.write_text(tidy, encoding="utf-8")
    return [path for path, _tidy in rewrites]


def _parsed(path: Path, text: str) -> Dataset:
    dataset = Dataset()
    parse_text(
        path, text, dataset if FORMATS[path.suffix] == "trig" else dataset.graph(ONTOLOGY_GRAPH)
    )
    return dataset


def _same_graphs(left: Dataset, right: Dataset) -> bool:
    names = {g.identifier for g in left.graphs() if len(g)}
    if names != {g.identifier for g in right.graphs() if len(g)}:
        return False
    return all(isomorphic(left.graph(name), right.graph(name)) for name in names)


def find_query(project: Project, name_or_path: str) -> Query:
    """A catalogue query by name (its file stem), or the query in a ``.rq`` file.

    Raises:
        UnknownQuery: no catalogue query has that name.
        QueryFileError: the file is missing or unusable, or two catalogue files share the name.
    """
    if name_or_path.endswith(".rq") or "/" in name_or_path or os.sep in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise QueryFileError(path, "no such query file")
        return parse_query_file(path)
    files = sorted(project.queries_dir.rglob("*.rq"))
    matches = [path for path in files if path.stem == name_or_path]
    if not matches:
        raise UnknownQuery(name_or_path, (path.stem for path in files))
    if len(matches) > 1:
        raise QueryFileError(matches[1], f"the name {name_or_path!r} is also used by {matches[0]}")
    return parse_query_file(matches[0])


def run_query(
    project: Project,
    name_or_path: str,
    params: Mapping[str, str],
    *,
    endpoint: str | None = None,
    release: Path | None = None,
    timeout: float = 10.0,
) -> QueryResult:
    """Run a catalogue query (by name) or a ``.rq`` file with its parameters given as text.

    The query runs on ``endpoint`` when given, else on the embedded store holding ``release``
    when given, else on the project's sources as they are now (asserted triples, no inferences).

    Raises:
        UnknownQuery, QueryFileError: see :func:`find_query`.
        ParameterError: a parameter is unknown, missing or ill-typed.
        LoadError: a source file is malformed.
        StoreLoadError: the release cannot be read.
        QueryError: the query failed (syntax, time budget, endpoint), with the reason.
    """
    query = find_query(project, name_or_path)
    bindings = bind(query, params)
    if endpoint is not None:
        return query_endpoint(endpoint, query.text, bindings=bindings, timeout=timeout)
    if release is not None:
        store = EmbeddedStore.open_release(release, workers=1)
    else:
        store = EmbeddedStore.from_dataset(load_project(project).dataset, workers=1)
    with store:
        return store.query(query.text, bindings=bindings, timeout=timeout)
