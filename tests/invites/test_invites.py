"""Invites: creating one, joining within a minute, windows that open and close, ending access."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.invites.helpers import JOIN_PASSWORD, join, join_fields, make_invite, shift_window


def _scalar(app, statement):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(statement)


def test_secretary_creates_an_invite_and_prints_its_poster(app, client, login_as, world):
    from webapp.models import Invite, InvitePlace

    login_as("secretary")
    page = client.get("/invites").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', page))
    day = re.search(r'name="day"[^>]*value="([^"]+)"', page).group(1)
    data = {**fields, "title": "自来水公司支援", "role": "volunteer", "grids": [str(world.volunteer_grid)],
            "day": day, "starts": "00:00", "ends": "23:59", "max_joins": "116"}
    response = client.post("/invites", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    again = client.post("/invites", data=data)  # the same request id: still one invite
    assert again.headers["Location"] == response.headers["Location"]
    assert _scalar(app, select(func.count(Invite.id))) == 1
    invite = _scalar(app, select(Invite))
    assert len(invite.token) >= 16 and re.fullmatch(r"[A-Za-z0-9_-]+", invite.token)
    assert _scalar(app, select(InvitePlace.grid_id)) == world.volunteer_grid
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/join/{invite.token}" in detail and invite.code in detail
    poster = client.get(f"/invites/{invite.id}/poster").get_data(as_text=True)
    assert "<svg" in poster and invite.code in poster


def test_invite_form_messages_sit_beside_fields(app, client, login_as, world):
    login_as("secretary")
    page = client.get("/invites").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', page))
    response = client.post("/invites", data={**fields, "title": "", "role": "lead", "grids": [str(world.volunteer_grid)],
                                             "day": "2020-01-01", "starts": "20:00", "ends": "14:00",
                                             "max_joins": "100000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "楼长只能邀请到楼栋" in html and "结束时间必须晚于开始时间" in html and "1 到 500" in html
    # A grid of another community is not a choice.
    response = client.post("/invites", data={**fields, "title": "x", "role": "volunteer",
                                             "grids": [str(world.second_grid)], "day": "2020-01-01",
                                             "starts": "10:00", "ends": "11:00", "max_joins": "3"})
    assert response.status_code == 422 and "请从列表中选择" in response.get_data(as_text=True)


def test_join_lands_logged_in_on_home_with_the_doors(app, client, world):
    from webapp.models import RoleAssignment, User

    _, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    response = join(client, token, "zhang.wei")
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    home = client.get("/").get_data(as_text=True)
    assert "李志强" in home and f"/buildings/{world.volunteer_building}" in home
    assert f"/buildings/{world.other_building}" not in home
    assert "您的使用权限至" in home
    user = _scalar(app, select(User).where(User.username == "zhang.wei"))
    assignment = _scalar(app, select(RoleAssignment).where(RoleAssignment.user_id == user.id))
    assert assignment.grid_id == world.volunteer_grid and assignment.valid_until is not None
    # Their scope is the invite's grid: another grid's door is a 404.
    assert client.get(f"/h/{world.volunteer_household}").status_code == 200
    assert client.get(f"/h/{world.other_household}").status_code == 404


def test_join_checks_fields_and_taken_names(app, client, world):
    _, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    response = join(client, token, "a b", name="", phone="abc", password="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写您的姓名" in html and "请输入数字电话号码" in html and "密码至少需要 8 个字符" in html
    response = join(client, token, "volunteer")  # a demo user's name
    assert response.status_code == 422 and "用户名已被占用" in response.get_data(as_text=True)
    # A taken name is said together with the other mistakes, not after they are mended.
    html = join(client, token, "Volunteer", name="", phone="abc").get_data(as_text=True)
    assert "用户名已被占用" in html and "请填写您的姓名" in html and "请输入数字电话号码" in html


def test_the_same_join_sent_twice_makes_one_person(app, client, world):
    from webapp.models import InviteJoin

    _, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    fields = join_fields(client, token)
    assert join(client, token, "wang.fang", fields=fields).status_code == 303
    assert join(client, token, "wang.fang", fields=fields).status_code == 303
    assert _scalar(app, select(func.count(InviteJoin.id))) == 1


def test_window_edges(app, world):
    """Open from the first instant of the window up to, not including, its last."""
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import Invite, utcnow

    invite_id, _ = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], starts=1, ends=2)
    with app.app_context():
        invite = db.session.get(Invite, invite_id)
        start, end = invite.valid_from, invite.valid_until
        assert invite.state(start - timedelta(microseconds=1)) == "not_yet"
        assert invite.state(start) == "open"
        assert invite.state(end - timedelta(microseconds=1)) == "open"
        assert invite.state(end) == "expired"
        invite.ended_at = utcnow()
        assert invite.state(start) == "ended"


def test_closed_invites_say_so_and_an_unknown_token_looks_expired(app, client, world):
    _, later = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], starts=1, ends=2, title="晚班")
    page = client.get(f"/join/{later}")
    assert page.status_code == 200 and "尚未开放" in page.get_data(as_text=True)
    _, past = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], starts=-3, ends=-1,
                          title="早班")
    expired = client.get(f"/join/{past}")
    unknown = client.get("/join/AAAAAAAAAAAAAAAAAAAAAA")
    assert expired.status_code == unknown.status_code == 410
    assert "已过期" in expired.get_data(as_text=True)
    strip = lambda html: re.sub(r'content="[^"]+"|value="[^"]+"|data-[a-z-]+="[^"]*"', "", html)  # noqa: E731
    assert strip(expired.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    _, small = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], max_joins=1, title="小队")
    assert join(client, small, "first.one").status_code == 303
    other = app.test_client()
    full = other.get(f"/join/{small}")
    assert full.status_code == 410 and "名额已满" in full.get_data(as_text=True)


def test_access_ends_at_the_window_end_even_in_an_open_session(app, client, auth, world):
    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    assert join(client, token, "zhao.lei").status_code == 303
    assert client.get(f"/h/{world.volunteer_household}").status_code == 200
    shift_window(app, invite_id, starts=-6, ends=-0.001)  # the window closed a few seconds ago
    response = client.get(f"/h/{world.volunteer_household}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login = client.get(response.headers["Location"]).get_data(as_text=True)
    assert login.count("使用权限已到期") == 1  # said once
    again = auth.login("zhao.lei", JOIN_PASSWORD)
    assert again.status_code == 403 and "使用权限已到期" in again.get_data(as_text=True)
    # An htmx request is sent to the login page too.
    hx = client.get(f"/h/{world.volunteer_household}", headers={"HX-Request": "true"})
    assert hx.status_code == 401 and "/login" in hx.headers["HX-Redirect"]


def test_secretary_ends_one_person_and_their_open_session(app, client, login_as, world):
    from webapp.models import InviteJoin

    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    helper = app.test_client()
    assert join(helper, token, "sun.li").status_code == 303
    assert join(app.test_client(), token, "zhou.min").status_code == 303
    person = _scalar(app, select(InviteJoin).join(InviteJoin.user).where(InviteJoin.user.has(username="sun.li")))
    login_as("secretary")
    token_ = csrf_token_from(client, f"/invites/{invite_id}")
    response = client.post(f"/invites/{invite_id}/people/{person.id}/end",
                           data={"csrf_token": token_, "request_id": "end-sun-li-0001", "confirmed": "1"})
    assert response.status_code == 303
    ended = helper.get("/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    # The login page says why: their access has ended (not "your session ended, log in again").
    told = helper.get(ended.headers["Location"]).get_data(as_text=True)
    assert "使用权限已到期" in told and "会话已结束" not in told
    detail = client.get(f"/invites/{invite_id}").get_data(as_text=True)
    assert "sun.li" in detail and "zhou.min" in detail and "权限已结束" in detail


def test_ending_the_invite_ends_everyone_and_closes_it(app, client, login_as, world):
    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    helpers = [app.test_client() for _ in range(3)]
    for n, helper in enumerate(helpers):
        assert join(helper, token, f"helper{n}").status_code == 303
    login_as("secretary")
    csrf = csrf_token_from(client, f"/invites/{invite_id}")
    assert client.post(f"/invites/{invite_id}/end", data={"csrf_token": csrf, "request_id": "end-invite-0001",
                                                          "confirmed": "1"}).status_code == 303
    for helper in helpers:
        assert helper.get(f"/h/{world.volunteer_household}").status_code == 302
    closed = app.test_client().get(f"/join/{token}")
    assert closed.status_code == 410 and "已被结束" in closed.get_data(as_text=True)


def test_a_kept_volunteer_outlives_the_window(app, client, login_as, world):
    from webapp.models import InviteJoin

    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    helper = app.test_client()
    assert join(helper, token, "qian.jun").status_code == 303
    person_id = _scalar(app, select(InviteJoin.id))
    login_as("secretary")
    csrf = csrf_token_from(client, f"/invites/{invite_id}")
    assert client.post(f"/invites/{invite_id}/people/{person_id}/keep",
                       data={"csrf_token": csrf, "request_id": "keep-qian-0001"}).status_code == 303
    shift_window(app, invite_id, starts=-6, ends=-1)
    assert helper.get(f"/h/{world.volunteer_household}").status_code == 200


def test_secretary_sees_what_each_person_did(app, client, login_as, world):
    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    helper = app.test_client()
    assert join(helper, token, "wu.gang").status_code == 303
    card = helper.get(f"/h/{world.volunteer_household}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', card))
    knock = helper.post(f"/h/{world.volunteer_household}", data={**fields, "outcome": "verified", "channel": "door"})
    assert knock.status_code == 200 and "已记录" in knock.get_data(as_text=True)
    login_as("secretary")
    detail = client.get(f"/invites/{invite_id}").get_data(as_text=True)
    assert re.search(r"wu\.gang.*?1 次敲门", detail, re.S)
    # In English the counts agree with their number: one knock, no slips.
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token_from(client, "/")})
    detail = client.get(f"/invites/{invite_id}").get_data(as_text=True)
    assert re.search(r"wu\.gang.*?1 knock · 0 note slips · 0 scans · 0 list checks", detail, re.S)


def test_invites_are_out_of_scope_for_others(app, client, login_as, world):
    invite_id, _ = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    login_as("volunteer")
    assert client.get("/invites").status_code == 404
    assert client.get(f"/invites/{invite_id}").status_code == 404
    assert client.get(f"/invites/{invite_id}/poster").status_code == 404


def test_lead_invite_gives_buildings(app, client, world):
    from webapp.models import RoleAssignment, User

    _, token = make_invite(app, world.first_community, role="lead", building_ids=[world.other_building])
    assert join(client, token, "lou.zhang").status_code == 303
    user = _scalar(app, select(User).where(User.username == "lou.zhang"))
    assignment = _scalar(app, select(RoleAssignment).where(RoleAssignment.user_id == user.id))
    assert assignment.role == "lead" and assignment.building_id == world.other_building
    assert client.get(f"/h/{world.other_household}").status_code == 200


def test_joining_is_rate_limited_per_address(app, client, world):
    app.config["JOIN_POST_LIMIT"] = (3, 900)
    _, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    fields = join_fields(client, token)
    statuses = [client.post(f"/join/{token}", data={**fields, "username": "x"}).status_code for _ in range(4)]
    assert statuses[:3] == [422, 422, 422] and statuses[3] == 429


def test_the_short_code_on_the_poster_leads_to_the_invite(app, client, world):
    from webapp.models import Invite

    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    code = _scalar(app, select(Invite.code).where(Invite.id == invite_id))
    csrf = csrf_token_from(client, "/join")
    typed = f"{code[:3].lower()}-{code[3:]}"  # typed in lower case with a dash
    response = client.post("/join", data={"csrf_token": csrf, "code": typed})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/join/{token}")
    wrong = client.post("/join", data={"csrf_token": csrf, "code": "ZZZZZZ"})
    assert wrong.status_code == 422 and "没有使用此邀请码的邀请" in wrong.get_data(as_text=True)


def test_the_list_of_invites_says_how_many_joined_each(app, login_as, world):
    """Two invites side by side: each counts its own people, not the other's."""
    busy, busy_token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], title="供电局", max_joins=5)
    make_invite(app, world.first_community, grid_ids=[world.volunteer_grid], title="邮政局", max_joins=7)
    for username in ("helper-a", "helper-b"):
        joiner = app.test_client()
        assert join(joiner, busy_token, username).status_code in (302, 303)
    html = login_as("secretary").get("/invites").get_data(as_text=True)
    assert "已加入 2 / 5 人" in html.split("供电局")[1].split("</li>")[0]
    assert "已加入 0 / 7 人" in html.split("邮政局")[1].split("</li>")[0]


def test_a_phone_typed_in_full_width_digits_joins(app, client, world):
    """A Chinese IME in full-width mode types １３９…: the number the helper sees is the number that counts."""
    from webapp.models import User

    _, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    response = join(client, token, "shuiwu.chen", phone="１３９ １２３４ ５６７９")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert _scalar(app, select(User.phone).where(User.username == "shuiwu.chen")) == "13912345679"


def test_after_the_window_closes_the_secretary_is_not_asked_to_end_what_has_ended(app, client, login_as, world):
    """Once an invite's time is up, its helpers' access has ended by itself: the invite's page says so, and
    offers neither 'end the invite now', nor 'end access' for each helper, nor its poster."""
    invite_id, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    assert join(app.test_client(), token, "qian.hui").status_code == 303
    login_as("secretary")
    page = client.get(f"/invites/{invite_id}").get_data(as_text=True)
    assert f"/invites/{invite_id}/end" in page and f"/invites/{invite_id}/poster" in page  # open: it can be ended
    shift_window(app, invite_id, starts=-6, ends=-1)
    page = client.get(f"/invites/{invite_id}").get_data(as_text=True)
    assert "qian.hui" in page and "权限已结束" in page
    assert f"/invites/{invite_id}/end" not in page and "/end\"" not in page, page[page.find("<main"):][:3000]
    assert f"/invites/{invite_id}/poster" not in page
    assert "时段已于" in page and "自动结束" in page


def test_a_chinese_user_name_is_told_plainly_what_a_user_name_may_hold(app, client, world):
    """Helpers type their name in Chinese as a user name: the message beside it says Chinese characters cannot
    be used, with an example in pinyin."""
    _, token = make_invite(app, world.first_community, grid_ids=[world.volunteer_grid])
    response = join(client, token, "刘干部")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不能用汉字" in page and "拼音" in page
