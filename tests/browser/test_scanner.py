"""The in-app scanner, with Chromium's fake camera showing a printed sticker."""
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _y4m_of_qr(text: str, path) -> None:
    """A few frames of 640x480 video showing one QR code, in the format Chromium's fake camera reads."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4, box_size=8)
    code.add_data(text)
    picture = code.make_image().convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(picture, ((640 - picture.width) // 2, (480 - picture.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            out.write(b"FRAME\n" + luma + chroma + chroma)


# Debian's Chromium on Linux has no BarcodeDetector (Android's and macOS's have), so without help
# both runs would decode with jsQR and the BarcodeDetector path would never run. This stand-in has
# the BarcodeDetector interface (decoding with a private copy of jsQR, which the page cannot see) and
# records in sessionStorage that the page used it.
VENDORED_JSQR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "jsQR-1.4.0.min.js"
BARCODE_DETECTOR = """
(function () {
  var decode = window.jsQR; delete window.jsQR;
  window.BarcodeDetector = function (options) {
    sessionStorage.setItem("detector-formats", JSON.stringify((options || {}).formats || []));
  };
  window.BarcodeDetector.getSupportedFormats = function () { return Promise.resolve(["qr_code"]); };
  window.BarcodeDetector.prototype.detect = function (video) {
    sessionStorage.setItem("detector-calls", String(Number(sessionStorage.getItem("detector-calls") || 0) + 1));
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    if (!canvas.width) return Promise.resolve([]);
    var context = canvas.getContext("2d");
    context.drawImage(video, 0, 0);
    var frame = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = decode(frame.data, frame.width, frame.height);
    return Promise.resolve(found ? [{ rawValue: found.data, format: "qr_code" }] : []);
  };
})();
"""


@contextmanager
def _filming(browser, live_server, tmp_path, text: str, init_script: str = "", **context_options):
    """A phone page in a second Chromium whose fake camera shows one QR code (`text`); closed after.
    init_script runs before the page's own (a stand-in BarcodeDetector, an old WebView's missing API)."""
    video = tmp_path / "code.y4m"
    _y4m_of_qr(text, video)
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
                                     **context_options)
        context.grant_permissions(["camera"], origin=live_server.url)
        if init_script:
            context.add_init_script(init_script)
        yield context.new_page()
    finally:
        camera.close()


@pytest.mark.parametrize("decoder", ["BarcodeDetector", "vendored jsQR"])
def test_scanning_a_sticker_with_the_in_app_camera_opens_the_card(live_server, tmp_path, browser, decoder):
    from webapp.extensions import db
    from webapp.models import Household

    with live_server.app.app_context():
        household = db.session.scalar(select(Household).order_by(Household.id))
    # Without BarcodeDetector (a WebView like Debian's Chromium) the page must load its own decoder.
    init = VENDORED_JSQR.read_text() + BARCODE_DETECTOR if decoder == "BarcodeDetector" else \
        "delete window.BarcodeDetector;"
    with _filming(browser, live_server, tmp_path, f"{live_server.url}/h/{household.sticker_token}", init) as page:
        loaded = []
        page.on("request", lambda request: loaded.append(request.url))
        log_in(page, live_server.url, "secretary", PASSWORD)
        page.goto(f"{live_server.url}/scan")
        page.click("#scan-start")
        page.wait_for_url(f"{live_server.url}/h/{household.sticker_token}", timeout=20000)
        assert household.address in page.locator("h1").inner_text()
        used_jsqr = any("jsQR" in url for url in loaded)
        calls = int(page.evaluate("sessionStorage.getItem('detector-calls') || '0'"))
        if decoder == "BarcodeDetector":
            assert not used_jsqr and calls >= 1  # the page's BarcodeDetector path decoded it
            assert page.evaluate("sessionStorage.getItem('detector-formats')") == '["qr_code"]'
        else:
            assert used_jsqr and calls == 0


def test_the_walk_page_binds_a_scanned_slip_without_request_submit(live_server, tmp_path, browser):
    """Old WebViews (Chrome < 76) and Safari < 16 have no form.requestSubmit(): the scanned slip must still go."""
    from webapp.extensions import db
    from webapp.models import Building, Household, NoteSlip, RoleAssignment, User

    with live_server.app.app_context():
        grid = db.session.scalar(select(RoleAssignment.grid_id).join(RoleAssignment.user).where(User.username == "volunteer",
                                                                                RoleAssignment.grid_id.isnot(None)))
        building = db.session.scalar(select(Building).where(Building.grid_id == grid).order_by(Building.id))
        household = db.session.scalar(select(Household).where(Household.building_id == building.id)
                                      .order_by(Household.id))
        slip = db.session.scalar(select(NoteSlip).where(NoteSlip.community_id == building.community_id,
                                                        NoteSlip.state == "printed").order_by(NoteSlip.id))
        building_id, household_id, code = building.id, household.id, slip.code
    with _filming(browser, live_server, tmp_path, f"{live_server.url}/s/{code}",
                  "delete HTMLFormElement.prototype.requestSubmit;", service_workers="block") as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server.url, "volunteer", PASSWORD)
        page.goto(f"{live_server.url}/buildings/{building_id}/walk")
        row = page.locator(f"#h-{household_id}")
        row.locator('button[value="not_home"]').click()
        row.locator('input[name="slip_code"]').wait_for()
        page.click("#scan-start")
        row.locator(".done-line", has_text=f"{code[:4]}-{code[4:]}").wait_for(timeout=20000)
        assert not errors
        with live_server.app.app_context():
            assert db.session.scalar(select(NoteSlip.state).where(NoteSlip.code == code)) != "printed"


def _slip_and_door(live_server):
    from tests.browser.test_doors import _db, _first_token
    from tests.browser.test_slips import _first_slip
    from webapp.models import Household

    token = _first_token(live_server)
    return _first_slip(live_server), token, _db(live_server, select(Household.building_id)
                                                .where(Household.sticker_token == token))


def _bound_slip(live_server, code):
    from tests.browser.test_doors import _db
    from webapp.models import NoteSlip, Visit

    return _db(live_server, select(Visit.outcome).join(NoteSlip, NoteSlip.visit_id == Visit.id)
               .where(NoteSlip.code == code, NoteSlip.state == "bound"))


def test_scanning_a_slip_on_the_walk_page_leaves_it_at_the_door_just_knocked(live_server, tmp_path, browser):
    """The walk page's own scanner: after 不在家, the slip's QR fills and sends that row's slip number."""
    code, token, building = _slip_and_door(live_server)
    with _filming(browser, live_server, tmp_path, f"{live_server.url}/s/{code}") as page:
        log_in(page, live_server.url, "volunteer", PASSWORD)
        page.goto(f"{live_server.url}/buildings/{building}/walk")
        row = page.locator(f"li.door:has(a.room[href='/h/{token}'])")
        row.locator("button[value=not_home]").click()
        row.locator("input[name=slip_code]").wait_for()
        assert _bound_slip(live_server, code) is None
        page.click("#scan-start")
        page.wait_for_selector(f"text=已在门上留下留言条 {code[:4]}-{code[4:]}", timeout=20000)
        assert _bound_slip(live_server, code) == "not_home"


def test_scanning_a_slip_from_the_card_opens_the_slip_filled_in(live_server, tmp_path, browser):
    """From a card: 扫描留言条 opens the scanner; the slip's QR opens the binding form with its number."""
    code, token, _ = _slip_and_door(live_server)
    with _filming(browser, live_server, tmp_path, f"{live_server.url}/s/{code}") as page:
        log_in(page, live_server.url, "volunteer", PASSWORD)
        page.goto(f"{live_server.url}/h/{token}")
        page.click("button[name=outcome][value=not_home]")
        page.locator("a:has-text('扫描留言条')").click()
        page.wait_for_url(lambda url: "/scan?bind=/h/" in url)
        page.click("#scan-start")
        page.wait_for_url(lambda url: url.endswith(f"/slip?slip_code={code}"), timeout=20000)
        assert page.input_value("input[name=slip_code]") == code
        page.click("main button:has-text('留条')")
        page.wait_for_selector(f"text=已在门上留下留言条 {code[:4]}-{code[4:]}")
        assert _bound_slip(live_server, code) == "not_home"
