"""Screening forms: input checks only (the domain decides). ``screening_form_class`` builds the one form
of a protocol from the rules and the protocol's case facts; ``to_answers()``/``to_facts()`` return domain
values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.clock import today
from clinic.domain import bodymap
from clinic.domain.protocols import CaseFact
from clinic.domain.screening import Answer
from clinic.domain.screening_rules import GROUP_TITLES, REGION_WORDS, REGIONS, Rule, RuleSet, questions_for
from clinic.forms import ClinicForm, FriendlyDateField

ANSWER_WORDS = {"yes": "Yes", "no": "No", "not_known": "Not known"}
SIDE_WORDS = {"left": "Left", "right": "Right", "both": "Both"}
OVERRIDE_MIN_REASON = 20


def _choices(mapping: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in mapping.items()]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _crlf(value: Any) -> Any:
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes sharing one name."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        """Empty values (a form that sends ``name=``) mean nothing ticked."""
        super().process_formdata([v for v in valuelist if v])


@dataclass(frozen=True)
class QuestionSpec:
    """One question on the form: its rule, field name and the record's answer when pre-filled."""

    rule: Rule
    name: str
    from_record: str | None = None

    @property
    def regions_name(self) -> str:
        """Field name of the region checkboxes (rules whose regions are chosen)."""
        return f"{self.name}_regions"

    @property
    def side_name(self) -> str:
        """Field name of the side choice (rules whose regions are chosen)."""
        return f"{self.name}_side"

    @property
    def detail_name(self) -> str:
        """Field name of the optional detail."""
        return f"{self.name}_detail"


@dataclass(frozen=True)
class GroupSpec:
    """A titled group of questions."""

    group: str
    title: str
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True)
class FactSpec:
    """One case fact on the form; ``needed`` facts must be filled unless the screening is saved unfinished."""

    fact: CaseFact
    name: str
    needed: bool


class ScreeningFormBase(ClinicForm):
    """Fields are added by ``screening_form_class``; this holds the checks and the conversion."""

    condition: str | None = None
    fact_specs: tuple[FactSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()

    confirm_prefilled = BooleanField("I have checked the answers marked “from the record” with the patient today")
    unfinished = SubmitField("Save as not finished")
    submit = SubmitField("Screen")

    @property
    def questions(self) -> tuple[QuestionSpec, ...]:
        """Every question, in form order."""
        return tuple(q for g in self.groups for q in g.questions)

    @property
    def prefilled(self) -> tuple[QuestionSpec, ...]:
        """Questions whose answer came from the patient record."""
        return tuple(q for q in self.questions if q.from_record)

    def none_name(self, group: GroupSpec) -> str:
        """Field name of the group's "None of these" box."""
        return f"none_{group.group}"

    def apply_none_of_these(self) -> None:
        """A ticked "None of these" answers "no" to every question of its group left unanswered (an answer
        given, from the record or clicked, stays as it is: only what differs is clicked)."""
        for group in self.groups:
            if not self[self.none_name(group)].data:
                continue
            for q in group.questions:
                if self[q.name].data not in ANSWER_WORDS:
                    self[q.name].data = "no"

    @property
    def saving_unfinished(self) -> bool:
        """True when the therapist chose to save with open questions (the result is then incomplete)."""
        return bool(self.unfinished.data)

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: pre-filled answers confirmed; every question and needed fact given (unless
        saved unfinished); a 'yes' to a region question marks where."""
        self.apply_none_of_these()
        valid = super().validate(extra_validators)
        if self.prefilled and not self.confirm_prefilled.data:
            self.confirm_prefilled.errors = [*self.confirm_prefilled.errors,
                                             "Check the pre-filled answers with the patient, then tick this box."]
            valid = False
        if self.saving_unfinished:
            return valid
        for spec in self.fact_specs:
            field = self[spec.name]
            if spec.needed and not field.errors and field.data in (None, ""):
                field.errors = [*field.errors, f"Needed: {spec.fact.question} "
                                "(or press “Save as not finished”)."]
                valid = False
        for q in self.questions:
            field = self[q.name]
            if field.data not in ANSWER_WORDS:
                field.errors = [*field.errors, "Choose yes, no or not known."]
                valid = False
            elif field.data == "yes" and q.rule.chosen_regions and not self[q.regions_name].data:
                self[q.regions_name].errors = [*self[q.regions_name].errors, "Mark where: tick at least one area."]
                valid = False
        return valid

    def to_answers(self) -> dict[str, Answer]:
        """The answers given, as domain values (questions left blank are left out: the domain calls them
        unanswered)."""
        answers: dict[str, Answer] = {}
        for q in self.questions:
            value = self[q.name].data
            if value not in ANSWER_WORDS:
                continue
            regions: tuple[str, ...] = ()
            side = None
            if q.rule.chosen_regions and value == "yes":
                regions = tuple(r for r in REGIONS if r in (self[q.regions_name].data or ()))
                side = self[q.side_name].data or None
            answers[q.rule.id] = Answer(value=value, detail=self[q.detail_name].data or "", regions=regions,
                                        side=side)
        return answers

    def to_facts(self) -> dict[str, Any]:
        """The case facts given, as domain values (dates as dates; empty ones left out)."""
        facts: dict[str, Any] = {}
        for spec in self.fact_specs:
            value = self[spec.name].data
            if value in (None, ""):
                continue
            facts[spec.fact.name] = value
        return facts


def _past_event(form, field) -> None:
    if isinstance(field.data, dt.date) and field.data > today():
        raise ValidationError("This date is after today, so it cannot have happened yet. Check the date.")


def _fact_field(fact: CaseFact):
    label = fact.question
    if fact.is_date:
        validators = [Optional()]
        if fact.past_event:
            validators.append(_past_event)
        return FriendlyDateField(label, what="date", validators=validators, description=fact.help)
    if fact.type == "text":
        return StringField(label, filters=[_strip], description=fact.help,
                           validators=[Length(max=300, message="Use at most 300 characters.")])
    if fact.type == "side":
        words = SIDE_WORDS
    elif fact.type == "yes_no":
        words = {"yes": "Yes", "no": "No"}
    elif fact.type == "region":
        words = {region: REGION_WORDS.get(region, region.replace("_", " ")).capitalize() for region in fact.values}
    else:
        words = {option.value: option.label for option in fact.options}
    return RadioField(label, choices=_choices(words), validators=[Optional()], description=fact.help,
                      validate_choice=True)


# Built form classes, reused while the rules, protocol and record answers are the same: building one (about 60
# fields, each with its choices) was 3 ms of every screening page and post. A form class holds no request's data
# (WTForms binds a new form to each request), so it is shared like any module-level form. The rules are keyed
# by identity and kept in the entry, so a reloaded rule set never meets a class built from another.
_FORM_CLASSES: dict[tuple, tuple[RuleSet, type[ScreeningFormBase]]] = {}
_FORM_CLASSES_MAX = 128


def screening_form_class(
    rules: RuleSet,
    condition: str | None,
    case_facts: tuple[CaseFact, ...],
    record: dict[str, str],
) -> type[ScreeningFormBase]:
    """The form for screening for ``condition`` (None: general): the protocol's case facts, then the
    questions of each group. ``record`` is the patient's history facts; a yes/no there pre-fills the
    question that reads it."""
    key = (id(rules), condition, case_facts, tuple(sorted(record.items())))
    found = _FORM_CLASSES.get(key)
    if found is not None and found[0] is rules:
        return found[1]
    form_class = _build_form_class(rules, condition, case_facts, record)
    if len(_FORM_CLASSES) >= _FORM_CLASSES_MAX:
        _FORM_CLASSES.clear()
    _FORM_CLASSES[key] = (rules, form_class)
    return form_class


def _build_form_class(rules: RuleSet, condition: str | None, case_facts: tuple[CaseFact, ...],
                      record: dict[str, str]) -> type[ScreeningFormBase]:
    waits_for = {
        fact for rule in rules.rules if rule.gate is not None and rule.applies_to(condition)
        for fact in rule.gate.waits_for
    }
    attrs: dict[str, Any] = {}
    fact_specs = []
    for fact in case_facts:
        name = f"fact_{fact.name}"
        attrs[name] = _fact_field(fact)
        # A fact a gate waits for is empty until its event happens: leaving it empty is an answer.
        fact_specs.append(FactSpec(fact, name, needed=fact.required and fact.name not in waits_for))
    groups = []
    for group in questions_for(rules, condition):
        specs = []
        for rule in group.questions:
            name = f"q_{rule.id}"
            recorded = record.get(rule.record_field) if rule.record_field else None
            specs.append(QuestionSpec(rule, name, recorded if recorded in ("yes", "no") else None))
            attrs[name] = RadioField(rule.question, choices=_choices(ANSWER_WORDS), validators=[Optional()],
                                     description=rule.help)
            attrs[f"{name}_detail"] = StringField(
                "Detail (optional)", filters=[_strip],
                validators=[Length(max=500, message="Use at most 500 characters.")])
            if rule.chosen_regions:
                attrs[f"{name}_regions"] = MultiCheckboxField(
                    "Where", choices=[SelectChoice(r, bodymap.label(r)) for r in REGIONS])
                attrs[f"{name}_side"] = RadioField("Side", choices=_choices(SIDE_WORDS), validators=[Optional()])
        groups.append(GroupSpec(group.group, GROUP_TITLES[group.group], tuple(specs)))
        attrs[f"none_{group.group}"] = BooleanField(
            "None of these", description="Answers “No” to every question of this group you leave unanswered; "
            "answer “Yes” or “Not known” first where it differs.")
    attrs.update(condition=condition, fact_specs=tuple(fact_specs), groups=tuple(groups))
    return type("ScreeningForm", (ScreeningFormBase,), attrs)


def prefill_data(form_class: type[ScreeningFormBase]) -> dict[str, str]:
    """Initial form data: the record's answers for the questions that read it."""
    return {q.name: q.from_record for g in form_class.groups for q in g.questions if q.from_record}


class OverrideForm(ClinicForm):
    """Override absolute findings: which ones, why, and (when the login is not fresh) the password."""

    rule_ids = MultiCheckboxField("Which contraindication do you override?",
                                  validators=[DataRequired("Tick the contraindication you override.")])
    reason = TextAreaField(
        "Reason", filters=[_crlf],
        description=f"At least {OVERRIDE_MIN_REASON} characters: why treating today is safe despite it. "
                    "It is printed on the handout.",
        validators=[InputRequired("Give the reason."),
                    Length(min=OVERRIDE_MIN_REASON, max=2000,
                           message=f"Write at least {OVERRIDE_MIN_REASON} characters (at most 2000).")])
    password = PasswordField("Your password", description="Your login is more than a few minutes old: confirm it "
                             "is you.", validators=[Length(max=1000)])


class ClearanceForm(ClinicForm):
    """A doctor's clearance of a refer finding."""

    rule_id = RadioField("Which finding was cleared?", validators=[InputRequired("Choose the finding.")])
    cleared_by = StringField("Cleared by", filters=[_strip], description="The doctor's name and role, for example "
                             "“Dr A. Smith, hand surgeon”.",
                             validators=[DataRequired("Enter who cleared the patient."),
                                         Length(max=300, message="Use at most 300 characters.")])
    cleared_on = FriendlyDateField("Cleared on", what="date of the clearance",
                                   validators=[InputRequired("Enter the date of the clearance."), _past_event])
    note = TextAreaField("What the doctor said", filters=[_crlf],
                         description="For example what the doctor allowed, and any limits. Printed with the plan.",
                         validators=[DataRequired("Write what the doctor cleared."),
                                     Length(max=2000, message="Use at most 2000 characters.")])
