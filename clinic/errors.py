"""Friendly error pages: never a traceback, never another clinic's data."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from clinic.extensions import db

MESSAGES = {
    400: ("Something in the request was not right", "Go back, check the form and try again."),
    403: ("Not allowed", "Your account does not have access to this page. Ask your administrator if you need it."),
    404: ("Not found", "There is nothing here. It may have been moved or erased."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Changed by someone else", "Someone saved this before you. Reload to see their version."),
    413: ("Too large", "What you sent is larger than we accept. Shorten the text and try again."),
    422: ("Cannot process", "Some of what you sent could not be used."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "Nothing you typed was saved by this attempt. Try again; "
          "if it keeps happening, tell your administrator the time it happened."),
}


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        db.session.rollback()
        return render_template(
            "errors/error.html", code=400, title="This form has expired",
            message="For your safety forms expire. Go back, reload the page and send it again.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        title, message = MESSAGES.get(code, (exc.name, ""))
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return http_error(InternalServerError())
