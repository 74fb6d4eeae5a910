"""A realistic, fictional handout context: a broken wrist, after the cast has come off.

Used by the tests, the benchmarks and ``clinic handout --sample``. The exercises, steps and doses are
those of ``protocols/fracture.yaml`` (stage ``after_cast``) and ``protocols/techniques.yaml``.
"""

from __future__ import annotations

import datetime as dt

from clinic.handouts.context import (
    ClinicInfo,
    Dose,
    ExerciseDose,
    Finding,
    HandoutContext,
    HandoutOptions,
    HomeExercise,
    NextStagePreview,
    OverrideRecord,
    PatientInfo,
    ProtocolInfo,
    StageSummary,
    StopAndCall,
    SummaryStage,
    TherapistSummaryContext,
    TrackingSheet,
)

SAMPLE_DIGEST = "3f9a1c07be52d4e8a6f0c3b2917d5e4a8c6b0f1e2d3c4b5a69788796a5b4c3d2"

CLINIC = ClinicInfo(
    name="Riverside Hand Therapy",
    address="12 Mill Lane, Riverside RV1 2AB",
    phone="01632 960 123",
)
PATIENT = PatientInfo(display_name="Margaret Ellis", birth_date=dt.date(1954, 6, 9), record_number="RHT-004217")
PROTOCOL = ProtocolInfo(id="fracture", title="Fracture of the wrist, hand or fingers", version=1)
THERAPIST = "Sam Okafor, hand therapist"

EXERCISES = (
    HomeExercise(
        name="Turn two balls in your hand",
        illustration="balls-in-palm",
        steps=(
            "Hold two small balls in your palm.",
            "Use your fingers to turn them round each other.",
            "Turn them one way, then the other way.",
            "Work over a table, so they do not fall far.",
        ),
        dose=Dose(minutes=2, times_per_day=3),
    ),
    HomeExercise(
        name="Piano taps",
        illustration="piano-taps",
        steps=(
            "Rest your hand flat on a table.",
            "Lift one finger and tap it down.",
            "Then the next finger, and the next.",
            "Go from the thumb to the little finger and back.",
        ),
        dose=Dose(minutes=2, times_per_day=3),
    ),
    HomeExercise(
        name="Wrist circles",
        illustration="wrist-circles",
        steps=(
            "Rest your forearm on a table, with your hand over the edge.",
            "Turn your hand slowly in a big circle.",
            "Then turn it the other way.",
            "Move only as far as feels comfortable.",
        ),
        dose=Dose(repetitions=10, times_per_day=3),
    ),
    HomeExercise(
        name="Bend and straighten with your other hand",
        illustration="bend-straighten-assisted",
        steps=(
            "Rest your hand on a table or a pillow.",
            "Hold your fingers with your other hand.",
            "Bend them gently toward your palm.",
            "Then straighten them out.",
            "Stop before it hurts.",
        ),
        dose=Dose(repetitions=10, hold_seconds=5, times_per_day=3),
        note="Go only as far as is comfortable. Never force it.",
    ),
    HomeExercise(
        name="Raise your hand",
        illustration="hand-elevation",
        steps=(
            "Sit or lie down.",
            "Rest your arm on two or three pillows.",
            "Your hand should be higher than your elbow.",
            "Your elbow should be higher than your heart.",
        ),
        dose=Dose(minutes=15, times_per_day=2),
        note="Keep doing this if your hand still swells.",
    ),
)

TIMELINE = (
    StageSummary(title="Protective stage - while the cast or splint is on", patient_title="While your cast was on",
                 starts_on=dt.date(2026, 1, 12)),
    StageSummary(title="Mobilisation stage - after the cast comes off", patient_title="After your cast comes off",
                 starts_on=dt.date(2026, 2, 23), is_current=True),
    StageSummary(title="Strengthening stage - after healing is confirmed", patient_title="Getting your strength back",
                 starts_text="When your doctor says the bone has healed"),
)


def sample_handout(options: HandoutOptions | None = None, **changes) -> HandoutContext:
    """The sample handout, with other options or fields when given."""
    values = dict(
        clinic=CLINIC,
        patient=PATIENT,
        therapist_name=THERAPIST,
        printed_on=dt.date(2026, 3, 2),
        plan_digest=SAMPLE_DIGEST,
        protocol=PROTOCOL,
        options=options or HandoutOptions(),
        condition="You broke a bone in your left wrist. The cast is off now. "
                  "These exercises help your wrist and fingers move freely again.",
        stage_title="After your cast comes off",
        timeline=TIMELINE,
        exercises=EXERCISES,
        avoid=(
            "Do not massage your left wrist firmly until your doctor says the bone has healed. "
            "Light stroking is fine.",
            "Do not put cream on the scar until it has fully closed.",
        ),
        precautions=(
            "Do everything slowly and smoothly.",
            "Stop at once if it hurts.",
            "Do not grip hard or lift heavy things yet.",
        ),
        stop_and_call=(
            StopAndCall(
                action="Stop the exercises and call us, or your fracture clinic, the same day.",
                signs=(
                    "Pain that keeps getting worse.",
                    "Numbness or pins and needles in your fingers.",
                    "Fingers that look pale or blue, or feel cold.",
                    "Swelling that does not go down when you raise your hand.",
                    "Burning pain with a change in the colour or warmth of your skin.",
                ),
            ),
        ),
        overrides=(
            "On 23 February your temperature was a little high. "
            "Your therapist checked it again after 20 minutes. It was normal, so the massage went ahead.",
        ),
        next_stage=NextStagePreview(
            patient_title="Getting your strength back",
            when="When your doctor says the bone has healed",
            lines=(
                "You will start squeezing a soft ball.",
                "You will practise picking up small things.",
                "Your grip will get firmer, step by step, over some weeks.",
            ),
        ),
        tracking=TrackingSheet(first_day=dt.date(2026, 3, 2), days=7),
        notes="Bring this sheet to your next visit on 16 March. "
              "Wear your wrist splint at night until then.",
    )
    values.update(changes)
    return HandoutContext(**values)


def sample_summary(paper: str = "A4", **changes) -> TherapistSummaryContext:
    """The therapist summary of the same sample plan."""
    values = dict(
        clinic=CLINIC,
        patient=PATIENT,
        therapist_name=THERAPIST,
        printed_on=dt.date(2026, 3, 2),
        plan_digest=SAMPLE_DIGEST,
        protocol=PROTOCOL,
        paper=paper,
        stages=(
            SummaryStage(title=TIMELINE[0].title, when="from 12 January 2026 (fracture date)", items=(
                ExerciseDose("Neck and shoulder massage", "5 min, moderate pressure", "clinic"),
                ExerciseDose("Stroking, upper arm and elbow", "2 min, light; above the cast only", "clinic"),
                ExerciseDose("Raise your hand", "15 min, 3 times a day", "home"),
                ExerciseDose("Spread and close your fingers", "10 times, 4 times a day", "home"),
            )),
            SummaryStage(title=TIMELINE[1].title, when="from 23 February 2026 (cast off)", is_current=True, items=(
                ExerciseDose("Stroking, fingers to forearm", "5 min, very light; stop if it hurts", "clinic"),
                ExerciseDose("Stroking toward the heart", "3 min, light", "clinic"),
                ExerciseDose("Passive movements, fingers, thumb, wrist", "5 repetitions, within comfort", "clinic"),
                *(ExerciseDose(e.name, " ".join(e.dose_lines), "home") for e in EXERCISES),
            )),
            SummaryStage(title=TIMELINE[2].title, when="after healing is confirmed by the doctor (date not recorded)",
                         items=(
                ExerciseDose("Stimulating hand massage (12 steps)", "10 min, moderate", "clinic"),
                ExerciseDose("Squeeze a soft ball", "10 times, 2 rounds, 2 times a day", "home"),
            )),
        ),
        findings=(
            Finding("Unhealed fracture of the left distal radius", "yes", "local"),
            Finding("Recent surgery site", "no", "local"),
            Finding("Blood thinners or a bleeding disorder", "no", "relative"),
            Finding("Reduced sensation in the area", "no", "relative"),
        ),
        overrides=(
            OverrideRecord("Raised body temperature (37.6 °C) at intake", "Rechecked after 20 minutes: 36.9 °C; "
                           "no other signs of illness.", THERAPIST, dt.date(2026, 2, 23)),
        ),
        precautions=("Over the fracture: light stroking only until healing is confirmed.",
                     "No strengthening or hard gripping before healing is confirmed."),
        notes="Review on 16 March 2026; X-ray at the fracture clinic on 9 March.",
    )
    values.update(changes)
    return TherapistSummaryContext(**values)
