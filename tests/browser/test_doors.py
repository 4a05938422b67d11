"""A volunteer at the door on a slow phone: scan → card → knock → correct a resident; no signal."""
import pytest
from sqlalchemy import func, select

from tests.browser.conftest import log_in, qr_codes_on, screenshot
from tests.conftest import PASSWORD
from tests.factory import build_world_in

pytestmark = pytest.mark.browser


def _db(live_server, statement):
    from webapp.extensions import db

    with live_server.app.app_context():
        return db.session.scalar(statement)


def _first_token(live_server, username="volunteer"):
    from webapp.models import Household, RoleAssignment, User

    grid = _db(live_server, select(RoleAssignment.grid_id).join(RoleAssignment.user).where(User.username == username))
    return _db(live_server, select(Household.sticker_token).where(Household.grid_id == grid,
                                                                 Household.status == "occupied")
               .order_by(Household.id))


def _throttle(page, rate=4):
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setCPUThrottlingRate", {"rate": rate})


def test_scan_card_not_home_then_verified_with_a_resident_corrected(live_server, phone):
    from webapp.models import Household, Resident, Visit

    _throttle(phone)
    token = _first_token(live_server)
    # The phone's own camera opens the printed URL: log in, then land on the card.
    phone.goto(f"{live_server.url}/h/{token}")
    phone.fill("input[name=username]", "volunteer")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/h/{token}")
    assert phone.locator("h1.address").is_visible()
    screenshot(phone, "card")

    visits_listed = "#door-record li.row"
    listed_before = phone.locator(visits_listed).count()
    phone.click("button[name=outcome][value=not_home]")
    phone.wait_for_selector("#knock.done")
    assert "无人在家" in phone.locator("#knock").inner_text()
    assert "无人在家 ×1" in phone.locator("#door-meta").inner_text()  # updated out of band
    # The record below reloads itself: the knock is the newest of the last visits, no reload needed.
    phone.wait_for_function(f"() => document.querySelectorAll('{visits_listed}').length > {listed_before}")
    assert phone.locator(visits_listed).first.inner_text().startswith("无人在家")

    phone.click("#knock a:has-text('记录其他结果')")
    phone.click("button[name=outcome][value=verified]")
    phone.wait_for_selector("#knock.done")
    assert "已核实" in phone.locator("#knock").inner_text()
    phone.wait_for_function(f"() => ((document.querySelector('{visits_listed} .title') || {{}}).textContent || '')"
                            ".startsWith('已核实')")

    resident = phone.locator("#residents li").first
    resident.locator("summary").click()
    resident.locator("input[name$='-name']").fill("张更正")
    resident.locator("button:has-text('保存')").click()
    phone.wait_for_selector("#residents:has-text('张更正')")

    household = _db(live_server, select(Household.id).where(Household.sticker_token == token))
    assert _db(live_server, select(func.count()).select_from(Visit).where(Visit.household_id == household)) == 2
    assert _db(live_server, select(func.count()).select_from(Resident).where(
        Resident.household_id == household, Resident.name == "张更正")) == 1


def _watch_knocks(context):
    """Every POST of a knock the browser makes, with its request id and what became of it."""
    from urllib.parse import parse_qs

    posts = []

    def record(request):
        if request.method == "POST" and "/h/" in request.url:
            posts.append({"request_id": parse_qs(request.post_data or "").get("request_id", [None])[0],
                          "request": request, "status": None, "failed": False})

    def answered(response):
        for post in posts:
            if post["request"] is response.request:
                post["status"] = response.status

    def failed(request):
        for post in posts:
            if post["request"] is request:
                post["failed"] = True

    context.on("request", record)
    context.on("response", answered)
    context.on("requestfailed", failed)
    return posts


def _delivered(posts, request_id):
    return [p["status"] for p in posts if p["request_id"] == request_id and p["status"] is not None]


def test_a_knock_without_signal_is_kept_and_sent_once(live_server, phone):
    from webapp.models import Visit

    _throttle(phone)
    posts = _watch_knocks(phone.context)
    token = _first_token(live_server)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/h/{token}")
    phone.context.set_offline(True)
    phone.click("button[name=outcome][value=not_home]")
    phone.wait_for_selector("#net-status:has-text('1 条待发送')")
    assert "已保存在手机上" in phone.locator("#knock").inner_text()
    assert _db(live_server, select(func.count()).select_from(Visit)) == 0
    kept = phone.evaluate("[].concat(...Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:')).map(k => JSON.parse(localStorage.getItem(k))))")
    assert len(kept) == 1
    request_id = kept[0]["id"]
    assert all(p["status"] is None for p in posts)  # the tap itself never reached the server
    screenshot(phone, "offline")

    phone.context.set_offline(False)
    phone.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:'))"
                            ".every(k => JSON.parse(localStorage.getItem(k)).length === 0)")
    phone.wait_for_selector("#net-status", state="hidden")
    assert _delivered(posts, request_id) == [200]  # sent again with the same request id, once
    assert _db(live_server, select(Visit.request_id)) == request_id
    tapped = _db(live_server, select(Visit.device_time))
    assert tapped is not None  # the time of the tap travelled with it
    # Reopening the page sends nothing at all: the browser itself does not send it twice (the
    # server would swallow a second copy, so counting rows could not tell).
    before = len(posts)
    phone.reload()
    phone.wait_for_load_state("networkidle")
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")  # and coming online again
    phone.wait_for_timeout(300)
    assert len(posts) == before and _delivered(posts, request_id) == [200]
    assert _db(live_server, select(func.count()).select_from(Visit)) == 1


def test_a_kept_knock_is_sent_when_the_page_is_opened_again(live_server, browser):
    from webapp.models import Visit

    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    posts = _watch_knocks(context)
    page = context.new_page()
    token = _first_token(live_server)
    log_in(page, live_server.url, "volunteer", PASSWORD)
    page.goto(f"{live_server.url}/h/{token}")
    context.set_offline(True)
    page.click("button[name=outcome][value=refused]")
    page.wait_for_selector("#net-status:has-text('1 条待发送')")
    request_id = page.evaluate("[].concat(...Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:')).map(k => JSON.parse(localStorage.getItem(k))))[0].id")
    # The tab is closed in the stairwell; later, with signal, the app is opened again.
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:'))"
                           ".every(k => JSON.parse(localStorage.getItem(k)).length === 0)")
    page.wait_for_load_state("networkidle")
    assert _delivered(posts, request_id) == [200]
    assert _db(live_server, select(Visit.request_id).where(Visit.outcome == "refused")) == request_id
    context.close()


def test_walk_a_building_on_a_phone(live_server, phone):
    from webapp.models import Building, RoleAssignment, User, Visit

    _throttle(phone)
    lead_building = _db(live_server, select(RoleAssignment.building_id).join(RoleAssignment.user)
                        .where(User.username == "lead").order_by(RoleAssignment.id))
    log_in(phone, live_server.url, "lead", PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{lead_building}/walk")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    first = phone.locator("li.door").first
    first.locator("button[value=not_home]").click()
    phone.wait_for_selector("li.door >> text=已记录")
    screenshot(phone, "walk")
    phone.locator("li.door a:has-text('下一户')").first.click()
    phone.wait_for_function("() => location.hash.startsWith('#h-')")
    phone.wait_for_timeout(300)
    # The next door lands below the sticky header and its floor heading, its number in view.
    top, header, heading = phone.evaluate("""() => {
      const row = document.querySelector(location.hash);
      return [row.getBoundingClientRect().top, document.querySelector('.topbar').getBoundingClientRect().bottom,
              row.closest('section').querySelector('.floor-no').getBoundingClientRect().bottom];
    }""")
    assert top >= max(header, heading) - 1, (top, header, heading)
    assert _db(live_server, select(func.count()).select_from(Visit)) == 1
    # A tower: every floor on one page with a floor index, still no sideways scrolling.
    tower = _db(live_server, select(Building.id).where(Building.kind == "tower"))
    phone.goto(f"{live_server.url}/buildings/{tower}/walk")
    assert phone.locator("section.floor").count() == phone.locator(".floor-index a").count()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def _floor_sections(page) -> list[str]:
    return page.eval_on_selector_all("section.floor", "sections => sections.map(s => s.id)")


def test_walk_a_tall_tower_on_one_page(live_server, phone):
    """A 25-floor tower: every floor on one page, a floor index to jump to, 下一户 crosses floors in place."""
    built = build_world_in(live_server.app, tower_floors=25, doors_per_floor=4)
    _throttle(phone)
    log_in(phone, live_server.url, built.users["lead"], PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{built.tower_id}/walk")
    assert _floor_sections(phone) == [f"f1-{n}" for n in range(25, 0, -1)]
    assert phone.locator(".floor-index a").count() == 25
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # still no sideways scrolling
    screenshot(phone, "walk-tower")
    phone.locator('.floor-index a[href="#f1-6"]').click()
    phone.wait_for_function("() => location.hash === '#f1-6'")
    last = phone.locator("section#f1-6 li.door").last
    last.locator("button[value=not_home]").click()
    phone.wait_for_selector("section#f1-6 li.door >> text=已记录")
    page_url = phone.evaluate("location.pathname + location.search")
    phone.locator("section#f1-6 li.door a:has-text('下一户')").click()
    phone.wait_for_function("() => location.hash.startsWith('#h-')")
    assert phone.evaluate("location.pathname + location.search") == page_url  # no reload
    assert phone.locator(phone.evaluate("location.hash") + " a.room").inner_text() == "501"


def test_sticker_sheet_decodes_to_each_doors_url(live_server, browser):
    from webapp.extensions import db
    from webapp.models import Household, RoleAssignment, User

    building = _db(live_server, select(RoleAssignment.building_id).join(RoleAssignment.user)
                   .where(User.username == "lead").order_by(RoleAssignment.id))
    with live_server.app.app_context():
        expected = {f"{live_server.url}/h/{t}" for t in db.session.scalars(
            select(Household.sticker_token).where(Household.building_id == building))}
    assert qr_codes_on(browser, live_server.url, f"/buildings/{building}/stickers", shot="stickers") == expected


def test_a_knock_with_javascript_off_is_confirmed_by_the_card_itself(live_server, browser):
    """No script (an old WebView, or scripts blocked): the knock posts the form and the answer is the
    card with the knock confirmed, at the card's own URL, in one request."""
    from webapp.models import Visit

    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False,
                                  locale="zh-CN")
    page = context.new_page()
    try:
        token = _first_token(live_server)
        log_in(page, live_server.url, "volunteer", PASSWORD)
        page.goto(f"{live_server.url}/h/{token}")
        documents = []
        page.on("request", lambda request: documents.append(request.method)
                if request.resource_type == "document" else None)
        page.click("button[name=outcome][value=not_home]")
        page.wait_for_selector("#knock.done")
        assert documents == ["POST"]  # no redirect and second request
        assert page.url == f"{live_server.url}/h/{token}"
        assert "无人在家" in page.locator("#knock").inner_text()
        assert page.locator("#knock button:has-text('撤销')").is_visible()
        assert _db(live_server, select(func.count()).select_from(Visit)) == 1
        screenshot(page, "card-knocked-no-js")
    finally:
        context.close()


def test_the_residents_list_follows_a_moved_out_knock_and_its_undo(live_server, phone):
    """已搬离 moves everyone at the door out: the card's list of residents says so at once, and again
    after 撤销, without a reload (it used to keep showing them living there)."""
    token = _first_token(live_server)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/h/{token}")
    living = phone.locator("#residents li.row").count()
    assert living and phone.locator("#residents li.moved").count() == 0
    phone.click("button[name=outcome][value=moved_out]")
    phone.wait_for_selector("#knock.done")
    phone.locator("#residents li.moved").nth(living - 1).wait_for(timeout=10000)
    assert phone.locator("#residents .badge").filter(has_text="已搬离").count() == living
    screenshot(phone, "card-moved-out-residents")
    phone.click("#knock button:has-text('撤销')")
    phone.wait_for_function("() => !document.querySelector('#residents li.moved')", timeout=10000)
    assert phone.locator("#residents li.row").count() == living


def test_a_walk_tap_with_javascript_off_is_confirmed_where_it_was_made(live_server, browser):
    """JavaScript off, on the walk: a tap comes back at that door, its row on screen (not under the sticky
    headings) saying 已记录 with 撤销, the slip's field and 下一户; 撤销 says 已撤销 in the same row."""
    from webapp.models import Household, RoleAssignment, User

    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    grid = _db(live_server, select(RoleAssignment.grid_id).join(RoleAssignment.user).where(User.username == "volunteer"))
    building = _db(live_server, select(Household.building_id).where(Household.grid_id == grid).order_by(Household.id))
    page.goto(f"{live_server.url}/buildings/{building}/walk")
    assert page.locator("#scan-start").is_hidden()  # the in-page scanner needs JavaScript: no dead button
    row = page.locator("#walk li.door").nth(3)
    door_id = row.get_attribute("id")
    row.locator("button[value=not_home]").click()
    page.wait_for_url(f"**/walk?knocked=*#{door_id}")
    row = page.locator(f"#{door_id}")
    done = row.locator(".done-line")
    assert "已记录" in done.inner_text() and "无人在家" in done.inner_text()
    assert row.locator("input[name=slip_code]").count() == 1 and row.locator("a:has-text('下一户')").count() == 1
    box = done.bounding_box()
    header_bottom = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().bottom")
    assert box["y"] >= header_bottom and box["y"] + box["height"] <= 640  # on screen, clear of the top bar
    screenshot(page, "walk-knocked-no-js")
    row.locator("button:has-text('撤销')").click()
    page.wait_for_url(f"**/walk?undone=*#{door_id}")
    assert "已撤销" in page.locator(f"#{door_id}").inner_text()
    assert page.locator(f"#{door_id} button[value=not_home]").count() == 1
    context.close()
