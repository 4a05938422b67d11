"""Every user-visible string goes through Babel, and the Chinese catalogue is complete."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_chinese_catalog_translates_every_extracted_message(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and "fuzzy" not in m.flags
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated: {missing}"


def test_english_is_available(client):
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client)
    client.post("/language", data={"lang": "en", "csrf_token": token})
    html = client.get("/login").get_data(as_text=True)
    assert "User name" in html and "用户名" not in html


def test_chinese_hints_name_the_buttons_and_words_the_screens_use(app):
    """A hint that says "tap 不在家" where the button reads 无人在家 sends a volunteer looking for nothing."""
    from flask_babel import force_locale, gettext

    from webapp.labels import OUTCOME_LABELS

    with app.test_request_context(), force_locale("zh_CN"):
        not_home = str(OUTCOME_LABELS["not_home"])
        assert f"“{not_home}”" in gettext("Mark a door not home first, then scan its slip.")
        # One word for a sticker everywhere: 门牌码 (as on the sticker sheet and the retired-sticker page).
        assert "门牌码" in gettext("Stickers printed") and "门牌码" in gettext("Sticker sheet printed")


HALF_WIDTH_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff][:;] |[\u4e00-\u9fff] \((?![\d/])")


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize("username, paths", [
    ("secretary", ["/", "/users", "/setup", "/setup/buildings/new", "/patrols/log", "/invites", "/lists", "/slips",
                   "/dashboard", "/summary", "/campaigns", "/cases", "/inbox", "/care", "/audit", "/registry/import"]),
    ("volunteer", ["/", "/revisits", "/slips/mine", "/patrols", "/search?q=王", "/find?q=1"]),
    ("admin", ["/users", "/setup/communities", "/summary/street", "/dashboard/district"]),
])
def test_chinese_pages_use_chinese_punctuation(client, login_as, username, paths):
    """“楼长：长庚里1号楼；楼长：…（至 …）”, not “楼长: …; 楼长: … (至 …)”, where a label meets its value."""
    login_as(username)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _visible_text(response.get_data(as_text=True))
        assert not HALF_WIDTH_AFTER_CHINESE.findall(text), (path, [text[max(0, m.start() - 30):m.end() + 30] for m in HALF_WIDTH_AFTER_CHINESE.finditer(text)])


def test_an_app_started_without_make_compiles_its_catalogs(tmp_path):
    """The .mo files are built, not committed: started any way but `make run`, the app showed every page in
    English. It compiles a catalog that is missing or older than its .po, and leaves a fresh one alone."""
    import os
    import shutil

    from babel.support import Translations

    from webapp.catalogs import compile_stale_catalogs

    shutil.copytree(ROOT / "translations", tmp_path / "translations",
                    ignore=shutil.ignore_patterns("*.mo", "*.partial"))
    directory = tmp_path / "translations"
    mo = directory / "zh_Hans_CN/LC_MESSAGES/messages.mo"
    assert not mo.exists()
    assert mo in compile_stale_catalogs(directory)
    assert Translations.load(str(directory), ["zh_Hans_CN"]).gettext("Log in") == "登录"
    assert compile_stale_catalogs(directory) == []  # fresh: not compiled again
    po = directory / "zh_Hans_CN/LC_MESSAGES/messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "登录"', 'msgstr "登入"', 1), encoding="utf-8")
    os.utime(mo, (mo.stat().st_mtime - 10, mo.stat().st_mtime - 10))  # the .po edited after the .mo was built
    assert mo in compile_stale_catalogs(directory)
    assert Translations.load(str(directory), ["zh_Hans_CN"]).gettext("Log in") == "登入"


def test_the_app_reads_the_catalogs_it_compiles():
    """create_app() compiles stale catalogs in the directory Flask-Babel reads (here: after `make clean`)."""
    from webapp import create_app

    for built in (ROOT / "translations").glob("*/LC_MESSAGES/messages.mo"):
        built.unlink()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.mo").exists()
    with app.test_request_context():
        from flask_babel import gettext

        assert gettext("Log in") == "登录"
