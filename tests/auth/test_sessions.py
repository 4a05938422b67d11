"""Revocable sessions: logout, end_all_sessions and expiry end every session of a user at once."""
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token_from, make_app


def _login(client, username="volunteer"):
    token = csrf_token_from(client)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return client


def _copy_session(source, target):
    target.set_cookie("session", source.get_cookie("session").value)
    return target


def test_a_cookie_copied_before_logout_no_longer_works(app, client, auth):
    _login(client)
    thief = _copy_session(client, app.test_client())
    assert thief.get("/").status_code == 200
    auth.logout()
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    token = csrf_token_from(thief)  # the stale cookie cannot knock either
    assert thief.post("/logout", data={"csrf_token": token}).status_code in (302, 400)


def test_logout_ends_the_sessions_on_other_phones(app):
    first, second = _login(app.test_client()), _login(app.test_client())
    token = csrf_token_from(first, "/")
    assert first.post("/logout", data={"csrf_token": token}).status_code == 303
    response = second.get("/", follow_redirects=True)
    assert "会话已结束" in response.get_data(as_text=True)
    _login(second)  # logging in again works
    assert second.get("/").status_code == 200


def test_end_all_sessions_works_across_processes(app, client):
    """A second app (its own engine, like another gunicorn worker or machine) ends the session."""
    from webapp.auth.sessions import end_all_sessions
    from webapp.extensions import db
    from webapp.models import User

    _login(client, "secretary")
    assert client.get("/").status_code == 200
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():
        user = db.session.scalar(select(User).where(User.username == "secretary"))
        before = user.session_version
        end_all_sessions(user)
        db.session.commit()
        assert user.session_version == before + 1
        db.engine.dispose()
    assert client.get("/").status_code == 302
    # Other users keep their sessions.
    volunteer = _login(app.test_client())
    assert volunteer.get("/").status_code == 200


def test_an_expired_volunteer_is_logged_out_and_told_why(app, client):
    from webapp.extensions import db
    from webapp.models import RoleAssignment, User, utcnow

    _login(client)
    assert client.get("/").status_code == 200
    with app.app_context():
        for assignment in db.session.scalars(select(RoleAssignment).join(RoleAssignment.user)
                                             .where(User.username == "volunteer")):
            assignment.valid_from = utcnow() - timedelta(days=2)
            assignment.valid_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "权限已到期" in html
    # The session is gone, not just refused: giving the access back does not revive it.
    with app.app_context():
        for assignment in db.session.scalars(select(RoleAssignment).join(RoleAssignment.user)
                                             .where(User.username == "volunteer")):
            assignment.valid_until = utcnow() + timedelta(days=1)
        db.session.commit()
    assert client.get("/").status_code == 302


def test_a_disabled_user_is_logged_out(app, client):
    from webapp.extensions import db
    from webapp.models import User

    _login(client, "lead")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "lead")).disabled = True
        db.session.commit()
    assert client.get("/").status_code == 302


def test_an_htmx_request_from_an_ended_session_goes_to_login(app, client, auth):
    _login(client)
    thief = _copy_session(client, app.test_client())
    auth.logout()
    response = thief.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_a_session_cookie_without_a_version_is_refused(app, client):
    """Cookies from before session versions (the bare user id) no longer log anyone in."""
    with client.session_transaction() as stored:
        stored["_user_id"] = "1"
        stored["_fresh"] = True
    assert client.get("/").status_code == 302
    with client.session_transaction() as stored:
        assert "_user_id" not in stored
