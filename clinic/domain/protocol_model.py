"""Protocol dataclasses: what a loaded protocol, technique, sequence and the library are.

FHIR calls a protocol a *PlanDefinition*. Built by ``clinic.domain.protocol_files``; frozen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.domain.rules import MissingFact, StartRule

SIDES = ("left", "right", "both")
BODY_REGIONS = (
    "fingers",
    "thumb",
    "palm",
    "back_of_hand",
    "wrist",
    "forearm",
    "elbow",
    "upper_arm",
    "shoulder",
    "neck_shoulder",
)
# A "date" records an event that has happened (never after the day it is entered); a "planned_date"
# may lie ahead (the cast's planned removal). A "region" is one body region id.
FACT_TYPES = ("date", "planned_date", "yes_no", "choice", "side", "region", "text")
DATE_TYPES = ("date", "planned_date")
PRESSURES = ("very_light", "light", "moderate", "firm")
TECHNIQUE_KINDS = ("clinic", "home")
TECHNIQUES_FILE = "techniques.yaml"
# Files in a protocol folder that are not protocols: the technique library, and the screening
# rules that the screening module reads (described in screening.md).
RESERVED_FILES = (TECHNIQUES_FILE, "contraindications.yaml")

# ---------------------------------------------------------------------------------------------
# The dataclasses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer of a choice fact: the stored ``value`` and the ``label`` a therapist reads."""

    value: str
    label: str


@dataclass(frozen=True)
class CaseFact:
    """A fact about the patient's case that a protocol needs (a FHIR Questionnaire item)."""

    name: str
    type: str
    question: str
    help: str = ""
    required: bool = True
    options: tuple[Option, ...] = ()
    # Date facts only: the date fact this one can never be before (the cast comes off after the fracture).
    after: str | None = None
    # Date facts only: the moment in words, for a stage still waiting for it ("the cast is off").
    event: str = ""
    # A short name for people ("Cast off"), where the plan page and its history list the case facts.
    label: str = ""

    @property
    def words(self) -> str:
        """The fact's name for people: its label, else its name with spaces (a file written before labels)."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed values for choice, side, yes/no and region facts, otherwise empty."""
        if self.type == "side":
            return SIDES
        if self.type == "yes_no":
            return ("yes", "no")
        if self.type == "region":
            return BODY_REGIONS
        return tuple(option.value for option in self.options)

    @property
    def is_date(self) -> bool:
        """A date or a planned date."""
        return self.type in DATE_TYPES

    @property
    def past_event(self) -> bool:
        """A date of something that has happened: one after the day it is entered is impossible (CS-04)."""
        return self.type == "date"


@dataclass(frozen=True)
class Source:
    """A reference a stage rests on."""

    id: str
    text: str


@dataclass(frozen=True)
class Technique:
    """One technique of the shared library; home techniques carry a picture and numbered steps."""

    id: str
    done_in: str  # clinic or home
    item_kind: str  # touch, passive_movement, ... (clinic.domain.kinds)
    name: str
    description: str
    patient_name: str
    patient_description: str
    regions: tuple[str, ...]
    illustration: str | None = None
    steps: tuple[str, ...] = ()
    with_other_hand: bool = False


@dataclass(frozen=True)
class SequenceStep:
    """One step of a sequence: which technique, where, and the wording for this step."""

    technique: str
    text: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Sequence:
    """A named series of techniques done in order (for example the 12-step stimulating massage)."""

    id: str
    done_in: str  # clinic or home
    item_kind: str  # touch, passive_movement, ... (clinic.domain.kinds)
    name: str
    description: str
    patient_name: str
    patient_description: str
    steps: tuple[SequenceStep, ...]
    illustration: str | None = None
    with_other_hand: bool = False

    @property
    def regions(self) -> tuple[str, ...]:
        """Every body region the sequence touches, in library order."""
        used = {region for step in self.steps for region in step.regions}
        return tuple(region for region in BODY_REGIONS if region in used)


@dataclass(frozen=True)
class ClinicDose:
    """How much of a technique in a clinic session."""

    minutes: int | None = None
    pressure: str | None = None
    repetitions: int | None = None


@dataclass(frozen=True)
class HomeDose:
    """How much of a home exercise: all whole numbers, any may be left out except times a day."""

    times_per_day: int
    repetitions: int | None = None
    sets: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None


class RefersToTechnique:
    """Mixin for items that point at a technique or a sequence of the library (exactly one is set)."""

    technique: str | None
    sequence: str | None

    @property
    def ref(self) -> str:
        """The technique or sequence id this item points at."""
        return self.technique or self.sequence or ""


@dataclass(frozen=True)
class TechniqueUse(RefersToTechnique):
    """A technique or sequence the therapist uses in a stage, on some body regions, with a dose."""

    technique: str | None
    sequence: str | None
    regions: tuple[str, ...]
    dose: ClinicDose
    note: str = ""
    item_kind: str = ""  # touch, passive_movement… (clinic.domain.kinds), from the library


@dataclass(frozen=True)
class HomeExercise(RefersToTechnique):
    """One item of the home programme, in the patient's words, with its picture and dose."""

    technique: str | None
    sequence: str | None
    title: str
    description: str
    steps: tuple[str, ...]
    illustration: str
    regions: tuple[str, ...]
    dose: HomeDose
    note: str = ""
    # Set in a patient's plan (clinic.domain.plan_filtering); empty in a protocol and in plans made before
    # the body map: item_kind "" counts as blocked by every local finding, sides () as both sides.
    item_kind: str = ""
    sides: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()  # places "right:index_pip" left out by a finding
    leave_out_reason: str = ""
    with_other_hand: bool = False  # self-massage: the other hand does it


@dataclass(frozen=True)
class RegionsFrom:
    """Regions read from a case fact: the fact's value → the body-map regions it means."""

    fact: str
    regions: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Injury:
    """The protocol's own injury (CLINICAL.md §2.1): where it is, which side, what holds it still.

    ``side`` names the side fact (plan items are done on that side); ``owns`` lists the generic
    screening rules for this same injury, which the stages' ``injured_area`` replaces; ``at`` gives
    the injured regions and ``held`` the joints a cast or splint holds, both from case facts.
    """

    side: str | None = None
    owns: tuple[str, ...] = ()
    at: tuple[RegionsFrom, ...] = ()
    held: tuple[RegionsFrom, ...] = ()


@dataclass(frozen=True)
class StopSigns:
    """Signs that mean "stop", with what to do. ``emergency`` marks signs that cannot wait for us: call an
    ambulance, or, with ``a_and_e``, go to A&E now (a cast too tight, an infected tendon sheath)."""

    action: str
    signs: tuple[str, ...]
    emergency: bool = False
    a_and_e: bool = False


@dataclass(frozen=True)
class ConditionalPrecaution:
    """A precaution only for some of a protocol's patients ("Do not rub over a scar…" only after surgery):
    printed when every ``only_if`` fact has one of its listed answers, or is not known yet (the safe side)."""

    text: str
    only_if: tuple[tuple[str, tuple[str, ...]], ...]

    def applies_to(self, facts: Mapping[str, Any]) -> bool:
        """Whether the precaution is for a patient with these facts."""
        return all(facts.get(name) in (None, "") or facts.get(name) in allowed for name, allowed in self.only_if)


@dataclass(frozen=True)
class Stage:
    """One stage of a protocol (a FHIR PlanDefinition action).

    ``precautions`` and ``stop_and_call`` already include the protocol-wide ones, so a stage
    carries every warning its handout must print.
    """

    id: str
    title: str
    patient_title: str
    starts: StartRule
    goals: tuple[str, ...]
    clinic: tuple[TechniqueUse, ...]
    home: tuple[HomeExercise, ...]
    precautions: tuple[str, ...]
    stop_and_call: tuple[StopSigns, ...]
    move_on_when: tuple[str, ...]
    sources: tuple[str, ...]
    only_if: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Kinds allowed on the protocol's injured area in this stage (None: not said, so position and
    # education only), and whether a cast or splint holds joints still in this stage.
    injured_area: tuple[str, ...] | None = None
    held: bool = False
    # Precautions (protocol-wide and the stage's own) only for patients whose facts match.
    conditional_precautions: tuple[ConditionalPrecaution, ...] = ()

    def precautions_for(self, facts: Mapping[str, Any]) -> tuple[str, ...]:
        """Every precaution of this stage for a patient with these facts."""
        return self.precautions + tuple(c.text for c in self.conditional_precautions if c.applies_to(facts))

    def applies_to(self, facts: Mapping[str, Any]) -> bool:
        """Whether this stage belongs in a plan with these facts; raises MissingFact if unknown."""
        for name, allowed in self.only_if:
            value = facts.get(name)
            if value in (None, ""):
                raise MissingFact(name)
            if value not in allowed:
                return False
        return True


@dataclass(frozen=True)
class Protocol:
    """A staged rehabilitation protocol read from one file; version + content_hash identify it."""

    id: str
    version: int
    title: str
    patient_title: str
    condition: str
    sources: tuple[Source, ...]
    facts: tuple[CaseFact, ...]
    stages: tuple[Stage, ...]
    precautions: tuple[str, ...]
    stop_and_call: tuple[StopSigns, ...]
    content_hash: str
    file: str
    injury: Injury | None = None
    # The measures followed and their MCIDs (``clinic.domain.protocol_measures``).
    measures: tuple = ()
    # The pain-monitoring rule (``protocol_measures.PainRule``), or None when the protocol does not use one.
    pain_rule: object | None = None

    def fact(self, name: str) -> CaseFact:
        """The case fact called ``name``; KeyError if the protocol has none."""
        for fact in self.facts:
            if fact.name == name:
                return fact
        raise KeyError(name)

    def date_order(self) -> tuple[tuple[str, str], ...]:
        """(later, earlier) pairs: the first date can never be before the second one (CS-04)."""
        return tuple((fact.name, fact.after) for fact in self.facts if fact.after)

    def event_words(self) -> dict[str, str]:
        """Date fact name -> the moment in words ("the cast is off"), for the dates that have them."""
        return {fact.name: fact.event for fact in self.facts if fact.event}

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id; KeyError if there is none."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def source(self, source_id: str) -> Source:
        """The source with this id; KeyError if there is none."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


@dataclass(frozen=True)
class Library:
    """Every protocol, technique and sequence, after clinic folders have been applied."""

    protocols: Mapping[str, Protocol]
    techniques: Mapping[str, Technique]
    sequences: Mapping[str, Sequence]

    def protocol(self, protocol_id: str) -> Protocol:
        """The protocol with this id; KeyError if there is none."""
        return self.protocols[protocol_id]

    def conditions(self) -> tuple[Protocol, ...]:
        """The conditions a therapist can screen for and plan: every protocol, by title."""
        return tuple(sorted(self.protocols.values(), key=lambda p: (p.title.casefold(), p.id)))

    def case_facts(self) -> dict[str, tuple[CaseFact, ...]]:
        """Protocol id -> its case facts, by title: what screening knows about the conditions."""
        return {protocol.id: protocol.facts for protocol in self.conditions()}

    def technique(self, technique_id: str) -> Technique:
        """The technique with this id; KeyError if there is none."""
        return self.techniques[technique_id]

    def sequence(self, sequence_id: str) -> Sequence:
        """The sequence with this id; KeyError if there is none."""
        return self.sequences[sequence_id]

    def title_of(self, protocol_id: str | None, missing: str | None = None) -> str | None:
        """A protocol's title for people to read; ``missing`` when the library no longer has it."""
        protocol = self.protocols.get(protocol_id or "")
        return protocol.title if protocol is not None else missing

    def item(self, technique: str | None, sequence: str | None) -> Technique | Sequence | None:
        """What a plan item refers to: its technique, else its sequence; None when the library has neither."""
        return self.techniques.get(technique) if technique else self.sequences.get(sequence or "")

    def techniques_used(self, protocol: Protocol) -> tuple[str, ...]:
        """Ids of every technique a protocol uses, directly or inside a sequence, sorted."""
        used: set[str] = set()
        for stage in protocol.stages:
            for item in (*stage.clinic, *stage.home):
                if item.technique:
                    used.add(item.technique)
                elif item.sequence in self.sequences:
                    used.update(step.technique for step in self.sequences[item.sequence].steps)
        return tuple(sorted(used))

