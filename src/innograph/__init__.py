"""innograph: a linked-data knowledge graph of science cities, their institutions, sectors and alliances."""

__version__ = "0.1.0"
