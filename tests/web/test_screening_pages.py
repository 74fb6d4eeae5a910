"""Screening through the web: the generated form, every decision, pre-fill from the record, CS-02 overrides,
CS-04 missing facts, staleness, clearances, AUD-01 rows and SEC-03."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import AuditEvent, Clearance, Patient, Screening, ScreeningOverride, User
from clinic.patients import operations as patient_ops
from clinic.screening import operations as ops
from tests.conftest import PASSWORD
from tests.helpers.pages import text_of
from tests.helpers.screening import BRUISE_FACTS, form_data, override_data, question_ids, screen_url, screenings


def post_screening(browser, app, pid, condition=None, **kw):
    return browser.post(screen_url(pid, condition), data=form_data(app, condition, **kw))


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.fixture
def therapist(make_user, login):
    return login(make_user("therapist")[1])


@pytest.fixture
def patient(make_patient):
    return make_patient()


def text_html(browser, row) -> str:
    return browser.get(f"/screenings/{row.id}").get_data(as_text=True)


def staff_full_name(app, email: str) -> str:
    with app.app_context():
        return db.session.scalars(select(User.full_name).where(User.email == email)).one()


def screened(browser, app, pid, condition=None, **kw):
    """Screen and follow to the result page; (screening row, result page text)."""
    response = post_screening(browser, app, pid, condition, **kw)
    assert response.status_code == 302, text_of(response)[:2000]
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    return screenings(app)[-1], text_of(page)


# ------------------------------------------------------------------------------------ the decisions


def test_every_answer_no_gives_a_clear_result_with_who_when_version_and_validity(app, therapist, patient):
    row, page = screened(therapist, app, patient)
    assert row.decision == "clear" and row.condition is None
    assert row.rules_version == app.extensions["clinic.screening_rules"].version
    assert row.screened_by == therapist.email and row.screened_by_id is not None
    assert row.on_date == dt.date(2026, 3, 2) and row.valid_until == dt.date(2026, 4, 1)
    assert set(row.answers) == set(question_ids(app)) and row.result["decision"] == "clear"
    assert "NO CONTRAINDICATION FOUND" in page and "✔" in page
    # Changed on purpose: people are shown by name, never by their login e-mail (issue 12 item 6).
    name = staff_full_name(app, therapist.email)
    assert "Valid until 1 April 2026" in page and f"Screened by {name} on 2 March 2026" in page
    assert therapist.email not in page
    assert f"rules version {row.rules_version}" in page
    assert audit_count(app, "screen") == 1


def test_an_open_wound_on_the_left_wrist_gives_treat_avoiding_the_left_wrist(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"open_wound": "yes", "open_wound_regions": "wrist",
                                                           "open_wound_side": "left",
                                                           "open_wound_detail": "graze, 2 cm"})
    assert row.decision == "local"
    assert row.answers["open_wound"] == {"answer": "yes", "regions": ["wrist"], "side": "left",
                                         "detail": "graze, 2 cm"}
    assert "TREAT, AVOIDING THE LEFT WRIST" in page and "Avoid these areas" in page and "graze, 2 cm" in page


def test_diabetes_gives_treat_with_precautions_naming_the_change(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"diabetes": "yes"})
    assert row.decision == "caution"
    assert "TREAT WITH PRECAUTIONS" in page and "Change how you treat" in page
    assert row.result["findings"][0]["therapist_text"] in page


def test_suspected_malignancy_needs_a_doctors_clearance(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"suspected_malignancy": "yes"})
    assert row.decision == "refer"
    assert "NEEDS A DOCTOR’S CLEARANCE" in page and "Record the doctor’s clearance" in page


def test_a_fever_defers_treatment_and_offers_an_override_to_therapists(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"fever": "yes"})
    assert row.decision == "defer"
    assert "DO NOT TREAT TODAY" in page and "✖" in page and "Override" in page


def test_a_not_known_answer_gives_not_finished_naming_the_question(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"pregnancy": "not_known"})
    assert row.decision == "incomplete"
    assert "NOT FINISHED" in page and "Answered “not known”" in page
    assert "pregnant" in page.lower()


def test_a_fresh_bruise_protects_the_bruise_only_and_says_from_which_day_massage_may_start(app, therapist, patient):
    """Changed on purpose: the bruise gate is local (CLINICAL.md §2), never a whole-person deferral."""
    row, page = screened(therapist, app, patient, "bruise", facts={**BRUISE_FACTS, "fact_injury_date": "2026-03-01"})
    assert row.decision == "local" and row.facts["injury_date"] == "2026-03-01"
    assert "TREAT, AVOIDING THE LEFT WRIST" in page and "Not before 3 March 2026" in page
    assert "✔ Valid until" in page


def test_a_refer_heads_the_result_over_a_date_and_the_date_is_only_secondary(app, therapist, patient):
    facts = {**BRUISE_FACTS, "fact_injury_date": "2026-03-01", "fact_vessel_or_muscle_damage": "yes"}
    row, page = screened(therapist, app, patient, "bruise", facts=facts)
    assert row.decision == "refer"
    assert re.search(r"<h1[^>]*>.*NEEDS A DOCTOR’S CLEARANCE.*</h1>", text_html(therapist, row), re.S)
    assert "MASSAGE MAY START" not in page and "Valid until" not in page
    assert "Does not allow treatment" in page


def test_a_not_finished_result_never_shows_valid(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"pregnancy": "not_known"})
    assert "NOT FINISHED" in page and "Valid until" not in page and "Does not allow treatment" in page


def test_a_date_is_the_headline_when_a_date_is_all_that_blocks(app, therapist, patient):
    facts = {"fact_stroke_date": "2026-02-27", "fact_stroke_type": "haemorrhagic", "fact_affected_side": "left",
             "fact_medically_stable_date": "2026-02-28", "fact_cleared_by": "Dr Ray, stroke unit"}
    row, page = screened(therapist, app, patient, "stroke", facts=facts)
    assert row.decision == "defer"
    assert "MASSAGE MAY START FROM 6 MARCH 2026" in page and "Does not allow treatment" in page


def test_an_urgent_refer_says_a_and_e_today_and_offers_no_override_or_clearance(app, therapist, patient):
    row, page = screened(therapist, app, patient, answers={"suspected_blood_clot": "yes", "fever": "yes"})
    assert row.decision == "refer" and row.result["urgent"] is True
    assert "SEND TO A&amp;E OR THE DOCTOR TODAY" in text_html(therapist, row) and "cannot be overridden" in page
    assert "Override…" not in page and "Record the doctor’s clearance" not in page
    for url in (f"/screenings/{row.id}/override", f"/screenings/{row.id}/clearance"):
        assert therapist.get(url).status_code == 302
        posted = therapist.post(url, data={"rule_ids": "fever", "reason": "Patient feels well and wants her session.",
                                           "rule_id": "suspected_blood_clot", "cleared_by": "Dr X",
                                           "cleared_on": "2026-03-02", "note": "fine"})
        assert posted.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScreeningOverride)) == 0
        assert db.session.scalar(select(func.count()).select_from(Clearance)) == 0


def test_the_form_lists_case_facts_first_then_the_groups(app, therapist, patient):
    page = therapist.get(screen_url(patient, "bruise")).get_data(as_text=True)
    order = [page.index(s) for s in ("When did the injury happen?", "General health", "Skin",
                                     "Heart and circulation", "The condition")]
    assert order == sorted(order)
    assert 'name="q_open_wound_regions"' in page and 'name="q_open_wound_side"' in page
    assert 'name="q_fever_regions"' not in page


def test_reception_can_neither_screen_nor_see_a_screening(app, make_user, login, therapist, patient):
    row, _ = screened(therapist, app, patient)
    desk = login(make_user("reception")[1])
    assert desk.get(screen_url(patient)).status_code == 403
    assert desk.post(screen_url(patient), data=form_data(app)).status_code == 403
    assert desk.get(f"/screenings/{row.id}").status_code == 403
    assert "/screen" not in desk.get(f"/patients/{patient}").get_data(as_text=True)
    assert len(screenings(app)) == 1


def test_the_patient_page_has_a_screen_button_and_the_latest_result(app, therapist, patient):
    page = therapist.get(f"/patients/{patient}").get_data(as_text=True)
    assert f"/patients/{patient}/screen" in page and "Not screened yet" in page
    screened(therapist, app, patient, answers={"fever": "yes"})
    page = text_of(therapist.get(f"/patients/{patient}"))
    assert "DO NOT TREAT TODAY" in page and "Screening (general): DO NOT TREAT TODAY" in page


# ----------------------------------------------------------------------------------- pre-fill


def test_answers_the_record_holds_are_prefilled_marked_and_must_be_confirmed(app, make_patient, therapist):
    pid = make_patient(**{"history_facts.diabetes": "yes", "history_facts.blood_thinners": "no"})
    page = therapist.get(screen_url(pid)).get_data(as_text=True)
    assert re.search(r'id="q_diabetes-0"[^>]*checked|checked[^>]*id="q_diabetes-0"', page)
    assert re.search(r'id="q_blood_thinners-1"[^>]*checked|checked[^>]*id="q_blood_thinners-1"', page)
    assert page.count("tag-record") == 2 and "I have checked the answers" in page
    data = form_data(app, answers={"diabetes": "yes"})
    del data["confirm_prefilled"]
    response = therapist.post(screen_url(pid), data=data)
    assert response.status_code == 400 and "Check the pre-filled answers with the patient" in text_of(response)
    assert screenings(app) == []
    row, page = screened(therapist, app, pid, answers={"diabetes": "yes"})
    assert row.decision == "caution"


def test_a_record_without_history_answers_needs_no_confirmation(app, therapist, patient):
    page = therapist.get(screen_url(patient)).get_data(as_text=True)
    assert "From the record" not in page and "I have checked the answers" not in page


# ----------------------------------------------------------------------------------------- CS-04


def test_cs04_missing_case_facts_are_named_and_saving_unfinished_gives_incomplete_never_clear(
        app, therapist, patient):
    facts = {k: v for k, v in BRUISE_FACTS.items() if k != "fact_injury_date"}
    data = form_data(app, "bruise", facts=facts, q_fever_detail="typed and kept")
    response = therapist.post(screen_url(patient, "bruise"), data=data)
    body = text_of(response)
    assert response.status_code == 400 and "Needed: When did the injury happen?" in body
    assert 'value="typed and kept"' in response.get_data(as_text=True)
    assert screenings(app) == []
    data = form_data(app, "bruise", facts=facts, unfinished="Save as not finished")
    del data["submit"]
    response = therapist.post(screen_url(patient, "bruise"), data=data)
    assert response.status_code == 302
    row = screenings(app)[-1]
    assert row.decision == "incomplete" and row.result["missing_facts"] == ["injury_date"]
    assert "Case fact missing: When did the injury happen?" in text_of(therapist.get(response.headers["Location"]))


def test_cs04_unanswered_questions_are_named_and_never_clear(app, therapist, patient):
    data = form_data(app)
    del data["q_fever"]
    response = therapist.post(screen_url(patient), data=data)
    assert response.status_code == 400 and "Choose yes, no or not known" in text_of(response)
    data["unfinished"] = "Save as not finished"
    del data["submit"]
    assert therapist.post(screen_url(patient), data=data).status_code == 302
    row = screenings(app)[-1]
    assert row.decision == "incomplete" and row.result["unanswered"] == ["fever"]


@pytest.mark.parametrize(("value", "message"), [
    ("2026-02-30", "Enter the date as a real date"),
    ("soon", "Enter the date as a real date"),
    ("2026-03-09", "This date is after today"),
])
def test_cs04_an_impossible_date_is_named_next_to_its_field_and_nothing_typed_is_lost(
        app, therapist, patient, value, message):
    data = form_data(app, "bruise", facts={**BRUISE_FACTS, "fact_injury_date": value}, q_open_wound_detail="kept")
    response = therapist.post(screen_url(patient, "bruise"), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert html.index(message, html.index('id="fact_injury_date-error-1"')) > 0
    assert 'value="kept"' in html and f'value="{value}"' in html
    assert screenings(app) == []


def test_a_yes_to_a_region_question_must_mark_where(app, therapist, patient):
    response = post_screening(therapist, app, patient, answers={"fresh_bruise": "yes"})
    assert response.status_code == 400 and "Mark where" in text_of(response)
    assert screenings(app) == []


def test_an_unknown_condition_is_a_404(app, therapist, patient):
    assert therapist.get(f"/patients/{patient}/screen?condition=nosuch").status_code == 404


# ----------------------------------------------------------------------------------------- CS-02


@pytest.fixture
def deferred(app, therapist, patient):
    """A general screening deferred by a fever; returns its id."""
    row, _ = screened(therapist, app, patient, answers={"fever": "yes"})
    return row.id


def overrides(app) -> list[ScreeningOverride]:
    with app.app_context():
        rows = db.session.scalars(select(ScreeningOverride)).all()
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("role", ["admin", "reception"])
def test_cs02_override_is_refused_without_the_therapist_role(app, make_user, login, deferred, role):
    other = login(make_user(role)[1])
    assert other.get(f"/screenings/{deferred}/override").status_code == 403
    assert other.post(f"/screenings/{deferred}/override", data=override_data(password=PASSWORD)).status_code == 403
    assert overrides(app) == [] and audit_count(app, "override") == 0


def test_cs02_override_is_refused_without_a_fresh_login(app, therapist, deferred, clock):
    clock.advance(minutes=6)
    page = therapist.get(f"/screenings/{deferred}/override")
    assert "Confirm it is you" in text_of(page)
    response = therapist.post(f"/screenings/{deferred}/override", data=override_data())
    assert response.status_code == 400 and "Confirm your password to override" in text_of(response)
    assert "Temperature 37.6 after a hot bath" in response.get_data(as_text=True)
    response = therapist.post(f"/screenings/{deferred}/override", data=override_data(password="wrong password!"))
    assert response.status_code == 401 and "That password is not right" in text_of(response)
    assert overrides(app) == [] and audit_count(app, "override") == 0


def test_cs02_confirming_the_password_refreshes_the_login_and_keeps_what_was_typed(app, therapist, deferred, clock):
    clock.advance(minutes=6)
    response = therapist.post(f"/screenings/{deferred}/override",
                              data=override_data(reason="too short", password=PASSWORD))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "at least 20 characters" in html and "too short" in html
    assert "Confirm it is you" not in html  # the login is fresh again
    response = therapist.post(f"/screenings/{deferred}/override", data=override_data())
    assert response.status_code == 302
    assert len(overrides(app)) == 1 and audit_count(app, "override") == 1 and audit_count(app, "reauthenticate") == 1


@pytest.mark.parametrize(("data", "message"), [
    (override_data(reason="Seems fine to me."), "at least 20 characters"),
    (override_data(reason="                         "), "at least 20 characters"),
    (override_data(rule_ids=""), "Tick the contraindication you override"),
    (override_data(rule_ids="diabetes"), "not a valid choice"),
    (override_data(rule_ids="no_such_rule"), "not a valid choice"),
])
def test_cs02_override_needs_a_reason_of_20_characters_and_a_named_defer_finding(
        app, therapist, deferred, data, message):
    response = therapist.post(f"/screenings/{deferred}/override", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert overrides(app) == [] and audit_count(app, "override") == 0


def test_cs02_an_accepted_override_is_stored_audited_once_and_shown(app, therapist, deferred, patient):
    response = therapist.post(f"/screenings/{deferred}/override", data=override_data())
    assert response.status_code == 302
    (row,) = overrides(app)
    assert row.rules == ["fever"] and row.by == therapist.email and row.reason.startswith("Temperature 37.6")
    assert audit_count(app, "override") == 1
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "override")).one()
        assert event.patient_ref == patient and event.actor == therapist.email and "fever" in event.detail
    page = text_of(therapist.get(f"/screenings/{deferred}"))
    assert "Overridden by" in page and "Reason: Temperature 37.6" in page
    assert "Contraindication overridden" in text_of(therapist.get(f"/patients/{patient}"))
    # Nothing left to override.
    assert therapist.post(f"/screenings/{deferred}/override", data=override_data()).status_code == 302
    assert len(overrides(app)) == 1 and audit_count(app, "override") == 1


def test_cs02_only_a_deferred_screening_can_be_overridden(app, therapist, patient):
    row, _ = screened(therapist, app, patient, answers={"suspected_malignancy": "yes"})
    assert therapist.post(f"/screenings/{row.id}/override", data=override_data()).status_code == 302
    assert overrides(app) == []


def test_cs02_the_operation_itself_refuses_what_the_form_would_catch(app, make_user, therapist, deferred, clock):
    admin_id, _ = make_user("admin")
    with app.app_context():
        screening = db.session.get(Screening, deferred)
        from clinic.models import LoginSession, User

        user = db.session.scalars(select(User).where(User.email == therapist.email)).one()
        login = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        good = {"rule_ids": ["fever"], "reason": "x" * 20, "user": user, "login": login, "now": clock(),
                "fresh_minutes": 5}
        for bad in ({"reason": "x" * 19}, {"rule_ids": []}, {"rule_ids": ["diabetes"]},
                    {"now": clock() + dt.timedelta(minutes=6)}, {"login": None}):
            with pytest.raises(ops.ScreeningRefused):
                ops.record_override(db.session, screening, **(good | bad))
        with pytest.raises(ops.ScreeningRefused):
            ops.record_override(db.session, screening, **(good | {"user": db.session.get(User, admin_id)}))
        assert ops.record_override(db.session, screening, **good).rules == ["fever"]
        db.session.rollback()


# ------------------------------------------------------------------------------------- clearance


def test_a_clearance_is_recorded_audited_and_offers_screening_again(app, therapist, patient):
    row, _ = screened(therapist, app, patient, answers={"suspected_malignancy": "yes"})
    url = f"/screenings/{row.id}/clearance"
    bad = therapist.post(url, data={"rule_id": "suspected_malignancy", "cleared_by": "Dr A. Smith",
                                    "cleared_on": "2026-03-05", "note": "kept"})
    assert bad.status_code == 400 and "after today" in bad.get_data(as_text=True)
    assert "kept" in bad.get_data(as_text=True)
    response = therapist.post(url, data={"rule_id": "suspected_malignancy", "cleared_by": "Dr A. Smith, oncologist",
                                         "cleared_on": "2026-03-01", "note": "Benign cyst."})
    assert response.status_code == 302
    with app.app_context():
        (c,) = db.session.scalars(select(Clearance)).all()
        assert (c.rule_id, c.cleared_by, c.cleared_on, c.recorded_by) == (
            "suspected_malignancy", "Dr A. Smith, oncologist", dt.date(2026, 3, 1), therapist.email)
    assert audit_count(app, "clearance") == 1
    page = text_of(therapist.get(f"/screenings/{row.id}"))
    assert "cleared by Dr A. Smith, oncologist on 1 March 2026" in page and "Benign cyst." in page
    assert "Screen again" in page
    assert "Doctor's clearance recorded" in text_of(therapist.get(f"/patients/{patient}"))
    # Nothing left to clear.
    assert therapist.post(url, data={"rule_id": "suspected_malignancy", "cleared_by": "Dr B",
                                     "cleared_on": "2026-03-01", "note": "Cleared."}).status_code == 302
    assert audit_count(app, "clearance") == 1


def test_a_clearance_needs_who_and_a_refer_finding(app, therapist, patient):
    row, _ = screened(therapist, app, patient, answers={"suspected_malignancy": "yes"})
    url = f"/screenings/{row.id}/clearance"
    response = therapist.post(url, data={"rule_id": "suspected_malignancy", "cleared_by": " ",
                                         "cleared_on": "2026-03-01", "note": "Cleared."})
    assert response.status_code == 400 and "Enter who cleared the patient" in text_of(response)
    response = therapist.post(url, data={"rule_id": "fever", "cleared_by": "Dr", "cleared_on": "2026-03-01",
                                         "note": "Cleared."})
    assert response.status_code == 400
    assert audit_count(app, "clearance") == 0


# ---------------------------------------------------------------------------------------- validity


def _status(app, screening_id):
    with app.app_context():
        s = db.session.get(Screening, screening_id)
        patient = db.session.get(Patient, s.patient_id)
        from clinic.clock import now

        return ops.screening_status(s, patient, now().date())


def test_a_screening_stays_valid_for_the_configured_days_then_goes_stale(app, therapist, patient, clock):
    row, _ = screened(therapist, app, patient)
    clock.advance(days=30)
    assert _status(app, row.id).valid
    clock.advance(days=1)
    status = _status(app, row.id)
    assert status.state == "stale" and "expired after 1 April 2026" in status.reason


def test_the_validity_days_come_from_the_configuration(make_app, clock):
    app = make_app(SCREENING_VALID_DAYS=7)
    with app.app_context():
        db.create_all()
        from clinic.auth import operations as auth_ops

        c = auth_ops.get_or_create_clinic(db.session, "Clinic A", clock())
        p = patient_ops.create_patient(db.session, clinic_id=c.id, values={
            "record_number": "P-1", "family_name": "A", "given_names": "B", "birth_date": dt.date(1990, 1, 1)},
            user=None, now=clock(), actor="test")
        s, _ = ops.record_screening(db.session, p, answers={}, facts={}, condition=None,
                                    rules=app.extensions["clinic.screening_rules"], user=None, now=clock(),
                                    valid_days=app.config["SCREENING_VALID_DAYS"])
        assert s.valid_until == dt.date(2026, 3, 9) and s.decision == "incomplete"
        db.session.rollback()


def test_a_history_change_after_the_screening_makes_it_stale_at_once(app, therapist, patient, clock):
    row, _ = screened(therapist, app, patient)
    clock.advance(minutes=10)
    with app.app_context():
        p = db.session.get(Patient, patient)
        patient_ops.update_patient(db.session, p, {"history_facts.blood_thinners": "yes"}, expected_version=p.version,
                                   user=None, now=clock())
        db.session.commit()
    status = _status(app, row.id)
    assert status.state == "stale" and "history or medication changed on 2 March 2026" in status.reason
    page = text_of(therapist.get(f"/screenings/{row.id}"))
    assert "Stale" in page and "Screen again before a plan is made" in page
    assert "stale: the history or medication changed" in text_of(therapist.get(f"/patients/{patient}"))


def test_a_contact_change_does_not_make_a_screening_stale(app, therapist, patient, clock):
    row, _ = screened(therapist, app, patient)
    clock.advance(minutes=10)
    with app.app_context():
        p = db.session.get(Patient, patient)
        patient_ops.update_patient(db.session, p, {"phone": "+1 555 010 123"}, expected_version=p.version, user=None,
                                   now=clock())
        db.session.commit()
    assert _status(app, row.id).valid


# ----------------------------------------------------------------------------------- AUD-01, SEC-03


def test_aud01_screen_override_and_clearance_leave_one_row_each_without_names(app, therapist, make_patient):
    pid = make_patient(family_name="Canaryfamily", given_names="Canarygiven", birth_date=dt.date(1955, 5, 5))
    row, _ = screened(therapist, app, pid, answers={"fever": "yes", "suspected_malignancy": "yes"})
    therapist.post(f"/screenings/{row.id}/override", data=override_data())
    therapist.post(f"/screenings/{row.id}/clearance", data={"rule_id": "suspected_malignancy", "cleared_by": "Dr A",
                                                            "cleared_on": "2026-03-01", "note": "Cleared."})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(["screen", "override", "clearance"])).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["screen", "override", "clearance"]
        for e in events:
            assert e.patient_ref == pid and e.actor == therapist.email and e.outcome == "ok"
            assert "Canary" not in e.detail and "1955" not in e.detail


def test_sec03_another_clinics_screening_ids_are_404_with_none_of_their_data(app, make_user, login, make_patient):
    other = login(make_user("therapist", clinic="Clinic B")[1])
    pid = make_patient(clinic="Clinic B", family_name="Beefamily", given_names="Beegiven")
    row, _ = screened(other, app, pid, answers={"fever": "yes", "suspected_malignancy": "yes",
                                                "fever_detail": "Beedetail"})
    mine = login(make_user("therapist", clinic="Clinic A")[1])
    for url in (f"/screenings/{row.id}", f"/screenings/{row.id}/override", f"/screenings/{row.id}/clearance",
                f"/patients/{pid}/screen", f"/patients/{pid}/screen?condition=bruise"):
        for method in ("GET",) if url == f"/screenings/{row.id}" else ("GET", "POST"):
            data = {**override_data(password=PASSWORD), "rule_id": "suspected_malignancy", "cleared_by": "Dr",
                    "cleared_on": "2026-03-01", **form_data(app)} if method == "POST" else None
            if data:
                data["csrf_token"] = mine.token()
            response = mine.client.open(url, method=method, data=data)
            body = response.get_data(as_text=True)
            assert response.status_code == 404, (method, url)
            for canary in ("Beefamily", "Beegiven", "Beedetail", "fever"):
                assert canary not in body, (method, url, canary)
    assert len(screenings(app)) == 1 and overrides(app) == []


# ------------------------------------------------------------------------------- export and erase


def test_screenings_overrides_and_clearances_travel_in_the_export_and_go_with_erasure(app, therapist, patient,
                                                                                      clock):
    row, _ = screened(therapist, app, patient, answers={"fever": "yes", "suspected_malignancy": "yes"})
    therapist.post(f"/screenings/{row.id}/override", data=override_data())
    therapist.post(f"/screenings/{row.id}/clearance", data={"rule_id": "suspected_malignancy", "cleared_by": "Dr A",
                                                            "cleared_on": "2026-03-01", "note": "Cleared."})
    with app.app_context():
        p = db.session.get(Patient, patient)
        first = patient_ops.export_json(db.session, p)
        doc = patient_ops.export_document(db.session, p)
        assert len(doc["tables"]["screenings"]) == 1 and doc["tables"]["screening_overrides"][0]["screening_id"] == 0
        assert doc["tables"]["clearances"][0]["rule_id"] == "suspected_malignancy"
        patient_ops.erase_patient(db.session, p, user=None, now=clock())
        db.session.commit()
        for model in (Screening, ScreeningOverride, Clearance):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
        again = patient_ops.import_json(db.session, first, now=clock())
        db.session.commit()
        assert patient_ops.export_json(db.session, again) == first


def test_an_overridden_and_cleared_screening_satisfies_the_plan_engines_checks(app, therapist, patient):
    from clinic.domain import planning
    from clinic.domain.screening import screen
    from clinic.domain.screening_json import answers_from_json

    row, _ = screened(therapist, app, patient, answers={"fever": "yes", "suspected_malignancy": "yes"})
    with app.app_context():
        s = db.session.get(Screening, row.id)
        assert ops.planning_inputs(db.session, s) == (None, None)
    therapist.post(f"/screenings/{row.id}/override", data=override_data())
    therapist.post(f"/screenings/{row.id}/clearance", data={"rule_id": "suspected_malignancy", "cleared_by": "Dr A",
                                                            "cleared_on": "2026-03-01", "note": "Benign."})
    with app.app_context():
        s = db.session.get(Screening, row.id)
        override, clearance = ops.planning_inputs(db.session, s)
        result = screen(answers_from_json(s.answers), {}, app.extensions["clinic.screening_rules"], s.on_date)
        assert planning.check_override(override, result, s.on_date) == []
        assert planning.check_clearance(clearance, result, s.on_date) == []
