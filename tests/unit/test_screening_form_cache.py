"""The screening form's class is built once and reused (clinic/screening/forms.py), but a therapist never meets a
form built for other rules, another protocol or another patient's record."""

from __future__ import annotations

import dataclasses

from clinic.config import protocol_dirs
from clinic.library import load_all
from clinic.screening.forms import prefill_data, screening_form_class


def _loaded():
    protocols, rules = load_all(protocol_dirs({}))
    return protocols.protocol("fracture"), rules


def _questions(form_class) -> dict[str, str]:
    return {q.name: q.rule.question for g in form_class.groups for q in g.questions}


def test_the_same_screening_reuses_its_form_class():
    protocol, rules = _loaded()
    first = screening_form_class(rules, "fracture", protocol.facts, {"diabetes": "no"})
    assert screening_form_class(rules, "fracture", protocol.facts, {"diabetes": "no"}) is first


def test_a_changed_record_prefills_the_new_answer():
    protocol, rules = _loaded()
    before = screening_form_class(rules, "fracture", protocol.facts, {"diabetes": "not_known"})
    after = screening_form_class(rules, "fracture", protocol.facts, {"diabetes": "yes"})
    assert "yes" not in prefill_data(before).values()
    assert "yes" in prefill_data(after).values()
    assert screening_form_class(rules, "fracture", protocol.facts, {"diabetes": "not_known"}) is before


def test_another_protocol_or_general_screening_gets_its_own_form():
    protocol, rules = _loaded()
    fracture = screening_form_class(rules, "fracture", protocol.facts, {})
    general = screening_form_class(rules, None, (), {})
    assert general is not fracture
    assert general.fact_specs == () and fracture.fact_specs


def test_changed_rules_are_asked_in_their_new_words():
    protocol, rules = _loaded()
    old = screening_form_class(rules, "fracture", protocol.facts, {})
    first = next(iter(_questions(old)))
    reworded = dataclasses.replace(rules, rules=tuple(
        dataclasses.replace(r, question="Reworded question?") if f"q_{r.id}" == first else r for r in rules.rules))
    new = screening_form_class(reworded, "fracture", protocol.facts, {})
    assert _questions(new)[first] == "Reworded question?"
    assert _questions(screening_form_class(rules, "fracture", protocol.facts, {}))[first] != "Reworded question?"
