"""Walking a building door by door: entrance by entrance, top floor down, one-tap outcomes."""
import re
import uuid

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import HX, count


def _households(app, building_id):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalars(select(Household).where(Household.building_id == building_id)
                                  .order_by(Household.entrance, Household.floor.desc(), Household.room)).all()


def test_walk_holds_the_whole_building_entrance_by_entrance_top_floor_down(app, client, login_as, world):
    login_as("volunteer")
    response = client.get(f"/buildings/{world.volunteer_building}/walk")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    doors = _households(app, world.volunteer_building)
    positions = [html.index(f'id="h-{h.id}"') for h in doors]
    assert positions == sorted(positions)  # entrance by entrance, top floor first
    assert html.count('name="outcome"') == 4 * len(doors)
    # A floor index to jump to, per entrance
    assert f'href="#f2-{doors[-1].floor}"' in html or doors[-1].entrance == 1
    # every row has a request id of its own (and so has every other form of the page: log out, language)
    rows = html[html.index(f'id="h-{doors[0].id}"'):html.rindex(f'id="h-{doors[-1].id}"')]
    rows += html[html.rindex(f'id="h-{doors[-1].id}"'):].split("</li>", 1)[0]
    row_ids = re.findall(r'name="request_id" value="([\w-]+)"', rows)
    ids = re.findall(r'name="request_id" value="([\w-]+)"', html)
    assert len(row_ids) == len(doors) and len(ids) == len(set(ids))


def test_quick_knock_in_the_walk_returns_the_row_and_the_next_door(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{doors[0].sticker_token}", headers={**HX, "X-CSRFToken": csrf}, data={
        "outcome": "not_home", "channel": "door", "return_to": "walk", "request_id": uuid.uuid4().hex})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith(f'<li id="h-{doors[0].id}"') and "无人在家 ×1" in html
    assert f'href="#h-{doors[1].id}"' in html  # the next door: an anchor on the same page, no reload
    assert 'name="slip_code"' in html  # the slip is bound from the walk row
    assert len(response.get_data()) <= 2048
    assert count(app, Visit) == 1


def test_quick_knock_without_javascript_is_confirmed_in_its_row_on_the_walk(app, client, auth, login_as, world):
    """Without JavaScript a tap on the walk came back at the next door, the knocked row unchanged: no 已记录,
    no 撤销, no slip. Now it comes back at the knocked door, whose row confirms it as htmx's does, with
    下一户 to the next; an undo there says 已撤销 in the row. Another's knock or an undone one shows nothing."""
    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{doors[0].sticker_token}", data={
        "csrf_token": csrf, "outcome": "not_home", "return_to": "walk", "request_id": uuid.uuid4().hex})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert f"/buildings/{world.volunteer_building}/walk?knocked=" in location and location.endswith(f"#h-{doors[0].id}")
    page = client.get(location.split("#")[0]).get_data(as_text=True)
    row = re.search(rf'<li id="h-{doors[0].id}"{WITHIN_ROW}</li>', page, re.DOTALL).group(0)
    assert "已记录" in row and "无人在家" in row and "撤销" in row and 'name="slip_code"' in row
    assert f'href="#h-{doors[1].id}"' in row  # 下一户: the next door, on the same page
    assert page.count('<div class="done-line" role="status">') == 1  # only that row
    undo = re.search(r'action="(/h/[\w-]+/undo/\d+)"', row).group(1)
    undone = client.post(undo, data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "return_to": "walk"})
    assert undone.status_code == 303 and "undone=" in undone.headers["Location"]
    page = client.get(undone.headers["Location"].split("#")[0]).get_data(as_text=True)
    row = re.search(rf'<li id="h-{doors[0].id}"{WITHIN_ROW}</li>', page, re.DOTALL).group(0)
    assert "已撤销" in row and 'name="outcome"' in row and 'class="done-line"' not in page
    # The undone knock no longer confirms; another user's knock is not theirs to see here.
    assert 'class="done-line"' not in client.get(location.split("#")[0]).get_data(as_text=True)
    knocked_again = client.post(f"/h/{doors[0].sticker_token}", data={
        "csrf_token": csrf, "outcome": "verified", "return_to": "walk", "request_id": uuid.uuid4().hex})
    auth.logout()
    login_as("secretary")  # sees the building, but the knock is not hers to confirm
    seen = client.get(knocked_again.headers["Location"].split("#")[0])
    assert seen.status_code == 200 and 'class="done-line"' not in seen.get_data(as_text=True)


WITHIN_ROW = r"(?:(?!</li>).)*?"  # the rest of the same door's row, not the rows after it


def _floors(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<section class="floor" id="f1-(\d+)"', html)]


def _rooms(html: str) -> list[str]:
    return re.findall(r'<a class="room" href="/h/[\w-]+">([^<]+)</a>', html)


def test_a_tall_tower_is_one_page_with_a_floor_index(app, client, login_as, make_world):
    """25 floors: every floor and every door once, top down, with an index to jump to each floor."""
    built = make_world(tower_floors=25, doors_per_floor=4)
    login_as(built.users["lead"])
    html = client.get(f"/buildings/{built.tower_id}/walk").get_data(as_text=True)
    assert _floors(html) == list(range(25, 0, -1))
    assert all(f'href="#f1-{floor}"' in html for floor in range(1, 26))
    assert html.count('name="outcome" value="not_home"') == 25 * 4
    rooms = _rooms(html)
    assert sorted(rooms) == sorted(room for _floor, room in built.tower_tokens) and len(rooms) == 25 * 4
    # Old bookmarks with a band of floors still open the whole building.
    for odd in ("7-16", "0-0", "abc", "-1-5", "1-5000000000000000000000"):
        response = client.get(f"/buildings/{built.tower_id}/walk", query_string={"floors": odd})
        assert response.status_code == 200 and _floors(response.get_data(as_text=True)) == list(range(25, 0, -1))


def test_the_next_door_goes_down_a_floor_on_the_same_page(app, client, login_as, make_world):
    """Knocking the last door of floor 16 leads to the first door of floor 15: an anchor on the same page."""
    built = make_world(tower_floors=25, doors_per_floor=4)
    login_as(built.users["lead"])
    csrf = csrf_token_from(client, "/")
    plain = client.post(f"/h/{built.tower_token(16, 4)}", data={
        "csrf_token": csrf, "outcome": "verified", "channel": "door", "return_to": "walk",
        "request_id": uuid.uuid4().hex})
    assert plain.status_code == 303
    location = plain.headers["Location"]
    assert f"/buildings/{built.tower_id}/walk?knocked=" in location
    page = client.get(location.split("#")[0]).get_data(as_text=True)
    # The knocked row's 下一户 is the first door of floor 15.
    anchor = re.search(r'<a class="button primary" href="#(h-\d+)">', page).group(1)
    assert re.search(rf'id="{anchor}"{WITHIN_ROW}<a class="room" href="/h/{built.tower_token(15, 1)}"', page, re.DOTALL)
    # The same with HTMX: the row's 下一户 link is the next door's anchor.
    fragment = client.post(f"/h/{built.tower_token(6, 4)}", headers={**HX, "X-CSRFToken": csrf}, data={
        "outcome": "not_home", "channel": "door", "return_to": "walk", "request_id": uuid.uuid4().hex})
    body = fragment.get_data(as_text=True)
    following = re.search(r'href="#(h-\d+)"', body)
    assert fragment.status_code == 200 and following
    assert re.search(rf'id="{following.group(1)}"{WITHIN_ROW}href="/h/{built.tower_token(5, 1)}"', page, re.DOTALL)


def test_a_tower_is_one_page_with_a_floor_index(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Building

    with app.app_context():
        tower = db.session.scalar(select(Building).where(Building.kind == "tower"))
        assert tower.floors <= 10
    login_as("lead")
    html = client.get(f"/buildings/{tower.id}/walk?entrance=1&floors=1-10").get_data(as_text=True)
    floors = [int(n) for n in re.findall(r'<section class="floor" id="f1-(\d+)"', html)]
    assert floors == list(range(tower.floors, 0, -1))
    assert all(f'href="#f1-{f}"' in html for f in floors)


def test_walk_of_a_building_outside_scope_is_404(client, login_as, world):
    login_as("volunteer")
    assert client.get(f"/buildings/{world.second_building}/walk").status_code == 404


def test_building_page_shows_each_door_state_in_the_campaign(app, client, login_as, world):
    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    csrf = csrf_token_from(client, "/")
    client.post(f"/h/{doors[0].sticker_token}", data={"csrf_token": csrf, "outcome": "refused",
                                                      "request_id": uuid.uuid4().hex})
    html = client.get(f"/buildings/{world.volunteer_building}").get_data(as_text=True)
    assert "拒绝配合" in html and "未走访" in html


def test_a_vacant_door_says_vacant_once_on_the_building_page(app, client, login_as, world):
    from tests.doors.helpers import knock

    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    knock(client, doors[0].sticker_token, "vacant")
    html = client.get(f"/buildings/{world.volunteer_building}").get_data(as_text=True)
    row = html[html.index(doors[0].address):]
    row = re.sub(r"<[^>]+>|\s+", "", row[:row.index("</li>")])
    assert row.endswith("空置") and "空置·空置" not in row and row.count("空置") == 1


def test_an_undo_on_the_walk_with_htmx_says_undone_in_the_row(app, client, login_as, world):
    """Tapping 撤销 in a walk row (htmx) brought the row back looking as if never knocked: nothing said the
    undo worked. The row now says 已撤销 (as the page without JavaScript does), once, within the budget."""
    from tests.doors.helpers import HX
    from tests.speed.test_served import PHONE

    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    csrf = csrf_token_from(client, "/")
    headers = {**HX, "X-CSRFToken": csrf}
    knocked = client.post(f"/h/{doors[0].sticker_token}", headers=headers, data={
        "outcome": "refused", "return_to": "walk", "request_id": uuid.uuid4().hex})
    undo = re.search(r'hx-post="(/h/[\w-]+/undo/\d+)"', knocked.get_data(as_text=True)).group(1)
    response = client.post(undo, headers={**headers, **PHONE},
                           data={"request_id": uuid.uuid4().hex, "return_to": "walk"})
    assert response.status_code == 200 and response.headers.get("Content-Encoding") == "br"
    assert len(response.get_data()) <= 2048
    import brotli

    row = brotli.decompress(response.get_data()).decode()
    assert row.startswith(f'<li id="h-{doors[0].id}"') and row.count("<li") == 1
    assert '<p class="notice" role="status">已撤销：这次记录不再计入' in row
    assert 'name="outcome"' in row and 'class="done-line"' not in row  # the door can be knocked again


@pytest.mark.parametrize("htmx", [True, False])
def test_an_undo_too_late_on_the_walk_says_why_in_the_row(app, client, login_as, world, htmx):
    """Undo is for five minutes. Later, a tap on 撤销 in a walk row came back with the same row (htmx) or the
    same 已记录 line (without JavaScript): nothing said it was refused. Now the row says it is too late and
    offers the outcomes, to knock again and correct it; the knock still counts."""
    from datetime import timedelta

    from tests.doors.helpers import HX
    from webapp.extensions import db
    from webapp.models import Visit

    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    csrf = csrf_token_from(client, "/")
    knocked = client.post(f"/h/{doors[1].sticker_token}", headers={**HX, "X-CSRFToken": csrf}, data={
        "outcome": "refused", "return_to": "walk", "request_id": uuid.uuid4().hex})
    undo = re.search(r'hx-post="(/h/[\w-]+/undo/\d+)"', knocked.get_data(as_text=True)).group(1)
    with app.app_context():
        visit = db.session.scalar(select(Visit).order_by(Visit.id.desc()))
        visit.visited_at -= timedelta(minutes=10)
        db.session.commit()
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "return_to": "walk"}
    if htmx:
        response = client.post(undo, headers={**HX, "X-CSRFToken": csrf}, data=data)
        assert response.status_code == 422
        row = response.get_data(as_text=True)
    else:
        response = client.post(undo, data=data)
        assert response.status_code == 303 and "too_late=" in response.headers["Location"]
        page = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
        row = re.search(rf'<li id="h-{doors[1].id}"{WITHIN_ROW}</li>', page, re.DOTALL).group(0)
        assert page.count("已超过可撤销时间") == 1  # in that row only
    assert '<p class="error" role="alert">已超过可撤销时间，请重新记录一次以更正。</p>' in row
    assert 'name="outcome"' in row and 'class="done-line"' not in row and "拒绝" in row  # still counts
    with app.app_context():
        assert db.session.scalar(select(Visit.undone_at).where(Visit.id == visit.id)) is None
