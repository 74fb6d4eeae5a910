"""The test suite's own layout: a test module never imports another test module. Shared helpers live in
tests/helpers/ (or are fixtures in a conftest.py), so running, moving or deleting one test file never changes
what another one sees."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    return ".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts))


def _imported_modules(source: str, module: str) -> set[str]:
    """Every module an import statement in the source names, at any depth (function-level imports count)."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # "from tests.web import test_x"
    return found


def _is_test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")


def test_no_test_module_imports_another_test_module():
    offenders = sorted(
        f"{path.relative_to(TESTS.parent)} imports {name}"
        for path in TESTS.rglob("*.py")
        for name in _imported_modules(path.read_text(encoding="utf-8"), _module_name(path))
        if _is_test_module(name) and name != _module_name(path)
    )
    assert not offenders, "move what is shared into tests/helpers/:\n" + "\n".join(offenders)


def test_the_check_sees_top_level_function_level_and_relative_imports():
    source = (
        "from tests.web.test_plans import edit_form\n"
        "def f():\n    import tests.unit.test_planning\n"
        "from .test_patients import search\n"
        "from . import test_auth\n"
        "from tests.helpers.plans import approve\n"
    )
    names = {n for n in _imported_modules(source, "tests.web.sample") if _is_test_module(n)}
    assert names == {"tests.web.test_plans", "tests.unit.test_planning", "tests.web.test_patients",
                     "tests.web.test_auth"}
