"""From an Excel file to a volunteer knocking an imported door, without a command line.

A secretary of an empty community imports an XLSX of 300 households on a laptop (1280×800),
generates one more building, adds a volunteer and prints the stickers; the volunteer logs in on a
phone (360×640) with the one-time code, chooses a password and knocks a door of the imported registry.
"""
import io
import re

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import answer_next_dialog, log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}
HEADER = ["网格", "楼栋", "类型", "单元", "楼层", "门牌", "地址", "状态", "姓名", "电话", "身份证号", "类别", "关怀"]
SURNAMES = "陈李黄张梁刘林何王吴郑罗杨周谢"
GIVEN = "建华 伟强 丽娟 秀英 志明 国华 美玲 俊杰 晓燕 嘉怡".split()


def _registry_xlsx(households: int = 300) -> bytes:
    """Ten walk-ups of 30 doors (3 entrances × 5 floors × 2 doors), one or two people per door."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for n in range(households):
        block, rest = divmod(n, 30)
        entrance, rest = divmod(rest, 10)
        floor, door = divmod(rest, 2)
        room = f"{floor + 1}0{door + 1}"
        grid = "新苑一网格" if block < 5 else "新苑二网格"
        address = f"新苑路{block + 1}号{entrance + 1}单元{room}"
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
        sheet.append([grid, f"新苑路{block + 1}号楼", "步梯楼", entrance + 1, floor + 1, int(room), address, "自住",
                      name, f"139{n:08d}", None, "本地常住", "独居老人" if n % 17 == 0 else None])
        if n % 3 == 0:
            sheet.append([grid, f"新苑路{block + 1}号楼", "步梯楼", entrance + 1, floor + 1, int(room), address, "自住",
                          name[0] + "小" + name[-1], None, None, "本地常住", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _empty_community(app):
    from webapp.extensions import db
    from webapp.models import Street
    from webapp.setup.people import create_person
    from webapp.setup.services import save_community

    with app.test_request_context():
        street = db.session.scalar(select(Street))
        community = save_community(None, street, "新苑社区", "020-8888 0000")
        create_person("xinyuan", "新苑书记", None, "secretary", community_id=community.id, password=PASSWORD)
        db.session.commit()
        return community.id


def test_secretary_sets_up_and_a_volunteer_knocks(live_server, browser, tmp_path):
    import zxingcpp
    from PIL import Image

    from webapp.extensions import db
    from webapp.models import Household, Resident, Visit

    community_id = _empty_community(live_server.app)
    path = tmp_path / "底册.xlsx"
    path.write_bytes(_registry_xlsx())
    base = live_server.url

    laptop = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = laptop.new_page()
    log_in(page, base, "xinyuan", PASSWORD)
    page.click("a:has-text('社区设置')")
    assert "新苑社区" in page.locator("h1").inner_text()
    page.click("a:has-text('导入底册')")
    assert page.locator("a[href*=template]").count() >= 2
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('检查文件')")
    page.wait_for_selector("#import-preview")
    assert page.locator("[data-count=households-new]").inner_text() == "300"
    assert page.locator("[data-count=residents-new]").inner_text() == "400"
    screenshot(page, "setup-import-preview")
    page.set_viewport_size({"width": 360, "height": 640})
    page.locator("#import-preview").scroll_into_view_if_needed()
    screenshot(page, "setup-import-preview-phone")
    page.set_viewport_size(LAPTOP)
    page.click("button:has-text('立即导入')")
    page.wait_for_selector(".flash")
    assert "新增住户 300 户" in page.locator(".flash").inner_text()

    # One more building from the generator: 2 entrances × 6 floors × 2 doors, floor 4 skipped.
    page.goto(f"{base}/setup/buildings/new")
    page.fill("input[name=name]", "新苑路11号楼")
    page.fill("input[name=address_prefix]", "新苑路11号")
    page.fill("input[name=entrances]", "2")
    page.fill("input[name=floors]", "6")
    page.fill("input[name=per_floor]", "2")
    page.fill("input[name=skip]", "4")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "setup-generator")
    page.click("button:has-text('创建楼栋')")
    page.wait_for_selector(".flash")
    assert "共 24 户" in page.locator(".flash").inner_text()
    assert page.locator("text=新苑路11号2单元701").count() == 1

    # A volunteer for the first grid, with a one-time code.
    page.goto(f"{base}/users")
    page.fill("input[name=name]", "小周")
    page.fill("input[name=username]", "xiaozhou")
    page.fill("input[name=phone]", "13600136000")
    page.check("input[name=role][value=volunteer]")
    page.check("fieldset.places label:has-text('新苑一网格') input")
    page.click("button:has-text('添加并显示验证码')")
    code = page.locator("[data-code]").inner_text().strip()
    screenshot(page, "setup-code")

    # The sticker sheet of an imported building: every QR is an absolute /h/<token> URL.
    with live_server.app.app_context():
        building_id = db.session.scalar(select(Household.building_id).where(
            Household.address == "新苑路1号1单元101"))
    page.goto(f"{base}/buildings/{building_id}/stickers")
    png = page.screenshot(full_page=True)
    urls = {r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}
    assert len(urls) >= 10 and all(re.fullmatch(rf"{re.escape(base)}/h/[A-Za-z0-9_-]+", u) for u in urls)
    page.goto(f"{base}/setup?community={community_id}")
    assert page.locator("dt:has-text('已打印门牌码') + dd").inner_text() == "30"
    screenshot(page, "setup-places")
    laptop.close()

    # The volunteer, on a phone: the code, then a password of their own, then a knock.
    phone = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
    mobile = phone.new_page()
    token = sorted(urls)[0].rsplit("/", 1)[1]
    mobile.goto(f"{base}/h/{token}")
    mobile.fill("input[name=username]", "xiaozhou")
    mobile.fill("input[name=password]", code)
    mobile.click("button[type=submit]")
    mobile.wait_for_url(f"{base}/password?next=/h/{token}")
    mobile.fill("input[name=password]", "xinyuan-lantern-7")
    mobile.fill("input[name=again]", "xinyuan-lantern-7")
    screenshot(mobile, "setup-password")
    mobile.click("button:has-text('保存密码')")
    mobile.wait_for_url(f"{base}/h/{token}")  # the door they scanned first, not the home page: no second scan
    mobile.click("button[name=outcome][value=verified]")
    mobile.wait_for_selector("#knock.done")
    screenshot(mobile, "setup-knocked")
    phone.close()
    with live_server.app.app_context():
        household_id = db.session.scalar(select(Household.id).where(Household.sticker_token == token))
        assert db.session.scalar(select(func.count()).select_from(Visit).where(
            Visit.household_id == household_id, Visit.outcome == "verified")) == 1
        assert db.session.scalar(select(func.count()).select_from(Resident).join(Household).where(
            Household.community_id == community_id)) == 400


def test_resetting_a_password_asks_first_and_shows_the_code(live_server, phone):
    """重置密码 names the person and asks; dismissed, their password still works; accepted, the page
    shows the one-time code, which logs them in (and the old password no longer does)."""
    from webapp.extensions import db
    from webapp.models import User

    with live_server.app.app_context():
        volunteer = db.session.scalar(select(User).where(User.username == "volunteer"))
        volunteer_id, name, old_hash = volunteer.id, volunteer.display_name, volunteer.password_hash
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/users/{volunteer_id}")
    asked = []
    answer_next_dialog(phone, False, asked)
    phone.click("button:has-text('重置密码')")
    phone.wait_for_timeout(300)
    assert asked and name in asked[0] and "重置" in asked[0]
    with live_server.app.app_context():
        assert db.session.get(User, volunteer_id).password_hash == old_hash
    answer_next_dialog(phone, True, asked)
    phone.click("button:has-text('重置密码')")
    code = phone.wait_for_selector("[data-code]").inner_text().strip()
    screenshot(phone, "setup-reset-code")
    assert len(asked) == 2 and code
    with live_server.app.app_context():
        assert db.session.get(User, volunteer_id).password_hash != old_hash
    # A reload must not reset again (the code page is not a history entry a reload re-posts).
    assert phone.url.endswith(f"/users/{volunteer_id}")


def test_set_up_tables_read_whole_on_a_phone(live_server, phone):
    """On a 360 px phone the admin's set-up progress shows all four columns (its long headers wrap instead of
    pushing 志愿者 out of sight), and the import page's column notes read from the left like prose."""
    log_in(phone, live_server.url, "admin", PASSWORD)
    phone.goto(f"{live_server.url}/setup/communities")
    box = phone.locator("table.progress").evaluate(
        "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box
    # …between words, never inside one: 户数, 已打印门牌码 and 志愿者 each on one line, as tall as 社区.
    heights = phone.locator("table.progress thead th").evaluate_all(
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })")
    assert heights == [1, 1, 1, 1], heights
    phone.goto(f"{live_server.url}/registry/import")
    aligns = phone.locator("table.columns-doc td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c).textAlign)")
    assert aligns and set(aligns) <= {"left", "start"}, set(aligns)
    screenshot(phone, "setup-columns-doc-phone")
