"""No shipped text claims an effect on an internal organ, a cure or reflexology (CLINICAL.md section 1).

The seed articles make such claims; protocol files, handout templates and their help pages must not
repeat them. The list below is broad on purpose; the planted-claim table proves it can fail, and the
allowed-sentence table proves it does not catch the ordinary wording of a hand-therapy plan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FOLDERS = [ROOT / "protocols", ROOT / "templates"]
TEXT_SUFFIXES = {".yaml", ".yml", ".md", ".html", ".txt", ".css", ".svg", ".json"}

FORBIDDEN = [
    # cures and healing the body
    r"\bcur(e|es|ed|ing)\b",
    r"\bheals? (the|your|all|any|many)\b",
    r"\bhealing (power|energy|system)\b",
    r"\bpanacea\b",
    r"\bmiracle\b",
    # internal organs and diseases the articles link to fingers and points
    r"\borgans?\b",
    r"\bliver\b",
    r"\bkidneys?\b",
    r"\blungs?\b",
    r"\bbronch\w*",
    r"\bstomach\b",
    r"\bintestin\w*",
    r"\bdigesti\w*",
    r"\bgastro\w*",
    r"\bgall ?bladder\b",
    r"\basthma\b",
    r"\bconstipation\b",
    r"\bpneumonia\b",
    r"\btonsillitis\b",
    r"\bsinusitis\b",
    r"\btoothache\b",
    r"\bpalpitations?\b",
    r"\bdepress(ion|ive|ed)\b",
    r"\bimmun(e|ity)\b",
    r"\bspeech cent(re|er)s?\b",
    # "treated hypertension" is a screening precaution; "X treats / lowers blood pressure" is a claim
    r"\b(hypertension|blood pressure)\b[^.]{0,40}\b(treated|cured|lowered|normali[sz]ed) by\b",
    r"\b(treats|treating|cures|curing|lowers|lowering|normali[sz]es|normali[sz]ing|reduces|reducing)\b"
    r"[^.]{0,30}\b(hypertension|blood pressure)\b",
    # reflexology, energy and point systems
    r"\benerg(y|ies|etic)\b",
    r"\breflex (zones?|points?)\b",
    r"\breflexolog\w*",
    r"\bsu-?jok\b",
    r"\bseed therapy\b",
    r"\bacupress\w*",
    r"\bacupunct\w*",
    r"\bbiologically active points?\b",
    r"\bactive points?\b",
    r"\btibetan\b",
    r"\bsolar plexus\b",
    # the percussion claims
    r"\bsalt deposits?\b",
    r"\bosteophytes?\b",
    r"\b(remov|destroy|dissolv|break)\w* (the |your |any )?(bony )?(growths?|spurs?|deposits?)\b",
]
PATTERN = re.compile("|".join(f"(?:{p})" for p in FORBIDDEN), re.IGNORECASE)


def find_claims(text: str) -> list[str]:
    """Every forbidden word or phrase in the text, as written."""
    return [match.group(0) for match in PATTERN.finditer(text)]


def shipped_files() -> list[Path]:
    """Every text file under protocols/ and templates/ (the ones that exist)."""
    return sorted(
        path
        for folder in SHIPPED_FOLDERS
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in TEXT_SUFFIXES
    )


def test_there_are_shipped_files_to_check():
    names = {path.name for path in shipped_files()}
    assert {"techniques.yaml", "stroke.yaml", "fracture.yaml", "bruise.yaml"} <= names


@pytest.mark.parametrize("path", shipped_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_shipped_file_makes_no_organ_cure_or_reflexology_claim(path):
    found = [
        f"line {number}: {claim!r}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for claim in find_claims(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "planted",
    [
        "Massaging the thumb helps asthma and coughing.",
        "Rubbing the little finger gets rid of constipation.",
        "Each finger is connected to an organ.",
        "This massage cures arthritis.",
        "Massage heals the whole body.",
        "Tapping destroys salt deposits in the joints.",
        "Percussion removes bony growths.",
        "It helps get rid of osteophytes.",
        "The energy of the seeds passes into the hand.",
        "Press the reflex zone for the liver.",
        "Hand massage normalises blood pressure.",
        "Hypertension is treated by pressing the ring finger.",
        "It lifts depression and strengthens the immune system.",
        "Massage the hands to restore the speech centres.",
        "Su-jok points on the palm.",
    ],
)
def test_guard_catches_a_planted_claim(tmp_path, planted):
    assert find_claims(planted)


@pytest.mark.parametrize(
    "allowed",
    [
        "Stroke your arm lightly toward your elbow, toward the heart.",
        "A sudden, very bad headache.",
        "Secure the splint as your doctor showed you.",
        "A doctor has confirmed that the bone has healed.",
        "Many patients take blood thinners. Keep pressure light.",
        "Treated high blood pressure is a precaution: shorter sessions.",
        "Your hand should be higher than your heart.",
        "Bony growths at the joint edges cause stiffness.",
    ],
)
def test_guard_lets_ordinary_plan_wording_through(allowed):
    assert find_claims(allowed) == []
