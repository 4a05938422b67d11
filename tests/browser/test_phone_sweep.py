"""Every main page of every role on a 360×640 phone (issue #13): nothing wider than the screen, every
control at least 44 px, no English enumeration value in a Chinese page, phone keypads on number fields.

Screenshots of each page go to the usual screenshot folder as sweep-<role>-<page>.png.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.browser import conftest
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# The sweep's pictures go to the temporary folder; these few also illustrate the README (make screenshots).
README_SHOTS = {"sweep-admin-street": "street", "sweep-dark-card": "card-dark", "sweep-volunteer-patrols": "patrols",
                "sweep-error-end-round": "end-round-error", "sweep-volunteer-card-not-home": "card-not-home"}


def screenshot(page, name: str) -> None:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.gettempdir()) / "doorstep-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
    if name in README_SHOTS:
        conftest.screenshot(page, README_SHOTS[name])

# Stored values that must never reach a Chinese page as they are (role names are left out: the demo's
# user names are "volunteer", "lead", …).
ENUMS = ("not_home", "verified", "refused", "vacant", "moved_out", "wrong_address", "not_yet", "reached", "normal",
         "finding", "on_time", "in_progress", "pending", "incomplete", "missed", "occupied", "rented_out",
         "registered_elsewhere", "sealed_door", "sentry", "solved", "handed", "home_at", "call_me", "door", "phone",
         "proxy", "walkup", "tower", "bungalow", "local_permanent",
         "nonlocal_temporary", "elderly_alone", "gathering", "seal_broken")
ENUM_WORD = re.compile(r"(?<![A-Za-z_])(" + "|".join(ENUMS) + r")(?![A-Za-z_])")

# What a page must hold to be usable by a thumb; links that are words inside a sentence are exempt (WCAG 2.5.8).
CHECK = r"""() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) problems.push(`page is ${root.scrollWidth}px wide`);
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                       && getComputedStyle(e).visibility !== 'hidden'; };
  const wordsInText = a => {
    if (getComputedStyle(a).display !== 'inline') return false;
    // Words of the sentence itself: text right beside the link, not labels or buttons elsewhere in the form.
    const around = [...a.parentElement.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
      .map(n => n.textContent).join('').replace(/[·›|,，\s]/g, '');
    return around.length > 0;
  };
  const name = e => `${e.tagName.toLowerCase()}${e.name ? '[name=' + e.name + ']' : ''} "${(e.innerText || e.value || e.placeholder || '').trim().slice(0, 20)}"`;
  for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (!shown(e)) continue;
    const box = e.matches('input[type=radio], input[type=checkbox]') ? (e.closest('label') || e) : e;
    const r = box.getBoundingClientRect();
    if (e.tagName === 'A' && wordsInText(e)) continue;
    if (r.height < 43.5 || r.width < 43.5) problems.push(`${name(e)} is ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  for (const e of document.querySelectorAll('input')) {
    const key = (e.name || '') + ' ' + (e.autocomplete || '');
    if (/phone|tel/.test(key) && !(e.type === 'tel' || /tel|numeric/.test(e.inputMode)))
      problems.push(`${name(e)} has no phone keypad`);
    if (e.type === 'number' && !/numeric|decimal/.test(e.inputMode)) problems.push(`${name(e)} has no numeric keypad`);
  }
  return problems;
}"""


def _places(app):
    """URLs of the demo that the pages need: a door, buildings, a campaign, a checkpoint, a grid."""
    from webapp.extensions import db
    from webapp.models import (Building, Campaign, Checkpoint, Community, Grid, Household, RoleAssignment, Route,
                               RoutePatroller, User)

    with app.app_context():
        def assigned(username, column):
            return db.session.scalars(select(column).join(RoleAssignment.user).where(User.username == username)).all()

        grids = assigned("volunteer", RoleAssignment.grid_id)
        building = db.session.scalars(select(Building).where(Building.grid_id.in_(grids)).order_by(Building.id)).first()
        door = db.session.scalars(select(Household.sticker_token).where(Household.building_id == building.id)
                                  .order_by(Household.id)).first()
        leads = assigned("lead", RoleAssignment.building_id)
        tower = db.session.scalars(select(Building).where(Building.id.in_(leads), Building.kind == "tower")).first()
        first = db.session.scalars(select(Community).order_by(Community.id)).first()
        campaign = db.session.scalar(select(Campaign.id).where(Campaign.community_id == first.id))
        route = db.session.scalar(select(Route).join(RoutePatroller).join(User).where(User.username == "volunteer"))
        checkpoint = route.stops[0].checkpoint.token
        grid = db.session.scalar(select(Grid.id).where(Grid.id.in_(grids)))
        bungalows = db.session.scalar(select(Building.id).where(Building.community_id == first.id,
                                                               Building.kind == "bungalow").order_by(Building.id))
        return {"door": door, "building": building.id, "tower": (tower or building).id, "campaign": campaign,
                "bungalows": bungalows,
                "checkpoint": checkpoint, "grid": grid, "community": first.id,
                "sealed": db.session.scalar(select(Checkpoint.token).where(Checkpoint.kind == "sealed_door"))}


PAGES = {
    "volunteer": {
        "home": "/", "scan": "/scan", "find": "/find?q=1", "revisits": "/revisits", "slips": "/slips/mine",
        "inbox": "/inbox", "patrols": "/patrols", "cases": "/cases", "card": "/h/{door}",
        "building": "/buildings/{building}", "walk": "/buildings/{building}/walk",
        "floors": "/buildings/{building}/floors", "search": "/search?q=王", "care": "/care",
        "checkpoint": "/c/{checkpoint}",
    },
    "lead": {
        "home": "/", "tower-floors": "/buildings/{tower}/floors", "tower-walk": "/buildings/{tower}/walk",
        "tower": "/buildings/{tower}", "patrols": "/patrols",
    },
    "secretary": {
        "home": "/", "dashboard": "/dashboard", "summary": "/summary", "patrol-log": "/patrols/log",
        "patrol-setup": "/patrols/setup", "campaigns": "/campaigns", "campaign": "/campaigns/{campaign}",
        "slips": "/slips", "users": "/users", "audit": "/audit", "cases": "/cases", "inbox": "/inbox",
        "grid": "/grids/{grid}", "community": "/communities/{community}", "card": "/h/{door}",
        "search": "/search?q=长庚", "care": "/care", "invites": "/invites", "lists": "/lists", "setup": "/setup",
        "new-building": "/setup/buildings/new", "import": "/registry/import",
        "bungalow-floors": "/buildings/{bungalows}/floors", "stickers": "/buildings/{building}/stickers",
    },
    "admin": {
        "home": "/", "street": "/summary/street", "users": "/users", "dashboard": "/dashboard", "summary": "/summary",
        "district": "/dashboard/district", "communities": "/setup/communities",
    },
}


def _check(page, url: str, shot: str) -> list[str]:
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    screenshot(page, shot)
    problems = page.evaluate(CHECK)
    text = page.locator("body").inner_text()
    problems += [f"English value “{m}” in the page" for m in sorted(set(ENUM_WORD.findall(text)))]
    return problems


@pytest.mark.parametrize("role", list(PAGES))
def test_every_main_page_fits_a_phone(live_server, phone, role):
    places = _places(live_server.app)
    log_in(phone, live_server.url, role, PASSWORD)
    found = {}
    for name, path in PAGES[role].items():
        problems = _check(phone, live_server.url + path.format(**places), f"sweep-{role}-{name}")
        if problems:
            found[name] = problems
    assert not found, "\n".join(f"{name}: {problem}" for name, problems in found.items() for problem in problems)


def test_error_states_on_a_phone(live_server, phone):
    """A finding without a work group, and ending a round without a reason: the message is in view."""
    places = _places(live_server.app)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/patrols")
    phone.click("button:has-text('开始一轮巡查')")
    phone.wait_for_url(re.compile(r".*/patrols/\d+$"))
    round_url = phone.url
    phone.goto(f"{live_server.url}/c/{places['checkpoint']}")
    phone.click("summary:has-text('报告发现的问题')")
    phone.check("input[name=finding_kind][value=gathering]")
    phone.check("input[name=resolution][value=handed]")
    phone.click("button:has-text('保存问题')")
    phone.wait_for_selector("#scan .error")
    # The fragment replaced the form: one header, one title, the message shown beside the field.
    assert phone.locator("header.topbar").count() == 1 and phone.locator("h1").count() == 1
    assert "请选择工作小组" in phone.locator("#scan").inner_text()
    assert phone.evaluate(CHECK) == []
    screenshot(phone, "sweep-error-finding")
    # Now with a group: saved, and still one header.
    phone.select_option("select[name=work_group_id]", index=1)
    phone.click("button:has-text('保存问题')")
    phone.wait_for_selector("#scan.done")
    assert phone.locator("header.topbar").count() == 1 and phone.locator("h1").count() == 1
    # Ending with checkpoints unscanned and no reason: the error is on screen and the field focused.
    phone.goto(round_url)
    phone.click("form[action$='/end'] button[type=submit]")
    phone.wait_for_selector("p.error[role=alert]")
    assert phone.evaluate("document.activeElement.name") == "reason"
    top = phone.locator("p.error[role=alert]").bounding_box()["y"]
    field = phone.locator("textarea[name=reason]").bounding_box()
    assert 0 <= field["y"] and field["y"] + field["height"] <= 640 or 0 <= top <= 640
    screenshot(phone, "sweep-error-end-round")
    phone.fill("textarea[name=reason]", "北门施工")
    phone.click("form[action$='/end'] button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/patrols")
    assert "已结束" in phone.locator(".flash").inner_text()
    screenshot(phone, "sweep-round-ended")


def test_dark_theme_follows_the_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, color_scheme="dark", locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    places = _places(live_server.app)
    page.goto(f"{live_server.url}/h/{places['door']}")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)", background
    screenshot(page, "sweep-dark-card")
    context.close()


def test_favicon_is_an_icon(live_server, phone):
    response = phone.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200 and response.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    assert len(response.body()) < 1024


def test_the_card_after_nobody_home_fits_a_phone(live_server, phone):
    """The slip panel after 无人在家 (its “scan instead” link), then undo: every control thumb-sized."""
    places = _places(live_server.app)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/h/{places['door']}")
    phone.click("button.outcome-not_home")
    phone.wait_for_selector("input[name=slip_code]")
    assert phone.evaluate(CHECK) == []
    screenshot(phone, "sweep-volunteer-card-not-home")


def test_naming_a_checkpoint_after_its_people_asks_first(live_server, phone):
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/patrols/setup")
    phone.click("summary:has-text('新建点位')")
    phone.fill("#checkpoint-name", "居家观察户 北巷")
    phone.click("button:has-text('添加点位')")
    phone.wait_for_selector("input[name=name_confirmed]")
    assert "居家观察" in phone.locator(".field.has-error .error").first.inner_text()
    assert phone.evaluate(CHECK) == []
    phone.locator("input[name=name_confirmed]").scroll_into_view_if_needed()
    screenshot(phone, "sweep-checkpoint-name-warning")
    phone.check("input[name=name_confirmed]")
    phone.click("button:has-text('添加点位')")
    phone.wait_for_selector(".row .title:has-text('居家观察户 北巷')")
    assert phone.locator("input[name=name_confirmed]").count() == 0


# A camera that says it has a torch (Chrome on Android reports `torch` in the track's capabilities);
# the fake camera of desktop Chromium has none, so the test lends it one and records what the page asks.
TORCH = """
(function () {
  var original = MediaStreamTrack.prototype.getCapabilities;
  MediaStreamTrack.prototype.getCapabilities = function () {
    var caps = original ? original.call(this) : {};
    return Object.assign({}, caps, { torch: true });
  };
  MediaStreamTrack.prototype.applyConstraints = function (constraints) {
    sessionStorage.setItem("torch", JSON.stringify(constraints));
    return Promise.resolve();
  };
})();
"""


@pytest.mark.parametrize("has_torch", [True, False])
def test_the_scanner_offers_the_torch_only_where_the_camera_has_one(live_server, browser, has_torch):
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
    try:
        context = camera.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        context.grant_permissions(["camera"], origin=live_server.url)
        if has_torch:
            context.add_init_script(TORCH)
        page = context.new_page()
        log_in(page, live_server.url, "volunteer", PASSWORD)
        page.goto(f"{live_server.url}/scan")
        page.click("#scan-start")
        page.wait_for_selector("#scanner.running")
        page.wait_for_timeout(500)
        torch = page.locator("#scan-torch")
        if not has_torch:
            assert torch.is_hidden()
            return
        torch.wait_for(state="visible")
        assert page.evaluate(CHECK) == []
        screenshot(page, "sweep-scanner-torch")
        torch.click()
        page.wait_for_selector("#scan-torch[aria-pressed=true]")
        assert page.evaluate("sessionStorage.getItem('torch')") == '{"advanced":[{"torch":true}]}'
    finally:
        camera.close()
