"""A slip left at a door and answered from the resident's own phone."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import PHONE, log_in, qr_codes_on, screenshot
from tests.browser.test_doors import _db, _first_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _first_slip(live_server):
    from webapp.models import NoteSlip, SlipPad, User

    return _db(live_server, select(NoteSlip.code).join(SlipPad).join(User, User.id == SlipPad.issued_to_id)
               .where(User.username == "volunteer", NoteSlip.state == "printed").order_by(NoteSlip.id))


def test_volunteer_leaves_a_slip_resident_answers_volunteer_confirms(live_server, phone, browser):
    from webapp.models import SlipReply, Visit

    token, code = _first_token(live_server), _first_slip(live_server)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/h/{token}")
    phone.click("button[name=outcome][value=not_home]")
    phone.fill("input[name=slip_code]", code.lower())
    phone.click("button:has-text('留条')")
    phone.wait_for_selector(f"text=已在门上留下留言条 {code[:4]}-{code[4:]}")
    screenshot(phone, "slip-bound")

    resident = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                   locale="zh-CN")
    page = resident.new_page()
    page.goto(f"{live_server.url}/s/{code}")
    assert "长庚社区" in page.locator("h1").inner_text()
    screenshot(page, "slip-resident")
    page.check("input[name=kind][value=home_at]")
    page.select_option("select[name=home_slot]", "weekday_evening")
    page.fill("textarea[name=message]", "工作日晚上七点后在家")
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('谢谢')")
    resident.close()
    assert _db(live_server, select(SlipReply.message)) == "工作日晚上七点后在家"

    phone.goto(f"{live_server.url}/inbox")
    assert "工作日晚上七点后在家" in phone.locator("main").inner_text()
    screenshot(phone, "inbox")
    phone.click("button:has-text('已回电，确认')")
    phone.wait_for_selector("text=没有待处理的回复")
    assert _db(live_server, select(Visit.channel).where(Visit.channel == "phone")) == "phone"


def test_printed_slips_decode_to_their_public_urls(live_server, browser):
    from webapp.extensions import db
    from webapp.models import NoteSlip, SlipPad

    with live_server.app.app_context():
        pad = db.session.scalar(select(SlipPad).order_by(SlipPad.id))
        expected = {f"{live_server.url}/s/{c}" for c in db.session.scalars(
            select(NoteSlip.code).where(NoteSlip.pad_id == pad.id))}
    assert qr_codes_on(browser, live_server.url, f"/slips/print?pad={pad.id}", shot="slips-print") == expected


def test_the_inbox_shows_more_self_reports_in_place_and_they_can_be_handled(live_server, phone):
    """显示更多 under the self-reports appends the next 50 (the answers to slips above stay as they were),
    and a report among the appended rows is dismissed like any other."""
    from playwright.sync_api import expect

    from tests.factory import build_world_in
    from tests.slips.test_paging import _slip_world

    built = _slip_world(live_server.app, lambda **options: build_world_in(live_server.app, **options))
    log_in(phone, live_server.url, built.users["secretary"], PASSWORD)
    phone.goto(f"{live_server.url}/inbox")
    reports = phone.locator("section:has(h2:has-text('居民报备')) ul.rows > li.row")
    replies = phone.locator("section:has(h2:has-text('留言条回复')) ul.rows > li.row")
    assert (reports.count(), replies.count()) == (50, 50)
    screenshot(phone, "inbox-top")
    more = phone.locator("section:has(h2:has-text('居民报备')) li.more a")
    box = more.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300 and more.inner_text() == "显示更多"
    more.scroll_into_view_if_needed()
    screenshot(phone, "inbox-more")
    more.click()
    expect(reports).to_have_count(100)
    assert phone.url.endswith("/inbox") and replies.count() == 50  # in place; the other list untouched
    assert phone.locator("section:has(h2:has-text('居民报备')) li.more").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    last = reports.nth(99)
    assert last.locator(".title").inner_text() == "报备人100"
    last.scroll_into_view_if_needed()
    screenshot(phone, "inbox-more-shown")
    last.locator("form.inline button").click()  # dismiss: a plain form of the appended row
    # Back to the inbox as it was read, its reports down to the second page, not to page 1.
    phone.wait_for_url(f"{live_server.url}/inbox?reports_page=2")
    assert "已忽略这条报备。" in phone.content()
    assert phone.locator("section:has(h2:has-text('居民报备')) .count").inner_text() == "99"
    expect(reports).to_have_count(99)
    assert "报备人100" not in reports.last.inner_text() and reports.last.locator(".title").inner_text() == "报备人99"


def test_undoing_the_knock_says_the_slip_went_back_and_typing_in_full_width_binds(live_server, phone):
    """On the phone: a slip number typed with a Chinese keyboard (full width) is taken, and undoing the
    knock says, in the card, which slip no longer counts and to take it off the door."""
    from webapp.models import NoteSlip

    token, code = _first_token(live_server), _first_slip(live_server)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/h/{token}")
    phone.click("button[name=outcome][value=not_home]")
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    phone.fill("input[name=slip_code]", f"{typed[:4]}－{typed[4:]}")
    phone.click("button:has-text('留条')")
    phone.wait_for_selector(f"text=已在门上留下留言条 {code[:4]}-{code[4:]}")
    phone.click("button:has-text('撤销')")
    notice = phone.locator(f"p.notice:has-text('留言条 {code[:4]}-{code[4:]} 已不再登记在这户')")
    notice.wait_for()
    assert "请取下" in notice.inner_text() and notice.is_visible()
    screenshot(phone, "slip-released")
    assert _db(live_server, select(NoteSlip.state).where(NoteSlip.code == code)) == "printed"
