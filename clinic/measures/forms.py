"""Measure forms: one per kind, built from the questionnaire wording where there is one. Each checks its fields
(errors next to the field, nothing typed lost), ``values()`` gives what is stored (scored by the domain) and
``data_from(values)`` fills the form again for a correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wtforms import DecimalField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from clinic.domain.measures import PINCH_KINDS, PSFS_MAX, PSFS_MIN, ROM_MOTIONS
from clinic.domain.questionnaires import Questionnaire
from clinic.forms import ClinicForm, FriendlyDateField
from clinic.measures import kinds
from clinic.screening.forms import _past_event

SIDES = [SelectChoice("left", "Left"), SelectChoice("right", "Right")]
NRS = [SelectChoice("", "not asked")] + [SelectChoice(str(n), str(n)) for n in range(11)]
ZERO_TO_TEN = [SelectChoice("", "—")] + [SelectChoice(str(n), str(n)) for n in range(11)]
REASON_MAX = 2000


def pain_number(value: Any) -> int | None:
    """A chosen number (None when nothing was chosen)."""
    return None if value in (None, "") else int(value)


_int = pain_number


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class Section:
    """A group of fields on the page: ``style`` is radios (one choice group each), fields, or pairs (a table of
    the affected and other side)."""

    legend: str
    names: tuple[str, ...]
    style: str = "fields"
    intro: str = ""


class MeasureForm(ClinicForm):
    """The date every measure has; subclasses add their fields, ``sections`` and ``values``."""

    on_date = FriendlyDateField("Date", what="date", validators=[InputRequired("Enter the date."), _past_event])
    sections: tuple[Section, ...] = ()
    notice: str = ""
    kind: str = ""

    def values(self) -> dict[str, Any]:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


class ReasonForm(ClinicForm):
    """Why a measure or session is corrected or withdrawn (kept in the history)."""

    reason = TextAreaField("Reason for the change", description="For example: typed 7 instead of 1; wrong patient.",
                           validators=[InputRequired("Give the reason for the change."),
                                       Length(max=REASON_MAX, message=f"At most {REASON_MAX:,} characters.")])


# -------------------------------------------------------------------------------------- QuickDASH


def quickdash_form(q: Questionnaire) -> type[MeasureForm]:
    """The QuickDASH form in the questionnaire's wording: each item its own answers, then the optional modules."""

    def choices(item):
        return [SelectChoice(str(n), f"{n} {answer}") for n, answer in enumerate(item.answers, start=1)]

    attrs: dict[str, Any] = {"kind": "quickdash", "notice": q.notice if q.paraphrased else ""}
    for n, item in enumerate(q.items, start=1):
        attrs[f"item_{n}"] = RadioField(f"{n}. {item.text}", choices=choices(item), validators=[Optional()],
                                        validate_choice=True)
    sections = [Section("The questions (the last 7 days)", tuple(f"item_{n}" for n in range(1, len(q.items) + 1)),
                        "radios")]
    for module in q.modules:
        names = []
        for n, item in enumerate(module.items, start=1):
            name = f"{module.id}_{n}"
            attrs[name] = RadioField(f"{n}. {item.text}", choices=choices(item), validators=[Optional()],
                                     validate_choice=True)
            names.append(name)
        sections.append(Section(module.title, tuple(names), "radios", intro=module.intro + " Answer all 4, or none."))
    attrs["sections"] = tuple(sections)
    attrs["modules"] = tuple((m.id, len(m.items)) for m in q.modules)
    attrs["item_count"] = len(q.items)
    return type("QuickDashForm", (QuickDashBase,), attrs)


class QuickDashBase(MeasureForm):
    """QuickDASH: at least one answer; a module answered all the way or not at all."""

    modules: tuple[tuple[str, int], ...] = ()
    item_count = 11

    def items(self) -> list[int | None]:
        """The main answers (None for unanswered)."""
        return [_int(self[f"item_{n}"].data) for n in range(1, self.item_count + 1)]

    def module_items(self) -> dict[str, list[int | None]]:
        """Each module's answers."""
        return {mid: [_int(self[f"{mid}_{n}"].data) for n in range(1, count + 1)] for mid, count in self.modules}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(v is not None for v in self.items()):
            self.item_1.errors = [*self.item_1.errors, "No question was answered. Answer the questions (at least 10 "
                                                       "of 11 for a score)."]
            valid = False
        for mid, answers in self.module_items().items():
            given = sum(v is not None for v in answers)
            if 0 < given < len(answers):
                first = self[f"{mid}_{next(i for i, v in enumerate(answers, 1) if v is None)}"]
                first.errors = [*first.errors, f"Answer all {len(answers)} questions of this module, or none "
                                               f"({given} answered)."]
                valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return kinds.quickdash_values(self.items(), self.module_items())

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        data = {f"item_{n}": str(v) for n, v in enumerate(values.get("items", []), start=1) if v is not None}
        for mid, module in (values.get("modules") or {}).items():
            data.update({f"{mid}_{n}": str(v) for n, v in enumerate(module["items"], start=1) if v is not None})
        return data


# ------------------------------------------------------------------------------------------- PRWE


def prwe_form(q: Questionnaire) -> type[MeasureForm]:
    """The PRWE form: 15 items, each 0–10, in the questionnaire's wording."""
    attrs: dict[str, Any] = {"kind": "prwe", "notice": q.notice if q.paraphrased else ""}
    for n, item in enumerate(q.items, start=1):
        attrs[f"item_{n}"] = SelectField(f"{n}. {item.text}", choices=ZERO_TO_TEN, validate_choice=True, default="",
                                         description=f"0 = {item.answers[0]}, 10 = {item.answers[1]}")
    attrs["sections"] = (Section("Pain (the last week)", tuple(f"item_{n}" for n in range(1, 6))),
                         Section("Function (the last week)", tuple(f"item_{n}" for n in range(6, 16)),
                                 intro="Usual activities: rate how hard they were; if not done, estimate."))
    return type("PrweForm", (PrweBase,), attrs)


class PrweBase(MeasureForm):
    """PRWE: scored by ``clinic.domain.measures.prwe``; with no answer at all it is refused."""

    def items(self) -> list[int | None]:
        """The 15 answers."""
        return [_int(self[f"item_{n}"].data) for n in range(1, 16)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and kinds.prwe_values(self.items())["score"] is None:
            self.item_1.errors = [*self.item_1.errors, "Too many questions are unanswered for a score: answer at "
                                  "least 4 of the 5 pain and 8 of the 10 function questions."]
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return kinds.prwe_values(self.items())

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        return {f"item_{n}": str(v) for n, v in enumerate(values.get("items", []), start=1) if v is not None}


# ------------------------------------------------------------------------------------------- PSFS


class PsfsForm(MeasureForm):
    """PSFS: 3 to 5 activities the patient names, each rated 0 (unable) to 10 (as before)."""

    kind = "psfs"

    def activities(self) -> list[tuple[str, int]]:
        """(name, rating) of each row filled in."""
        out = []
        for n in range(1, PSFS_MAX + 1):
            name, rating = (self[f"activity_{n}"].data or "").strip(), _int(self[f"rating_{n}"].data)
            if name or rating is not None:
                out.append((name, rating))
        return out

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for n in range(1, PSFS_MAX + 1):
            name, rating = (self[f"activity_{n}"].data or "").strip(), _int(self[f"rating_{n}"].data)
            if name and rating is None:
                self[f"rating_{n}"].errors = [*self[f"rating_{n}"].errors, "Rate this activity from 0 to 10."]
                valid = False
            elif rating is not None and not name:
                self[f"activity_{n}"].errors = [*self[f"activity_{n}"].errors, "Name the activity."]
                valid = False
        if len(self.activities()) < PSFS_MIN:
            first_empty = next((n for n in range(1, PSFS_MAX + 1) if not self[f"activity_{n}"].data), 1)
            self[f"activity_{first_empty}"].errors = [
                *self[f"activity_{first_empty}"].errors, f"Name at least {PSFS_MIN} activities the patient finds "
                                                        "hard because of the hand."]
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return kinds.psfs_values(self.activities())

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        data = {}
        for n, activity in enumerate(values.get("activities", []), start=1):
            data[f"activity_{n}"], data[f"rating_{n}"] = activity["name"], str(activity["rating"])
        return data


for _n in range(1, PSFS_MAX + 1):
    setattr(PsfsForm, f"activity_{_n}", StringField(
        f"Activity {_n}" + ("" if _n <= PSFS_MIN else " (optional)"),
        validators=[Length(max=120, message="At most 120 characters.")]))
    setattr(PsfsForm, f"rating_{_n}", SelectField(f"Activity {_n}: how well now (0 = unable, 10 = as before)",
                                                  choices=ZERO_TO_TEN, validate_choice=True, default=""))
PsfsForm.sections = (Section("Activities the patient names", tuple(
    name for n in range(1, PSFS_MAX + 1) for name in (f"activity_{n}", f"rating_{n}")), "psfs",
    intro="Ask: which activities are hard for you because of your hand? Use the same activities at every visit."),)


# ---------------------------------------------------------------------------------------- pain NRS


class PainForm(MeasureForm):
    """Pain on the 0–10 numeric rating scale at rest and on activity, any day."""

    kind = "pain"
    at_rest = SelectField("Pain at rest (0 = none, 10 = worst)", choices=NRS, validate_choice=True, default="")
    on_activity = SelectField("Pain on activity (0 = none, 10 = worst)", choices=NRS, validate_choice=True, default="")
    sections = (Section("Pain in the last 24 hours", ("at_rest", "on_activity")),)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if _int(self.at_rest.data) is None and _int(self.on_activity.data) is None:
            self.at_rest.errors = [*self.at_rest.errors, "Give the pain at rest, on activity, or both."]
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return kinds.pain_values(_int(self.at_rest.data), _int(self.on_activity.data))

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        return {k: "" if values.get(k) is None else str(values[k]) for k in ("at_rest", "on_activity")}


# ------------------------------------------------------------------------------- both sides: ROM, pinch


class _SidedForm(MeasureForm):
    side = RadioField("Affected side", choices=SIDES, validators=[InputRequired("Choose the affected side.")])
    pair_ids: tuple[tuple[str, str], ...] = ()

    def pairs(self) -> dict[str, tuple[Any, Any]]:
        """id -> (affected, other) as typed (None when empty)."""
        return {pid: (self[f"{pid}_affected"].data, self[f"{pid}_other"].data) for pid, _label in self.pair_ids}

    def _require(self, message: str) -> bool:
        if not any(a is not None for a, _o in self.pairs().values()):
            first = self[f"{self.pair_ids[0][0]}_affected"]
            first.errors = [*first.errors, message]
            return False
        return True


class RomForm(_SidedForm):
    """Range of motion in whole degrees, affected side and the other."""

    kind = "rom"
    pair_ids = tuple((mo.id, mo.name) for mo in ROM_MOTIONS)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._require("Measure at least one motion of the affected side.") and valid

    def values(self) -> dict[str, Any]:
        return kinds.rom_values(self.side.data, self.pairs())

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"side": values.get("side")}
        for mid, (a, o) in values.get("motions", {}).items():
            data[f"{mid}_affected"], data[f"{mid}_other"] = a, o
        return data


for _motion in ROM_MOTIONS:
    for _which, _words in (("affected", "affected side"), ("other", "other side")):
        setattr(RomForm, f"{_motion.id}_{_which}", IntegerField(
            f"{_motion.name}, {_words} (degrees)", validators=[Optional(), NumberRange(
                min=0, max=_motion.high, message=f"A whole number of degrees from 0 to {_motion.high}.")]))
RomForm.sections = (Section("Active range of motion (degrees)", tuple(
    f"{mid}_{w}" for mid, _l in RomForm.pair_ids for w in ("affected", "other")), "pairs",
    intro="Leave out what you did not measure. Finger total active motion: flexion of the three joints minus "
          "any extension deficit."),)


class PinchForm(_SidedForm):
    """Pinch strength (kg) with a pinch gauge: key, tip and three-jaw, affected side and the other."""

    kind = "pinch"
    pair_ids = PINCH_KINDS

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(a is not None and o is not None for a, o in self.pairs().values()):
            first = self[f"{self.pair_ids[0][0]}_affected"]
            first.errors = [*first.errors, "Measure at least one kind of pinch on both sides."]
            valid = False
        return valid

    def pairs(self) -> dict[str, tuple[Any, Any]]:
        return {k: (_float(a), _float(o)) for k, (a, o) in super().pairs().items()}

    def values(self) -> dict[str, Any]:
        return kinds.pinch_values(self.side.data, self.pairs())

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"side": values.get("side")}
        for kid, (a, o) in values.get("kinds", {}).items():
            data[f"{kid}_affected"], data[f"{kid}_other"] = _decimal(a), _decimal(o)
        return data


for _kid, _label in PINCH_KINDS:
    setattr(PinchForm, f"{_kid}_affected", DecimalField(f"{_label}, affected side (kg)", places=1, validators=[
        Optional(), NumberRange(min=0, max=50, message="0 to 50 kg.")]))
    setattr(PinchForm, f"{_kid}_other", DecimalField(f"{_label}, other side (kg)", places=1, validators=[
        Optional(), NumberRange(min=0.1, max=50, message="0.1 to 50 kg.")]))
PinchForm.sections = (Section("Pinch (kg, mean of the trials)", tuple(
    f"{kid}_{w}" for kid, _l in PINCH_KINDS for w in ("affected", "other")), "pairs",
    intro="Leave out a kind you did not measure."),)


# -------------------------------------------------------------------------------------------- grip


class GripForm(MeasureForm):
    """Grip strength of both hands (kg); the affected side is scored as a percentage of the other."""

    kind = "grip"
    side = RadioField("Affected hand", choices=SIDES, validators=[InputRequired("Choose the affected hand.")])
    affected_kg = DecimalField("Affected hand (kg)", places=1, validators=[
        InputRequired("Enter the grip of the affected hand."), NumberRange(min=0, max=200, message="0 to 200 kg.")])
    other_kg = DecimalField("Other hand (kg)", places=1, validators=[
        InputRequired("Enter the grip of the other hand."), NumberRange(min=0.1, max=200, message="0.1 to 200 kg.")])
    sections = (Section("Grip (kg)", ("side", "affected_kg", "other_kg")),)

    def values(self) -> dict[str, Any]:
        return kinds.grip_values(self.side.data, float(self.affected_kg.data), float(self.other_kg.data))

    @classmethod
    def data_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        return {"side": values.get("side"), "affected_kg": _decimal(values.get("affected_kg")),
                "other_kg": _decimal(values.get("other_kg"))}


# ---------------------------------------------------------------------------------------- sessions


class SessionCorrectionForm(ClinicForm):
    """A session's date, pain scores and notes, corrected with a reason (the stage and techniques stay)."""

    on_date = FriendlyDateField("Date of the session", what="date of the session",
                                validators=[InputRequired("Enter the date."), _past_event])
    pain_before = SelectField("Pain before (0 = none, 10 = worst)", choices=NRS, validate_choice=True, default="")
    pain_after = SelectField("Pain after (0 = none, 10 = worst)", choices=NRS, validate_choice=True, default="")
    notes = TextAreaField("Notes", validators=[Length(max=10_000, message="At most 10,000 characters.")])
    reason = ReasonForm.reason

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if _int(self.pain_before.data) is None and _int(self.pain_after.data) is None:
            self.pain_before.errors = [*self.pain_before.errors, "Give the pain before or after the session."]
            valid = False
        return valid
