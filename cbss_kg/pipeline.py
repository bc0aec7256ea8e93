"""The pipeline: load → validate → reason → export, as library calls that return values.

Nothing here prints; the CLI renders what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cbss_kg import __version__
from cbss_kg.config import Project
from cbss_kg.export import relabel_blank_nodes, trig, turtle, write_release
from cbss_kg.findings import Report
from cbss_kg.load import FORMATS, load_project, parse_file
from cbss_kg.queries import Query, parse_query_file
from cbss_kg.reason import infer
from cbss_kg.validate import validate

__all__ = ["BuildFailed", "BuildResult", "build", "check", "fmt"]


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
    return [parse_query_file(p) for p in sorted((project.queries_dir / "checks").glob("*.rq"))]


def check(project: Project) -> Report:
    """Load the sources and validate them (SHACL shapes and checks)."""
    return validate(load_project(project), checks(project))


def build(project: Project, out: Path) -> BuildResult:
    """Validate, reason and write the release into ``out``.

    Raises:
        LoadError: a source file is malformed.
        BuildFailed: validation found violations.
        InconsistencyError: the graph is inconsistent under OWL 2 RL.
        ExportError: ``out`` holds something other than a previous release.

    In every failure the previous release in ``out`` is left as it was.
    """
    sources = load_project(project)
    report = validate(sources, checks(project))
    if not report.conforms:
        raise BuildFailed(report)
    inferred = infer(sources.union())
    files, stats = write_release(
        {g.identifier: g for g in sources.named_graphs()},
        inferred,
        sources.shapes,
        out,
        base_iri=project.base_iri,
        version=__version__,
    )
    return BuildResult(out, report, files, stats.asserted, stats.inferred)


def canonical_text(path: Path) -> str:
    """The canonical form of a Turtle or TriG source file (what ``fmt`` writes)."""
    if FORMATS[path.suffix] == "trig":
        from rdflib import Dataset

        dataset = Dataset()
        parse_file(path, dataset)
        return trig(relabel_blank_nodes({g.identifier: g for g in dataset.graphs() if len(g)}))
    from rdflib import Graph

    graph = Graph()
    parse_file(path, graph)
    return turtle(relabel_blank_nodes({None: graph})[None])


def fmt(project: Project, *, check_only: bool = False) -> list[Path]:
    """Rewrite the source files into canonical form; return those that were not canonical.

    With ``check_only`` nothing is written.
    """
    changed = []
    for path in sorted(project.data_dir.glob("*.trig")):
        canonical = canonical_text(path)
        if path.read_text(encoding="utf-8") != canonical:
            changed.append(path)
            if not check_only:
                path.write_text(canonical, encoding="utf-8")
    return changed
