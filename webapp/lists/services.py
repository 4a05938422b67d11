"""Uploading a pushed list, confirming its matches, turning rows into tasks, recording results."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from itertools import cycle

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ..audit import audit
from ..extensions import db
from ..hypermedia import parse_int
from ..idempotency import claim
from ..models import (
    SETTLING_RESULTS,
    Household,
    ListRow,
    ListTask,
    PushedList,
    RoleAssignment,
    User,
    utcnow,
)
from ..spreadsheets import Table, TableError
from . import matching

MAX_LIST_ROWS = 1000  # matching takes a few ms a row; a bigger list is split into files
# A door-to-door result is also a visit of the household, with this outcome.
VISIT_OUTCOME = {"found": "verified", "moved": "wrong_address", "wrong_person": "verified",
                 "unreachable": "not_home"}


def is_list_header(cells: list[str]) -> bool:
    """The header row, not a title line above it: it names the column 姓名."""
    return "name" in matching.column_map(cells)


def check_table(table: Table) -> dict[str, str]:
    """The columns to read, or TableError with a message for the person who uploaded the file."""
    columns = matching.column_map(table.header)
    if "name" not in columns:
        raise TableError(_("The file needs a column 姓名 (name)."))
    if not {"phone", "id_tail", "address"} & set(columns):
        raise TableError(_("The file needs at least one of the columns 电话, 身份证后四位 or 地址."))
    if not table.rows:
        raise TableError(_("The file has no rows under its header."))
    if len(table.rows) > MAX_LIST_ROWS:
        raise TableError(_("A list can hold at most %(max)d rows; split the file.", max=MAX_LIST_ROWS))
    return columns


def prepared_rows(community_id: int, table: Table, columns: dict[str, str]) -> list[dict]:
    """Each row with its cells and its candidate doors (read-only work, done before the write lock). A row
    with no name, phone, ID tail or address names nobody to check: it is left out (the page says how many)."""
    prepared = []
    for line, cells in table.rows:
        def cell(field_name, size, cells=cells):
            return (cells.get(columns[field_name], "") if field_name in columns else "")[:size]

        row = {"line": line, "cells": json.dumps(cells, ensure_ascii=False), "name": cell("name", 40),
               "phone": matching.digits(cell("phone", 40)), "id_tail": matching.id_tail(cell("id_tail", 40)),
               "address": cell("address", 120), "source": cell("source", 80), "note": cell("note", 2000)}
        if not any(row[field].strip() for field in ("name", "phone", "id_tail", "address")):
            continue
        candidates = matching.match(community_id, name=row["name"], phone=row["phone"], tail=row["id_tail"],
                                    address=row["address"])
        row["candidates"] = json.dumps(candidates)
        prepared.append(row)
    return prepared


def store_list(community_id: int, user_id: int, request_id: str, *, title: str, header: list[str],
               rows: list[dict]) -> PushedList:
    existing = db.session.scalar(select(PushedList).where(PushedList.request_id == request_id))
    if existing is not None:
        return existing
    pushed = PushedList(request_id=request_id, community_id=community_id, title=title, uploaded_by_id=user_id,
                        header=json.dumps(header, ensure_ascii=False))
    db.session.add(pushed)
    db.session.flush()
    db.session.execute(ListRow.__table__.insert(), [{**row, "list_id": pushed.id} for row in rows])
    audit(user_id, "list_uploaded", "pushed_list", pushed.id, title=title, rows=len(rows))
    return pushed


def candidates_of(row: ListRow) -> list[dict]:
    return json.loads(row.candidates or "[]")


def chosen_door(row: ListRow, choice: str) -> tuple[int | None, int | None, str | None] | None:
    """What a choice names: (household_id, resident_id, match_kind); all None for "none" (the row stays
    open); None when it is none of the choices shown (an index past the candidates, a door of another
    community, anything else)."""
    if choice == "none":
        return None, None, None
    if choice.startswith("h"):
        # A door found by searching the community: it must be one of the list's community.
        household_id = parse_int(choice[1:])
        household = db.session.get(Household, household_id) if household_id else None
        if household is None or household.community_id != row.pushed_list.community_id:
            return None
        person = next((r for r in household.residents if row.name and r.name == row.name), None)
        return household.id, person.id if person else None, "picked"
    candidates = candidates_of(row)
    index = parse_int(choice, 0, len(candidates) - 1) if candidates else None
    if index is None:
        return None
    chosen = candidates[index]
    return chosen["household_id"], chosen["resident_id"], chosen["how"] if index == 0 else "picked"


def confirm(row: ListRow, user_id: int, request_id: str, choice: str) -> bool:
    """Tie the row to one of its candidates (by index), a door of its community ("h<id>"), or to none
    ("none": the row stays open). False, with nothing written and the request id left unclaimed (so the
    corrected form may use it), when the choice is none of those shown."""
    door = chosen_door(row, choice)
    if door is None:
        return False
    if not claim(request_id, user_id, "list_match"):
        return True
    row.household_id, row.resident_id, row.match_kind = door
    row.confirmed_at, row.confirmed_by_id = utcnow(), user_id
    return True


def confirm_exact(pushed: PushedList, user_id: int, request_id: str) -> int:
    """Confirm every unconfirmed row whose best candidate is a phone or ID-tail-and-name match."""
    if not claim(request_id, user_id, "list_confirm"):
        return 0
    confirmed = 0
    for row in pushed.rows:
        candidates = candidates_of(row)
        if row.confirmed_at is None and candidates and candidates[0]["how"] in ("phone", "id_name"):
            row.household_id, row.resident_id = candidates[0]["household_id"], candidates[0]["resident_id"]
            row.match_kind, row.confirmed_at, row.confirmed_by_id = candidates[0]["how"], utcnow(), user_id
            confirmed += 1
    return confirmed


def row_is_open(row: ListRow) -> bool:
    """Not yet settled (no found / moved / wrong-person result) and no task under way."""
    return not any(t.result in SETTLING_RESULTS or t.done_at is None for t in row.tasks)


def _helpers_by_place(community_id: int, now: datetime) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Volunteers and leads working now, by grid and by building."""
    current = and_(RoleAssignment.valid_from <= now,
                   or_(RoleAssignment.valid_until.is_(None), RoleAssignment.valid_until > now))
    by_grid: dict[int, list[int]] = {}
    by_building: dict[int, list[int]] = {}
    rows = db.session.execute(
        select(RoleAssignment.user_id, RoleAssignment.grid_id, RoleAssignment.building_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(current, User.disabled.is_(False), RoleAssignment.role.in_(("volunteer", "lead")))
        .order_by(RoleAssignment.user_id)).all()
    for user_id, grid_id, building_id in rows:
        if grid_id:
            by_grid.setdefault(grid_id, []).append(user_id)
        if building_id:
            by_building.setdefault(building_id, []).append(user_id)
    return by_grid, by_building


def _overdue_only(row: ListRow, now: datetime) -> ListTask | None:
    """The row's unfinished task when it is overdue (and the row not settled otherwise), else None."""
    unfinished = [t for t in row.tasks if t.done_at is None]
    if len(unfinished) != 1 or unfinished[0].due_at >= now or any(t.result in SETTLING_RESULTS for t in row.tasks):
        return None
    return unfinished[0]


def make_tasks(pushed: PushedList, user_id: int, request_id: str, *, method: str, which: str, mode: str,
               people: list[int], hours: int, hand_on_overdue: bool = False) -> tuple[int, int]:
    """Open tasks for the chosen rows: (tasks made, rows left without anyone to do them).

    hand_on_overdue: a row whose check is overdue (its helper's afternoon is over, say) is handed on:
    that task gets the new person, method and due time instead of a second task beside it.
    """
    if not claim(request_id, user_id, "list_tasks"):
        return 0, 0
    now = utcnow()
    overdue = {r.id: t for r in pushed.rows if hand_on_overdue and (t := _overdue_only(r, now)) is not None}
    rows = [r for r in pushed.rows if row_is_open(r) or r.id in overdue]
    if which == "matched":
        rows = [r for r in rows if r.household_id]
    elif which == "unmatched":
        rows = [r for r in rows if not r.household_id]
    made = skipped = 0
    turn = cycle(people) if people else None
    if mode == "by_grid":
        by_grid, by_building = _helpers_by_place(pushed.community_id, now)
        households = {h.id: h for h in db.session.scalars(select(Household).where(
            Household.id.in_([r.household_id for r in rows if r.household_id])))}
        rotations: dict[tuple, int] = {}
    for row in rows:
        if (method == "door" and not row.household_id) or (method == "phone" and not row.phone):
            skipped += 1  # a door check needs a door; a phone check, a number to call
            continue
        if mode == "round_robin":
            assignee = next(turn)
        else:
            household = households.get(row.household_id)
            choices = (by_building.get(household.building_id) or by_grid.get(household.grid_id) or []) \
                if household else []
            if not choices:
                skipped += 1
                continue
            key = tuple(choices)
            assignee = choices[rotations.get(key, 0) % len(choices)]
            rotations[key] = rotations.get(key, 0) + 1
        if row.id in overdue:
            task = overdue[row.id]
            task.assignee_id, task.method, task.assigned_at = assignee, method, now
            task.due_at = now + timedelta(hours=hours)
        else:
            db.session.add(ListTask(row_id=row.id, community_id=pushed.community_id, method=method,
                                    assignee_id=assignee, assigned_at=now, due_at=now + timedelta(hours=hours)))
        made += 1
    return made, skipped


def record_result(task: ListTask, user_id: int, request_id: str, *, result: str, moved_to: str | None,
                  note: str | None, device_time: datetime | None = None) -> ListTask:
    """One result per task: a replay (or a second tap) changes nothing. Door-to-door is also a visit."""
    if task.done_at is not None:
        return task
    if task.method == "door" and task.row.household is not None:
        from ..doors.services import record_knock  # a door-to-door check is a knock at that door

        moved = (moved_to or "").strip()
        text = " · ".join(part for part in (
            _("List check: %(name)s", name=task.row.name), _("moved to %(place)s", place=moved) if moved else "",
            (note or "").strip()) if part)
        visit = record_knock(task.row.household, user_id, request_id=request_id, outcome=VISIT_OUTCOME[result],
                             channel="door", note=text, device_time=device_time)
        task.visit_id = visit.id
    task.result, task.moved_to = result, (moved_to or "").strip() or None
    task.result_note = (note or "").strip() or None
    task.done_at, task.result_request_id = utcnow(), request_id
    return task
