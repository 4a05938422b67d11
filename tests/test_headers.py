"""Security headers: CSP without inline script or style, nosniff, referrer, framing, no-store, cacheable static."""
import re

import pytest

INLINE = [re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), re.compile(r"\son[a-z]+\s*=", re.I),
          re.compile(r"\sstyle\s*=", re.I), re.compile(r"<style", re.I), re.compile(r"javascript:", re.I),
          re.compile(r"\shx-on", re.I)]


def _pages(world):
    return ["/", "/login", "/dashboard", "/campaigns", "/slips", "/slips/print", "/summary", "/summary/street",
            "/patrols", "/patrols/log", "/patrols/setup", "/cases", "/inbox", "/find", "/revisits", "/scan",
            f"/h/{world.volunteer_household}", f"/buildings/{world.volunteer_building}",
            f"/buildings/{world.volunteer_building}/walk", f"/buildings/{world.volunteer_building}/stickers",
            f"/grids/{world.volunteer_grid}", "/s/ABCD2345"]


def test_every_response_has_the_security_headers(client, login_as, world):
    login_as("secretary")
    for path in ("/", "/login", "/nowhere", "/static/css/app.css", "/summary.csv"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
    for path in ("/", "/nowhere", "/summary", f"/h/{world.volunteer_household}"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY", path
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
        assert "style-src 'self'" in csp and "default-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # A fragment lives under its page's policy: no need to send it again with every knock.
    fragment = client.get(f"/h/{world.volunteer_household}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "Content-Security-Policy" not in fragment.headers


@pytest.mark.parametrize("role", ["admin", "secretary", "volunteer"])
def test_pages_hold_no_inline_script_handler_or_style(client, login_as, world, role):
    login_as(role)
    checked = 0
    for path in _pages(world):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked += 1
        html = response.get_data(as_text=True)
        for pattern in INLINE:
            found = pattern.search(html)
            assert found is None, (path, found and html[max(0, found.start() - 80):found.end() + 80])
    assert checked >= 10


def test_static_js_uses_no_eval_or_inline_handlers():
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[1] / "static" / "js").glob("*.js"):
        text = path.read_text()
        assert "eval(" not in text and "new Function" not in text and "setAttribute(\"on" not in text, path


def test_htmx_is_configured_for_the_csp(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<meta name="htmx-config" content=\'\{[^\']*"includeIndicatorStyles": false', html)
    assert '"allowEval": false' in html


def test_pages_with_personal_data_are_not_stored(client, login_as, world):
    login_as("volunteer")
    for path in ("/", f"/h/{world.volunteer_household}", f"/buildings/{world.volunteer_building}/walk"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path
    fragment = client.get(f"/h/{world.volunteer_household}", headers={"HX-Request": "true"})
    assert fragment.headers["Cache-Control"] == "no-store"


def test_exports_are_not_stored(client, login_as):
    login_as("secretary")
    for path in ("/summary.csv", "/summary.xlsx", "/patrols/log.csv"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_static_files_are_shared_cacheable_even_when_logged_in(client, login_as):
    login_as("volunteer")
    for path in ("/static/css/app.css", "/static/js/app.js", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Cookie" not in response.headers.get("Vary", ""), path
        assert "HX-Request" not in response.headers.get("Vary", ""), path
        assert "Set-Cookie" not in response.headers
        assert "max-age=31536000" in response.headers["Cache-Control"] and "no-store" not in response.headers[
            "Cache-Control"]
    # Pages still vary on the cookie: they differ per user.
    assert "Cookie" in client.get("/").headers.get("Vary", "")
