"""What the plan page shows beyond the draft itself: each finding once with the items it narrowed, and for a
revision held by a protocol change, what today's rules would change and the therapist's "still correct"."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clinic.domain import plan_filtering
from clinic.domain.planning import PlanDraft
from clinic.domain.protocols import Library
from clinic.domain.screening_rules import RuleSet
from clinic.models import Plan
from clinic.plans import operations as ops
from clinic.plans import reviews


def finding_values(draft: PlanDraft, rules: RuleSet) -> dict[str, Any]:
    """Each screening finding once, numbered and named in a few words with its place, and for a narrowed item the
    findings that narrowed it (a link to the finding, not its whole text again under every item)."""
    names = {r.id: r.name for r in rules.rules}
    findings = [(f"finding-{i}", plan_filtering.finding_words(line, names.get(line.rule_id, "")), line)
                for i, line in enumerate(draft.avoid, 1)]
    # the therapist's text without a first sentence that only says the name again ("Broken skin. No massage…")
    details = {anchor: _without_name(line.therapist_text, names.get(line.rule_id, "")) for anchor, _w, line in findings}

    def because_of(item, stage) -> list[tuple[str, str]]:
        hits = [(anchor, words) for anchor, words, line in findings if plan_filtering.narrowed_by(item, (line,))]
        if plan_filtering.narrowed_by(item, stage.protect):
            hits.append((f"stage-{stage.number}-injured", "the injured area in this stage"))
        return hits
    return {"findings": findings, "because_of": because_of, "finding_details": details}


def _without_name(text: str, name: str) -> str:
    first, dot, rest = text.partition(". ")
    return rest if dot and name and first.strip().rstrip(".").lower() == name.lower() else text


def held_values(db: Session, plan: Plan, state: ops.PlanState, library: Library) -> dict[str, Any]:
    """For a revision held because its protocol changed: what today's rules would change; and the therapist's
    "still correct" that lets it print, when there is one (issue 12, item 10)."""
    revision = state.revision
    held = revision is not None and bool(state.review) and reviews.held_by_protocol(db, revision, library=library)
    return {"held": held,
            "rules_preview": reviews.changes_under_current_rules(db, plan, revision, library=library)
            if held else None,
            "still_correct": reviews.current_review(db, revision, library=library) if revision else None}
