"""Outcome measures: QuickDASH scoring table, grip strength percentage, pain trend."""

from __future__ import annotations

import re

import pytest

from clinic.domain.outcomes import (
    QUICKDASH_MCID,
    grip_percent,
    pain_trend,
    quickdash,
    quickdash_change_is_meaningful,
)

N = None


# fmt: off
@pytest.mark.parametrize(
    ("items", "score", "answered"),
    [
        ([1] * 11, 0.0, 11),
        ([5] * 11, 100.0, 11),
        ([3] * 11, 50.0, 11),
        ([2] * 11, 25.0, 11),
        ([1] * 10 + [N], 0.0, 10),                          # 10 answered: still valid
        ([5] * 10 + [N], 100.0, 10),
        ([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1], 45.45, 11),     # sum 31: (31/11 - 1) × 25 = 45.45…
        ([2, 2, 2, 2, 2, 3, 3, 3, 3, 3, N], 37.5, 10),      # sum 25 over 10: (2.5 - 1) × 25
        ([4, 3, 4, 3, 4, 3, 4, 3, 4, 3, 4], 63.64, 11),     # sum 39: (39/11 - 1) × 25 = 63.64
        ([1] * 9 + [N, N], None, 9),                        # 9 answered: not valid
        ([N] * 11, None, 0),
    ],
)
# fmt: on
def test_quickdash_scores_as_clinical_md_says(items, score, answered):
    result = quickdash(items)
    assert result.answered == answered
    if score is None:
        assert result.score is None
        assert not result.valid
    else:
        expected = (sum(v for v in items if v is not None) / answered - 1) * 25
        assert result.score == pytest.approx(expected)
        assert result.score == pytest.approx(score, abs=0.01)
        assert result.valid


def test_quickdash_is_valid_from_ten_answers_and_not_at_nine():
    assert not quickdash([3] * 9 + [N, N]).valid
    assert quickdash([3] * 10 + [N]).valid


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([3] * 10, "QuickDASH has 11 items; got 10"),
        ([3] * 12, "QuickDASH has 11 items; got 12"),
        ([3] * 10 + [6], "QuickDASH item 11: expected a whole number from 1 to 5, got 6"),
        ([0] + [3] * 10, "QuickDASH item 1: expected a whole number from 1 to 5, got 0"),
        ([3] * 5 + [2.5] + [3] * 5, "QuickDASH item 6: expected a whole number from 1 to 5, got 2.5"),
        ([3] * 10 + [True], "QuickDASH item 11: expected a whole number from 1 to 5, got True"),
        ("33333333333", "QuickDASH: expected a list of 11 answers, got text '33333333333'"),
    ],
)
def test_quickdash_refuses_bad_items_with_a_clear_message(items, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        quickdash(items)


def test_the_meaningful_change_is_fourteen_points():
    assert QUICKDASH_MCID == 14
    assert quickdash_change_is_meaningful(60, 46)
    assert quickdash_change_is_meaningful(30, 44)
    assert not quickdash_change_is_meaningful(60, 46.5)


def test_a_meaningful_change_needs_scores_in_range():
    with pytest.raises(ValueError, match=re.escape("after: expected a number from 0 to 100, got 120")):
        quickdash_change_is_meaningful(50, 120)


@pytest.mark.parametrize(
    ("affected", "other", "percent"),
    [
        (20, 40, 50.0),
        (30, 30, 100.0),
        (33.5, 30, 111.67),
        (0, 25, 0.0),
        (20, 0, None),
        (None, 30, None),
        (20, None, None),
    ],
)
def test_grip_strength_is_the_affected_side_as_a_percentage_of_the_other(affected, other, percent):
    result = grip_percent(affected, other)
    if percent is None:
        assert result is None
    else:
        assert result == pytest.approx(percent, abs=0.01)


@pytest.mark.parametrize(
    ("affected", "other", "message"),
    [
        (-1, 30, "affected grip (kg): expected a number from 0 to 200, got -1"),
        (20, 500, "other grip (kg): expected a number from 0 to 200, got 500"),
        ("20", 30, "affected grip (kg): expected a number from 0 to 200, got '20'"),
        (float("nan"), 30, "affected grip (kg): expected a number from 0 to 200, got nan"),
    ],
)
def test_grip_strength_refuses_impossible_values(affected, other, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        grip_percent(affected, other)


@pytest.mark.parametrize(
    ("scores", "trend"),
    [
        ([], "not_enough"),
        ([6], "not_enough"),
        ([7, 6, 5], "better"),
        ([3, 5], "worse"),
        ([4, 5, 3], "same"),
        ([0, 10], "worse"),
    ],
)
def test_pain_trend_compares_the_first_and_last_scores(scores, trend):
    assert pain_trend(scores) == trend


def test_pain_trend_refuses_scores_outside_0_to_10():
    message = "pain score 2: expected a whole number from 0 to 10, got 11"
    with pytest.raises(ValueError, match=re.escape(message)):
        pain_trend([3, 11])
