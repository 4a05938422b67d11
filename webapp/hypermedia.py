"""Everything Doorstep needs from htmx, in one module so the helper library can be swapped.

htmx-flask 0.1.0 gives us `request.htmx`; its response helpers are not used (their reswap
list is broken), so the few response headers we need are set here.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from flask import Response, abort, g, redirect, render_template, request
from werkzeug.routing import BaseConverter, ValidationError


def is_htmx() -> bool:
    """A fragment request: htmx asked, and it is not a history restore (which needs a page)."""
    headers = getattr(request, "htmx", None)
    return bool(headers) and not headers.history_restore_request


def sent_from() -> str | None:
    """The page (path and query) an htmx request was sent from, when it is one of this site's: where a person
    sent to log in again goes back to, rather than the address of the fragment or the form they posted."""
    here = urlsplit(request.headers.get("HX-Current-URL", ""))
    if not is_htmx() or (here.netloc and here.netloc != request.host) or not here.path.startswith("/"):
        return None
    return here.path + (f"?{here.query}" if here.query else "")


def page_or_fragment(page: str, fragment: str, status: int = 200, **context) -> tuple[str, int]:
    """The whole page for a plain request, just the swappable piece for htmx."""
    return render_template(fragment if is_htmx() else page, **context), status


def hx_redirect(url: str, status: int = 200) -> Response:
    """Send the browser to another page: HX-Redirect for htmx, a 303 otherwise."""
    if is_htmx():
        response = Response(status=status)
        target, here = urlsplit(url), urlsplit(request.headers.get("HX-Current-URL", ""))
        if target.fragment and (target.path, target.query) == (here.path, here.query):
            # Only the #fragment differs: the browser would scroll, not load the page again, and the change
            # just made would not show. Reload it instead.
            response.headers["HX-Refresh"] = "true"
        else:
            response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def start_timer() -> None:
    g.started = time.perf_counter()


def finish_response(response: Response) -> Response:
    """Headers every response gets: Vary on HX-Request, and the server time of the request."""
    # A cache must never serve a fragment where a page belongs (static files are never fragments).
    if request.endpoint not in ("static", "favicon"):
        response.vary.add("HX-Request")
    if "started" in g:
        # Server time of this request, read by bench/ (and by a browser's dev tools).
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
    return response


# --- integers from a request: one rule for URLs, query strings and forms -----------------------

# The largest id: PostgreSQL's integer holds 2**31-1 (SQLite's 2**63-1); every id from a request
# is checked against it, so an absurd number is a 404 or a message, never a database error.
MAX_ID = 2**31 - 1
_INTEGER = re.compile(r"-?[0-9]{1,12}", re.ASCII)  # ASCII only: str.isdigit() accepts "²"


def parse_int(raw, low: int = 1, high: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits within [low, high]; None for anything else."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    else:
        text = (raw or "").strip() if isinstance(raw, str) else ""
        if not _INTEGER.fullmatch(text):
            return None
        number = int(text)
    return number if low <= number <= high else None


def int_type(low: int = 1, high: int = MAX_ID):
    """For werkzeug's `request.args.get(name, type=…)`: out of range is treated like missing."""

    def convert(raw: str) -> int:
        number = parse_int(raw, low, high)
        if number is None:
            raise ValueError(raw)
        return number

    return convert


def id_arg(name: str) -> int | None:
    """An id from the query string or form (?pad=, ?community=): None if absent, 404 if not an id."""
    raw = request.values.get(name)
    if raw is None or raw == "":
        return None
    number = parse_int(raw)
    if number is None:
        abort(404)
    return number


class IdConverter(BaseConverter):
    """Database ids in URLs: 1 … MAX_ID, so an absurd number is a 404, not a database error."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = parse_int(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class TokenConverter(BaseConverter):
    """Printed tokens and codes: URL-safe characters only; anything else is a 404."""

    regex = r"[A-Za-z0-9_-]{4,64}"


def reject_nul_bytes():
    """PostgreSQL text cannot hold NUL; such input is bad input (400), never a 500."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400)


# --- asking before a change that cannot be taken back --------------------------------------------

def ask_first(question: str, back: str):
    """A change that cannot be taken back (a password reset, access ended, a sticker revoked) is asked
    about first. With htmx the page asks (hx-confirm) before it sends; without JavaScript the first post
    answers a page that asks, whose button sends the same form again with confirmed=1 (the same request
    id: a double tap still counts once). None: go ahead."""
    if is_htmx() or request.form.get("confirmed") == "1":
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != "confirmed"]
    return render_template("confirm.html", question=question, back=back, fields=fields, action=request.full_path)
