"""The settings registry through the CLI: --help-settings lists every setting; INNOGRAPH_* overrides work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from innograph.errors import UsageError
from innograph.settings import REGISTRY, Settings, setting_value
from innograph.store.remote import RemoteStore
from innograph.validation.shacl import _engine
from live_server import http, start_server

INNOGRAPH = Path(sys.executable).with_name("innograph")


def test_help_settings_lists_every_setting_with_its_variable_and_help():
    result = subprocess.run([str(INNOGRAPH), "serve", "--help-settings"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    for setting in REGISTRY:
        assert setting.env in result.stdout
        assert setting.help.split()[0] in result.stdout


def test_serve_help_mentions_help_settings():
    result = subprocess.run([str(INNOGRAPH), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert "--help-settings" in result.stdout and "--update-token" in result.stdout


def test_environment_overrides_and_flags_win():
    settings = Settings.load(environ={"INNOGRAPH_MAX_ROWS": "5", "INNOGRAPH_SERVICE_ALLOW": "https://a/, https://b/",
                                      "INNOGRAPH_CORS": "false", "INNOGRAPH_QUERY_TIMEOUT": "1.5"})
    assert settings.max_rows == 5 and settings.service_allow == ("https://a/", "https://b/")
    assert settings.cors is False and settings.query_timeout == 1.5
    assert Settings.load({"max_rows": 9}, environ={"INNOGRAPH_MAX_ROWS": "5"}).max_rows == 9
    with pytest.raises(UsageError, match="INNOGRAPH_MAX_ROWS"):
        Settings.load(environ={"INNOGRAPH_MAX_ROWS": "-1"})


def test_environment_reaches_the_running_server():
    """One server configured only through INNOGRAPH_* variables: token, row cap, SERVICE allow-list."""
    server = start_server(token=None, env={"INNOGRAPH_UPDATE_TOKEN": "env-token", "INNOGRAPH_MAX_ROWS": "3",
                                           "INNOGRAPH_SERVICE_ALLOW": "http://127.0.0.1:9/"})
    try:
        reply = http(server, "GET", "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}))
        assert len(reply.json()["results"]["bindings"]) == 3
        assert reply.header("innograph-results-truncated") == "true"
        update = 'INSERT DATA { GRAPH <urn:test:env> { <urn:test:e> <urn:test:p> "e" } }'
        reply = http(server, "POST", "/sparql", update, {"Content-Type": "application/sparql-update",
                                                          "Authorization": "Bearer env-token"})
        assert reply.status == 200, reply.text
        sd = http(server, "GET", "/sparql", headers={"Accept": "application/n-triples"})
        assert b"sparql-service-description#BasicFederatedQuery>" in sd.body
    finally:
        server.stop()


def test_bad_environment_value_is_a_clean_error():
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")},
           "INNOGRAPH_QUERY_TIMEOUT": "soon"}
    result = subprocess.run([str(INNOGRAPH), "--store", "memory", "serve", "--port", "0"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 2 and "INNOGRAPH_QUERY_TIMEOUT" in result.stderr
    assert "Traceback" not in result.stderr


def test_tunables_read_outside_a_settings_object_go_through_the_registry(monkeypatch):
    """INNOGRAPH_VALIDATOR and INNOGRAPH_REMOTE_* are registry entries, parsed and reported alike."""
    assert setting_value("remote_timeout", {}) == 60.0
    assert setting_value("remote_timeout", {"INNOGRAPH_REMOTE_TIMEOUT": "2.5"}) == 2.5
    with pytest.raises(UsageError, match="INNOGRAPH_REMOTE_TIMEOUT"):
        RemoteStore.from_spec("http://h/sparql", environ={"INNOGRAPH_REMOTE_TIMEOUT": "-1"})
    store = RemoteStore.from_spec("http://u:p@h/sparql", environ={"INNOGRAPH_REMOTE_TIMEOUT": "7",
                                                                   "INNOGRAPH_REMOTE_USER": "other"})
    assert store.timeout == 7.0 and store.query_url == "http://h/sparql"
    monkeypatch.setenv("INNOGRAPH_VALIDATOR", "pyshacl")
    assert _engine(None, focused=False) == "pyshacl"
    monkeypatch.setenv("INNOGRAPH_VALIDATOR", "fast")
    with pytest.raises(UsageError, match="INNOGRAPH_VALIDATOR"):
        _engine(None, focused=False)
