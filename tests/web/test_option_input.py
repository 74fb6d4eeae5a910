"""The screening form's radio buttons and checkboxes are written by ``option_input`` (clinic/templating.py), not by
WTForms' widget, for speed: every tag must stay what WTForms would write, errors, ticks and required included."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, RadioField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired


class _Options(Form):
    answer = RadioField("Answer", choices=[SelectChoice("yes", "Yes"), SelectChoice("no", 'No "really" <b>')],
                        validators=[InputRequired()])
    maybe = RadioField("Maybe", choices=[SelectChoice("a&b", "A and B"), SelectChoice("c", "C")],
                       validate_choice=False)
    regions = SelectMultipleField("Where", choices=[SelectChoice("wrist", "Wrist"), SelectChoice("palm", "Palm")],
                                  widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput())


@pytest.mark.parametrize(("sent", "with_errors"), [
    ([], False),  # a fresh form
    ([("answer", "no"), ("regions", "palm"), ("regions", "wrist")], False),  # ticked
    ([("maybe", "a&b"), ("regions", "x")], True),  # an answer missing, a region unknown
])
def test_option_input_writes_the_tag_wtforms_writes(app, sent, with_errors):
    form = _Options(MultiDict(sent))
    if sent:
        assert form.validate() is not with_errors
    option_input, invalid = app.jinja_env.globals["option_input"], app.jinja_env.globals["invalid"]
    tags = [(str(option_input(option, group)), str(option(**invalid(group))))
            for group in (form.answer, form.maybe, form.regions) for option in group]
    assert len(tags) == 6
    for ours, wtforms in tags:
        assert ours == wtforms
    assert any("checked" in ours for ours, _ in tags) is bool(sent)
    assert any('aria-invalid="true"' in ours for ours, _ in tags) is with_errors


@pytest.mark.parametrize("sent", [[], [("answer", "no"), ("maybe", "a&b"), ("regions", "palm"), ("regions", "wrist")],
                                  [("maybe", "zzz"), ("regions", "x")]])
def test_options_of_gives_the_options_wtforms_gives(app, sent):
    """The screening templates loop over ``options_of(group)`` (no field built per option): each option has the
    id, name, value, tick, label, required flag and tag that WTForms' own option field has."""
    form = _Options(MultiDict(sent))
    form.validate()
    option_input, options_of = app.jinja_env.globals["option_input"], app.jinja_env.globals["options_of"]

    def seen(option, group):
        return (option.id, option.name, option.data, option._value(), option.checked, option.label.text,
                str(option.label), bool(getattr(option.flags, "required", False)), str(option_input(option, group)))

    for group in (form.answer, form.maybe, form.regions):
        assert [seen(o, group) for o in options_of(group)] == [seen(o, group) for o in group]
    assert options_of(form.answer)[0].flags.required  # InputRequired flags every option of its group
