"""One measurement of the benchmark suite, run in a process of its own.

``python worker.py TASK SPEC_JSON`` prints one JSON object: ``{"status": "ok", "seconds": ...}``
plus task-specific figures, or ``{"status": "missing", "reason": ...}`` when the project's stage
(or a peer's library) is not installed, or ``{"status": "error", "reason": ...}``. Setup (parsing
the input a stage needs) is done before the clock starts; only the stage itself is timed. The
parent process reads peak memory from the operating system when this process ends.

Each project stage is called through the project's public functions, so the bench follows them
as they change; peers are called the way a user of that library would call them.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def task(name: str) -> Callable:
    def register(function: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable:
        TASKS[name] = function
        return function

    return register


class Missing(Exception):
    """The stage or the peer is not there (yet)."""


def need(module: str, *names: str) -> Any:
    """Import ``names`` from ``module``, or raise :class:`Missing` saying what is absent."""
    try:
        imported = __import__(module, fromlist=list(names) or ["__name__"])
    except ImportError as error:
        raise Missing(f"{module} is not installed ({error})") from None
    values = []
    for name in names:
        if not hasattr(imported, name):
            raise Missing(f"{module}.{name} does not exist")
        values.append(getattr(imported, name))
    return values[0] if len(values) == 1 else (values or imported)


def clock(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


# -- shared setup --------------------------------------------------------------------------


def project_of(spec: dict[str, Any]) -> Any:
    project_class = need("cbss_kg.config", "Project")
    return project_class(Path(spec["project"]))


def check_queries(project: Any) -> list[Any]:
    """The project's checks, as the pipeline gathers them (or the catalogue's, before it)."""
    try:
        return list(need("cbss_kg.pipeline", "checks")(project))
    except Missing:
        catalog = need("cbss_kg.queries", "load_catalog")(project)
        return [q for q in catalog.values() if q.kind == "check"]


def union_graph(spec: dict[str, Any]) -> Any:
    """The union of all graphs plus the ontology, as a peer would load it (N-Triples + Turtle)."""
    from rdflib import Graph

    graph = Graph()
    graph.parse(spec["union_nt"], format="nt")
    for path in sorted(Path(spec["project"], "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            graph.parse(path, format="turtle")
    return graph


def named_queries(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, text, bindings) of every competency query, bound with its default parameters."""
    load_catalog, bind = need("cbss_kg.queries", "load_catalog", "bind")
    catalog = load_catalog(project_of(spec))
    out = []
    for name, query in sorted(catalog.items()):
        if query.kind != "cq":
            continue
        try:
            bindings = bind(query, {})
        except Exception:  # a required parameter without default: nothing to run it with
            continue
        out.append((name, query.text, bindings))
    if not out:
        raise Missing("the catalogue has no competency query (queries/cq/*.rq) to run")
    return out


# -- parse ---------------------------------------------------------------------------------


@task("parse-project")
def parse_project(spec: dict[str, Any]) -> dict[str, Any]:
    load_project = need("cbss_kg.load", "load_project")
    project = project_of(spec)
    seconds, sources = clock(lambda: load_project(project))
    return {"seconds": seconds, "quads": sum(1 for _ in sources.dataset.quads())}


@task("parse-rdflib")
def parse_rdflib(spec: dict[str, Any]) -> dict[str, Any]:
    from rdflib import Dataset

    def run() -> Dataset:
        dataset = Dataset()
        for path in spec["files"]:
            dataset.parse(path, format=spec["format"])
        return dataset

    seconds, dataset = clock(run)
    return {"seconds": seconds, "quads": sum(1 for _ in dataset.quads())}


@task("parse-pyoxigraph")
def parse_pyoxigraph(spec: dict[str, Any]) -> dict[str, Any]:
    pyoxigraph = need("pyoxigraph")
    fmt = {"trig": pyoxigraph.RdfFormat.TRIG, "nquads": pyoxigraph.RdfFormat.N_QUADS}[
        spec["format"]
    ]

    def run() -> Any:
        store = pyoxigraph.Store()
        for path in spec["files"]:
            # In memory, load is the faster of pyoxigraph's two loaders (bulk_load is for disk).
            store.load(path=path, format=fmt)
        return store

    seconds, store = clock(run)
    return {"seconds": seconds, "quads": len(store)}


# -- validate ------------------------------------------------------------------------------


@task("validate-project")
def validate_project(spec: dict[str, Any]) -> dict[str, Any]:
    load_project = need("cbss_kg.load", "load_project")
    validate = need("cbss_kg.validate", "validate")
    project = project_of(spec)
    sources = load_project(project)
    checks = check_queries(project)
    seconds, report = clock(lambda: validate(sources, checks))
    violations = sum(1 for f in report.findings if f.severity.value == "violation")
    return {"seconds": seconds, "findings": len(report.findings), "violations": violations}


@task("validate-fast")
def validate_fast(spec: dict[str, Any]) -> dict[str, Any]:
    """SHACL alone on the project's fast engine (the shapes compiled into SPARQL, pyoxigraph)."""
    load_project = need("cbss_kg.load", "load_project")
    validate = need("cbss_kg.validate", "validate")
    sources = load_project(project_of(spec))
    seconds, report = clock(lambda: validate(sources, engine="fast"))
    return {"seconds": seconds, "findings": len(report.findings)}


@task("validate-checks")
def validate_checks(spec: dict[str, Any]) -> dict[str, Any]:
    """Each check query alone, to show where the validation time goes.

    When ``run_checks`` takes a prepared store (as the pipeline shares one), it is built once
    before the clock starts, so each figure is the check's own cost.
    """
    import inspect

    load_project = need("cbss_kg.load", "load_project")
    run_checks = need("cbss_kg.validate", "run_checks")
    project = project_of(spec)
    sources = load_project(project)
    options: dict[str, Any] = {}
    if "store" in inspect.signature(run_checks).parameters:
        with contextlib.suppress(Missing):
            options["store"] = need("cbss_kg.store", "LocalStore").from_dataset(sources.dataset)
    times = {}
    for check in check_queries(project):
        times[check.name], _ = clock(lambda c=check: run_checks(sources.dataset, [c], **options))
    return {"seconds": sum(times.values()), "checks": times}


@task("validate-pyshacl")
def validate_pyshacl(spec: dict[str, Any]) -> dict[str, Any]:
    pyshacl = need("pyshacl")
    from rdflib import Graph
    from rdflib.namespace import SH

    data = union_graph(spec)
    shapes = Graph().parse(spec["shapes"], format="turtle")
    seconds, (_conforms, results, _text) = clock(
        lambda: pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
        )
    )
    if not isinstance(results, Graph):
        raise RuntimeError(f"pyshacl failed: {results}")
    return {"seconds": seconds, "findings": len(set(results.objects(None, SH.result)))}


# -- reason --------------------------------------------------------------------------------


@task("reason-project")
def reason_project(spec: dict[str, Any]) -> dict[str, Any]:
    load_project = need("cbss_kg.load", "load_project")
    infer = need("cbss_kg.reason", "infer")
    union = load_project(project_of(spec)).union()
    seconds, inferred = clock(lambda: infer(union))
    return {"seconds": seconds, "inferred": len(inferred)}


@task("reason-fast")
def reason_fast(spec: dict[str, Any]) -> dict[str, Any]:
    """The project's fast reasoner (OWL 2 RL rules in pyoxigraph) on the peers' input graph."""
    infer = need("cbss_kg.reason", "infer")
    graph = union_graph(spec)
    seconds, inferred = clock(lambda: infer(graph, engine="fast"))
    return {"seconds": seconds, "inferred": len(inferred)}


@task("reason-owlrl")
def reason_owlrl(spec: dict[str, Any]) -> dict[str, Any]:
    deductive_closure, semantics = need("owlrl", "DeductiveClosure", "OWLRL_Semantics")
    graph = union_graph(spec)
    before = len(graph)
    seconds, _ = clock(lambda: deductive_closure(semantics).expand(graph))
    return {"seconds": seconds, "inferred": len(graph) - before}


@task("reason-reasonable")
def reason_reasonable(spec: dict[str, Any]) -> dict[str, Any]:
    reasoner_class = need("reasonable", "PyReasoner")
    graph = union_graph(spec)

    def run() -> Any:
        reasoner = reasoner_class()
        reasoner.from_graph(graph)
        return reasoner.reason()

    seconds, closure = clock(run)
    return {"seconds": seconds, "inferred": max(0, len(closure) - len(graph))}


# -- export and build ----------------------------------------------------------------------


@task("export-project")
def export_project(spec: dict[str, Any]) -> dict[str, Any]:
    """The release writer, without inferred triples, into ``spec["release"]`` (kept for serving)."""
    load_project = need("cbss_kg.load", "load_project")
    write_release = need("cbss_kg.export", "write_release")
    version = need("cbss_kg", "__version__")
    from rdflib import Graph

    project = project_of(spec)
    sources = load_project(project)
    graphs = {g.identifier: g for g in sources.named_graphs()}
    out = Path(spec["release"])
    seconds, _ = clock(
        lambda: write_release(
            graphs, Graph(), sources.shapes, out, base_iri=project.base_iri, version=version
        )
    )
    return {"seconds": seconds, "bytes": sum(p.stat().st_size for p in out.iterdir())}


EXPORT_FORMATS = ("trig", "nquads", "turtle", "nt", "xml", "json-ld")


@task("export-rdflib")
def export_rdflib(spec: dict[str, Any]) -> dict[str, Any]:
    from rdflib import Dataset, Graph

    dataset = Dataset()
    dataset.parse(spec["nquads"], format="nquads")
    union = Graph()
    for quad in dataset.quads():
        union.add(quad[:3])

    def run() -> int:
        written = 0
        with tempfile.TemporaryDirectory() as folder:
            for fmt in EXPORT_FORMATS:
                target = dataset if fmt in ("trig", "nquads") else union
                path = Path(folder, f"out.{fmt}")
                target.serialize(destination=path, format=fmt)
                written += path.stat().st_size
        return written

    seconds, written = clock(run)
    return {"seconds": seconds, "bytes": written}


@task("export-pyoxigraph")
def export_pyoxigraph(spec: dict[str, Any]) -> dict[str, Any]:
    pyoxigraph = need("pyoxigraph")
    store = pyoxigraph.Store()
    store.bulk_load(path=spec["nquads"], format=pyoxigraph.RdfFormat.N_QUADS)
    formats = {
        "trig": pyoxigraph.RdfFormat.TRIG,
        "nquads": pyoxigraph.RdfFormat.N_QUADS,
        "turtle": pyoxigraph.RdfFormat.TURTLE,
        "nt": pyoxigraph.RdfFormat.N_TRIPLES,
        "xml": pyoxigraph.RdfFormat.RDF_XML,
        "json-ld": getattr(pyoxigraph.RdfFormat, "JSON_LD", None),
    }

    def run() -> int:
        written = 0
        with tempfile.TemporaryDirectory() as folder:
            for name, fmt in formats.items():
                if fmt is None:
                    continue
                path = Path(folder, f"out.{name}")
                if fmt.supports_datasets:
                    store.dump(path, fmt)
                else:
                    # A triple format: the union of the graphs, as the release's .ttl/.nt/.rdf.
                    triples = {q.triple for q in store}
                    pyoxigraph.serialize(triples, path, fmt)
                written += path.stat().st_size
        return written

    seconds, written = clock(run)
    return {"seconds": seconds, "bytes": written}


@task("build-project")
def build_project(spec: dict[str, Any]) -> dict[str, Any]:
    build = need("cbss_kg.pipeline", "build")
    project = project_of(spec)
    with tempfile.TemporaryDirectory() as folder:
        seconds, result = clock(lambda: build(project, Path(folder, "release")))
    return {"seconds": seconds, "inferred": result.inferred}


# -- named queries, embedded ---------------------------------------------------------------


def per_query(run: Callable[[str, dict[str, Any]], int], queries: list, spec: dict) -> dict:
    """Median seconds and row count of each query, after one warm-up run.

    Bounded: a query whose warm-up run takes more than a tenth of the budget is not repeated,
    and once most of the process's budget is spent the remaining queries are skipped (and said
    so), so the figures gathered so far are kept rather than lost to the parent's timeout.
    """
    figures: dict[str, dict[str, Any]] = {}
    budget = spec["timeout"]
    stop_at = time.perf_counter() + 0.6 * budget
    for name, text, bindings in queries:
        if time.perf_counter() > stop_at:
            figures[name] = {"error": "skipped: the time budget was spent on earlier queries"}
            continue
        try:
            first, rows = clock(lambda t=text, b=bindings: run(t, b))
            if first > budget / 10:
                figures[name] = {"seconds": first, "rows": rows, "runs": 1}
                continue
            times = [clock(lambda t=text, b=bindings: run(t, b))[0] for _ in range(spec["reps"])]
            figures[name] = {"seconds": statistics.median(times), "rows": rows}
        except Exception as error:  # one failing query is reported; the others still run
            figures[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
    return figures


@task("query-project")
def query_project(spec: dict[str, Any]) -> dict[str, Any]:
    store_class = need("cbss_kg.store", "EmbeddedStore")
    queries = named_queries(spec)
    store = store_class.open_release(Path(spec["release"]))
    try:

        def run(text: str, bindings: dict[str, Any]) -> int:
            result = store.query(text, bindings=bindings, timeout=spec["timeout"], row_limit=None)
            return len(result.rows) if result.form == "select" else len(result.triples)

        figures = per_query(run, queries, spec)
    finally:
        store.close()
    return {"seconds": sum(f.get("seconds", 0) for f in figures.values()), "queries": figures}


@task("query-rdflib")
def query_rdflib(spec: dict[str, Any]) -> dict[str, Any]:
    from rdflib import Dataset

    prefixes = need("cbss_kg.namespaces", "PREFIXES")
    queries = named_queries(spec)
    dataset = Dataset(default_union=True)
    dataset.parse(Path(spec["release"], "cbss-kg.nq"), format="nquads")

    def run(text: str, bindings: dict[str, Any]) -> int:
        result = dataset.query(text, initBindings=bindings, initNs=prefixes)
        return len(list(result)) if result.type != "ASK" else 1

    figures = per_query(run, queries, spec)
    return {"seconds": sum(f.get("seconds", 0) for f in figures.values()), "queries": figures}


# -- HTTP ----------------------------------------------------------------------------------


ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
"""Results as JSON, graphs (CONSTRUCT, DESCRIBE) as N-Triples or Turtle: what every server has."""


def fetch(connection: Any, path: str) -> int:
    connection.request("GET", path, headers={"Accept": ACCEPT})
    response = connection.getresponse()
    response.read()
    return response.status


@task("http-each")
def http_each(spec: dict[str, Any]) -> dict[str, Any]:
    """Median latency of each request, one after another on one keep-alive connection."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=spec["timeout"])
    figures: dict[str, dict[str, Any]] = {}
    budget = 3 * spec["timeout"]  # what the parent allows this process
    stop_at = time.perf_counter() + 0.6 * budget
    for name, path in spec["paths"].items():
        if time.perf_counter() > stop_at:
            figures[name] = {"error": "skipped: the time budget was spent on earlier queries"}
            continue
        try:
            first, status = clock(lambda c=connection, p=path: fetch(c, p))
            times = [first]
            if first <= budget / 30:
                times = [
                    clock(lambda c=connection, p=path: fetch(c, p))[0] for _ in range(spec["reps"])
                ]
            figures[name] = {"seconds": statistics.median(times), "status": status}
        except Exception as error:  # a refused or failed request is reported, not fatal
            figures[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
            connection.close()
            connection = http.client.HTTPConnection(
                "127.0.0.1", spec["port"], timeout=spec["timeout"]
            )
    connection.close()
    ok = [f["seconds"] for f in figures.values() if f.get("status") == 200]
    return {"seconds": sum(ok), "queries": figures}


@task("http-load")
def http_load(spec: dict[str, Any]) -> dict[str, Any]:
    """``requests`` GETs of ``paths`` (taken in turn) from ``connections`` threads at once."""
    import http.client
    import threading

    paths, total, width = spec["paths"], spec["requests"], spec["connections"]
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter()
    stop_at = start + spec["deadline"]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=spec["timeout"])
        while time.perf_counter() < stop_at:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            try:
                seconds, status = clock(
                    lambda c=connection, i=index: fetch(c, paths[i % len(paths)])
                )
                ok = status == 200
            except Exception:  # counted as a failure; the connection is replaced
                seconds, ok = 0.0, False
                connection.close()
                connection = http.client.HTTPConnection(
                    "127.0.0.1", spec["port"], timeout=spec["timeout"]
                )
            with lock:
                if ok:
                    latencies.append(seconds)
                else:
                    failures[0] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    latencies.sort()

    def percentile(share: float) -> float | None:
        return (
            latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else None
        )

    return {
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed if elapsed else 0.0,
        "p50": percentile(0.50),
        "p99": percentile(0.99),
        "failures": failures[0],
        "requests": len(latencies) + failures[0],
    }


@task("serve-project")
def serve_project(spec: dict[str, Any]) -> dict[str, Any]:
    """Serve an already written release (no build), as ``cbss-kg serve`` does after building."""
    import inspect

    run, settings_class = need("cbss_kg.serve", "run", "Settings")
    options = {"cache_bytes": spec["cache_bytes"]} if "cache_bytes" in spec else {}
    arguments = {"host": "127.0.0.1", "port": spec["port"], "settings": settings_class(**options)}
    if "project" in inspect.signature(run).parameters:
        arguments["project"] = project_of(spec)
    run(release=Path(spec["release"]), **arguments)
    return {"seconds": 0.0}


def main() -> int:
    name, argument = sys.argv[1], sys.argv[2]
    if argument.startswith("@"):
        argument = Path(argument[1:]).read_text(encoding="utf-8")
    spec = json.loads(argument)
    try:
        result = {"status": "ok", **TASKS[name](spec)}
    except Missing as missing:
        result = {"status": "missing", "reason": str(missing)}
    except Exception as error:  # reported in the benchmark's table, not as a traceback
        result = {"status": "error", "reason": f"{type(error).__name__}: {error}"[:500]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
