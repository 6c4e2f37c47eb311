"""The pipeline's modules, and its packages, import one another without a loop.

Imports inside functions count too: they are the usual way a loop is hidden. A loop
between two packages (extract -> load -> extract) means neither can be understood, tested
or replaced alone; shared types live in modules that import nothing else of the package
(dti_pipeline.errors, dti_pipeline.pages).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import dti_pipeline

ROOT = Path(dti_pipeline.__file__).parent
PACKAGE = "dti_pipeline"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):
    """Every node, except those under `if TYPE_CHECKING:` (annotations only, never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules a file imports, anywhere in it (at run time)."""
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == PACKAGE:
                while name not in modules and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name in modules:
                    found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, modules) - {name} for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
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
            visit(node)
    return found


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])  # dti_pipeline.extract, dti_pipeline.months, ...


def test_no_module_imports_itself_through_others():
    assert _cycles(_graph()) == []


def test_no_two_packages_import_each_other():
    packages: dict[str, set[str]] = defaultdict(set)
    for module, imported in _graph().items():
        if module == PACKAGE:
            continue
        for other in imported:
            if other != PACKAGE and _package_of(other) != _package_of(module):
                packages[_package_of(module)].add(_package_of(other))
    assert _cycles(packages) == []


def test_the_shared_error_types_import_nothing_of_the_package():
    assert _graph()[f"{PACKAGE}.errors"] == set()
