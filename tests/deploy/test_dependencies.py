"""Every third-party module the application imports is declared in pyproject.toml.

A wheel installed without the test extras must start: a module that only arrives
through a test tool (PyYAML came through schemathesis) or through another
package's dependencies is a start-up failure waiting for an upgrade.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mla"
# Modules named in a string (resources.files, import_module) rather than an import.
_BY_NAME = {"files", "import_module"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(_normalise(match.group(0)))
    return names


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in _BY_NAME
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            names.add(node.args[0].value.split(".")[0])
    return names


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> files importing it, for modules outside mla and the stdlib."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in _imported(tree):
            if name == "mla" or name in sys.stdlib_module_names:
                continue
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_module_comes_from_a_declared_dependency():
    declared = _declared()
    providers = importlib.metadata.packages_distributions()
    undeclared = {
        module: sorted(files)[:3]
        for module, files in third_party_imports().items()
        if not {_normalise(d) for d in providers.get(module, [])} & declared
    }
    assert not undeclared, (
        "imported by mla/ but not provided by a package in pyproject.toml `dependencies`: "
        f"{undeclared}")


def test_the_check_sees_imports_made_by_name():
    tree = ast.parse("import yaml.x\nfrom docx import Document\n"
                     "resources.files('tzdata')\nimportlib.import_module('mla.core')\n")
    assert _imported(tree) == {"yaml", "docx", "tzdata", "mla"}


def test_the_api_yaml_docstrings_have_their_parser_declared():
    """apispec reads the operations' YAML with PyYAML, which only its `yaml` extra brings."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(re.match(r"apispec\[[^]]*\byaml\b", r) for r in project["dependencies"])
