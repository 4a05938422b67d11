"""一日三巡: checkpoints, routes with their time windows, rounds walked, findings and cases."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import sent_late
from ..extensions import db
from .base import new_token, one_of, utcnow

CHECKPOINT_KINDS = ("sentry", "lane", "entrance", "sealed_door")
FINDING_KINDS = ("seal_broken", "gathering", "unregistered_arrival", "other")
SCAN_RESULTS = ("normal", "finding")
RESOLUTIONS = ("solved", "handed")
CASE_STATES = ("open", "in_progress", "solved")


class Checkpoint(db.Model):
    """巡查点位 / 哨点: a place on a patrol route with its own QR sticker (/c/<token>)."""

    __tablename__ = "checkpoints"
    __table_args__ = (one_of("kind", CHECKPOINT_KINDS), UniqueConstraint("community_id", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    # A sealed door is a household: its seal checks show in that household's history.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped["Community"] = relationship()  # noqa: F821
    household: Mapped["Household | None"] = relationship()  # noqa: F821


class Route(db.Model):
    """巡查路线: checkpoints in walking order and the day's time windows (one per round)."""

    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped["Community"] = relationship()  # noqa: F821
    stops: Mapped[list[RouteStop]] = relationship(back_populates="route", order_by="RouteStop.position",
                                                  cascade="all, delete-orphan")
    windows: Mapped[list[RouteWindow]] = relationship(back_populates="route", order_by="RouteWindow.round_no",
                                                      cascade="all, delete-orphan")
    patrollers: Mapped[list[RoutePatroller]] = relationship(back_populates="route", cascade="all, delete-orphan")


class RouteStop(db.Model):
    __tablename__ = "route_stops"
    __table_args__ = (UniqueConstraint("route_id", "checkpoint_id", name="uq_route_stops_route_checkpoint"),
                      UniqueConstraint("route_id", "position", name="uq_route_stops_route_position"),
                      CheckConstraint("walk_minutes >= 0", name="walk_minutes_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    position: Mapped[int]
    # The quickest walk from the previous stop; scans closer in time than this are flagged.
    walk_minutes: Mapped[int] = mapped_column(default=0)

    route: Mapped[Route] = relationship(back_populates="stops")
    checkpoint: Mapped[Checkpoint] = relationship()


class RouteWindow(db.Model):
    __tablename__ = "route_windows"
    __table_args__ = (UniqueConstraint("route_id", "round_no"),
                      CheckConstraint("ends_at > starts_at", name="window_ordered"))
    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    round_no: Mapped[int]
    starts_at: Mapped[time]
    ends_at: Mapped[time]

    route: Mapped[Route] = relationship(back_populates="windows")


class RoutePatroller(db.Model):
    __tablename__ = "route_patrollers"
    __table_args__ = (UniqueConstraint("route_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    route: Mapped[Route] = relationship(back_populates="patrollers")
    user: Mapped["User"] = relationship()  # noqa: F821


class WorkGroup(db.Model):
    """工作小组: who a case is handed to (防控组, 后勤保障组, 医疗组 …)."""

    __tablename__ = "work_groups"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))

    members: Mapped[list[WorkGroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")


class WorkGroupMember(db.Model):
    __tablename__ = "work_group_members"
    __table_args__ = (UniqueConstraint("work_group_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    work_group_id: Mapped[int] = mapped_column(ForeignKey("work_groups.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    group: Mapped[WorkGroup] = relationship(back_populates="members")
    user: Mapped["User"] = relationship()  # noqa: F821


class Patrol(db.Model):
    """巡查: one round walked by one person on one route."""

    __tablename__ = "patrols"
    __table_args__ = (Index("ix_patrols_route_day", "route_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    day: Mapped[date]
    round_no: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)

    route: Mapped[Route] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821
    scans: Mapped[list[PatrolScan]] = relationship(back_populates="patrol", order_by="PatrolScan.id")


class PatrolScan(db.Model):
    """A checkpoint seen on a round: all normal, or a finding solved on the spot or handed on."""

    __tablename__ = "patrol_scans"
    __table_args__ = (one_of("result", SCAN_RESULTS), one_of("finding_kind", FINDING_KINDS),
                      one_of("resolution", RESOLUTIONS), Index("ix_patrol_scans_checkpoint_at", "checkpoint_id",
                                                              "scanned_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the phone saw the checkpoint; scans kept offline are sent later.
    device_time: Mapped[datetime | None]
    # The phone's clock was wrong when it reported device_time (corrected or replaced by the server).
    clock_corrected: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    result: Mapped[str] = mapped_column(String(8))
    finding_kind: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(8))

    patrol: Mapped[Patrol] = relationship(back_populates="scans")
    checkpoint: Mapped[Checkpoint] = relationship()
    # The case a finding handed to a work group opened (at most one: cases.scan_id is unique).
    case: Mapped[Case | None] = relationship(viewonly=True, uselist=False, primaryjoin="Case.scan_id == PatrolScan.id")

    @property
    def seen_at(self) -> datetime:
        return self.device_time or self.scanned_at

    @property
    def sent_late(self) -> bool:
        """补发: it reached the server well after the scan (it waited on the phone)."""
        return sent_late(self.device_time, self.scanned_at)


class Case(db.Model):
    """问题 / 事项: a finding handed to a work group, followed until solved."""

    __tablename__ = "cases"
    __table_args__ = (one_of("status", CASE_STATES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    work_group_id: Mapped[int] = mapped_column(ForeignKey("work_groups.id"), index=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_scans.id"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    group: Mapped[WorkGroup] = relationship()
    scan: Mapped[PatrolScan | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CaseEvent(db.Model):
    __tablename__ = "case_events"
    __table_args__ = (one_of("status", CASE_STATES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    user: Mapped["User"] = relationship()  # noqa: F821


class PatrolSignoff(db.Model):
    """The secretary signs off a day's patrol log with a comment."""

    __tablename__ = "patrol_signoffs"
    __table_args__ = (UniqueConstraint("community_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    day: Mapped[date]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821
