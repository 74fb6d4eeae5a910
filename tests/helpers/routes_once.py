"""Werkzeug's URL builders compiled once per test worker, not once per app.

Every test builds its own app, and each app compiles a Python function for each of its ~100 URL rules (twice: with
and without unknown arguments), about two thirds of building an app. The function a rule gets depends only on the
rule's parsed parts, its defaults (as the rule's converters write them) and the flag; it reaches the rule's
converters through the rule it is bound to. So the same function serves every app's copy of a rule. Tests only:
the app itself is built once per process.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_builders: dict[tuple, Callable] = {}


def _compile_builder_once(self: Rule, append_unknown: bool = True) -> Callable:
    defaults = self.defaults or {}
    key = (tuple(self._trace), append_unknown,
           tuple((name, self._converters[name].to_url(value) if name in self._converters else None)
                 for name, value in defaults.items()))
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _compile_builder_once  # type: ignore[method-assign]
