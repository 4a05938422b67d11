"""Friendly error pages; an htmx request gets a short fragment instead of a whole page."""
from flask import Flask, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..extensions import db
from ..hypermedia import hx_redirect, is_htmx, page_or_fragment, sent_from


def _for_residents() -> bool:
    """A resident's page (a slip's /s/<code>, a poster's /g/<token>), even when its code did not match the route."""
    return request.blueprint == "public" or request.path.startswith(("/s/", "/g/"))


def _render(code: int, **context):
    return page_or_fragment("errors/page.html", "errors/_message.html", status=code, code=code,
                            public=_for_residents(), **context)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Usually an expired session: send the person to log in again rather than fail in place.
        if not current_user.is_authenticated and request.endpoint not in ("auth.login", "auth.language"):
            from flask import flash, url_for
            from flask_babel import gettext as _

            if not is_htmx():
                return _render(400, csrf=True)
            # Say why the login page is back, and return to the page the person was on once logged in.
            flash(_("Your login had ended. Log in again, then check that what you just sent was saved."), "info")
            return hx_redirect(url_for("auth.login", next=sent_from()), status=401)
        return _render(400, csrf=True)

    @app.errorhandler(400)
    def bad_request(error):
        return _render(400)

    @app.errorhandler(403)
    def forbidden(error):
        return _render(404)  # outside one's scope looks exactly like not there

    @app.errorhandler(404)
    def not_found(error):
        return _render(404)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _render(405)

    @app.errorhandler(409)
    def conflict(error):
        return _render(409)

    @app.errorhandler(422)
    def unprocessable(error):
        return _render(422)

    @app.errorhandler(429)
    def too_many(error):
        return _render(429)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500)
