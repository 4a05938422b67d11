"""The secretary's screens: dashboard, daily summary with sign-off and exports, care list, audit log."""
from __future__ import annotations

import json
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..clock import local_naive, local_today, picked_day
from ..coverage import active_campaign, coverage
from ..database import writing
from ..extensions import db
from ..hypermedia import id_arg, is_htmx, page_or_fragment
from ..labels import CATEGORY_LABELS, FINDING_LABELS, ROUND_STATE_LABELS, dealt_with
from ..models import Building, Community, DailySummary, Grid
from ..paging import list_asked_for, page_number
from ..scope import chosen_community, current_scope, managed_communities_or_404, users_in_communities
from ..slips.queries import slip_figures
from ..spreadsheets import csv_response, xlsx_response
from . import bp
from .forms import SignSummaryForm
from .services import sign_summary
from .queries import (
    SUMMARY_COLUMNS,
    audit_entries,
    care_list,
    district_rollup,
    coverage_by,
    all_findings,
    findings_of,
    street_summaries,
    summary_table,
    knocks_by_volunteer,
    open_case_count,
    patrol_summary,
)


@bp.get("/dashboard")
@login_required
def dashboard():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    today = local_today()
    campaign = active_campaign(community.id)
    grids = coverage_by(campaign, Grid) if campaign else []
    # Drill down: the buildings of one grid (?grid=<id>), not all of a large community's at once.
    wanted = id_arg("grid")
    grid = next((row for row in grids if row.obj.id == wanted), None)
    return render_template(
        "review/dashboard.html", community=community, communities=communities, campaign=campaign,
        figures=coverage(campaign) if campaign else None,
        grids=grids, grid=grid, buildings=coverage_by(campaign, Building, grid.obj.id) if campaign and grid else [],
        volunteers=knocks_by_volunteer([community.id], today),
        slips=slip_figures(campaign) if campaign else None,
        patrols=patrol_summary([community.id], today), open_cases=open_case_count([community.id]), today=today)


COLUMN_LABELS = {
    "checked": lambda: _("Households checked"), "reached": lambda: _("Reached"),
    "not_home": lambda: _("Nobody home"), "refused": lambda: _("Refused"), "vacant": lambda: _("Vacant / moved out"),
    **{f"new_{k}": (lambda label=label: _("New: %(category)s", category=label)) for k, label in CATEGORY_LABELS.items()},
}


def _summary_data(community: Community, day: date) -> tuple[list[dict], dict, DailySummary | None]:
    """The signed snapshot if the day is signed, else the live figures."""
    signed = db.session.scalar(select(DailySummary).where(DailySummary.community_id == community.id,
                                                          DailySummary.day == day))
    if signed is not None:
        snapshot = json.loads(signed.figures)
        return snapshot["rows"], snapshot["totals"], signed
    rows, totals = summary_table(community.id, day)
    return rows, totals, None


def _summary_page(community: Community, communities: list[Community], day: date, form=None,
                  template: str = "review/summary.html", status: int = 200, day_problem: str | None = None,
                  fragment: str | None = None, confirmation: str | None = None):
    rows, totals, signed = _summary_data(community, day)
    form = form or SignSummaryForm.blank(day=day, comment=signed.comment if signed else "")
    if fragment and is_htmx():
        template = fragment
    return render_template(template, community=community, communities=communities, day=day, rows=rows,
                           totals=totals, signed=signed, form=form, columns=SUMMARY_COLUMNS,
                           labels=COLUMN_LABELS, findings=findings_of([community.id], day, page_number("findings_page")),
                           every_finding=all_findings([community.id], day) if template.endswith("_print.html") else None,
                           day_problem=day_problem, confirmation=confirmation, today=local_today()), status


@bp.route("/summary", methods=["GET", "POST"])
@login_required
def summary():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    if request.method in ("GET", "HEAD"):
        day, problem = picked_day()
        if not problem and list_asked_for(("findings_page",)):  # "show more" findings: the next rows alone
            return render_template("review/_finding_rows.html",
                                   findings=findings_of([community.id], day, page_number("findings_page")))
        if problem:  # the normal page with the message beside the day picker (the print view has none)
            return _summary_page(community, communities, day, status=422, day_problem=problem)
        template = "review/summary_print.html" if request.args.get("print") else "review/summary.html"
        return _summary_page(community, communities, day, template=template)
    form = SignSummaryForm()
    if not form.validate_on_submit():
        db.session.rollback()
        day = form.day.data if form.day.data and form.day.data <= local_today() else local_today()
        return _summary_page(community, communities, day, form=form, status=422, fragment="review/_sign.html")
    with writing():
        sign_summary(form.request_id.data, community.id, form.day.data, current_user.id, form.comment.data)
    signed = _("Signed and sent up: the street now sees %(community)s's summary of %(day)s.",
               community=community.name, day=form.day.data.isoformat())
    if is_htmx():  # the sign card again, the confirmation beside its button
        return _summary_page(community, communities, form.day.data, fragment="review/_sign.html",
                             confirmation=signed)
    flash(signed, "success")  # at the top of the page the browser lands on
    return redirect(url_for("review.summary", community=community.id, day=form.day.data.isoformat()), code=303)


def _table(community: Community, day: date) -> tuple[list[str], list[list]]:
    rows, totals, signed = _summary_data(community, day)
    header = [_("Grid"), *[COLUMN_LABELS[c]() for c in SUMMARY_COLUMNS]]
    body = [[row["grid"], *[row[c] for c in SUMMARY_COLUMNS]] for row in rows]
    body.append([_("Total"), *[totals[c] for c in SUMMARY_COLUMNS]])
    body.append([_("Patrol findings"), totals["findings"]])
    body.append([_("Open cases"), totals["open_cases"]])
    body.append([_("List checks done"), totals.get("list_checks", 0)])
    body.append([_("List people found"), totals.get("list_found", 0)])
    rounds = totals.get("rounds")  # none in a summary signed before rounds were counted
    if rounds:
        body.append([_("Rounds"), sum(rounds.values()),
                     *(f"{label} {rounds[state]}" for state, label in ROUND_STATE_LABELS.items() if rounds.get(state))])
    if signed:
        body.append([_("Signed by"), signed.signed_by.display_name, local_naive(signed.signed_at).isoformat(" ", "minutes")])
        body.append([_("Comment"), signed.comment or ""])
    findings = all_findings([community.id], day)
    if findings:  # what the patrols found, as the page lists it, not only how many
        body.append([])
        body.append([_("Patrol findings")])  # the table's title, then its own header: the first column is the place
        body.append([_("Checkpoint"), _("Time"), _("Finding"), _("Note"), _("Patroller"), _("Dealt with")])
        for scan in findings:
            body.append([scan.checkpoint.name, local_naive(scan.seen_at).strftime("%H:%M"),
                         str(FINDING_LABELS.get(scan.finding_kind, "")), scan.note or "", scan.patrol.user.display_name,
                         dealt_with(scan)])
    return header, body


@bp.get("/summary.<any(csv, xlsx):kind>")
@login_required
def summary_export(kind: str):
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    day, problem = picked_day()
    if problem:  # the summary page, the message beside its day picker
        return _summary_page(community, communities, day, status=422, day_problem=problem)
    header, body = _table(community, day)
    # Named after the community and the day: the street receives one such file from every community.
    filename = f"{community.name}-{_('Daily summary')}-{day.isoformat()}.{kind}"
    fallback = f"daily-summary-{community.id}-{day.isoformat()}.{kind}"
    rows = [[community.name, _("Daily summary"), day.isoformat()], header, *body]
    if kind == "csv":
        return csv_response(rows, filename, fallback)
    return xlsx_response(rows, filename, fallback, title=day.isoformat(), bold_rows=(2,), widths={"A": 16, "B": 12})


@bp.get("/summary/street")
@login_required
def street():
    """The admin's roll-up: every community's signed summary of the day, totalled for the street."""
    if not current_scope().everything:
        abort(404)
    day, problem = picked_day()
    streets = street_summaries(day)
    return render_template("review/street.html", day=day, streets=streets, columns=SUMMARY_COLUMNS,
                           labels=COLUMN_LABELS, day_problem=problem, today=local_today()), 422 if problem else 200


@bp.get("/dashboard/district")
@login_required
def district():
    """The admin's roll-up: every street and community, the campaign in force and its coverage."""
    if not current_scope().everything:
        abort(404)
    streets, total = district_rollup(local_today())
    return render_template("review/district.html", streets=streets, total=total)


@bp.get("/care")
@login_required
def care():
    scope = current_scope()
    if not (scope.everything or scope.managed_community_ids or scope.building_ids or scope.grid_ids):
        abort(404)
    return page_or_fragment("review/care.html", "review/_care_rows.html",
                            people=care_list(scope.households(), page_number()), today=local_today())


@bp.get("/audit")
@login_required
def audit():
    scope = current_scope()
    if not scope.everything and not scope.managed_community_ids:
        abort(404)
    users = None if scope.everything else [u.id for u in users_in_communities(scope.managed_community_ids)]
    return page_or_fragment("review/audit.html", "review/_audit_rows.html", entries=audit_entries(users, page_number()))


