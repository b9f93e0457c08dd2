"""Shared fixtures: real stores holding the shipped data, the app and its faces (test client, a
served URL, the shared live server, the CLI runner), the browser."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from innograph.service.loading import load_validated
from innograph.store import OxigraphStore
from live_server import shared_server
from publishing_app import publishing_app

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


# -- store backends: the same tests run on memory, on-disk and a real remote Oxigraph server -------

BACKENDS = ["memory", "disk", "remote", "virtuoso"]


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_oxigraph_server(location: Path):
    """A real ``oxigraph serve`` on a free 127.0.0.1 port with its database in ``location``;
    yields its query URL and stops it afterwards."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.skip("the Oxigraph server is not installed (pip install oxigraph)")
    port = _free_port()
    log = open(location.parent / f"oxigraph-server-{port}.log", "wb")
    process = subprocess.Popen([binary, "serve", "--location", str(location / "db"),
                                "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1) as response:
                response.read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                raise RuntimeError(f"oxigraph serve did not start on port {port}")
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real ``oxigraph serve`` on a free 127.0.0.1 port, on disk in a tmp dir; its query URL."""
    with running_oxigraph_server(tmp_path_factory.mktemp("oxigraph-server")) as url:
        yield url


VIRTUOSO_MAX_ROWS = 30_000


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso (Debian's virtuoso-opensource, installed by `make system-deps`) on free
    127.0.0.1 ports with its database in a tmp dir, started once per session (tests/virtuoso_server.py)."""
    import virtuoso_server
    if not virtuoso_server.installed():
        pytest.fail("Virtuoso is not installed: run `make system-deps` as root "
                    "(apt-get install virtuoso-opensource)")
    # A row limit above the shipped data (24k triples) but low enough for a test to go past it.
    with virtuoso_server.running_virtuoso(tmp_path_factory.mktemp("virtuoso"),
                                          max_rows=VIRTUOSO_MAX_ROWS) as server:
        yield server


def empty_virtuoso(server) -> None:
    """Drop every graph innograph sees on the shared Virtuoso (never Virtuoso's own graphs)."""
    import pyoxigraph

    from innograph.store.remote import RemoteStore
    store = RemoteStore.from_spec(server.sparql, environ=server.environment())
    for graph in [*store.graph_names(), pyoxigraph.DefaultGraph()]:
        store.drop_graph(graph)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The name of a store backend; pair with ``make_store`` to open it."""
    return request.param


@pytest.fixture
def make_store(backend, tmp_path, request):
    """A function opening an empty store of the parametrised backend (``read_only`` optional).

    The remote backends (Oxigraph's server, Virtuoso) share one session server each; it is
    emptied before each test.
    """
    from innograph.store.remote import RemoteStore

    opened = []
    server = request.getfixturevalue("oxigraph_server") if backend == "remote" else None
    if server:
        RemoteStore.from_spec(server, environ={}).update("DROP SILENT ALL")
    virtuoso = request.getfixturevalue("virtuoso_server") if backend == "virtuoso" else None
    if virtuoso:
        empty_virtuoso(virtuoso)

    def make(*, read_only: bool = False):
        if backend == "memory":
            store = OxigraphStore(None, read_only=read_only)
        elif backend == "disk":
            # A read-only opener beside the primary writer, as the endpoint's workers do: it sees
            # what the writer had flushed when it opened.
            for other in opened:
                other.flush()
            store = OxigraphStore(tmp_path / "store", read_only=read_only)
        elif virtuoso:
            store = RemoteStore.from_spec(virtuoso.sparql, read_only=read_only, environ=virtuoso.environment())
        else:
            store = RemoteStore.from_spec(server, read_only=read_only, environ={})
        opened.append(store)
        return store

    yield make
    for store in reversed(opened):
        store.close()


# -- hypothesis profiles: short in `make test`, long in `make fuzz` (HYPOTHESIS_PROFILE=fuzz) --------

def _hypothesis_profiles() -> None:
    import os

    from hypothesis import HealthCheck, settings

    # Examples go through a real app with worker processes: no per-example deadline, and slow
    # data generation is expected.
    common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                         HealthCheck.function_scoped_fixture],
                  print_blob=True)
    settings.register_profile("ci", max_examples=12, derandomize=True, **common)
    settings.register_profile("fuzz", max_examples=400, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()


# -- figures the hardening tests report (load-test latency...), printed after the run --------------

@pytest.fixture
def report(request):
    """``report(line)`` adds a line to the 'innograph figures' section of the terminal summary."""
    lines = request.config.stash.setdefault(_FIGURES, [])
    return lines.append


_FIGURES = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(_FIGURES, [])
    if lines:
        terminalreporter.section("innograph figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Debian Chromium driven by chromedriver, with a fresh profile and the flags that
    keep it off the network (no background requests, no component updates, no sync)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    # Chrome's performance log records every request the page makes (tests prove none leaves 127.0.0.1).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


# -- the shared faces: an app and its test client, a real server, a CLI runner ----------------------

@pytest.fixture(scope="module")
def app(shipped_store, tmp_path_factory):
    """The Flask app over an on-disk copy of the shipped data (a module may override it with an app
    configured for its needs; ``client`` then uses that one)."""
    with publishing_app(shipped_store, tmp_path_factory.mktemp("app")) as made:
        yield made


@pytest.fixture(scope="module")
def client(app):
    """Flask's test client of the module's ``app``."""
    return app.test_client()


@pytest.fixture(scope="module")
def server_url(app):
    """The module's ``app`` served on 127.0.0.1 by a threaded werkzeug server (for the browser)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server():
    """The real ``innograph serve`` on 127.0.0.1 that the HTTP tests share (started once)."""
    return shared_server()


@pytest.fixture
def runner():
    """click's runner for the ``innograph`` command line."""
    return CliRunner()
