"""The faster html_params (clinic/widget_params.py) writes exactly what WTForms' own writes, for any attributes:
the form pages say the same, only sooner."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form, IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.widgets import core

from clinic import widget_params
from tests.helpers.properties import examples

KEYS = st.sampled_from(["id", "name", "class_", "for_", "value", "type", "data_none_of_group", "aria_describedby",
                        "aria_invalid", "autocomplete", "checked", "readonly", "step", "min", "max", "x_y_"])
VALUES = st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(),
                   st.text().map(Markup), st.sampled_from(['a"b', "<b>&'", Markup('<i>"x"</i>'), None]))


@given(st.dictionaries(KEYS, VALUES, max_size=8))
@settings(max_examples=examples(500))
def test_html_params_writes_what_wtforms_writes(attributes):
    ours = widget_params.html_params(**attributes)
    assert isinstance(ours, Markup)
    assert ours == widget_params.wtforms_html_params(**attributes)


class _Form(Form):
    count = IntegerField("Count", default=3)
    kind = SelectField("Kind", choices=[SelectChoice("a", "A & B"), SelectChoice("b", "\"B\"")], default="b")
    note = TextAreaField("Note", default="<x>")
    text = StringField("Text", default='say "hi"')
    go = SubmitField("Go")


def _rendered() -> list[str]:
    form = _Form()
    return [str(f(class_="c", data_x="1", aria_describedby="h", required=True, disabled=False)) for f in form]


def test_installed_widgets_write_the_same_fields(monkeypatch):
    monkeypatch.setattr(core, "html_params", widget_params.wtforms_html_params)
    monkeypatch.setattr(core.Input, "html_params", staticmethod(widget_params.wtforms_html_params))
    monkeypatch.setattr(core.Button, "html_params", staticmethod(widget_params.wtforms_html_params))
    theirs = _rendered()
    widget_params.install()
    assert core.Input.html_params is widget_params.html_params
    assert _rendered() == theirs
