"""Reading YAML data files and the small checkers that turn a wrong value into a problem.

Each checker records a problem naming the key path and what was expected, and returns None when
the value is wrong, so that every problem of a file is reported together.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

import yaml

from clinic.domain import bodymap
from clinic.domain.rules import Problems

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ILLUSTRATION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# ---------------------------------------------------------------------------------------------
# Small checkers: each records a problem and returns None when the value is wrong
# ---------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as an author would recognise it in their file."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    return str(value)


def _yes_no_hint(value: Any) -> str:
    # YAML 1.1 reads yes/no/on/off as true/false, which surprises everyone once.
    if isinstance(value, bool):
        return ' (YAML reads yes, no, on and off as true or false: put the word in quotes, like "no")'
    return ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(
    raw: Any,
    path: str,
    problems: Problems,
    required: dict[str, str],
    optional: dict[str, str],
    what: str = "a mapping (key: value lines)",
) -> dict[str, Any] | None:
    """Check ``raw`` is a mapping with these keys; required/optional map each key to what it holds."""
    if not isinstance(raw, dict):
        problems.add(path, f"expected {what}, got {_show(raw)}")
        return None
    known = {**required, **optional}
    for key in raw:
        if key not in known:
            guess = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"did you mean {guess[0]!r}?" if guess else "expected one of: " + ", ".join(known)
            problems.add(_join(path, str(key)), f"unknown key; {hint}")
    for key, expected in required.items():
        if key not in raw:
            problems.add(_join(path, key), f"missing; expected {expected}")
    return raw


def _text(value: Any, path: str, problems: Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    problems.add(path, f"expected text, got {_show(value)}{_yes_no_hint(value)}")
    return None


def _texts(value: Any, path: str, problems: Problems, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None and allow_empty:
        return ()
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.add(path, f"expected a list of sentences (lines starting with '- '), got {_show(value)}")
        return ()
    out: list[str] = []
    for i, item in enumerate(value):
        text = _text(item, f"{path}[{i}]", problems)
        if text is not None:
            out.append(text)
    return tuple(out)


def _whole(value: Any, path: str, problems: Problems, low: int, high: int) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        problems.add(path, f"expected a whole number, got {_show(value)}")
        return None
    if not low <= value <= high:
        problems.add(path, f"expected a whole number from {low} to {high}, got {value}")
        return None
    return value


def _one_of(
    value: Any, path: str, problems: Problems, allowed: tuple[str, ...], what: str = ""
) -> str | None:
    if isinstance(value, str) and value in allowed:
        return value
    label = f"{what} " if what else ""
    problems.add(
        path, f"expected {label}one of {', '.join(allowed)}; got {_show(value)}{_yes_no_hint(value)}"
    )
    return None


def _identifier(value: Any, path: str, problems: Problems) -> str | None:
    if isinstance(value, str) and _ID.match(value):
        return value
    problems.add(
        path,
        f"expected an id of lower-case letters, digits and underscores, got {_show(value)}"
        f"{_yes_no_hint(value)}",
    )
    return None


def _regions(value: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        problems.add(path, f"expected a list of body regions ({', '.join(bodymap.REGIONS)}), got {_show(value)}")
        return None
    out: list[str] = []
    for i, item in enumerate(value):
        region = _one_of(item, f"{path}[{i}]", problems, bodymap.REGIONS, "a body region:")
        if region is not None:
            out.append(region)
    return tuple(out)


def _list(value: Any, path: str, problems: Problems, what: str, allow_empty: bool = True) -> list[Any]:
    if value is None and allow_empty:
        return []
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.add(path, f"expected a list of {what} (lines starting with '- '), got {_show(value)}")
        return []
    return value


def _illustration(value: Any, path: str, problems: Problems, known: set[str]) -> str | None:
    if not isinstance(value, str) or not _ILLUSTRATION_ID.match(value):
        problems.add(path, f'expected an illustration id such as "fist-fast-open-slow", got {_show(value)}')
        return None
    if value not in known:
        guess = difflib.get_close_matches(value, sorted(known), n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        problems.add(path, f"unknown illustration {_show(value)}{hint}")
        return None
    return value


# ---------------------------------------------------------------------------------------------
# Reading YAML
# ---------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """A safe loader that notes keys written twice in one mapping instead of keeping the last."""

    duplicates: list[tuple[int, str]]


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, str | int | bool) and key in seen:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(data: bytes, problems: Problems) -> Any:
    """Parse YAML bytes; syntax errors and repeated keys become problems."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add("", f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    loader = _Loader(text)
    loader.duplicates = []
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.add("", f"{where}not valid YAML: {reason}")
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.add("", f"line {line}: the key {key!r} is written twice in the same place; keep one")
    return raw


def _canonical(raw: Any) -> str:
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


