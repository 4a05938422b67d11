"""Numbers a person types: one rule for every number field (webapp/forms.py, typed_int / WholeNumberField).

A Chinese IME types full-width digits (１２): they are the numbers they look like, in every field alike.
Anything else int() would take ("٣", "1_000") is refused with a message beside the field. Ids in
URLs and query strings stay ASCII only (hypermedia.parse_int)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.setup.helpers import count, post


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), ("１２", 12), (" １ ", 1), ("\u3000７\u3000", 7), ("－３", -3), ("-3", -3), ("0", 0),
    ("٣", None), ("²", None), ("10²", None), ("1_000", None), ("1e3", None), ("12.0", None), ("", None),
    (None, None), ("x" * 10000, None), ("9" * 20, None),
])
def test_typed_int(raw, expected):
    from webapp.forms import typed_int

    assert typed_int(raw) == expected


def test_ids_in_urls_stay_ascii(app, login_as, world):
    from webapp.hypermedia import parse_int

    assert parse_int("１") is None
    client = login_as("admin")
    wide = str(world.volunteer_building).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.get(f"/buildings/{wide}").status_code == 404


def _invite(client, world, max_joins):
    page = client.get("/invites").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', page))
    day = re.search(r'name="day"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/invites", data={**fields, "title": "全角人数", "role": "volunteer",
                                         "grids": [str(world.volunteer_grid)], "day": day, "starts": "00:00",
                                         "ends": "23:59", "max_joins": max_joins})


def test_full_width_digits_are_numbers_in_an_invite(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import Invite

    client = login_as("secretary")
    for bad in ("٣", "1_000", "²"):
        refused = _invite(client, world, bad)
        assert refused.status_code == 422 and "请填 1 至 500 的整数。" in refused.get_data(as_text=True), bad
    assert count(app, Invite) == 0
    assert _invite(client, world, "１２").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Invite.max_joins)) == 12


def test_full_width_digits_are_numbers_for_a_door(app, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household

    client = login_as("secretary")
    refused = post(client, f"/setup/buildings/{world.other_building}/households",
                   {"entrance": "٣", "floor": "1_000", "room": "9901", "address": "全角测试9901", "status": "occupied"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请填 1 至 50 的整数。" in html and "请填 1 至 120 的整数。" in html
    assert count(app, Household, Household.address == "全角测试9901") == 0
    made = post(client, f"/setup/buildings/{world.other_building}/households",
                {"entrance": "１", "floor": "９", "room": "9901", "address": "全角测试9901", "status": "occupied"})
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    with app.app_context():
        door = db.session.scalar(select(Household).where(Household.address == "全角测试9901"))
        assert (door.entrance, door.floor) == (1, 9)
