"""innograph: a linked-data knowledge graph of science cities, their institutions, sectors and alliances.

The Python API (see ``knowledge_graph``)::

    import innograph
    with innograph.open("memory") as kg:
        kg.load(innograph.shipped_data())
        members = kg.query("alliance-members")
"""

__version__ = "0.1.0"

from .bundle import shipped_data  # noqa: E402
from .errors import (InnographError, NotFound, QueryRefused, QuerySyntaxError, QueryTimeout,  # noqa: E402
                     RdfSyntaxError, StoreError, UsageError, ValidationFailed)
from .knowledge_graph import KnowledgeGraph, open  # noqa: E402

__all__ = ["__version__", "open", "KnowledgeGraph", "shipped_data", "InnographError", "NotFound",
           "QueryRefused", "QuerySyntaxError", "QueryTimeout", "RdfSyntaxError", "StoreError",
           "UsageError", "ValidationFailed"]
