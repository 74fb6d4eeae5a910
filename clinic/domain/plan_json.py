"""Canonical JSON of a draft, its digest, and the round trip back (CS-09)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from typing import Any

from clinic.domain import plan_formats
from clinic.domain.plan_edits import local_problems
from clinic.domain.plan_model import PLAN_FORMAT, PlanDraft

# ---------------------------------------------------------------------------------------------
# Canonical JSON, digest, round trip (CS-09)
# ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = sorted(f.name for f in dataclasses.fields(value))
        return {name: _encode(getattr(value, name)) for name in names}
    if isinstance(value, dt.datetime):
        raise TypeError(f"a plan holds days, not times: {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    raise TypeError(f"cannot put {value!r} in a plan's JSON")


def plan_to_canonical(draft: PlanDraft) -> dict[str, Any]:
    """The plan as plain JSON values with sorted keys and ISO dates; includes the protocol id, version, hash."""
    body = _encode(draft)
    return {"format": PLAN_FORMAT, "plan": body}


def _dumps(canonical: Mapping[str, Any]) -> str:
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plan_digest(canonical: Mapping[str, Any]) -> str:
    """``sha256:`` and the hex digest of the canonical JSON (sorted keys, compact, UTF-8)."""
    return "sha256:" + hashlib.sha256(_dumps(canonical).encode("utf-8")).hexdigest()


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved field types of a dataclass (its annotations are strings under PEP 563)."""
    types_by_name = typing.get_type_hints(cls)
    return {f.name: types_by_name[f.name] for f in dataclasses.fields(cls)}


@functools.cache
def _defaulted(cls: type) -> frozenset[str]:
    """Fields of a dataclass that have a default."""
    return frozenset(
        f.name for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    )


def _decode(tp: Any, raw: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if raw is None:
            return None
        return _decode(options[0], raw, path)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(raw, list):
            raise ValueError(f"{path}: expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item, f"{path}[{i}]") for i, item in enumerate(raw))
        if len(raw) != len(args):
            raise ValueError(f"{path}: expected {len(args)} items")
        return tuple(_decode(a, item, f"{path}[{i}]") for i, (a, item) in enumerate(zip(args, raw, strict=True)))
    if tp is dt.date:
        if not isinstance(raw, str):
            raise ValueError(f"{path}: expected a date like 2026-03-14")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is None or day.isoformat() != raw:
            raise ValueError(f"{path}: expected a date like 2026-03-14")
        return day
    if tp is bool:
        if not isinstance(raw, bool):
            raise ValueError(f"{path}: expected true or false")
        return raw
    if tp is int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError(f"{path}: expected a whole number")
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise ValueError(f"{path}: expected text")
        return raw
    if dataclasses.is_dataclass(tp):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected an object")
        hints = _hints(tp)
        names = set(hints)
        # A field added later with a default (the body map's sides, kinds, leave_out) may be absent
        # from a plan stored before it: the default reads it as it was made.
        optional = _defaulted(tp)
        if not set(raw) <= names or not names - optional <= set(raw):
            extra, missing = sorted(set(raw) - names), sorted(names - optional - set(raw))
            raise ValueError(f"{path}: unexpected keys {extra}, missing keys {missing}")
        return tp(**{name: _decode(hints[name], raw[name], f"{path}.{name}") for name in sorted(set(raw))})
    raise ValueError(f"{path}: cannot read {tp!r}")


def plan_from_canonical(canonical: Mapping[str, Any]) -> PlanDraft:
    """The draft back from its canonical JSON (an earlier layout is read through ``plan_formats``); ValueError names
    the first broken key, or a CS-03 breach."""
    if not isinstance(canonical, Mapping) or set(canonical) != {"format", "plan"}:
        raise ValueError("expected an object with 'format' and 'plan'")
    if canonical["format"] != PLAN_FORMAT:  # stored before a layout change: read an upgraded copy
        canonical = plan_formats.upgraded(canonical)
    draft = _decode(PlanDraft, canonical["plan"], "plan")
    problems = local_problems(draft)
    if problems:
        raise ValueError(" ".join(problems))
    return draft


