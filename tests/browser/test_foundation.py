"""Each demo role logs in on a phone and sees its home page in Chinese."""
import pytest

from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

HOME_HEADINGS = {
    "volunteer": ["我的网格", "要走访的楼栋"],
    "lead": ["我负责的楼栋"],
    "secretary": ["网格", "楼栋", "用户"],
    "admin": ["社区", "用户"],
}


def test_login_page_on_a_phone(live_server, phone):
    phone.goto(f"{live_server.url}/login")
    assert phone.locator("h1").inner_text() == "登录"
    # Nothing wider than the screen: no sideways scrolling on a 360 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "login")


def test_wrong_password_shows_the_message_beside_the_field(live_server, phone):
    phone.goto(f"{live_server.url}/login")
    phone.fill("input[name=username]", "volunteer")
    phone.fill("input[name=password]", "wrong")
    phone.click("button[type=submit]")
    assert phone.locator(".field .error").inner_text() == "用户名或密码不正确。"


@pytest.mark.parametrize("role", list(HOME_HEADINGS))
def test_each_role_sees_its_home_in_chinese(live_server, phone, role):
    log_in(phone, live_server.url, role, PASSWORD)
    headings = phone.locator("h2").all_inner_texts()
    for heading in HOME_HEADINGS[role]:
        assert any(heading in text for text in headings), (heading, headings)
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # Every link and button is big enough for a thumb.
    small = phone.evaluate("""() => [...document.querySelectorAll('main a.row, main button')]
        .filter(e => e.getBoundingClientRect().height < 44).length""")
    assert small == 0
    screenshot(phone, f"home-{role}")


def test_language_switch_to_english_and_log_out(live_server, phone):
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.click("footer button[lang=en]")
    phone.wait_for_selector("html[lang=en]")
    assert "Grids" in phone.locator("main").inner_text()
    phone.reload()
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.click("header button:has-text('Log out')")
    phone.wait_for_url(f"{live_server.url}/login")


def test_building_page_on_a_phone(live_server, phone):
    log_in(phone, live_server.url, "volunteer", PASSWORD)
    phone.locator("a.row[href^='/buildings/']").first.click()
    phone.wait_for_selector("h1")
    assert phone.locator("a.row[href^='/h/']").count() > 0
    phone.locator("a.row[href^='/h/']").first.click()
    phone.wait_for_selector("h1.address")
    assert "****" in phone.locator("main").inner_text()  # phone numbers masked
