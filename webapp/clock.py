"""Local time for people: days and times of day in the deployment's time zone."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

SLOTS = ("morning", "afternoon", "evening")
# A write that reaches the server later than this after the tap was kept on the phone: 补发 (sent late).
LATE_AFTER = timedelta(minutes=2)


def sent_late(device_time: datetime | None, arrived_at: datetime | None) -> bool:
    """True when a knock or scan arrived well after the tap (it waited on the phone)."""
    return device_time is not None and arrived_at is not None and arrived_at - device_time > LATE_AFTER


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC time in the local zone."""
    return moment.replace(tzinfo=timezone.utc).astimezone(local_zone())


def local_today() -> date:
    return datetime.now(local_zone()).date()


def slot_of(moment: datetime) -> str:
    """morning 06–12, afternoon 12–18, evening 18–06 (local time)."""
    hour = to_local(moment).hour
    if 6 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    return "evening"


def suggest_slot(failed_slots: list[str]) -> str:
    """The next attempt goes at a time of day that has not failed yet; evenings first."""
    for slot in ("evening", "morning", "afternoon"):
        if slot not in failed_slots:
            return slot
    return min(("evening", "morning", "afternoon"), key=failed_slots.count)


def local_now() -> datetime:
    """Local wall-clock time, naive, for comparing with route windows."""
    return datetime.now(local_zone()).replace(tzinfo=None)


def local_naive(moment: datetime) -> datetime:
    """A stored naive-UTC time as naive local time."""
    return to_local(moment).replace(tzinfo=None)


def utc_from_local(moment: datetime) -> datetime:
    """Naive local time → naive UTC, for querying stored times."""
    return moment.replace(tzinfo=local_zone()).astimezone(timezone.utc).replace(tzinfo=None)


def end_of_local_day(day: date) -> datetime:
    """The moment a local day ends (the next midnight), as naive UTC: access granted "until" a day
    covers that whole day."""
    return utc_from_local(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def last_local_day(until: datetime) -> date:
    """The last local day something ending at this moment covers: end_of_local_day() turned back
    (an end at midnight covers the day before; any other end, its own day)."""
    return (local_naive(until) - timedelta(microseconds=1)).date()


# The days Doorstep works with: anything outside is a typing error (or a probe), never a query.
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_day(raw: str | None) -> date | None:
    """A day written YYYY-MM-DD between MIN_DAY and MAX_DAY; None for anything else."""
    raw = (raw or "").strip()
    if not _DAY.fullmatch(raw):
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if MIN_DAY <= day <= MAX_DAY else None


def picked_day() -> tuple[date, str | None]:
    """?day=YYYY-MM-DD up to today (default today, local). A bad, absurd or future day is today with a
    message for beside the day picker, so the page still answers (422), never a bare 400 or a 500."""
    from flask import request
    from flask_babel import gettext as _

    raw = request.args.get("day")
    if not raw:
        return local_today(), None
    day = parse_day(raw)
    if day is None or day > local_today():
        return local_today(), _("Choose a day between %(low)s and today (%(today)s). Showing today instead.",
                                low=MIN_DAY.isoformat(), today=local_today().isoformat())
    return day, None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as a naive-UTC half-open range, for querying stored times."""
    start = utc_from_local(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)
