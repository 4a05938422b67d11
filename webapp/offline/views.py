"""The service worker at the root scope (it covers /h/ and /buildings/), the offline page it shows for
pages it does not hold, and the small state the outbox reads before it sends (who is logged in, a fresh
CSRF token, the server's clock).

A knock kept on the phone names its owner (field outbox_user): under another login it is refused with
409 and stays on the phone for its owner (see guard_outbox_owner)."""
from __future__ import annotations

import time
from pathlib import Path

from flask import abort, current_app, jsonify, make_response, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from . import bp

SERVICE_WORKER = Path(__file__).resolve().parents[2] / "static" / "js" / "sw.js"


@bp.get("/sw.js")
def service_worker():
    response = make_response(SERVICE_WORKER.read_bytes())
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def page():
    """Shown by the service worker, without a network, for a page it does not hold (no user data)."""
    return render_template("offline/page.html")


@bp.get("/offline/state")
@login_required
def state():
    response = jsonify(user=current_user.id, token=generate_csrf(), now=int(time.time() * 1000))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def guard_outbox_owner():
    """A write sent from the outbox carries its owner's id: never store it under another login."""
    if request.method != "POST" or "outbox_user" not in request.form:
        return None
    if current_user.is_authenticated and request.form["outbox_user"] != str(current_user.id):
        current_app.logger.info("outbox item of user %s refused under user %s", request.form["outbox_user"],
                                current_user.id)
        abort(409)
    return None
