"""Patient search takes one of two roads by how many words match (clinic.patients.operations.DENSE_MATCHES):
the matches in list order from the word index, or a walk of the name index probing each patient's words.
A person searching must not be able to tell which: the same patients, in the same order, on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Clinic, User
from clinic.patients import operations as ops

NAMES = [("Smith", "Anna"), ("Smith-García", "José"), ("Smithers", "Zoë"), ("Schmidt", "Anna"), ("Ångström", "Sam"),
         ("Smyth", "Anne"), ("O'Smith", "Lee"), ("Silva", "Smitha"), ("Smith", "Ángel"), ("Smíth", "Bo")]


@pytest.fixture
def clinic_id(app, make_user, make_patient):
    user_id, _ = make_user("therapist")
    for n in range(60):
        family, given = NAMES[n % len(NAMES)]
        make_patient(family_name=f"{family}{'' if n < 10 else n}", given_names=given,
                     birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=97 * n))
    with app.app_context():
        return db.session.get(User, user_id).clinic_id


@pytest.mark.parametrize("query", ["smith", "smi", "s", "anna", "smith anna", "angstrom", "smith 1950-01-01", "zz"])
@pytest.mark.parametrize("sort", ["name", "-name"])
def test_both_roads_find_the_same_patients_in_the_same_order(app, clinic_id, monkeypatch, query, sort):
    def every_page(dense_above: int) -> list[list[int]]:
        """Each page of 7 up to the last (a page past the last is clamped only when the count is known)."""
        monkeypatch.setattr(ops, "DENSE_MATCHES", dense_above)
        pages = []
        with app.app_context():
            assert db.session.scalar(select(Clinic.id).where(Clinic.id == clinic_id)) == clinic_id
            for page in range(1, 11):
                result = ops.search_patients(db.session, clinic_id, query, sort=sort, page=page, per_page=7)
                pages.append([p.id for p in result.patients])
                if not result.has_next:
                    break
        return pages

    indexed, walked = every_page(10_000), every_page(0)
    assert indexed == walked
    if query not in ("zz",):
        assert indexed[0], query  # something was found, so the comparison means something
