"""The import graph of mla/, built from the source with `ast`, points one way.

Every `import` counts: at module level, inside functions, under TYPE_CHECKING.
The rules are written down in docs/architecture.md. Run
`python -m tests.test_architecture` for the package-level picture.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mla"

# The ground floor: imports no domain; every domain may import it.
GROUND = frozenset({"core", "settings", "extensions"})
# A domain's own faces and wiring: no other domain imports them.
INTERNAL = frozenset({"views", "forms", "cli", "plugin", "hooks", "builtin_hooks",
                      "subscribers"})
# ...except the workflow engine's registry, which every domain registers its hooks into.
PUBLIC_ALWAYS = frozenset({"mla.workflow.hooks"})
# Packages that may import nothing but the ground floor (the scheduler runs what the
# domains register; it knows none of them).
GROUND_ONLY = frozenset({"scheduler"})
# Modules allowed to import inside a function, and why.
FUNCTION_IMPORTS = {
    "mla": "create_app: mla/__init__.py runs before any mla submodule is imported, so it "
           "imports the application's parts only when an application is built",
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a submodule when `from pkg import submodule`)
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))
            if "migrations" not in path.relative_to(PACKAGE).parts}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The deepest known module `name` refers to (`mla.a.b.func` -> `mla.a.b`)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports_of(module: str, path: Path, known: dict[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    is_package = path.name == "__init__.py"

    def add(name: str, line: int, in_function: bool) -> None:
        target = _resolve(name, known)
        if target and target != module:
            found.append(Import(module, target, line, in_function))

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, child.lineno, inside)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".")
                    drop = child.level - 1 if is_package else child.level
                    anchor = anchor[: len(anchor) - drop]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    add(f"{base}.{alias.name}", child.lineno, inside)
            visit(child, inside)

    visit(tree, False)
    return found


def all_imports() -> list[Import]:
    known = source_modules()
    return [imp for module, path in known.items() for imp in _imports_of(module, path, known)]


def module_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        graph[imp.source].add(imp.target)
    return graph


def domain_of(module: str) -> str:
    """`mla.cases.models` -> `cases`; `mla.settings` -> `settings`; `mla` (the app
    factory) -> `app`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "app"


def package_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        source, target = domain_of(imp.source), domain_of(imp.target)
        if source != target:
            graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def ground_merged(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The package graph with settings and extensions counted as core."""
    merged: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        name = "core" if source in GROUND else source
        merged[name] |= {"core" if t in GROUND else t for t in targets} - {name}
    return merged


def function_level_imports() -> list[tuple[str, int, str]]:
    """(module, line, imported module) for every import inside a function, of anything."""
    found = []
    for module, path in source_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    found += [(module, node.lineno, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    found.append((module, node.lineno, node.module or "."))
    return sorted(set(found))


# --- the rules -------------------------------------------------------------------------

def test_no_module_imports_itself_back():
    found = cycles(module_graph(all_imports()))
    assert not found, f"import cycles between modules: {found}"


def test_packages_depend_one_way():
    found = cycles(ground_merged(package_graph(all_imports())))
    assert not found, f"packages importing each other (directly or around a loop): {found}"


def test_core_imports_no_domain():
    wrong = [f"{i.source}:{i.line} imports {i.target}" for i in all_imports()
             if domain_of(i.source) in GROUND and domain_of(i.target) not in GROUND]
    assert not wrong, "the ground floor imports a domain:\n" + "\n".join(wrong)


def test_scheduler_knows_no_domain():
    wrong = [f"{i.source}:{i.line} imports {i.target}" for i in all_imports()
             if domain_of(i.source) in GROUND_ONLY
             and domain_of(i.target) not in GROUND | {domain_of(i.source)}]
    assert not wrong, "\n".join(wrong)


def test_domains_use_only_each_others_public_modules():
    wrong = [f"{i.source}:{i.line} imports {i.target}" for i in all_imports()
             if domain_of(i.source) != domain_of(i.target)
             and domain_of(i.target) not in GROUND
             and i.target.rpartition(".")[2] in INTERNAL and i.target not in PUBLIC_ALWAYS]
    assert not wrong, ("a domain imports another's views, forms, CLI or wiring "
                       "(react to a signal or move the shared part to a public module):\n"
                       + "\n".join(wrong))


def test_imports_inside_functions_only_where_listed():
    wrong = [f"{module}:{line} imports {name}" for module, line, name in function_level_imports()
             if module not in FUNCTION_IMPORTS]
    assert not wrong, ("imports inside functions (hoist them; a cycle means one domain "
                       "should react to the other's signal):\n" + "\n".join(wrong))


def test_every_domain_plugs_in_through_its_plugin():
    from mla import DOMAINS

    with_plugin = {path.parent.name for path in PACKAGE.glob("*/plugin.py")}
    assert set(DOMAINS) == with_plugin, "mla.DOMAINS and the packages with a plugin.py differ"


def test_the_graph_counts_imports_inside_functions_and_finds_loops():
    """The tool itself: create_app's imports are seen, and a loop of three is found."""
    assert any(i.source == "mla" and i.in_function for i in all_imports())
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def picture() -> str:
    imports = all_imports()
    packages = package_graph(imports)
    statements = {(i.source, i.line) for i in imports}
    in_functions = {(i.source, i.line) for i in imports if i.in_function}
    lines = [f"{len(statements)} import statements of mla modules, "
             f"{len(in_functions)} inside functions",
             f"module cycles: {cycles(module_graph(imports))}",
             f"package cycles: {cycles(packages)}", ""]
    lines += [f"{source:14} -> {', '.join(sorted(targets))}"
              for source, targets in sorted(packages.items())]
    return "\n".join(lines)


if __name__ == "__main__":
    print(picture())
