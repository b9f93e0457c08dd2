"""The architecture holds: import-linter's contracts (pyproject.toml [tool.importlinter]) are kept,
they do catch an upward import and a cycle, and no function hides an import of the project's own
modules (the way cycles used to be held apart)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "innograph"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Function-level imports of our own modules that an optional dependency demands (none today):
# "path/inside/the/package.py: module" entries.
ALLOWED_LOCAL_IMPORTS: set[str] = set()


def lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    # --no-cache: a cache left by an earlier run must not hide today's imports.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "BROKEN" not in result.stdout


def test_contracts_catch_upward_imports_and_a_cycle(tmp_path):
    """The same configuration over a copy of the package with injected faults fails on each."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "innograph", ignore=shutil.ignore_patterns("__pycache__", "bundled"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    store_base = tmp_path / "src" / "innograph" / "store" / "base.py"
    store_base.write_text(store_base.read_text() + "\nfrom ..service import loading  # upward\n")
    rdf_formats = tmp_path / "src" / "innograph" / "rdf" / "formats.py"
    rdf_formats.write_text(rdf_formats.read_text() + "\n\ndef _late():\n    from . import results  # a cycle\n")
    # The public API's layer is optional (the contract holds before the module exists) and is
    # enforced once it does.
    api = tmp_path / "src" / "innograph" / "knowledge_graph.py"
    if not api.exists():
        api.write_text("from . import service\n")
    api.write_text(api.read_text() + "\nfrom . import cli  # upward\n")
    result = lint_imports(tmp_path, pythonpath=tmp_path / "src")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "innograph.store is not allowed to import innograph.service" in result.stdout, result.stdout
    assert "innograph.knowledge_graph is not allowed to import innograph.cli" in result.stdout, result.stdout
    assert "No cycles are allowed in innograph.rdf" in result.stdout, result.stdout


def _local_imports_in_functions(path: Path, package: Path = PACKAGE) -> list[str]:
    """'file:line: module' for each import of an innograph module inside a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("innograph")):
                module = "." * node.level + (node.module or "")
            elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "innograph" for a in node.names):
                module = ", ".join(a.name for a in node.names)
            else:
                continue
            found.append(f"{path.relative_to(package).as_posix()}:{node.lineno}: {module}")
    return found


def test_no_function_level_imports_of_the_projects_own_modules():
    found = sorted({hit for path in PACKAGE.rglob("*.py") for hit in _local_imports_in_functions(path)})
    unexpected = [hit for hit in found
                  if f"{hit.split(':')[0]}: {hit.split(': ', 1)[1]}" not in ALLOWED_LOCAL_IMPORTS]
    assert not unexpected, "move these imports to the top of their module (or the code to its layer):\n" + \
        "\n".join(unexpected)


def test_the_function_level_import_check_sees_one(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("import innograph\n\n\ndef f():\n    from .errors import UsageError\n"
                      "    import innograph.store\n    return UsageError\n")
    assert _local_imports_in_functions(sample, tmp_path) == ["probe.py:5: .errors", "probe.py:6: innograph.store"]
