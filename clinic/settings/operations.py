"""Change a clinic's settings, prepare its logo, and say whether its documents may print.

Web and CLI call :func:`update_settings`; it checks every value, writes the changes and one audit row,
flushes and never commits.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic import audit, localtime
from clinic.models import Clinic, User

PAPER_SIZES = ("A4", "Letter")  # the sizes the handout layout is drawn for (clinic.handouts.context)
MIN_VALID_DAYS, MAX_VALID_DAYS = 1, 365
LOGO_MAX_BYTES = 512 * 1024  # the upload; the stored logo is re-encoded and much smaller
LOGO_MAX_PIXELS = 4000 * 4000  # refused before decoding: a small file can claim a huge picture
LOGO_BOX = (600, 240)  # the stored logo fits this box (about 3x the printed size, sharp on paper)
LOGO_FORMATS = {"PNG", "JPEG"}
PHONE = re.compile(r"^[0-9+()./\- ]+$")
TEXT_FIELDS = ("name", "address", "phone", "emergency_number", "time_zone", "paper_size")
FIELDS = (*TEXT_FIELDS, "screening_valid_days")
LABELS = {
    "name": "Clinic name", "address": "Address", "phone": "Phone", "emergency_number": "Emergency number",
    "time_zone": "Time zone", "paper_size": "Paper size", "screening_valid_days": "Screening valid for (days)",
    "logo": "Logo",
}
WHERE_TO_SET = ("An administrator sets it under Settings (the clinic settings page), or on the server with "
                "`clinic settings --clinic \"{name}\" --phone \"…\"`.")


class SettingsProblems(ValueError):
    """Values that cannot be saved: ``problems`` maps a field name to a message for the person."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in self.problems.items()))


@dataclass(frozen=True)
class Logo:
    """A logo as stored: PNG bytes we encoded ourselves, never the uploaded file."""

    png: bytes

    def data_url(self) -> str:
        """``data:image/png;base64,…`` for a page or a PDF (which fetch nothing else)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def prepare_logo(raw: bytes) -> Logo:
    """Decode a PNG or JPEG upload and re-encode it as a small PNG; SettingsProblems says why not."""
    from PIL import Image, UnidentifiedImageError

    def refuse(message: str):
        return SettingsProblems({"logo": message})

    if not raw:
        raise refuse("The file is empty. Choose a PNG or JPEG picture.")
    if len(raw) > LOGO_MAX_BYTES:
        raise refuse(f"The file is {len(raw) // 1024} KB; a logo may be at most {LOGO_MAX_BYTES // 1024} KB.")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in LOGO_FORMATS:
                raise refuse(f"This is a {image.format or 'unknown'} file; choose a PNG or JPEG picture.")
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise refuse(f"The picture is {image.width}×{image.height} pixels; use one under 4000×4000.")
            image.load()  # decode now, so a broken file is refused here and not when a handout prints
            picture = image.convert("RGBA")
    except SettingsProblems:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise refuse("This file is not a picture we can read. Choose a PNG or JPEG picture.") from None
    picture.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)  # no metadata, no text chunks: only the pixels
    return Logo(out.getvalue())


def logo_of(clinic: Clinic) -> Logo | None:
    """The clinic's stored logo, or None."""
    return Logo(clinic.logo_png) if clinic.logo_png else None


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in values and values[key] is not None:
            out[key] = " ".join(str(values[key]).split()) if key != "address" else str(values[key]).strip()
    if values.get("screening_valid_days") not in (None, ""):
        out["screening_valid_days"] = values["screening_valid_days"]
    return out


def check(db: Session, clinic: Clinic, values: Mapping[str, Any]) -> dict[str, str]:
    """Field -> message for every value that cannot be saved (empty: all good)."""
    problems: dict[str, str] = {}
    if "name" in values:
        name = values["name"]
        if not name:
            problems["name"] = "Enter the clinic's name as patients know it."
        elif len(name) > 200:
            problems["name"] = "Use at most 200 characters."
        elif db.scalar(select(Clinic.id).where(Clinic.name == name, Clinic.id != clinic.id)) is not None:
            problems["name"] = "Another clinic on this server already has this name."
    if len(values.get("address", "")) > 500:
        problems["address"] = "Use at most 500 characters."
    for key in ("phone", "emergency_number"):
        number = values.get(key, "")
        if number and (len(number) > 50 or not PHONE.match(number) or sum(c.isdigit() for c in number) < 2):
            problems[key] = "Use digits, spaces and + ( ) - . / only, as it should be dialled (at most 50)."
    if "time_zone" in values and not localtime.is_zone(values["time_zone"]):
        problems["time_zone"] = ("Enter a time zone by its IANA name, such as Europe/London, "
                                 "America/Los_Angeles or Australia/Sydney.")
    if "paper_size" in values and values["paper_size"] not in PAPER_SIZES:
        problems["paper_size"] = f"Choose {' or '.join(PAPER_SIZES)}."
    if "screening_valid_days" in values:
        try:
            days = int(values["screening_valid_days"])
        except (TypeError, ValueError):
            days = None
        if days is None or not MIN_VALID_DAYS <= days <= MAX_VALID_DAYS:
            problems["screening_valid_days"] = (f"Enter a whole number of days from {MIN_VALID_DAYS} "
                                                f"to {MAX_VALID_DAYS}.")
    return problems


def update_settings(
    db: Session, clinic: Clinic, values: Mapping[str, Any], *, logo: bytes | None = None, remove_logo: bool = False,
    user: User | None, actor: str | None = None,
) -> list[str]:
    """Save the given settings (keys of FIELDS; missing keys stay as they are) and, when given, a new logo.

    Returns the labels of what changed, audited as ``clinic_settings``; raises SettingsProblems with every
    problem at once, changing nothing."""
    values = _clean(values)
    problems = check(db, clinic, values)
    prepared = None
    if logo is not None:
        try:
            prepared = prepare_logo(logo)
        except SettingsProblems as exc:
            problems.update(exc.problems)
    if problems:
        raise SettingsProblems(problems)
    changes: list[str] = []
    for key, value in values.items():
        value = int(value) if key == "screening_valid_days" else value
        old = getattr(clinic, key)
        if old != value:
            setattr(clinic, key, value)
            changes.append(f"{LABELS[key]}: {old!r} → {value!r}")
    if prepared is not None and prepared.png != clinic.logo_png:
        clinic.logo_png = prepared.png
        changes.append(f"{LABELS['logo']}: new picture ({len(prepared.png)} bytes)")
    elif remove_logo and clinic.logo_png:
        clinic.logo_png = None
        changes.append(f"{LABELS['logo']}: removed")
    if changes:
        db.flush()
        audit.record(db, "clinic_settings", user=user, clinic_id=clinic.id, actor=actor, detail="; ".join(changes))
    return [c.split(":", 1)[0] for c in changes]


def new_clinic_defaults(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Settings of a clinic created now: the installation's PAPER_SIZE and SCREENING_VALID_DAYS, when valid."""
    from flask import current_app

    config = current_app.config if config is None else config
    out: dict[str, Any] = {}
    paper = str(config.get("PAPER_SIZE") or "")
    if paper.lower() in {p.lower() for p in PAPER_SIZES}:
        out["paper_size"] = "Letter" if paper.lower() == "letter" else "A4"
    days = config.get("SCREENING_VALID_DAYS")
    if isinstance(days, int) and MIN_VALID_DAYS <= days <= MAX_VALID_DAYS:
        out["screening_valid_days"] = days
    return out


def print_problems(clinic: Clinic | None) -> list[str]:
    """Why the clinic's handouts, summaries and record PDFs cannot print yet (empty: they can).

    A handout tells a worried patient to call the clinic; without a number it would say "call us:" and
    nothing after it, inside the stop-and-call box."""
    if clinic is None or not (clinic.phone or "").strip():
        name = clinic.name if clinic is not None else "your clinic"
        return ["The clinic has no phone number yet, and every handout tells the patient to call it when "
                "something is wrong. " + WHERE_TO_SET.format(name=name)]
    return []
