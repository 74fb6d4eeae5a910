"""The one place that judges raw text and dates coming in from outside (web forms, and the import).

Plain Python, no Flask: the web forms call it through ``clinic.forms``; ``clinic import`` can call it
directly.

Text (SEC-25):
- **single-line fields** (names, record numbers, e-mail, phone, short details) refuse control characters
  and bidirectional overrides/isolates with a message: a name is how a person is found and told apart,
  so it is never changed behind the user's back, and a reversed name (U+202E) can make one patient
  look like another in a list.
- **multi-line notes** keep tab and newline and have the other control and bidi characters *removed*:
  they arrive invisibly with pasted text (Word, e-mail, PDFs), the user cannot see them to delete
  them, and they mean nothing in a plain-text note; removing them changes nothing a reader could see
  except that a reversed run of text reads the right way again.
Both guard the database too: PostgreSQL refuses NUL in text, which used to be a 500.

Dates (REL-13): 1900-01-01 to 2200-12-31. Outside that range a date is a typing slip (year 1, 20240),
browsers cannot show it in a date field, and the edit form could then never be saved again.
"""

from __future__ import annotations

import datetime as dt
import re

# C0 controls except tab (09) and newline (0A), DEL, C1 controls.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
# Bidirectional embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_NOT_IN_NOTES = re.compile(f"[{_CONTROL}{_BIDI}]")
_NOT_IN_LINE = re.compile(f"[\t\n{_CONTROL}{_BIDI}\u2028\u2029]")

# The largest id a row can have: every id column is INTEGER, 32-bit signed on PostgreSQL (SQLite's is 64-bit,
# and reaching 2^31 rows there is not a concern). Larger numbers failed as "integer out of range" (a 500).
MAX_ID = 2**31 - 1

FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 1900 and 2200. Check the year."

LINE_MESSAGE = ("This contains an invisible control or text-direction character (often pasted from another "
                "program). Type it again rather than pasting.")


class InputProblem(ValueError):
    """A value that cannot be used; the message is for the person who typed it."""


def clean_notes(text: str) -> str:
    """Multi-line text with CRLF/CR as newlines and every other control and bidi character removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_IN_NOTES.sub("", text)


def has_bad_line_characters(text: str) -> bool:
    """True when single-line ``text`` holds a control, line-break or bidi character."""
    return _NOT_IN_LINE.search(text) is not None


def bad_characters(text: str, *, line: bool) -> list[str]:
    """The code points (``U+0000``) of the characters a single-line field (``line``) or a note would not keep."""
    found = (_NOT_IN_LINE if line else _NOT_IN_NOTES).findall(text)
    return [f"U+{ord(c):04X}" for c in dict.fromkeys(found)]


def check_line(text: str) -> str:
    """``text`` unchanged, or InputProblem when it holds a control, line-break or bidi character."""
    if has_bad_line_characters(text):
        raise InputProblem(LINE_MESSAGE)
    return text


def date_in_range(value: dt.date) -> bool:
    """True for dates a person could mean here (1900 to 2200)."""
    return FIRST_DATE <= value <= LAST_DATE


def check_date(value: dt.date) -> dt.date:
    """``value`` unchanged, or InputProblem when it lies outside 1900 to 2200."""
    if not date_in_range(value):
        raise InputProblem(DATE_RANGE_MESSAGE)
    return value
