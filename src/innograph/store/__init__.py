"""Stores: the one ``Store`` interface and the registry of backends keyed by the ``--store`` value.

A backend is one module that implements :class:`~innograph.store.base.Store` and registers itself
here with :func:`register_backend`: a name, a test on the ``--store`` value and an opener. Adding a
backend means writing that module and one ``register_backend`` call; nothing else in the project
looks at the ``--store`` value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import UsageError
from .base import GraphName, QueryResult, Store
from .oxigraph import FIRST_LOAD_MARKER, OxigraphStore, ScratchStore
from .remote import RemoteStore

__all__ = ["Backend", "BACKENDS", "FIRST_LOAD_MARKER", "GraphName", "OxigraphStore", "QueryResult",
           "RemoteStore", "ScratchStore", "Store", "backend_for", "open_store", "register_backend"]


@dataclass(frozen=True)
class Backend:
    """One kind of store: ``accepts(spec)`` says whether a ``--store`` value names it, and
    ``open(spec, read_only=..., shareable=...)`` opens it."""

    name: str
    accepts: Callable[[str], bool]
    open: Callable[..., Store]
    description: str


BACKENDS: list[Backend] = []


def register_backend(backend: Backend) -> Backend:
    """Add a backend; the first registered backend whose ``accepts`` is true serves a spec."""
    BACKENDS.append(backend)
    return backend


def backend_for(spec: str) -> Backend:
    """The backend that serves ``spec``; UsageError when none does."""
    for backend in BACKENDS:
        if backend.accepts(spec):
            return backend
    raise UsageError(f"--store {spec!r}: not a store ('memory', a directory, or an http(s):// SPARQL endpoint)")


def open_store(spec: str, *, read_only: bool = False, shareable: bool = False) -> Store:
    """The store named by ``spec``: 'memory', a directory, or an http(s):// SPARQL endpoint.

    ``shareable`` asks for a store other processes can open by path (needed by the query workers),
    so 'memory' becomes a scratch directory. Raises StoreError/UsageError with the reason.
    """
    return backend_for(spec).open(spec, read_only=read_only, shareable=shareable)


register_backend(Backend(
    "memory", lambda spec: spec == "memory",
    lambda spec, read_only=False, shareable=False: ScratchStore() if shareable else OxigraphStore(None),
    "Oxigraph in this process's memory (a scratch directory when query workers must share it)"))
register_backend(Backend(
    "http", lambda spec: spec.startswith(("http://", "https://")),
    lambda spec, read_only=False, shareable=False: RemoteStore.from_spec(spec, read_only=read_only),
    "any SPARQL 1.1 store over HTTP (Oxigraph server, Virtuoso, Fuseki, GraphDB)"))
register_backend(Backend(
    "directory", lambda spec: bool(spec) and not spec.startswith(("http://", "https://")),
    lambda spec, read_only=False, shareable=False: OxigraphStore(spec, read_only=read_only),
    "Oxigraph on disk in this directory (created on first load)"))
