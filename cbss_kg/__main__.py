"""Allow ``python -m cbss_kg``."""

from cbss_kg.cli import main

main()
