"""The legacy records in tests/data/legacy, as the import reads them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

LEGACY = Path(__file__).resolve().parents[1] / "data" / "legacy"


def legacy_fixture(condition: str) -> dict:
    return json.loads((LEGACY / f"{condition}.json").read_text())


def as_when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def as_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)
