"""Template globals and filters."""

from __future__ import annotations

import datetime as dt

from flask import Flask, g
from markupsafe import Markup, escape
from wtforms.fields.core import Flags, Label

from clinic import localtime, staff
from clinic.clock import zone_name
from clinic.domain import bodymap, planning
from clinic.extensions import db
from clinic.patients.fields import full_name, name_joiner


def compile_page_templates(app: Flask) -> int:
    """Compile every page template now, once per served process; returns how many.

    Jinja compiles a template on its first use in a process, and the screening result page with its includes took
    130 ms of one request to do so (all 56 pages: about 0.4 s). Served, that landed on a therapist: after every
    restart, the first person to open each kind of page in each worker waited for it (the paced load bench's slowest
    screening saves). gunicorn's ``post_worker_init`` calls this before the worker takes requests. Tests do not:
    they build an app a test. The handouts' templates have their own environment, in the render processes."""
    env = app.jinja_env
    names = [name for name in env.list_templates(extensions=["html"]) if not name.startswith("handouts/")]
    for name in names:
        env.get_template(name)
    return len(names)


def init_app(app: Flask) -> None:
    """Expose the current user and date helpers to templates."""

    @app.context_processor
    def inject_user():
        return {"current_user": g.get("user")}

    @app.template_global()
    def field_attrs(field, hint: str | None = None, autocomplete: str | None = None) -> dict[str, str]:
        """aria attributes that tie a field to its hint and error messages."""
        described = []
        if hint or field.description:
            described.append(f"{field.id}-hint")
        described += [f"{field.id}-error-{i}" for i in range(1, len(field.errors) + 1)]
        attrs: dict[str, str] = {}
        if described:
            attrs["aria-describedby"] = " ".join(described)
        if field.errors:
            attrs["aria-invalid"] = "true"
        if autocomplete:
            attrs["autocomplete"] = autocomplete
        return attrs

    @app.template_global()
    def invalid(field) -> dict[str, str]:
        """aria-invalid for each option of a radio or checkbox group that has an error (WF-10)."""
        return {"aria-invalid": "true"} if field.errors else {}

    @app.template_global()
    def option_input(option, group) -> Markup:
        """One radio button or checkbox of ``group``, with aria-invalid when the group has an error (WF-10):
        the same tag WTForms writes, written here because the screening form has about 700 of them and WTForms'
        general widget (attribute sorting, flag lookups) took most of that page's time."""
        tag = "<input"
        if group.errors:
            tag += ' aria-invalid="true"'
        if option.checked:
            tag += " checked"
        required = " required" if getattr(option.flags, "required", False) else ""
        # Every value that comes from the form is escaped; the rest are the literal attributes above.
        return Markup(f'{tag} id="{escape(option.id)}" name="{escape(option.name)}"{required} '  # noqa: S704
                      f'type="{escape(option.widget.input_type)}" value="{escape(option._value())}">')

    app.add_template_global(options_of)
    app.add_template_global(name_joiner)

    @app.template_global()
    def patient_full_name(patient) -> str:
        """The name as the patient writes it, in their order ("Anna Smith", "王秀英")."""
        return full_name(patient.family_name, patient.given_names, patient.name_order)

    @app.template_filter("day")
    def format_day(value: dt.date | dt.datetime | None) -> str:
        """'14 March 2026' – unambiguous in every country; a datetime's day is the clinic's day."""
        return localtime.format_day(value, zone_name())

    @app.template_global()
    def body_map_parts() -> dict:
        """The body map's regions grouped for the screening form (clinic.domain.bodymap.form_parts)."""
        return bodymap.form_parts()

    @app.template_filter("leave_out_words")
    def leave_out(item) -> str:
        """What a finding left out of a plan item: 'Leave out the right index finger's middle joint.'"""
        return planning.leave_out_words(item)

    @app.template_filter("when")
    def format_when(value: dt.datetime | None) -> str:
        """'14 March 2026, 09:30' on the clinic's clock (stored times are UTC)."""
        return localtime.format_when(value, zone_name())

    @app.template_filter("person")
    def person(value: str | None) -> str:
        """A stored login (who approved, screened, changed…) shown as the person's name, never the e-mail."""
        return request_staff().for_email(value)

    @app.before_request
    def forget_staff() -> None:
        g.pop("_staff", None)  # a test may send several requests inside one application context


class LightOption:
    """One radio button or checkbox of a choice field, with what ``option_input`` and the screening templates read of
    WTForms' option field (id, name, data, checked, label.text, flags.required, widget), without building a field
    for it: WTForms makes a whole bound field (validators, flags, label) for each of the screening form's ~700
    options on every render, 2-3 ms of each screening page."""

    __slots__ = ("id", "name", "data", "checked", "label", "flags", "widget")

    def __init__(self, id: str, name: str, data: str, checked: bool, label: Label, flags: Flags,  # noqa: A002
                 widget) -> None:
        self.id, self.name, self.data, self.checked = id, name, data, checked
        self.label, self.flags, self.widget = label, flags, widget

    def _value(self) -> str:
        return str(self.data)


def options_of(group) -> list[LightOption]:
    """The options of a radio or checkbox group as WTForms' ``for option in group`` gives them: ids ``<group>-<n>``,
    the group's name, ticked as the group's data says, flagged as its validators and option widget flag them."""
    flags = Flags()
    for source in (*group.validators, group.option_widget):
        for key, value in getattr(source, "field_flags", {}).items():
            setattr(flags, key, value)
    out = []
    for i, choice in enumerate(group.iter_choices()):
        option_id = f"{group.id}-{i}"
        out.append(LightOption(option_id, group.name, choice.value, choice.selected,
                               Label(option_id, choice.label or choice.value), flags, group.option_widget))
    return out


def request_staff() -> staff.Staff:
    """The logged-in user's clinic's staff by name, read once per request however many people a page names."""
    found = g.get("_staff")
    if found is None:
        user = g.get("user")
        found = g._staff = staff.clinic_staff(db.session, user.clinic_id if user is not None else None)
    return found
