"""A stored plan is read back once per process (clinic/plans/decoded.py), and the cache never shows a therapist a
plan other than the one stored: an edited draft reads as edited, a broken one is refused every time (CS-03)."""

from __future__ import annotations

import copy

import pytest

from clinic.domain import planning
from clinic.plans.decoded import read_plan
from tests.helpers.planning import plan


def test_a_stored_plan_reads_back_as_stored_and_once():
    canonical = planning.plan_to_canonical(plan("fracture"))
    first = read_plan(canonical)
    assert first == planning.plan_from_canonical(canonical)
    assert read_plan(copy.deepcopy(canonical)) is first  # the same plan stored again is not read again


def test_an_edited_draft_reads_as_edited_not_as_the_plan_read_before():
    canonical = planning.plan_to_canonical(plan("fracture"))
    before = read_plan(canonical)
    edited = copy.deepcopy(canonical)
    edited["plan"]["title"] = "Wrist fracture, after the second operation"
    after = read_plan(edited)
    assert after.title == "Wrist fracture, after the second operation" and before.title != after.title
    assert read_plan(canonical) is before


def test_a_broken_plan_is_refused_every_time():
    broken = planning.plan_to_canonical(plan("fracture"))
    broken["plan"]["stages"][0]["number"] = "one"
    for _ in range(2):
        with pytest.raises(ValueError, match="whole number"):
            read_plan(broken)
