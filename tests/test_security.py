"""Cross-cutting guards: CSRF, cookies, htmx behaviour, error pages, no 500s."""
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token_from


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, login_as):
    from webapp.extensions import db
    from webapp.models import User

    login_as("secretary")
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "secretary")) is None


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_csrf_token_is_accepted_from_the_htmx_header(client, login_as):
    login_as("secretary")
    token = csrf_token_from(client, "/")
    response = client.post("/language", data={"lang": "en"}, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"


def test_htmx_post_from_an_expired_session_is_sent_to_login(app, client, login_as):
    login_as("volunteer")
    token = csrf_token_from(client, "/")
    client.delete_cookie("session")
    response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_an_expired_session_on_an_htmx_form_says_so_and_returns_to_the_page(client, login_as):
    """The secretary signs the summary after her login ended: the login page says why it is back, and after
    logging in she is on the summary again (not the home page), where she can see the sign-off is not done."""
    login_as("secretary")
    token = csrf_token_from(client, "/summary")
    client.delete_cookie("session")
    response = client.post("/summary?community=1", data={"comment": "今日正常"},
                           headers={"X-CSRFToken": token, "HX-Request": "true",
                                    "HX-Current-URL": "http://localhost/summary?community=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/summary?community%3D1"
    page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "登录已失效" in page and 'value="/summary?community=1"' in page
    # Another site's address is never where the login goes on to.
    client.delete_cookie("session")
    response = client.post("/summary", headers={"X-CSRFToken": token, "HX-Request": "true",
                                                "HX-Current-URL": "https://evil.example/summary"})
    assert response.headers["HX-Redirect"] == "/login"


def test_htmx_get_from_an_expired_session_gets_hx_redirect_not_302(client, world):
    response = client.get(f"/h/{world.volunteer_household}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=/h/")


def test_plain_post_from_an_expired_session_gets_a_clear_page(client, login_as):
    login_as("volunteer")
    token = csrf_token_from(client, "/")
    client.delete_cookie("session")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_every_response_varies_on_hx_request(client):
    for path in ("/login", "/", "/nowhere"):
        assert "HX-Request" in client.get(path).headers.get("Vary", "")


def test_session_cookie_is_httponly_and_lax(client, auth):
    response = auth.login("volunteer")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    token = csrf_token_from(client, "/login")
    response = client.post("/login", base_url="https://localhost",
                           data={"username": "volunteer", "password": PASSWORD, "csrf_token": token})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_unknown_url_is_a_friendly_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "找不到页面" in html and "返回我的首页" in html


def test_error_fragment_for_htmx(client):
    response = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.get_data(as_text=True)


def test_wrong_method_is_405_not_500(client):
    assert client.get("/language").status_code == 405 and client.delete("/login").status_code == 405


def test_server_error_page_is_friendly(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "服务器出了问题" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/buildings/abc", "/grids/-1", "/h/%00", "/communities/99999999999999999999",
                                  "/login?next=%ff", "/?lang=%00"])
def test_odd_urls_never_500(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code in (200, 302, 400, 404)


def test_static_files_are_cacheable_and_versioned(client):
    html = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in html
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "max-age=31536000" in response.headers["Cache-Control"]


def test_login_page_weight_is_within_budget(client):
    """First page ≤ 45 KB compressed all in: HTML + CSS + JS (no fonts, no CDN)."""
    import gzip
    import re

    html = client.get("/login").get_data()
    total = len(gzip.compress(html, 9))
    for asset in re.findall(rb'(?:href|src)="(/static/[^"?]+)', html):
        total += len(gzip.compress(client.get(asset.decode()).get_data(), 9))
    assert total <= 45 * 1024, total
    assert b"http://" not in html and b"https://" not in html  # nothing from a CDN


def test_failed_logins_write_nothing_but_attempts(app, auth):
    from webapp.extensions import db
    from webapp.models import AuditLog

    auth.login("admin", password="bad")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_nul_bytes_in_a_form_are_a_bad_request(client):
    token = csrf_token_from(client)
    response = client.post("/login", data={"username": "ad\x00min", "password": "x", "csrf_token": token})
    assert response.status_code == 400


def test_forms_never_print_python_none(client, login_as, world):
    login_as("volunteer")
    for path in ("/login", f"/h/{world.volunteer_household}", "/find", "/inbox", "/s/ABCD2345", "/campaigns"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert '"None"' not in html and ">None<" not in html, path
