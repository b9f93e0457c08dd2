"""The files innograph ships inside its package: the ontology and shapes, the named and view
queries, and the shipped data set.

They are found with :mod:`importlib.resources`, so they are there wherever the package is installed
(a wheel in any environment, or an editable checkout, where ``ontology/``, ``queries/`` and
``data/`` at the repository's top are links into ``src/innograph/bundled/``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_ROOT = Path(str(resources.files("innograph"))) / "bundled"

ONTOLOGY_FILE = _ROOT / "ontology" / "innograph.ttl"
SHAPES_FILE = _ROOT / "ontology" / "shapes.ttl"
QUERIES_DIR = _ROOT / "queries"
VIEW_QUERIES_DIR = QUERIES_DIR / "views"
DATA_DIR = _ROOT / "data"


def shipped_data() -> Path:
    """The folder of the shipped data set (the seed article's facts and the breadth tables), ready
    for ``KnowledgeGraph.load`` or ``innograph load``."""
    return DATA_DIR


def named_query_file(name: str) -> Path:
    """Where the named query ``name`` lives (it may not exist)."""
    return QUERIES_DIR / f"{name}.rq"


def view_query_file(name: str) -> Path:
    """Where the query of the view ``name`` lives (it may not exist)."""
    return VIEW_QUERIES_DIR / f"{name}.rq"
