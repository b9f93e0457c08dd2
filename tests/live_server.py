"""A real ``innograph serve`` on 127.0.0.1 for the HTTP tests: started once per test run, stopped at exit.

The server loads and validates the shipped data/ into a temporary on-disk store, with a write token,
a 2-second query limit (so the timeout test is quick), a small body cap (413 test), a row cap below
the size of the data (truncation test) and the fixture catalogue in tests/fixtures/queries.
Tests that write use their own graphs (urn:test:...) and remove them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INNOGRAPH = Path(sys.executable).with_name("innograph")
TOKEN = "test-token-0123456789"
QUERY_TIMEOUT = 2.0
MAX_ROWS = 2000
MAX_BODY = 200_000
FIXTURE_QUERIES = ROOT / "tests" / "fixtures" / "queries"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    workdir: Path
    token: str | None
    log: Path
    env: dict = field(default_factory=dict)

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    @property
    def graph_store(self) -> str:
        return self.url + "/store"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_server(*, token: str | None = TOKEN, data: list[Path] | None = None, env: dict | None = None,
                 extra_args: list[str] | None = None, timeout: float = 90,
                 store: str | None = None) -> LiveServer:
    """Start ``innograph serve`` on a free port (``store``: default a fresh directory)."""
    workdir = Path(tempfile.mkdtemp(prefix="innograph-test-server-"))
    port = free_port()
    env = env or {}
    args = [str(INNOGRAPH), "--store", store or str(workdir / "store"), "serve", "--host", "127.0.0.1",
            "--port", str(port)]
    if "INNOGRAPH_QUERY_TIMEOUT" not in env:
        args += ["--query-timeout", str(QUERY_TIMEOUT)]
    if "INNOGRAPH_MAX_ROWS" not in env:
        args += ["--max-rows", str(MAX_ROWS)]
    for directory in (data if data is not None else [ROOT / "data"]):
        args += ["--data", str(directory)]
    if token:
        args += ["--update-token", token]
    args += extra_args or []
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")}
    environment.update({"INNOGRAPH_QUERY_WORKERS": "3", "INNOGRAPH_MAX_BODY_BYTES": str(MAX_BODY),
                        "INNOGRAPH_QUERIES_DIR": str(FIXTURE_QUERIES), "INNOGRAPH_QUERY_QUEUE_WAIT": "5",
                        # Every test client is 127.0.0.1: the guard tests' wrong tokens must not
                        # trip the failed-authentication limit (tested on its own in test_attacks.py).
                        "INNOGRAPH_AUTH_FAILURES_PER_MINUTE": "100000"})
    environment.update(env)
    log = workdir / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=environment)
    server = LiveServer(f"http://127.0.0.1:{port}", process, workdir, token, log, environment)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.output()
            server.stop()
            raise RuntimeError(f"innograph serve exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(server.sparql + "?query=ASK%7B%7D", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"innograph serve did not answer within {timeout} s:\n{server.output()}")


_shared: LiveServer | None = None


def shared_server() -> LiveServer:
    """The one server all HTTP test modules share (started on first use, stopped at exit)."""
    global _shared
    if _shared is None or _shared.process.poll() is not None:
        _shared = start_server()
        atexit.register(_shared.stop)
    return _shared


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        import json
        return json.loads(self.body)


def http(server: LiveServer, method: str, path: str, body: bytes | str | None = None,
         headers: dict | None = None, timeout: float = 30) -> Reply:
    """One raw HTTP request (no client-side rewriting), so protocol edge cases reach the server as sent."""
    import http.client
    connection = http.client.HTTPConnection(server.url.split("//", 1)[1], timeout=timeout)
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
    finally:
        connection.close()
