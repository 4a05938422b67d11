"""Defects found walking the app on a 360×640 phone in 简体中文: sizes and layout, measured in Chromium.

The wording and markup side of the same walkthrough is in tests/test_phone_walkthrough.py.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.browser.conftest import PHONE, log_in
from tests.browser.test_doors import _db, _first_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LONG_ANSWER = "a" * 500  # a resident's answer with no space in it
LONG_QUERY = "Zhangsanlisiwangwuzhaoliu" * 8


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/walkthrough-{name}.png")


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_printed_sheets_way_back_is_a_thumb_target(live_server, phone):
    from webapp.models import Building, Route

    building = _db(live_server, select(Building).order_by(Building.id))
    building_id, building_name = building.id, building.name
    route_id = _db(live_server, select(Route.id).order_by(Route.id))
    log_in(phone, live_server.url, "secretary", PASSWORD)
    sheets = {"slips": ("/slips/print", "/slips?community="), "stickers": (f"/buildings/{building_id}/stickers",
                                                                         f"/buildings/{building_id}")}
    if route_id is not None:
        sheets["checkpoints"] = (f"/patrols/routes/{route_id}/stickers", "/patrols/setup")
    for name, (path, back_to) in sheets.items():
        phone.goto(f"{live_server.url}{path}")
        back = phone.locator("header.sheet-head a")
        box = back.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (name, box)
        assert back_to in back.get_attribute("href"), name
        assert _page_width(phone) <= PHONE["width"], name
        shot(phone, f"sheet-{name}")
    phone.goto(f"{live_server.url}/slips/print")
    phone.click("header.sheet-head a")
    assert "/slips?community=" in phone.url and phone.locator("h1").is_visible()
    assert building_name  # the sticker sheet's link is named after its building (checked over HTTP)


def _answer_a_slip(live_server, message: str) -> None:
    """The volunteer leaves a slip at her first door and a resident answers it from the slip's page."""
    from tests.conftest import AuthActions, csrf_token_from
    from tests.slips.helpers import not_home_with_slip, slip_codes
    from webapp.models import Community

    app = live_server.app
    community = _db(live_server, select(Community.id).order_by(Community.id))
    code = slip_codes(app, community)[0]
    volunteer = app.test_client()
    assert AuthActions(volunteer).login("volunteer").status_code == 303
    response, _visit = not_home_with_slip(app, volunteer, _first_token(live_server), code)
    assert response.status_code in (200, 303)
    resident = app.test_client()
    csrf = csrf_token_from(resident, f"/s/{code}")
    answered = resident.post(f"/s/{code}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                 "kind": "message", "message": message})
    assert answered.status_code == 200, answered.get_data(as_text=True)[:500]


def test_long_unbroken_text_never_widens_a_page(live_server, phone):
    _answer_a_slip(live_server, LONG_ANSWER)
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/inbox")
    assert LONG_ANSWER in phone.locator("main").inner_text().replace("\n", "")
    assert _page_width(phone) <= PHONE["width"]
    confirm = phone.locator("form.confirm button[type=submit]").first
    box = confirm.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Nothing lies over the button: a tap at its middle reaches it.
    hit = phone.evaluate("""([x, y]) => { const e = document.elementFromPoint(x, y);
        return !!e && !!e.closest('form.confirm button'); }""",
                         [box["x"] + box["width"] / 2, min(box["y"] + box["height"] / 2, PHONE["height"] - 1)]
                         ) if box["y"] + box["height"] / 2 < PHONE["height"] else True
    assert hit
    shot(phone, "inbox-long-answer")

    phone.context.clear_cookies()
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/search?q={LONG_QUERY}")
    assert LONG_QUERY[:50] in phone.locator("main").inner_text().replace("\n", "")  # the query is kept to 60
    assert _page_width(phone) <= PHONE["width"]
    shot(phone, "search-long-query")
    # Pages of tables and figures keep their layout: nothing wider than the phone.
    for path in ("/summary", "/patrols/log", "/dashboard", "/registry/import"):
        phone.goto(f"{live_server.url}{path}")
        assert _page_width(phone) <= PHONE["width"], path


def test_search_results_sit_inside_the_card_and_each_number_keeps_its_show_link(live_server, phone):
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/search?q=王")
    card = phone.locator("#search-results ul.card").bounding_box()
    title = phone.locator("#search-results li.row a.title").first.bounding_box()
    person = phone.locator("#search-results .person").first.bounding_box()
    for box in (title, person):
        assert box["x"] - card["x"] >= 12, (box, card)  # as far in as a list inside a card
        assert card["x"] + card["width"] - (box["x"] + box["width"]) >= 12
    numbers = phone.locator("#search-results .person .masked")
    assert numbers.count() >= 2
    for i in range(min(numbers.count(), 6)):
        number = numbers.nth(i)
        box, button = number.bounding_box(), number.locator("button").bounding_box()
        assert button["height"] >= 44 and button["width"] >= 44
        # The 查看 sits on the number's line, right after it, not wrapped onto a line of its own.
        assert button["y"] >= box["y"] - 1 and button["y"] + button["height"] <= box["y"] + box["height"] + 1
        assert box["height"] < 60, box
    assert _page_width(phone) <= PHONE["width"]
    shot(phone, "search")


def test_an_imports_problems_read_from_the_left_and_keep_column_names_whole(live_server, phone, tmp_path):
    bad = tmp_path / "registry.csv"
    bad.write_text("网格,楼栋,类型,单元,楼层,门牌,地址,状态,姓名,电话,身份证号,类别,关怀\n"
                   "长庚一网格,新楼,步梯楼,1,1,101,新楼1单元101,自住,张三,12345,44010619900101123,本地常住,\n"
                   "长庚一网格,新楼,步梯楼,1,1,102,新楼1单元102,自住,李四,13800001111,abc,外星常住,\n",
                   encoding="utf-8")
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/registry/import")
    phone.set_input_files("input[type=file]", str(bad))
    phone.click("#import-area button[type=submit]")
    phone.wait_for_selector(".problems")
    phone.locator(".problems").scroll_into_view_if_needed()
    column = phone.locator(".problems td:text-is('身份证号')").first
    line_height = column.evaluate("e => parseFloat(getComputedStyle(e).fontSize) * 1.6")
    assert column.evaluate("e => e.getBoundingClientRect().height") < line_height + 2 * 8  # one line, not 身份/证号
    problem = phone.locator(".problems tbody td:nth-child(3)").first
    assert problem.evaluate("e => getComputedStyle(e).textAlign") in ("left", "start")
    assert column.evaluate("e => getComputedStyle(e).textAlign") in ("left", "start")
    assert _page_width(phone) <= PHONE["width"]
    shot(phone, "import-problems")
