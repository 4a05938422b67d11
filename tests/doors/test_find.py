"""Opening a card by typing an address, within one's scope."""
import re

from sqlalchemy import select

from tests.doors.helpers import HX


def test_find_by_address_fragments(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.sticker_token == world.volunteer_household))
    login_as("volunteer")
    building_part, room = household.address.split("单元")[0], household.room
    html = client.get("/find", query_string={"q": f"{building_part} {room}"}).get_data(as_text=True)
    assert f"/h/{household.sticker_token}" in html
    fragment = client.get("/find", query_string={"q": room}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)


def test_find_never_shows_doors_outside_scope(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        address = db.session.scalar(select(Household.address).where(Household.sticker_token == world.second_household))
    login_as("volunteer")
    html = client.get("/find", query_string={"q": address}).get_data(as_text=True)
    assert world.second_household not in html
    # What she finds instead is her own door with the same numbers (the lane typed only ranks).
    assert _results(html)[0][1] == address.replace("新塘里", "长庚里")


def test_find_handles_odd_queries(client, login_as):
    login_as("volunteer")
    for query in ("%", "_", "\\", "'; drop table households; --", "号" * 200):
        assert client.get("/find", query_string={"q": query}).status_code == 200


def test_only_the_scan_page_names_the_qr_decoder(client, login_as):
    login_as("volunteer")
    html = client.get("/scan").get_data(as_text=True)
    assert 'id="scanner"' in html and "jsQR" in html  # the decoder is loaded only when needed, by scan.js
    assert "jsQR" not in client.get("/").get_data(as_text=True)


def _results(html: str) -> list[str]:
    return re.findall(r'href="/h/([\w-]+)"><span class="title">([^<]+)</span>', html)


def test_find_tolerates_a_wrong_lane_and_ranks_the_right_door_first(app, client, login_as, world):
    """The one tolerant search behind /find: the numbers of an address find the door, the lane only ranks."""
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        mine = db.session.scalar(select(Household).where(Household.address == "长庚里2号1单元601"))
        theirs = db.session.scalar(select(Household).where(Household.address == "新塘里2号1单元601"))
        assert mine.grid_id == world.volunteer_grid and theirs.grid_id == world.second_grid
    login_as("volunteer")
    page = client.get("/find", query_string={"q": "新塘里2号1单元601"})
    results = _results(page.get_data(as_text=True))
    assert results[0] == (mine.sticker_token, "长庚里2号1单元601")
    assert theirs.sticker_token not in page.get_data(as_text=True)  # the lane typed is outside her scope
    # The fragment for HTMX carries the same answer, without the page around it.
    fragment = client.get("/find", query_string={"q": "新塘里2号1单元601"}, headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and _results(fragment)[0] == (mine.sticker_token, "长庚里2号1单元601")
    # The exact address ranks above a door that only shares some of its numbers.
    exact = _results(client.get("/find", query_string={"q": "长庚里2号1单元601"}).get_data(as_text=True))
    assert exact[0][1] == "长庚里2号1单元601" and len(exact) > 1


def test_find_is_by_address_not_by_who_lives_there(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, Resident

    with app.app_context():
        person = db.session.scalar(select(Resident).join(Household).where(
            Household.grid_id == world.volunteer_grid, Resident.phone.isnot(None)).order_by(Resident.id))
        name, phone = person.name, person.phone
    login_as("volunteer")
    for query in (name, phone[-4:]):
        html = client.get("/find", query_string={"q": query}).get_data(as_text=True)
        assert _results(html) == [] and "没有与" in html
