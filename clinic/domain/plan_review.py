"""Differences between revisions, and when an approved plan needs review (CS-06, CS-11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from clinic.domain import bodymap
from clinic.domain.plan_formats import made_with_earlier_rules
from clinic.domain.protocol_model import CaseFact, HomeDose, Protocol
from clinic.domain.wording import describe_home_dose, format_day

# ---------------------------------------------------------------------------------------------
# Differences between revisions, and when an approved plan needs review
# ---------------------------------------------------------------------------------------------

_DOSE_WORDS = (
    ("repetitions", "{} times"),
    ("sets", "{} sets"),
    ("hold_seconds", "hold {} seconds"),
    ("minutes", "{} minutes"),
    ("times_per_day", "{} times a day"),
    ("pressure", "{} pressure"),
)


def _dose_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    for key, words in _DOSE_WORDS:
        if key not in old and key not in new:
            continue
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if a is None:
            out.append("added " + words.format(b))
        elif b is None:
            out.append("no more " + words.format(a))
        else:
            out.append(words.format(f"{a} → {b}"))
    return out


def _home_dose_words(dose: Mapping[str, Any]) -> str:
    try:
        return describe_home_dose(HomeDose(**dose))
    except TypeError:
        return str(dose)


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return f'"{text[:57]}…"' if len(text) > 60 else f'"{text}"'


def diff_plans(old_canonical: Mapping[str, Any], new_canonical: Mapping[str, Any], *,
               protocol: Protocol | None = None) -> list[str]:
    """What changed between two revisions, one readable line each ("Stage 2, Piano taps: 10 → 15 times"); case
    facts are named by ``protocol`` (the plan's protocol as loaded now) when given."""
    old, new = old_canonical.get("plan", {}), new_canonical.get("plan", {})
    out: list[str] = []
    if (old.get("protocol_id"), old.get("protocol_version"), old.get("content_hash")) != (
        new.get("protocol_id"), new.get("protocol_version"), new.get("content_hash")
    ):
        same = old.get("title") == new.get("title")
        out.append(
            f"Protocol: {old.get('title')} version {old.get('protocol_version')} → "
            + (f"version {new.get('protocol_version')}" if same else
               f"{new.get('title')} version {new.get('protocol_version')}")
            + (" (file changed)" if old.get("protocol_version") == new.get("protocol_version") else "")
        )
    facts = {f.name: f for f in protocol.facts} if protocol is not None else {}
    old_facts = {f["name"]: f for f in old.get("facts", [])}
    new_facts = {f["name"]: f for f in new.get("facts", [])}
    for name in sorted(set(old_facts) | set(new_facts)):
        a, b = old_facts.get(name), new_facts.get(name)
        if (a or {}).get("value") != (b or {}).get("value"):
            label = facts[name].words if name in facts else name.replace("_", " ").capitalize()
            out.append(f"{label}: {_fact_words(a, facts.get(name))} → {_fact_words(b, facts.get(name))}")
    old_stages = {s["id"]: s for s in old.get("stages", [])}
    new_stages = {s["id"]: s for s in new.get("stages", [])}
    for sid, stage in old_stages.items():
        if sid not in new_stages:
            out.append(f"Stage {stage['number']} ({stage['title']}) removed")
    for sid, stage in new_stages.items():
        label = f"Stage {stage['number']}"
        if sid not in old_stages:
            out.append(f"{label} ({stage['title']}) added")
            continue
        out += _stage_changes(label, old_stages[sid], stage)
    if old.get("current_stage") != new.get("current_stage"):
        out.append(f"Current stage: {_stage_words(old)} → {_stage_words(new)}")
    for key, label in (("avoid", "Do not massage"), ("precautions", "Precaution")):
        before = {line["rule_id"]: line for line in old.get(key, [])}
        after = {line["rule_id"]: line for line in new.get(key, [])}
        out += [f"{label} added: {after[r]['patient_text']}" for r in after if r not in before]
        out += [f"{label} removed: {before[r]['patient_text']}" for r in before if r not in after]
    for key, label in (("patient_notes", "Notes for the patient"), ("team_notes", "Notes for the team")):
        if old.get(key, "") != new.get(key, ""):
            out.append(f"{label}: {_short(old.get(key, ''))} → {_short(new.get(key, ''))}")
    for key, label in (("override", "Override"), ("clearance", "Clearance")):
        if old.get(key) != new.get(key):
            out.append(f"{label} {'recorded' if new.get(key) else 'removed'}"
                       + (f" by {new[key]['by']}" if new.get(key) else ""))
    if old.get("screening") != new.get("screening"):
        out.append(f"Screening: {_day_words(old.get('screening', {}).get('on_date'))} → "
                   f"{_day_words(new.get('screening', {}).get('on_date'))}")
    return out


def _fact_words(fact: Mapping[str, Any] | None, spec: CaseFact | None) -> str:
    """A stored case fact's value as people read it: a day in words, a choice by its label."""
    if fact is None or fact.get("value") in (None, ""):
        return "(none)"
    value = str(fact["value"])
    if fact.get("type") in ("date", "planned_date"):
        return _day_words(value)
    labels = {o.value: o.label for o in spec.options} if spec is not None else {}
    return labels.get(value) or value.replace("_", " ")


def _stage_words(plan: Mapping[str, Any]) -> str:
    """The plan's current stage as 'stage 2 (After the cast)', or 'none'."""
    for stage in plan.get("stages", []):
        if stage.get("id") == plan.get("current_stage"):
            return f"stage {stage['number']} ({stage['title']})"
    return "none"


def _stage_changes(label: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    if old["window"] != new["window"]:
        out.append(f"{label}, start: {old['window']} → {new['window']}")
    for key, kind, title in (("home", "home exercise", "title"), ("clinic", "technique", "name")):
        before = _keyed(old.get(key, []))
        after = _keyed(new.get(key, []))
        for k, item in before.items():
            if k not in after:
                out.append(f"{label}, removed {kind}: {item[title]}")
        for k, item in after.items():
            if k not in before:
                dose = _home_dose_words(item["dose"]) if key == "home" else ""
                out.append(f"{label}, added {kind}: {item[title]}" + (f" ({dose})" if dose else ""))
            elif before[k]["dose"] != item["dose"]:
                out.append(f"{label}, {item[title]}: {', '.join(_dose_changes(before[k]['dose'], item['dose']))}")
            if k in before and before[k].get("leave_out", []) != item.get("leave_out", []):
                out.append(f"{label}, {item[title]}: {_leave_out_change(item.get('leave_out', []))}")
    out += _lines_changed(f"{label}, take care", old.get("precautions", []), new.get("precautions", []))
    out += _lines_changed(f"{label}, stop sign", _signs(old), _signs(new))
    out += _lines_changed(f"{label}, move on when", old.get("move_on_when", []), new.get("move_on_when", []))
    old_removed = {(r["kind"], r["ref"]) for r in old.get("removed", [])}
    for removal in new.get("removed", []):
        if (removal["kind"], removal["ref"]) not in old_removed:
            out.append(f"{label}, left out: {removal['name']} ({removal.get('reason') or 'a screening finding'})")
    return out


def _lines_changed(label: str, before: list[Any], after: list[Any]) -> list[str]:
    """'Stage 1, take care added: …' / '… removed: …' for lines in one list and not the other."""
    old, new = [str(x) for x in before], [str(x) for x in after]
    return ([f"{label} added: {line}" for line in new if line not in old]
            + [f"{label} removed: {line}" for line in old if line not in new])


def _signs(stage: Mapping[str, Any]) -> list[str]:
    """Every stop-and-call sign of a stored stage, with what to do ('Go to A&E now: the cast feels too tight.')."""
    out = []
    for group in stage.get("stop_and_call", []) or []:
        if isinstance(group, Mapping):
            out += [f"{sign} ({group.get('action', '')})" for sign in group.get("signs", []) or []]
    return out


def _leave_out_change(codes: list[str]) -> str:
    """'now leaves out the right wrist' or 'no longer leaves anything out'."""
    places = [bodymap.Place(side, region) for side, _, region in (c.partition(":") for c in codes)
              if side in bodymap.SIDES and bodymap.is_region(region)]
    return f"now leaves out {bodymap.places_words(places)}" if places else "no longer leaves anything out"


def _keyed(items: list[Mapping[str, Any]]) -> dict[tuple[str, int], Mapping[str, Any]]:
    """Items keyed by (technique or sequence id, occurrence), so a repeated id still pairs up."""
    seen: dict[str, int] = {}
    out = {}
    for item in items:
        ref = item.get("technique") or item.get("sequence") or ""
        seen[ref] = seen.get(ref, 0) + 1
        out[(ref, seen[ref])] = item
    return out


def protocol_changed(approved_canonical: Mapping[str, Any], *, current_protocol_version: int | None,
                     current_content_hash: str | None, reviewed_against: Collection[tuple[int, str]] = ()) -> bool:
    """True when the protocol an approved plan was made with has changed since (CS-11) and no therapist has
    checked the plan against the protocol as it is now: ``reviewed_against`` holds the (version, file hash) pairs
    a therapist marked it "still correct" against, so such a mark lapses when the protocol changes again."""
    plan = approved_canonical.get("plan", {})
    if current_protocol_version is None or current_content_hash is None:
        return False  # gone from the library: nothing to check it against (needs_review says so)
    if (current_protocol_version, current_content_hash) in set(reviewed_against):
        return False
    return (plan.get("protocol_version"), plan.get("content_hash")) != (current_protocol_version,
                                                                        current_content_hash)


def needs_review(
    approved_canonical: Mapping[str, Any],
    *,
    screening_valid_until: dt.date | None,
    on_date: dt.date,
    clinical_changed_after_screening: bool,
    current_protocol_version: int | None,
    current_content_hash: str | None,
    protocol_title: str | None = None,
    reviewed_against: Collection[tuple[int, str]] = (),
) -> list[str]:
    """Why an approved plan must be reviewed (and its handout held back) today; empty when it need not (CS-06, CS-11).

    ``screening_valid_until`` is the last day the plan's screening counts (None: no valid screening);
    ``current_protocol_version``/``current_content_hash`` describe the protocol loaded now (None: gone), named
    ``protocol_title`` for people; ``reviewed_against`` as in ``protocol_changed``.
    """
    plan = approved_canonical.get("plan", {})
    title = protocol_title or plan.get("title") or "the protocol of this plan"
    reasons: list[str] = []
    screened = _day_words(plan.get("screening", {}).get("on_date"))
    if screening_valid_until is None:
        reasons.append("There is no valid screening for this plan; screen the patient again.")
    elif on_date > screening_valid_until:
        reasons.append(
            f"The screening of {screened} expired on {format_day(screening_valid_until)}; "
            f"screen the patient again and re-approve the plan."
        )
    if clinical_changed_after_screening:
        reasons.append(
            "The patient's history or medication changed after the screening; "
            "screen again and re-approve the plan."
        )
    version = plan.get("protocol_version")
    made = _day_words(plan.get("on_date"))
    if current_protocol_version is None:
        reasons.append(f"The protocol of this plan ({title}) is no longer in the library.")
    elif not protocol_changed(approved_canonical, current_protocol_version=current_protocol_version,
                              current_content_hash=current_content_hash, reviewed_against=reviewed_against):
        pass
    elif made_with_earlier_rules(approved_canonical):
        reasons.append(f"Made with the earlier plan rules on {made}; check it against today's rules.")
    elif current_protocol_version != version:
        reasons.append(
            f"The {title} protocol is now version {current_protocol_version}; this plan was made on {made} with "
            f"version {version}. Check it against the new version."
        )
    else:
        reasons.append(
            f"The {title} protocol (version {version}) has changed since this plan was made on {made}; "
            "check it against the protocol as it is now."
        )
    return reasons


def _day_words(value: Any) -> str:
    """An ISO day from the stored plan in words; what was stored when it is not a day."""
    try:
        return format_day(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)
