"""ENG-05: audit rows are written only in operations, through the session they were given (ARCHITECTURE.md,
habits 1 and 3). A view, a command or a request hook calls one operation, which writes the change and its audit
row together; so the web and the command line cannot audit the same act differently, and an audit row can never
land on another transaction than the change it describes."""

from __future__ import annotations

import ast
from pathlib import Path

CLINIC = Path(__file__).resolve().parents[2] / "clinic"

# Operations modules: every feature's operations.py, and these, whose functions are operations of their own
# (they take the session, flush, never commit) but cannot live in an operations.py.
ALSO_OPERATIONS = {
    "plans/reviews.py": "the revision review operations; plans/operations.py cannot import them (a cycle)",
    "backups.py": "`clinic backup`: the backup and its audit row; there is no backups feature package",
}


def _is_audit_record(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "record" and isinstance(func.value, ast.Name) \
        and func.value.id == "audit"


def audit_calls() -> list[tuple[str, int, ast.Call, ast.FunctionDef | ast.AsyncFunctionDef | None]]:
    """(module path under clinic/, line, call, the function it is written in) of every ``audit.record(...)``."""
    found = []
    for path in sorted(CLINIC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(CLINIC).as_posix()

        def walk(node: ast.AST, function, where=where) -> None:
            for child in ast.iter_child_nodes(node):
                inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
                if isinstance(child, ast.Call) and _is_audit_record(child.func):
                    found.append((where, child.lineno, child, function))
                walk(child, inner)

        walk(tree, None)
    return found


def test_eng05_the_scan_finds_the_audit_rows_of_the_web_and_the_command_line():
    modules = {where for where, *_ in audit_calls()}
    assert {"patients/operations.py", "plans/operations.py", "auth/operations.py", "backups.py"} <= modules, modules


def test_eng05_no_view_command_or_request_hook_writes_audit_rows():
    outside = [f"clinic/{where}:{line}" for where, line, _call, _function in audit_calls()
               if not (where.endswith("/operations.py") or where in ALSO_OPERATIONS or where == "audit.py")]
    assert not outside, ("audit.record() outside an operations module: move it into the operation the view or "
                         f"command calls (one call that does the work and audits it): {outside}")


def test_eng05_every_audit_row_goes_through_the_session_the_operation_was_given():
    wrong = []
    for where, line, call, function in audit_calls():
        given = function.args.args[0].arg if function is not None and function.args.args else None
        first = call.args[0] if call.args else None
        if given is None or not (isinstance(first, ast.Name) and first.id == given):
            wrong.append(f"clinic/{where}:{line}")
    assert not wrong, f"audit.record() must get the session its operation was given, as its first argument: {wrong}"


def test_eng05_audit_record_reads_neither_the_request_nor_the_global_session():
    tree = ast.parse((CLINIC / "audit.py").read_text(encoding="utf-8"))
    imported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert not imported & {"g", "request", "session", "has_request_context", "db"}, imported
    record = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "record")
    keywords = [a.arg for a in record.args.kwonlyargs]
    assert record.args.args[0].arg == "session" and "user" in keywords
    assert record.args.kw_defaults[keywords.index("user")] is None, "no default user: the caller says who acted"
