"""The architecture of docs/architecture.md, read from the source with ``ast``: imports flow one
way (cli → pipeline → stages → shared basics) and each engine is imported by one module only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cbss_kg"

ENGINES = {
    "pyshacl": {"cbss_kg.validate"},
    "owlrl": {"cbss_kg.reason"},
    "SPARQLWrapper": {"cbss_kg.remote"},
    "pyoxigraph": {"cbss_kg.store"},
    "pyld": {"cbss_kg.jsonld"},
    "starlette": {"cbss_kg.serve", "cbss_kg.web.*"},
    "uvicorn": {"cbss_kg.serve", "cbss_kg.web.*"},
}
"""Each third-party engine and the module allowed to import it (``.*``: a helper package)."""

BASICS = {"cbss_kg", "cbss_kg.config", "cbss_kg.namespaces", "cbss_kg.findings"}
"""Shared basics: everything may import them, they import nothing but each other."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").is_file() or (
        PACKAGE.parent / relative / "__init__.py"
    ).is_file()


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (functions included)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if is_module(candidate) else source)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """Module → the modules it imports (third-party ones by their full dotted name)."""
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def internal(graph: dict[str, set[str]], module: str) -> set[str]:
    return {m for m in graph[module] if m == "cbss_kg" or m.startswith("cbss_kg.")}


def allowed(module: str, patterns: set[str]) -> bool:
    return any(module == p or (p.endswith(".*") and module.startswith(p[:-1])) for p in patterns)


def test_the_import_reader_sees_real_imports(graph) -> None:
    """Guard against a reader that finds nothing (and so lets every rule pass)."""
    assert "pyshacl" in graph["cbss_kg.validate"]
    assert "cbss_kg.load" in graph["cbss_kg.validate"]
    assert "cbss_kg.pipeline" in graph["cbss_kg.cli"]


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_each_engine_is_imported_by_its_one_module(graph, engine: str) -> None:
    importers = {
        module
        for module, imported in graph.items()
        if any(m == engine or m.startswith(engine + ".") for m in imported)
    }
    strays = {m for m in importers if not allowed(m, ENGINES[engine])}
    assert not strays, f"{engine} is imported by {sorted(strays)}"


def test_basics_import_only_basics(graph) -> None:
    for module in BASICS & graph.keys():
        assert internal(graph, module) <= BASICS, module


def test_only_the_cli_imports_the_pipeline(graph) -> None:
    importers = {m for m in graph if "cbss_kg.pipeline" in internal(graph, m)}
    assert importers <= {"cbss_kg.cli"}


def test_nothing_imports_the_cli(graph) -> None:
    importers = {m for m in graph if "cbss_kg.cli" in internal(graph, m)}
    assert importers <= {"cbss_kg.__main__"}


def test_imports_have_no_cycles(graph) -> None:
    edges = {m: internal(graph, m) - {m, "cbss_kg"} for m in graph}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, " → ".join([*visiting[visiting.index(module) :], module])
        visiting.append(module)
        for target in sorted(edges.get(module, ())):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(edges):
        visit(module)
