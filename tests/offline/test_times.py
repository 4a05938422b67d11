"""Honest times: 补发 only for a knock that arrived late; a wrong phone clock is corrected and flagged."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import knock


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def test_read_device_time_trusts_a_right_clock_and_flags_a_wrong_one(app):
    from webapp.forms import read_device_time

    with app.app_context():
        now = _now()
        assert read_device_time("") == read_device_time(None)
        assert read_device_time(None).moment is None and not read_device_time(None).corrected
        right = read_device_time(_iso(now - timedelta(seconds=5)), "1")
        assert abs((right.moment - now).total_seconds()) < 10 and not right.corrected
        # The page corrected a phone clock an hour slow: the time is kept, and flagged.
        slow = read_device_time(_iso(now - timedelta(seconds=5)), "3600")
        assert slow.moment is not None and slow.corrected
        # Still in the future: not trusted, the arrival time instead, flagged.
        future = read_device_time(_iso(now + timedelta(hours=3)), "0")
        assert future.corrected and abs((future.moment - now).total_seconds()) < 10
        # Older than a month: dropped, flagged.
        ancient = read_device_time(_iso(now - timedelta(days=90)), "0")
        assert ancient.moment is None and ancient.corrected
        assert read_device_time("yesterday-ish", "0") == read_device_time("not a time")
        assert read_device_time(_iso(now), "not a number").corrected is False


def test_sent_late_only_after_two_minutes(app):
    from webapp.clock import sent_late

    now = _now()
    assert not sent_late(None, now)
    assert not sent_late(now - timedelta(seconds=119), now)
    assert sent_late(now - timedelta(minutes=3), now)


def _visit(app, request_id):
    from webapp.extensions import db
    from webapp.models import Visit

    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.request_id == request_id))
        return visit.device_time, visit.visited_at, visit.sent_late, visit.clock_corrected


def test_a_knock_sent_at_once_is_not_labelled_sent_later(app, client, login_as, world):
    login_as("volunteer")
    rid = uuid.uuid4().hex
    assert knock(client, world.volunteer_household, "verified", request_id=rid,
                 device_time=_iso(_now() - timedelta(seconds=2)), clock_offset="0").status_code == 200
    device_time, _arrived, late, corrected = _visit(app, rid)
    assert device_time is not None and not late and not corrected
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    assert "补发" not in html and "手机时间已校正" not in html


def test_a_knock_that_waited_on_the_phone_is_labelled_sent_later_with_its_tap_time(app, client, login_as, world):
    login_as("volunteer")
    rid = uuid.uuid4().hex
    tapped = _now() - timedelta(minutes=25)
    knock(client, world.volunteer_household, "not_home", request_id=rid, device_time=_iso(tapped), clock_offset="3")
    device_time, arrived, late, corrected = _visit(app, rid)
    assert abs((device_time - tapped).total_seconds()) < 1 and arrived - device_time > timedelta(minutes=20)
    assert late and not corrected
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    assert "补发" in html and "手机时间已校正" not in html


def test_a_wrong_phone_clock_is_corrected_and_flagged(app, client, login_as, world):
    login_as("volunteer")
    future = uuid.uuid4().hex
    knock(client, world.volunteer_household, "refused", request_id=future,
          device_time=_iso(_now() + timedelta(days=2)), clock_offset="0")
    device_time, arrived, late, corrected = _visit(app, future)
    assert corrected and not late and abs((device_time - arrived).total_seconds()) < 5
    offset = uuid.uuid4().hex
    knock(client, world.volunteer_household, "verified", request_id=offset,
          device_time=_iso(_now()), clock_offset=str(-7 * 3600))
    assert _visit(app, offset)[3]
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    assert "手机时间已校正" in html


def test_every_page_carries_the_server_clock_for_the_offset(client, login_as):
    import re
    import time

    login_as("volunteer")
    html = client.get("/").get_data(as_text=True)
    server_ms = int(re.search(r'data-now="(\d+)"', html).group(1))
    assert abs(server_ms - time.time() * 1000) < 60_000
    state = client.get("/offline/state").get_json()
    assert abs(state["now"] - time.time() * 1000) < 60_000 and state["token"]


def test_a_patrol_scan_sent_at_once_is_not_sent_later(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import PatrolScan

    with app.app_context():
        late = PatrolScan(request_id="x" * 10, patrol_id=1, checkpoint_id=1, result="normal",
                          scanned_at=_now(), device_time=_now() - timedelta(seconds=30))
        assert not late.sent_late
        late.device_time = _now() - timedelta(minutes=10)
        assert late.sent_late
        db.session.rollback()


def test_the_patrol_log_says_sent_later_only_for_a_late_scan(app, client, login_as, auth):
    from webapp.extensions import db
    from webapp.models import Route, RoutePatroller, User

    with app.app_context():
        route = db.session.scalar(select(Route).join(RoutePatroller).join(User).where(User.username == "volunteer"))
        route_id, tokens = route.id, [stop.checkpoint.token for stop in route.stops]
    login_as("volunteer")
    csrf = csrf_token_from(client, "/patrols")
    started = client.post("/patrols/start", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                   "route_id": str(route_id)})
    patrol_id = started.headers["Location"].rsplit("/", 1)[1]

    def scan(token, tapped, offset="0"):
        csrf = csrf_token_from(client, f"/c/{token}")
        return client.post(f"/c/{token}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                "patrol_id": patrol_id, "result": "normal",
                                                "device_time": _iso(tapped), "clock_offset": offset})
    assert scan(tokens[0], _now() - timedelta(seconds=3)).status_code == 303  # online: no 补发
    assert scan(tokens[1], _now() - timedelta(minutes=12)).status_code == 303  # kept on the phone
    auth.logout()
    login_as("secretary")
    html = client.get("/patrols/log").get_data(as_text=True)
    assert html.count("分钟后补发") == 1 and "0 分钟后补发" not in html
    assert "12 分钟后补发" in html or "11 分钟后补发" in html
