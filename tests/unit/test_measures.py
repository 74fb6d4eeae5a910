"""The measures a hand therapist reports (issue 13, OUT-01..05): golden tables worked out by hand from the
published rules, refusals of bad answers, and properties (every score in its range, monotone in each answer)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain.measures import (
    pain_nrs,
    pinch,
    prwe,
    psfs,
    quickdash_module,
    rom,
)
from clinic.domain.outcomes import quickdash
from clinic.domain.questionnaires import load_questionnaire, parse_questionnaire
from clinic.domain.rules import DataFileError

N = None
MEASURES = Path(__file__).resolve().parents[2] / "protocols" / "measures"
FEW = settings(max_examples=60, deadline=None)


# ------------------------------------------------------------------------------------- OUT-01


@pytest.mark.parametrize(("items", "score"), [
    ([1] * 11, 0.0), ([3] * 11, 50.0), ([5] * 11, 100.0),
    ([2] * 10 + [N], 25.0),               # 10 of 11 answered: scored over the 10
    ([1] * 9 + [N, N], None),             # 9 of 11: no score
])
def test_out01_quickdash_golden_table(items, score):
    assert quickdash(items).score == score


def test_out01_quickdash_modules_need_all_four_items():
    assert quickdash_module([1, 1, 1, 1]).score == 0
    assert quickdash_module([3, 3, 3, 3]).score == 50
    assert quickdash_module([5, 5, 5, 5]).score == 100
    # By hand: sum 2+3+4+5 = 14; 14 / 4 = 3.5; (3.5 - 1) × 25 = 62.5.
    assert quickdash_module([2, 3, 4, 5]).score == 62.5
    three = quickdash_module([2, 3, 4, N])
    assert three.score is None and three.answered == 3


@pytest.mark.parametrize(("items", "message"), [
    ([1, 1, 1, 6], "QuickDASH module item 4: expected a whole number from 1 to 5, got 6"),
    ([1, 1, "3", 1], "QuickDASH module item 3: expected a whole number from 1 to 5, got '3'"),
    ([1, 1, 1], "QuickDASH module has 4 items; got 3"),
    ("1111", "QuickDASH module: expected a list of 4 answers, got text '1111'"),
])
def test_out01_quickdash_module_refuses_out_of_range_or_text(items, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        quickdash_module(items)


def test_out01_quickdash_wording_is_marked_paraphrased_and_each_item_has_its_own_answers():
    q = load_questionnaire("quickdash", [MEASURES])
    assert q.paraphrased and "paraphrased" in q.notice.lower()
    assert len(q.items) == 11 and all(len(i.answers) == 5 for i in q.items)
    # The social item is answered "not at all … very much", the sleep item ends with not being able to sleep,
    # the first six are about difficulty: not one generic scale.
    assert q.items[0].answers[0] == "No difficulty" and q.items[0].answers[-1] == "Cannot do it"
    assert q.items[6].answers[0] == "Not at all"
    assert "sleep" in q.items[10].answers[-1].lower()
    assert len({i.answers for i in q.items}) >= 4
    assert [m.id for m in q.modules] == ["work", "sports"] and all(len(m.items) == 4 for m in q.modules)


def test_out01_a_licensed_wording_file_replaces_ours(tmp_path):
    ours = (MEASURES / "quickdash.yaml").read_text()
    licensed = ours.replace("paraphrased: true", "paraphrased: false").replace(
        "Opening a jar that is new or shut tight", "LICENSED ITEM ONE")
    (tmp_path / "quickdash.yaml").write_text(licensed)
    q = load_questionnaire("quickdash", [tmp_path, MEASURES])
    assert q.items[0].text == "LICENSED ITEM ONE" and not q.paraphrased
    assert load_questionnaire("quickdash", [tmp_path / "none", MEASURES]).paraphrased


def test_out01_a_wording_file_with_ten_items_is_refused_by_name():
    text = (MEASURES / "quickdash.yaml").read_text().replace(
        '  - {text: "Cutting up food with a knife", scale: difficulty}\n', "")
    with pytest.raises(DataFileError, match="expected 11 items, found 10"):
        parse_questionnaire("quickdash", text.encode(), "quickdash.yaml")


@FEW
@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=11, max_size=11), st.integers(0, 10))
def test_out01_quickdash_is_in_range_and_monotone_in_each_answer(items, index):
    score = quickdash(items).score
    if score is None:
        return
    assert 0 <= score <= 100
    if items[index] is not None and items[index] < 5:
        worse = list(items)
        worse[index] += 1
        assert quickdash(worse).score > score


@FEW
@given(st.lists(st.integers(1, 5), min_size=4, max_size=4), st.integers(0, 3))
def test_out01_quickdash_module_is_in_range_and_monotone(items, index):
    score = quickdash_module(items).score
    assert 0 <= score <= 100
    if items[index] < 5:
        worse = list(items)
        worse[index] += 1
        assert quickdash_module(worse).score > score


# ------------------------------------------------------------------------------------- OUT-02


def test_out02_prwe_worked_example():
    # Pain items 5, 6, 7, 8, 4 → pain = 30. Function items 3, 4, 5, 2, 6, 1, 3, 4, 2, 0 → sum 30 → ÷ 2 = 15.
    # Total 30 + 15 = 45.
    result = prwe([5, 6, 7, 8, 4, 3, 4, 5, 2, 6, 1, 3, 4, 2, 0])
    assert (result.pain, result.function, result.total) == (30, 15, 45)
    assert result.answered == 15 and result.replaced == 0


def test_out02_prwe_extremes():
    assert prwe([0] * 15).total == 0
    assert prwe([10] * 15).total == 100
    assert prwe([10] * 5 + [0] * 10).pain == 50 and prwe([0] * 5 + [10] * 10).function == 50


def test_out02_prwe_missing_items_take_the_subscale_mean_within_limits():
    # One pain item missing: the mean of 4, 6, 8, 2 is 5, so pain = 20 + 5 = 25.
    one = prwe([4, 6, 8, 2, N] + [2] * 10)
    assert one.pain == 25 and one.function == 10 and one.total == 35 and one.replaced == 1
    # Two pain items missing: no pain score and no total; the function subscale still scores.
    two = prwe([4, 6, 8, N, N] + [2] * 10)
    assert two.pain is None and two.total is None and two.function == 10
    # Two function items missing are replaced (mean 3 → 8 × 3 + 2 × 3 = 30 → 15); three are not.
    assert prwe([0] * 5 + [3] * 8 + [N, N]).function == 15
    assert prwe([0] * 5 + [3] * 7 + [N, N, N]).function is None


@pytest.mark.parametrize(("items", "message"), [
    ([11] + [0] * 14, "PRWE item 1: expected a whole number from 0 to 10, got 11"),
    ([0] * 14 + [-1], "PRWE item 15: expected a whole number from 0 to 10, got -1"),
    ([0] * 14 + [2.5], "PRWE item 15: expected a whole number from 0 to 10, got 2.5"),
    ([0] * 14, "PRWE has 15 items; got 14"),
])
def test_out02_prwe_refuses_bad_answers(items, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        prwe(items)


@FEW
@given(st.lists(st.integers(0, 10), min_size=15, max_size=15), st.integers(0, 14))
def test_out02_prwe_is_in_range_and_monotone_in_each_answer(items, index):
    result = prwe(items)
    assert 0 <= result.pain <= 50 and 0 <= result.function <= 50 and 0 <= result.total <= 100
    if items[index] < 10:
        worse = list(items)
        worse[index] += 1
        assert prwe(worse).total > result.total


# ------------------------------------------------------------------------------------- OUT-03


def test_out03_psfs_worked_example():
    # Activities rated 3, 5 and 7: mean (3 + 5 + 7) ÷ 3 = 5.
    result = psfs([("Opening jars", 3), ("Typing", 5), ("Gardening", 7)])
    assert result.score == 5
    assert psfs([("a", 2), ("b", 4), ("c", 6), ("d", 9), ("e", 10)]).score == pytest.approx(31 / 5)


@pytest.mark.parametrize(("activities", "message"), [
    ([("a", 3), ("b", 3)], "PSFS: name 3 to 5 activities"),
    ([("a", 3)] * 6, "PSFS: name 3 to 5 activities"),
    ([("a", 3), ("  ", 3), ("c", 3)], "PSFS activity 2: name the activity"),
    ([("a", 3), ("b", 11), ("c", 3)], "PSFS activity 2: expected a whole number from 0 to 10, got 11"),
])
def test_out03_psfs_refuses_too_few_unnamed_or_out_of_range(activities, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        psfs(activities)


@FEW
@given(st.lists(st.integers(0, 10), min_size=3, max_size=5), st.integers(0, 4))
def test_out03_psfs_is_in_range_and_monotone(ratings, index):
    index %= len(ratings)
    named = [(f"activity {n}", r) for n, r in enumerate(ratings)]
    score = psfs(named).score
    assert 0 <= score <= 10
    if ratings[index] < 10:
        better = list(named)
        better[index] = (better[index][0], better[index][1] + 1)
        assert psfs(better).score > score


# ------------------------------------------------------------------------------------- OUT-04


def test_out04_pain_nrs_at_rest_and_on_activity():
    assert pain_nrs(2, 6).score == 6
    assert pain_nrs(None, 4).score == 4 and pain_nrs(3, None).at_rest == 3
    with pytest.raises(ValueError, match="give the pain at rest, on activity, or both"):
        pain_nrs(None, None)
    with pytest.raises(ValueError, match=re.escape("pain on activity: expected a whole number from 0 to 10, got 11")):
        pain_nrs(2, 11)


# ------------------------------------------------------------------------------------- OUT-05


def test_out05_rom_compares_the_affected_side_with_the_other():
    result = rom({"wrist_flexion": (40, 80), "wrist_extension": (35, 70), "supination": (None, 85)})
    flexion, extension, supination = result.motions
    assert (flexion.name, flexion.percent, flexion.difference) == ("Wrist flexion", 50, 40)
    assert extension.percent == 50 and supination.percent is None
    assert result.score == 50


@pytest.mark.parametrize(("values", "message"), [
    ({"wrist_flexion": (130, 80)}, "Wrist flexion (affected side): expected a whole number from 0 to 120, got 130"),
    ({"finger_tam": (200, -5)}, "Finger total active motion (other side): expected a whole number from 0 to 320"),
    ({"elbow": (10, 20)}, "unknown motion 'elbow'"),
    ({"wrist_flexion": (None, 80)}, "measure at least one motion of the affected side"),
])
def test_out05_rom_refuses_impossible_degrees(values, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        rom(values)


def test_out05_pinch_is_the_affected_side_as_a_percentage_of_the_other():
    result = pinch({"key": (4.5, 9.0), "tip": (3.0, 6.0), "three_jaw": (None, None)})
    assert [k.name for k in result.kinds] == ["Key (lateral) pinch", "Tip pinch"]
    assert result.kinds[0].percent == 50 and result.score == 50
    with pytest.raises(ValueError, match="at least one kind of pinch on both sides"):
        pinch({"key": (4.0, None)})
    with pytest.raises(ValueError, match=re.escape("Tip pinch (other side): expected a number of kg from 0.1 to 50")):
        pinch({"key": (4.0, 8.0), "tip": (2.0, 0)})


@FEW
@given(st.floats(0, 50), st.floats(0.1, 50), st.floats(0.1, 5))
def test_out05_pinch_percent_grows_with_the_affected_side(affected, other, more):
    low = pinch({"key": (affected, other)}).score
    high = pinch({"key": (min(affected + more, 50.0), other)}).score
    assert low >= 0 and high >= low
