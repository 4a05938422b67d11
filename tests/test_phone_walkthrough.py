"""Defects found walking the app on a 360×640 phone in 简体中文: wording and markup (the sizes and the layout
are checked in a browser in tests/browser/test_walkthrough_phone.py)."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select

from tests.conftest import csrf_token_from


def _text(html: str) -> str:
    """What a reader sees: tags dropped (each tag as nothing, as the browser joins inline text), spaces squeezed."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", html))


def _back_link(html: str) -> tuple[str, str]:
    match = re.search(r'<header class="no-print sheet-head">\s*<a href="([^"]+)">‹ ([^<]+)</a>', html)
    assert match, "no back link at the top of the sheet"
    return match.group(1), match.group(2)


def test_a_printed_sheet_leads_back_where_it_was_opened(app, client, login_as, auth, world):
    from webapp.extensions import db
    from webapp.models import Building, Route

    login_as("secretary")
    href, label = _back_link(client.get("/slips/print").get_data(as_text=True))
    assert href == f"/slips?community={world.first_community}" and label == "留言条"
    href, label = _back_link(client.get(f"/buildings/{world.volunteer_building}/stickers").get_data(as_text=True))
    with app.app_context():
        building = db.session.get(Building, world.volunteer_building)
        route = db.session.scalar(select(Route).where(Route.community_id == world.first_community))
        assert href == f"/buildings/{building.id}" and label == building.name
        route_id = route.id
    sheet = client.get(f"/patrols/routes/{route_id}/stickers")
    if sheet.status_code == 200:
        assert _back_link(sheet.get_data(as_text=True))[0].startswith("/patrols/setup")
    auth.logout()
    # A volunteer printing the pad issued to her cannot open the community's slip page: she goes to her own slips.
    login_as("volunteer")
    href, label = _back_link(client.get("/slips/print").get_data(as_text=True))
    assert href == "/slips/mine" and label == "我的留言条"
    assert client.get(href).status_code == 200


def test_a_baby_on_the_care_list_is_under_one_not_zero(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import CareTag, Resident

    with app.app_context():
        babies = db.session.scalars(select(Resident).join(CareTag).where(CareTag.tag == "infant")).all()
        assert babies
        for baby in babies:
            baby.birth_date = date.today() - timedelta(days=100)
        names = [baby.name for baby in babies]
        db.session.commit()
    login_as("secretary")
    page = _text(client.get("/care").get_data(as_text=True))
    assert any(f"{name} · 不满 1 岁" in page for name in names)
    assert " 0 岁" not in page
    assert re.search(r" · \d+ 岁", page)  # everyone else keeps their age


def test_a_list_check_says_result_once(app, client, login_as, world):
    from tests.conftest import AuthActions
    from tests.lists.test_lists import _assign, _confirm_all, _list_id, _people, _upload
    from webapp.models import ListTask, User

    from webapp.extensions import db

    phoned, _ = _people(app, world)
    login_as("secretary")
    _upload(client, [["1", "某某", phoned["phone"], "", "老地址", "大数据", ""]])
    list_id = _list_id(app)
    _confirm_all(client, list_id)
    with app.app_context():
        volunteer = db.session.scalar(select(User.id).where(User.username == "volunteer"))
    _assign(client, list_id, method="phone", rows="open", mode="round_robin", people=[str(volunteer)], hours="1")
    with app.app_context():
        task_id = db.session.scalar(select(ListTask.id))
    helper = app.test_client()
    assert AuthActions(helper).login("volunteer").status_code == 303
    page = helper.get(f"/tasks/{task_id}").get_data(as_text=True)
    result = page[page.index('id="task-result"'):]
    assert "<h2>登记本次核查</h2>" in result
    assert result.count(">结果<") == 1  # the choices' label only


def test_separators_have_a_space_on_both_sides(app, client, login_as, world):
    login_as("secretary")
    building = _text(client.get(f"/buildings/{world.volunteer_building}").get_data(as_text=True))
    assert not re.search(r"[^\s·]· ", building), re.search(r".{12}[^\s·]· .{12}", building)
    found = client.get("/search", query_string={"q": "王"}).get_data(as_text=True)
    people = " ".join(re.findall(r'<span class="person-name">(.*?)</span>', found))
    assert " · " in people and not re.search(r"[^\s]· |·[^\s]", people)
    assert not re.search(r"[^\s·]· ", _text(found))


def test_a_residents_error_pages_speak_to_a_resident_and_lead_nowhere_staff(app, client):
    for path in ("/s/AB", "/s/ABCD-EFGH!", "/g/no-such-poster-code"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert "核对留言条或海报上印的号码" in html, path
        assert "不在您负责的范围内" not in html and "返回我的首页" not in html, path
        assert 'href="/"' not in html and 'href="/login' not in html, path  # not even the app's name leads there
    app.config["PUBLIC_GET_LIMIT"] = (2, 600)
    statuses = [client.get("/s/ABCD2345").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    html = client.get("/s/ABCD2345").get_data(as_text=True)
    assert "尝试次数太多" in html and "请等几分钟再试" in html and "返回我的首页" not in html
    # Staff pages keep their own words and the way home.
    staff = client.get("/no-such-page").get_data(as_text=True)
    assert "不在您负责的范围内" in staff and "返回我的首页" in staff and 'class="brand" href="/"' in staff


def _invite_on(app, community_id: int, day: date) -> int:
    from webapp.clock import utc_from_local
    from webapp.extensions import db
    from webapp.invites.services import create_invite
    from webapp.models import User

    with app.app_context():
        secretary = db.session.scalar(select(User).where(User.username == "secretary"))
        invite = create_invite(community_id, secretary.id, uuid.uuid4().hex, title="周末大扫除", role="volunteer",
                               grid_ids=[], building_ids=[], valid_from=utc_from_local(datetime.combine(day, datetime.min.time().replace(hour=8))),
                               valid_until=utc_from_local(datetime.combine(day, datetime.min.time().replace(hour=18))),
                               max_joins=5)
        db.session.commit()
        return invite.id


def test_an_invites_window_reads_the_same_way_at_both_ends(app, client, login_as, world):
    invite = _invite_on(app, world.first_community, date.today() + timedelta(days=3))
    login_as("secretary")
    pages = ("/invites", f"/invites/{invite}", f"/invites/{invite}/poster")
    for path in pages:
        assert re.search(r"\d{4}/\d{1,2}/\d{1,2} 08:00 – 18:00", _text(client.get(path).get_data(as_text=True))), path
    token = csrf_token_from(client, "/")
    assert client.post("/language", data={"lang": "en", "csrf_token": token}).status_code in (302, 303)
    for path in pages:
        text = _text(client.get(path).get_data(as_text=True)).replace("\u202f", " ")
        assert re.search(r"\d{1,2}/\d{1,2}/\d{2}, 8:00 AM – 6:00 PM", text), path
        assert "18:00" not in text, path


def test_a_non_integer_in_the_generator_gets_one_message(app, client, login_as, world):
    from tests.setup.helpers import post

    login_as("secretary")
    data = {"name": "幸福里7号楼", "grid": world.volunteer_grid, "kind": "walkup", "address_prefix": "幸福里7号",
            "entrances": 1, "floors": 5, "per_floor": "2.5"}
    response = post(client, "/setup/buildings/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填 1 至 30 的整数。" in html
    assert "不是有效的整数" not in html and "请填 1 至 30 的数字" not in html
    assert html.count('class="error"') == 1
    # A number out of range keeps its own message.
    out = post(client, "/setup/buildings/new", {**data, "per_floor": "31"}).get_data(as_text=True)
    assert "请填 1 至 30 的数字。" in out and "整数" not in out
