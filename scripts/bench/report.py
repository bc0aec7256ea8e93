"""Write the benchmark's figures: docs/benchmarks.md (below its hand-written intro) and the plot.

The markdown keeps whatever stands above :data:`MARKER` in the existing file (the intro people
write) and replaces everything below it. Ratios are always taken between measurements of the same
run on the same data, so a noisy shared machine shifts both sides alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

MARKER = "<!-- Everything below is written by scripts/bench.py: edit the intro above it. -->"

INTRO = """# Benchmarks

How fast each stage of the pipeline is, and how it grows with the size of the graph, next to the
tools a user would pick instead — measured in one run, on the same synthetic data, on the same
machine. `scripts/generate.py` writes data shaped like ours (same classes, properties, IRI patterns
and named graphs per source) at a chosen size; `scripts/bench.py` runs every stage on it.

Read the ratios, not the seconds: the machine is shared, so absolute times move from run to run,
but both sides of a ratio ran minutes apart on the same data. *project ÷ tool* above 1 means the
project is that many times slower than the tool.

Re-run with `python scripts/bench.py` (10k and 100k quads), `--sizes 10k,100k,1m` for the large
run, or `--quick` for a smoke run.
"""

STAGE_ORDER = (
    "generate",
    "parse",
    "validate",
    "validate checks",
    "reason",
    "export",
    "build",
    "serve start",
    "build + serve start",
    "query (embedded)",
    "query (HTTP)",
)


def label(quads: int) -> str:
    if quads >= 1_000_000:
        return f"{quads / 1_000_000:.2f} M"
    return f"{quads / 1000:.1f} k"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def ratio(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 0.1:
        return f"{value:.2g}x"
    return f"{value:.2f}x" if value < 10 else f"{value:.0f}x"


def growth(points: Iterable[tuple[int, float]]) -> float | None:
    """The exponent k of time ∝ size^k, least squares on log-log, from two sizes or more."""
    pts = [(math.log(q), math.log(s)) for q, s in points if q > 0 and s and s > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _cell(value: object) -> str:
    """One table cell: on one line, pipes escaped, long notes cut."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    return text if len(text) <= 240 else text[:239] + "…"


def _stages(results: Sequence[Any]) -> list[str]:
    names = [s for s in STAGE_ORDER if any(r.stage == s for r in results)]
    return names + sorted(
        {r.stage for r in results} - set(names) - {r.stage for r in _load(results)}
    )


def _load(results: Sequence[Any]) -> list[Any]:
    return [r for r in results if r.stage.startswith("HTTP load")]


def _project(results: Sequence[Any], stage: str, size: str) -> Any | None:
    return next(
        (
            r
            for r in results
            if r.stage == stage and r.size == size and r.tool.startswith("project") and r.seconds
        ),
        None,
    )


def write_markdown(path: Path, results: Sequence[Any], context: dict[str, Any], svg: str) -> None:
    intro = INTRO
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if MARKER in text:
            intro = text.split(MARKER, 1)[0].rstrip() + "\n"
    sizes = list(dict.fromkeys(r.size for r in results))
    quads = {r.size: r.quads for r in results}
    out = [intro, MARKER, ""]
    out += [f"## Run of {context['date']}", "", f"`{context['command']}`", ""]
    out += table(["machine", ""], context["machine"].items())
    out += table(["tool", "version"], context["versions"].items())
    out += [
        f"Sizes: {', '.join(f'{s} = {quads[s]:,} quads' for s in sizes)}. Each figure is the "
        f"median of {context['reps']} runs, each run a fresh process; only the stage is timed "
        "(its input is parsed before the clock starts), except command-line peers (Jena), whose "
        "time is the whole process: JVM start-up and parsing included. Peak RSS is the largest "
        "resident set of that process. The named-query tables time each query after one "
        "warm-up run.",
        "",
        f"![time against size, log-log]({svg})",
        "",
    ]
    out += _summary(results, sizes)
    for stage in _stages(results):
        if stage in ("query (embedded)", "query (HTTP)", "validate checks"):
            continue
        out += _stage_table(results, stage, sizes)
    out += _checks_table(results, sizes)
    out += _queries_table(results, sizes, "query (embedded)")
    out += _queries_table(results, sizes, "query (HTTP)")
    out += _load_table(results, sizes, context)
    out += _missing(results)
    path.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


def _summary(results: Sequence[Any], sizes: list[str]) -> list[str]:
    rows = []
    last = sizes[-1]
    for stage in _stages(results):
        if stage == "validate checks":
            continue
        for tool in dict.fromkeys(r.tool for r in results if r.stage == stage):
            cells = {r.size: r for r in results if r.stage == stage and r.tool == tool}
            k = growth((c.quads, c.seconds) for c in cells.values() if c.status == "ok")
            here, project = cells.get(last), _project(results, stage, last)
            share = (
                project.seconds / here.seconds
                if project and here and here.seconds and not tool.startswith("project")
                else None
            )
            rows.append(
                [
                    stage,
                    tool,
                    *(
                        seconds(cells[s].seconds)
                        if s in cells and cells[s].status == "ok"
                        else (cells[s].status if s in cells else "")
                        for s in sizes
                    ),
                    "-" if k is None else f"{k:.2f}",
                    ratio(share),
                ]
            )
    header = [
        "stage",
        "tool",
        *(f"s @ {s}" for s in sizes),
        "growth k (t ∝ n^k)",
        f"project ÷ tool @ {last}",
    ]
    return [
        "## Summary",
        "",
        "Seconds per size, the fitted growth exponent (1 = linear), and how many times slower "
        "the project's stage is than each tool at the largest size.",
        "",
        *table(header, rows),
    ]


def _stage_table(results: Sequence[Any], stage: str, sizes: list[str]) -> list[str]:
    rows = []
    for size in sizes:
        project = _project(results, stage, size)
        for r in (r for r in results if r.stage == stage and r.size == size):
            share = project.seconds / r.seconds if project and r.seconds else None
            extra = ", ".join(
                f"{k} {v}"
                for k, v in r.extra.items()
                if isinstance(v, int | float) and k not in ("seconds",)
            )
            rows.append(
                [
                    r.tool,
                    size,
                    seconds(r.seconds) if r.status == "ok" else r.status,
                    " ".join(seconds(x) for x in r.runs) or "-",
                    f"{r.rss_mb:.0f}" if r.rss_mb else "-",
                    ratio(share),
                    "; ".join(x for x in (extra, r.note) if x),
                ]
            )
    return [
        f"## {stage}",
        "",
        *table(
            ["tool", "size", "median s", "runs (s)", "peak RSS MiB", "project ÷ tool", "notes"],
            rows,
        ),
    ]


def _checks_table(results: Sequence[Any], sizes: list[str]) -> list[str]:
    cells = {
        r.size: r.extra.get("checks", {})
        for r in results
        if r.stage == "validate checks" and r.status == "ok"
    }
    if not cells:
        return []
    names = sorted(
        {n for c in cells.values() for n in c},
        key=lambda n: -max(c.get(n, 0) for c in cells.values()),
    )
    rows = [
        [
            n,
            *(seconds(cells.get(s, {}).get(n)) for s in sizes),
            _k(results, sizes, lambda r, n=n: r.extra.get("checks", {}).get(n), "validate checks"),
        ]
        for n in names
    ]
    return [
        "## validate: where the time goes (each check query alone, `run_checks`)",
        "",
        *table(["check", *(f"s @ {s}" for s in sizes), "growth k"], rows),
    ]


def _k(
    results: Sequence[Any], sizes: list[str], value: Any, stage: str, tool: str | None = None
) -> str:
    points = [
        (r.quads, value(r))
        for r in results
        if r.stage == stage and (tool is None or r.tool == tool) and r.status == "ok"
    ]
    k = growth((q, v) for q, v in points if v)
    return "-" if k is None else f"{k:.2f}"


def _queries_table(results: Sequence[Any], sizes: list[str], stage: str) -> list[str]:
    measures = [r for r in results if r.stage == stage]
    if not measures:
        return []
    tools = list(dict.fromkeys(r.tool for r in measures))
    out = [f"## {stage}: each named query (median seconds)", ""]
    for size in sizes:
        here = {r.tool: r for r in measures if r.size == size}
        names = sorted({n for r in here.values() for n in r.extra.get("queries", {})})
        if not names:
            for r in here.values():
                if r.status != "ok":
                    out += [f"{size}: {r.tool}: {r.status} ({r.note})", ""]
            continue
        project = next((t for t in tools if t.startswith("project")), None)
        header = ["query", *(f"{t}" for t in tools)]
        header += [f"project ÷ {t.split(' ')[0]}" for t in tools if t != project]
        if stage == "query (embedded)":
            header.append("rows")
        rows = []
        for name in names:
            figures = {
                t: here[t].extra.get("queries", {}).get(name, {}) if t in here else {}
                for t in tools
            }
            row = [name] + [
                seconds(f.get("seconds")) if "seconds" in f else ("error" if f else "-")
                for f in figures.values()
            ]
            base = figures.get(project, {}).get("seconds") if project else None
            for t in tools:
                if t != project:
                    other = figures[t].get("seconds")
                    row.append(ratio(base / other if base and other else None))
            if stage == "query (embedded)":
                counts = {f.get("rows") for f in figures.values() if "rows" in f}
                row.append(
                    " / ".join(str(c) for c in sorted(counts))
                    + ("" if len(counts) <= 1 else " ≠ differ")
                )
            rows.append(row)
        out += [
            f"### {size} ({here and next(iter(here.values())).quads:,} quads)",
            "",
            *table(header, rows),
        ]
        errors = [
            f"{t}: {n}: {f['error']}"
            for t in tools
            for n in names
            for f in [here[t].extra.get("queries", {}).get(n, {}) if t in here else {}]
            if "error" in f
        ]
        out += [f"- {e}" for e in errors] + ([""] if errors else [])
    return out


def _load_table(results: Sequence[Any], sizes: list[str], context: dict[str, Any]) -> list[str]:
    measures = _load(results)
    if not measures:
        return []
    rows = []
    for r in measures:
        project = next(
            (
                p
                for p in measures
                if p.stage == r.stage
                and p.size == r.size
                and p.tool.startswith("project")
                and p.extra.get("cache") != "on"
                and p.status == "ok"
            ),
            None,
        )
        x = r.extra
        share = (
            x.get("throughput", 0) / project.extra["throughput"]
            if project and project.extra.get("throughput") and r.status == "ok"
            else None
        )
        mix = r.stage.removeprefix("HTTP load (").removesuffix(")")
        rows.append(
            [
                r.tool,
                x.get("cache", "-"),
                mix,
                r.size,
                str(x.get("requests", "-")) if r.status == "ok" else r.status,
                f"{x['throughput']:.1f}" if "throughput" in x else "-",
                f"{x['p50'] * 1000:.1f}" if x.get("p50") is not None else "-",
                f"{x['p99'] * 1000:.1f}" if x.get("p99") is not None else "-",
                str(x.get("failures", "-")),
                ratio(share),
                r.note,
            ]
        )
    return [
        "## HTTP under load: the named-query mix",
        "",
        f"{context['connections']} connections at once from Python threads (a process of its own "
        f"on the same 2 cores), up to {context['requests']} GET requests or "
        f"{context['load_seconds']:.0f} s, whichever ends first. *Repeating* cycles through the "
        "named queries with their default parameters, so a result cache would serve most of "
        "them; *never-repeating* gives a date, year or number parameter a new value on every "
        "request, so no cache can hide the engine. The project server runs each mix twice: "
        "with its answer cache off (the engine alone; every ratio is to that row) and on "
        "(`cbss-kg serve --cache-size`, 64 MB by default), where *tool ÷ project* is what the "
        "cache gains; each server first answers each query alone (the table above), so both "
        "start the load warm. The peers run as installed (answer cache -).",
        "",
        *table(
            [
                "server",
                "answer cache",
                "mix",
                "size",
                "requests",
                "req/s",
                "p50 ms",
                "p99 ms",
                "failures",
                "tool ÷ project (req/s)",
                "notes",
            ],
            rows,
        ),
    ]


def _missing(results: Sequence[Any]) -> list[str]:
    gaps = sorted({(r.stage, r.tool, r.status, r.note) for r in results if r.status not in ("ok",)})
    if not gaps:
        return []
    return ["## Missing, failed or stopped", "", *table(["stage", "tool", "status", "why"], gaps)]


# -- the plot ------------------------------------------------------------------------------

PALETTE = (
    "#1b6ca8",
    "#d1495b",
    "#edae49",
    "#00798c",
    "#66a182",
    "#8d6a9f",
    "#2e4057",
    "#f26419",
    "#6c757d",
    "#b5838d",
    "#3a5a40",
    "#9c6644",
)


def write_svg(path: Path, results: Sequence[Any]) -> None:
    """Time against size on log-log axes, one line per stage and tool (pure SVG, no library)."""
    series: dict[str, list[tuple[int, float]]] = {}
    for r in results:
        if r.status == "ok" and r.seconds and not r.stage.startswith("HTTP load"):
            series.setdefault(f"{r.stage}: {r.tool}", []).append((r.quads, r.seconds))
    width, plot_w, plot_h, left, top = 1100, 560, 420, 70, 30
    legend_h = 16 * len(series) + 40
    height = max(plot_h + top + 60, legend_h)
    points = [p for s in series.values() for p in s] or [(1000, 1.0)]
    x0, x1 = _bounds([q for q, _ in points])
    y0, y1 = _bounds([s for _, s in points])

    def px(q: float) -> float:
        return left + (math.log10(q) - x0) / (x1 - x0) * plot_w

    def py(s: float) -> float:
        return top + plot_h - (math.log10(s) - y0) / (y1 - y0) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#888"/>',
    ]
    for e in range(math.floor(x0), math.ceil(x1) + 1):
        x = px(10**e)
        if left <= x <= left + plot_w:
            out.append(
                f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#eee"/>'
            )
            out.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_power(e)}</text>'
            )
    for e in range(math.floor(y0), math.ceil(y1) + 1):
        y = py(10**e)
        if top <= y <= top + plot_h:
            out.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>'
            )
            out.append(
                f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{10.0**e:g} s</text>'
            )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 36}" text-anchor="middle">'
        "quads (log)</text>"
    )
    out.append(
        f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + plot_h / 2})">seconds (log)</text>'
    )
    for index, (name, pts) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        dash = ("", ' stroke-dasharray="6 3"', ' stroke-dasharray="2 3"')[index // len(PALETTE) % 3]
        pts = sorted(pts)
        coords = " ".join(f"{px(q):.1f},{py(s):.1f}" for q, s in pts)
        if len(pts) > 1:
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="1.8"{dash}/>'
            )
        out += [
            f'<circle cx="{px(q):.1f}" cy="{py(s):.1f}" r="2.5" fill="{colour}"/>' for q, s in pts
        ]
        ly = 30 + 16 * index
        lx = left + plot_w + 30
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 22}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + 28}" y="{ly}">{escape(name)}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _bounds(values: list[float]) -> tuple[float, float]:
    low, high = math.log10(min(values)), math.log10(max(values))
    if high - low < 1:
        middle = (low + high) / 2
        low, high = middle - 0.5, middle + 0.5
    return math.floor(low * 2) / 2, math.ceil(high * 2) / 2


def _power(exponent: int) -> str:
    return {
        -3: "1 m",
        -2: "10 m",
        -1: "0.1",
        0: "1",
        1: "10",
        2: "100",
        3: "1 k",
        4: "10 k",
        5: "100 k",
        6: "1 M",
        7: "10 M",
    }.get(exponent, f"1e{exponent}")
