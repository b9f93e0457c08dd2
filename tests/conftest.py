"""Shared fixtures: real stores (in memory and on disk) holding the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

from innograph.loading import load_validated
from innograph.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"


@pytest.fixture(scope="session")
def shipped_store():
    """An in-memory store holding data/ and the ontology, loaded through the validating loader.

    Queries see the union of the named graphs as their default graph. Read-only by convention:
    tests that write use ``tmp_store``.
    """
    store = OxigraphStore(None)
    load_validated(store, [DATA_DIR])
    yield store
    store.close()


@pytest.fixture
def tmp_store(tmp_path):
    """An empty on-disk store in a temporary directory."""
    store = OxigraphStore(tmp_path / "store")
    yield store
    store.close()
