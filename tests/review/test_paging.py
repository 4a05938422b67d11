"""Long lists a page at a time (webapp/paging.py): the care list, the revisit list and the audit log
show their first 50 rows and a "show more" row; htmx fetches the next slice alone, a plain link shows
every row up to that page. Nothing is cut off silently, nothing is shown twice."""
import re
from datetime import timedelta

from sqlalchemy import select

from tests.review.helpers import add_visit, user_id

HTMX = {"HX-Request": "true"}
MORE = "显示更多"


def _tower_doors(app, built):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalars(select(Household.id).where(Household.building_id == built.tower_id)
                                  .order_by(Household.id)).all()


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="title">(住户\d+)', html)


def _more_link(html: str) -> str | None:
    found = re.search(r'<li class="more"><a class="button wide" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _care_world(app, make_world, residents: int):
    """`residents` tower residents with a care tag; a verified visit on some, at different times."""
    from webapp.extensions import db
    from webapp.models import CareTag, Resident, utcnow

    built = make_world(tower_floors=30)  # 120 tower doors, one resident each
    doors = _tower_doors(app, built)[:residents]
    with app.app_context():
        people = db.session.scalars(select(Resident).where(Resident.household_id.in_(doors))).all()
        db.session.add_all([CareTag(resident_id=person.id, tag="elderly_alone") for person in people])
        lead = user_id(built.users["lead"])
        for n, door in enumerate(doors[::3]):  # a third have been seen, at times n minutes apart
            add_visit(door, lead, "verified", utcnow() - timedelta(days=1) + timedelta(minutes=n))
        db.session.commit()
    return built


def test_the_care_list_shows_every_resident_a_page_at_a_time(app, client, login_as, make_world):
    built = _care_world(app, make_world, residents=120)
    login_as(built.users["secretary"])

    first = client.get("/care").get_data(as_text=True)
    assert len(_names(first)) == 50
    assert '<span class="count">120</span>' in first  # the header counts them all, not the page
    assert _more_link(first) == "/care?page=2" and MORE in first

    # htmx: each "show more" brings only the next slice, and the last slice has no more row.
    second = client.get("/care?page=2", headers=HTMX).get_data(as_text=True)
    third = client.get(_more_link(second), headers=HTMX).get_data(as_text=True)
    assert "<html" not in second and (len(_names(second)), len(_names(third))) == (50, 20)
    assert _more_link(third) is None and MORE not in third
    shown = _names(first) + _names(second) + _names(third)
    assert len(set(shown)) == 120

    # Without JavaScript the link shows the list again up to that page, in the same order.
    assert _names(client.get("/care?page=3").get_data(as_text=True)) == shown
    # Nobody contacted comes first; then the longest without contact.
    with app.app_context():
        seen = {f"住户{door}" for door in _tower_doors(app, built)[:120:3]}
    assert not set(shown[:80]) & seen and set(shown[80:]) == seen


def test_a_page_number_typed_by_hand_is_read_safely(app, client, login_as, make_world):
    built = _care_world(app, make_world, residents=60)
    login_as(built.users["secretary"])
    first = _names(client.get("/care").get_data(as_text=True))
    for bad in ("abc", "0", "-1", "2.5"):  # out of range: a 400 (DESIGN.md), never a 500
        assert client.get(f"/care?page={bad}").status_code == 400
    response = client.get("/care?page=")
    assert response.status_code == 200 and _names(response.get_data(as_text=True)) == first
    # Past the end: the whole list, and no more row.
    html = client.get("/care?page=99999").get_data(as_text=True)
    assert len(_names(html)) == 60 and _more_link(html) is None
    assert _names(client.get("/care?page=99999", headers=HTMX).get_data(as_text=True)) == []


def test_the_revisit_list_pages_oldest_first(app, client, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import utcnow

    built = make_world(tower_floors=30)
    doors = _tower_doors(app, built)[:65]
    with app.app_context():
        lead = user_id(built.users["lead"])
        start = utcnow() - timedelta(hours=5)
        for n, door in enumerate(reversed(doors)):  # the last door was knocked first
            add_visit(door, lead, "not_home", start + timedelta(minutes=n), campaign_id=built.campaign_id)
        db.session.commit()
    login_as(built.users["lead"])  # the tower's lead sees its doors

    def door_ids(html):
        return [int(token) for token in re.findall(r'88号大厦(\d+)', html)]

    first = client.get("/revisits").get_data(as_text=True)
    assert '<span class="count">50+</span>' in first and _more_link(first) == "/revisits?page=2"
    rest = client.get("/revisits?page=2", headers=HTMX).get_data(as_text=True)
    assert _more_link(rest) is None
    rooms = door_ids(first) + door_ids(rest)
    assert len(rooms) == 65 == len(set(rooms))
    everything = client.get("/revisits?page=2").get_data(as_text=True)
    assert door_ids(everything) == rooms and '<span class="count">65</span>' in everything
    # Oldest first: the first door of the tower's walk (top floor) was knocked last.
    assert rooms[-1] == 3001 and rooms[0] != 3001


def test_the_audit_log_pages_newest_first(app, client, login_as, make_world):
    from webapp.extensions import db
    from webapp.models import AuditLog, utcnow

    built = make_world()
    with app.app_context():
        secretary = user_id(built.users["secretary"])
        now = utcnow()
        db.session.add_all([AuditLog(user_id=secretary, action="registry_export", object_type="community",
                                     object_id=str(built.community_id), address=f"第{n}次", at=now - timedelta(minutes=n))
                            for n in range(1, 71)])
        db.session.commit()
    login_as(built.users["secretary"])

    def rounds(html):
        return [int(n) for n in re.findall(r"· 第(\d+)次", html)]

    first = client.get("/audit").get_data(as_text=True)
    assert rounds(first) == list(range(1, 51)) and _more_link(first) == "/audit?page=2"
    rest = client.get("/audit?page=2", headers=HTMX).get_data(as_text=True)
    assert rounds(rest) == list(range(51, 71)) and _more_link(rest) is None


def test_the_audit_log_names_roles_and_says_what_numbers_count(app, client, login_as, make_world):
    import json

    from webapp.extensions import db
    from webapp.models import AuditLog

    built = make_world()
    with app.app_context():
        db.session.add(AuditLog(user_id=user_id(built.users["secretary"]), action="invite_created",
                                object_type="invite", object_id="1",
                                detail=json.dumps({"title": "周六扫楼", "role": "volunteer", "max_joins": 20})))
        db.session.commit()
    login_as(built.users["secretary"])
    html = client.get("/audit").get_data(as_text=True)
    assert "周六扫楼 · 网格员／志愿者 · 最多 20 人" in html and "volunteer" not in html.split("<main")[1]
