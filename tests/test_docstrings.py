"""Every public name of the package has a docstring that says what it promises.

Public: a module-level function or class defined in an innograph module, and a method (property,
class or static method included) or nested class defined on such a class, whose name does not start
with '_'. A method that overrides a documented method of a base class inherits its docstring
(``inspect.getdoc``), so an override needs its own only when it promises more. A class needs its
own: ``inspect.getdoc`` would lend it its base class's (``Exception``'s), and a dataclass without
one gets its signature as ``__doc__``, neither of which says what the class is.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
import types

import pytest

import innograph


def _raise(name: str) -> None:
    raise ImportError(f"cannot import {name} to look for its subpackages")


MODULES = sorted([innograph.__name__] + [info.name for info in pkgutil.walk_packages(
    innograph.__path__, innograph.__name__ + ".", onerror=_raise)])


def _import(name: str, monkeypatch, capsys):
    """The module ``name``. ``__main__`` runs the CLI when imported, so it is executed here with
    ``--version`` (which must exit 0) and its namespace is read afterwards."""
    if name.rsplit(".", 1)[-1] != "__main__":
        return importlib.import_module(name)
    spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "argv", ["innograph", "--version"])
    with pytest.raises(SystemExit) as exited:
        spec.loader.exec_module(module)
    capsys.readouterr()
    assert exited.value.code in (0, None)
    return module


def _own_class_doc(cls: type) -> str:
    doc = (vars(cls).get("__doc__") or "").strip()
    # What dataclasses and namedtuples write when the class has no docstring: ``Name(field, ...)``.
    if re.fullmatch(rf"{re.escape(cls.__name__)}(\(.*\))?", doc, re.DOTALL):
        return ""
    return doc


def _members(cls: type):
    """(name, object) of the public methods and nested classes written in the body of ``cls``."""
    for name, raw in vars(cls).items():
        if name.startswith("_"):
            continue
        if inspect.isclass(raw):
            if raw.__qualname__ == f"{cls.__qualname__}.{name}":
                yield name, raw
            continue
        if isinstance(raw, (staticmethod, classmethod)):
            function = raw.__func__
        elif isinstance(raw, property):
            function = raw.fget
        elif isinstance(raw, functools.cached_property):
            function = raw.func
        elif inspect.isfunction(raw):
            function = raw
        else:
            continue        # data: field defaults, constants
        if function is not None and function.__qualname__.startswith(cls.__qualname__ + "."):
            yield name, raw if isinstance(raw, (property, functools.cached_property)) else getattr(cls, name)


def undocumented(module) -> list[str]:
    """``qualified name (line)`` of each public name of ``module`` that has no docstring."""
    missing: list[str] = []

    def line(obj) -> str:
        try:
            return str(inspect.getsourcelines(inspect.unwrap(obj))[1])
        except (OSError, TypeError):
            return "?"

    def check_class(cls: type) -> None:
        if not _own_class_doc(cls):
            missing.append(f"{cls.__qualname__} (line {line(cls)})")
        for name, member in _members(cls):
            if inspect.isclass(member):
                check_class(member)
            elif not inspect.getdoc(member):
                target = member.fget if isinstance(member, property) else \
                    member.func if isinstance(member, functools.cached_property) else member
                missing.append(f"{cls.__qualname__}.{name} (line {line(target)})")

    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj):
            if obj.__qualname__ == name:            # not an alias of another name
                check_class(obj)
        elif inspect.isroutine(obj) and "<" not in getattr(obj, "__qualname__", name):
            # ("<": a lambda, or a function made inside another one, is no module-level def)
            if not inspect.getdoc(obj):
                missing.append(f"{name} (line {line(obj)})")
    return missing


@pytest.mark.parametrize("module_name", MODULES)
def test_public_names_have_docstrings(module_name, monkeypatch, capsys):
    module = _import(module_name, monkeypatch, capsys)
    missing = undocumented(module)
    assert not missing, f"{module.__file__}: no docstring on " + ", ".join(missing)


def test_the_check_finds_what_is_missing(monkeypatch):
    """The rule itself, on a module written here: each kind of public name without a docstring is
    found, and nothing private, inherited or documented is."""
    module = types.ModuleType("innograph_docstring_probe")
    # inspect.getdoc finds the base class of a method through sys.modules.
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(
        "import dataclasses\n"
        "class Base:\n"
        "    '''A base.'''\n"
        "    def run(self):\n"
        "        '''Runs.'''\n"
        "def bare(): pass\n"
        "def documented():\n"
        "    '''Documented.'''\n"
        "def _private(): pass\n"
        "@dataclasses.dataclass\n"
        "class Record:\n"
        "    value: int\n"
        "    @property\n"
        "    def double(self): return 2 * self.value\n"
        "class Error(Exception): pass\n"
        "class Child(Base):\n"
        "    '''A child.'''\n"
        "    def run(self): pass\n"
        "    def extra(self): pass\n"
        "    @staticmethod\n"
        "    def helper(): pass\n"
        "    def _hidden(self): pass\n"
        "    class Inner: pass\n",
        module.__dict__)
    assert dataclasses.is_dataclass(module.Record)
    assert sorted(undocumented(module)) == [
        "Child.Inner (line ?)", "Child.extra (line ?)", "Child.helper (line ?)", "Error (line ?)",
        "Record (line ?)", "Record.double (line ?)", "bare (line ?)"]
