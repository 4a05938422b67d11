"""Login throttling: growing delays per (user name, address), a looser ceiling per address, no lockout."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token_from


def _try(app, username, password, address):
    client = app.test_client()
    token = csrf_token_from(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _age_attempts(app, seconds):
    """Move every recorded attempt back in time, as if `seconds` had passed."""
    from webapp.extensions import db
    from webapp.models import LoginAttempt

    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(seconds=seconds)
        db.session.commit()


def _wait(app, username, address):
    from webapp.auth.services import seconds_until_unlocked

    with app.app_context():
        return seconds_until_unlocked(username, address)


def test_failures_from_many_addresses_never_lock_out_a_new_address(app):
    for number in range(1, 6):
        assert _try(app, "volunteer", "wrong", f"10.0.0.{number}").status_code == 422
    assert _try(app, "volunteer", PASSWORD, "10.0.9.9").status_code == 303


def test_made_up_names_from_one_address_do_not_lock_out_admin(app):
    for number in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        _try(app, f"made-up-{number}", "wrong", "10.0.0.7")
    assert _try(app, "admin", PASSWORD, "10.0.0.7").status_code == 303


def test_delays_grow_and_then_pass(app):
    limit, address = app.config["LOGIN_MAX_FAILURES"], "10.1.1.1"
    for _ in range(limit):
        assert _try(app, "volunteer", "wrong", address).status_code == 422
    blocked = _try(app, "volunteer", PASSWORD, address)  # even the right password waits now
    assert blocked.status_code == 429 and "失败次数过多" in blocked.get_data(as_text=True)
    assert 25 <= int(blocked.headers["Retry-After"]) <= 30
    assert _wait(app, "volunteer", "10.1.1.2") == 0  # the same name from elsewhere is not held
    _age_attempts(app, 31)
    assert _try(app, "volunteer", "wrong", address).status_code == 422  # one more failure …
    assert 55 <= _wait(app, "volunteer", address) <= 60  # … doubles the wait
    _age_attempts(app, 61)
    assert _try(app, "volunteer", "wrong", address).status_code == 422
    assert 115 <= _wait(app, "volunteer", address) <= 120
    _age_attempts(app, 121)
    assert _try(app, "volunteer", PASSWORD, address).status_code == 303
    assert _wait(app, "volunteer", address) == 0  # a good login forgives this pair's failures


def test_delays_have_a_ceiling(app):
    from webapp.extensions import db
    from webapp.models import LoginAttempt

    with app.app_context():
        db.session.add_all(LoginAttempt(username="volunteer", address="10.2.2.2", succeeded=False)
                           for _ in range(60))
        db.session.commit()
    assert _wait(app, "volunteer", "10.2.2.2") == app.config["LOGIN_MAX_DELAY_SECONDS"]


def test_address_ceiling_slows_spraying(app):
    ceiling, address = app.config["LOGIN_ADDRESS_MAX_FAILURES"], "10.3.3.3"
    for number in range(ceiling):
        _try(app, f"guess{number}", "wrong", address)
    assert _try(app, "secretary", PASSWORD, address).status_code == 429
    assert _try(app, "secretary", PASSWORD, "10.3.3.4").status_code == 303


@pytest.mark.parametrize("address, key", [("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
                                          ("::ffff:10.0.0.1", "10.0.0.1"), ("10.0.0.1", "10.0.0.1"),
                                          ("not-an-address", "not-an-address")])
def test_ipv6_addresses_count_by_their_64_network(address, key):
    from webapp.auth.services import address_key

    assert address_key(address) == key


def test_ipv6_neighbours_share_a_ceiling(app):
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        _try(app, "volunteer", "wrong", f"2001:db8::{number + 1}")
    assert _try(app, "volunteer", PASSWORD, "2001:db8::99").status_code == 429


def test_trust_proxy_takes_the_address_from_x_forwarded_for(app):
    from tests.conftest import make_app

    proxied = make_app(app.config["SQLALCHEMY_DATABASE_URI"], TRUST_PROXY=True)
    for _ in range(proxied.config["LOGIN_MAX_FAILURES"]):
        client = proxied.test_client()
        token = csrf_token_from(client)
        client.post("/login", data={"username": "volunteer", "password": "wrong", "csrf_token": token},
                    headers={"X-Forwarded-For": "203.0.113.5"})
    assert _wait(proxied, "volunteer", "203.0.113.5") > 0
    assert _wait(proxied, "volunteer", "127.0.0.1") == 0
    # Without TRUST_PROXY the header is ignored: the failures count against the real address.
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client = app.test_client()
        token = csrf_token_from(client)
        client.post("/login", data={"username": "lead", "password": "wrong", "csrf_token": token},
                    headers={"X-Forwarded-For": "203.0.113.9"})
    assert _wait(app, "lead", "203.0.113.9") == 0 and _wait(app, "lead", "127.0.0.1") > 0
