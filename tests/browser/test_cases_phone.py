"""Cases on a 360 px phone: the volunteer hands a finding on and follows it; the work group can only mark it
solved with a note saying what was done."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.test_doors import _db
from tests.browser.test_patrols import _fill_a_gathering_handed_on, _route_tokens, _start_round
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_reporter_follows_the_case_the_group_closes_it_with_a_note(live_server, phone, browser):
    from webapp.models import Case

    _route_id, tokens = _route_tokens(live_server)
    _start_round(phone, live_server)
    phone.goto(f"{live_server.url}/c/{tokens[1]}")
    _fill_a_gathering_handed_on(phone, "巷口有十余人聚集，劝离未果")
    phone.click("button:has-text('保存问题')")
    phone.wait_for_selector("text=已扫描")
    screenshot(phone, "case-scanned")
    phone.click("a:has-text('查看转交的事项')")
    phone.wait_for_selector("h1:has-text('人员聚集')")
    text = phone.locator("main").inner_text()
    assert "待处理" in text and "劝离未果" in text and "工作小组和社区书记" in text
    assert phone.locator("input[name=status]").count() == 0
    assert phone.evaluate(SIDEWAYS) <= 0
    screenshot(phone, "case-reporter")

    phone.goto(f"{live_server.url}/patrols")
    screenshot(phone, "patrols-reported")
    phone.click("a:has-text('我上报的事项')")
    phone.wait_for_selector("a.tab.current:has-text('我上报的')")
    assert phone.locator("ul.rows a.row").count() == 1 and phone.evaluate(SIDEWAYS) <= 0
    screenshot(phone, "cases-mine")

    # The building lead is in 防控组: marking it solved without a note is refused beside the note.
    lead = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = lead.new_page()
    log_in(page, live_server.url, "lead", PASSWORD)
    page.goto(f"{live_server.url}/cases")
    assert page.evaluate(SIDEWAYS) <= 0
    screenshot(page, "cases-list")
    page.click("a.row:has-text('人员聚集')")
    page.check("input[name=status][value=solved]")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#note-error")
    assert "请说明做了什么" in page.locator("#note-error").inner_text()
    assert page.evaluate("document.activeElement.name") == "note"  # the field with the message has the focus
    assert _db(live_server, select(Case.status)) == "open"
    screenshot(page, "case-close-refused")
    page.fill("textarea[name=note]", "已联系社区民警劝离，现场恢复正常")
    page.check("input[name=status][value=solved]")
    page.click("button:has-text('保存')")
    page.wait_for_selector("p.muted:has-text('已解决')")
    assert _db(live_server, select(Case.status)) == "solved"
    lead.close()

    phone.goto(f"{live_server.url}/patrols")
    phone.click("a:has-text('继续巡查')")
    phone.locator("a:has-text('事项：已解决')").scroll_into_view_if_needed()
    assert phone.evaluate(SIDEWAYS) <= 0
    screenshot(phone, "patrol-round-case")
    phone.click("a:has-text('事项：已解决')")
    assert "已联系社区民警劝离" in phone.locator("main").inner_text()
    screenshot(phone, "case-reporter-solved")


def test_the_cases_list_shows_more_on_a_phone(live_server, phone):
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import Case, User, WorkGroup, utcnow

    with live_server.app.app_context():
        lead = db.session.scalar(select(User.id).where(User.username == "lead"))
        group = db.session.scalar(select(WorkGroup).where(WorkGroup.name == "防控组").order_by(WorkGroup.id))
        now = utcnow()
        db.session.add_all([Case(community_id=group.community_id, work_group_id=group.id, created_by_id=lead,
                                 title=f"长庚里东侧农贸市场北门临时管控卡口：人员聚集 {n}",
                                 created_at=now - timedelta(minutes=n)) for n in range(60)])
        db.session.commit()
    log_in(phone, live_server.url, "lead", PASSWORD)
    phone.goto(f"{live_server.url}/cases")
    assert phone.locator("ul.rows a.row").count() == 50
    phone.locator("li.more a").scroll_into_view_if_needed()
    screenshot(phone, "cases-more")
    phone.click("li.more a")
    phone.wait_for_function("() => document.querySelectorAll('ul.rows a.row').length === 60")
    assert phone.locator("li.more").count() == 0 and phone.url.endswith("/cases")  # htmx: no reload
    assert phone.evaluate(SIDEWAYS) <= 0

    phone.context.clear_cookies()
    log_in(phone, live_server.url, "volunteer2", PASSWORD)  # reported nothing, in no group here
    phone.goto(f"{live_server.url}/cases?show=mine")
    assert "您还没有把发现的问题转交给工作小组" in phone.locator("main").inner_text()
    screenshot(phone, "cases-mine-empty")
