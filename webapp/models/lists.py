"""Pushed lists (推送名单) checked four ways (一摸四查): rows, their matches, and the tasks that check them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import one_of, utcnow

# 电话核查, 单位自查, 逐户排查, 举报追查
CHECK_METHODS = ("phone", "employer", "door", "tipoff")
# How a row was tied to the registry.
MATCH_KINDS = ("phone", "id_name", "name_address", "name", "address", "picked")
TASK_RESULTS = ("found", "moved", "wrong_person", "unreachable")
# A row is settled once a task ended with one of these; "unreachable" leaves it open for another method.
SETTLING_RESULTS = ("found", "moved", "wrong_person")


class PushedList(db.Model):
    __tablename__ = "pushed_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    # The upload's header row (JSON list), so the export keeps its column order.
    header: Mapped[str] = mapped_column(Text)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped["Community"] = relationship()  # noqa: F821
    rows: Mapped[list[ListRow]] = relationship(back_populates="pushed_list", order_by="ListRow.line")


class ListRow(db.Model):
    __tablename__ = "list_rows"
    __table_args__ = (one_of("match_kind", MATCH_KINDS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("pushed_lists.id"), index=True)
    line: Mapped[int]
    # Every cell as uploaded (JSON object keyed by the header).
    cells: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    id_tail: Mapped[str] = mapped_column(String(18), default="")
    address: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Best candidates found at upload (JSON list of {household_id, resident_id, how, score}).
    candidates: Mapped[str] = mapped_column(Text, default="[]")
    # The door the secretary confirmed (or picked), and how it matched.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    match_kind: Mapped[str | None] = mapped_column(String(16))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    pushed_list: Mapped[PushedList] = relationship(back_populates="rows")
    household: Mapped["Household | None"] = relationship()  # noqa: F821
    resident: Mapped["Resident | None"] = relationship()  # noqa: F821
    tasks: Mapped[list[ListTask]] = relationship(back_populates="row", order_by="ListTask.id")


class ListTask(db.Model):
    """One check of one row by one method, assigned to one person."""

    __tablename__ = "list_tasks"
    __table_args__ = (
        one_of("method", CHECK_METHODS),
        one_of("result", TASK_RESULTS),
        Index("ix_list_tasks_assignee_done", "assignee_id", "done_at"),
        Index("ix_list_tasks_community_done", "community_id", "done_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("list_rows.id"), index=True)
    # Repeats the list's community so the day's summary needs no join.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    method: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    result: Mapped[str | None] = mapped_column(String(16))
    moved_to: Mapped[str | None] = mapped_column(String(120))
    result_note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    # Set when the result was recorded: the same id posted twice records once.
    result_request_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))

    row: Mapped[ListRow] = relationship(back_populates="tasks")
    assignee: Mapped["User"] = relationship()  # noqa: F821
