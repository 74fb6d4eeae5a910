"""The draft plan (a FHIR *CarePlan*) and the inputs besides protocol, facts and screening.

Every collection in a draft is a tuple in a fixed order, so equal inputs give equal drafts (CS-10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from clinic.domain.protocol_model import DATE_TYPES, ClinicDose, HomeExercise, RefersToTechnique, StopSigns

# Version of the canonical JSON layout; stored with every approved revision. Raise it with every change of the
# layout and teach ``plan_formats`` to read the one before (2: issue 12's body map, kinds, confirmed stages).
PLAN_FORMAT = 2

# ---------------------------------------------------------------------------------------------
# Inputs besides the protocol, facts and screening
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A therapist's recorded decision to treat despite an absolute contraindication (CS-02).

    ``rule_ids`` are the absolute findings the therapist chose to override (from the screening, not typed)
    and ``names`` their plain words ("a raised temperature"), in the same order; both are printed on the
    handout with ``by`` (the therapist's name) and ``reason``. An override recorded before these were kept
    has neither: its ``reason`` must then name every absolute finding, by id or words.
    """

    by: str
    role: str
    reason: str
    recorded_on: dt.date
    rule_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clearance:
    """A doctor's or specialist's clearance after a *refer* finding: who cleared, when, and what they said."""

    by: str
    cleared_on: dt.date
    note: str


class PlanBlocked(ValueError):
    """No plan can be made; ``problems`` names every reason, each a sentence for the therapist."""

    def __init__(self, problems: list[str] | tuple[str, ...]):
        self.problems = tuple(problems)
        super().__init__("No plan: " + " ".join(self.problems))


class PlanEditError(ValueError):
    """An edit of a draft was refused; the message says why."""


# ---------------------------------------------------------------------------------------------
# The draft
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFact:
    """One case fact as recorded in the plan; dates are ISO text here, see ``PlanDraft.fact_values``."""

    name: str
    type: str
    value: str


@dataclass(frozen=True)
class ScreeningRef:
    """Which screening the plan was made from, and what it found (rule id, category) in rule order."""

    on_date: dt.date
    decision: str
    condition: str | None
    rules_version: int
    findings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AvoidLine:
    """A local contraindication: the regions and side to keep clear of, in therapist and patient words."""

    rule_id: str
    regions: tuple[str, ...]
    side: str | None
    therapist_text: str
    patient_text: str
    start_when: str = ""
    # The kinds of plan item it blocks there (clinic.domain.kinds); () in plans made before the body
    # map, which blocked every kind (read back that way).
    blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precaution:
    """A relative contraindication turned into a precaution; no regions means it concerns every stage."""

    rule_id: str
    regions: tuple[str, ...]
    therapist_text: str
    patient_text: str


@dataclass(frozen=True)
class PlannedTechnique(RefersToTechnique):
    """An in-clinic technique or sequence of a stage, named in the plan so it survives library changes."""

    technique: str | None
    sequence: str | None
    name: str
    description: str
    regions: tuple[str, ...]
    dose: ClinicDose
    note: str = ""
    item_kind: str = ""  # "" in plans made before the body map: blocked by every local finding
    sides: tuple[str, ...] = ()  # () means both sides
    leave_out: tuple[str, ...] = ()  # places "right:index_pip" a finding leaves out of the item
    leave_out_reason: str = ""


@dataclass(frozen=True)
class Removal:
    """A technique or home exercise left out because it works on a locally contraindicated region."""

    kind: str  # "clinic" or "home"
    ref: str
    name: str
    regions: tuple[str, ...]
    rule_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class PlannedStage:
    """A protocol stage in this patient's plan, with its dated window and what is done in it.

    ``earliest`` is the earliest day known so far; ``firm`` says it depends on no planned date and no
    date still to be recorded (``waiting_for``). ``date_reached`` and ``current`` are never true before
    ``earliest`` (CS-05).
    """

    id: str
    number: int
    title: str
    patient_title: str
    earliest: dt.date | None
    firm: bool
    waiting_for: tuple[str, ...]
    window: str
    confirmations: tuple[str, ...]
    date_reached: bool
    current: bool
    goals: tuple[str, ...]
    clinic: tuple[PlannedTechnique, ...]
    home: tuple[HomeExercise, ...]
    removed: tuple[Removal, ...]
    precautions: tuple[str, ...]
    screening_precautions: tuple[Precaution, ...]
    stop_and_call: tuple[StopSigns, ...]
    move_on_when: tuple[str, ...]
    sources: tuple[str, ...]
    # What this stage keeps clear of on the protocol's own injury and the joints a cast holds
    # (clinic.domain.plan_filtering); the plan-wide ``PlanDraft.avoid`` holds the screening's findings.
    protect: tuple[AvoidLine, ...] = ()


@dataclass(frozen=True)
class PlanDraft:
    """A plan before (or as) approved: everything the plan page and the handout print."""

    protocol_id: str
    protocol_version: int
    content_hash: str
    title: str
    patient_title: str
    on_date: dt.date
    facts: tuple[PlanFact, ...]
    screening: ScreeningRef
    stages: tuple[PlannedStage, ...]
    current_stage: str | None
    avoid: tuple[AvoidLine, ...]
    precautions: tuple[Precaution, ...]
    override: Override | None
    clearance: Clearance | None
    patient_notes: str = ""
    team_notes: str = ""

    def stage(self, stage_id: str) -> PlannedStage:
        """The stage with this id; KeyError if the plan has none."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def fact_values(self) -> dict[str, Any]:
        """The case facts as the protocol reads them (dates as ``datetime.date``)."""
        return {
            fact.name: dt.date.fromisoformat(fact.value) if fact.type in DATE_TYPES else fact.value
            for fact in self.facts
        }


