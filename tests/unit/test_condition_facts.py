"""Conditions are data: a protocol file types its case facts (date, planned date, yes/no, choice, side, region,
text), says which dates may lie ahead, the order its dates respect and the words for its events; the check
refuses a file that gets them wrong, and nothing in code lists the conditions or their facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clinic.domain.planning import check_facts
from clinic.domain.protocols import DataFileError, illustration_ids_in, load_library

ROOT = Path(__file__).resolve().parents[2]
EXTRA = ROOT / "tests" / "data" / "protocols_extra"
TRIGGER = (EXTRA / "trigger_finger.yaml").read_text(encoding="utf-8")
PICTURES = illustration_ids_in(ROOT / "clinic" / "static" / "illustrations")
DAY = dt.date(2026, 3, 2)


def _load(tmp_path: Path, text: str):
    (tmp_path / "trigger_finger.yaml").write_text(text, encoding="utf-8")
    return load_library([ROOT / "protocols", tmp_path], PICTURES)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        _load(tmp_path, text)
    return caught.value.problems


def test_a_clinic_protocol_file_is_a_condition_with_its_own_typed_facts():
    library = load_library([ROOT / "protocols", EXTRA], PICTURES)
    assert "trigger_finger" in library.case_facts()
    protocol = library.protocol("trigger_finger")
    types = {fact.name: fact.type for fact in protocol.facts}
    assert types == {"onset_date": "date", "affected_side": "side", "digit": "choice", "night_splint": "yes_no",
                     "splint_end_date": "planned_date"}
    assert protocol.date_order() == (("splint_end_date", "onset_date"),)
    assert protocol.event_words() == {"splint_end_date": "the splint period ends"}


def test_a_planned_date_without_event_words_is_refused(tmp_path):
    text = TRIGGER.replace("    event: the splint period ends\n", "")
    assert any("facts[4].event: missing; an optional or planned date needs the moment it records in words" in p
               for p in _problems(tmp_path, text))


def test_a_date_order_naming_a_fact_the_protocol_does_not_have_is_refused(tmp_path):
    text = TRIGGER.replace("    after: onset_date\n", "    after: onset_dat\n")
    assert any('facts.splint_end_date.after: unknown date fact "onset_dat"; expected one of: onset_date' in p
               for p in _problems(tmp_path, text))


def test_event_words_on_a_fact_that_is_not_a_date_are_refused(tmp_path):
    text = TRIGGER.replace("    type: yes_no\n", "    type: yes_no\n    event: the splint is worn\n")
    assert any("facts[3].event: only date facts have 'event'" in p for p in _problems(tmp_path, text))


def test_an_unknown_fact_type_is_refused_naming_the_types(tmp_path):
    text = TRIGGER.replace("    type: yes_no\n", "    type: boolean\n")
    assert any("facts[3].type: expected one of date, planned_date, yes_no, choice, side, region, text" in p
               for p in _problems(tmp_path, text))


def test_a_planned_date_may_lie_ahead_but_a_past_event_may_not():
    protocol = load_library([ROOT / "protocols", EXTRA], PICTURES).protocol("trigger_finger")
    facts = {"onset_date": DAY - dt.timedelta(days=30), "affected_side": "right", "digit": "ring",
             "night_splint": "yes", "splint_end_date": DAY + dt.timedelta(days=12)}
    assert check_facts(protocol, facts, DAY) == []
    future_onset = {**facts, "onset_date": DAY + dt.timedelta(days=1)}
    assert any("Impossible date: “When did the finger start to catch or lock?”" in p
               for p in check_facts(protocol, future_onset, DAY))


def test_dates_in_the_wrong_order_are_refused_naming_both():
    protocol = load_library([ROOT / "protocols", EXTRA], PICTURES).protocol("trigger_finger")
    facts = {"onset_date": DAY - dt.timedelta(days=10), "affected_side": "right", "digit": "ring",
             "night_splint": "no", "splint_end_date": DAY - dt.timedelta(days=20)}
    problems = check_facts(protocol, facts, DAY)
    assert any("Impossible dates: “When does the splint period end (planned or actual)?”" in p
               and "is before “When did the finger start to catch or lock?”" in p for p in problems)


def test_a_precaution_for_some_patients_names_a_fact_of_the_protocol_and_its_answers(tmp_path):
    """A precaution wrong for part of a protocol's patients says whom it is for (``only_if``); the check refuses
    an unknown fact or an answer the fact does not have, naming the line."""
    good = _load(tmp_path, TRIGGER).protocol("trigger_finger").stages[0]
    (splint,) = good.conditional_precautions
    assert splint.text == "Wear your splint as you were advised."
    assert good.precautions_for({"night_splint": "no"}) == good.precautions
    assert splint.text in good.precautions_for({"night_splint": "yes"})
    assert splint.text in good.precautions_for({})  # not known yet: the safe side, it is printed

    unknown = TRIGGER.replace("only_if: {night_splint: [\"yes\"]}", "only_if: {splint_at_night: [\"yes\"]}")
    assert any("stages[0].precautions[1].only_if.splint_at_night: unknown choice fact" in p
               for p in _problems(tmp_path, unknown))
    bad_answer = TRIGGER.replace("only_if: {night_splint: [\"yes\"]}", "only_if: {night_splint: [\"sometimes\"]}")
    assert any("stages[0].precautions[1].only_if.night_splint[0]" in p for p in _problems(tmp_path, bad_answer))
    no_text = TRIGGER.replace("      - text: Wear your splint as you were advised.\n        only_if",
                              "      - only_if")
    assert any("stages[0].precautions[1]" in p and "text" in p for p in _problems(tmp_path, no_text))
