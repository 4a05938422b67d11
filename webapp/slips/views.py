"""Slip pads for the secretary, slips at the door for the volunteer, and the inbox of answers."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..database import writing
from ..extensions import db
from ..forms import FieldError, WriteForm
from ..hypermedia import id_arg, is_htmx
from ..labels import person_label
from ..paging import kept_pages, list_asked_for, page_number
from ..printing import printed_url, qr_svg
from ..models import Building, Household, SelfReport, SlipPad, SlipReply, Visit
from ..scope import (
    chosen_community,
    current_scope,
    helpers_in_communities,
    household_by_token_or_404,
    managed_communities_or_404,
    or_404,
)
from . import bp, codes
from .forms import BindSlipForm, ConfirmReplyForm, ConfirmReportForm, PadForm
from .queries import (
    campaign_of_silent_page,
    community_campaigns,
    community_pads,
    my_pads,
    my_slip_counts,
    my_slips,
    open_replies,
    open_reports,
    page_of_reply,
    page_of_report,
    reply_in_scope,
    report_in_scope,
    unplaced_reply_in_scope,
    silent_page_name,
    silent_slips,
    slip_figures,
    slip_of_visit,
    suggested_households,
)
from .services import (
    SlipError,
    bind_slip,
    close_unplaced_reply,
    confirm_reply,
    confirm_self_report,
    create_pad,
    dismiss_self_report,
    new_household,
)


@bp.route("/slips", methods=["GET", "POST"])
@login_required
def index():
    """Slip figures per campaign, pads printed and issued (one community at a time: ?community=)."""
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    if request.method == "GET":  # "show more" pads, campaigns or a campaign's silent doors: the next rows alone
        silent_list = campaign_of_silent_page(community.id, request.args) if is_htmx() else None
        shown = list_asked_for(("pads_page", "campaigns_page", *([silent_list[0]] if silent_list else [])))
        if shown == "pads_page":
            return render_template("slips/_pad_rows.html", pads=community_pads(community.id, page_number(shown)))
        if shown == "campaigns_page":
            campaigns = community_campaigns(community.id, page_number(shown))
            return render_template("slips/_campaign_cards.html", campaigns=campaigns,
                                   figures=_figures_of(campaigns.rows))
        if shown is not None:
            return render_template("slips/_silent_rows.html", silent=silent_slips(silent_list[1], page_number(shown)))
    form = PadForm() if request.method == "POST" else PadForm.blank()
    people = helpers_in_communities([community.id])
    form.issued_to.choices = [(0, "—")] + [(u.id, person_label(u)) for u in people]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with writing():
                pad = create_pad(form.request_id.data, community.id, form.count.data, form.issued_to.data or None,
                                 current_user.id)
            if pad is not None:  # made now, or by the first post of this form (a replay)
                return redirect(url_for("slips.print_pad", pad=pad.id), code=303)
            return redirect(url_for("slips.index", community=community.id), code=303)
        db.session.rollback()
        status = 422
    pads = community_pads(community.id, page_number("pads_page"))
    campaigns = community_campaigns(community.id, page_number("campaigns_page"))
    return render_template("slips/index.html", form=form, pads=pads, campaigns=campaigns,
                           figures=_figures_of(campaigns.rows), community=community,
                           communities=communities), status


def _figures_of(campaigns) -> list:
    """Each campaign's slip figures and the first page of its doors still silent after a slip."""
    figures = []
    for campaign in campaigns:
        counted = slip_figures(campaign)
        figures.append((campaign, counted, silent_slips(campaign, page_number(silent_page_name(campaign)),
                                                        total=counted["silent"])))
    return figures


@bp.get("/slips/print")
@login_required
def print_pad():
    """Printable slips of one pad (default: the newest pad the user may print)."""
    scope = current_scope()
    statement = select(SlipPad)
    if not scope.everything:
        statement = statement.where((SlipPad.community_id.in_(scope.managed_community_ids))
                                    | (SlipPad.issued_to_id == current_user.id))
    pad_id = id_arg("pad")
    if pad_id is not None:
        statement = statement.where(SlipPad.id == pad_id)
    pad = db.session.scalar(statement.order_by(SlipPad.id.desc()).limit(1))
    if pad is None:
        abort(404)
    slips = [(slip, codes.display(slip.code), qr_svg(printed_url("public.slip", code=slip.code)))
             for slip in pad.slips]
    # Back to where the pad came from: the community's slip page for who manages it, else the volunteer's own slips.
    if scope.everything or pad.community_id in scope.managed_community_ids:
        back = (url_for("slips.index", community=pad.community_id), _("Note slips"))
    else:
        back = (url_for("slips.mine"), _("My slips"))
    return render_template("slips/print.html", pad=pad, slips=slips, back=back)


@bp.get("/slips/mine")
@login_required
def mine():
    """The slips this volunteer left: answered and still waiting, each list a page at a time."""
    left, answered = my_slip_counts(current_user.id)
    lists = {"answered_page": ("slips/_answered_rows.html", True, answered),
             "waiting_page": ("slips/_waiting_rows.html", False, left - answered)}
    shown = list_asked_for(lists)
    if shown is not None:
        fragment, replied, total = lists[shown]
        return render_template(fragment, slips=my_slips(current_user.id, replied, page_number(shown), total=total))
    return render_template("slips/mine.html", left=left, pads=my_pads(current_user.id),
                           answered=my_slips(current_user.id, True, page_number("answered_page"), total=answered),
                           waiting=my_slips(current_user.id, False, page_number("waiting_page"), total=left - answered))


def _visit_at_door_or_404(token: str, visit_id: int) -> Visit:
    """A visit of the door behind this sticker, if the door is in the user's scope."""
    household = household_by_token_or_404(token)
    return or_404(db.session.scalar(select(Visit).where(Visit.id == visit_id, Visit.household_id == household.id)))


@bp.route("/h/<token:token>/visits/<id:visit_id>/slip", methods=["GET", "POST"])
@login_required
def bind(token: str, visit_id: int):
    """Leave a slip at the door: bind its number to the not_home knock (field slip_code)."""
    visit = _visit_at_door_or_404(token, visit_id)
    if request.method in ("GET", "HEAD"):
        form = BindSlipForm.blank(slip_code=request.args.get("slip_code", ""))
        return render_template("slips/bind.html", visit=visit, form=form)
    form = BindSlipForm()
    status = 200
    if form.validate_on_submit():
        try:
            with writing():
                bind_slip(visit, form.slip_code.data, current_user.id, form.request_id.data)
            if not is_htmx():
                return redirect(url_for("doors.card", token=token), code=303)
        except SlipError as error:
            form.slip_code.errors = [str(error)]
            status = 422
    else:
        db.session.rollback()
        status = 422
    if is_htmx():
        return render_template("slips/_bind.html", visit=visit, form=form if status != 200 else BindSlipForm.blank(),
                               slip=slip_of_visit(visit.id)), status
    return render_template("slips/bind.html", visit=visit, form=form), status


@bp.get("/inbox")
@login_required
def inbox():
    return _inbox_page()


def _inbox_page(refused: tuple[int, ConfirmReportForm] | None = None,
                refused_reply: tuple[int, ConfirmReplyForm] | None = None, status: int = 200):
    """The inbox: answers to slips and self-reports, each list a page at a time; `refused` (a report) or
    `refused_reply` (an answer): (its id, its form) when confirming it needs a correction, shown beside its
    field with what was chosen kept (its list is shown down to its page)."""
    scope = current_scope()
    context = dict(reply_form=lambda: ConfirmReplyForm.blank(), report_form=lambda: ConfirmReportForm.blank(),
                   buildings_of=_buildings_of_grid, refused=refused, refused_reply=refused_reply,
                   suggestions_of=lambda report: suggested_households(report, scope))
    shown = None if refused or refused_reply else list_asked_for(("replies_page", "reports_page"))
    if shown == "replies_page":
        return render_template("slips/_reply_rows.html", replies=open_replies(scope, page_number(shown)), **context), \
            status
    if shown == "reports_page":
        return render_template("slips/_report_rows.html", reports=open_reports(scope, page_number(shown)),
                               **context), status
    replies_page, reports_page = page_number("replies_page"), page_number("reports_page")
    if refused:
        reports_page = max(reports_page, page_of_report(db.session.get(SelfReport, refused[0]), scope))
    if refused_reply:
        replies_page = max(replies_page, page_of_reply(db.session.get(SlipReply, refused_reply[0]), scope))
    return render_template("slips/inbox.html", replies=open_replies(scope, replies_page),
                           reports=open_reports(scope, reports_page), **context), status


def _buildings_of_grid(grid_id: int) -> list[Building]:
    return list(db.session.scalars(select(Building).where(Building.grid_id == grid_id).order_by(Building.sort_key)))


@bp.post("/inbox/replies/<id:reply_id>/confirm")
@login_required
def confirm_slip_reply(reply_id: int):
    reply = or_404(reply_in_scope(reply_id, current_scope()))
    form = ConfirmReplyForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _inbox_page(refused_reply=(reply.id, form), status=422)
    try:
        with writing():
            confirm_reply(reply, current_user.id, form.request_id.data, form.outcome.data, form.note.data)
    except SlipError:
        abort(404)
    flash(_("Confirmed: %(address)s is marked as reached.", address=reply.slip.household.address), "success")
    return redirect(url_for("slips.inbox", **kept_pages()), code=303)


@bp.post("/inbox/replies/<id:reply_id>/close")
@login_required
def close_slip_reply(reply_id: int):
    """An answer to a slip left at no door: the caller has phoned and dealt with it."""
    reply = or_404(unplaced_reply_in_scope(reply_id, current_scope()))
    form = WriteForm()
    if not form.validate_on_submit():
        abort(400)
    with writing():
        close_unplaced_reply(reply, current_user.id, form.request_id.data)
    flash(_("Marked as dealt with."), "success")
    return redirect(url_for("slips.inbox", **kept_pages()), code=303)


@bp.post("/inbox/reports/<id:report_id>/<any(confirm, dismiss):action>")
@login_required
def handle_report(report_id: int, action: str):
    report = or_404(report_in_scope(report_id, current_scope()))
    form = ConfirmReportForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _inbox_page(refused=(report.id, form), status=422)
    try:
        target = _target_door(report, form) if action == "confirm" else None
    except FieldError as problem:
        db.session.rollback()
        problem.show_on(form)
        return _inbox_page(refused=(report.id, form), status=422)
    with writing():
        if target is None:
            dismiss_self_report(report, current_user.id, form.request_id.data)
            message = _("Self-report dismissed.")
        else:
            household, building, room = target
            household = household or new_household(building, room)
            confirm_self_report(report, household, current_user.id, form.request_id.data)
            message = _("Added to %(address)s.", address=household.address)
    flash(message, "success")
    return redirect(url_for("slips.inbox", **kept_pages()), code=303)


def _target_door(report: SelfReport, form: ConfirmReportForm) -> tuple[Household | None, Building | None, str]:
    """The door a self-report is confirmed at: a registered household, or (building, room) of a new one."""
    if form.household_id.data:
        household = db.session.get(Household, form.household_id.data)
        if household is None or household.grid_id != report.grid_id:
            abort(404)
        return household, None, ""
    building = db.session.get(Building, form.building_id.data or 0)
    room = (form.room.data or "").strip()
    if building is None or building.grid_id != report.grid_id:
        raise FieldError("building_id", _("Choose a building of this grid."))
    if not room:
        raise FieldError("room", _("Type the room number of the new household."))
    existing = db.session.scalar(select(Household).where(Household.building_id == building.id,
                                                         Household.room == room))
    return existing, building, room
