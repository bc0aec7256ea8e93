"""Shared fixtures: the project, copies of it to break, and one release built per session."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cbss_kg import pipeline
from cbss_kg.config import Project

ROOT = Path(__file__).resolve().parent.parent
"""The checkout under test."""

MINI_PROJECT = Path(__file__).resolve().parent / "export" / "project"
"""A small project in the shape of the real one, for testing the pipeline on known content."""

PROJECT_PARTS = ("ontology", "data", "queries")

pytest_plugins = ["conftest_server"]
"""The running servers for the tests of ``cbss-kg serve``."""


def copy_project(source: Path, target: Path) -> Project:
    """Copy a project's sources (and the marker file that makes it a project) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return Project(target)


@pytest.fixture(scope="session")
def project() -> Project:
    """The project's own sources (read them, never write them)."""
    return Project(ROOT)


@pytest.fixture(scope="session")
def release(project: Project, tmp_path_factory: pytest.TempPathFactory) -> pipeline.BuildResult:
    """The project's release, built once per session into a temporary folder."""
    return pipeline.build(project, tmp_path_factory.mktemp("release") / "dist")


@pytest.fixture
def project_copy(tmp_path: Path) -> Callable[[Path], Project]:
    """Make a writable copy of a project (the real one by default) to edit in a test."""

    def make(source: Path = ROOT) -> Project:
        return copy_project(source, tmp_path / "project")

    return make


@pytest.fixture(scope="session")
def mini_project() -> Project:
    """The small fixture project (read only)."""
    return Project(MINI_PROJECT)
