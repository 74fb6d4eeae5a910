"""Patient search: one box finds patients by name or record-number prefix (any order; case and accents ignored) and
birth date, in list order, a page at a time. Every road reads an index in the order the list shows, so a page
costs the same at 1,000 patients as at 1,000,000 (make bench). The words and their heads are written by
operations._index_terms whenever a name or record number changes."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from clinic.models import Clinic, Patient, PatientSearchHead, PatientSearchTerm, PatientStatus
from clinic.patients import fields as F

SORTS: dict[str, tuple] = {
    "name": (Patient.sort_name, Patient.id),
    "record": (Patient.record_number,),
    "birth": (Patient.birth_date, Patient.sort_name, Patient.id),
    "updated": (Patient.updated_at, Patient.id),
}
PER_PAGE = 25
COUNT_CAP = 500
# Up to this many matching words, the matches are sorted from the word index (sort name beside each word); with
# more, walking the name index in order finds a page of matches within a few thousand steps even at 1,000,000.
DENSE_MATCHES = 2_000
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


@dataclass(frozen=True)
class SearchResult:
    """One page of patients and how many there are in all."""

    patients: list[Patient]
    total: int | None  # at most COUNT_CAP + 1, None when many match; ``capped`` says there are more
    page: int
    pages: int | None  # None when there are more than COUNT_CAP
    problem: str = ""
    has_next: bool = False
    capped: bool = False


def parse_query(query: str) -> tuple[list[str], list[dt.date], str]:
    """Split the search box into name/record words and birth dates (ISO or dd/mm/yyyy); a date-like word
    that is no date gives a problem message."""
    terms: list[str] = []
    dates: list[dt.date] = []
    for token in query.split()[:8]:
        iso, dmy = _ISO.match(token), _DMY.match(token)
        if iso or dmy:
            year, month, day = (int(x) for x in (iso.groups() if iso else dmy.groups()[::-1]))
            try:
                dates.append(dt.date(year, month, day))
            except ValueError:
                return [], [], f"{token} is not a date. Write a birth date as 1984-03-27 or 27/03/1984."
            continue
        key = F.search_key(token)
        if key:
            terms.append(key)
    return terms, dates, ""


def _after_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (binary order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _scope(clinic_id: int, statuses: list[str], steer: str) -> list:
    """The clinic and status filters. SQLite plans without statistics (unless someone runs ANALYZE) and
    prefers the index that also gives the order, so for SQLite they are written to leave one usable
    index: ``words`` (only the search-word index), ``date`` (clinic, birth date) or ``walk`` (clinic,
    status, name). PostgreSQL plans from statistics: it gets them plain (wrapping would blind it)."""
    clinic_column = func.coalesce(Patient.clinic_id, 0) if steer == "words" else Patient.clinic_id
    status_column = func.coalesce(Patient.status, "") if steer in ("words", "date") else Patient.status
    return [clinic_column == clinic_id, status_column.in_(statuses)]


def search_patients(
    db: Session, clinic_id: int, query: str = "", *, include_archived: bool = False, restricted: bool = False,
    sort: str = "name", page: int = 1, per_page: int = PER_PAGE,
) -> SearchResult:
    """Patients of the clinic matching every word of ``query`` (a name or record-number prefix, any order;
    accents and case ignored) and every birth date in it. Archived ones only when asked for; restricted
    ones only in their own list (``restricted=True``)."""
    terms, dates, problem = parse_query(query)
    if problem:
        return SearchResult([], 0, 1, 1, problem)
    if restricted:
        statuses = [PatientStatus.RESTRICTED.value]
    elif include_archived:
        statuses = [PatientStatus.ACTIVE.value, PatientStatus.ARCHIVED.value]
    else:
        statuses = [PatientStatus.ACTIVE.value]
    dated = [Patient.birth_date == day for day in dates]
    filters = dated + [_has_word(clinic_id, term) for term in terms]
    descending = sort.startswith("-")
    by_name = sort.lstrip("-") == "name" or sort.lstrip("-") not in SORTS
    columns = SORTS.get(sort.lstrip("-"), SORTS["name"])
    page = max(1, page)
    listing = not (terms or dates)
    # The word with the fewest matches leads (the longest of equals), counted in the word index alone up to
    # DENSE_MATCHES + 1: "Smith Ingrid" reads the few Ingrids, not every Smith. With many matches even for the leading
    # word the exact count is skipped: "many" is enough.
    counts = {term: _words_matching(db, clinic_id, term) for term in dict.fromkeys(terms)}
    leading = min(counts, key=lambda term: (counts[term], -len(term))) if terms else ""
    many = listing or (bool(terms) and counts[leading] > DENSE_MATCHES)
    # Which index SQLite is left (see _scope): the words' or the birth dates' when given; the list alone is walked.
    sqlite = db.get_bind().dialect.name == "sqlite"
    steer = ("words" if terms else "date" if dates else "walk") if sqlite else "none"
    scope = _scope(clinic_id, statuses, steer)
    total: int | None = None
    if listing or not many:
        # Count at most COUNT_CAP + 1: "more than 500" is all a person needs, and it stays cheap at 100,000.
        matching = select(Patient.id).where(*scope, *filters)
        total = db.scalar(select(func.count()).select_from(matching.limit(COUNT_CAP + 1).subquery())) or 0
        if total <= COUNT_CAP:
            page = min(page, max(1, math.ceil(total / per_page)))
    if terms and not many and by_name:
        # Up to DENSE_MATCHES: the matches of the leading word in list order from the word index alone (the
        # sort name is beside each word), then the page's patients by id, checked against the other filters.
        words = select(PatientSearchTerm.patient_id, PatientSearchTerm.sort_name).where(
            *_word_range(clinic_id, leading)).distinct().subquery()
        order = [c.desc() if descending else c.asc() for c in (words.c.sort_name, words.c.patient_id)]
        others = dated + [_has_word(clinic_id, term) for term in terms if term != leading]
        query = select(Patient).join(words, words.c.patient_id == Patient.id).where(*scope, *others).order_by(*order)
    elif terms and many and by_name:
        # Many matches, by name: the leading word's matches come from an index already in list order, so nothing is
        # sorted and no run of non-matching patients is fetched. A word of up to three letters is a head: its
        # patients, each once, under it. A longer one reads the words under its first three letters in list order
        # and keeps, inside the index, those it starts; a patient counts once, at the first such word.
        if len(leading) <= F.HEAD:
            walked = (PatientSearchHead.sort_name, PatientSearchHead.patient_id)
            query = select(Patient).join(PatientSearchHead, PatientSearchHead.patient_id == Patient.id).where(
                PatientSearchHead.clinic_id == clinic_id, PatientSearchHead.head == leading)
        else:
            word, earlier = PatientSearchTerm, aliased(PatientSearchTerm)
            walked = (word.sort_name, word.patient_id)
            first = ~exists().where(earlier.patient_id == word.patient_id, earlier.term >= leading,
                                    earlier.term < word.term)
            # The word's start compared whole, not as a range: a range would let PostgreSQL, whose statistics
            # rarely see how many words a long prefix starts, fetch and sort them all from the word index instead.
            starts = func.substr(word.term, 1, len(leading)) == leading
            query = select(Patient).join(word, word.patient_id == Patient.id).where(
                word.clinic_id == clinic_id, word.head == leading[:F.HEAD], starts, first)
        others = dated + [_has_word(clinic_id, term, correlated=True) for term in terms if term != leading]
        order = [c.desc() if descending else c.asc() for c in walked]
        query = query.where(*scope, *others).order_by(*order)
    else:
        if many and terms:
            # Many matches in another order: walk the list in that order and probe each patient's words (a
            # correlated EXISTS on the word table's key), instead of first collecting every match.
            filters = dated + [_has_word(clinic_id, term, correlated=True) for term in terms]
        if steer in ("words", "date"):
            # Sort the few matches; wrapped, so SQLite does not walk the whole name index in order instead.
            columns = tuple(func.coalesce(c, c) for c in columns)
        order = [c.desc() if descending else c.asc() for c in columns]
        query = select(Patient).where(*scope, *filters).order_by(*order)
    rows = list(db.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)))
    has_next = len(rows) > per_page
    if total is None and page == 1 and not has_next:
        total = len(rows)  # many words matched, but few patients in this list (e.g. the rest archived)
    capped = total is None or total > COUNT_CAP
    pages = None if capped else math.ceil(total / per_page)
    return SearchResult(rows[:per_page], total, page, pages, has_next=has_next, capped=capped)


def _word_range(clinic_id: int, term: str) -> list:
    """The word index range of the clinic's words starting with ``term``."""
    return [PatientSearchTerm.clinic_id == clinic_id, PatientSearchTerm.term >= term,
            PatientSearchTerm.term < _after_prefix(term)]


def _has_word(clinic_id: int, term: str, *, correlated: bool = False):
    """The patient has a word starting with ``term``: one of the collected matches, or (``correlated``) a
    probe of this patient's own words by the word table's key (patient, word)."""
    if correlated:
        # By the key (patient, word) alone: with the clinic named too, SQLite (no statistics) probed the clinic's
        # word index instead, reading every word with the prefix for each patient walked (1.4 s for "s" at
        # 100,000 patients). The outer query keeps the clinic.
        own = aliased(PatientSearchTerm)  # its own name: the walk may read the word table too
        return exists().where(own.patient_id == Patient.id, own.term >= term, own.term < _after_prefix(term))
    return Patient.id.in_(select(PatientSearchTerm.patient_id).where(*_word_range(clinic_id, term)))


def _words_matching(db: Session, clinic_id: int, term: str) -> int:
    """How many search words of the clinic start with ``term``, counted up to DENSE_MATCHES + 1 (index only)."""
    words = select(PatientSearchTerm.patient_id).where(*_word_range(clinic_id, term)).limit(DENSE_MATCHES + 1)
    return db.scalar(select(func.count()).select_from(words.subquery())) or 0


def find_by_record_number(db: Session, record_number: str, clinic_name: str | None = None) -> list[Patient]:
    """Patients with this record number (in the named clinic when given)."""
    query = select(Patient).where(Patient.record_number == record_number)
    if clinic_name:
        query = query.join(Clinic, Clinic.id == Patient.clinic_id).where(Clinic.name == clinic_name)
    return list(db.scalars(query))


