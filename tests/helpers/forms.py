"""Every form class of the app, including the ones built from the protocol files, for sweeps over fields."""

from __future__ import annotations

from clinic.forms import ClinicForm


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def every_form_class(app) -> set[type[ClinicForm]]:
    """Every ClinicForm subclass, after building the screening and case-fact forms of every protocol."""
    from clinic.library import library, screening_rules
    from clinic.plans.forms import facts_form_class
    from clinic.screening.forms import screening_form_class

    with app.test_request_context():
        lib = library()
        for protocol in lib.protocols.values():
            facts_form_class(protocol)
            screening_form_class(screening_rules(), protocol.id, protocol.facts, {})
    return set(_subclasses(ClinicForm))
