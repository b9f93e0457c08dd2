"""The wheel works from anywhere: built from the sources, installed into a fresh venv and run from an
unrelated folder, it loads the shipped data, runs every named query, builds every view and serves.

Installing every dependency from PyPI would take minutes, so the fresh venv sees the test venv's
site-packages through a .pth path line. A path line is only added to sys.path: the .pth files inside
that folder (the editable install's link to src/) are not processed, and the test checks that
``innograph`` is imported from the fresh venv, never from the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "innograph"

pytestmark = pytest.mark.slow

# Runs inside the fresh venv: every named query and every view through the installed CLI.
DRIVER = r'''
import json, sys
from click.testing import CliRunner
import innograph
from innograph.bundle import QUERIES_DIR
from innograph.cli import main
from innograph.views.networks import VIEWS

store = sys.argv[1]
runner = CliRunner()
report = {"innograph": innograph.__file__, "queries": {}, "views": {}}
for query in sorted(QUERIES_DIR.glob("*.rq")):
    result = runner.invoke(main, ["--store", store, "query", query.stem, "--format", "json"])
    report["queries"][query.stem] = [result.exit_code, result.stdout[:20000], result.stderr[-500:]]
for name, view in VIEWS.items():
    extra = ["--city", "city/daejeon"] if "city" in view.params else []
    for fmt in ("html", "graphml") + (("map",) if name == "alliances" else ()):
        out = f"{name}.{fmt}.out"
        result = runner.invoke(main, ["--store", store, "graph", name, *extra, "--format", fmt, "-o", out])
        report["views"][f"{name} {fmt}"] = [result.exit_code, open(out, "rb").read().decode("utf-8", "replace")
                                            if result.exit_code == 0 else "", result.stderr[-500:]]
print(json.dumps(report))
'''


# The fresh venv must not see this checkout through the caller's environment.
CLEAN_ENV = {key: value for key, value in os.environ.items()
             if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}}


def run(args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, env=CLEAN_ENV,
                            **kwargs)
    command = " ".join(map(str, args))[:300]
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (the build leaves nothing in the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", tmp / "dist", source])
    (built,) = (tmp / "dist").glob("innograph-*.whl")
    return built


def test_the_wheel_carries_every_package_file(wheel):
    """Ontology, shapes, named and view queries, templates, static and view assets, shipped data:
    every file of the package in the source tree is in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"innograph/{path.relative_to(PACKAGE).as_posix()}" for path in PACKAGE.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    for required in ("innograph/bundled/ontology/innograph.ttl", "innograph/bundled/ontology/shapes.ttl",
                     "innograph/bundled/queries/alliance-members.rq", "innograph/bundled/queries/views/alliances.rq",
                     "innograph/web/templates/base.html", "innograph/web/static/style.css",
                     "innograph/views/assets/graph-view.js", "innograph/bundled/data/alliances.ttl"):
        assert required in names, required


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding the wheel; its dependencies come from this venv's site-packages."""
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "dependencies-from-the-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel])
    return env_dir


def test_the_installed_wheel_works_from_another_folder(installed, tmp_path):
    python, innograph = installed / "bin" / "python", installed / "bin" / "innograph"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    store = tmp_path / "store"

    located = json.loads(run([python, "-c", "import innograph, json; print(json.dumps("
                              "[innograph.__file__, str(innograph.shipped_data())]))"],
                             cwd=elsewhere).stdout)
    module, data = (Path(p).resolve() for p in located)
    assert module.is_relative_to(installed.resolve()), f"innograph imported from {module}, not the fresh venv"
    assert data.is_relative_to(installed.resolve()) and sorted(data.glob("*.ttl")), data

    loaded = run([innograph, "--store", store, "load", data], cwd=elsewhere)
    assert "loaded" in loaded.stdout + loaded.stderr

    members = run([innograph, "--store", store, "query", "alliance-members", "--format", "json"], cwd=elsewhere)
    assert len(json.loads(members.stdout)["results"]["bindings"]) >= 5

    report = json.loads(run([python, "-c", DRIVER, store], cwd=elsewhere).stdout)
    assert Path(report["innograph"]).resolve().is_relative_to(installed.resolve())
    assert len(report["queries"]) == len(list((PACKAGE / "bundled" / "queries").glob("*.rq")))
    failed = {name: (code, err) for name, (code, out, err) in report["queries"].items() if code != 0 or not out}
    assert not failed, failed
    assert {name.split()[0] for name in report["views"]} >= {"alliances", "partnerships", "ecosystem"}
    failed = {name: (code, err) for name, (code, out, err) in report["views"].items() if code != 0 or not out}
    assert not failed, failed
    assert "gini" in report["views"]["alliances graphml"][1].lower()

    port = free_port()
    server = subprocess.Popen([innograph, "--store", store, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=elsewhere, env=CLEAN_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        home = fetch(base + "/", server)
        assert "<html" in home.lower()
        assert "body" in fetch(base + "/static/style.css", server)
        page = fetch(base + "/id/city/daejeon", server)
        assert "Daejeon" in page
        ask = "ASK { ?m <http://www.w3.org/ns/org#organization> ?alliance }"
        answer = json.loads(fetch(f"{base}/sparql?{urllib.parse.urlencode({'query': ask})}", server,
                                  accept="application/sparql-results+json"))
        assert answer["boolean"] is True
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "Traceback" not in stderr, stderr


def fetch(url: str, server: subprocess.Popen, *, accept: str = "text/html", wait: float = 60.0) -> str:
    """GET ``url`` once the server answers (it may still be starting)."""
    deadline = time.monotonic() + wait
    while True:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped (exit {server.returncode}): {server.stderr.read()}")
        try:
            request = urllib.request.Request(url, headers={"Accept": accept})
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode("utf-8")
        except urllib.error.URLError as exc:
            if isinstance(exc, urllib.error.HTTPError) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
