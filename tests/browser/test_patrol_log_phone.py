"""The day's patrol log on a 360 px phone: long route and checkpoint names, long notes and four rounds wrap
at sensible points; the page never scrolls sideways and no column shrinks to one character a line."""
import uuid
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LONG_ROUTE = "长庚里东区至西区主干道及农贸市场周边一日三巡加密路线"
LONG_CHECKPOINT = "长庚里东侧农贸市场北门临时管控卡口（含地下停车场B2出入口）"
LONG_NOTE = ("东门岗亭值守人员反映夜间有外来车辆频繁进出，车牌号粤A12345678901234567890，"
             "联系电话13800138000138001380013800，详情见 https://example.org/reports/2026/11/24/east-gate-vehicles-log")


def _long_day(live_server):
    """The volunteer's route with long names, a fourth round and a round walked with long notes."""
    from webapp.clock import local_today
    from webapp.extensions import db
    from webapp.models import Patrol, PatrolScan, Route, RoutePatroller, RouteWindow, User, utcnow

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.username == "volunteer"))
        route = db.session.scalar(select(Route).join(RoutePatroller).where(RoutePatroller.user_id == user.id))
        route.name = LONG_ROUTE
        db.session.add(RouteWindow(route_id=route.id, round_no=len(route.windows) + 1, starts_at=time(22, 0),
                                   ends_at=time(23, 30)))
        for n, stop in enumerate(route.stops):
            stop.checkpoint.name = f"{LONG_CHECKPOINT}{n + 1}"
        patrol = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=user.id, day=local_today(),
                        round_no=1, started_at=utcnow() - timedelta(minutes=30),
                        ended_at=utcnow(), end_reason=LONG_NOTE)
        db.session.add(patrol)
        db.session.flush()
        for n, stop in enumerate(route.stops):
            finding = n % 2 == 1
            db.session.add(PatrolScan(
                request_id=uuid.uuid4().hex, patrol_id=patrol.id, checkpoint_id=stop.checkpoint_id,
                scanned_at=utcnow() - timedelta(minutes=20 - n), result="finding" if finding else "normal",
                finding_kind="other" if finding else None, note=LONG_NOTE if finding else None,
                resolution="solved" if finding else None))
        db.session.commit()


def _overflow(page) -> dict:
    """How far the page scrolls sideways, and the narrowest cell of the rounds table (px)."""
    return page.evaluate("""() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        body: document.body.scrollWidth - window.innerWidth,
        narrowest: Math.min(...[...document.querySelectorAll('table.grid-picture th, table.grid-picture td')]
                             .map(cell => cell.getBoundingClientRect().width)),
        sticking: [...document.querySelectorAll('main *')].filter(el => el.getBoundingClientRect().right
                   > document.documentElement.clientWidth + 1 && !el.closest('.scroll-x')).map(el => el.tagName
                   + '.' + el.className).slice(0, 5),
    })""")


def test_the_patrol_log_reads_on_a_phone_with_long_names(live_server, phone):
    _long_day(live_server)
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/patrols/log")
    assert LONG_ROUTE in phone.locator("main").inner_text()
    screenshot(phone, "patrol-log-long")
    phone.screenshot(path="/tmp/cases/log-full.png", full_page=True)
    measured = _overflow(phone)
    assert measured["page"] <= 0 and measured["body"] <= 0, measured
    assert measured["sticking"] == [], measured
    # A round's cell keeps room for its state and its window (no column one character wide).
    assert measured["narrowest"] >= 56, measured
    # Each round's cell says its state and window on at most three lines.
    heights = phone.evaluate("""() => [...document.querySelectorAll('table.grid-picture td')]
        .map(td => td.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight || 20))""")
    assert heights and max(heights) < 6, heights
