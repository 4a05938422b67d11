"""The resident's side of a note slip: who knocked, how to answer, nothing to probe."""
import uuid

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.doors.helpers import count
from tests.slips.helpers import not_home_with_slip, slip_codes


@pytest.fixture
def left_slip(app, client, login_as, auth, world):
    """A slip left at the volunteer's first door; the test continues logged out, as a resident."""
    code = slip_codes(app, world.first_community)[0]
    login_as("volunteer")
    not_home_with_slip(app, client, world.volunteer_household, code)
    auth.logout()
    return code


def _household_words(app, token):
    from webapp.extensions import db
    from webapp.models import Household, Resident

    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.sticker_token == token))
        names = db.session.scalars(select(Resident.name).where(Resident.household_id == household.id)).all()
        return household.address, household.room, names


def test_slip_page_says_who_knocked_and_nothing_about_the_household(app, client, left_slip, world):
    response = client.get(f"/s/{left_slip}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "长庚社区" in html and "020-8666 1234" in html
    address, room, names = _household_words(app, world.volunteer_household)
    assert address not in html and not any(name in html for name in names)
    assert "退出" not in html  # nobody is logged in


def test_unknown_code_looks_like_an_unanswered_real_one(app, client, left_slip):
    from webapp.slips import codes

    real = client.get(f"/s/{left_slip}")
    fake_code = codes.new_code()
    unknown = client.get(f"/s/{fake_code}")
    garbage = client.get("/s/NOT-A-CODE")
    assert real.status_code == unknown.status_code == garbage.status_code == 200
    lengths = [len(r.get_data()) for r in (real, unknown, garbage)]
    assert max(lengths) - min(lengths) < 100, lengths  # the same page, give or take a name
    for response in (unknown, garbage):
        assert 'name="kind"' in response.get_data(as_text=True)


def test_resident_answers_and_the_answer_reaches_volunteer_and_secretary(app, client, left_slip, login_as, auth):
    from webapp.models import SlipReply

    csrf = csrf_token_from(client, f"/s/{left_slip}")
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "kind": "call_me", "phone": "13800001111",
            "message": "晚上七点后在家"}
    response = client.post(f"/s/{left_slip}", data=data)
    assert response.status_code == 200 and "谢谢" in response.get_data(as_text=True)
    client.post(f"/s/{left_slip}", data=data)  # sent twice
    assert count(app, SlipReply) == 1
    assert "已收到您的回复" in client.get(f"/s/{left_slip}").get_data(as_text=True)
    for username in ("volunteer", "secretary"):
        login_as(username)
        inbox = client.get("/inbox").get_data(as_text=True)
        assert "13800001111" in inbox and "晚上七点后在家" in inbox, username
        auth.logout()
    login_as("volunteer2")
    assert "13800001111" not in client.get("/inbox").get_data(as_text=True)


def test_the_revisit_list_says_the_household_answered(app, client, left_slip, login_as, auth, world):
    """A door that answered its slip (asked to be called) is still on the revisit list: the row says so,
    and where to handle it, so nobody walks back there blind; once confirmed it leaves the list."""
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        address = db.session.scalar(select(Household.address).where(
            Household.sticker_token == world.volunteer_household))
    login_as("volunteer")
    before = client.get("/revisits").get_data(as_text=True)
    assert address in before and "住户已回复留言条" not in before
    auth.logout()
    csrf = csrf_token_from(client, f"/s/{left_slip}")
    client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "kind": "call_me",
                                         "phone": "13800001111"})
    login_as("volunteer")
    after = client.get("/revisits").get_data(as_text=True)
    row = after[after.index(address):]
    row = row[:row.index("</li>")]
    assert "住户已回复留言条（请回电），请到“待办回复”处理。" in row
    assert after.count("住户已回复留言条") == 1  # that door only


def test_the_card_says_the_household_answered_until_it_is_handled(app, client, left_slip, login_as, auth, world):
    """Scanning the door again, the volunteer sees that the household answered the slip (and where to
    handle it); once the answer is confirmed the card no longer says so."""
    card_url = f"/h/{world.volunteer_household}"
    csrf = csrf_token_from(client, f"/s/{left_slip}")
    client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "kind": "home_at",
                                         "home_slot": "weekday_evening"})
    login_as("volunteer")
    card = client.get(card_url).get_data(as_text=True)
    assert "住户已回复留言条（在家时间），请到“待办回复”处理。" in card and 'href="/inbox"' in card
    from webapp.extensions import db
    from webapp.models import SlipReply

    with app.app_context():
        reply_id = db.session.scalar(select(SlipReply.id))
    token = csrf_token_from(client, "/inbox")
    assert client.post(f"/inbox/replies/{reply_id}/confirm", data={
        "csrf_token": token, "request_id": uuid.uuid4().hex, "outcome": "verified"}).status_code == 303
    assert "住户已回复留言条" not in client.get(card_url).get_data(as_text=True)


def test_several_answers_to_one_slip_say_one_confirmation_handles_them_all(app, client, left_slip, login_as):
    """A resident who answered twice shows as two rows; each says that dealing with one deals with both."""
    for data in ({"kind": "call_me", "phone": "13800001111"}, {"kind": "message", "message": "周末也在家"}):
        csrf = csrf_token_from(client, f"/s/{left_slip}")
        client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, **data})
    login_as("secretary")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert inbox.count("这张留言条有 2 条回复待处理，处理其中任意一条即一并处理。") == 2


def test_answer_to_an_unknown_code_is_thanked_and_stores_nothing(app, client):
    from webapp.models import SlipReply
    from webapp.slips import codes

    code = codes.new_code()
    csrf = csrf_token_from(client, f"/s/{code}")
    response = client.post(f"/s/{code}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                               "kind": "message", "message": "你好"})
    assert response.status_code == 200 and "谢谢" in response.get_data(as_text=True)
    assert count(app, SlipReply) == 0


@pytest.mark.parametrize("data,message", [
    ({"kind": ""}, "请选择一项回复"),
    ({"kind": "bribe"}, "请选择一项回复"),
    ({"kind": "home_at"}, "请选择您在家的时间"),
    ({"kind": "call_me", "phone": "abc"}, "请输入数字电话号码"),
    # A mobile cut short, or one digit too many: nobody could call it back.
    ({"kind": "call_me", "phone": "139123"}, "请输入 11 位手机号"),
    ({"kind": "call_me", "phone": "139 1234 56789"}, "请输入 11 位手机号"),
    ({"kind": "call_me", "phone": "0755-123"}, "请输入 11 位手机号"),
    ({"kind": "message", "message": "长" * 501}, "请不要超过 500 个字"),
])
def test_bad_answers_get_messages_and_store_nothing(app, client, left_slip, data, message):
    from webapp.models import SlipReply

    csrf = csrf_token_from(client, f"/s/{left_slip}")
    response = client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, SlipReply) == 0


@pytest.mark.parametrize("phone", ["139 1234 5678", "１３９１２３４５６７８", "020-8000 0000", "0755 8888 1234",
                                   "87654321", "+86 139 1234 5678"])
def test_a_number_someone_can_dial_back_is_taken_as_typed(app, client, left_slip, phone):
    from webapp.models import SlipReply

    csrf = csrf_token_from(client, f"/s/{left_slip}")
    response = client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex,
                                                     "kind": "call_me", "phone": phone})
    assert response.status_code == 200
    assert count(app, SlipReply) == 1


def test_public_answer_needs_csrf(app, client, left_slip):
    from webapp.models import SlipReply

    response = client.post(f"/s/{left_slip}", data={"request_id": uuid.uuid4().hex, "kind": "message",
                                                    "message": "hi"})
    assert response.status_code == 400
    assert count(app, SlipReply) == 0


def test_slip_pages_are_rate_limited_with_a_friendly_page(app, client):
    from webapp.slips import codes

    allowed, _window = app.config["PUBLIC_GET_LIMIT"]
    for _ in range(allowed):
        assert client.get(f"/s/{codes.new_code()}").status_code == 200
    blocked = client.get(f"/s/{codes.new_code()}")
    assert blocked.status_code == 429
    assert "尝试次数太多" in blocked.get_data(as_text=True)  # a resident's words: too many tries, wait a few minutes


def test_confirming_an_answer_records_a_phone_visit_and_reaches_the_door(app, client, left_slip, login_as, world):
    from webapp.extensions import db
    from webapp.models import SlipReply, Visit

    csrf = csrf_token_from(client, f"/s/{left_slip}")
    client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "kind": "home_at",
                                         "home_slot": "weekday_evening"})
    login_as("volunteer")
    with app.app_context():
        reply_id = db.session.scalar(select(SlipReply.id))
    csrf = csrf_token_from(client, "/inbox")
    form = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "outcome": "verified", "note": "电话已核实"}
    assert client.post(f"/inbox/replies/{reply_id}/confirm", data=form).status_code == 303
    assert client.post(f"/inbox/replies/{reply_id}/confirm", data=form).status_code == 303  # replay
    with app.app_context():
        visits = db.session.scalars(select(Visit).where(Visit.channel == "phone")).all()
        assert len(visits) == 1 and visits[0].outcome == "verified"
        assert db.session.get(SlipReply, reply_id).handled_at is not None
    assert "没有待处理的回复" in client.get("/inbox").get_data(as_text=True)
    assert world.volunteer_household not in client.get("/revisits").get_data(as_text=True)


def test_slip_figures_for_the_campaign(app, client, left_slip, login_as):
    login_as("secretary")
    html = client.get("/slips").get_data(as_text=True)
    assert "<dt>已留条</dt><dd>1</dd>" in html and "<dt>已回复</dt><dd>0</dd>" in html
    assert "留条后仍无回音" in html
    assert html.split("留条后仍无回音")[1].count('class="row"') >= 1


def test_an_answer_to_a_slip_at_no_door_reaches_the_secretary_and_the_pad_holder(app, client, login_as, auth, world):
    """A slip stuck on a door but never typed in (or given back by an undone knock) is still answered: the
    answer must not vanish. The secretary and the volunteer holding the pad see it and can mark it dealt with;
    nobody else sees it."""
    from webapp.extensions import db
    from webapp.models import SlipReply

    code = slip_codes(app, world.first_community)[0]  # printed on the volunteer's pad, never left at a door
    csrf = csrf_token_from(client, f"/s/{code}")
    data = {"csrf_token": csrf, "request_id": uuid.uuid4().hex, "kind": "call_me", "phone": "13800002222"}
    assert client.post(f"/s/{code}", data=data).status_code == 200
    with app.app_context():
        reply_id = db.session.scalar(select(SlipReply.id))
    for username, sees in (("secretary", True), ("volunteer", True), ("volunteer2", False), ("lead", False)):
        login_as(username)
        inbox = client.get("/inbox").get_data(as_text=True)
        assert ("13800002222" in inbox and "未登记门户的留言条" in inbox) is sees, username
        if not sees:
            token = csrf_token_from(client, "/inbox")
            closed = client.post(f"/inbox/replies/{reply_id}/close",
                                 data={"csrf_token": token, "request_id": uuid.uuid4().hex})
            assert closed.status_code == 404, username
        auth.logout()
    login_as("secretary")
    token = csrf_token_from(client, "/inbox")
    # Confirming a visit needs a door: refused as for any answer out of reach.
    assert client.post(f"/inbox/replies/{reply_id}/confirm", data={
        "csrf_token": token, "request_id": uuid.uuid4().hex, "outcome": "verified"}).status_code == 404
    request_id = uuid.uuid4().hex
    closed = client.post(f"/inbox/replies/{reply_id}/close", data={"csrf_token": token, "request_id": request_id})
    assert closed.status_code == 303
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "这条回复已处理。" in inbox and "13800002222" not in inbox
    # Sent again (the same request id): nothing more to do, and nothing written twice.
    assert client.post(f"/inbox/replies/{reply_id}/close",
                       data={"csrf_token": token, "request_id": request_id}).status_code == 303
    assert count(app, SlipReply, SlipReply.handled_at.isnot(None)) == 1


def _shown_value(html, name):
    import re

    return re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', html).group(1) or ""


@pytest.mark.parametrize("path", ["slip", "report"])
def test_an_expired_page_keeps_what_the_resident_typed(app, client, left_slip, world, path):
    """WeChat's browser drops the session cookie when it is put away: the answer typed on the page comes back
    with "页面已过期…请再点一次“提交”" and a fresh token (not an error page that loses it), and the second
    tap stores it once."""
    from webapp.models import SelfReport, SlipReply

    if path == "slip":
        url, model = f"/s/{left_slip}", SlipReply
        data = {"kind": "call_me", "phone": "13800004444", "message": "晚上在家"}
    else:
        from tests.public.test_self_report import _grid_token

        url, model = f"/g/{_grid_token(app, world.volunteer_grid)}", SelfReport
        data = {"name": "刘新来", "phone": "13800004444", "address_text": "长庚里2号1单元101",
                "category": "nonlocal_temporary", "note": "晚上在家"}
    stale = csrf_token_from(client, url)
    client.delete_cookie("session")  # the cookie is gone; the page with its token is still on screen
    response = client.post(url, data={"csrf_token": stale, "request_id": uuid.uuid4().hex, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期，您填写的内容还在，请再点一次“提交”。" in html
    assert "13800004444" in html and "晚上在家" in html and count(app, model) == 0
    again = client.post(url, data={"csrf_token": _shown_value(html, "csrf_token"),
                                   "request_id": _shown_value(html, "request_id"), **data})
    assert again.status_code == 200 and "谢谢" in again.get_data(as_text=True)
    assert count(app, model) == 1


@pytest.mark.parametrize("path", ["slip", "report"])
def test_a_damaged_request_id_says_so_and_the_next_tap_works(app, client, left_slip, world, path):
    from webapp.models import SelfReport, SlipReply

    if path == "slip":
        url, model, data = f"/s/{left_slip}", SlipReply, {"kind": "moved"}
    else:
        from tests.public.test_self_report import _grid_token

        url, model = f"/g/{_grid_token(app, world.volunteer_grid)}", SelfReport
        data = {"name": "刘新来", "phone": "13800004444", "address_text": "长庚里2号1单元101",
                "category": "nonlocal_temporary"}
    csrf = csrf_token_from(client, url)
    response = client.post(url, data={"csrf_token": csrf, "request_id": "not an id!", **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请再点一次“提交”" in html and count(app, model) == 0
    fresh = _shown_value(html, "request_id")
    assert fresh != "not an id!"
    assert client.post(url, data={"csrf_token": csrf, "request_id": fresh, **data}).status_code == 200
    assert count(app, model) == 1


def _inbox_badge(client) -> str | None:
    """The count on the home page's Inbox button, or None when it shows none."""
    import re

    home = client.get("/").get_data(as_text=True)
    button = re.search(r'<a class="button" href="/inbox">(.*?)</a>', home)
    assert button, "the home page offers the inbox"
    badge = re.search(r'<span class="badge">(\d+)</span>', button.group(1))
    return badge.group(1) if badge else None


def test_the_home_page_counts_what_waits_in_the_inbox_until_it_is_handled(app, client, left_slip, login_as, auth):
    from webapp.extensions import db
    from webapp.models import SlipReply

    for username in ("volunteer", "secretary"):
        login_as(username)
        assert _inbox_badge(client) is None, username
        auth.logout()
    csrf = csrf_token_from(client, f"/s/{left_slip}")
    client.post(f"/s/{left_slip}", data={"csrf_token": csrf, "request_id": uuid.uuid4().hex, "kind": "call_me",
                                         "phone": "13800001111"})
    for username in ("volunteer", "secretary"):
        login_as(username)
        assert _inbox_badge(client) == "1", username
        auth.logout()
    login_as("volunteer2")  # another grid's volunteer: not theirs to call back
    assert _inbox_badge(client) is None
    auth.logout()
    login_as("volunteer")
    with app.app_context():
        reply_id = db.session.scalar(select(SlipReply.id))
    form = {"csrf_token": csrf_token_from(client, "/inbox"), "request_id": uuid.uuid4().hex, "outcome": "verified",
            "note": "电话已核实"}
    assert client.post(f"/inbox/replies/{reply_id}/confirm", data=form).status_code == 303
    assert _inbox_badge(client) is None
