"""Opening a card by typing an address, within one's scope."""
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
    assert world.second_household not in html and "没有与" in html


def test_find_handles_odd_queries(client, login_as):
    login_as("volunteer")
    for query in ("%", "_", "\\", "'; drop table households; --", "号" * 200):
        assert client.get("/find", query_string={"q": query}).status_code == 200


def test_scan_page_loads_only_its_own_script(client, login_as):
    login_as("volunteer")
    html = client.get("/scan").get_data(as_text=True)
    assert "js/scan.js" in html and "jsQR" in html  # the decoder is loaded only when needed, by scan.js
    assert "jsQR" not in client.get("/").get_data(as_text=True)
