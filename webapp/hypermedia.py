"""Everything Doorstep needs from htmx, in one module so the helper library can be swapped.

htmx-flask 0.1.0 gives us `request.htmx`; its response helpers are not used (their reswap
list is broken), so the few response headers we need are set here.
"""
from __future__ import annotations

from flask import Response, redirect, render_template, request


def is_htmx() -> bool:
    """A fragment request: htmx asked, and it is not a history restore (which needs a page)."""
    headers = getattr(request, "htmx", None)
    return bool(headers) and not headers.history_restore_request


def page_or_fragment(page: str, fragment: str, status: int = 200, **context) -> tuple[str, int]:
    """The whole page for a plain request, just the swappable piece for htmx."""
    return render_template(fragment if is_htmx() else page, **context), status


def hx_redirect(url: str, status: int = 200) -> Response:
    """Send the browser to another page: HX-Redirect for htmx, a 303 otherwise."""
    if is_htmx():
        response = Response(status=status)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def add_vary_header(response: Response) -> Response:
    # A cache must never serve a fragment where a page belongs.
    response.vary.add("HX-Request")
    return response
