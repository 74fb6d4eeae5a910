"""List the protocols and show one: stages, start rules, techniques, home programme, warnings, sources."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from clinic.domain import bodymap
from clinic.domain import protocols as proto
from clinic.library import library
from clinic.models import Role
from clinic.security import roles_required

bp = Blueprint("protocols", __name__, url_prefix="/protocols")


@bp.route("/")
@roles_required(Role.THERAPIST, Role.ADMIN)
def index():
    """Every protocol with its version and stages."""
    lib = library()
    return render_template("protocols/index.html", protocols=sorted(lib.protocols.values(), key=lambda p: p.title))


@bp.route("/<protocol_id>")
@roles_required(Role.THERAPIST, Role.ADMIN)
def show(protocol_id: str):
    """One protocol in full, as a therapist reviews it."""
    lib = library()
    if protocol_id not in lib.protocols:
        abort(404)
    protocol = lib.protocol(protocol_id)
    facts = {f.name: f for f in protocol.facts}
    return render_template(
        "protocols/show.html", protocol=protocol, lib=lib, facts=facts,
        choice_words={f.name: {o.value: o.label for o in f.options} for f in protocol.facts},
        describe_start=lambda rule: proto.describe_start_rule(rule, facts), clinic_dose=proto.describe_clinic_dose,
        home_dose=proto.describe_home_dose, region_words=bodymap.region_words,
    )
