"""Jinja filters and globals: masking, labels, dates."""
import time
from datetime import time as dt_time

from flask import Flask
from flask_babel import format_date, format_datetime, format_time, gettext
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from . import labels
from .clock import last_local_day, local_naive
from .paging import kept_pages
from .slips.codes import display as slip_code


def mask_phone(phone: str | None) -> str:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    """440111********123X: region and check digits only."""
    if not id_number:
        return ""
    value = id_number.strip()
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_name(name: str | None) -> str:
    """王*英: enough to recognise a registered person at the door, not to read the register."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def write_fields(form=None, request_id: str | None = None) -> Markup:
    """What every write form carries: the CSRF token and a request id (the form's own, the one given,
    else a new one)."""
    from .idempotency import new_request_id

    if request_id is None:
        request_id = form.request_id.data if form is not None and form.request_id.data else new_request_id()
    # A prefixed form (a resident's "r12-…") reads its request id under its own name.
    name = getattr(form.request_id, "name", "request_id") if form is not None else "request_id"
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
                  f'<input type="hidden" name="{escape(name)}" value="{escape(request_id)}">')


def next_door_name(next_door, household) -> str:
    """The door 下一户 leads to: its room, and its entrance when the walk moves on to another one
    (from 1单元101 the next door may be 2单元601, not 601 of this entrance)."""
    if next_door.entrance != household.entrance:
        return gettext("Entrance %(num)d, room %(room)s", num=next_door.entrance, room=next_door.room)
    return next_door.room


def _label(mapping):
    return lambda value: str(mapping.get(value, value))


def access_end(until) -> str:
    """When access ends, as people say it: an end at local midnight (a day chosen on a form) is the day it
    covers, "until 12/31", not "until 1/1 00:00"; any other end (an invite's), its date and time."""
    if not until:
        return ""
    if local_naive(until).time() == dt_time.min:
        return format_date(last_local_day(until), "short")
    return format_datetime(until, "short")


def time_window(start, end) -> str:
    """A window in the locale's own short formats: "2026/11/25 08:00 – 18:00", "11/25/26, 8:00 AM – 6:00 PM"
    (the end's date only when it falls on another day)."""
    if not start or not end:
        return ""
    if local_naive(start).date() == local_naive(end).date():
        return f"{format_datetime(start, 'short')} – {format_time(end, 'short')}"
    return f"{format_datetime(start, 'short')} – {format_datetime(end, 'short')}"


def register_template_helpers(app: Flask) -> None:
    # Fewer bytes per fragment on a weak signal: drop the whitespace around template tags.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["static_url"] = _static_url_factory(app)
    app.jinja_env.globals["write_fields"] = write_fields
    app.jinja_env.globals["kept_pages"] = kept_pages
    app.jinja_env.globals["next_door_name"] = next_door_name
    # The server's clock in every page: the page measures the phone's clock against it (honest times).
    app.jinja_env.globals["now_ms"] = lambda: int(time.time() * 1000)
    app.jinja_env.filters.update(
        mask_phone=mask_phone,
        slip_code=slip_code,  # ABCD-EFGH, as printed on the slip
        mask_id=mask_id_number,
        mask_name=mask_name,
        role_label=_label(labels.ROLE_LABELS),
        category_label=_label(labels.CATEGORY_LABELS),
        status_label=_label(labels.HOUSEHOLD_STATUS_LABELS),
        kind_label=_label(labels.BUILDING_KIND_LABELS),
        care_label=_label(labels.CARE_TAG_LABELS),
        outcome_label=_label(labels.OUTCOME_LABELS),
        outcome_short=_label(labels.OUTCOME_SHORT_LABELS),
        channel_label=_label(labels.CHANNEL_LABELS),
        state_label=_label(labels.STATE_LABELS),
        slot_label=_label(labels.SLOT_LABELS),
        change_label=_label(labels.CHANGE_LABELS),
        reply_label=_label(labels.REPLY_LABELS),
        slot_reply_label=_label(labels.SLOT_REPLY_LABELS),
        checkpoint_kind_label=_label(labels.CHECKPOINT_KIND_LABELS),
        finding_label=_label(labels.FINDING_LABELS),
        resolution_label=_label(labels.RESOLUTION_LABELS),
        scan_result_label=_label(labels.SCAN_RESULT_LABELS),
        round_state_label=_label(labels.ROUND_STATE_LABELS),
        case_state_label=_label(labels.CASE_STATE_LABELS),
        picture_label=_label(labels.PICTURE_LABELS),
        audit_label=_label(labels.AUDIT_LABELS),
        audit_detail=labels.audit_detail,
        person_label=labels.person_label,
        dealt_with=labels.dealt_with,
        invite_role_label=_label(labels.INVITE_ROLE_LABELS),
        invite_state_label=_label(labels.INVITE_STATE_LABELS),
        method_label=_label(labels.CHECK_METHOD_LABELS),
        match_label=_label(labels.MATCH_KIND_LABELS),
        result_label=_label(labels.TASK_RESULT_LABELS),
        local_time=lambda value, fmt="HH:mm": format_datetime(value, fmt) if value else "",
        datetime=lambda value, fmt="short": format_datetime(value, fmt) if value else "",
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        access_end=access_end,
        time_window=time_window,
        short_time=lambda value: format_time(value, "short") if value else "",  # 18:00 / 6:00 PM, as the locale says it
    )


def _static_url_factory(app: Flask):
    """static_url('css/app.css') → /static/css/app.css?v=<hash>, so files can be cached for a year."""
    import hashlib
    from pathlib import Path

    from flask import url_for

    versions: dict[str, str] = {}

    def static_url(filename: str) -> str:
        if filename not in versions or app.debug:
            path = Path(app.static_folder) / filename
            versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        return url_for("static", filename=filename, v=versions[filename])

    return static_url
