"""Plan forms: input checks only; the engine judges. Each form's ``to_…()`` returns domain values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from clinic.domain.planning import PlanDraft
from clinic.domain.protocols import HomeDose, Library, Protocol
from clinic.forms import ClinicForm, FriendlyDateField
from clinic.plans.operations import DraftChanges, exercise_keys
from clinic.screening.forms import MultiCheckboxField, _fact_field, _past_event

NOTES_MAX = 10_000
DOSE_FIELDS = (
    ("times_per_day", "Times a day", 1),
    ("repetitions", "Repetitions", None),
    ("sets", "Rounds", None),
    ("hold_seconds", "Hold (seconds)", None),
    ("minutes", "Minutes", None),
)


def _crlf(value: Any) -> Any:
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _version_int(form, field) -> None:
    try:
        field.data = int(field.data)
    except (TypeError, ValueError):
        raise ValidationError("This form is out of date; reload the page.") from None


# ------------------------------------------------------------------------------------ case facts


class FactsFormBase(ClinicForm):
    """The protocol's case facts; fields are added by ``facts_form_class``."""

    protocol: Protocol

    def to_facts(self) -> dict[str, Any]:
        """The facts given (empty ones left out: the engine names the missing ones, CS-04)."""
        facts = {}
        for fact in self.protocol.facts:
            value = self[f"fact_{fact.name}"].data
            if value not in (None, ""):
                facts[fact.name] = value
        return facts


def facts_form_class(protocol: Protocol) -> type[FactsFormBase]:
    """The case-facts form of one protocol (the same fields as on its screening form)."""
    attrs: dict[str, Any] = {"protocol": protocol}
    for fact in protocol.facts:
        attrs[f"fact_{fact.name}"] = _fact_field(fact)
    return type("PlanFactsForm", (FactsFormBase,), attrs)


def facts_data(protocol: Protocol, facts: dict[str, Any]) -> dict[str, Any]:
    """Initial form data from known facts."""
    return {f"fact_{f.name}": facts[f.name] for f in protocol.facts if facts.get(f.name) not in (None, "")}


# ------------------------------------------------------------------------------------------ edit


def dose_name(stage_no: int, key: str, field: str) -> str:
    """Form field name of one dose number of one home exercise."""
    return f"s{stage_no}__{key}__{field}"


def remove_name(stage_no: int, key: str) -> str:
    """Form field name of the remove box of one home exercise."""
    return f"s{stage_no}__{key}__remove"


def add_name(stage_no: int) -> str:
    """Form field name of the add-an-exercise choice of a stage."""
    return f"s{stage_no}__add"


class EditFormBase(ClinicForm):
    """Doses, removals, additions and notes; fields are added by ``edit_form_class``."""

    draft: PlanDraft
    version = HiddenField(validators=[_version_int])
    patient_notes = TextAreaField("Notes for the patient", filters=[_crlf],
                                  description="Printed on the handout. Plain words, short sentences.",
                                  validators=[Length(max=NOTES_MAX, message=f"At most {NOTES_MAX:,} characters.")])
    team_notes = TextAreaField("Notes for the team", filters=[_crlf], description="Never printed for the patient.",
                               validators=[Length(max=NOTES_MAX, message=f"At most {NOTES_MAX:,} characters.")])

    def to_changes(self) -> DraftChanges:
        """The edits as domain values (a dose with no numbers keeps the exercise's dose)."""
        doses, removed, added = {}, set(), []
        for stage in self.draft.stages:
            for key in exercise_keys(stage):
                if self[remove_name(stage.number, key)].data:
                    removed.add((stage.id, key))
                    continue
                values = {name: self[dose_name(stage.number, key, name)].data for name, _l, _m in DOSE_FIELDS}
                if values["times_per_day"] is not None:
                    doses[(stage.id, key)] = HomeDose(**values)
            choice = self[add_name(stage.number)].data
            if choice:
                added.append((stage.id, choice))
        return DraftChanges(doses=doses, removed=frozenset(removed), added=tuple(added),
                            patient_notes=self.patient_notes.data or "", team_notes=self.team_notes.data or "")


def home_choices(library: Library) -> list[SelectChoice]:
    """Every home technique and sequence of the library, by its patient name."""
    items = [(t.patient_name, t.id) for t in library.techniques.values() if t.done_in == "home"]
    items += [(s.patient_name, s.id) for s in library.sequences.values() if s.done_in == "home"]
    return [SelectChoice("", "— add nothing —")] + [SelectChoice(ref, name) for name, ref in sorted(items)]


def edit_form_class(draft: PlanDraft, library: Library) -> type[EditFormBase]:
    """The edit form of this draft: per home exercise its dose numbers and a remove box; per stage an add."""
    attrs: dict[str, Any] = {"draft": draft}
    choices = home_choices(library)
    for stage in draft.stages:
        for exercise, key in zip(stage.home, exercise_keys(stage), strict=True):
            for name, label, low in DOSE_FIELDS:
                validators = [Optional(), NumberRange(min=low or 1, max=600, message="A whole number from 1 to 600.")]
                # Named with its exercise and stage, so an error summary (and a screen reader) says which of the
                # many "Times a day" boxes is meant (WF-10).
                attrs[dose_name(stage.number, key, name)] = IntegerField(
                    f"{label}, {exercise.title}, stage {stage.number}", validators=validators)
            attrs[remove_name(stage.number, key)] = BooleanField("Remove")
        attrs[add_name(stage.number)] = SelectField(f"Add a home exercise to stage {stage.number}", choices=choices,
                                                    default="", validate_choice=True)
    return type("PlanEditForm", (EditFormBase,), attrs)


def edit_data(draft: PlanDraft) -> dict[str, Any]:
    """The form's starting values: every dose and both notes as stored."""
    data: dict[str, Any] = {"patient_notes": draft.patient_notes, "team_notes": draft.team_notes}
    for stage in draft.stages:
        for exercise, key in zip(stage.home, exercise_keys(stage), strict=True):
            for name, _label, _low in DOSE_FIELDS:
                data[dose_name(stage.number, key, name)] = getattr(exercise.dose, name)
    return data


class VersionForm(ClinicForm):
    """Approve (or another one-button action) against the version the user saw."""

    version = HiddenField(validators=[_version_int])


# OUT-06: where the protocol uses the pain rule and the diary shows it broken, moving on needs this tick.
PAIN_RULE_SEEN = "I have seen that the diary breaks the pain rule, and move on all the same"
PAIN_RULE_UNSEEN = ("The exercise diary shows the pain rule was not kept (see above). Tick this box to move on "
                    "all the same, or keep the current stage.")


class MoveForm(ClinicForm):
    """Confirm the current stage's move-on criteria (and, when the next stage waits on a date, that date)."""

    version = HiddenField(validators=[_version_int])
    criteria = MultiCheckboxField("I confirm, today:")
    pain_rule_seen = BooleanField(PAIN_RULE_SEEN)
    date_facts: tuple = ()

    def dates(self) -> dict[str, dt.date]:
        """The dates given, by fact name."""
        return {f.name: self[f"date_{f.name}"].data for f in self.date_facts if self[f"date_{f.name}"].data}


def move_form_class(date_facts: tuple) -> type[MoveForm]:
    """The stage-move form, with one date field per fact the next stage's start waits on (required)."""
    attrs: dict[str, Any] = {"date_facts": tuple(date_facts)}
    for fact in date_facts:
        attrs[f"date_{fact.name}"] = FriendlyDateField(
            fact.question, what="date", description=fact.help,
            validators=[InputRequired(f"Enter the date: {fact.question}"), _past_event])
    return type("MoveForm", (MoveForm,), attrs)


# -------------------------------------------------------------------------------------- sessions


PAIN_CHOICES = [SelectChoice("", "not asked")] + [SelectChoice(str(n), str(n)) for n in range(11)]


def _pain(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


class SessionForm(ClinicForm):
    """One treatment session."""

    on_date = FriendlyDateField("Date of the session", what="date of the session",
                                validators=[InputRequired("Enter the date."), _past_event])
    stage_id = RadioField("Stage", validators=[InputRequired("Choose the stage.")])
    techniques = MultiCheckboxField("Techniques done")
    pain_before = SelectField("Pain before (0 = none, 10 = worst)", choices=PAIN_CHOICES, validate_choice=True)
    pain_after = SelectField("Pain after (0 = none, 10 = worst)", choices=PAIN_CHOICES, validate_choice=True)
    notes = TextAreaField("Notes", filters=[_crlf],
                          validators=[Length(max=NOTES_MAX, message=f"At most {NOTES_MAX:,} characters.")])

    date_facts: tuple = ()
    coming_number: int | None = None

    @property
    def moving_on(self) -> bool:
        """True when the therapist asked to move on to the next stage with this session."""
        return self.coming_number is not None and bool(self["move_on"].data)

    def dates(self) -> dict[str, dt.date]:
        """The stage dates given, by fact name."""
        return {f.name: self[f"date_{f.name}"].data for f in self.date_facts if self[f"date_{f.name}"].data}

    def validate(self, extra_validators=None) -> bool:
        """The field checks, and at least one pain score (a session without one cannot show a trend)."""
        valid = super().validate(extra_validators)
        if _pain(self.pain_before.data) is None and _pain(self.pain_after.data) is None:
            self.pain_before.errors = [*self.pain_before.errors, "Give the pain before or after the session."]
            valid = False
        return valid

    def pains(self) -> tuple[int | None, int | None]:
        """Pain before and after as numbers (None when not asked)."""
        return _pain(self.pain_before.data), _pain(self.pain_after.data)


def session_form_class(coming_number: int | None, criteria: tuple[str, ...], date_facts: tuple) -> type[SessionForm]:
    """The session form; while a next stage exists it also offers moving on to it after this session (its
    criteria and, when its day is not firm, the dates it waits on), so a visit that ends a stage is one form."""
    if coming_number is None:
        return SessionForm
    attrs: dict[str, Any] = {
        "date_facts": tuple(date_facts), "coming_number": coming_number,
        "move_on": BooleanField(f"Move to stage {coming_number} after this session"),
        "pain_rule_seen": BooleanField(PAIN_RULE_SEEN),
        "criteria": MultiCheckboxField("I confirm, today:", choices=[SelectChoice(c, c) for c in criteria]),
    }
    for fact in date_facts:
        attrs[f"date_{fact.name}"] = FriendlyDateField(fact.question, what="date", description=fact.help,
                                                       validators=[Optional(), _past_event])
    return type("SessionForm", (SessionForm,), attrs)


class ReviewedForm(ClinicForm):
    """"Reviewed — still correct": a therapist checked an approved revision held by a protocol change against
    the protocol as it is now (issue 12, item 10)."""

    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=1000)],
                         description="What you checked, for example “Compared with today's rules; nothing applies "
                                     "to this patient.”")
