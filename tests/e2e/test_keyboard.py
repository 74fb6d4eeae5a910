"""Every form usable with the keyboard alone, as a therapist works: log in, register a patient, screen them, make,
edit and approve a plan, and recover from a form sent with a field missing. Only the keyboard acts on the page
(Tab, Shift+Tab, typing, Space, Enter, arrow keys): no click, fill, check or focus; the page is read to know
where focus is and what the page says. Every place Tab stops shows a visible focus indicator."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.helpers.plans import FACTS, screen

# What the browser does with the keys, the same on either database: run once, on SQLite (marker `markup`).
pytestmark = [pytest.mark.e2e, pytest.mark.markup]

# What the focused element is, whether it matches, and whether it shows a focus indicator.
FOCUSED = """([selector, text]) => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const words = (e.innerText || e.value || '').replace(/\\s+/g, ' ').trim();
  return {
    tag: e.tagName.toLowerCase(), type: e.type || '', id: e.id, name: e.name || '', value: e.value || '',
    checked: !!e.checked, text: words.slice(0, 60), indicator: outline || s.boxShadow !== 'none',
    // Tab also stops on the calendar button inside a date field. Focus is then in the field's own shadow part,
    // the field is not :focus, and Chromium draws its own ring (shown with pixels in the focus test below).
    picker: e.type === 'date' && !e.matches(':focus'),
    matches: e.matches(selector) && (text === null || words === text),
    at: [...document.querySelectorAll('*')].indexOf(e),
  };
}"""

RADIO_GROUP = """(value) => {
  const e = document.activeElement;
  const group = [...document.getElementsByName(e.name)].filter(x => x.type === 'radio' && !x.disabled);
  return [group.indexOf(e), group.findIndex(x => x.value === value)];
}"""

DATE_ORDER = """() => new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2000, 11, 31))
  .filter(p => p.type !== 'literal').map(p => p.type)"""


def describe(stop: dict) -> str:
    return f"{stop['tag']}[{stop['type']}]#{stop['id'] or stop['name']} {stop['text']!r}"


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED, ["*", None])


def tab_to(page, selector: str, text: str | None = None, *, back: bool = False, limit: int = 400) -> dict:
    """Press Tab (Shift+Tab when ``back``) until the focused element matches ``selector`` (and has exactly the
    visible ``text``); every stop on the way must show a focus indicator. Stops are kept on ``page.focus_stops``."""
    if not hasattr(page, "focus_stops"):
        page.focus_stops = []
    seen, first = [], None
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        stop = page.evaluate(FOCUSED, [selector, text])
        if stop is None:
            continue  # past the end of the page: the next Tab starts again from the top
        page.focus_stops.append(stop)
        if stop["at"] == first and stop["type"] != "date":
            break  # round the whole page once
        first = stop["at"] if first is None else first
        seen.append(describe(stop))
        assert stop["indicator"] or stop["picker"], f"no visible focus indicator on {describe(stop)}"
        if stop["matches"]:
            return stop
    raise AssertionError(f"Tab never reached {selector} {text or ''}; it stopped at: {seen}")


def press_and_wait(page, key: str = "Enter") -> None:
    """Press a key that sends a form or follows a link, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def follow(page, text: str) -> None:
    """Tab to the link with this text and press Enter on it."""
    tab_to(page, "a", text)
    press_and_wait(page)


def send(page, button: str, key: str = "Enter") -> None:
    """Tab to the button with this text and press ``key`` (Enter or Space) on it."""
    tab_to(page, "button, input[type=submit]", button)
    press_and_wait(page, key)


def type_date(page, iso: str) -> None:
    """Type a date into the focused date field, in the order the browser's locale shows (mm/dd/yyyy in en-US)."""
    year, month, day = iso.split("-")
    parts = {"year": year, "month": month, "day": day}
    page.keyboard.type("".join(parts[p] for p in page.evaluate(DATE_ORDER)))


def choose_radio(page, value: str) -> None:
    """In the focused radio group, move to ``value`` with the arrow keys (which also tick it); Space ticks the
    focused option when it is the one wanted but not yet ticked."""
    here, there = page.evaluate(RADIO_GROUP, value)
    assert there >= 0, f"no option {value!r} in the focused group"
    for _ in range(abs(there - here)):
        page.keyboard.press("ArrowRight" if there > here else "ArrowLeft")
    stop = focused(page)
    if not stop["checked"]:
        page.keyboard.press("Space")
        stop = focused(page)
    assert stop["value"] == value and stop["checked"], stop


def choose_option(page, value: str, limit: int = 20) -> None:
    """In the focused (closed) select, step with ArrowDown until ``value`` is chosen."""
    for _ in range(limit):
        if focused(page)["value"] == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"ArrowDown never chose {value!r}")


def tick(page) -> None:
    """Tick the focused checkbox with Space."""
    assert not focused(page)["checked"]
    page.keyboard.press("Space")
    assert focused(page)["checked"]


def replace_text(page, text: str) -> None:
    """Select what the focused field holds and type over it."""
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def log_in_with_keys(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password", limit=1)  # the very next stop
    page.keyboard.type(password)
    send(page, "Log in", "Space")
    assert page.locator("h1").inner_text().startswith("Good to see you"), page.url


def answer_screening(page, facts: dict[str, str], answer: str = "no") -> None:
    """Fill the case facts, answer every unanswered question, tick the confirmation when it is asked."""
    for name, value in facts.items():
        stop = tab_to(page, f"[name=fact_{name}]")
        if stop["type"] == "date":
            type_date(page, value)
        elif stop["type"] == "radio":
            choose_radio(page, value)
        else:
            page.keyboard.type(value)
    for name in page.eval_on_selector_all("fieldset.q-answer", "groups => groups.map(g => g.id)"):
        stop = tab_to(page, f"input[name={name}]")
        if not stop["checked"]:
            choose_radio(page, answer)
    if page.locator("#confirm_prefilled").count():
        tab_to(page, "#confirm_prefilled")
        tick(page)


def facts_shown(page) -> dict[str, str]:
    """The clinical history as the patient page shows it: label -> answer."""
    rows = page.locator(".fact-list li").all()
    return {r.locator("span").inner_text(): r.locator("strong").inner_text() for r in rows}


def test_a_therapist_logs_in_with_the_keyboard_alone(live_server, page, make_user):
    _, email = make_user("therapist")
    log_in_with_keys(page, live_server, email)
    kinds = {(s["tag"], s["type"]) for s in page.focus_stops}
    assert {("input", "email"), ("input", "password"), ("button", "submit")} <= kinds


def test_a_therapist_registers_a_patient_with_the_keyboard_alone(live_server, page, make_user):
    _, email = make_user("therapist")
    log_in_with_keys(page, live_server, email)
    follow(page, "Patients")
    follow(page, "Register a patient")
    assert page.locator("h1").inner_text() == "Register a patient"

    tab_to(page, "#family_name")
    page.keyboard.type("Lovelace")
    tab_to(page, "#given_names", limit=1)
    page.keyboard.type("Ada")
    tab_to(page, "[name=name_order]", limit=1)  # how she writes her name: one Tab stop, given names first
    assert focused(page)["value"] == "given_first"
    tab_to(page, "#birth_date", limit=1)
    type_date(page, "1961-05-17")
    tab_to(page, "#sex")
    choose_option(page, "female")
    tab_to(page, "#dominant_hand", limit=1)
    page.keyboard.press("Home")  # the first choice
    assert focused(page)["value"] == "right"
    tab_to(page, "#phone")
    page.keyboard.type("+47 555 0101")
    tab_to(page, "[name=fact_blood_thinners]")
    choose_radio(page, "no")
    tab_to(page, "[name=fact_diabetes]", limit=1)  # one Tab stop per radio group
    choose_radio(page, "yes")  # diabetes
    tab_to(page, "[name=fact_pregnancy]")
    choose_radio(page, "no")
    tab_to(page, "#medications")
    page.keyboard.type("Metformin 500 mg")
    tab_to(page, "#consent_treatment")
    tick(page)
    tab_to(page, "#consent_treatment_on", limit=1)
    type_date(page, "2026-03-02")
    tab_to(page, "#consent_data")
    tick(page)
    tab_to(page, "#consent_data_on", limit=1)
    type_date(page, "2026-03-01")
    send(page, "Register patient")

    assert re.fullmatch(r".*/patients/\d+", page.url), page.url
    assert "LOVELACE" in page.locator(".patient-banner").inner_text()
    details = page.locator(".details").inner_text()
    assert "17 May 1961" in details and "Female" in details and "+47 555 0101" in details
    facts = facts_shown(page)
    assert (facts["Takes blood thinners or has a bleeding disorder"], facts["Diabetes"], facts["Pregnant"],
            facts["Cancer, now or under treatment"]) == ("No", "Yes", "No", "Not known")
    consent = page.locator("h3:text-is('Consent') + ul").inner_text()
    assert "Treatment: given 2 March 2026" in consent and "Data processing: given 1 March 2026" in consent
    assert "Metformin 500 mg" in page.inner_text("main")
    assert page.dialogs == []


def test_a_therapist_screens_a_patient_for_a_fracture_with_the_keyboard_alone(live_server, page, make_user,
                                                                              make_patient):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Ellis", given_names="Margaret",
                       **{"history_facts.diabetes": "no", "history_facts.blood_thinners": "no"})
    log_in_with_keys(page, live_server, email)
    page.goto(f"{live_server}/patients/{pid}")
    follow(page, "Screen")
    follow(page, "Fracture of the wrist, hand or fingers")
    assert page.locator("#confirm_prefilled").count() == 1  # answers from the record ask for a confirmation
    answer_screening(page, FACTS["fracture"])
    send(page, "Screen")

    assert re.search(r"/screenings/\d+$", page.url), page.url
    assert page.locator("h1").inner_text().endswith("NO CONTRAINDICATION FOUND")
    assert "Valid" in page.locator(".status-line").inner_text()
    radios = {s["name"] for s in page.focus_stops if s["type"] == "radio"}
    assert {"fact_bone", "fact_affected_side", "fact_treatment", "q_fever", "q_diabetes"} <= radios
    assert page.dialogs == []


def test_a_therapist_makes_edits_and_approves_a_plan_with_the_keyboard_alone(live_server, page, app, make_user,
                                                                             make_patient, login):
    _, email = make_user("therapist")
    pid = make_patient(family_name="Ellis", given_names="Margaret")
    assert screen(login(email), app, pid, "fracture").status_code == 302  # screened earlier today
    log_in_with_keys(page, live_server, email)
    page.goto(f"{live_server}/patients/{pid}")
    follow(page, "New plan")
    follow(page, "Fracture of the wrist, hand or fingers")
    stop = tab_to(page, "[name=fact_affected_side]")  # the case facts come from the screening
    assert stop["value"] == "right" and stop["checked"]
    choose_radio(page, "left")  # the therapist corrects the side
    send(page, "Make the draft plan")
    assert "DRAFT — not approved" in page.locator(".plan-status").inner_text()
    case = page.locator("section[aria-labelledby=facts-head] .details > div",
                        has=page.locator("dt", has_text=re.compile(r"^Hand$")))  # the fact's label in the protocol
    assert case.locator("dd").inner_text() == "left"

    follow(page, "Edit draft")
    dose = tab_to(page, "input[type=number]")
    replace_text(page, "12")
    assert focused(page)["value"] == "12"
    tab_to(page, "#patient_notes")
    page.keyboard.type("Warm the hand in water first.")
    send(page, "Save the draft")
    assert "DRAFT — not approved" in page.locator(".plan-status").inner_text()
    assert "Warm the hand in water first." in page.inner_text("main")

    follow(page, "Edit draft")  # the saved dose is what the edit form now holds
    assert tab_to(page, f"#{dose['id']}")["value"] == "12"
    follow(page, "Cancel")
    send(page, "Approve the plan", "Space")
    assert "APPROVED — revision 1" in page.locator(".plan-status").inner_text()
    assert page.dialogs == []


def test_a_form_sent_with_a_required_field_missing_shows_the_error_by_the_field_and_tab_reaches_it(
        live_server, page, make_user):
    _, email = make_user("therapist")
    log_in_with_keys(page, live_server, email)
    page.goto(live_server + "/patients/new")
    tab_to(page, "#given_names")  # the family name is left out
    page.keyboard.type("Chidi")
    tab_to(page, "#birth_date", limit=2)  # past the name-order radios
    type_date(page, "1970-08-09")
    send(page, "Register patient")

    assert page.url.endswith("/patients/new") and page.locator(".error-summary").count() == 1
    field = page.locator(".field.has-error", has=page.locator("#family_name"))
    assert field.locator(".error").inner_text().endswith("Enter the family name.")
    box = page.locator("#family_name")
    assert box.get_attribute("aria-invalid") == "true"
    assert field.locator(".error").get_attribute("id") in box.get_attribute("aria-describedby").split()
    assert page.locator("#given_names").input_value() == "Chidi"  # what was typed is kept

    tab_to(page, "#family_name")  # Tab from the top of the page reaches the field
    tab_to(page, ".error-summary a", "Family name: Enter the family name.", back=True)
    page.keyboard.press("Enter")  # the summary's link puts focus in the field itself
    assert page.url.endswith("/patients/new#family_name")
    assert focused(page)["id"] == "family_name" and focused(page)["indicator"]
    page.keyboard.type("Okafor")
    send(page, "Register patient")
    assert re.search(r"/patients/\d+(#family_name)?$", page.url), page.url  # the browser keeps the #
    assert "OKAFOR" in page.locator(".patient-banner").inner_text()


def test_a_screening_sent_with_questions_unanswered_shows_each_error_in_its_group_and_tab_reaches_it(
        live_server, page, make_user, make_patient):
    _, email = make_user("therapist")
    pid = make_patient()
    log_in_with_keys(page, live_server, email)
    page.goto(f"{live_server}/patients/{pid}/screen?condition=bruise")
    send(page, "Screen")  # nothing answered
    groups = page.locator(".question.has-error fieldset.q-answer")
    assert groups.count() > 0
    first = groups.first
    name = first.get_attribute("id")
    error = first.locator(".error").first
    assert error.is_visible() and error.get_attribute("id") in first.get_attribute("aria-describedby").split()
    tab_to(page, f"input[name={name}]")  # Tab from the top of the page reaches the group
    tab_to(page, f".error-summary a[href='#{name}']", back=True)
    page.keyboard.press("Enter")  # the summary's link leads Tab into the group
    page.keyboard.press("Tab")
    assert focused(page)["name"] == name
    choose_radio(page, "no")
    answer_screening(page, FACTS["bruise"])
    send(page, "Screen")
    assert re.search(r"/screenings/\d+$", page.url), page.url
    assert page.locator("h1").inner_text().endswith(("NO CONTRAINDICATION FOUND", "TREAT WITH PRECAUTIONS",
                                                     "TREAT, AVOIDING"))


def test_every_kind_of_control_shows_a_visible_focus_indicator(live_server, page, make_user, make_patient):
    _, email = make_user("therapist")
    pid = make_patient(**{"history_facts.diabetes": "no"})
    log_in_with_keys(page, live_server, email)
    for path in ("/patients/new", f"/patients/{pid}/screen?condition=fracture"):
        page.goto(live_server + path)
        tab_to(page, "a", "Cancel")  # the last control: every one before it was a stop
    kinds = {(s["tag"], s["type"]) for s in page.focus_stops}
    for kind in (("input", "text"), ("input", "date"), ("input", "tel"), ("input", "email"), ("input", "radio"),
                 ("input", "checkbox"), ("select", "select-one"), ("textarea", "textarea"), ("button", "submit"),
                 ("input", "submit"), ("a", "")):
        assert kind in kinds, kind
    assert all(s["indicator"] or s["picker"] for s in page.focus_stops)

    # The calendar button inside a date field: Chromium's own ring shows when Tab reaches it.
    page.goto(live_server + "/patients/new")
    tab_to(page, "#birth_date")
    box = page.locator("#birth_date").bounding_box()
    clip = {"x": box["x"] + box["width"] - 40, "y": box["y"], "width": 40, "height": box["height"]}
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page)["picker"]
    ringed = page.screenshot(clip=clip)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "record_number"
    assert page.screenshot(clip=clip) != ringed


def test_the_keyboard_checks_can_fail(page):
    page.set_content('<html lang="en"><body><form><input id="a"><fieldset><legend>Q</legend>'
                     '<label><input type="radio" name="q" value="yes" tabindex="-1"> Yes</label>'
                     '<label><input type="radio" name="q" value="no" tabindex="-1"> No</label></fieldset>'
                     '<button>Send</button></form></body></html>')
    with pytest.raises(AssertionError, match="Tab never reached input"):
        tab_to(page, "input[type=radio]")
    page.set_content('<html lang="en"><body><form><input id="a"><button style="outline: none">Send</button>'
                     '</form></body></html>')
    with pytest.raises(AssertionError, match="no visible focus indicator on button"):
        tab_to(page, "button")
