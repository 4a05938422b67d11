"""Reading pushed lists: progress, a volunteer's tasks, the export, and the day's counts."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..clock import day_bounds, local_naive
from ..extensions import db
from ..labels import CHECK_METHOD_LABELS, MATCH_KIND_LABELS, TASK_RESULT_LABELS
from ..models import CHECK_METHODS, SETTLING_RESULTS, Household, ListRow, ListTask, PushedList, utcnow
from ..paging import Page, take_page
from ..scope import child_or_404, current_scope, managed_or_404


def list_or_404(list_id: int) -> PushedList:
    return managed_or_404(PushedList, list_id)


def row_or_404(pushed: PushedList, row_id: int) -> ListRow:
    return child_or_404(ListRow, row_id, list_id=pushed.id)


def task_or_404(task_id: int, user) -> ListTask:
    """The assignee's own task, or any task of a community the user runs."""
    task = db.session.get(ListTask, task_id)
    if task is None or (task.assignee_id != user.id and not current_scope().manages(task.community_id)):
        abort(404)
    return task


def lists_of(community_id: int, page_number: int = 1) -> Page:
    """The community's pushed lists, newest first, a page at a time: rows of (list, its number of rows)."""
    in_community = PushedList.community_id == community_id
    total = db.session.scalar(select(func.count(PushedList.id)).where(in_community))
    row_count = select(func.count(ListRow.id)).where(ListRow.list_id == PushedList.id).scalar_subquery()
    return take_page(select(PushedList, row_count).where(in_community)
                     .order_by(PushedList.uploaded_at.desc(), PushedList.id.desc()), page_number, total=total)


def rows_of(pushed: PushedList) -> list[ListRow]:
    return list(db.session.scalars(
        select(ListRow).where(ListRow.list_id == pushed.id).order_by(ListRow.line)
        .options(selectinload(ListRow.tasks).selectinload(ListTask.assignee), selectinload(ListRow.household))))


def households_of(rows: list[ListRow], candidates: dict[int, list[dict]]) -> dict[int, Household]:
    ids = {c["household_id"] for cs in candidates.values() for c in cs} | {r.household_id for r in rows if r.household_id}
    if not ids:
        return {}
    return {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids))
                                                .options(selectinload(Household.residents)))}


@dataclass
class Progress:
    rows: int = 0
    confirmed: int = 0
    unmatched: int = 0
    open: int = 0
    found: int = 0
    not_found: int = 0
    unreachable: int = 0
    overdue: int = 0
    by_method: dict = field(default_factory=dict)  # method → (done, all)


def progress(rows: list[ListRow]) -> Progress:
    now = utcnow()
    p = Progress(rows=len(rows), by_method={m: [0, 0] for m in CHECK_METHODS})
    for row in rows:
        p.confirmed += row.household_id is not None
        p.unmatched += row.household_id is None
        results = [t.result for t in row.tasks if t.done_at is not None]
        if "found" in results:
            p.found += 1
        elif any(r in ("moved", "wrong_person") for r in results):
            p.not_found += 1
        elif results:
            p.unreachable += 1
        if not any(r in SETTLING_RESULTS for r in results):
            p.open += 1
        for task in row.tasks:
            p.by_method[task.method][1] += 1
            p.by_method[task.method][0] += task.done_at is not None
            p.overdue += task.done_at is None and task.due_at < now
    return p


def my_open_tasks(user_id: int, page_number: int = 1, *, total: int | None = None) -> Page:
    """This volunteer's open checks, soonest due first, a page at a time (?open_page=)."""
    statement = (select(ListTask).where(ListTask.assignee_id == user_id, ListTask.done_at.is_(None))
                 .options(selectinload(ListTask.row).selectinload(ListRow.household))
                 .order_by(ListTask.due_at, ListTask.id))
    return take_page(statement, page_number, scalars=True, total=total, name="open_page")


def my_tasks_done_today(user_id: int, page_number: int = 1) -> Page:
    """The checks this volunteer finished today, latest first, a page at a time (?done_page=)."""
    start, end = day_bounds(local_naive(utcnow()).date())
    statement = (select(ListTask).where(ListTask.assignee_id == user_id, ListTask.done_at >= start,
                                        ListTask.done_at < end)
                 .options(selectinload(ListTask.row)).order_by(ListTask.done_at.desc(), ListTask.id.desc()))
    return take_page(statement, page_number, scalars=True, name="done_page")


def open_task_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(ListTask.id)).where(
        ListTask.assignee_id == user_id, ListTask.done_at.is_(None))) or 0


def export_rows(pushed: PushedList) -> list[list]:
    """The upload's own columns in its order, then what the check found."""
    header = json.loads(pushed.header)
    added = [_("Matched address"), _("Matched by"), _("Checked by"), _("Check result"), _("Moved to"),
             _("Result note"), _("Checked by (person)"), _("Checked at")]
    table = [header + added]
    for row in rows_of(pushed):
        cells = json.loads(row.cells)
        done = [t for t in row.tasks if t.done_at is not None]
        last = max(done, key=lambda t: t.done_at) if done else (row.tasks[-1] if row.tasks else None)
        table.append([cells.get(column, "") for column in header] + [
            row.household.address if row.household else "",
            str(MATCH_KIND_LABELS[row.match_kind]) if row.match_kind else "",
            str(CHECK_METHOD_LABELS[last.method]) if last else "",
            str(TASK_RESULT_LABELS[last.result]) if last and last.result else "",
            (last.moved_to or "") if last else "",
            (last.result_note or "") if last else "",
            last.assignee.display_name if last else "",
            local_naive(last.done_at).strftime("%Y-%m-%d %H:%M") if last and last.done_at else "",
        ])
    return table


def day_counts(community_id: int, day: date) -> dict[str, int]:
    """List checks done that day in the community, and how many found the person."""
    start, end = day_bounds(day)
    rows = db.session.execute(
        select(ListTask.result, func.count(ListTask.id))
        .where(ListTask.community_id == community_id, ListTask.done_at >= start, ListTask.done_at < end)
        .group_by(ListTask.result)).all()
    counts = {result: int(n) for result, n in rows}
    return {"list_checks": sum(counts.values()), "list_found": counts.get("found", 0)}
