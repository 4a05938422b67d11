"""The stairwell with no signal: a 30-floor tower taken offline, knocks kept per user and sent once."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, log_in, screenshot
from tests.conftest import PASSWORD
from tests.offline.helpers import build_tower

pytestmark = pytest.mark.browser


def _query(live_server, fn):
    from webapp.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def _doors(live_server, building_id):
    from webapp.models import Household

    return _query(live_server, lambda db: [(h.id, h.sticker_token, h.room) for h in db.session.scalars(
        select(Household).where(Household.building_id == building_id)
        .order_by(Household.floor.desc(), Household.room))])


def _free_slips(live_server, building_id, n):
    from webapp.models import Building, NoteSlip

    def pick(db):
        community = db.session.get(Building, building_id).community_id
        return list(db.session.scalars(select(NoteSlip.code).where(NoteSlip.community_id == community,
                                                                  NoteSlip.state == "printed")
                                       .order_by(NoteSlip.id).limit(n)))
    return _query(live_server, pick)


def _visits(live_server, household_ids):
    from webapp.models import NoteSlip, Visit

    def read(db):
        rows = db.session.scalars(select(Visit).where(Visit.household_id.in_(household_ids))).all()
        slips = {s.visit_id: s.code for s in db.session.scalars(select(NoteSlip).where(NoteSlip.visit_id.isnot(None)))}
        return [{"household": v.household_id, "outcome": v.outcome, "request_id": v.request_id, "user": v.user.username,
                 "late": v.sent_late, "corrected": v.clock_corrected, "device_time": v.device_time,
                 "slip": slips.get(v.id)} for v in rows]
    return _query(live_server, read)


def _wait_for(predicate, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


def _first_door(live_server):
    """(sticker token, household id) of the street's first door, in the volunteer's area."""
    from webapp.models import Household

    return tuple(_query(live_server, lambda db: db.session.execute(
        select(Household.sticker_token, Household.id).order_by(Household.id)).first()))


def _volunteer_page(context, live_server, path):
    """A page of this phone, logged in as the volunteer, at `path`."""
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    page.goto(f"{live_server.url}{path}")
    return page


def _phone_context(browser, **extra):
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                               locale="zh-CN", **extra)


def _knock_kept_on_the_card(live_server, browser, outcome):
    """The volunteer's phone on the first door's card, signal gone, `outcome` tapped and kept on the phone:
    (token, household id, context, page)."""
    token, household_id = _first_door(live_server)
    context = _phone_context(browser)
    page = _volunteer_page(context, live_server, f"/h/{token}")
    context.set_offline(True)
    page.locator(f'#knock button[value="{outcome}"]').click()
    page.locator("#knock.queued").wait_for()
    return token, household_id, context, page


def _tower_taken_offline(live_server, browser, floors=2, per_floor=2):
    """A tower of `floors` × `per_floor`, its walk page opened and kept on the volunteer's phone, then the
    signal gone: (its doors, context, page on the walk)."""
    tower = build_tower(live_server.app, floors=floors, per_floor=per_floor)
    context = _phone_context(browser)
    page = _volunteer_page(context, live_server, f"/buildings/{tower}/walk")
    page.locator("[data-offline-status]").filter(has_text="已存到手机").wait_for(timeout=30000)
    context.set_offline(True)
    return _doors(live_server, tower), context, page


CACHED_BYTES = """async () => {
  let total = 0;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) total += (await (await cache.match(request)).arrayBuffer()).byteLength;
  }
  return total;
}"""


INLINE_SCRIPT_RUNS = """() => {
  const tag = document.createElement('script');
  tag.textContent = 'window.inlineRan = 1';
  document.head.append(tag);
  return window.inlineRan || null;
}"""


def _plan(doors, slips):
    """20 doors: every third not home with a slip, the others verified."""
    plan = []
    for index, (household_id, token, room) in enumerate(doors[:20]):
        if index % 3 == 0:
            plan.append((household_id, token, room, "not_home", slips[len([p for p in plan if p[3] == "not_home"])]))
        else:
            plan.append((household_id, token, room, "verified", None))
    return plan


def _check_visits(live_server, plan, username="volunteer"):
    visits = _wait_for(lambda: (v := _visits(live_server, [p[0] for p in plan])) and len(v) >= 20 and v, 60)
    time.sleep(1.0)
    visits = _visits(live_server, [p[0] for p in plan])
    assert len(visits) == 20  # exactly 20: none lost, none doubled
    assert len({v["request_id"] for v in visits}) == 20
    by_door = {v["household"]: v for v in visits}
    for household_id, _token, _room, outcome, slip in plan:
        visit = by_door[household_id]
        assert visit["outcome"] == outcome and visit["user"] == username
        assert visit["slip"] == slip
        # Sent within a minute or two of the tap: not 补发, and the test phone's clock is right.
        assert visit["device_time"] is not None and not visit["late"] and not visit["corrected"]


def test_a_tower_taken_offline_opens_its_cards_and_keeps_twenty_knocks(live_server, browser):
    tower = build_tower(live_server.app, floors=30, per_floor=4)
    doors = _doors(live_server, tower)
    plan = _plan(doors, _free_slips(live_server, tower, 7))
    context = _phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    page.goto(f"{live_server.url}/buildings/{tower}/walk")
    status = page.locator("[data-offline-status]")
    status.filter(has_text="120").wait_for(timeout=60000)  # "kept on this phone · HH:mm · 120 doors"
    kept = page.evaluate(CACHED_BYTES)
    print(f"kept on the phone: {kept} bytes")
    assert kept <= 1024 * 1024  # a 30-floor tower, its cards and static files

    context.set_offline(True)
    for household_id, token, room, outcome, slip in plan:
        page.goto(f"{live_server.url}/h/{token}")
        copy = page.locator("#offline-copy")
        assert "离线副本" in copy.inner_text()
        assert page.evaluate(INLINE_SCRIPT_RUNS) is None  # the kept copy keeps the page's Content-Security-Policy
        page.locator(f'#knock button[value="{outcome}"]').click()
        page.locator("#knock.queued").wait_for()
        if slip:
            page.fill(".slip-later input[name=slip_code]", slip)
            page.locator(".slip-later button").click()
            page.get_by_text(slip).wait_for()
    screenshot(page, "offline-card")
    # Another page of the app that is not kept: the offline page, with what waits to be sent.
    page.goto(f"{live_server.url}/revisits")
    assert "没有信号" in page.locator("h1").inner_text()
    assert "20" in page.locator("#net-status").inner_text()
    page.close()

    page = context.new_page()  # reopened, still without signal
    page.goto(f"{live_server.url}/buildings/{tower}/walk")
    assert page.locator("#offline-copy").is_visible()
    assert page.locator("li.door.queued").count() == 20
    screenshot(page, "offline-walk")
    assert _visits(live_server, [p[0] for p in plan]) == []

    context.set_offline(False)
    _check_visits(live_server, plan)
    # The doors' rows show their new state in place, without a reload.
    page.locator("li.door.queued").first.wait_for(state="detached", timeout=20000)
    assert page.locator("li.door.queued").count() == 0
    first = page.locator(f"#h-{plan[1][0]}")
    assert "已核实" in first.inner_text() or "核实" in first.inner_text()
    # "20 sent" says they arrived, then goes.
    page.locator("#net-status").wait_for(state="hidden", timeout=15000)

    # The home page lists the volunteer's buildings, which are kept and how old, and takes another one.
    page.goto(f"{live_server.url}/")
    section = page.locator("#take-offline")
    tower_status = section.locator(f'[data-offline-status="/buildings/{tower}/walk"]')
    tower_status.filter(has_text="120").wait_for(timeout=20000)
    other = section.locator("li.take").filter(has_not_text="测试大厦").first
    other.locator("[data-take]").click()
    other.locator("[data-offline-status]").filter(has_text="已存到手机").wait_for(timeout=30000)
    screenshot(page, "offline-home")

    # Logging out leaves nothing of this user on the phone: offline, the card is no longer there.
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login**")
    page.wait_for_function("""async () => !(await caches.keys()).some(k => k.startsWith('doorstep-u'))""")
    context.set_offline(True)
    page.goto(f"{live_server.url}/h/{plan[0][1]}")
    assert "没有信号" in page.locator("h1").inner_text()
    assert page.locator("#offline-copy").count() == 0
    context.close()


def _y4m_of_codes(texts, path, frames_each=4):
    """Video for Chromium's fake camera: each QR code shown for a few frames in turn, looping."""
    import qrcode
    from PIL import Image

    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W320 H240 F10:1 Ip A1:1 C420jpeg\n")
        chroma = bytes([128]) * (160 * 120)
        for text in texts:
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=2, box_size=5)
            code.add_data(text)
            picture = code.make_image().convert("L")
            frame = Image.new("L", (320, 240), 255)
            frame.paste(picture, ((320 - picture.width) // 2, (240 - picture.height) // 2))
            out.writelines(b"FRAME\n" + frame.tobytes() + chroma + chroma for _ in range(frames_each))


def test_without_service_workers_the_walk_page_scans_its_own_doors_offline(live_server, browser, tmp_path):
    tower = build_tower(live_server.app, floors=30, per_floor=4)
    doors = _doors(live_server, tower)
    plan = _plan(doors, _free_slips(live_server, tower, 7))
    video = tmp_path / "stickers.y4m"
    _y4m_of_codes([f"{live_server.url}/h/{token}" for _id, token, _room, _o, _s in plan], video)
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = _phone_context(camera, service_workers="block")
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        log_in(page, live_server.url, "volunteer", PASSWORD)
        page.goto(f"{live_server.url}/buildings/{tower}/walk")
        assert page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.controller : null") is None
        context.set_offline(True)
        wanted = {p[1]: p for p in plan}
        done: set[str] = set()
        tries = 0
        while len(done) < len(plan):
            tries += 1
            assert tries < 200, f"only {len(done)} doors scanned"
            before = page.evaluate("location.hash")
            page.click("#scan-start")
            page.wait_for_function("h => location.hash && location.hash !== h", arg=before, timeout=15000)
            row = page.locator(page.evaluate("location.hash"))
            token = row.locator("a.room").get_attribute("href").rsplit("/", 1)[1]
            if token in done or token not in wanted:
                page.evaluate("location.hash = ''")
                continue
            _id, _token, _room, outcome, slip = wanted[token]
            row.locator(f'button[value="{outcome}"]').click()
            page.locator(f"{page.evaluate('location.hash')}.queued").wait_for()
            if slip:
                row.locator(".slip-later input").fill(slip)
                row.locator(".slip-later button").click()
                row.get_by_text(slip).wait_for()
            done.add(token)
            page.evaluate("location.hash = ''")
        assert "20" in page.locator("#net-status").inner_text()
        screenshot(page, "offline-scan-walk")
        page.close()
        context.set_offline(False)
        page = context.new_page()  # the outbox outlives the page: opening the app sends it
        page.goto(f"{live_server.url}/")
        _check_visits(live_server, plan)
        context.close()
    finally:
        camera.close()


def _outbox(page, user_id, items):
    page.evaluate("([key, items]) => localStorage.setItem(key, JSON.stringify(items))",
                  [f"doorstep-outbox:{user_id}", items])


def _item(url, outcome, request_id, user_id, label):
    body = f"outcome={outcome}&channel=door&request_id={request_id}&device_time=&outbox_user={user_id}"
    shown = {"verified": "已核实", "not_home": "无人在家"}.get(outcome, outcome)
    return {"id": request_id, "url": url, "body": body, "at": int(time.time() * 1000) - 600000, "kind": "card",
            "label": label, "outcome": shown, "tries": 0}


def test_refused_knocks_wait_in_needs_attention_and_do_not_block_the_others(live_server, browser):
    from webapp.doors.services import retire_sticker
    from webapp.models import Household, User

    tower = build_tower(live_server.app, floors=3, per_floor=2)
    doors = _doors(live_server, tower)
    volunteer = _query(live_server, lambda db: db.session.scalar(select(User.id).where(User.username == "volunteer")))
    foreign = _query(live_server, lambda db: db.session.scalar(  # a door of the other community: out of scope
        select(Household.sticker_token).order_by(Household.community_id.desc(), Household.id)))

    def retire(db):
        household = db.session.get(Household, doors[1][0])
        retire_sticker(household, volunteer, "retire-for-test-1", "replaced")
        db.session.commit()
    _query(live_server, retire)
    context = _phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    # The server hiccups (503) for one door: that knock waits and is retried later, the others go on.
    page.route(f"**/h/{doors[4][1]}", lambda route: route.fulfill(status=503, body="busy"))
    _outbox(page, volunteer, [
        _item(f"/h/{doors[4][1]}", "verified", "attn-503-aaaaaaaa", volunteer, "测试大厦 102"),
        _item(f"/h/{foreign}", "verified", "attn-404-aaaaaaaa", volunteer, "不存在的门"),
        _item(f"/h/{doors[1][1]}", "verified", "attn-410-aaaaaaaa", volunteer, "测试大厦 302"),
        _item(f"/h/{doors[2][1]}", "bogus", "attn-422-aaaaaaaa", volunteer, "测试大厦 201"),
        _item(f"/h/{doors[3][1]}", "not_home", "attn-ok--aaaaaaaa", volunteer, "测试大厦 202"),
    ])
    page.goto(f"{live_server.url}/")
    attention = page.locator("#attention")
    attention.locator("li").nth(2).wait_for(timeout=20000)
    text = attention.inner_text()
    assert "不存在的门" in text and "测试大厦 302" in text and "测试大厦 201" in text
    assert "已更换或作废" in text  # 410
    assert "不在您的范围" in text  # 404
    screenshot(page, "offline-attention")
    visits = _wait_for(lambda: _visits(live_server, [doors[3][0]]))
    assert [v["request_id"] for v in visits] == ["attn-ok--aaaaaaaa"]  # the good one went through
    # Discarding one removes it; the others stay until resolved.
    attention.locator("li").first.locator("[data-discard]").click()
    assert attention.locator("li").count() == 2
    page.reload()
    assert page.locator("#attention li").count() == 2
    stored = {it["id"]: it for it in json.loads(page.evaluate(f"localStorage.getItem('doorstep-outbox:{volunteer}')"))}
    assert set(stored) == {"attn-503-aaaaaaaa", "attn-410-aaaaaaaa", "attn-422-aaaaaaaa"}
    waiting = stored["attn-503-aaaaaaaa"]
    assert "reason" not in waiting and waiting["tries"] >= 1 and waiting["next"] > time.time() * 1000  # backoff
    assert "1 条待发送" in page.locator("#net-status").inner_text()
    # The server is back: the waiting knock goes through on the next try.
    page.unroute(f"**/h/{doors[4][1]}")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    assert [v["request_id"] for v in _wait_for(lambda: _visits(live_server, [doors[4][0]]))] == ["attn-503-aaaaaaaa"]
    context.close()


def test_a_knock_kept_by_one_user_is_never_sent_under_another_login(live_server, browser):
    from webapp.models import Household

    token, household_id = _first_door(live_server)
    building = _query(live_server, lambda db: db.session.get(Household, household_id).building_id)
    context = _phone_context(browser)
    page = _volunteer_page(context, live_server, f"/buildings/{building}/walk")  # kept on the phone for the volunteer
    page.locator("[data-offline-status]").filter(has_text="已存到手机").wait_for(timeout=30000)
    page.goto(f"{live_server.url}/h/{token}")
    context.set_offline(True)
    page.locator('#knock button[value="verified"]').click()
    page.locator("#knock.queued").wait_for()
    page.close()
    # The session ends without logging out (a shared phone), then the secretary logs in on it.
    context.clear_cookies()
    context.set_offline(False)
    page = context.new_page()
    log_in(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/h/{token}")
    page.wait_for_timeout(2500)
    assert _visits(live_server, [household_id]) == []  # A's knock waits for A
    # ... and nothing the volunteer kept is left for the secretary to read.
    assert page.evaluate("async () => (await caches.keys()).filter(k => k.startsWith('doorstep-u'))") == []
    context.set_offline(True)
    page.goto(f"{live_server.url}/buildings/{building}/walk")
    assert page.locator("#offline-copy").count() == 0 and "没有信号" in page.locator("h1").inner_text()
    context.set_offline(False)
    page.goto(f"{live_server.url}/")
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login**")
    log_in(page, live_server.url, "volunteer", PASSWORD)
    visits = _wait_for(lambda: _visits(live_server, [household_id]))
    assert [(v["user"], v["outcome"]) for v in visits] == [("volunteer", "verified")]
    context.close()


def test_a_stale_csrf_token_is_renewed_and_the_knock_sent_once(live_server, browser):
    token, household_id = _first_door(live_server)
    context = _phone_context(browser)
    page = _volunteer_page(context, live_server, f"/h/{token}")
    # Meanwhile the session was renewed elsewhere: this page's CSRF token is stale.
    other = context.new_page()
    context.clear_cookies()
    log_in(other, live_server.url, "volunteer", PASSWORD)
    other.close()
    answers = []
    page.on("response", lambda response: answers.append((response.request.method, response.status)))
    page.locator('#knock button[value="verified"]').click()
    visits = _wait_for(lambda: _visits(live_server, [household_id]))
    time.sleep(1)
    assert [(v["user"], v["outcome"]) for v in _visits(live_server, [household_id])] == [("volunteer", "verified")]
    page.locator(f'form[data-queue][action="/h/{token}"]').first.wait_for(state="detached", timeout=10000)
    assert "已记录" in page.locator("#knock").inner_text()
    assert "未走访" not in page.locator("#door-meta").inner_text()  # the door's state, in place
    assert not page.locator("#knock button:disabled").count()
    assert visits and ("POST", 400) in answers  # the first try was refused for its token, then renewed
    context.close()


def test_a_phone_that_cannot_store_the_knock_says_it_was_not_sent(live_server, browser):
    """A WebView without DOM storage (or a full one) must not show "kept on this phone" for a knock it lost."""
    token, household_id = _first_door(live_server)
    context = _phone_context(browser, service_workers="block")
    context.add_init_script("Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };")
    page = _volunteer_page(context, live_server, f"/h/{token}")
    context.set_offline(True)
    page.locator('#knock button[value="verified"]').click()
    status = page.locator("#net-status")
    status.filter(has_text="没有信号").wait_for()
    assert "未发送" in status.inner_text()
    assert page.locator("#knock.queued").count() == 0 and page.locator("#knock .notice").count() == 0
    assert page.locator('#knock button[value="verified"]').is_enabled()  # the knock can be tapped again
    context.set_offline(False)
    assert _visits(live_server, [household_id]) == []
    context.close()


def test_a_knock_answered_401_waits_for_the_login_and_is_sent_once_after_it(live_server, browser):
    """Logged out on another phone: the knock's answer sends htmx to the login page. The knock is kept and
    goes, with its own request id, once the volunteer has logged in again."""
    token, household_id = _first_door(live_server)
    context = _phone_context(browser, service_workers="block")
    page = _volunteer_page(context, live_server, f"/h/{token}")
    other = browser.new_context()
    elsewhere = other.new_page()
    log_in(elsewhere, live_server.url, "volunteer", PASSWORD)
    elsewhere.locator("form[action='/logout'] button").click()  # ends every session of the volunteer
    elsewhere.wait_for_url("**/login**")
    other.close()
    page.locator('#knock button[value="verified"]').click()
    page.wait_for_url("**/login**")
    assert _visits(live_server, [household_id]) == []
    page.fill("input[name=username]", "volunteer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    visits = _wait_for(lambda: _visits(live_server, [household_id]))
    time.sleep(1.0)
    visits = _visits(live_server, [household_id])
    assert [(v["user"], v["outcome"]) for v in visits] == [("volunteer", "verified")]
    context.close()


def test_the_offline_page_lists_a_kept_building_by_its_name_as_written(live_server, browser):
    """A name with & and markup: the list of kept buildings shows "A&B栋 <b>…" as text (not "A&amp;B栋"), and
    nothing of it becomes an element or runs."""
    from webapp.models import Building

    tower = build_tower(live_server.app, floors=2, per_floor=2)
    name = 'A&B栋 <b>粗</b><img src=x onerror="window.owned=1">'

    def rename(db):
        db.session.get(Building, tower).name = name
        db.session.commit()
    _query(live_server, rename)
    context = _phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    page.goto(f"{live_server.url}/buildings/{tower}/walk")
    page.locator("[data-offline-status]").filter(has_text="已存到手机").wait_for(timeout=30000)
    context.set_offline(True)
    page.goto(f"{live_server.url}/revisits")  # not kept: the offline page, with the buildings that are
    listed = page.locator("#offline-buildings a.row")
    listed.first.wait_for()
    assert listed.count() == 1
    text = listed.first.inner_text()
    assert name in text and "&amp;" not in text and "&lt;" not in text, text
    assert listed.first.get_attribute("href") == f"/buildings/{tower}/walk"
    assert page.locator("#offline-buildings b, #offline-buildings img, #offline-buildings script").count() == 0
    assert page.evaluate("window.owned") is None
    screenshot(page, "offline-page-names")
    context.close()


def test_a_wrong_slip_number_typed_offline_never_costs_the_knock(live_server, browser):
    """Without signal a volunteer knocks two doors nobody answers and types a slip number at each; one number
    is mistyped. Back online both knocks are stored: the good slip is bound, the bad one is refused on its
    own. The phone says what was sent; the refused slip waits in "needs attention" with a way to the door's
    card (where the slip can be left again) until the volunteer has seen it, and the door's row shows the
    number as typed beside the reason."""
    tower = build_tower(live_server.app, floors=3, per_floor=2)
    doors = _doors(live_server, tower)
    good = _free_slips(live_server, tower, 1)[0]
    context = _phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    page.goto(f"{live_server.url}/buildings/{tower}/walk")
    context.set_offline(True)
    for (_id, token, _room), slip in ((doors[0], good), (doors[1], "ZZZZ-ZZZZ")):
        row = page.locator("li.door", has=page.locator(f'a[href="/h/{token}"]'))
        row.locator('button[value="not_home"]').click()
        row.locator(".slip-later input").wait_for()
        row.locator(".slip-later input").fill(slip)
        row.locator(".slip-later button").click()
        row.get_by_text(slip).wait_for()
    assert "2 条待发送" in page.locator("#net-status").inner_text()
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.locator("#net-status").filter(has_text="已发送 2 条").wait_for(timeout=15000)  # for a few seconds
    visits = _wait_for(lambda: (v := _visits(live_server, [doors[0][0], doors[1][0]])) and len(v) == 2 and v)
    slips = {v["household"]: v["slip"] for v in visits}
    assert slips == {doors[0][0]: good, doors[1][0]: None}  # both knocks kept; only the good slip bound
    attention = page.locator("#attention")
    attention.locator("li").first.wait_for(timeout=20000)
    assert attention.locator("li").count() == 1
    text = attention.inner_text()
    assert "敲门已记录，但留言条没有留下" in text and "无人在家" in text
    assert "未被服务器接收" not in text  # the heading does not contradict it: the knock was taken
    assert attention.locator(f'a[href="/h/{doors[1][1]}"]').inner_text() == "打开住户卡片"
    assert attention.locator("[data-retry]").count() == 0  # nothing to send again: the knock is in
    row = page.locator("li.door", has=page.locator(f'a[href="/h/{doors[1][1]}"]'))
    assert row.locator('input[name="slip_code"]').input_value() == "ZZZZ-ZZZZ"
    assert row.locator(".error").count() >= 1
    screenshot(page, "offline-slip-refused")
    attention.locator("[data-discard]").click()
    assert attention.locator("li").count() == 0 and attention.is_hidden()
    page.reload()
    assert page.locator("#attention li").count() == 0
    context.close()


def test_logging_out_sends_what_waits_first_and_asks_when_it_cannot(live_server, browser):
    """A volunteer logs out with a knock still on the phone: it used to leave without a word, and the knock
    waited unseen for their next login. Now logging out sends what waits first; when it cannot (the phone
    says it is online, but the knock does not get through) the phone says how many wait and that they go
    only with the next login here, and 取消 keeps them in. (With no signal at all it does not log out: see
    test_logging_out_without_signal_says_so_and_keeps_the_page.)"""
    token, household_id, context, page = _knock_kept_on_the_card(live_server, browser, "not_home")
    page.route(f"**/h/{token}", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    context.set_offline(False)
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("form[action='/logout'] button").click()
    for _ in range(40):  # the phone tries to send first (a few seconds at most), then asks
        if asked:
            break
        page.wait_for_timeout(250)  # Playwright's own wait: its dialog handler runs meanwhile
    assert len(asked) == 1 and "1 条" in asked[0] and "再次登录" in asked[0], asked
    page.wait_for_timeout(500)
    assert "/login" not in page.url and page.locator("form[action='/logout']").count() == 1  # still logged in
    assert _visits(live_server, [household_id]) == []
    # With signal again, logging out at once sends the knock (or waits for the sending under way), then
    # leaves: no question.
    page.unroute(f"**/h/{token}")
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login**")
    assert len(asked) == 1
    visits = _visits(live_server, [household_id])
    assert [(v["user"], v["outcome"]) for v in visits] == [("volunteer", "not_home")]  # sent once, before leaving
    context.close()


def test_a_page_opened_without_signal_says_when_the_signal_is_back_and_offers_the_live_page(live_server, browser):
    """A card opened in the stairwell comes from the phone's copy ("离线副本"). It used to say so long after the
    signal was back, while the knock made on it had gone and the page was live again in part. Now, once the
    server answers, it says the signal is back and offers 刷新 (never reloading under the volunteer's thumb);
    the queued knock's note names the outcome that was tapped."""
    doors, context, page = _tower_taken_offline(live_server, browser)
    page.goto(f"{live_server.url}/h/{doors[0][1]}")
    copy = page.locator("#offline-copy")
    assert "离线副本" in copy.inner_text() and copy.locator("a").count() == 0
    page.locator('#knock button[value="refused"]').click()
    assert "“拒绝配合”已保存在手机上" in page.locator("#knock.queued .notice").inner_text()
    page.wait_for_timeout(1000)
    assert "信号已恢复" not in copy.inner_text()  # still no signal: still just a copy
    context.set_offline(False)
    copy.filter(has_text="信号已恢复").wait_for(timeout=20000)
    assert "离线副本" in copy.inner_text()  # what is on screen is still the copy until it is refreshed
    refresh = copy.locator("a.button")
    assert refresh.inner_text() == "刷新"
    box = refresh.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    screenshot(page, "offline-copy-signal-back")
    visits = _wait_for(lambda: _visits(live_server, [doors[0][0]]))
    assert [v["outcome"] for v in visits] == ["refused"]
    refresh.click()
    page.locator("#knock-area, #knock").first.wait_for()
    page.wait_for_load_state("load")
    assert page.locator("#offline-copy").count() == 0  # the live page
    assert "拒绝配合" in page.locator("#door-meta").inner_text()
    context.close()


def test_logging_out_without_signal_says_so_and_keeps_the_page(live_server, browser):
    """Without signal the server cannot end the session: the logout used to leave for the browser's "no
    internet" page, with the login still open on the phone. Now the page stays and says so; with signal the
    same button logs out."""
    token, household_id, context, page = _knock_kept_on_the_card(live_server, browser, "not_home")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("form[action='/logout'] button").click()
    page.locator("#net-status").filter(has_text="还没有退出登录").wait_for(timeout=10000)
    assert asked == [] and page.url.endswith(f"/h/{token}")
    assert page.locator("#knock.queued").count() == 1  # the page, and what waits on it, are still there
    context.set_offline(False)
    _wait_for(lambda: _visits(live_server, [household_id]))
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login**")
    assert asked == []
    context.close()


def test_a_knock_kept_on_the_phone_can_be_undone_there(live_server, browser):
    """A wrong tap in the stairwell: the kept knock used to lock the door (every button greyed) until it was
    sent, and only then could it be undone. Now 撤销 beside "kept on this phone" takes it out of the outbox
    (it never leaves the phone) and the door can be knocked again; only the second knock is sent."""
    doors, context, page = _tower_taken_offline(live_server, browser)
    row = page.locator("li.door", has=page.locator(f'a[href="/h/{doors[0][1]}"]'))
    row.locator('button[value="verified"]').click()
    note = row.locator(".notice")
    assert "“已核实”已保存在手机上" in note.inner_text()
    assert row.locator('button[value="not_home"]').is_disabled()
    undo = note.locator("button")
    assert undo.inner_text() == "撤销"
    box = undo.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    screenshot(page, "offline-undo")
    undo.click()
    assert row.locator(".notice").count() == 0 and "queued" not in row.get_attribute("class")
    assert row.locator('button[value="not_home"]').is_enabled()
    assert page.locator("#net-status").is_hidden()  # nothing waits any more
    row.locator('button[value="not_home"]').click()
    row.locator(".slip-later input").wait_for()
    # The same on a door's card, kept on the phone: undone there, then knocked again; a reload keeps that.
    page.goto(f"{live_server.url}/h/{doors[1][1]}")
    page.locator('#knock button[value="vacant"]').click()
    page.locator("#knock.queued .notice button").click()
    assert page.locator("#knock.queued").count() == 0
    page.locator('#knock button[value="refused"]').click()
    page.locator("#knock.queued .notice").filter(has_text="拒绝配合").wait_for()  # kept before the reload
    page.reload()
    assert "“拒绝配合”已保存在手机上" in page.locator("#knock.queued .notice").inner_text()
    assert "2 条待发送" in page.locator("#net-status").inner_text()
    context.set_offline(False)
    page.locator("#net-status").filter(has_text="已发送").wait_for(timeout=20000)
    visits = _wait_for(lambda: (v := _visits(live_server, [doors[0][0], doors[1][0]])) and len(v) == 2 and v)
    page.wait_for_timeout(1000)
    visits = _visits(live_server, [doors[0][0], doors[1][0]])
    assert sorted((v["household"], v["outcome"]) for v in visits) == sorted(
        [(doors[0][0], "not_home"), (doors[1][0], "refused")])
    context.close()


def test_a_refused_knock_no_longer_says_it_will_be_sent(live_server, browser):
    """A knock kept on the phone is refused when it goes (the sticker was replaced meanwhile). It waits in
    需要处理, but its door kept saying "kept on this phone, it will be sent" with every button greyed, and
    said so again after a reload. Now the door is free again and only 需要处理 speaks of it."""
    from webapp.doors.services import retire_sticker
    from webapp.models import Household, User

    token, household_id, context, page = _knock_kept_on_the_card(live_server, browser, "verified")

    def retire(db):
        secretary = db.session.scalar(select(User.id).where(User.username == "secretary"))
        retire_sticker(db.session.get(Household, household_id), secretary, "retire-while-offline-1", "replaced")
        db.session.commit()
    _query(live_server, retire)
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.locator("#attention li").first.wait_for(timeout=20000)
    assert "已更换或作废" in page.locator("#attention").inner_text()
    assert page.locator("#knock.queued").count() == 0 and page.locator("#knock .notice").count() == 0
    assert page.locator('#knock button[value="verified"]').is_enabled()
    assert page.locator("#net-status").is_hidden() or "待发送" not in page.locator("#net-status").inner_text()
    screenshot(page, "offline-refused-door")
    assert _visits(live_server, [household_id]) == []
    context.close()


def test_a_refused_knock_is_not_shown_as_waiting_when_its_card_opens_again(live_server, browser):
    """地址有误 tapped without signal and without a note: the server refuses it (422, the note must say what is
    right) and it waits in 需要处理. Opening its door's card again used to mark the door "kept on this phone,
    it will be sent" with the buttons greyed, and 需要处理 offered only 重试 (refused again) or 放弃. Now it
    offers the door's card, where the knock is made again with its note."""
    token, household_id, context, page = _knock_kept_on_the_card(live_server, browser, "wrong_address")
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    attention = page.locator("#attention")
    attention.locator("li").first.wait_for(timeout=20000)
    assert "地址有误" in attention.inner_text() and "请写明正确的地址或住户" in attention.inner_text()
    assert page.locator("#knock.queued").count() == 0  # refused in place: the door is free again
    page.reload()
    attention.locator("li").first.wait_for()
    assert page.locator("#knock.queued").count() == 0 and page.locator("#knock .notice").count() == 0
    assert page.locator('#knock button[value="wrong_address"]').is_enabled()
    open_card = attention.locator(f'a[href="/h/{token}"]')
    assert open_card.inner_text() == "打开住户卡片"
    open_card.click()
    page.fill("#note", "实为长庚里3号")
    page.locator('#knock button[value="wrong_address"]').click()
    page.locator("#knock.done").wait_for()
    assert [v["outcome"] for v in _visits(live_server, [household_id])] == ["wrong_address"]
    context.close()


def test_the_no_signal_page_offers_to_try_again_when_the_signal_is_back(live_server, browser):
    """A page not kept on the phone opens "没有信号" at its own address. With signal again it kept saying so,
    and a phone app's WebView hides its reload: 重试 now opens the page that was asked for."""
    _, context, page = _tower_taken_offline(live_server, browser, floors=1)
    page.goto(f"{live_server.url}/revisits")
    assert "没有信号" in page.locator("h1").inner_text()
    again = page.locator("main a.button", has_text="重试")
    box = again.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    context.set_offline(False)
    again.click()
    page.wait_for_url("**/revisits")
    page.locator("h1", has_text="回访清单").wait_for()
    context.close()


def test_a_knock_still_on_its_way_when_the_volunteer_goes_to_the_next_door_is_kept_and_sent(live_server, browser):
    """One bar of signal: the knock's POST has not come back when the volunteer taps 下一户. Leaving the page
    cancels it; the outbox keeps it and sends it from the next door's card, with the same request id."""
    token, household_id = _first_door(live_server)
    context = _phone_context(browser)
    page = _volunteer_page(context, live_server, f"/h/{token}")
    held = []

    def one_bar(route):
        # The first knock leaves the phone but no answer comes back (and it never reaches the server here).
        if route.request.method == "POST" and not held:
            held.append(route)
        else:
            route.continue_()
    context.route(f"**/h/{token}", one_bar)
    # (Waiting inside Playwright calls: the route above answers only while the test is in one.)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(f"/h/{token}")) as posted:
        page.locator('#knock button[value="not_home"]').click()
    sent_id = dict(pair.split("=", 1) for pair in posted.value.post_data.split("&"))["request_id"]
    page.wait_for_timeout(500)
    assert held and _visits(live_server, [household_id]) == []
    with page.expect_request_finished(lambda r: r.method == "POST" and r.url.endswith(f"/h/{token}"), timeout=30000):
        page.locator("#knock p.next-door a").click()
        page.wait_for_url(f"{live_server.url}/h/**")
    assert page.url != f"{live_server.url}/h/{token}"
    time.sleep(1.0)
    visits = _visits(live_server, [household_id])
    assert [(v["outcome"], v["request_id"]) for v in visits] == [("not_home", sent_id)]  # once, the same knock
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:'))"
                         ".every(k => JSON.parse(localStorage.getItem(k)).length === 0)")
    context.close()


def test_a_knock_answered_before_the_volunteer_leaves_is_not_sent_again(live_server, browser):
    """The counterpart: a knock whose answer came back is done; leaving the page keeps nothing."""
    token, household_id = _first_door(live_server)
    context = _phone_context(browser)
    page = _volunteer_page(context, live_server, f"/h/{token}")
    page.locator('#knock button[value="verified"]').click()
    page.locator("#knock.done").wait_for()
    requests = []
    page.on("request", lambda request: requests.append(request) if request.method == "POST" else None)
    page.locator("#knock a.button.primary").click()
    page.wait_for_load_state("networkidle")
    assert [r.url for r in requests if f"/h/{token}" in r.url] == []
    assert len(_visits(live_server, [household_id])) == 1
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('doorstep-outbox:'))"
                         ".every(k => JSON.parse(localStorage.getItem(k)).length === 0)")
    context.close()
