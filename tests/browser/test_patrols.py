"""一日三巡 on a phone: a round with a finding handed on, and the secretary's picture of the day."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, qr_codes_on, screenshot
from tests.browser.test_doors import _db, _throttle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _route_tokens(live_server):
    from webapp.extensions import db
    from webapp.models import Route, RoutePatroller, User

    with live_server.app.app_context():
        route = db.session.scalar(select(Route).join(RoutePatroller).join(User).where(User.username == "volunteer"))
        return route.id, [stop.checkpoint.token for stop in route.stops]


def _start_round(phone, live_server) -> None:
    """The volunteer logs in and starts a round of their route from /patrols."""
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/patrols")
    phone.click("button:has-text('开始一轮巡查')")
    phone.wait_for_selector("h1:has-text('第')")


def _fill_a_gathering_handed_on(phone, note: str) -> None:
    """On a checkpoint's page: a gathering seen, handed on to 防控组 (the form filled, not yet sent)."""
    phone.click("summary:has-text('报告发现的问题')")
    phone.check("input[name=finding_kind][value=gathering]")
    phone.fill("textarea[name=note]", note)
    phone.check("input[name=resolution][value=handed]")
    phone.select_option("select[name=work_group_id]", label="防控组")


def test_round_with_a_finding_then_the_secretary_signs_off(live_server, phone, browser):
    from webapp.models import Case, Patrol, PatrolSignoff

    _throttle(phone)
    route_id, tokens = _route_tokens(live_server)
    _start_round(phone, live_server)
    for number, token in enumerate(tokens[:3]):
        phone.goto(f"{live_server.url}/c/{token}")  # what the phone camera opens from the sticker
        if number == 1:
            _fill_a_gathering_handed_on(phone, "巷口有十余人聚集")
            screenshot(phone, "checkpoint-finding")
            phone.click("button:has-text('保存问题')")
        else:
            phone.click("button:has-text('一切正常')")
        phone.wait_for_selector("text=已扫描")
    phone.goto(f"{live_server.url}/patrols")
    phone.click("a:has-text('继续巡查')")
    phone.click("button:has-text('结束本轮巡查')")
    phone.wait_for_selector("text=结束前请说明原因")
    phone.fill("textarea[name=reason]", "北门施工，无法通行")
    phone.click("button:has-text('结束本轮巡查')")
    phone.wait_for_url(f"{live_server.url}/patrols")
    assert _db(live_server, select(Patrol.end_reason)) == "北门施工，无法通行"
    assert _db(live_server, select(Case.title)).endswith("人员聚集")

    secretary = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2,
                                    is_mobile=True, has_touch=True, locale="zh-CN")
    page = secretary.new_page()
    log_in(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/patrols/log")
    cell = page.locator("table.grid-picture td.round-incomplete")
    assert cell.count() == 1 and "3/5" in cell.inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('td.round-incomplete')).backgroundColor") \
        != "rgba(0, 0, 0, 0)"
    assert "人员聚集" in page.locator("main").inner_text()
    screenshot(page, "patrol-log")
    page.fill("textarea[name=comment]", "北门施工期间改走南门")
    page.click("button:has-text('签批')")
    page.wait_for_selector("text=已于")
    assert _db(live_server, select(PatrolSignoff.comment)) == "北门施工期间改走南门"
    secretary.close()


def test_checkpoint_sticker_sheet_decodes(live_server, browser):
    route_id, tokens = _route_tokens(live_server)
    found = qr_codes_on(browser, live_server.url, f"/patrols/routes/{route_id}/stickers")
    assert found == {f"{live_server.url}/c/{token}" for token in tokens}


def test_a_scan_without_signal_keeps_the_time_it_was_made(live_server, phone):
    from webapp.models import PatrolScan

    route_id, tokens = _route_tokens(live_server)
    _start_round(phone, live_server)
    phone.goto(f"{live_server.url}/c/{tokens[0]}")
    phone.context.set_offline(True)
    phone.click("button:has-text('一切正常')")
    phone.wait_for_selector("#net-status:has-text('1 条待发送')")
    phone.wait_for_timeout(1500)  # the scan was made well before it is sent
    phone.context.set_offline(False)
    phone.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:')).every(k => JSON.parse(localStorage.getItem(k)).length === 0)")
    scan = _db(live_server, select(PatrolScan))
    assert scan is not None and scan.device_time is not None
    assert (scan.scanned_at - scan.device_time).total_seconds() >= 1


def test_a_route_with_bad_minutes_says_so_beside_the_checkpoint(live_server, phone):
    """On a phone: minutes past the limit are refused beside that checkpoint, in Chinese, and what was typed stays."""
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/patrols/setup")
    phone.click("summary:has-text('新建路线')")
    phone.fill("#route-name", "夜间复查")
    stops = phone.locator(".stop")
    stops.nth(0).locator("input").nth(0).fill("1")
    stops.nth(1).locator("input").nth(0).fill("２")  # a Chinese IME's full-width digit counts
    stops.nth(1).locator("input").nth(1).fill("99999")
    phone.click("button:has-text('创建路线')")
    error = stops.nth(1).locator("p.error")
    error.wait_for()
    assert error.inner_text() == "分钟：请填 0 至 600 的整数。"
    assert stops.nth(1).locator("input").nth(1).input_value() == "99999"
    assert stops.nth(1).locator("input").nth(1).get_attribute("aria-invalid") == "true"
    assert stops.nth(1).locator("input").nth(0).get_attribute("aria-invalid") is None  # the order was right
    error.scroll_into_view_if_needed()
    box, row = error.bounding_box(), stops.nth(1).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and row["y"] <= box["y"] <= row["y"] + row["height"]
    screenshot(phone, "patrol-setup-bad-minutes")


def test_a_round_walked_from_the_first_sticker_to_the_last_on_a_phone(live_server, phone):
    """Started from the first checkpoint's sticker, the round goes straight to that checkpoint's scan; after the
    last one the volunteer ends the round there, and the round is done on the patrol page."""
    from webapp.models import Patrol

    _route_id, tokens = _route_tokens(live_server)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/c/{tokens[0]}")
    phone.click("form[action='/patrols/start'] button")
    phone.wait_for_selector("button:has-text('一切正常')")
    assert phone.url.endswith(f"/c/{tokens[0]}")
    for token in tokens:
        if not phone.url.endswith(f"/c/{token}"):
            phone.goto(f"{live_server.url}/c/{token}")
        phone.click("button:has-text('一切正常')")
        phone.wait_for_selector("#scan.done")
    assert "本轮所有点位都已扫描" in phone.locator("#scan").inner_text()
    assert phone.locator("#scan a:has-text('扫描下一个点位')").count() == 0
    screenshot(phone, "patrol-last-checkpoint")
    phone.click("#scan button:has-text('结束本轮巡查')")
    phone.wait_for_selector(".flash:has-text('巡查已结束')")
    assert _db(live_server, select(Patrol.ended_at)) is not None
    assert _db(live_server, select(Patrol.end_reason)) is None  # every checkpoint scanned: no reason asked
