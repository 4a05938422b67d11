"""The Content-Security-Policy in a real browser: nothing is refused, and htmx still swaps knocks."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _watch(page):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_pages_and_a_knock_run_under_the_csp(live_server, phone):
    from webapp.extensions import db
    from webapp.models import Household, RoleAssignment, User

    with live_server.app.app_context():
        grid = db.session.scalar(select(RoleAssignment.grid_id).join(RoleAssignment.user)
                                 .where(User.username == "volunteer"))
        token = db.session.scalar(select(Household.sticker_token).where(Household.grid_id == grid)
                                  .order_by(Household.id))
    refused = _watch(phone)
    response = phone.goto(f"{live_server.url}/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.goto(f"{live_server.url}/h/{token}")
    phone.click("button[name=outcome][value=not_home]")
    phone.wait_for_selector("#knock.done")  # htmx swapped the fragment under the policy
    assert "无人在家" in phone.locator("#knock").inner_text()
    assert phone.evaluate("document.querySelectorAll('style').length") == 0  # htmx injected no <style>
    # A 422 fragment swapped into a form: htmx settles attributes, and must not try to set a style.
    phone.fill("input[name=slip_code]", "ZZ")
    phone.click("button:has-text('留条')")
    phone.wait_for_selector(".slip-bind .error")
    phone.goto(f"{live_server.url}/scan")
    assert refused == []


def test_dashboard_bars_draw_without_inline_styles(live_server, phone):
    refused = _watch(phone)
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/dashboard")
    bars = phone.locator("svg.bar")
    assert bars.count() >= 1
    box = bars.first.bounding_box()
    assert box["width"] > 100 and box["height"] > 5
    assert refused == []
