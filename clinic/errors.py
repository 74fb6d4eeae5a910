"""Friendly error pages: never a traceback, never another clinic's data."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from clinic.extensions import db
from clinic.security import UnreadableBody

MESSAGES = {
    400: ("Something in the request was not right", "Go back, check the form and try again."),
    403: ("Not allowed", "Your account does not have access to this page. Ask your administrator if you need it."),
    404: ("Not found", "There is nothing here. It may have been moved or erased."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Changed by someone else", "Someone saved this before you. Reload to see their version."),
    413: ("Too much at once", "What you sent is larger than the {limit} we accept, so nothing was saved. Go back: "
          "the form usually still holds what you typed. Shorten the longest text, or save it in two parts."),
    422: ("Cannot process", "Some of what you sent could not be used."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "Nothing you typed was saved by this attempt. Try again; "
          "if it keeps happening, tell your administrator the time it happened."),
}


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(UnreadableBody)
    def unreadable(exc: UnreadableBody):
        db.session.rollback()
        return render_template(
            "errors/error.html", code=400, title="We could not read what was sent",
            message="The text did not arrive as readable characters (it was not UTF-8), so nothing was saved. "
                    "Go back and send the form again; if it keeps happening, type the text instead of pasting it.",
        ), 400

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        db.session.rollback()
        # The route pattern (ids as <int:…>) and the reason; never the form, the cookie or who it was.
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        app.logger.warning("CSRF check failed: %s %s: %s", request.method, rule, exc.description)
        return render_template(
            "errors/error.html", code=400, title="This form has expired",
            message="For your safety forms expire. Go back, reload the page and send it again.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        title, message = MESSAGES.get(code, (exc.name, ""))
        if code == 413:
            message = message.format(limit=_size(current_app.config.get("MAX_CONTENT_LENGTH") or 0))
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return http_error(InternalServerError())


def _size(limit: int) -> str:
    """A byte count as people say it: "1 MB", "512 KB"."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= size:
            return f"{limit / size:.3g} {unit}"
    return f"{limit} bytes"
