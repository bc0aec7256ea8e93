"""The benchmark suite's smoke run (scripts/bench.py --quick) at the smallest size.

Nothing here asserts a time: speed is read from docs/benchmarks.md. This checks that one command
runs every stage and its peers and writes a report whose tables are complete and whose numbers
are sane.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STAGES = (
    "generate",
    "parse",
    "validate",
    "reason",
    "export",
    "build",
    "serve start",
    "query (embedded)",
)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "benchmarks.md"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "bench.py"),
            "--quick",
            "--sizes",
            "1k",
            "--work",
            str(folder / "work"),
            "--out",
            str(out),
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text(encoding="utf-8"), (folder / "benchmarks.svg").read_text(encoding="utf-8")


def _summary_rows(markdown: str) -> list[list[str]]:
    section = markdown.split("## Summary", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]


@pytest.mark.slow
def test_every_stage_has_a_row(bench: tuple[str, str]) -> None:
    markdown, _svg = bench
    stages = {row[0] for row in _summary_rows(markdown)}
    assert set(STAGES) <= stages, stages


@pytest.mark.slow
def test_times_are_positive_and_ratios_are_given(bench: tuple[str, str]) -> None:
    markdown, _svg = bench
    assert "project ÷ tool" in markdown
    rows = _summary_rows(markdown)
    numbers = 0
    for row in rows:
        cell = row[2]
        if re.fullmatch(r"[0-9.]+", cell):
            assert float(cell) > 0, row
            numbers += 1
        else:
            assert cell in ("missing", "error", "timeout"), row
        ratio = row[-1]
        if ratio != "-":
            assert re.fullmatch(r"[0-9.]+x", ratio) and float(ratio[:-1]) > 0, row
    # The peers that ship with the project's own dependencies always run.
    measured = {(row[0], row[1]) for row in rows if re.fullmatch(r"[0-9.]+", row[2])}
    assert ("parse", "rdflib (TriG)") in measured
    assert ("parse", "pyoxigraph (TriG)") in measured
    assert ("reason", "owlrl") in measured
    assert numbers >= 6


@pytest.mark.slow
def test_the_report_names_machine_versions_and_the_plot(bench: tuple[str, str]) -> None:
    markdown, svg = bench
    for word in ("CPU", "cores", "memory", "rdflib", "pyshacl", "owlrl", "pyoxigraph"):
        assert f"| {word} |" in markdown, word
    assert "benchmarks.svg" in markdown
    assert svg.startswith("<svg") and "<circle" in svg


@pytest.mark.slow
def test_the_report_gives_the_command_without_this_machines_paths(bench: tuple[str, str]) -> None:
    markdown, _ = bench
    command = next(line for line in markdown.splitlines() if line.startswith("`python scripts/"))
    assert "--quick" in command and "--timeout 120" in command
    assert "--work" not in command and "--out" not in command and "/" not in command.split()[-1]
