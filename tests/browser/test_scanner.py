"""The in-app scanner, with Chromium's fake camera showing a printed sticker."""
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


@pytest.mark.parametrize("decoder", ["browser", "vendored jsQR"])
def test_scanning_a_sticker_with_the_in_app_camera_opens_the_card(live_server, tmp_path, browser, decoder):
    from webapp.extensions import db
    from webapp.models import Household

    with live_server.app.app_context():
        household = db.session.scalar(select(Household).order_by(Household.id))
    video = tmp_path / "sticker.y4m"
    _y4m_of_qr(f"{live_server.url}/h/{household.sticker_token}", video)
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        context.grant_permissions(["camera"], origin=live_server.url)
        if decoder == "vendored jsQR":
            # A WebView without BarcodeDetector: the page must load its own decoder.
            context.add_init_script("delete window.BarcodeDetector;")
        page = context.new_page()
        loaded = []
        page.on("request", lambda request: loaded.append(request.url))
        log_in(page, live_server.url, "secretary", PASSWORD)
        page.goto(f"{live_server.url}/scan")
        page.click("#scan-start")
        page.wait_for_url(f"{live_server.url}/h/{household.sticker_token}", timeout=20000)
        assert household.address in page.locator("h1").inner_text()
        used_jsqr = any("jsQR" in url for url in loaded)
        assert used_jsqr or decoder == "browser"
    finally:
        camera.close()
