"""ENG-01: no import cycle in clinic/. Every import counts, the ones inside functions too: a lazy import hides a
circle from Python, not from the person who has to change one side of it."""

from __future__ import annotations

import ast
from pathlib import Path

CLINIC = Path(__file__).resolve().parents[2] / "clinic"


def _module_names(package: Path) -> dict[str, Path]:
    names = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the modules of ``sources`` it imports, at any depth of its code. ``sources`` maps a dotted module
    name to (its source, whether it is a package's __init__)."""

    def known(name: str) -> str | None:  # "clinic.plans.routes.bp" -> "clinic.plans.routes"
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        package = module if is_package else module.rpartition(".")[0]
        named: list[str] = []
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                named += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package
                    for _ in range(node.level - 1):
                        parent = parent.rpartition(".")[0]
                    base = f"{parent}.{base}" if base else parent
                named += [f"{base}.{alias.name}" for alias in node.names]  # a submodule, or a name in base
        graph[module] = {target for name in named if (target := known(name)) and target != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle through each group of modules that import each other (Tarjan's strongly connected
    components), each as the path module -> ... -> itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(_path_within(graph, group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_within(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest circle from the group's first module back to itself, through the group only."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        here = queue.pop(0)
        for nxt in sorted(graph[here] & group):
            if nxt == start:
                return [*paths[here], start]
            if nxt not in paths:
                paths[nxt] = [*paths[here], nxt]
                queue.append(nxt)
    raise AssertionError("a strongly connected group always has a circle")


def test_eng01_no_module_of_clinic_imports_itself_through_others():
    sources = {name: (path.read_text(encoding="utf-8"), path.name == "__init__.py")
               for name, path in _module_names(CLINIC).items()}
    graph = import_graph(sources)
    assert {"clinic.app", "clinic.library", "clinic.config"} <= set(graph)
    assert "clinic.config" in graph["clinic.library"]  # the graph sees real imports
    assert cycles(graph) == [], "import circles in clinic/ (move what both sides need into a third module)"


def test_eng01_the_check_finds_a_circle_hidden_in_a_function_and_through_from_imports():
    sources = {
        "pkg": ("", True),
        "pkg.app": ("from pkg import library\n", False),
        "pkg.library": ("def init():\n    from pkg.app import ConfigError\n", False),
        "pkg.plans": ("", True),
        "pkg.plans.routes": ("from . import forms\nfrom ..library import init\n", False),
        "pkg.plans.forms": ("import pkg.plans.routes\n", False),
        "pkg.alone": ("import os\nfrom pkg import app\n", False),
    }
    found = cycles(import_graph(sources))
    assert sorted(found) == [["pkg.app", "pkg.library", "pkg.app"],
                             ["pkg.plans.forms", "pkg.plans.routes", "pkg.plans.forms"]]
