"""The building lead's floor picture and the secretary's dashboard on a 360-wide phone."""
import uuid

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_doors import _db, _throttle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _knock_some(live_server, building_kind="tower"):
    from webapp.coverage import active_campaign
    from webapp.extensions import db
    from webapp.models import Building, Household, User, Visit, utcnow

    with live_server.app.app_context():
        building = db.session.scalar(select(Building).where(Building.kind == building_kind))
        lead = db.session.scalar(select(User.id).where(User.username == "lead"))
        campaign = active_campaign(building.community_id, building.grid_id)
        doors = db.session.scalars(select(Household).where(Household.building_id == building.id)
                                   .order_by(Household.floor.desc())).all()
        for number, door in enumerate(doors[:12]):
            db.session.add(Visit(request_id=uuid.uuid4().hex, household_id=door.id, user_id=lead,
                                 campaign_id=campaign.id, outcome=("verified", "not_home", "refused")[number % 3],
                                 visited_at=utcnow()))
        db.session.commit()
        return building.id, building.floors


def test_floor_picture_of_a_tower_reads_on_a_phone(live_server, phone):
    _throttle(phone)
    building_id, floors = _knock_some(live_server)
    log_in(phone, live_server.url, "lead", PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{building_id}/floors")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("table.floor-picture tbody tr").count() == floors
    assert phone.locator("a.cell-reached").count() == 4 and phone.locator("a.cell-refused").count() == 4
    width = phone.evaluate("document.querySelector('a.cell').getBoundingClientRect().width")
    assert width >= 28  # still a tappable cell with eight doors a floor
    # Every floor's doors sit in rows of equal length: eight doors are two rows of four, none stretched
    # to twice the width of its neighbours (which reads as a bigger flat).
    floors_laid = phone.evaluate("""[...document.querySelectorAll('table.floor-picture .cells')].map(c => {
        const cells = [...c.querySelectorAll('a.cell')].map(a => a.getBoundingClientRect());
        return {n: cells.length, widths: cells.map(r => Math.round(r.width)),
                rows: new Set(cells.map(r => Math.round(r.top))).size}; })""")
    for floor in floors_laid:
        assert max(floor["widths"]) - min(floor["widths"]) <= 1, floor
        per_row = -(-floor["n"] // floor["rows"])
        assert per_row <= 6 and floor["n"] - per_row * (floor["rows"] - 1) > 0, floor
    assert any(floor["n"] == 8 and floor["rows"] == 2 for floor in floors_laid), floors_laid
    screenshot(phone, "floors")
    phone.locator("a.cell-reached").first.click()
    phone.wait_for_selector("h1.address")


def test_walkup_entrances_keep_their_doors_on_a_phone(live_server, phone):
    """Entrances side by side: the floor numbers keep a narrow column, and each entrance's doors stay
    inside its own column (they used to spill over the next entrance's)."""
    building_id, _ = _knock_some(live_server, "walkup")
    log_in(phone, live_server.url, "lead", PASSWORD)
    phone.goto(f"{live_server.url}/buildings/{building_id}/floors")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("table.floor-picture thead th").count() > 2
    spills = phone.evaluate("""[...document.querySelectorAll('table.floor-picture td')].flatMap(td => {
        const box = td.getBoundingClientRect();
        return [...td.querySelectorAll('a.cell')].map(a => a.getBoundingClientRect())
            .filter(r => r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.width < 44)
            .map(r => [Math.round(r.left), Math.round(r.right), Math.round(box.left), Math.round(box.right)]); })""")
    assert spills == []
    header = phone.evaluate("document.querySelector('table.floor-picture tbody th').getBoundingClientRect().width")
    assert header < 40


def test_bungalow_row_reads_on_a_phone(live_server, phone):
    from webapp.models import Building

    log_in(phone, live_server.url, "secretary", PASSWORD)
    building_id = _db(live_server, select(Building.id).where(Building.kind == "bungalow").order_by(Building.id))
    phone.goto(f"{live_server.url}/buildings/{building_id}/floors")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator(".row-of-houses a.cell").count() > 0


def test_dashboard_on_a_phone(live_server, phone):
    _throttle(phone)
    _knock_some(live_server)
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/dashboard")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    text = phone.locator("main").inner_text()
    assert "各网格走访进度" in text and "今日敲门" in text and "黄楼长" in text
    screenshot(phone, "dashboard")
    phone.goto(f"{live_server.url}/summary")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # the wide table scrolls inside its card
    screenshot(phone, "summary")
    phone.goto(f"{live_server.url}/search?q=85%E5%8F%B7")
    screenshot(phone, "search")


def test_the_care_list_shows_more_in_place(live_server, phone):
    """"Show more" appends the next 50 residents under the first 50, without leaving the page."""
    from tests.factory import build_world_in
    from tests.review.test_paging import _care_world

    built = _care_world(live_server.app, lambda **options: build_world_in(live_server.app, **options), residents=120)
    log_in(phone, live_server.url, built.users["secretary"], PASSWORD)
    phone.goto(f"{live_server.url}/care")
    rows = phone.locator("ul.rows li a.row")
    assert rows.count() == 50
    more = phone.locator("li.more a")
    box = more.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    more.scroll_into_view_if_needed()
    screenshot(phone, "care-more")
    more.click()
    phone.wait_for_function("() => document.querySelectorAll('ul.rows li a.row').length === 100")
    assert phone.url.endswith("/care")  # appended in place, not a new page
    phone.locator("li.more a").click()
    phone.wait_for_function("() => document.querySelectorAll('ul.rows li a.row').length === 120")
    assert phone.locator("li.more").count() == 0
    assert len(set(rows.all_inner_texts())) == 120
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_dashboard_drill_down_shows_whole_building_names(live_server, phone):
    """A grid's buildings are named in full on a phone (a long name wraps; it was cut to 新塘花园小…)."""
    from webapp.extensions import db
    from webapp.models import Building, Grid

    long_name = "长庚花园小区东区第十二号楼"
    with live_server.app.app_context():
        building = db.session.scalar(select(Building).join(Grid, Building.grid_id == Grid.id).order_by(Building.id))
        building.name = long_name
        grid_id, community_id = building.grid_id, building.community_id
        db.session.commit()
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/dashboard?community={community_id}&grid={grid_id}#buildings")
    labels = phone.locator(".bar-label")
    assert labels.filter(has_text=long_name).count() == 1
    clipped = phone.evaluate("""() => [...document.querySelectorAll('.bar-label')]
        .filter(el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
        .map(el => el.textContent)""")
    assert clipped == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "dashboard-buildings")


def test_english_dashboard_figures_keep_their_words_whole(live_server, phone):
    """In English a figure's label is one word that barely fits a quarter of the phone ("Households"):
    it stays whole (the row of figures makes room), never "Househol / ds"."""
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/dashboard")
    phone.click("button[lang=en]")
    phone.goto(f"{live_server.url}/dashboard")
    words = phone.locator(".stats dt").evaluate_all(
        "cells => cells.filter(c => !c.textContent.trim().includes(' ')).map(c => { const r = document.createRange();"
        " r.selectNodeContents((c.querySelector('a') || c).firstChild); return [c.textContent.trim(),"
        " new Set([...r.getClientRects()].map(b => Math.round(b.top))).size]; })")
    assert ["Households", 1] in words and all(lines == 1 for _, lines in words), words
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
