"""Where the project's sources live and the settings every stage shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cbss_kg.namespaces import BASE

MARKER = "pyproject.toml"
"""A project root is a folder holding this file and the ``ontology/`` and ``data/`` folders."""


class ProjectNotFound(LookupError):
    """No project root was found above the starting folder."""


@dataclass(frozen=True)
class Project:
    """A checkout of the knowledge graph's sources.

    Attributes:
        root: the folder holding ``ontology/``, ``data/`` and ``queries/``.
        base_iri: the IRI the graph is published under; a deployment may publish on its own domain.
    """

    root: Path
    base_iri: str = BASE
    ontology_dir: Path = field(init=False)
    data_dir: Path = field(init=False)
    queries_dir: Path = field(init=False)
    shapes_file: Path = field(init=False)

    def __post_init__(self) -> None:
        root = self.root.resolve()
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "ontology_dir", root / "ontology")
        object.__setattr__(self, "data_dir", root / "data")
        object.__setattr__(self, "queries_dir", root / "queries")
        object.__setattr__(self, "shapes_file", root / "ontology" / "shapes.ttl")

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """Find the project root at or above ``start`` (the working folder by default).

        Falls back to the checkout this package was installed from, so the CLI works from any
        folder after an editable install.
        """
        candidates = [Path(start or Path.cwd()).resolve()]
        candidates += list(candidates[0].parents)
        candidates.append(Path(__file__).resolve().parent.parent)
        for folder in candidates:
            if (folder / MARKER).is_file() and (folder / "ontology").is_dir() and (
                folder / "data"
            ).is_dir():
                return cls(folder)
        raise ProjectNotFound(
            f"no cbss-kg project (a folder with {MARKER}, ontology/ and data/) at or above {start}"
        )
