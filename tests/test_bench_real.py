"""scripts/bench_real.py: its timing of a build's stages and the section it writes.

Nothing here asserts a time: the figures are read from docs/benchmarks.md. This checks that the
stages of a real build are all seen and add up, and that the script's section and the part
scripts/bench.py writes keep each other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import bench  # noqa: E402
import bench_real  # noqa: E402

MINI = Path(__file__).resolve().parent / "export" / "project"


@pytest.fixture(scope="module")
def stages() -> dict:
    """The stages of one build of the mini project (into a temporary folder), timed in a
    process of its own."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench_real.py"), "--stages", str(MINI)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_stage_of_a_build_is_timed(stages: dict) -> None:
    expected = {
        "load the sources", "read the query files", "SHACL", "check queries", "reason",
        "documents and pictures", "write the release", "other", "import the package",
    }
    assert expected <= set(stages["stages"])
    for name, figures in stages["stages"].items():
        if name != "other":
            assert figures["wall"] >= 0 and figures["cpu"] >= 0, name


def test_no_time_is_counted_twice(stages: dict) -> None:
    """A stage's time leaves out the stages it calls: the untimed rest of the build ("other")
    is what the stages leave of it, never less than nothing."""
    build = stages["build"]
    for key in ("wall", "cpu"):
        assert 0 <= stages["stages"]["other"][key] <= build[key], key


FIGURES = {
    "build": 2.5,
    "build_inside": {"wall": 2.0, "cpu": 1.5},
    "stages": {"load the sources": {"wall": 0.3, "cpu": 0.2}},
    "queries": {"members-on-date": {"seconds": 0.0021}},
    "cached": {"members-on-date": {"seconds": 0.0009}},
}
CONTEXT = {"command": "python scripts/bench_real.py", "date": "today", "commit": "abc",
           "baseline": "", "load": "0.1 / 0.1 / 0.1"}


def test_the_section_keeps_bench_pys_part_and_replaces_itself(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Benchmarks\n\nIntro.\n\n{bench.report.MARKER}\n\n## Run\n\nfigures\n")
    bench_real.write_section(page, bench_real.section(FIGURES, None, CONTEXT))
    first = page.read_text()
    assert first.index("Intro.") < first.index(bench_real.BEGIN) < first.index(bench.report.MARKER)
    assert first.endswith(f"{bench.report.MARKER}\n\n## Run\n\nfigures\n")
    assert "| members-on-date | 2.1 | 0.9 |" in first and "**2.50**" in first
    bench_real.write_section(page, bench_real.section(FIGURES, FIGURES, CONTEXT))
    second = page.read_text()
    assert second.count(bench_real.BEGIN) == 1 and second.count(bench_real.END) == 1
    assert "| members-on-date | 2.1 | 2.1 | 0.9 |" in second
    assert second.endswith(f"{bench.report.MARKER}\n\n## Run\n\nfigures\n")
