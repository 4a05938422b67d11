"""The daily summary and the admin's roll-ups on a 360×640 phone: the print view fits and leads back, signing
is confirmed where the thumb is, a bad day is a message beside the picker, the roll-ups tap down."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.browser.test_phone_sweep import CHECK
from tests.browser.test_review import _knock_some
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LONG_COMMENT = "今日全部网格已完成入户走访，未发现异常情况。" * 6 + "https://example.com/" + "a" * 80


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/summary-{name}.png")


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def _to_english(page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}{path}")
    page.click("footer button[lang=en]")
    page.wait_for_load_state()


def _sign(page, base_url: str, comment: str) -> None:
    page.goto(f"{base_url}/summary")
    page.fill("textarea[name=comment]", comment)
    page.click("#sign button[type=submit]")
    page.wait_for_selector("#sign [role=status]")


def test_print_view_fits_a_phone_leads_back_and_prints(live_server, phone):
    _knock_some(live_server)
    log_in(phone, live_server.url, "secretary", PASSWORD)
    _sign(phone, live_server.url, LONG_COMMENT)
    assert _in_view(phone, "#sign [role=status]")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]  # the long comment wraps
    for language in ("zh", "en"):
        if language == "en":
            _to_english(phone, live_server.url, "/summary")
        phone.goto(f"{live_server.url}/summary")
        phone.click("a.button[href*='print=1']")
        phone.wait_for_selector("body.report")
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], language
        back = phone.locator("header.sheet-head a")
        assert back.is_visible()
        box = back.bounding_box()
        assert box["height"] >= 44 and box["y"] < PHONE["height"]
        for cell in ("table.figures thead th", "table.figures tbody td"):
            widest = phone.evaluate(f"Math.max(...[...document.querySelectorAll('{cell}')]"
                                    ".map(e => e.getBoundingClientRect().right))")
            assert widest <= PHONE["width"], (language, cell)
        shot(phone, f"print-{language}")
        phone.emulate_media(media="print")
        assert back.is_hidden() and phone.locator("table.figures").is_visible()
        phone.emulate_media(media="screen")
        back.click()
        phone.wait_for_selector("#sign")
        assert "/summary?" in phone.url and "print" not in phone.url


def test_print_view_on_paper_keeps_the_whole_table(live_server, browser):
    """A4 as printed: the back link is gone and the table is the page's width, nothing cut off."""
    context = browser.new_context(viewport={"width": 794, "height": 1123}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/summary?print=1")
    page.emulate_media(media="print")
    assert page.locator("header.sheet-head").is_hidden()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 794
    assert len(page.pdf(format="A4")) > 1000
    context.close()


def test_signing_is_confirmed_where_the_user_looks(live_server, phone):
    log_in(phone, live_server.url, "secretary", PASSWORD)
    _sign(phone, live_server.url, "全部完成")
    status = "#sign [role=status]"
    assert "已签批并上报" in phone.locator(status).inner_text()
    assert _in_view(phone, status)  # seen without scrolling: the card comes to the top of the screen
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(CHECK) == []
    shot(phone, "signed-htmx")


def test_signing_without_javascript_is_confirmed_at_the_top(live_server, browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/summary")
    page.fill("textarea[name=comment]", "全部完成")
    page.click("#sign button[type=submit]")
    page.wait_for_selector("p.flash.success")
    assert "已签批并上报" in page.locator("p.flash.success").inner_text()
    assert _in_view(page, "p.flash.success")  # the page opens at its top: the message is the first thing seen
    shot(page, "signed-nojs")
    context.close()


def test_a_bad_day_is_answered_beside_the_picker(live_server, phone):
    log_in(phone, live_server.url, "secretary", PASSWORD)
    for language in ("zh", "en"):
        if language == "en":
            _to_english(phone, live_server.url, "/summary")
        answer = phone.goto(f"{live_server.url}/summary?day=2026-13-45")
        assert answer.status == 422
        assert phone.locator("#day-error").is_visible() and _in_view(phone, "#day-error")
        assert _in_view(phone, "#day")
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        shot(phone, f"bad-day-{language}")
    phone.context.clear_cookies()
    log_in(phone, live_server.url, "admin", PASSWORD)
    answer = phone.goto(f"{live_server.url}/summary/street?day=abc")
    assert answer.status == 422 and _in_view(phone, "#day-error")
    shot(phone, "street-bad-day")


def test_the_roll_ups_tap_down_to_a_community(live_server, phone):
    log_in(phone, live_server.url, "admin", PASSWORD)
    phone.goto(f"{live_server.url}/dashboard/district")
    assert phone.evaluate(CHECK) == []
    shot(phone, "district")
    link = phone.locator("table.figures a.row-link").nth(1)
    name = link.inner_text()
    link.click()
    phone.wait_for_url("**/dashboard?community=*")
    assert name in phone.locator(".crumbs").inner_text()
    phone.goto(f"{live_server.url}/summary/street")
    assert phone.evaluate(CHECK) == []
    shot(phone, "street")
    phone.locator(".street-community a.row-link").first.click()
    phone.wait_for_url("**/summary?community=*")
    assert phone.locator("h1").inner_text() == "每日汇总"
