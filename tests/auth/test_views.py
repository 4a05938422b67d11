"""Logging in and out, throttling, expiry, and the language switch."""
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token_from


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "登录" in html and 'name="username"' in html and 'name="password"' in html


def test_login_then_home_then_logout(client, auth):
    response = auth.login("volunteer")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "李志愿" in client.get("/").get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_login_returns_to_the_page_asked_for(client, auth, world):
    asked = f"/h/{world.volunteer_household}"
    first = client.get(asked)
    assert first.status_code == 302 and "/login?next=" in first.headers["Location"]
    response = auth.login("volunteer", next=asked)
    assert response.headers["Location"] == asked


def test_login_never_redirects_off_site(auth):
    response = auth.login("volunteer", next="https://evil.example/")
    assert response.headers["Location"] == "/"
    response = auth.login("volunteer", next="//evil.example/x")
    assert response.headers["Location"] == "/"


def test_wrong_password_gets_a_message_and_no_session(client, auth):
    response = auth.login("volunteer", password="wrong")
    assert response.status_code == 422
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_fields_get_messages_beside_them(client):
    token = csrf_token_from(client)
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html
    assert 'aria-invalid="true"' in html


def test_login_is_throttled_per_user_with_a_clear_message(app, client, auth):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login("volunteer", password="nope").status_code == 422
    blocked = auth.login("volunteer")  # even the right password waits now
    assert blocked.status_code == 429
    assert "失败次数过多" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_guessing_from_one_address_slows_down_new_names_but_not_known_ones(app, client, auth):
    login_as_lead = auth.login("lead")  # lead has logged in from this address before
    assert login_as_lead.status_code == 303
    auth.logout()
    for number in range(app.config["LOGIN_ADDRESS_MAX_FAILURES"]):
        auth.login(f"nobody{number}", password="nope")
    assert auth.login("secretary").status_code == 429
    assert auth.login("lead").status_code == 303


def test_expired_assignment_gives_no_access(app, client, auth):
    from webapp.extensions import db
    from webapp.models import RoleAssignment, User, utcnow

    with app.app_context():
        for assignment in db.session.scalars(select(RoleAssignment).join(RoleAssignment.user).where(User.username == "volunteer")):
            assignment.valid_from = utcnow() - timedelta(days=2)
            assignment.valid_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = auth.login("volunteer")
    assert response.status_code == 403
    assert "权限已到期" in response.get_data(as_text=True)


def test_session_ends_when_the_assignment_expires(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import RoleAssignment, User, utcnow

    login_as("volunteer")
    assert client.get("/").status_code == 200
    with app.app_context():
        for assignment in db.session.scalars(select(RoleAssignment).join(RoleAssignment.user).where(User.username == "volunteer")):
            assignment.valid_from = utcnow() - timedelta(days=2)
            assignment.valid_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/").status_code == 302


def test_user_names_are_case_insensitive(client, auth):
    assert auth.login("Secretary").status_code == 303


def test_passwords_are_stored_hashed(app):
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.username == "admin"))
    assert PASSWORD not in stored and stored.startswith(("pbkdf2:", "scrypt:"))


def test_language_switch_persists_for_the_user(app, client, auth, login_as):
    login_as("secretary")
    token = csrf_token_from(client, "/")
    response = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Grids" in html
    # A new session on another phone keeps the choice.
    auth.logout()
    other = app.test_client()
    token = csrf_token_from(other)
    other.post("/login", data={"username": "secretary", "password": PASSWORD, "csrf_token": token})
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_unknown_language_is_a_bad_request(client, login_as):
    login_as("volunteer")
    token = csrf_token_from(client, "/")
    response = client.post("/language", data={"lang": "xx", "csrf_token": token})
    assert response.status_code == 400
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_switch_works_before_login(client):
    token = csrf_token_from(client)
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_successful_login_is_recorded(app, auth):
    from webapp.extensions import db
    from webapp.models import LoginAttempt

    auth.login("lead")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == "lead", LoginAttempt.succeeded.is_(True))) == 1


def test_the_language_switch_comes_back_to_the_page_but_never_to_a_post_only_address(client, login_as):
    import re
    import uuid

    login_as("admin")
    page = client.get("/setup/communities?x=1").get_data(as_text=True)
    assert 'name="next" value="/setup/communities?x=1"' in page
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    sent_back = client.post("/setup/streets", data={"csrf_token": token, "request_id": uuid.uuid4().hex, "name": ""})
    assert sent_back.status_code == 422
    nexts = set(re.findall(r'name="next" value="([^"]*)"', sent_back.get_data(as_text=True)))
    assert nexts == {""}  # /setup/streets answers only POST: switching language goes home instead of a 405
    switched = client.post("/language", data={"lang": "en", "next": "", "csrf_token": token})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/")
    assert client.get("/setup/streets").status_code == 405
