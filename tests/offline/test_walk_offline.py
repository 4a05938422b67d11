"""The walk page as the offline unit: light enough, every door on it; light card copies; the outbox's guard."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from tests.doors.helpers import HX, count, knock
from tests.offline.helpers import build_tower, gzipped


def test_a_thirty_floor_tower_walk_is_one_page_within_budget(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import Household

    tower = build_tower(app, floors=30, per_floor=4)
    login_as("volunteer")
    response = client.get(f"/buildings/{tower}/walk")
    html = response.get_data(as_text=True)
    with app.app_context():
        tokens = set(db.session.scalars(select(Household.sticker_token).where(Household.building_id == tower)))
    assert len(tokens) == 120 and tokens <= set(re.findall(r'href="/h/([\w-]+)"', html))
    assert gzipped(response.get_data()) <= 12 * 1024  # a building's walk page ≤ 12 KB compressed
    assert all(f'href="#f1-{floor}"' in html for floor in range(1, 31))  # the floor index
    assert 'id="scanner"' in html and 'data-local="1"' in html  # its own scanner finds its doors
    # residents are named, masked, above the buttons
    first_row = html[html.index('<li id="h-'):]
    first_row = first_row[:first_row.index("</li>")]
    assert '<p class="who">' in first_row and first_row.index('class="who"') < first_row.index('name="outcome"')
    assert "*" in re.search(r'<p class="who">([^<]*)</p>', first_row).group(1)


def test_the_light_card_copy_is_small_and_can_knock(app, client, login_as):
    tower = build_tower(app, floors=2, per_floor=2)
    login_as("volunteer")
    html = client.get(f"/buildings/{tower}/walk").get_data(as_text=True)
    token = re.search(r'href="/h/([\w-]+)"', html).group(1)
    full = client.get(f"/h/{token}").get_data()
    light = client.get(f"/h/{token}", headers={"X-Doorstep-Offline-Copy": "1"}).get_data()
    assert len(light) < len(full) * 0.6 and len(light) < 8000  # 120 copies stay well under 1 MB
    text = light.decode()
    assert 'name="outcome"' in text and 'name="request_id"' in text and "下一户" in text


def test_a_reopened_card_always_offers_the_next_door(app, client, login_as, world):
    login_as("volunteer")
    knock(client, world.volunteer_household, "verified")
    html = client.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    assert "下一户" in html
    html = client.get(f"/h/{world.volunteer_household}?again=1").get_data(as_text=True)
    assert "下一户" in html


def test_a_knock_kept_on_the_phone_can_bring_its_slip(app, client, login_as, world):
    from webapp.extensions import db
    from webapp.models import Household, NoteSlip, Visit

    with app.app_context():
        community = db.session.scalar(select(Household.community_id).where(
            Household.sticker_token == world.volunteer_household))
        code = db.session.scalar(select(NoteSlip.code).where(NoteSlip.community_id == community,
                                                             NoteSlip.state == "printed").order_by(NoteSlip.id))
    login_as("volunteer")
    rid = uuid.uuid4().hex
    response = knock(client, world.volunteer_household, "not_home", request_id=rid, htmx=True, slip_code=code,
                     return_to="walk")
    assert response.status_code == 200
    again = knock(client, world.volunteer_household, "not_home", request_id=rid, htmx=True, slip_code=code,
                  return_to="walk")
    assert again.status_code == 200 and count(app, Visit, Visit.request_id == rid) == 1
    with app.app_context():
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.code == code))
        visit = db.session.scalar(select(Visit).where(Visit.request_id == rid))
        assert slip.state == "bound" and slip.visit_id == visit.id
        first_visit = visit.id
    # A slip already used, or a number mistyped: the knock is still kept (it waited on the phone for
    # signal; a wrong number must not cost it). The slip is refused on its own: the number as typed, the
    # reason beside it, and a header that puts it on the phone's "needs attention" list.
    from urllib.parse import unquote

    for typed, walking in ((code, "walk"), ("ZZZZ-ZZZZ", ""), (code.lower(), "walk")):
        other = uuid.uuid4().hex
        kept = knock(client, world.volunteer_household, "not_home", request_id=other, htmx=True,
                     slip_code=typed, return_to=walking)
        assert kept.status_code == 200 and count(app, Visit, Visit.request_id == other) == 1
        reason = unquote(kept.headers["X-Doorstep-Slip-Refused"])
        html = kept.get_data(as_text=True)
        assert reason and f'<p class="error">{reason}</p>' in html
        assert f'name="slip_code" value="{typed}"' in html  # kept as typed, to correct
        with app.app_context():
            visit = db.session.scalar(select(Visit).where(Visit.request_id == other))
            assert db.session.scalar(select(NoteSlip).where(NoteSlip.visit_id == visit.id)) is None
        # A replay answers the same: one knock, the slip still refused.
        again = knock(client, world.volunteer_household, "not_home", request_id=other, htmx=True,
                      slip_code=typed, return_to=walking)
        assert again.status_code == 200 and unquote(again.headers["X-Doorstep-Slip-Refused"]) == reason
        assert count(app, Visit, Visit.request_id == other) == 1
    with app.app_context():  # the slip stays where it was left
        assert db.session.scalar(select(NoteSlip.visit_id).where(NoteSlip.code == code)) == first_visit
    # Without JavaScript the card says it at the top.
    plain = knock(client, world.volunteer_household, "not_home", request_id=uuid.uuid4().hex, slip_code="ZZZZ-ZZZZ")
    assert plain.status_code == 200 and "敲门已记录，但留言条没有留下" in plain.get_data(as_text=True)


def test_a_knock_kept_by_another_user_is_refused_and_stores_nothing(app, client, login_as, world):
    from webapp.models import Visit

    login_as("volunteer")
    rid = uuid.uuid4().hex
    response = knock(client, world.volunteer_household, "verified", request_id=rid, htmx=True, outbox_user="99999")
    assert response.status_code == 409 and count(app, Visit, Visit.request_id == rid) == 0


def test_the_service_worker_covers_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "javascript" in response.headers["Content-Type"]
    assert response.headers["Cache-Control"] == "no-cache"
    page = client.get("/offline")
    assert page.status_code == 200 and "没有信号" in page.get_data(as_text=True)
    assert client.get("/offline/state", headers=HX).status_code == 401


def test_walk_rows_clear_the_sticky_header(app):
    from pathlib import Path

    css = (Path(app.root_path).parent / "static" / "css" / "app.css").read_text()
    assert re.search(r"\.door \{ scroll-margin-top: [5-9]", css)
    assert "button:disabled" in css


def test_javascript_stays_small():
    import gzip
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "static" / "js"
    # Our one bundle (the outbox, the offline switch, the scanner) beside the vendored htmx (as served,
    # in tests/speed/test_served.py).
    size = len(gzip.compress((root / "app.min.js").read_bytes()))
    assert size <= 6 * 1024, size
