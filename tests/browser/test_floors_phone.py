"""The building lead's floor picture and the volunteer's undo on the walk, at 360×640 in Chinese: escalated
doors marked (not by colour alone) and counted, 逐户走访 on the first screen of a tall tower, and an undo on the
walk that says what it did (已撤销; the slip that stays with a door that answered it; too late)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_doors import _db
from tests.conftest import PASSWORD
from tests.factory import build_world_in

pytestmark = pytest.mark.browser


def _knock_the_top_floors(app, built):
    """On the tower's top floors: two doors escalated (nobody home three times, one with a refusal after),
    one reached, one nobody home once, one refused."""
    from webapp.extensions import db
    from webapp.models import Household, User, Visit, utcnow

    plan = [("not_home",) * 3, ("not_home", "not_home", "not_home", "refused"), ("verified",), ("not_home",),
            ("refused",)]
    with app.app_context():
        lead = db.session.scalar(select(User.id).where(User.username == built.users["lead"]))
        doors = db.session.scalars(select(Household.id).where(Household.building_id == built.tower_id)
                                   .order_by(Household.floor.desc(), Household.room)).all()
        for door, outcomes in zip(doors, plan):
            for outcome in outcomes:
                db.session.add(Visit(request_id=uuid.uuid4().hex, household_id=door, user_id=lead,
                                     campaign_id=built.campaign_id, outcome=outcome, visited_at=utcnow()))
        db.session.commit()


def test_a_tall_towers_picture_marks_escalated_doors_and_offers_the_walk_on_its_first_screen(live_server, phone):
    built = build_world_in(live_server.app, tower_floors=25, doors_per_floor=4)
    _knock_the_top_floors(live_server.app, built)
    log_in(phone, live_server.url, built.users["lead"], PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{built.tower_id}/floors")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # 逐户走访 on the first screen, above a picture that runs on for screens.
    walk = phone.locator(f'a.button[href="/buildings/{built.tower_id}/walk"]')
    assert walk.count() == 2
    top = walk.first.bounding_box()
    assert top["y"] + top["height"] <= 640 and top["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollHeight") > 2 * 640  # over two screens more
    # Escalated: its own cells, counted, and told apart by more than colour (stripes, a frame, "!").
    escalated = phone.locator("a.cell-escalated")
    assert escalated.count() == 2
    assert phone.locator("li.cell-escalated").inner_text().split() == ["待跟进", "2"]
    look = phone.evaluate("""() => [...document.querySelectorAll('a.cell-escalated, a.cell-not_home')].map(a => {
        const s = getComputedStyle(a); return [a.className, s.backgroundImage, s.boxShadow, a.innerText]; })""")
    for name, image, shadow, text in look:
        if "escalated" in name:
            assert "repeating-linear-gradient" in image and shadow != "none" and text.rstrip().endswith("!")
        else:
            assert image == "none" and "!" not in text
    assert "斜纹" in phone.locator("ul.legend").inner_text()
    box = escalated.first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    screenshot(phone, "floors-escalated")
    phone.emulate_media(color_scheme="dark")  # a dark stairwell: the stripes and frame still read
    screenshot(phone, "floors-escalated-dark")
    phone.emulate_media(color_scheme="light")
    walk.first.click()
    phone.wait_for_url(f"**/buildings/{built.tower_id}/walk")


def test_a_short_building_keeps_its_walk_under_the_picture(live_server, phone):
    built = build_world_in(live_server.app, tower_floors=5, doors_per_floor=4)
    log_in(phone, live_server.url, built.users["lead"], PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{built.tower_id}/floors")
    walk = phone.locator(f'a.button[href="/buildings/{built.tower_id}/walk"]')
    assert walk.count() == 1
    box = walk.bounding_box()
    assert box["y"] + box["height"] <= 640  # the whole picture and its one button fit the first screen
    screenshot(phone, "floors-short")


def _volunteer_walk(live_server):
    from webapp.models import Household, NoteSlip, RoleAssignment, User

    grid = _db(live_server, select(RoleAssignment.grid_id).join(RoleAssignment.user).where(User.username == "volunteer"))
    building = _db(live_server, select(Household.building_id).where(Household.grid_id == grid).order_by(Household.id))
    code = _db(live_server, select(NoteSlip.code).join(Household, Household.community_id == NoteSlip.community_id)
               .where(Household.building_id == building, NoteSlip.state == "printed").order_by(NoteSlip.id))
    return building, code


def _household_answers(live_server, code):
    """The household at the door of slip `code` answers it: call me back."""
    from webapp.extensions import db
    from webapp.models import NoteSlip, SlipReply

    with live_server.app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        db.session.add(SlipReply(slip_id=slip.id, request_id=uuid.uuid4().hex, kind="call_me", phone="13800001111"))
        db.session.commit()


def test_an_undo_on_the_walk_says_what_it_did(live_server, phone):
    """With htmx: 已撤销 in the row; a slip the household answered stays with the door, and the row says so
    with a way to its answer; an undo too late says why and offers the outcomes again."""
    from webapp.extensions import db
    from webapp.models import Visit

    building, code = _volunteer_walk(live_server)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{building}/walk")
    rows = phone.locator("#walk li.door")
    # 1. A slip left, the household answers it, then the knock is undone.
    first_id = rows.nth(0).get_attribute("id")
    row = phone.locator(f"#{first_id}")
    row.locator("button[value=not_home]").click()
    row.locator("input[name=slip_code]").fill(code)
    row.locator("input[name=slip_code]").press("Enter")
    phone.wait_for_selector(f"#{first_id} >> text={code[:4]}-{code[4:]}")
    _household_answers(live_server, code)
    row.locator("button:has-text('撤销')").click()
    phone.wait_for_selector(f"#{first_id} >> text=已撤销")
    text = row.inner_text()
    assert f"留言条 {code[:4]}-{code[4:]} 仍登记在这户" in text and row.locator("button[value=not_home]").count() == 1
    inbox = row.locator('a[href="/inbox"]')
    assert inbox.inner_text() == "到“待办回复”查看回复" and inbox.bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    row.scroll_into_view_if_needed()
    screenshot(phone, "walk-undo-slip-kept")
    # 2. A plain undo says 已撤销 in the row.
    second_id = rows.nth(1).get_attribute("id")
    row = phone.locator(f"#{second_id}")
    row.locator("button[value=refused]").click()
    row.locator("button:has-text('撤销')").click()
    phone.wait_for_selector(f"#{second_id} >> text=已撤销")
    assert row.locator(".done-line").count() == 0
    # 3. Too late: the row says why; the outcomes are offered to correct it.
    third_id = rows.nth(2).get_attribute("id")
    row = phone.locator(f"#{third_id}")
    row.locator("button[value=verified]").click()
    row.locator("button:has-text('撤销')").wait_for()
    with live_server.app.app_context():
        visit = db.session.scalar(select(Visit).order_by(Visit.id.desc()))
        visit.visited_at -= timedelta(minutes=10)
        db.session.commit()
    row.locator("button:has-text('撤销')").click()
    phone.wait_for_selector(f"#{third_id} >> text=已超过可撤销时间")
    assert row.locator("button[value=verified]").count() == 1
    row.scroll_into_view_if_needed()
    screenshot(phone, "walk-undo-too-late")


@pytest.mark.parametrize("javascript", [True, False])
def test_undoing_a_knock_whose_slip_was_answered_on_the_card(live_server, browser, javascript):
    """The card says the slip stays with the door, with JavaScript (its panel) and without (the card again)."""
    from webapp.models import Household

    building, code = _volunteer_walk(live_server)
    token = _db(live_server, select(Household.sticker_token).where(Household.building_id == building)
                .order_by(Household.id.desc()))
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, live_server.url, "volunteer", PASSWORD)
    page.goto(f"{live_server.url}/h/{token}")
    page.locator("#knock button[value=not_home]").click()
    page.locator("input[name=slip_code]").fill(code)
    page.locator(".slip-bind button[type=submit]").click()
    page.wait_for_selector(f"text=已在门上留下留言条 {code[:4]}-{code[4:]}")
    _household_answers(live_server, code)
    page.locator("#knock button:has-text('撤销')").click()
    kept = page.locator(f"text=留言条 {code[:4]}-{code[4:]} 仍登记在这户")
    kept.wait_for()
    assert "已撤销" in page.locator("main").inner_text()
    assert page.locator('main a[href="/inbox"]').count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    kept.scroll_into_view_if_needed()
    screenshot(page, f"card-undo-slip-kept-{'js' if javascript else 'no-js'}")
    context.close()
