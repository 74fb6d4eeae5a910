"""A readable plain-text outline of a protocol, for ``clinic protocols show ID``."""

from __future__ import annotations

from clinic.domain.protocol_model import Library, Protocol
from clinic.domain.wording import describe_clinic_dose, describe_home_dose, describe_start_rule


def outline(protocol: Protocol, library: Library) -> str:
    """A readable plain-text outline of a protocol, for ``clinic protocols show ID``."""
    out: list[str] = [
        f"{protocol.title}",
        f"{protocol.id} version {protocol.version}  {protocol.content_hash}",
        f"File: {protocol.file}",
        f"For the patient: {protocol.patient_title}",
        "",
        protocol.condition,
        "",
        "Case facts:",
    ]
    for fact in protocol.facts:
        kind = fact.type + (f": {', '.join(fact.values)}" if fact.values else "")
        need = "required" if fact.required else "optional"
        out.append(f"  - {fact.name} ({kind}; {need}): {fact.question}")
    out += ["", "Sources:"]
    out += [f"  [{source.id}] {source.text}" for source in protocol.sources]
    for number, stage in enumerate(protocol.stages, start=1):
        out += [
            "",
            f"Stage {number}: {stage.title} ({stage.id})",
            f"  For the patient: {stage.patient_title}",
        ]
        if stage.only_if:
            limits = "; ".join(f"{name} is {' or '.join(values)}" for name, values in stage.only_if)
            out.append(f"  Only if: {limits}")
        out.append(f"  Starts: {describe_start_rule(stage.starts)}")
        out += _bullets("Goals", stage.goals)
        out.append(
            "  In the clinic:" if stage.clinic else "  In the clinic: nothing (no massage in this stage)"
        )
        for use in stage.clinic:
            found = library.item(use.technique, use.sequence)
            name = found.name if found is not None else use.ref
            out.append(
                f"    - {name} [{use.ref}] on {', '.join(use.regions)}: {describe_clinic_dose(use.dose)}"
            )
            if use.note:
                out.append(f"      {use.note}")
        out.append("  Home programme:" if stage.home else "  Home programme: nothing")
        for exercise in stage.home:
            out.append(
                f"    - {exercise.title} [{exercise.ref}, picture {exercise.illustration}]: "
                f"{describe_home_dose(exercise.dose)}"
            )
            out += [f"      {i}. {step}" for i, step in enumerate(exercise.steps, start=1)]
            if exercise.note:
                out.append(f"      Note: {exercise.note}")
        out += _bullets("Precautions", stage.precautions + tuple(
            f"{c.text} (only if {'; '.join(f'{n} is ' + ' or '.join(v) for n, v in c.only_if)})"
            for c in stage.conditional_precautions))
        for group in stage.stop_and_call:
            label = "Emergency" if group.emergency else "Stop and call"
            out.append(f"  {label}: {group.action}")
            out += [f"    - {sign}" for sign in group.signs]
        out += _bullets("Move on when", stage.move_on_when)
        out.append(f"  Sources: {', '.join(stage.sources)}")
    return "\n".join(out) + "\n"


def _bullets(label: str, items: tuple[str, ...]) -> list[str]:
    if not items:
        return []
    return [f"  {label}:"] + [f"    - {item}" for item in items]
