"""Compare models side by side: facts gathered from one source (`facts`, `sources`), one table of rows
(`table`), exports, and the CLI (`python -m lib.compare`)."""

from lib.compare.facts import MAX_MODELS, ModelFacts, gather, parse_ids
from lib.compare.sources import CatalogFacts, HubFacts
from lib.compare.table import ROWS, ComparedRow, Comparison, compare, show, to_csv, to_markdown

__all__ = [
    "MAX_MODELS",
    "ROWS",
    "CatalogFacts",
    "ComparedRow",
    "Comparison",
    "HubFacts",
    "ModelFacts",
    "compare",
    "gather",
    "parse_ids",
    "show",
    "to_csv",
    "to_markdown",
]
