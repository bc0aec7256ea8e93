"""Benchmark the project's own graph against the targets of the "Scale and speed" issue:
``cbss-kg build`` within 3 s wall, and every named query within 5 ms median over HTTP.

    python scripts/bench_real.py                        # this checkout
    python scripts/bench_real.py --baseline REV         # and git revision REV, side by side

For each checkout: the whole ``cbss-kg build`` in a fresh process (Python start-up included),
each stage of a build timed inside one process (wall and CPU time), and each named query run
against the project's server on the written release, over HTTP, one request after another on a
keep-alive connection (median after a warm-up). A baseline is REV exported with ``git archive``
and run with its own code and data. The figures go to docs/benchmarks.md, into a section of
their own above the part scripts/bench.py writes, so a run of either script keeps the other's.

Everything listens on 127.0.0.1 and is stopped before the script ends; the machine may be
shared, so read the CPU times beside the wall times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402

BEGIN = "<!-- The section below is written by scripts/bench_real.py. -->"
END = "<!-- End of the section written by scripts/bench_real.py. -->"

STAGES = {
    "load_project": "load the sources",
    "local_store": "the in-process store",
    "catalog": "read the query files",
    "load_catalog": "read the query files",
    "checks": "read the query files",
    "parse_query_file": "read the query files",
    "validate": "SHACL",
    "run_checks": "check queries",
    "infer": "reason",
    "release_documents": "documents and pictures",
    "documents": "documents and pictures",
    "write_release": "write the release",
}
"""Functions the pipeline calls (by the name it looks them up under) → the stage they are.
A stage's time excludes the stages it calls (validate calls run_checks)."""

BUILD_TARGET = 3.0
QUERY_TARGET = 0.005


# -- inside one process: the stages of a build ---------------------------------------------


def measure_stages(project_dir: Path) -> dict[str, Any]:
    """Build ``project_dir`` once with every stage timed; prints nothing, returns the figures."""
    started = time.perf_counter(), time.process_time()
    from cbss_kg import pipeline, validate
    from cbss_kg.config import Project

    imported = time.perf_counter(), time.process_time()
    spent: dict[str, list[float]] = {}
    active: list[list[float]] = []  # per running stage: time of nested stages (wall, cpu)

    def timed(stage: str, function: Callable) -> Callable:
        def run(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            active.append([0.0, 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                nested = active.pop()
                took = [time.perf_counter() - wall, time.process_time() - cpu]
                total = spent.setdefault(stage, [0.0, 0.0])
                total[0] += took[0] - nested[0]
                total[1] += took[1] - nested[1]
                if active:
                    active[-1][0] += took[0]
                    active[-1][1] += took[1]

        return run

    for name, stage in STAGES.items():
        module = validate if name == "run_checks" else pipeline
        if callable(getattr(module, name, None)):
            setattr(module, name, timed(stage, getattr(module, name)))
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = time.perf_counter(), time.process_time()
        pipeline.build(Project(project_dir), Path(folder) / "release")
        build = [time.perf_counter() - wall, time.process_time() - cpu]
    stages = {name: {"wall": w, "cpu": c} for name, (w, c) in spent.items()}
    stages["other"] = {
        "wall": build[0] - sum(s["wall"] for s in stages.values()),
        "cpu": build[1] - sum(s["cpu"] for s in stages.values()),
    }
    stages["import the package"] = {
        "wall": imported[0] - started[0],
        "cpu": imported[1] - started[1],
    }
    return {"stages": stages, "build": {"wall": build[0], "cpu": build[1]}}


# -- from outside: processes of a checkout -------------------------------------------------


def environment(checkout: Path, pycache: Path) -> dict[str, str]:
    """The environment that makes Python import the checkout's own code, keeping compiled
    modules in ``pycache`` (as an installed package has them, even where the caller's
    environment says not to write them)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def in_checkout(checkout: Path, pycache: Path, *command: str) -> list[str]:
    env = environment(checkout, pycache)
    return [
        "env", "-u", "PYTHONDONTWRITEBYTECODE", f"PYTHONPATH={env['PYTHONPATH']}",
        f"PYTHONPYCACHEPREFIX={pycache}", *command,
    ]


def stage_runs(checkout: Path, pycache: Path, reps: int, timeout: float) -> list[dict[str, Any]]:
    runs = []
    for _ in range(reps):
        done = subprocess.run(
            [bench.PYTHON, __file__, "--stages", str(checkout)],
            capture_output=True, text=True, timeout=timeout, env=environment(checkout, pycache),
        )
        if done.returncode != 0:
            raise RuntimeError(f"timing the stages failed:\n{done.stderr[-2000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def whole_builds(
    checkout: Path, pycache: Path, out: Path, reps: int, timeout: float
) -> list[float]:
    """Wall seconds of ``python -m cbss_kg build`` in the checkout, each a fresh process, after
    one build that compiles the modules."""
    command = in_checkout(
        checkout, pycache, bench.PYTHON, "-m", "cbss_kg", "build", "--out", str(out)
    )
    times = []
    for _ in range(reps + 1):
        done = bench.run_measured(command, timeout, cwd=checkout)
        if done.code != 0 or done.timed_out:
            raise RuntimeError(f"cbss-kg build failed in {checkout}")
        times.append(done.seconds)
    return times[1:]


def query_times(
    checkout: Path,
    pycache: Path,
    release: Path,
    reps: int,
    timeout: float,
    cache_bytes: int | None = None,
) -> dict[str, Any]:
    """Median seconds of each named query over HTTP, from the checkout's own server (with its
    answer cache of ``cache_bytes``; ``None``: the checkout's default)."""
    spec = {"project": str(checkout), "release": str(release), "timeout": timeout}
    if cache_bytes is not None:
        spec["cache_bytes"] = cache_bytes
    paths = bench.request_paths(spec, "project")
    port = bench.free_port()
    with tempfile.TemporaryDirectory() as logs:
        server = bench.start_server(
            "project",
            in_checkout(
                checkout, pycache, bench.PYTHON, str(bench.WORKER), "serve-project",
                json.dumps({**spec, "port": port}),
            ),
            port,
            "/health",
            timeout,
            Path(logs) / "server.log",
        )
        try:
            done = bench.run_measured(
                [bench.PYTHON, str(bench.WORKER), "http-each",
                 json.dumps({"port": port, "timeout": timeout, "paths": paths, "reps": reps})],
                timeout * 3,
            )
        finally:
            server.stop()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.get("status") != "ok":
        raise RuntimeError(f"the HTTP runs failed: {result}")
    return result["queries"]


def measure(checkout: Path, opts: argparse.Namespace, *, cached: bool) -> dict[str, Any]:
    """Builds, stages and named queries of ``checkout``; the queries with the answer cache off
    (the engine's time) and, when ``cached``, with it on as served by default."""
    print(f"bench_real: {checkout} ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        release, pycache = Path(folder) / "release", Path(folder) / "pycache"
        builds = whole_builds(checkout, pycache, release, opts.reps, opts.timeout)
        stages = stage_runs(checkout, pycache, opts.reps, opts.timeout)
        queries = query_times(
            checkout, pycache, release, opts.query_reps, opts.timeout, 0 if cached else None
        )
        with_cache = (
            query_times(checkout, pycache, release, opts.query_reps, opts.timeout)
            if cached
            else {}
        )
    names = sorted({name for run in stages for name in run["stages"]})
    return {
        "build": statistics.median(builds),
        "build_inside": {
            key: statistics.median(run["build"][key] for run in stages) for key in ("wall", "cpu")
        },
        "stages": {
            name: {
                key: statistics.median(run["stages"].get(name, {}).get(key, 0.0) for run in stages)
                for key in ("wall", "cpu")
            }
            for name in names
        },
        "queries": queries,
        "cached": with_cache,
    }


@contextlib.contextmanager
def checkout_of(revision: str) -> Iterator[Path]:
    """The files of ``revision`` (``git archive``) in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="cbss-baseline-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


# -- the report ----------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def section(now: dict[str, Any], baseline: dict[str, Any] | None, context: dict[str, str]) -> str:
    runs = [("now", now)] + ([(f"baseline ({context['baseline']})", baseline)] if baseline else [])
    head = " | ".join(label for label, _ in runs)
    lines = [
        BEGIN,
        "",
        "## The project's own graph",
        "",
        f"`{context['command']}`, {context['date']}, commit {context['commit']}, load average "
        f"{context['load']} on {os.cpu_count()} cores. Targets: "
        f"`cbss-kg build` ≤ {BUILD_TARGET:g} s wall, every named query ≤ "
        f"{QUERY_TARGET * 1000:g} ms median over HTTP.",
        "",
        "### Build",
        "",
        "Seconds, medians. *whole build* is `python -m cbss_kg build` in a fresh process, "
        "start-up included, its modules compiled beforehand (as an installed package has "
        "them); below it, one build timed inside its process, and each stage of it (wall and "
        "CPU time), excluding the stages it calls. Where wall time is well above CPU time, "
        "other work on the machine held the processor.",
        "",
        f"| stage | {' | '.join(f'{label} wall | {label} CPU' for label, _ in runs)} |",
        "|---|" + "---|---|" * len(runs),
        "| **whole build** | " + " | ".join(f"**{s(run['build'])}** | -" for _, run in runs) + " |",
        "| build in one process | "
        + " | ".join(f"{s(run['build_inside']['wall'])} | {s(run['build_inside']['cpu'])}"
                     for _, run in runs)
        + " |",
    ]
    order = ["import the package", *dict.fromkeys(STAGES.values()), "other"]
    names = [n for n in order if any(n in run["stages"] for _, run in runs)]
    for name in names:
        cells = []
        for _, run in runs:
            stage = run["stages"].get(name)
            cells += [s(stage["wall"]), s(stage["cpu"])] if stage else ["-", "-"]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += [
        "",
        "### Named queries over HTTP",
        "",
        "Milliseconds, median of each query's runs after a warm-up, its default parameters, "
        "one request after another on one keep-alive connection to the project's server "
        "(`serve.run` on the written release). *now* runs with the answer cache off, so each "
        "request is answered by the engine; *now, cache on* is the server as `cbss-kg serve` "
        "starts it, where every request after the first is a repeat.",
        "",
        f"| query | {head} | now, cache on |",
        "|---|" + "---|" * (len(runs) + 1),
    ]
    for name in sorted(now["queries"]):
        cells = [ms(run["queries"].get(name, {}).get("seconds")) for _, run in runs]
        cells.append(ms(now["cached"].get(name, {}).get("seconds")))
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", END, ""]
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    """Put ``text`` in place of the previous section, else just above scripts/bench.py's part."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        before, rest = old.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        new = before + text + after
    elif bench.report.MARKER in old:
        before, after = old.split(bench.report.MARKER, 1)
        new = before.rstrip("\n") + "\n\n" + text + "\n" + bench.report.MARKER + after
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def measured_options(args: argparse.Namespace) -> list[str]:
    """The options that shape the figures, as a command line (where they are written does not)."""
    options = [f"--reps {args.reps}", f"--query-reps {args.query_reps}"]
    return ([f"--baseline {args.baseline}"] if args.baseline else []) + options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="a git revision to measure beside this checkout")
    parser.add_argument("--reps", type=int, default=5, help="builds per checkout (median)")
    parser.add_argument("--query-reps", type=int, default=30, help="runs of each query")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per step")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--stages", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages:
        print(json.dumps(measure_stages(args.stages)))
        return 0
    now = measure(REPO, args, cached=True)
    baseline = None
    if args.baseline:
        with checkout_of(args.baseline) as old:
            baseline = measure(old, args, cached=False)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    context = {
        "command": " ".join(["python scripts/bench_real.py", *measured_options(args)]),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": commit or "?",
        "baseline": args.baseline or "",
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    write_section(args.out, section(now, baseline, context))
    print(f"bench_real: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
