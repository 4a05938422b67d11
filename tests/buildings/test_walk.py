"""Walking a building door by door: entrance by entrance, top floor down, one-tap outcomes."""
import re
import uuid

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import HX, count


def _households(app, building_id):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalars(select(Household).where(Household.building_id == building_id)
                                  .order_by(Household.entrance, Household.floor.desc(), Household.room)).all()


def test_walk_goes_top_floor_down_within_the_first_entrance(app, client, login_as, world):
    login_as("volunteer")
    response = client.get(f"/buildings/{world.volunteer_building}/walk")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first_entrance = [h for h in _households(app, world.volunteer_building) if h.entrance == 1]
    positions = [html.index(f'id="h-{h.id}"') for h in first_entrance]
    assert positions == sorted(positions)  # the page lists them top floor first
    assert "entrance=2" in html  # tabs to the other entrances
    assert html.count('name="outcome"') == 4 * len(first_entrance)


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
    assert f"#h-{doors[1].id}" in html  # the next door
    assert len(response.get_data()) <= 2048
    assert count(app, Visit) == 1


def test_quick_knock_without_javascript_goes_back_to_the_walk_at_the_next_door(app, client, login_as, world):
    login_as("volunteer")
    doors = _households(app, world.volunteer_building)
    csrf = csrf_token_from(client, "/")
    response = client.post(f"/h/{doors[0].sticker_token}", data={
        "csrf_token": csrf, "outcome": "verified", "return_to": "walk", "request_id": uuid.uuid4().hex})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#h-{doors[1].id}")
    assert f"/buildings/{world.volunteer_building}/walk" in response.headers["Location"]


def _floors(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<section class="floor" id="f(\d+)"', html)]


def _rooms(html: str) -> list[str]:
    return re.findall(r'<a class="room" href="/h/[\w-]+">([^<]+)</a>', html)


def test_a_tower_is_walked_ten_floors_at_a_time(app, client, login_as, make_world):
    built = make_world(tower_floors=25, doors_per_floor=4)
    login_as(built.users["lead"])
    walk = f"/buildings/{built.tower_id}/walk"
    html = client.get(walk).get_data(as_text=True)
    assert _floors(html) == list(range(25, 15, -1))  # the top ten floors, top down
    assert html.count('name="outcome" value="not_home"') == 10 * 4
    tabs = re.findall(r'floors=([\d-]+)" class="tab( current)?"', html)
    assert tabs == [("16-25", " current"), ("6-15", ""), ("1-5", "")]
    # Each band is its own page; together they hold every door exactly once.
    middle = client.get(walk, query_string={"floors": "6-15"}).get_data(as_text=True)
    bottom = client.get(walk, query_string={"floors": "1-5"}).get_data(as_text=True)
    assert _floors(middle) == list(range(15, 5, -1)) and _floors(bottom) == [5, 4, 3, 2, 1]
    rooms = _rooms(html) + _rooms(middle) + _rooms(bottom)
    assert sorted(rooms) == sorted(room for _floor, room in built.tower_tokens) and len(rooms) == 25 * 4
    # A band that does not exist shows the top one rather than failing.
    for odd in ("7-16", "0-0", "abc", "-1-5", "1-5000000000000000000000"):
        response = client.get(walk, query_string={"floors": odd})
        assert response.status_code == 200 and _floors(response.get_data(as_text=True))[0] == 25


def test_the_next_door_after_a_band_is_on_the_next_page(app, client, login_as, make_world):
    """Knocking the last door of floor 16 leads to floor 15, which is on the next band's page."""
    built = make_world(tower_floors=25, doors_per_floor=4)
    login_as(built.users["lead"])
    last_of_band = built.tower_token(16, 4)
    csrf = csrf_token_from(client, "/")
    plain = client.post(f"/h/{last_of_band}", data={"csrf_token": csrf, "outcome": "verified", "channel": "door",
                                                   "return_to": "walk", "request_id": uuid.uuid4().hex})
    assert plain.status_code == 303
    location = plain.headers["Location"]
    assert f"/buildings/{built.tower_id}/walk" in location and "floors=6-15" in location
    page = client.get(location.split("#")[0]).get_data(as_text=True)
    anchor = location.split("#")[1]
    assert _floors(page)[0] == 15 and f'id="{anchor}"' in page
    assert re.search(rf'id="{anchor}".*?<a class="room" href="/h/{built.tower_token(15, 1)}"', page, re.DOTALL)
    # The same with HTMX: the row's 下一户 link points into the next band.
    fragment = client.post(f"/h/{built.tower_token(6, 4)}", headers={**HX, "X-CSRFToken": csrf}, data={
        "outcome": "not_home", "channel": "door", "return_to": "walk", "request_id": uuid.uuid4().hex})
    assert fragment.status_code == 200 and "floors=1-5" in fragment.get_data(as_text=True)


def test_the_demo_tower_fits_one_page(app, client, login_as, world):
    """A tower of ten floors or fewer has no floor tabs at all."""
    from webapp.extensions import db
    from webapp.models import Building

    with app.app_context():
        tower = db.session.scalar(select(Building).where(Building.kind == "tower"))
        assert tower.floors <= 10
    login_as("lead")
    html = client.get(f"/buildings/{tower.id}/walk").get_data(as_text=True)
    assert _floors(html) == list(range(tower.floors, 0, -1)) and "floors=" not in html


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
