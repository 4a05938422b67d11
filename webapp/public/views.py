"""What a resident sees after scanning a slip or a grid's poster. No resident data, ever."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from ..database import reads_then_writes, writing
from ..extensions import db
from ..idempotency import REQUEST_ID, new_request_id
from ..models import Grid, NoteSlip
from ..slips import codes
from ..slips.forms import SelfReportForm, SlipReplyForm
from ..slips.services import store_reply, store_self_report
from . import bp
from .ratelimit import limit


def _slip(code: str) -> NoteSlip | None:
    normalized = codes.normalize(code)
    if not codes.is_valid(normalized):
        return None
    return db.session.scalar(select(NoteSlip).where(NoteSlip.code == normalized, NoteSlip.state != "void"))


def _who_knocked(slip: NoteSlip | None) -> tuple[str, str]:
    """The community and its callback number; for an unknown code, the deployment's hotline.

    An unknown code gets the same page and status as a real one, so codes cannot be probed.
    """
    if slip is not None:
        return slip.community.name, slip.community.callback_phone or current_app.config["PUBLIC_HOTLINE"]
    return _("your community office"), current_app.config["PUBLIC_HOTLINE"]


@bp.route("/s/<token:code>", methods=["GET", "POST"])
@reads_then_writes
def slip(code: str):
    limit("slip-post" if request.method == "POST" else "slip", *(
        current_app.config["PUBLIC_POST_LIMIT"] if request.method == "POST" else current_app.config["PUBLIC_GET_LIMIT"]))
    found = _slip(code)
    community, callback = _who_knocked(found)
    answered = bool(found and found.replies)
    if request.method in ("GET", "HEAD"):
        form = SlipReplyForm.blank()
        return render_template("public/slip.html", form=form, community=community, callback=callback,
                               answered=answered, code=code)
    form = SlipReplyForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template("public/slip.html", form=_kept(form), community=community, callback=callback,
                               answered=answered, code=code), 422
    with writing():
        store_reply(found, form.request_id.data, kind=form.kind.data, home_slot=form.home_slot.data,
                    phone=form.phone.data, message=form.message.data)
    return render_template("public/thanks.html", community=community, callback=callback)


@bp.route("/g/<token:token>", methods=["GET", "POST"])
@reads_then_writes
def self_report(token: str):
    limit("report-post" if request.method == "POST" else "report", *(
        current_app.config["PUBLIC_POST_LIMIT"] if request.method == "POST" else current_app.config["PUBLIC_GET_LIMIT"]))
    grid = db.session.scalar(select(Grid).where(Grid.report_token == token))
    if grid is None:
        from flask import abort

        abort(404)
    if request.method in ("GET", "HEAD"):
        form = SelfReportForm.blank()
        return render_template("public/report.html", form=form, grid=grid)
    form = SelfReportForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template("public/report.html", form=_kept(form), grid=grid), 422
    with writing():
        store_self_report(grid.id, form.request_id.data, name=form.name.data.strip(),
                          phone=form.phone.data.replace(" ", "").replace("-", ""),
                          address_text=form.address_text.data.strip(), category=form.category.data,
                          arrived_from=(form.arrived_from.data or "").strip() or None,
                          note=(form.note.data or "").strip() or None)
    return render_template("public/thanks.html", community=grid.community.name,
                           callback=grid.community.callback_phone or current_app.config["PUBLIC_HOTLINE"])


def _kept(form):
    """A form shown again after a refusal: a request id that was missing or damaged is replaced (nothing
    was stored under it), so the next tap on 提交 can succeed."""
    if form.request_id.errors or not REQUEST_ID.fullmatch(form.request_id.data or ""):
        form.request_id.data = new_request_id()
    return form


@bp.errorhandler(CSRFError)
def page_expired(error):
    """A resident's page outlived its session (WeChat's browser drops the cookie when it is put away):
    show the form again with what they typed and a fresh token, rather than an error page that loses it."""
    expired = _("This page had expired. What you typed is still here: tap Send again.")
    if request.endpoint == "public.slip":
        found = _slip(request.view_args.get("code", ""))
        community, callback = _who_knocked(found)
        form = _kept(SlipReplyForm(formdata=request.form, meta={"csrf": False}))
        return render_template("public/slip.html", form=form, community=community, callback=callback,
                               answered=bool(found and found.replies), code=request.view_args.get("code", ""),
                               expired=expired), 400
    if request.endpoint == "public.self_report":
        grid = db.session.scalar(select(Grid).where(Grid.report_token == request.view_args.get("token", "")))
        if grid is not None:
            form = _kept(SelfReportForm(formdata=request.form, meta={"csrf": False}))
            return render_template("public/report.html", form=form, grid=grid, expired=expired), 400
    return render_template("errors/page.html", code=400, csrf=True, public=True), 400
