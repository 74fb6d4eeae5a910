"""What an imported diary day must hold (REL-12): the same as the diary page stores."""

from __future__ import annotations

from clinic.domain import diary as domain


def imported_day_problems(row: dict, _context=None) -> list[str]:
    """An imported diary day holds what the diary page stores: ticks within the boxes printed, pain 0 to 10."""
    try:
        ticks = row["ticks"]
        if not isinstance(ticks, dict):
            raise ValueError("ticks: expected exercise: [ticks, boxes] pairs")
        domain.DiaryDay(row["day"], {str(k): (int(v[0]), int(v[1])) for k, v in ticks.items()},
                        row["pain_before"], row["pain_after"])
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        return [f"diary day: {exc}"]
    return []
