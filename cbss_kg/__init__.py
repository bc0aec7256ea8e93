"""cbss-kg: a linked-data knowledge graph of the Council of the Baltic Sea States (CBSS)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
