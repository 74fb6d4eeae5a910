"""What a patient record holds, grouped by who may see it, and the one text normaliser search uses.

The history fact keys are the ones screening reads (``clinic.domain.screening_rules.RECORD_FIELDS``); the
answers are the screening answers: ``yes``, ``no``, ``not_known``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class HistoryFact:
    """A structured history question; ``alert`` is the banner text shown when the answer is yes."""

    key: str
    label: str
    alert: str


HISTORY_FACTS: tuple[HistoryFact, ...] = (
    HistoryFact("blood_thinners", "Takes blood thinners or has a bleeding disorder", "Blood thinners / bleeding"),
    HistoryFact("diabetes", "Diabetes", "Diabetes"),
    HistoryFact("heart_disease", "Heart disease", "Heart disease"),
    HistoryFact("high_blood_pressure", "High blood pressure", "High blood pressure"),
    HistoryFact("low_blood_pressure", "Low blood pressure", "Low blood pressure"),
    HistoryFact("osteoporosis", "Osteoporosis", "Osteoporosis"),
    HistoryFact("cancer", "Cancer, now or under treatment", "Cancer"),
    HistoryFact("pregnancy", "Pregnant", "Pregnant"),
    HistoryFact("reduced_sensation", "Reduced sensation in the hand or arm", "Reduced sensation"),
    HistoryFact("oil_allergy", "Allergy to massage oils or creams", "Oil/cream allergy"),
)
FACT_KEYS: tuple[str, ...] = tuple(f.key for f in HISTORY_FACTS)
ANSWERS: dict[str, str] = {"yes": "Yes", "no": "No", "not_known": "Not known"}

DOMINANT_HANDS: dict[str, str] = {"right": "Right", "left": "Left", "both": "Both (ambidextrous)",
                                  "not_known": "Not known"}
NAME_ORDER_WORDS: dict[str, str] = {"given_first": "Given names first", "family_first": "Family name first"}
NAME_ORDERS: dict[str, str] = {"given_first": "Given names first, like Anna Smith",  # the form's choices
                               "family_first": "Family name first, like 王秀英 or Nagy Anna"}
SEXES: dict[str, str] = {"": "Not stated", "female": "Female", "male": "Male", "other": "Other"}
YES_NO: dict[str, str] = {"yes": "Yes", "no": "No"}
STATUS_WORDS: dict[str, str] = {"active": "In use", "archived": "Archived", "restricted": "Restricted"}
DATE_FIELDS = frozenset({"birth_date", "consent_treatment_on", "consent_data_on"})

# Who sees what. Reception sees identity and contact details and edits contact details only.
IDENTITY_FIELDS = ("record_number", "family_name", "given_names", "name_order", "birth_date", "sex", "dominant_hand")
CONTACT_FIELDS = ("phone", "email", "address", "emergency_contact")
CLINICAL_FIELDS = (
    "occupation", "referring_doctor", *(f"history_facts.{k}" for k in FACT_KEYS), "history_notes", "medications",
    "consent_treatment", "consent_treatment_on", "consent_data", "consent_data_on",
)
# A change to any of these makes screenings and plans stale (Patient.clinical_changed_at).
STALE_FIELDS = frozenset({*(f"history_facts.{k}" for k in FACT_KEYS), "history_notes", "medications"})

LABELS: dict[str, str] = {
    "record_number": "Record number",
    "family_name": "Family name",
    "given_names": "Given names",
    "name_order": "Name order",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "dominant_hand": "Dominant hand",
    "phone": "Phone",
    "email": "Email",
    "address": "Address",
    "emergency_contact": "Emergency contact",
    "occupation": "Occupation",
    "referring_doctor": "Referring doctor",
    "history_notes": "Other history",
    "medications": "Medications",
    "consent_treatment": "Consent to treatment",
    "consent_treatment_on": "Consent to treatment given on",
    "consent_data": "Consent to data processing",
    "consent_data_on": "Consent to data processing given on",
    "status": "Status",
    "retention_hold": "Retention hold",
    **{f"history_facts.{f.key}": f.label for f in HISTORY_FACTS},
}


def is_clinical(field: str) -> bool:
    """True for fields reception never sees."""
    return field in CLINICAL_FIELDS


# Letters that do not decompose into a base letter plus accents.
_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case and without accents, for search and sorting: "Zoë Ångström" -> "zoe angstrom"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPECIAL)


_WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W+")
MAX_TERM = 100


def search_key(token: str) -> str:
    """One typed search word as it is matched: folded, punctuation removed ("O'Brien" -> "obrien")."""
    return _NON_WORD.sub("", fold(token))[:MAX_TERM]


# Scripts whose names are written without a space between family and given name: Chinese, Japanese, Korean.
_UNSPACED = re.compile(r"^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f]+$")


def full_name(family_name: str, given_names: str, name_order: str = "given_first") -> str:
    """The name as the patient writes it: "Anna Smith", "Nagy Anna", or "王秀英" (no space in CJK)."""
    family, given = family_name.strip(), given_names.strip()
    first, second = (family, given) if name_order == "family_first" else (given, family)
    joiner = "" if _UNSPACED.match(first) and _UNSPACED.match(second) else " "
    return joiner.join(part for part in (first, second) if part)


def name_joiner(family_name: str, given_names: str) -> str:
    """What goes between the two names written family first: nothing in CJK, else a space."""
    return "" if _UNSPACED.match(family_name.strip()) and _UNSPACED.match(given_names.strip()) else " "


def search_terms(family_name: str, given_names: str, record_number: str) -> set[str]:
    """The words a patient is found by: each name word, each name without punctuation, the whole name run
    together in either order (so "王秀英" typed whole finds 王 秀英), the record number without punctuation
    and its number part (so "123" finds P-000123)."""
    terms: set[str] = set()
    for name in (family_name, given_names):
        terms.update(w[:MAX_TERM] for w in _WORD.findall(fold(name)))
        joined = search_key(name)
        if joined:
            terms.add(joined)
    for whole in (family_name + given_names, given_names + family_name):
        joined = search_key(whole)
        if joined:
            terms.add(joined)
    record = search_key(record_number)
    if record:
        terms.add(record)
        digits = re.search(r"\d+$", record)
        if digits:
            terms.add(digits.group())
            if digits.group().lstrip("0"):
                terms.add(digits.group().lstrip("0"))
    return terms


# A search word's first letters kept as heads (``search_heads``): up to three, so every prefix a person types is
# either a head or starts with one.
HEAD = 3


def search_heads(terms: set[str]) -> set[str]:
    """The first one, two and three letters of each search word: "smith" gives s, sm and smi."""
    return {term[:n] for term in terms for n in range(1, HEAD + 1)}


def sort_name(family_name: str, given_names: str) -> str:
    """The value the list sorts names by."""
    return f"{fold(family_name).strip()} {fold(given_names).strip()}"[:201]
