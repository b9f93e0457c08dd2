"""innograph: a linked-data knowledge graph of science cities, their institutions, sectors and alliances.

The Python API (see ``knowledge_graph``)::

    import innograph
    with innograph.open("memory") as kg:
        kg.load(innograph.shipped_data())
        members = kg.query("alliance-members")
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Where each public name lives. They are imported at first use (PEP 562), not here: a query worker
# process imports innograph.service.execution, and loading the whole API with it (rdflib, networkx,
# pySHACL) tripled the time a worker takes to start, which a killed worker's replacement pays.
_PUBLIC = {
    "open": "knowledge_graph", "KnowledgeGraph": "knowledge_graph", "shipped_data": "bundle",
    **{name: "errors" for name in ("InnographError", "NotFound", "QueryRefused", "QuerySyntaxError",
                                   "QueryTimeout", "RdfSyntaxError", "StoreError", "UsageError",
                                   "ValidationFailed")},
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    """``innograph.open``, ``innograph.KnowledgeGraph``... loaded on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'innograph' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
