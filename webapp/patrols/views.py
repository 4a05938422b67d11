"""一日三巡: rounds for volunteers, cases for work groups, set-up and the daily log for the secretary."""
from __future__ import annotations


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..printing import printed_url, qr_svg, sticker_place
from ..clock import local_naive, local_now, local_today, picked_day
from ..forms import read_device_time
from ..extensions import db
from ..hypermedia import is_htmx, page_or_fragment
from ..paging import page_number
from ..database import writing
from ..labels import FINDING_LABELS, ROUND_STATE_LABELS, SCAN_RESULT_LABELS
from ..idempotency import find_by_request_id
from ..models import CaseEvent, Checkpoint, Community, Patrol, Route, User, WorkGroup
from ..scope import (
    child_or_404,
    chosen_community,
    current_scope,
    managed_communities_or_404,
    or_404,
    users_in_communities,
)
from ..spreadsheets import csv_response
from . import bp
from .forms import (
    CaseForm,
    CheckpointForm,
    EndRoundForm,
    GroupForm,
    RouteForm,
    ScanForm,
    SignoffForm,
    StartRoundForm,
)
from .queries import (
    case_in_scope,
    cases_of_scans,
    checkpoints_left,
    may_move_case,
    reported_case_count,
    checkpoint_in_scope,
    patrol_in_scope,
    day_scans,
    groups_of,
    open_patrol,
    round_results,
    route_day,
    routes_of,
    routes_patrolled_by,
    routes_through,
    signoff_of,
    visible_cases,
)
from .services import (
    PatrolError,
    SetupError,
    end_round,
    move_case,
    record_scan,
    set_up_checkpoint,
    set_up_group,
    set_up_route,
    sign_off,
    start_round,
)


# --- volunteers: rounds --------------------------------------------------------------------


def _my_rounds_page(error: str | None = None) -> str:
    """The patroller's routes with today's rounds; with a message when a round could not start."""
    today = local_today()
    routes = [(route, round_results(route, today)) for route in routes_patrolled_by(current_user.id)]
    return render_template("patrols/index.html", routes=routes, current=open_patrol(current_user.id),
                           start_form=StartRoundForm.blank, error=error,
                           manages=bool(current_scope().managed_community_ids or current_scope().everything),
                           reported=reported_case_count(current_user.id))


@bp.get("/patrols")
@login_required
def index():
    return _my_rounds_page()


@bp.post("/patrols/start")
@login_required
def start():
    form = StartRoundForm()
    if not form.validate_on_submit():
        abort(400)
    route = db.session.scalar(select(Route).where(Route.id == form.route_id.data).where(
        Route.id.in_([r.id for r in routes_patrolled_by(current_user.id)])))
    if route is None:
        abort(404)
    try:
        with writing():
            patrol = start_round(route, current_user.id, form.request_id.data)
    except PatrolError as error:
        return _my_rounds_page(error=str(error)), 422
    here = form.checkpoint.data
    if here and any(stop.checkpoint.token == here for stop in route.stops):
        # Started at a checkpoint's sticker: the volunteer stands there, so its scan comes next (not a rescan).
        return redirect(url_for("patrols.checkpoint", token=here), code=303)
    return redirect(url_for("patrols.patrol", patrol_id=patrol.id), code=303)


@bp.get("/patrols/<id:patrol_id>")
@login_required
def patrol(patrol_id: int):
    patrol = or_404(patrol_in_scope(patrol_id, current_scope()))
    return _patrol_page(patrol, EndRoundForm.blank())


def _patrol_page(patrol: Patrol, end_form, status: int = 200):
    """A round's checkpoints with what was seen at each, and the case a finding handed on opened."""
    return render_template("patrols/patrol.html", patrol=patrol, end_form=end_form,
                           scanned={s.checkpoint_id: s for s in patrol.scans},
                           cases=cases_of_scans([s.id for s in patrol.scans])), status


@bp.post("/patrols/<id:patrol_id>/end")
@login_required
def end(patrol_id: int):
    patrol = or_404(patrol_in_scope(patrol_id, current_scope()))
    if patrol.user_id != current_user.id:
        abort(404)
    form = EndRoundForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _patrol_page(patrol, form, 422)
    try:
        with writing():
            end_round(patrol, current_user.id, form.request_id.data, form.reason.data)
    except PatrolError as error:
        form.reason.errors = [str(error)]
        return _patrol_page(patrol, form, 422)
    flash(_("Round %(n)d on %(route)s ended.", n=patrol.round_no, route=patrol.route.name), "success")
    return redirect(url_for("patrols.index"), code=303)


@bp.route("/c/<token:token>", methods=["GET", "POST"])
@login_required
def checkpoint(token: str):
    """A checkpoint's sticker: scan it on the current round, or start one here."""
    checkpoint = or_404(checkpoint_in_scope(token, current_scope()))
    current = open_patrol(current_user.id)
    on_round = current if current and checkpoint.id in {s.checkpoint_id for s in current.route.stops} else None
    groups = db.session.scalars(select(WorkGroup).where(WorkGroup.community_id == checkpoint.community_id)
                                .order_by(WorkGroup.id)).all()
    mine = {r.id for r in routes_patrolled_by(current_user.id)}
    context = {"checkpoint": checkpoint, "patrol": on_round, "current": current, "groups": groups,
               "routes": [r for r in routes_through(checkpoint.id) if r.id in mine],
               "start_form": lambda: StartRoundForm.blank()}
    if request.method in ("GET", "HEAD"):
        return render_template("patrols/checkpoint.html", form=ScanForm.blank(patrol_id=on_round.id if on_round
                                                                      else None), **context)
    form = ScanForm()
    status = 422
    if form.validate_on_submit():
        patrol = child_or_404(Patrol, form.patrol_id.data, user_id=current_user.id)  # one's own round
        group = db.session.get(WorkGroup, form.work_group_id.data) if form.work_group_id.data else None
        if group is not None and group.community_id != checkpoint.community_id:
            abort(404)
        tapped = read_device_time(form.device_time.data, form.clock_offset.data)
        try:
            with writing():
                scan = record_scan(patrol, checkpoint, current_user.id, request_id=form.request_id.data,
                                   result=form.result.data, finding_kind=form.finding_kind.data, note=form.note.data,
                                   resolution=form.resolution.data, work_group=group,
                                   device_time=tapped.moment, clock_corrected=tapped.corrected)
            if is_htmx():  # the last checkpoint of the round: ending it is what comes next, here and now
                return render_template("patrols/_scanned.html", patrol=patrol, checkpoint=checkpoint,
                                       case=cases_of_scans([scan.id]).get(scan.id),
                                       end_form=EndRoundForm.blank() if not checkpoints_left(patrol) else None)
            return redirect(url_for("patrols.patrol", patrol_id=patrol.id), code=303)
        except PatrolError as error:
            form.result.errors = [str(error)]
    else:
        db.session.rollback()
    # An htmx request swaps #scan: its answer is that section (with the messages), never the page.
    return page_or_fragment("patrols/checkpoint.html", "patrols/_scan.html", status, form=form, **context)


# --- work groups: cases ----------------------------------------------------------------------


CASE_LISTS = ("open", "all", "mine")


@bp.get("/cases")
@login_required
def cases():
    """The cases one works on and the ones one reported, a page at a time: open ones, all, or one's own reports."""
    shown = request.args.get("show", "all" if "all" in request.args else "open")  # ?all=1: the old link
    if shown not in CASE_LISTS:
        shown = "open"
    page = visible_cases(current_scope(), page_number(), open_only=shown == "open", mine=shown == "mine")
    return page_or_fragment("patrols/cases.html", "patrols/_case_rows.html", cases=page, shown=shown,
                            lists=CASE_LISTS)


def _case_page(found, form, may_move: bool, status: int = 200):
    return render_template("patrols/case.html", case=found, form=form, may_move=may_move), status


@bp.route("/cases/<id:case_id>", methods=["GET", "POST"])
@login_required
def case(case_id: int):
    """A case's state and history; its work group, secretary or an admin move it along, its reporter reads it."""
    found = or_404(case_in_scope(case_id, current_scope()))
    may_move = may_move_case(found, current_scope())
    if request.method in ("GET", "HEAD"):
        return _case_page(found, CaseForm.blank(status=found.status), may_move)
    if not may_move:
        abort(404)
    # A replay of a change already made answers as the first time, whatever the case's state is now.
    replayed = find_by_request_id(CaseEvent, request.form.get("request_id", ""))
    if replayed is not None and replayed.case_id == found.id:
        db.session.rollback()
        return redirect(url_for("patrols.case", case_id=found.id), code=303)
    form = CaseForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _case_page(found, form, may_move, 422)
    with writing():
        move_case(found, current_user.id, form.request_id.data, form.status.data, form.note.data)
    return redirect(url_for("patrols.case", case_id=found.id), code=303)


# --- the secretary: the day's log, sign-off, export ---------------------------------------------


@bp.get("/patrols/log")
@login_required
def log():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    day, problem = picked_day()
    return _log_page(community, communities, day, status=422 if problem else 200, day_problem=problem)


def _log_page(community, communities, day, form=None, status: int = 200, day_problem: str | None = None):
    """The day's log with its sign-off form: blank, or as posted with its messages (422); a bad ?day= is
    today's log with the message beside the day picker (422)."""
    days = [route_day(r, day, now=local_now()) for r in routes_of([community.id])]
    signoff = signoff_of(community.id, day)
    form = form or SignoffForm.blank(day=day, comment=signoff.comment if signoff else "")
    return render_template("patrols/log.html", community=community, communities=communities, day=day, days=days,
                           signoff=signoff, form=form, local_naive=local_naive, day_problem=day_problem,
                           today=local_today()), status


@bp.post("/patrols/log/signoff")
@login_required
def signoff():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    form = SignoffForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _log_page(community, communities, form.day.data or local_today(), form=form, status=422)
    with writing():
        sign_off(form.request_id.data, community.id, form.day.data, current_user.id, form.comment.data)
    return redirect(url_for("patrols.log", community=community.id, day=form.day.data.isoformat()), code=303)


@bp.get("/patrols/log.csv")
@login_required
def log_csv():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    day, problem = picked_day()
    if problem:  # the log page, the message beside its day picker
        return _log_page(community, communities, day, status=422, day_problem=problem)
    rows = [[_("Route"), _("Round"), _("Round status"), _("Patroller"), _("Checkpoint"), _("Scanned at"),
             _("Phone time"), _("Result"), _("Finding"), _("Note"), _("Dealt with"), _("Ended at"), _("Reason")]]
    states = {}
    for route in routes_of([community.id]):
        for result in round_results(route, day):
            states[(route.id, result.window.round_no)] = result.state
    scans = day_scans(community.id, day)
    cases = cases_of_scans([scan.id for scan in scans if scan.resolution == "handed"])
    for scan in scans:
        patrol = scan.patrol
        case = cases.get(scan.id)
        dealt_with = (_("Solved on the spot") if scan.resolution == "solved" else
                      _("Handed to the work group %(group)s", group=case.group.name) if case else "")
        rows.append([
            patrol.route.name, patrol.round_no,
            str(ROUND_STATE_LABELS.get(states.get((patrol.route_id, patrol.round_no)), "")),
            patrol.user.display_name, scan.checkpoint.name, local_naive(scan.scanned_at).isoformat(" ", "seconds"),
            local_naive(scan.device_time).isoformat(" ", "seconds") if scan.device_time else "",
            str(SCAN_RESULT_LABELS.get(scan.result, scan.result)), str(FINDING_LABELS.get(scan.finding_kind, "")) if scan.finding_kind else "", scan.note or "",
            dealt_with,
            local_naive(patrol.ended_at).isoformat(" ", "seconds") if patrol.ended_at else "", patrol.end_reason or "",
        ])
    return csv_response(rows, f"{community.name}-{_('Patrol log')}-{day.isoformat()}.csv",
                        f"patrol-log-{community.id}-{day.isoformat()}.csv")


# --- the secretary: set-up ---------------------------------------------------------------------


@bp.route("/patrols/setup", methods=["GET", "POST"])
@login_required
def setup():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    forms = {"checkpoint": CheckpointForm.blank(), "route": RouteForm.blank(), "group": GroupForm.blank()}
    status = 200
    if request.method == "POST":
        kind = request.form.get("form")
        if kind not in forms:
            abort(400)
        form = {"checkpoint": CheckpointForm, "route": RouteForm, "group": GroupForm}[kind]()
        forms[kind] = form
        _offer(form, community)
        if form.validate_on_submit() and _apply_setup(kind, form, community):
            return redirect(url_for("patrols.setup", community=community.id), code=303)
        db.session.rollback()
        status = 422
    checkpoints = db.session.scalars(select(Checkpoint).where(Checkpoint.community_id == community.id)
                                     .order_by(Checkpoint.id)).all()
    people = users_in_communities(frozenset([community.id]))
    return render_template("patrols/setup.html", community=community, communities=communities, forms=forms,
                           checkpoints=checkpoints, routes=routes_of([community.id]),
                           groups=groups_of([community.id]), people=people), status


def _offer(form, community: Community) -> None:
    """What a route or group form may choose from: the community's people and its checkpoints."""
    people = [(u.id, u.display_name) for u in _people(community)]
    if isinstance(form, RouteForm):
        form.patroller.choices = people
        form.checkpoint_ids = list(db.session.scalars(select(Checkpoint.id).where(
            Checkpoint.community_id == community.id).order_by(Checkpoint.id)))
    elif isinstance(form, GroupForm):
        form.member.choices = people


def _apply_setup(kind: str, form, community: Community) -> bool:
    """Create what the form describes; False (with the message beside its field) if it cannot."""
    try:
        with writing():
            if kind == "checkpoint":
                set_up_checkpoint(form.request_id.data, current_user.id, community.id, form.name.data,
                                  form.kind.data, form.household_address.data,
                                  name_confirmed=bool(request.form.get("name_confirmed")))
            elif kind == "group":
                set_up_group(form.request_id.data, current_user.id, community.id, form.name.data,
                             form.member.data or [])
            else:
                set_up_route(form.request_id.data, current_user.id, community.id, form.name.data,
                             form.windows.data, form.stops, form.patroller.data or [])
    except SetupError as error:
        error.show_on(form)
        form.name_warning = error.warning
        return False
    return True


def _people(community: Community) -> list[User]:
    return users_in_communities(frozenset([community.id]))


@bp.get("/patrols/routes/<id:route_id>/stickers")
@login_required
def route_stickers(route_id: int):
    """Checkpoint stickers of one route on one A4 sheet (same print rules as household stickers)."""
    communities = managed_communities_or_404()
    route = db.session.get(Route, route_id)
    if route is None or route.community_id not in {c.id for c in communities}:
        abort(404)
    # The address (a door) or the place, and a neutral label: never the checkpoint's name as typed,
    # which may say who lives there ("居家观察户 …").
    sheet = [(stop.checkpoint, qr_svg(printed_url("patrols.checkpoint", token=stop.checkpoint.token)),
              sticker_place(stop.checkpoint.name, stop.checkpoint.household.address if stop.checkpoint.household
                            else None))
             for stop in route.stops]
    return render_template("patrols/stickers.html", route=route, sheet=sheet)
