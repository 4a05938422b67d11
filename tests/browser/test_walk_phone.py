"""A volunteer's phone walkthrough at 360×640 in Chinese: the walk page's floor index shows every floor button
whole, the scan button never covers the last door's buttons, the home page shows the buildings on the first
screen, and a building kept offline keeps its name as written (an & stays &, markup stays text)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD
from tests.offline.helpers import build_tower

pytestmark = pytest.mark.browser


def _volunteer_buildings(live_server) -> list[int]:
    from webapp.extensions import db
    from webapp.models import Building, RoleAssignment, User

    with live_server.app.app_context():
        try:
            grids = db.session.scalars(select(RoleAssignment.grid_id).join(RoleAssignment.user).where(
                User.username == "volunteer", RoleAssignment.grid_id.isnot(None))).all()
            return list(db.session.scalars(select(Building.id).where(Building.grid_id.in_(grids))
                                           .order_by(Building.id)))
        finally:
            db.session.remove()


def _walk_pages(live_server) -> list[int]:
    """A 30-floor tower and every demo building of the volunteer (walk-ups with several entrances, bungalows)."""
    return [build_tower(live_server.app, floors=30, per_floor=4)] + _volunteer_buildings(live_server)


# Each floor button: its box, and whether a scrolling strip around it cuts it (part shown, part hidden)
# or hides it wholly (a tower's strip shows five floors at a time).
FLOOR_BUTTONS = """() => [...document.querySelectorAll('.floor-index a')].map(a => {
  const r = a.getBoundingClientRect();
  let cut = false, hidden = false;
  for (let e = a.parentElement; e && e !== document.body; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const c = e.getBoundingClientRect();
    const left = c.left + e.clientLeft, right = left + e.clientWidth;
    const top = c.top + e.clientTop, bottom = top + e.clientHeight;
    const inside = r.left >= left - 0.5 && r.right <= right + 0.5 && r.top >= top - 0.5 && r.bottom <= bottom + 0.5;
    const apart = r.right <= left + 0.5 || r.left >= right - 0.5 || r.bottom <= top + 0.5 || r.top >= bottom - 0.5;
    if (apart) hidden = true; else if (!inside) cut = true;
  }
  return {text: a.innerText.trim(), left: r.left, right: r.right, width: r.width, height: r.height, cut, hidden};
})"""
TO_STRIP_ENDS = "(end) => document.querySelectorAll('.floor-index .strip').forEach(s => { s.scrollLeft = end ? s.scrollWidth : 0; })"


def test_every_floor_button_is_whole_on_screen_and_thumb_sized(live_server, phone):
    """No floor button is ever half shown: a walk-up's floors wrap beside their label; a tower's stay in
    one row (its first door on the first screen) that shows and stops on whole floors, to the last."""
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    width = phone.viewport_size["width"]
    seen = 0
    buildings = _walk_pages(live_server)
    for building in buildings:
        phone.goto(f"{live_server.url}/buildings/{building}/walk")
        for end in (False, True):
            phone.evaluate(TO_STRIP_ENDS, end)
            phone.wait_for_timeout(100)  # snapping settles
            buttons = phone.evaluate(FLOOR_BUTTONS)
            shown = [b for b in buttons if not b["hidden"]]
            for b in buttons:
                assert not b["cut"], (building, end, b)
                assert b["width"] >= 44 and b["height"] >= 44, (building, b)
            for b in shown:
                assert b["left"] >= 0 and b["right"] <= width, (building, b)
            if end:  # the last floor (1) is reachable and whole
                assert any(b["text"] == "1" for b in shown), (building, [b["text"] for b in shown])
        seen += len(buttons)
        assert phone.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(phone, f"walk-floor-index-{building}")
    assert seen >= 30 + 6  # the tower's 30 floors and at least one demo walk-up's
    # The tower's first door can be knocked on the first screen, below its floor index.
    phone.goto(f"{live_server.url}/buildings/{buildings[0]}/walk")
    # Its strip shows five floors; beside it, the count says there are more than those (a swipe away).
    hint = phone.locator(".floor-index .strip-label small")
    assert hint.inner_text().strip() == "共 30 层 ›" and hint.is_visible()
    assert phone.evaluate("document.querySelector('#walk li.door button[name=outcome]').getBoundingClientRect()"
                          ".bottom") <= phone.viewport_size["height"]


def _volunteer_phone(live_server, browser, height):
    """A phone 360 px wide and `height` tall, the volunteer logged in: (its context, its page)."""
    context = browser.new_context(viewport={"width": 360, "height": height}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    return context, page


# Scrolled to the very bottom: the last door's buttons (and links) against the scan button.
UNDER_FAB = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const fab = document.querySelector('.scan-fab').getBoundingClientRect();
  const doors = document.querySelectorAll('#walk li.door');
  const last = doors[doors.length - 1];
  const hits = [...last.querySelectorAll('button, a[href], input, summary')].map(e => e.getBoundingClientRect())
    .filter(r => r.width && r.height && r.left < fab.right && r.right > fab.left && r.top < fab.bottom && r.bottom > fab.top);
  return {hits: hits.length, fab: [fab.top, fab.bottom], last: last.getBoundingClientRect().bottom};
}"""


@pytest.mark.parametrize("height", [640, 520])  # the whole screen, and what is left under a browser's bars
def test_the_scan_button_never_covers_the_last_doors_buttons(live_server, browser, height):
    context, page = _volunteer_phone(live_server, browser, height)
    for building in _walk_pages(live_server)[:3]:
        page.goto(f"{live_server.url}/buildings/{building}/walk")
        # Without the page's footer under it: the walk itself keeps the room the scan button needs.
        page.evaluate("document.querySelector('footer').remove()")
        result = page.evaluate(UNDER_FAB)
        assert result["hits"] == 0, (building, result)
        # Scrolled to the end, the last door can still be tapped where the scan button is not.
        last = page.locator("#walk li.door").last
        last.locator("button[value=vacant]").click(trial=True, timeout=3000)
    screenshot(page, f"walk-bottom-{height}")
    context.close()


# Wherever the walk is scrolled: a tap at the middle of any door control on screen reaches that control, or
# lands on a bar across the whole door row (the top bar, a floor heading, the scan bar), which hides whole
# rows, never half a button that still looks tappable. The scan button used to float over the 空置 button
# of the door in view.
COVERED_CONTROLS = """() => {
  const covered = [];
  for (const el of document.querySelectorAll('#walk li.door button, #walk li.door a[href]')) {
    const r = el.getBoundingClientRect();
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);
    if (!r.width || bottom - top < 4) continue;
    const hit = document.elementFromPoint(r.left + r.width / 2, (top + bottom) / 2);
    if (!hit || hit === el || el.contains(hit)) continue;
    let bar = hit;  // what covers it: a fixed or sticky bar (the top bar, a floor heading, the scan bar)
    while (bar && !['fixed', 'sticky'].includes(getComputedStyle(bar).position)) bar = bar.parentElement;
    const row = el.closest('li.door').getBoundingClientRect(), across = bar && bar.getBoundingClientRect();
    if (!bar || across.left > row.left + 1 || across.right < row.right - 1) covered.push([el.textContent.trim(), hit.id || hit.className]);
  }
  return covered;
}"""


@pytest.mark.parametrize("height", [640, 520])
def test_the_scan_button_never_sits_over_part_of_a_door_button(live_server, browser, height):
    context, page = _volunteer_phone(live_server, browser, height)
    for building in _walk_pages(live_server)[:3]:
        page.goto(f"{live_server.url}/buildings/{building}/walk")
        for step in range(6):
            page.evaluate("y => window.scrollTo(0, y)", step * 170)
            assert page.evaluate(COVERED_CONTROLS) == [], (building, step)
        bar = page.locator("#scan-start").bounding_box()
        assert bar["width"] >= 359 and bar["height"] >= 44 and bar["y"] + bar["height"] == pytest.approx(height, abs=1)
    screenshot(page, f"walk-scan-bar-{height}")
    context.close()


# The home page as it opens: where the field user's list of buildings is, and the offline control of each row.
FIRST_SCREEN = """heading => {
  const section = [...document.querySelectorAll('section')].find(s => s.querySelector('h2')?.innerText.includes(heading));
  const rows = section ? [...section.querySelectorAll('li')] : [];
  return {id: section ? section.id : null,
          firstBottom: rows.length ? rows[0].getBoundingClientRect().bottom : null, rows: rows.length,
          controls: rows.map(li => { const t = li.querySelector('[data-take]'); const r = t ? t.getBoundingClientRect() : {};
                                     const f = li.querySelector('a[href$="/floors"]'); const b = f ? f.getBoundingClientRect() : null;
                                     return {w: r.width, h: r.height, status: !!li.querySelector('[data-offline-status]'),
                                             floors: b && {w: b.width, h: b.height, top: b.top, takeTop: r.top}}; })};
}"""


@pytest.mark.parametrize("role, heading", [("volunteer", "要走访的楼栋"), ("lead", "我负责的楼栋")])
def test_the_home_page_shows_the_buildings_on_the_first_screen_each_with_its_offline_control(
        live_server, phone, role, heading):
    log_in(phone, live_server.url, role, PASSWORD)
    phone.locator("[data-offline-status]").first.wait_for(state="attached")
    result = phone.evaluate(FIRST_SCREEN, heading)
    # The list of buildings starts on the first screen, and it is the list that takes a building offline.
    assert result["rows"] >= 1 and result["firstBottom"] <= phone.viewport_size["height"], result
    assert result["id"] == "take-offline", result
    for control in result["controls"]:
        assert control["w"] >= 44 and control["h"] >= 44 and control["status"], result
        if role == "lead":  # the floor picture, a lead's daily view: a button beside 存到手机, not a line of its own
            floors = control["floors"]
            assert floors and floors["w"] >= 44 and floors["h"] >= 44 and abs(floors["top"] - floors["takeTop"]) < 2, result
        else:
            assert control["floors"] is None, result
    # What "存到手机" does is one tap away, not a block before the list.
    phone.locator("#take-offline details summary").click()
    assert "没有信号" in phone.locator("#take-offline details").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, f"home-first-screen-{role}")
