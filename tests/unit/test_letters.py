"""OUT-07 the first draft of a letter, from plain facts: what the referring doctor needs, in words."""

from __future__ import annotations

import datetime as dt

from clinic.domain.letters import LetterFacts, MeasureLine, compose

D = dt.date(2026, 3, 2)


def facts(**changes) -> LetterFacts:
    values = dict(kind="discharge", recipient="Dr Ada Lovelace", patient_name="Margaret Ellis",
                  birth_date=dt.date(1950, 5, 17), record_number="P-000042",
                  diagnosis="Fracture of the wrist, hand or fingers; Wrist (distal radius); Cast or splint",
                  opened_on=dt.date(2026, 1, 12), today=D, sessions=6,
                  stages_passed=(("Protective stage", dt.date(2026, 1, 12)),), current_stage="Strengthening stage",
                  measures=(MeasureLine("QuickDASH", "75", dt.date(2026, 1, 19), "25", D, "-50 points",
                                        "a meaningful improvement (meaningful from 14 points)"),),
                  home_programme=("Tendon glides (5 times, 3 times a day)", "Putty squeeze (10 times)"),
                  adherence="about 70 % of the prescribed home exercises between 16 and 29 February 2026")
    values.update(changes)
    return LetterFacts(**values)


def test_out07_the_draft_names_diagnosis_dates_stages_measures_and_the_home_programme():
    text = compose(facts())
    assert text.startswith("Dear Dr Ada Lovelace,\n\nRe: Margaret Ellis, born 17 May 1950, record P-000042")
    assert "This letter reports their discharge from hand therapy." in text
    assert "Diagnosis: Fracture of the wrist, hand or fingers; Wrist (distal radius); Cast or splint." in text
    assert "from 12 January 2026 to 2 March 2026: 6 treatment sessions." in text
    assert "Stages of the programme reached: Protective stage (from 12 January 2026)." in text
    assert ("- QuickDASH: 75 (19 January 2026) to 25 (2 March 2026), change -50 points: a meaningful improvement "
            "(meaningful from 14 points).") in text
    assert "Home programme: Tendon glides (5 times, 3 times a day); Putty squeeze (10 times)." in text
    assert "By the patient's exercise diary, they did about 70 %" in text
    assert text.endswith("Yours sincerely,")


def test_out07_a_progress_letter_without_measures_or_doctor_says_so():
    text = compose(facts(kind="progress", recipient="", measures=(), sessions=1, adherence=""))
    assert text.startswith("Dear Doctor,") and "This letter reports their progress." in text
    assert "No outcome measures were recorded in this period." in text and "1 treatment session." in text
    assert "diary" not in text
