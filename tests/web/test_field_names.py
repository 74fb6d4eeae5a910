"""WF-10: every field a screen reader lands on is named distinctly. The screening form's detail boxes and its
"If yes, where?" and "Side" groups are named with their question; the plan-edit dose boxes with their exercise
and stage, in the error summary too; a dose error is tied to its box."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

from clinic.library import screening_rules


class Names(HTMLParser):
    """The text of every <label for=…> and every <legend>, by the field or fieldset it names."""

    def __init__(self):
        super().__init__()
        self.labels: dict[str, str] = {}
        self.legends: dict[str, str] = {}
        self._label: str | None = None
        self._fieldsets: list[str] = []
        self._legend: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self._label, self._text = attrs["for"], []
        elif tag == "fieldset":
            self._fieldsets.append(attrs.get("id") or "")
        elif tag == "legend":
            self._legend, self._text = self._fieldsets[-1], []

    def handle_endtag(self, tag):
        if tag == "label" and self._label is not None:
            self.labels[self._label] = " ".join("".join(self._text).split())
            self._label = None
        elif tag == "legend" and self._legend is not None:
            self.legends[self._legend] = " ".join("".join(self._text).split())
            self._legend = None
        elif tag == "fieldset":
            self._fieldsets.pop()

    def handle_data(self, data):
        self._text.append(data)


def names_in(html: str) -> Names:
    parser = Names()
    parser.feed(html)
    return parser


def test_wf10_each_screening_detail_box_and_where_and_side_group_is_named_with_its_question(
        app, make_user, login, make_patient):
    _, email = make_user()
    pid = make_patient()
    browser = login(email)
    with app.app_context():
        rules = {r.id: r for r in screening_rules().rules}
        conditions = (None, *screening_rules().conditions)
    for condition in conditions:
        html = browser.get(f"/patients/{pid}/screen?condition={condition or 'general'}").get_data(as_text=True)
        check_names(names_in(html), rules, condition)


def check_names(names: Names, rules: dict, condition: str | None) -> None:
    details = {k: v for k, v in names.labels.items() if k.startswith("q_") and k.endswith("_detail")}
    wheres = {k: v for k, v in names.legends.items() if k.startswith("q_") and k.endswith("_regions")}
    sides = {k: v for k, v in names.legends.items() if k.startswith("q_") and k.endswith("_side")}
    assert details and (wheres or condition is not None)
    for found, suffix in ((details, "_detail"), (wheres, "_regions"), (sides, "_side")):
        for field_id, name in found.items():
            rule = rules[field_id.removeprefix("q_").removesuffix(suffix)]
            assert rule.name in name, (field_id, name)
        assert len(set(found.values())) == len(found), Counter(found.values()).most_common(2)
    assert all(name.startswith("Detail (optional)") for name in details.values())  # the visible words come first


def test_wf10_plan_edit_dose_boxes_and_their_errors_name_the_exercise_and_stage(app, make_user, login, make_patient):
    from tests.helpers.plans import make_plan

    _, email = make_user()
    browser = login(email)
    pid = make_patient()
    plan_id = make_plan(browser, app, pid, "fracture")
    url = f"/patients/{pid}/plans/{plan_id}/edit"
    html = browser.get(url).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*class="num"[^>]*>', html)
    labels = [re.search(r'aria-label="([^"]+)"', box).group(1) for box in boxes]
    assert len(boxes) > 5 and len(set(labels)) == len(labels), Counter(labels).most_common(2)
    assert all(re.search(r", stage \d+$", label) for label in labels)

    data = {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    names = [n for n in data if re.match(r"s\d+__.+__(times_per_day)$", n)][:2]
    data.update({names[0]: "0", names[1]: "700"})
    response = browser.post(url, data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    items = re.findall(r"<li><a [^>]*>([^<]+)</a></li>", summary)
    assert len(items) == 2 and items[0].split(":")[0] != items[1].split(":")[0], items
    for name in names:
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in box
        error_id = re.search(r'aria-describedby="([^"]+)"', box).group(1)
        assert f'id="{error_id}"' in page
