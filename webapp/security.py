"""Browser-side protection: the session cookie, and the security headers every response gets."""
from datetime import datetime, timezone

from flask import Response, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from .hypermedia import is_htmx

# What the pages need, and nothing more: our own scripts, styles, images and fetches.
# - no inline script anywhere (templates and static/js hold none; htmx's eval is off via the
#   htmx-config meta tag in base.html, so hx-on / js: values could not run either);
# - no inline styles: htmx's indicator <style> is off (includeIndicatorStyles: false) and the
#   dashboard bars are SVG rects, not style="width: …";
# - img-src allows data: for the SVG/PNG icons a stylesheet may inline; blob: for the camera
#   scanner's frames; worker-src for the offline service worker;
# - frame-ancestors 'none' (with X-Frame-Options for old WebViews): no page can be framed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Files the same for every visitor: no cookie, no Vary: Cookie, cacheable by anyone.
STATIC_ENDPOINTS = {"static", "favicon"}


# A session ends after PERMANENT_SESSION_LIFETIME without a request: each request may re-sign the
# cookie to push that end back. Doing it on every tap would cost CPU and a ~300-byte Set-Cookie on
# every knock, so the cookie is re-signed once it is this many seconds old (the lifetime is hours).
SESSION_RENEW_AFTER_SECONDS = 300


class SessionInterface(SecureCookieSessionInterface):
    """Secure whenever the request itself came over https; static files never vary on the cookie;
    the cookie is re-signed when changed or a few minutes old, not on every request."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                               return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or (datetime.now(timezone.utc) - signed_at).total_seconds() >= \
            SESSION_RENEW_AFTER_SECONDS

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app, session, response) -> None:
        # A static file is the same for everyone: no Set-Cookie and no "Vary: Cookie" (Flask-Login
        # reads the session after every request), so shared caches may keep it.
        if request.endpoint in STATIC_ENDPOINTS and not session.modified:
            return
        super().save_session(app, session, response)


def security_headers(response: Response) -> Response:
    """The one after_request hook for browser security headers."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Household and checkpoint URLs carry sticker tokens: never send them to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html" and not is_htmx():
        # Documents only: a fragment htmx swaps in lives under its page's policy, and its
        # 2 KB budget on the wire is better spent on the knock.
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint in STATIC_ENDPOINTS:
        return response
    from flask_login import current_user

    if current_user.is_authenticated:
        # Pages, fragments and exports of a logged-in user hold personal data: no copy in any
        # cache (a shared phone's browser cache, a proxy). The offline walk keeps its own copies.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response
