"""Benchmark every stage of the project against the tools a user would pick instead.

    python scripts/bench.py                    # 10k and 100k quads, three runs each
    python scripts/bench.py --sizes 10k,100k,1m
    python scripts/bench.py --quick            # CI smoke run: smallest size, one run

For each size the synthetic generator (scripts/generate.py) writes a project folder; then each stage
of the project and its peers run on the same data, in the same run, each measurement in a fresh
process (its peak memory read from the operating system when it ends). Stages: parse (rdflib,
pyoxigraph, Apache Jena riot), validate (pyshacl, Jena SHACL), reason (owlrl, reasonable), export
(rdflib, pyoxigraph), the whole build, server start (oxigraph serve, rdflib-endpoint), each named
query embedded (rdflib) and over HTTP, and HTTP throughput and latency under concurrent load on the
named-query mix, with repeating and never-repeating parameters (the project's server with its answer
cache off, and again with it on). A missing stage or peer is reported as missing, never as a
failure. Results go to docs/benchmarks.md (below its hand-written intro) and docs/benchmarks.svg.
Every process the bench starts listens on 127.0.0.1 only and is stopped before it ends; every loop
is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "bench"))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import report  # noqa: E402

WORKER = HERE / "bench" / "worker.py"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
JAVA_LIBS = Path("/usr/share/java")


@dataclass
class Measure:
    """One (stage, tool, size) cell: the median of its runs."""

    stage: str
    tool: str
    size: str
    quads: int
    status: str = "ok"
    seconds: float | None = None
    runs: list[float] = field(default_factory=list)
    rss_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass
class Options:
    sizes: list[str]
    reps: int
    timeout: float
    work: Path
    requests: int
    connections: int
    load_seconds: float
    quick: bool
    only: frozenset[str] = frozenset()
    """Stages to run (all when empty): a faster stage can be compared with its peers alone."""

    def wanted(self, stage: str) -> bool:
        return not self.only or stage in self.only


# -- processes -----------------------------------------------------------------------------


@dataclass
class Finished:
    seconds: float
    code: int | None
    rss_mb: float
    stdout: str
    timed_out: bool


def run_measured(command: list[str], timeout: float, cwd: Path | None = None) -> Finished:
    """Run ``command`` to its end (or kill it at ``timeout``), with wall time and peak RSS."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd, start_new_session=True
        )
        deadline = start + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    return Finished(seconds, process.returncode, usage.ru_maxrss / 1024, text, timed_out)


GAVE_UP: dict[tuple[str, str], str] = {}
"""(stage, tool) → the size at which it ran out of time: it is not run again at larger sizes,
where it could only run out of time again (the table says so)."""

LARGE = 1_000_000
"""From this many quads each measurement runs once: one run takes minutes."""


def given_up(stage: str, tool: str, size: str, quads: int) -> Measure | None:
    """The cell of a (stage, tool) that ran out of time at a smaller size, else None."""
    smaller = GAVE_UP.get((stage, tool))
    if smaller is None:
        return None
    note = f"not run: timed out at {smaller}"
    return Measure(stage, tool, size, quads, status="timeout", note=note)


def worker(
    task: str,
    spec: dict[str, Any],
    reps: int,
    timeout: float,
    stage: str,
    tool: str,
    size: str,
    quads: int,
) -> Measure:
    """Run a worker task ``reps`` times, each in a fresh process."""
    skipped = given_up(stage, tool, size, quads)
    if skipped is not None:
        return skipped
    measure = Measure(stage, tool, size, quads)
    rss = []
    for _ in range(reps):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(spec, handle)  # a file: a load test's request list outgrows a command line
        try:
            done = run_measured([PYTHON, str(WORKER), task, "@" + handle.name], timeout)
        finally:
            os.unlink(handle.name)
        if done.timed_out:
            measure.status, measure.note = "timeout", f"stopped after {timeout:.0f} s"
            GAVE_UP[(stage, tool)] = size
            break
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"status": "error", "reason": f"the worker exited with {done.code}"}
        if result["status"] != "ok":
            measure.status, measure.note = result["status"], result.get("reason", "")
            break
        measure.runs.append(result.pop("seconds"))
        result.pop("status")
        measure.extra = result
        rss.append(done.rss_mb)
    if measure.runs and measure.status == "ok":
        measure.seconds = statistics.median(measure.runs)
        measure.rss_mb = max(rss)
    return measure


def command_measure(
    command: list[str],
    reps: int,
    timeout: float,
    stage: str,
    tool: str,
    size: str,
    quads: int,
    count: str | None = None,
) -> Measure:
    """Time a peer's command line (start-up included); ``count`` counts a word in its output."""
    skipped = given_up(stage, tool, size, quads)
    if skipped is not None:
        return skipped
    measure = Measure(stage, tool, size, quads)
    rss = []
    for _ in range(reps):
        done = run_measured(command, timeout)
        if done.timed_out:
            measure.status, measure.note = "timeout", f"stopped after {timeout:.0f} s"
            GAVE_UP[(stage, tool)] = size
            return measure
        if done.code != 0:
            measure.status, measure.note = "error", f"exit code {done.code}"
            return measure
        measure.runs.append(done.seconds)
        rss.append(done.rss_mb)
        if count:
            measure.extra["findings"] = done.stdout.count(count)
    measure.seconds = statistics.median(measure.runs)
    measure.rss_mb = max(rss)
    return measure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    started: float
    log: Path

    def stop(self) -> float | None:
        """Stop the server (TERM, then KILL) and return its peak RSS in MiB."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                return usage.ru_maxrss / 1024
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        _pid, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_maxrss / 1024


def start_server(
    name: str,
    command: list[str],
    port: int,
    ready: str,
    timeout: float,
    log: Path,
    before: float = 0.0,
    cwd: Path | None = None,
) -> Server:
    """Start ``command``, wait until ``ready`` answers 200; ``before`` adds a load step's time."""
    start = time.perf_counter()
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd
        )
    server = Server(name, process, port, 0.0, log)
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if os.waitpid(process.pid, os.WNOHANG)[0]:
            raise RuntimeError(f"{name} exited while starting: {log.read_text()[-300:]}")
        if http_status(port, ready) == 200:
            server.started = before + time.perf_counter() - start
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{name} did not answer {ready} within {timeout:.0f} s")


# -- peers ---------------------------------------------------------------------------------


def jena_classpath(work: Path) -> str | None:
    """Apache Jena from Debian (libapache-jena-java), or None when it is not installed.

    Debian's jena-core moves Jena's shaded Xerces classes to ``xerces.*`` but leaves their
    message bundles under ``org/apache/jena/ext/xerces``; without them every command fails while
    starting. A small jar with the bundles at the moved path puts them back.
    """
    if not shutil.which("java") or not (JAVA_LIBS / "jena-cmds.jar").exists():
        return None
    shim = work / "jena-xerces-messages.jar"
    if not shim.exists():
        with (
            zipfile.ZipFile(JAVA_LIBS / "jena-core.jar") as core,
            zipfile.ZipFile(shim, "w") as out,
        ):
            prefix = "org/apache/jena/ext/"
            for name in core.namelist():
                if name.startswith(prefix + "xerces/") and name.endswith(".properties"):
                    out.writestr(name[len(prefix) :], core.read(name))
    jars = [p for p in sorted(JAVA_LIBS.glob("jena-*.jar")) if not p.stem[-1].isdigit()]
    deps = [
        "slf4j-api",
        "slf4j-nop",
        "commons-cli",
        "commons-codec",
        "commons-compress",
        "commons-csv",
        "commons-io",
        "commons-lang3",
        "dexx.collection",
        "gson",
        "guava",
        "httpclient",
        "httpcore",
        "jackson-core",
        "jackson-databind",
        "jackson-annotations",
        "jsonld-java",
        "jakarta.json-api",
        "titanium-json-ld",
        "protobuf",
        "thrift",
        "jcl-over-slf4j",
    ]
    jars += [JAVA_LIBS / f"{name}.jar" for name in deps if (JAVA_LIBS / f"{name}.jar").exists()]
    return ":".join(str(p) for p in [*jars, shim])


def jena(classpath: str, main: str, *args: str) -> list[str]:
    return ["java", "-Xmx8g", "-cp", classpath, main, *args]


def versions(classpath: str | None) -> dict[str, str]:
    from importlib import metadata

    found = {"Python": sys.version.split()[0]}
    for name in (
        "cbss-kg",
        "rdflib",
        "pyshacl",
        "owlrl",
        "pyoxigraph",
        "oxigraph",
        "reasonable",
        "rdflib-endpoint",
        "starlette",
        "uvicorn",
    ):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    if classpath:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        found["Java"] = java.splitlines()[0] if java else "?"
        found["Apache Jena"] = "Debian libapache-jena-java " + (_jena_version() or "?")
    else:
        found["Apache Jena"] = "not installed"
    return found


def _jena_version() -> str | None:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libapache-jena-java"], capture_output=True, text=True
    )
    return done.stdout.strip() or None


def machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "OS": " ".join(os.uname()[i] for i in (0, 2)),
    }


# -- one size ------------------------------------------------------------------------------


def prepare(size: str, opts: Options) -> tuple[Path, dict[str, Any], Measure]:
    """Generate the project folder and the files peers read; the generator is measured too."""
    folder = opts.work / size
    target = generate.parse_size(size)
    done = run_measured(
        [PYTHON, str(HERE / "generate.py"), "--triples", str(target), "--out", str(folder)],
        opts.timeout,
    )
    if done.code != 0:
        raise RuntimeError(f"the generator failed for {size}")
    quads = json.loads((folder / "manifest.json").read_text())["quads"]
    generated = Measure(
        "generate",
        "scripts/generate.py",
        size,
        quads,
        seconds=done.seconds,
        runs=[done.seconds],
        rss_mb=done.rss_mb,
    )
    # The union of all graphs plus the ontology as N-Triples, for peers that validate one graph.
    union = folder / "union.nt"
    seen: set[str] = set()
    with union.open("w", encoding="utf-8") as out:
        for line in (folder / "generated.nq").open(encoding="utf-8"):
            triple = line[: line.rfind(" <")] + " .\n"
            if triple not in seen:
                seen.add(triple)
                out.write(triple)
    ontology = [p for p in sorted((folder / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]
    spec = {
        "project": str(folder),
        "nquads": str(folder / "generated.nq"),
        "trig": [str(p) for p in sorted((folder / "data").glob("*.trig"))],
        "union_nt": str(union),
        "ontology": [str(p) for p in ontology],
        "shapes": str(folder / "ontology" / "shapes.ttl"),
        "release": str(opts.work / f"release-{size}"),
        "timeout": opts.timeout,
        "reps": 1 if opts.quick else 3,
    }
    return folder, spec, generated


def bench_size(size: str, opts: Options, classpath: str | None) -> list[Measure]:
    folder, spec, generated = prepare(size, opts)
    quads = generated.quads
    results = [generated]
    reps = 1 if quads >= LARGE else opts.reps
    serving = any(opts.wanted(s) for s in ("query (embedded)", "serve start", "query (HTTP)"))

    def add(task: str, stage: str, tool: str, extra: dict | None = None, n: int | None = None):
        if not opts.wanted(stage) and not (task == "export-project" and serving):
            return
        results.append(
            worker(
                task, {**spec, **(extra or {})}, n or reps, opts.timeout, stage, tool, size, quads
            )
        )

    def skip(stage: str, tool: str, why: str) -> None:
        if not opts.wanted(stage):
            return
        results.append(Measure(stage, tool, size, quads, status="missing", note=why))

    # parse
    add("parse-project", "parse", "project (load_project, TriG)")
    add("parse-rdflib", "parse", "rdflib (TriG)", {"files": spec["trig"], "format": "trig"})
    add(
        "parse-rdflib", "parse", "rdflib (N-Quads)", {"files": [spec["nquads"]], "format": "nquads"}
    )
    add("parse-pyoxigraph", "parse", "pyoxigraph (TriG)", {"files": spec["trig"], "format": "trig"})
    add(
        "parse-pyoxigraph",
        "parse",
        "pyoxigraph (N-Quads)",
        {"files": [spec["nquads"]], "format": "nquads"},
    )
    if classpath and opts.wanted("parse"):
        results.append(
            command_measure(
                jena(classpath, "riotcmd.riot", "--count", *spec["trig"]),
                reps,
                opts.timeout,
                "parse",
                "Jena riot (TriG)",
                size,
                quads,
            )
        )
    else:
        skip("parse", "Jena riot (TriG)", "Apache Jena is not installed")

    # validate
    add("validate-project", "validate", "project (validate: SHACL + checks)")
    add("validate-fast", "validate", "project fast SHACL (validate engine=fast, no checks)")
    add("validate-pyshacl", "validate", "pyshacl (same shapes, no checks)")
    if classpath and opts.wanted("validate"):
        data = folder / "union-with-ontology.nt"
        with data.open("w") as out:
            out.write(Path(spec["union_nt"]).read_text())
            for path in spec["ontology"]:
                from rdflib import Graph

                out.write(Graph().parse(path).serialize(format="nt"))
        results.append(
            command_measure(
                jena(
                    classpath,
                    "shacl.shacl",
                    "validate",
                    "--shapes",
                    spec["shapes"],
                    "--data",
                    str(data),
                ),
                reps,
                opts.timeout,
                "validate",
                "Jena SHACL (same shapes, no checks)",
                size,
                quads,
                count="sh:resultSeverity",
            )
        )
    else:
        skip("validate", "Jena SHACL (same shapes, no checks)", "Apache Jena is not installed")
    if not opts.quick:
        add("validate-checks", "validate checks", "project (each check alone)", n=1)

    # reason
    add("reason-project", "reason", "project (infer)")
    add("reason-fast", "reason", "project fast reasoner (infer engine=fast, peers' input)")
    add("reason-owlrl", "reason", "owlrl")
    add("reason-reasonable", "reason", "reasonable")

    # export and build
    shutil.rmtree(spec["release"], ignore_errors=True)
    add("export-project", "export", "project (write_release, no inferred)", n=1)
    add("export-rdflib", "export", "rdflib (6 formats)")
    add("export-pyoxigraph", "export", "pyoxigraph (6 formats)")
    add("build-project", "build", "project (build: load, validate, reason, export)", n=1)

    # named queries, embedded
    release = Path(spec["release"])
    if (release / "cbss-kg.nq").exists():
        add("query-project", "query (embedded)", "project (EmbeddedStore)", n=1)
        add("query-rdflib", "query (embedded)", "rdflib (Dataset.query)", n=1)
    else:
        skip("query (embedded)", "project (EmbeddedStore)", "no release was written (export)")

    if any(opts.wanted(s) for s in ("serve start", "build + serve start", "query (HTTP)")):
        results.extend(bench_servers(size, quads, spec, opts))
    return results


# -- servers -------------------------------------------------------------------------------


def request_paths(spec: dict[str, Any], style: str, unique: int = 0) -> dict[str, str]:
    """GET paths of each named query for one server ``style``; ``unique`` > 0 varies a parameter
    so no two requests are the same (``unique`` paths per query)."""
    from cbss_kg.config import Project
    from cbss_kg.queries import bind, inline_bindings, load_catalog

    catalog = load_catalog(Project(Path(spec["project"])))
    paths = {}
    for name, query in sorted(catalog.items()):
        if query.kind != "cq":
            continue
        values = [{}]
        if unique:
            param = next((p for p in query.params if p.type in VARIABLE_TYPES), None)
            if param is None:
                continue
            values = [{param.name: VARIABLE_TYPES[param.type](i)} for i in range(unique)]
        for index, raw in enumerate(values):
            key = f"{name}#{index}" if unique else name
            try:
                bindings = bind(query, raw)
            except Exception:  # a required parameter without default
                continue
            if style == "project":
                paths[key] = f"/api/{name}" + ("?" + urllib.parse.urlencode(raw) if raw else "")
            else:
                text = inline_bindings(query.text, bindings)
                route = "/query" if style == "oxigraph" else "/"
                paths[key] = route + "?" + urllib.parse.urlencode({"query": text})
    return paths


VARIABLE_TYPES = {
    "xsd:date": lambda i: f"{1992 + i // 365 % 40:04d}-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}",
    "xsd:gYear": lambda i: str(1900 + i % 200),
    "xsd:integer": lambda i: str(i),
}


def bench_servers(size: str, quads: int, spec: dict[str, Any], opts: Options) -> list[Measure]:
    results: list[Measure] = []
    release = Path(spec["release"])
    logs = opts.work / "logs"
    logs.mkdir(exist_ok=True)

    def project_server(cache_bytes: int = 0) -> Server:
        port = free_port()
        spec_port = json.dumps({**spec, "port": port, "cache_bytes": cache_bytes})
        return start_server(
            "project",
            [PYTHON, str(WORKER), "serve-project", spec_port],
            port,
            "/health",
            opts.timeout,
            logs / f"project-{size}{'-cached' if cache_bytes else ''}.log",
        )

    def project_cli() -> Server:
        port = free_port()
        command = [
            str(BIN / "cbss-kg"),
            "serve",
            "--release",
            str(opts.work / f"cli-{size}"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        return start_server(
            "cbss-kg serve",
            command,
            port,
            "/health",
            opts.timeout,
            logs / f"cli-{size}.log",
            cwd=Path(spec["project"]),
        )

    def oxigraph_server() -> Server:
        port, location = free_port(), opts.work / f"oxigraph-{size}"
        shutil.rmtree(location, ignore_errors=True)
        load = run_measured(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(location),
                "--file",
                str(release / "cbss-kg.nq"),
            ],
            opts.timeout,
        )
        if load.code != 0:
            raise RuntimeError("oxigraph load failed")
        return start_server(
            "oxigraph",
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(location),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            port,
            "/query?query=ASK%7B%7D",
            opts.timeout,
            logs / f"oxigraph-{size}.log",
            before=load.seconds,
        )

    def endpoint_server() -> Server:
        port = free_port()
        return start_server(
            "rdflib-endpoint",
            [
                str(BIN / "rdflib-endpoint"),
                "serve",
                str(release / "cbss-kg.nq"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            port,
            "/?query=ASK%7B%7D",
            opts.timeout,
            logs / f"rdflib-endpoint-{size}.log",
        )

    candidates = [
        (
            "project (cbss-kg serve: build, then start)",
            "cli",
            project_cli,
            (BIN / "cbss-kg").exists() and not opts.quick,
        ),
        (
            "project (serve.run on a written release)",
            "project",
            project_server,
            (BIN / "cbss-kg").exists() and (release / "cbss-kg.nq").exists(),
        ),
        (
            "project (serve.run on a written release)",
            CACHED,
            lambda: project_server(PROJECT_CACHE_BYTES),
            (BIN / "cbss-kg").exists() and (release / "cbss-kg.nq").exists(),
        ),
        (
            "oxigraph serve-read-only",
            "oxigraph",
            oxigraph_server,
            (BIN / "oxigraph").exists() and (release / "cbss-kg.nq").exists(),
        ),
        (
            "rdflib-endpoint",
            "rdflib-endpoint",
            endpoint_server,
            (BIN / "rdflib-endpoint").exists() and (release / "cbss-kg.nq").exists(),
        ),
    ]
    for tool, style, starter, available in candidates:
        if style == "rdflib-endpoint" and quads > RDFLIB_ENDPOINT_MAX:
            results.append(
                Measure("serve start", tool, size, quads, status="missing",
                        note=f"not run above {RDFLIB_ENDPOINT_MAX:,} quads (8 GB at 100k)")
            )
            continue
        if not available:
            results.append(
                Measure(
                    "serve start",
                    tool,
                    size,
                    quads,
                    status="missing",
                    note="not installed, or no release to serve",
                )
            )
            continue
        try:
            server = starter()
        except Exception as error:  # reported in the table; the other servers still run
            stage = "build + serve start" if style == "cli" else "serve start"
            results.append(Measure(stage, tool, size, quads, status="error", note=str(error)[:300]))
            continue
        try:
            if style != "cli":
                results.extend(http_runs(tool, style, server, size, quads, spec, opts))
        except Exception as error:  # reported in the table; the server is still stopped
            results.append(
                Measure("query (HTTP)", tool, size, quads, status="error", note=str(error)[:300])
            )
        finally:
            rss = server.stop()
        if style == CACHED:  # the same server as the one above; its start is measured there
            continue
        results.append(
            Measure(
                "build + serve start" if style == "cli" else "serve start",
                tool,
                size,
                quads,
                seconds=server.started,
                runs=[server.started],
                rss_mb=rss,
                note="load + start" if style == "oxigraph" else "",
            )
        )
    return results


RDFLIB_ENDPOINT_MAX = 20_000
"""rdflib-endpoint is run up to this size only: at 100k it held 8 GB and spent minutes on each
named query (so its load tests alone took most of an hour), and at 1M it would not fit the
machine's memory; its 10k figures already put it orders of magnitude behind."""

CACHED = "project-cached"
"""The project's server again with its answer cache on; only its load mixes are reported."""
PROJECT_CACHE_BYTES = 64 * 1024 * 1024
"""The answer cache of ``cbss-kg serve`` by default (``--cache-size 64``)."""


def http_runs(
    tool: str,
    style: str,
    server: Server,
    size: str,
    quads: int,
    spec: dict[str, Any],
    opts: Options,
) -> list[Measure]:
    paths_of = "project" if style == CACHED else style
    try:
        each = request_paths(spec, paths_of)
        unique = request_paths(spec, paths_of, unique=max(1, opts.requests))
    except Exception as error:  # the catalogue is not there (yet)
        return [Measure("query (HTTP)", tool, size, quads, status="missing", note=str(error)[:200])]
    if not each:
        return [
            Measure(
                "query (HTTP)",
                tool,
                size,
                quads,
                status="missing",
                note="the catalogue has no competency query (queries/cq/*.rq)",
            )
        ]
    base = {"port": server.port, "timeout": opts.timeout}
    alone = worker(
        "http-each",
        {**base, "paths": each, "reps": spec["reps"]},
        1,
        opts.timeout * 3,
        "query (HTTP)",
        tool,
        size,
        quads,
    )
    # Each query alone, repeated, also warms a server up before its load tests. With the cache on
    # all but the first run of each would be hits, so only the engine's figures are reported.
    out = [] if style == CACHED else [alone]
    mixes = [
        ("repeating parameters", list(each.values())),
        ("never-repeating parameters", list(unique.values())),
    ]
    for label, paths in mixes:
        if not paths:
            continue
        out.append(
            worker(
                "http-load",
                {
                    **base,
                    "paths": paths,
                    "requests": opts.requests,
                    "connections": opts.connections,
                    "deadline": opts.load_seconds,
                },
                1,
                opts.timeout * 3,
                f"HTTP load ({label})",
                tool,
                size,
                quads,
            )
        )
    if style.startswith("project"):
        for measure in out:
            measure.extra["cache"] = "on" if style == CACHED else "off"
    return out


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k,100k,1m")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: the smallest size, one run, short load test",
    )
    parser.add_argument("--reps", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    parser.add_argument("--requests", type=int, default=400, help="requests per load test")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--load-seconds", type=float, default=60, help="cap on a load test")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--svg", type=Path, help="the plot (default: beside --out)")
    parser.add_argument(
        "--only", default="", help="comma-separated stages to run, e.g. validate,reason (all)"
    )
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    try:
        sizes.sort(key=generate.parse_size)
    except ValueError:
        parser.error(f"--sizes: not a list of sizes: {args.sizes!r}")
    if args.quick:
        sizes, args.reps = sizes[:1], 1
        args.requests, args.load_seconds = min(args.requests, 16), min(args.load_seconds, 3)
        args.timeout = min(args.timeout, 120)
    svg = args.svg or args.out.with_suffix(".svg")
    with scratch(args.work) as work:
        opts = Options(
            sizes,
            args.reps,
            args.timeout,
            work,
            args.requests,
            args.connections,
            args.load_seconds,
            args.quick,
            frozenset(s.strip() for s in args.only.split(",") if s.strip()),
        )
        classpath = jena_classpath(work)
        results: list[Measure] = []
        context = {
            "machine": machine(),
            "versions": versions(classpath),
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "command": " ".join(["python scripts/bench.py", *measured_options(argv)]),
            "reps": args.reps,
            "connections": args.connections,
            "requests": args.requests,
            "load_seconds": args.load_seconds,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            print(f"bench: {size} ...", file=sys.stderr, flush=True)
            results.extend(bench_size(size, opts, classpath))
            # Written after each size, so a long run leaves its figures so far.
            report.write_markdown(args.out, results, context, svg.name)
            report.write_svg(svg, results)
    print(f"bench: wrote {args.out} and {svg}", file=sys.stderr)
    return 0


def measured_options(argv: list[str] | None) -> list[str]:
    """The command line's options that shape the figures: where they are written and the
    scratch folder do not (and would put this machine's paths into the report)."""
    given = list(sys.argv[1:] if argv is None else argv)
    kept = []
    while given:
        option = given.pop(0)
        name = option.split("=", 1)[0]
        if name in ("--out", "--svg", "--work"):
            if "=" not in option and given:
                given.pop(0)
            continue
        kept.append(option)
    return kept


@contextlib.contextmanager
def scratch(work: Path | None) -> Iterator[Path]:
    if work:
        work.mkdir(parents=True, exist_ok=True)
        yield work.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="cbss-bench-") as folder:
        yield Path(folder)


if __name__ == "__main__":
    sys.exit(main())
