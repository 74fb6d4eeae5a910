"""WTForms' ``html_params`` (the attributes of every input, select and option it writes), done faster.

A form page writes hundreds of inputs (the plan's edit form about 200 number boxes and selects, the screening
form about 700 options), and WTForms' own ``html_params`` formats every attribute through ``Markup.format``,
Python's ``string.Formatter`` underneath: 40 % of the edit form's CPU time. This one writes the very same
text (same order, same escaping, same boolean attributes; tests/unit/test_widget_params.py checks it against
WTForms' own over any attributes) with plain string operations. ``install`` puts it where WTForms' widgets
look it up.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import core

wtforms_html_params = core.html_params  # WTForms' own, kept to compare against
_QUOTE, _QUOTE_ENTITY = Markup('"'), Markup("&quot;")  # a Markup value passed in may hold a bare quote


def html_params(**kwargs) -> Markup:
    """``wtforms.widgets.html_params``: ``key="value"`` pairs sorted by key; ``class_`` -> ``class``,
    ``data_x_y``/``aria_x_y`` -> ``data-x-y``/``aria-x-y``; True writes the bare key, False nothing."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = key.rstrip("_")
        if key.startswith(("data_", "aria_")):
            key = key.replace("_", "-")
        if value is True:
            params.append(escape(key))
        elif value is not False:
            text = escape(value)  # a quote is escaped already, unless the value came in as Markup
            params.append(f'{escape(key)}="{text.replace(_QUOTE, _QUOTE_ENTITY) if _QUOTE in text else text}"')
    return Markup(" ".join(params))  # noqa: S704 - every key and value above went through escape()


def install() -> None:
    """Make WTForms' widgets write their attributes with :func:`html_params` (idempotent): the module's function
    (selects, options, text areas) and the copy inputs and buttons keep as a static method."""
    core.html_params = html_params
    core.Input.html_params = staticmethod(html_params)
    core.Button.html_params = staticmethod(html_params)
