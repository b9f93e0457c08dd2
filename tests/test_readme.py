"""The README tells the truth, by test.

Every ``innograph …`` command in the README's fenced code blocks runs against a temporary store and
must exit as the README says (0 unless its comment says ``exit N``); commands that start a server
are started for real, asked for a page and stopped. Every setting of the registry is documented in
the README and in ``--help-settings``, and every ``INNOGRAPH_*`` name the docs mention exists.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from innograph.cli import main
from innograph.settings import REGISTRY
from live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
INNOGRAPH = Path(sys.executable).with_name("innograph")
SERVER_COMMANDS = {"serve"}
# Sizes scaled down so the suite stays quick; the command and its options stay as written.
SCALED = {"--cities": "20"}
ENV_NAME = re.compile(r"\bINNOGRAPH_[A-Z0-9_]*[A-Z0-9]\b")


def readme_commands(text: str) -> list[tuple[int, list[str], int]]:
    """(line number, argv after 'innograph', expected exit code) of each command in a fenced block.

    A trailing backslash continues a command; ``# …`` is a comment, and a comment saying ``exit N``
    first gives the expected exit code.
    """
    commands, fenced, pending, start = [], False, "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced, pending = not fenced, ""
            continue
        if not fenced:
            continue
        stripped = line.strip().removeprefix("$ ")
        if not pending and not stripped.startswith("innograph "):
            continue
        if not pending:
            start = number
        pending += stripped
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        code, _, comment = _split_comment(pending)
        expected = re.search(r"\bexits? (\d)\b", comment)
        commands.append((start, _words(code)[1:], int(expected.group(1)) if expected else 0))
        pending = ""
    return commands


def _words(command: str) -> list[str]:
    """The command's words up to the first shell operator (a pipe or redirection feeds another
    program; only innograph's own part is run)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = []
    for word in lexer:
        if word and set(word) <= set("|&;<>()"):
            break
        words.append(word)
    return words


def _split_comment(command: str) -> tuple[str, str, str]:
    """Split off a shell comment (a '#' outside quotes, after a blank)."""
    quote = None
    for index, char in enumerate(command):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            return command[:index].rstrip(), "#", command[index + 1:]
    return command, "", ""


def with_store(argv: list[str], store: str) -> list[str]:
    """``argv`` with its store replaced by ``store`` where the README puts it (given first when the
    README gives none), and the sizes in SCALED scaled down."""
    out, has_store = [], False
    for index, arg in enumerate(argv):
        previous = argv[index - 1] if index else None
        if previous == "--store":
            arg, has_store = store, True
        elif arg.startswith("--store="):
            arg, has_store = f"--store={store}", True
        elif previous in SCALED:
            arg = SCALED[previous]
        out.append(arg)
    return out if has_store else ["--store", store] + out


def workspace(tmp_path: Path) -> Path:
    """A folder that looks like the repository's top (its data, queries, mappings… linked), so the
    README's relative paths resolve and its output files land in the temporary folder."""
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", ".venv", "var", "build", "dist"} and not entry.name.startswith("."):
            (work / entry.name).symlink_to(entry)
    return work


def test_readme_lists_commands():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    names = {argv[0] for _, argv, _ in commands if argv and not argv[0].startswith("-")}
    # The quick tour shows each everyday command; a parser that finds none would pass anything.
    assert {"load", "validate", "query", "export", "stats", "serve", "graph"} <= names, names


def test_every_readme_command_runs(tmp_path, monkeypatch):
    work = workspace(tmp_path)
    monkeypatch.chdir(work)
    store = str(tmp_path / "store")
    failures = []
    for line, argv, expected in readme_commands(README.read_text(encoding="utf-8")):
        if any(arg in SERVER_COMMANDS for arg in argv):
            continue
        args = with_store(argv, store)
        result = CliRunner().invoke(main, args)
        if result.exit_code != expected or "Traceback" in (result.stderr or ""):
            error = result.stderr.strip().splitlines()[-1:] if result.stderr else [repr(result.exception)]
            failures.append(f"README.md:{line}: innograph {shlex.join(args)} -> exit {result.exit_code} "
                            f"(README: {expected}) {' '.join(error)}")
    assert not failures, "\n".join(failures)


def test_readme_server_commands_serve_a_page(tmp_path):
    servers = [(line, argv) for line, argv, _ in readme_commands(README.read_text(encoding="utf-8"))
               if any(arg in SERVER_COMMANDS for arg in argv)]
    assert servers, "the README shows no 'innograph serve'"
    work = workspace(tmp_path)
    for line, argv in servers:
        port = free_port()
        args = with_store(argv, "memory")
        args = [str(port) if index and args[index - 1] == "--port" else arg for index, arg in enumerate(args)]
        if "--port" not in args:
            args += ["--port", str(port)]
        args += ["--host", "127.0.0.1"] if "--host" not in args else []
        process = subprocess.Popen([str(INNOGRAPH), *args], cwd=work, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        try:
            page = _fetch(f"http://127.0.0.1:{port}/", process)
            assert "<html" in page.lower(), f"README.md:{line}: no HTML page from innograph {shlex.join(args)}"
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=30)
        assert "Traceback" not in stderr, stderr


def _fetch(url: str, process: subprocess.Popen, wait: float = 60.0) -> str:
    deadline = time.monotonic() + wait
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped (exit {process.returncode}): {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_every_setting_is_documented_in_the_readme_and_help_settings():
    readme = README.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--help-settings"])
    assert result.exit_code == 0, result.output
    missing_readme = [s.env for s in REGISTRY if not re.search(rf"\b{s.env}\b", readme)]
    missing_help = [s.env for s in REGISTRY if not re.search(rf"\b{s.env}\b", result.stdout)]
    assert not missing_readme, f"settings not in README.md: {missing_readme}"
    assert not missing_help, f"settings not in --help-settings: {missing_help}"


def test_every_documented_variable_is_a_setting():
    known = {s.env for s in REGISTRY}
    documents = [README, ROOT / "SECURITY.md", *sorted((ROOT / "docs").rglob("*.md"))]
    stale = sorted({f"{doc.relative_to(ROOT)}: {name}" for doc in documents
                    for name in ENV_NAME.findall(doc.read_text(encoding="utf-8")) if name not in known})
    assert not stale, "documented but not in the settings registry (settings.py):\n" + "\n".join(stale)


def test_command_parsing():
    text = ("```sh\ninnograph query 'SELECT ?x WHERE { ?x a ?c } # not a comment' --format csv  # a comment\n"
            "innograph validate bad/ \\\n   --format json   # exit 1 when invalid\nmake test\n```\n"
            "innograph stats  # outside a block\n"
            "```\n$ innograph query alliance-members --format csv | head -3 > out.csv\n```\n")
    assert readme_commands(text) == [
        (2, ["query", "SELECT ?x WHERE { ?x a ?c } # not a comment", "--format", "csv"], 0),
        (3, ["validate", "bad/", "--format", "json"], 1),
        (9, ["query", "alliance-members", "--format", "csv"], 0)]
    assert with_store(["synth", "--cities", "2000", "-o", "s.nt"], "memory") == \
        ["--store", "memory", "synth", "--cities", "20", "-o", "s.nt"]
    assert with_store(["serve", "--store", "http://host:7878/query"], "memory") == ["serve", "--store", "memory"]
