"""The synthetic data generator (scripts/generate.py): valid RDF, deterministic, the planted
violations and nothing else found by the project's own validator."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

REPO = Path(__file__).resolve().parent.parent


def _load_generator():
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


generate = _load_generator()
SMALL = 1200


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate.generate(out, SMALL, seed=7)
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planted")
    generate.generate(out, SMALL, seed=7, violations=0.25)
    return out


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_the_folder_is_a_project_laid_out_like_the_repository(clean: Path) -> None:
    assert (clean / "pyproject.toml").is_file()
    assert {p.name for p in (clean / "data").glob("*.trig")} == {
        f"{name}.trig" for name in generate.FILES
    }
    assert (clean / "ontology" / "shapes.ttl").is_file() == (
        REPO / "ontology" / "shapes.ttl"
    ).is_file()


def test_trig_and_nquads_parse_to_the_counted_quads(clean: Path) -> None:
    from_trig = Dataset()
    for path in sorted((clean / "data").glob("*.trig")):
        from_trig.parse(path, format="trig")
    from_nquads = Dataset()
    from_nquads.parse(clean / "generated.nq", format="nquads")
    quads = _manifest(clean)["quads"]
    assert set(from_trig.quads()) == set(from_nquads.quads())
    assert len(set(from_nquads.quads())) == quads
    assert SMALL <= quads < SMALL * 2.5


def test_no_domain_triple_in_the_default_graph_and_every_graph_is_described(clean: Path) -> None:
    dataset = Dataset()
    dataset.parse(clean / "generated.nq", format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert not any(g.startswith("urn:x-rdflib:default") for g in graphs)
    metadata = dataset.graph(URIRef(generate.GRAPH + "metadata"))
    described = {str(s) for s in metadata.subjects()}
    assert graphs - {generate.GRAPH + "metadata"} <= described


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, clean: Path) -> None:
    again = tmp_path / "again"
    generate.generate(again, SMALL, seed=7)
    assert (again / "generated.nq").read_bytes() == (clean / "generated.nq").read_bytes()
    other = tmp_path / "other"
    generate.generate(other, SMALL, seed=8)
    assert (other / "generated.nq").read_bytes() != (clean / "generated.nq").read_bytes()


def test_the_size_follows_the_target(tmp_path: Path) -> None:
    small = generate.generate(tmp_path / "a", 1000).quads
    larger = generate.generate(tmp_path / "b", 8000).quads
    assert 1000 <= small < 2500
    assert 8000 <= larger < 10_000


def test_planting_changes_only_the_planted_things(clean: Path, planted: Path) -> None:
    manifest = _manifest(planted)
    kinds = {v["kind"] for v in manifest["violations"]}
    assert kinds == set(generate.VIOLATION_KINDS)
    assert manifest["entities"] == _manifest(clean)["entities"]


def test_sizes_parse() -> None:
    assert generate.parse_size("10k") == 10_000
    assert generate.parse_size("1M") == 1_000_000
    assert generate.parse_size("2500") == 2500
    with pytest.raises(ValueError):
        generate.parse_size("lots")


def _report(folder: Path):
    """The project's own validation of a generated folder (SHACL and checks)."""
    if not (REPO / "ontology" / "shapes.ttl").is_file():
        pytest.skip("no shapes yet")
    pipeline = pytest.importorskip("cbss_kg.pipeline")
    from cbss_kg.config import Project

    return pipeline.check(Project(folder))


@pytest.mark.slow
def test_generated_data_validates_clean(clean: Path) -> None:
    report = _report(clean)
    violations = [f for f in report.findings if f.severity.value == "violation"]
    assert violations == [], report.to_text()[:3000]


@pytest.mark.slow
def test_the_validator_finds_exactly_the_planted_violations(planted: Path) -> None:
    report = _report(planted)
    found = [f for f in report.findings if f.severity.value == "violation"]
    planted_list = _manifest(planted)["violations"]
    assert {f.focus for f in found} == {v["focus"] for v in planted_list}, report.to_text()[:3000]
    pairs = {(f.focus, f.path) for f in found}
    for violation in planted_list:
        if violation["path"]:
            assert (violation["focus"], violation["path"]) in pairs, violation
