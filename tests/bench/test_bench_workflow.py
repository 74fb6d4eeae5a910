"""How much a therapist does (issue 15 "Measure"): a Playwright script walks the two everyday journeys in
real Chromium and counts, per step, the page loads, clicks, values typed, choices made and pre-filled values
to confirm; the estimate is 2 s per typed value and 1 s per click, choice or confirmed value.

- new patient: register with history -> screen for a wrist fracture with the cast on -> plan -> approve ->
  handout;
- returning patient (a week later, the cast off): find them by record number -> session with pain before and
  after -> QuickDASH -> next stage -> reprint.

Counting rules (the same before and after a change, so the figures compare):
- a page load is a main-frame navigation (a form post that redirects is one load); a PDF download is a click,
  not a page load (the browser stays on the page);
- a value to confirm is a field of a submitted form that already held a value and was left as it was (a
  pre-filled date, a radio already on "Not known", a suggested record number): the therapist must read it;
- fields touched = typed + choices + confirmed.

Run with `make bench` (or `pytest -s tests/bench/test_bench_workflow.py`); prints one line per step and per
flow: ``BENCH workflow new patient: N page loads, N fields, N clicks, estimate N s``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import chromium, live_server, log_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e

TYPED_S, CLICK_S = 2, 1
TARGETS = {"new patient": (8, 35, 120), "returning patient": (6, None, 45)}

# Counts the filled, untouched fields of the form a button submits (radio groups once).
UNTOUCHED_JS = """(button) => {
  const form = button.form; if (!form) return 0;
  const seen = new Set(); let n = 0;
  for (const el of form.elements) {
    if (el.disabled || el.type === 'hidden' || el.type === 'submit' || el.tagName === 'BUTTON') continue;
    if (el.dataset.benchTouched) continue;
    if (el.type === 'radio') {
      if (!el.checked || seen.has(el.name)) continue;
      if (form.querySelector(`input[name="${el.name}"][data-bench-touched]`)) continue;
      seen.add(el.name); n++;
    } else if (el.type === 'checkbox') { if (el.checked) n++; }
    else if (el.value && el.value.trim()) n++;
  }
  return n;
}"""


@dataclass
class Step:
    name: str
    loads: int = 0
    clicks: int = 0
    typed: int = 0
    choices: int = 0
    confirmed: int = 0

    @property
    def fields(self) -> int:
        return self.typed + self.choices + self.confirmed

    @property
    def seconds(self) -> int:
        return TYPED_S * self.typed + CLICK_S * (self.clicks + self.choices + self.confirmed)

    def words(self) -> str:
        return (f"{self.loads} page loads, {self.fields} fields ({self.typed} typed, {self.choices} choices, "
                f"{self.confirmed} confirmed), {self.clicks} clicks, estimate {self.seconds} s")


@dataclass
class Flow:
    """A page that counts what the person does."""

    page: object
    name: str
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self):
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and self.steps:
            self.steps[-1].loads += 1

    def step(self, name: str) -> None:
        self.steps.append(Step(name))

    @property
    def now(self) -> Step:
        return self.steps[-1]

    def _mark(self, locator) -> None:
        locator.evaluate("el => el.dataset.benchTouched = '1'")

    def type(self, locator, value: str) -> None:
        locator.fill(value)
        self._mark(locator)
        self.now.typed += 1

    def choose(self, locator) -> None:
        """Tick a radio button or checkbox, or pick from a select (a pair: locator, value)."""
        if isinstance(locator, tuple):
            locator, value = locator
            locator.select_option(value)
        else:
            locator.check()
        self._mark(locator)
        self.now.choices += 1

    def click(self, locator, *, navigates: bool = True) -> None:
        self.now.clicks += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()

    def submit(self, button) -> None:
        """Press a form's button: its untouched pre-filled fields count as confirmed."""
        self.now.confirmed += button.evaluate(UNTOUCHED_JS)
        self.click(button)

    def download(self, link) -> bytes:
        self.now.clicks += 1
        with self.page.expect_download() as info:
            link.click()
        return Path(info.value.path()).read_bytes()

    def report(self) -> Step:
        total = Step(self.name)
        for s in self.steps:
            print(f"\nBENCH workflow {self.name} / {s.name}: {s.words()}", flush=True)
            for attr in ("loads", "clicks", "typed", "choices", "confirmed"):
                setattr(total, attr, getattr(total, attr) + getattr(s, attr))
        loads_max, fields_max, seconds_max = TARGETS[self.name]
        print(f"\nBENCH workflow {self.name}: {total.loads} page loads, {total.fields} fields, {total.clicks} clicks, "
              f"estimate {total.seconds} s ({total.typed} typed, {total.choices} choices, {total.confirmed} confirmed;"
              f" target ≤ {loads_max} page loads" + (f", ≤ {fields_max} fields" if fields_max else "")
              + f", ≤ {seconds_max} s)", flush=True)
        return total


def _link(page, name: str):
    return page.get_by_role("link", name=name, exact=True).first


def _button(page, name: str):
    return page.get_by_role("button", name=name, exact=True).first


def new_patient(flow: Flow, base: str) -> None:
    """Register Maria Lopez with her history, screen her wrist fracture (cast on), plan, approve, print."""
    page = flow.page
    page.goto(base + "/")
    flow.step("register")
    flow.click(_link(page, "Register a patient"))
    flow.type(page.locator("#family_name"), "Lopez")
    flow.type(page.locator("#given_names"), "Maria")
    flow.type(page.locator("#birth_date"), "1961-05-04")
    # Her history: blood thinners yes, the rest no (a clinician answers every line).
    facts = page.locator("table.facts tbody tr")
    nothing = page.locator("#history_none")
    for i in range(facts.count()):
        answer = "yes" if i == 0 else "no"
        if answer == "no" and nothing.count():
            continue  # "None of these" answers the rest
        radio = facts.nth(i).locator(f"input[value={answer}]")
        if radio.is_checked():
            continue  # already so: confirmed at submit
        flow.choose(radio)
    if nothing.count():
        flow.choose(nothing)
    flow.choose(page.locator("#consent_treatment"))
    if not page.locator("#consent_treatment_on").input_value():
        flow.type(page.locator("#consent_treatment_on"), dt.date(2026, 3, 2).isoformat())
    flow.choose(page.locator("#consent_data"))
    if not page.locator("#consent_data_on").input_value():
        flow.type(page.locator("#consent_data_on"), dt.date(2026, 3, 2).isoformat())
    flow.submit(_button(page, "Register patient"))
    duplicate = page.get_by_role("button", name="Register anyway")
    assert not duplicate.count(), "no other Maria Lopez in this clinic"

    flow.step("screen")
    flow.click(_link(page, "Screen"))
    flow.click(_link(page, "Fracture of the wrist, hand or fingers"))
    flow.type(page.locator("#fact_fracture_date"), "2026-02-20")
    flow.choose(page.locator("#fact_bone").get_by_label("Wrist (distal radius)"))
    flow.choose(page.locator("#fact_affected_side").get_by_label("Right"))
    flow.choose(page.locator("#fact_treatment").get_by_label("Cast or splint"))
    flow.choose(page.locator("#fact_cast_holds").get_by_label("Forearm and wrist (a wrist cast)"))
    flow.type(page.locator("#fact_cast_removal_date"), "2026-03-06")  # planned: the cast is on today
    nones = page.locator(".q-group input[data-none-of-group]")
    for i in range(nones.count()):
        flow.choose(nones.nth(i))
    for group in page.locator("fieldset.q-answer").all():
        if not nones.count() and not group.locator("input:checked").count():
            flow.choose(group.get_by_label("No", exact=True))
    confirm = page.get_by_label("I have checked the answers")
    if confirm.count():
        flow.choose(confirm)
    flow.submit(_button(page, "Screen"))
    assert "Screening result" in page.content()

    flow.step("plan")
    make = page.get_by_role("button", name="Make the plan")
    if make.count():
        flow.click(make.first)
    else:  # before issue 15: back to the patient, choose the condition again, confirm the facts
        flow.click(_link(page, "Back to the patient"))
        flow.click(_link(page, "New plan"))
        flow.click(_link(page, "Fracture of the wrist, hand or fingers"))
        flow.submit(_button(page, "Make the draft plan"))
    assert "DRAFT" in page.locator(".plan-status").inner_text()

    flow.step("approve")
    flow.click(_button(page, "Approve the plan"))
    assert "APPROVED" in page.locator(".plan-status").inner_text()

    flow.step("handout")
    pdf = flow.download(_link(page, "Handout (PDF)"))
    assert pdf.startswith(b"%PDF")


def returning_patient(flow: Flow, base: str, record_number: str) -> None:
    """A week later: find her by record number, a session with pain before/after, QuickDASH, the next stage
    (the cast is off), reprint."""
    page = flow.page
    page.goto(base + "/")
    flow.step("find")
    flow.type(page.locator("#dash-q"), record_number)
    flow.click(_button(page, "Search"))
    if "/patients/" not in page.url or page.url.rstrip("/").endswith("/patients"):
        flow.click(page.locator("table a").filter(has_text="Lopez").first)

    flow.step("session")
    session_link = _link(page, "Record a session")
    if not session_link.count():
        flow.click(page.locator(".plan-list a").first)
    flow.click(_link(page, "Record a session"))
    flow.choose((page.locator("#pain_before"), "4"))
    flow.choose((page.locator("#pain_after"), "2"))
    techniques = page.locator("#techniques input")
    flow.choose(techniques.first)
    flow.submit(_button(page, "Record the session"))

    flow.step("QuickDASH")
    if not _link(page, "QuickDASH").count():
        flow.click(page.locator(".pb-name a"))  # the patient's name in the banner
    flow.click(_link(page, "QuickDASH"))
    for i, item in enumerate(page.locator("fieldset.qd-item").all()):
        flow.choose(item.locator("input").nth(min(i % 3, 2)))
    flow.submit(_button(page, "Record QuickDASH"))

    flow.step("next stage")
    flow.click(page.locator(".plan-list a").first)
    move = page.get_by_role("link", name="Move to stage").first
    if not move.count():  # before issue 15: the cast date is only planned, so update the facts and remake first
        flow.click(_link(page, "Update case facts"))
        flow.submit(_button(page, "Make the plan again"))
        flow.click(_button(page, "Approve the plan"))
        move = page.get_by_role("link", name="Move to stage").first
    flow.click(move)
    dates = page.locator("input[name^=date_]")
    for i in range(dates.count()):  # the cast came off on the planned day: confirmed as it stands
        assert dates.nth(i).input_value()
    criteria = page.locator("#criteria input")
    for i in range(criteria.count()):
        flow.choose(criteria.nth(i))
    flow.submit(page.get_by_role("button", name="Move to stage").first)
    approve = page.get_by_role("button", name="Approve the plan")
    if approve.count():
        flow.click(approve.first)

    flow.step("reprint")
    printable = _link(page, "Handout (PDF)")
    if not printable.count():
        flow.click(page.locator(".plan-list a").first)
    pdf = flow.download(_link(page, "Handout (PDF)"))
    assert pdf.startswith(b"%PDF")


def test_bench_workflow_new_and_returning_patient(live_server, chromium, make_user, clock):  # noqa: F811
    _, email = make_user("therapist")
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, live_server, email, PASSWORD)
        first = Flow(page, "new patient")
        new_patient(first, live_server)
        number = page.locator(".pb-facts .mono").first.inner_text().strip()
        first.report()
        clock.advance(days=8)  # the cast came off on 6 March
        log_in(page, live_server, email, PASSWORD)
        second = Flow(page, "returning patient")
        returning_patient(second, live_server, number)
        second.report()
    finally:
        context.close()
