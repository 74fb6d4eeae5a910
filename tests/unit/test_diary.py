"""OUT-06 the diary read back: adherence per exercise and overall, and the 24-hour pain response, worked out by
hand from a fortnight as a patient would fill the printed sheet."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain.diary import DiaryDay, adherence, boxes, pain_response

D = dt.date(2026, 3, 2)


def day(n, squeeze, walk, before=None, after=None):
    return DiaryDay(D + dt.timedelta(days=n), {"squeeze": (squeeze, 3), "walk": (walk, 1)}, before, after)


def test_out06_adherence_per_exercise_and_overall_over_a_fortnight():
    # 14 days: squeeze 3 boxes a day, ticked 2 each day (28 of 42); walk 1 box, done on 7 days (7 of 14).
    days = [day(n, 2, n % 2) for n in range(14)]
    result = adherence(days)
    squeeze, walk = result.exercises
    assert (squeeze.done, squeeze.boxes, round(squeeze.percent, 1)) == (28, 42, 66.7)
    assert (walk.done, walk.boxes, walk.percent) == (7, 14, 50)
    assert result.percent == pytest.approx(35 / 56 * 100) and result.days == 14


def test_out06_the_sheet_prints_one_box_per_time_a_day_at_most_four():
    assert [boxes(n) for n in (None, 1, 3, 4, 6)] == [1, 1, 3, 4, 4]


def test_out06_pain_response_finds_days_above_the_limit_and_worse_next_morning():
    days = [day(0, 3, 1, before=2, after=4), day(1, 3, 1, before=3, after=6), day(2, 3, 1, before=3, after=5),
            day(4, 3, 1, before=5, after=5)]  # day 3 left blank: day 4 is not compared with day 2
    response = pain_response(days, limit=5)
    assert response.above_limit == (D + dt.timedelta(days=1),)
    assert response.worse_next_morning == (D + dt.timedelta(days=1),)
    assert not response.keeps_the_rule
    assert pain_response([day(0, 1, 1, 3, 3), day(1, 1, 1, 2, 4)]).keeps_the_rule


def test_out06_impossible_ticks_or_pain_are_refused():
    with pytest.raises(ValueError, match="4 ticks of 3 boxes"):
        DiaryDay(D, {"squeeze": (4, 3)})
    with pytest.raises(ValueError, match="pain after must be from 0 to 10"):
        DiaryDay(D, {}, 2, 11)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1)), min_size=1, max_size=28))
def test_out06_adherence_stays_between_0_and_100_and_grows_with_a_tick(ticks):
    days = [day(n, s, w) for n, (s, w) in enumerate(ticks)]
    before = adherence(days).percent
    assert 0 <= before <= 100
    index = next((n for n, (s, _w) in enumerate(ticks) if s < 3), None)
    if index is not None:
        days[index] = day(index, ticks[index][0] + 1, ticks[index][1])
        assert adherence(days).percent > before
