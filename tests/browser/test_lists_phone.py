"""A pushed list on a 360 px phone: the secretary reads each row's suggested door in one piece."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_doors import _db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_suggested_door_reads_as_one_line_of_text_on_a_phone(live_server, phone):
    """The address, how it matched and the resident's name wrap as one text, not as three squeezed columns
    (the match badge broken over two lines, 同一电/话)."""
    from webapp.models import Household, Resident

    resident = _db(live_server, select(Resident).join(Household).where(
        Household.community_id == 1, Resident.phone.isnot(None), Resident.moved_out.is_(False)).order_by(Resident.id))
    csv = ("姓名,电话,身份证后四位,地址,来源,备注\n"
           f"某某,{resident.phone},,,大数据推送,\n").encode("utf-8")
    log_in(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/lists")
    phone.fill("input[name=title]", "11月25日 大数据推送")
    phone.set_input_files("input[name=file]", files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": csv}])
    phone.click("button:has-text('上传并匹配')")
    phone.wait_for_selector(".candidates label.chip .badge")
    chip = phone.locator(".candidates label.chip").first
    chip.scroll_into_view_if_needed()
    screenshot(phone, "list-candidate")
    assert "同一电话" in chip.inner_text()
    one_line = chip.locator(".badge").evaluate(
        "b => b.getBoundingClientRect().height < 1.8 * parseFloat(getComputedStyle(b).fontSize) + 6")
    assert one_line, "the match badge is broken over lines"
    # One text beside the radio: everything after the input starts at the same left edge.
    lefts = chip.evaluate("""c => { const r = document.createRange(); const lefts = new Set();
        for (const n of c.childNodes) { if (n.nodeName === 'INPUT' || !n.textContent.trim()) continue;
          r.selectNodeContents(n); lefts.add(Math.round(r.getClientRects()[0].left)); }
        return lefts.size; }""")
    assert lefts == 1
    # A row without an address does not start its line with a stray separator.
    assert not phone.locator("li.list-row p.meta").first.inner_text().startswith("·")
