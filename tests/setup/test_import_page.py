"""The registry import in the browser: preview first, then one transaction; idempotent; duplicates surfaced."""
import io

import pytest

from tests.setup.helpers import confirm_path, count, post, upload

HEADER = "网格,楼栋,类型,单元,楼层,门牌,地址,状态,姓名,电话,身份证号,类别,关怀\n"
ROWS = (
    "新一网格,幸福里1号楼,步梯楼,2,3,301,幸福里1号2单元301,自住,赵和平,13800138000,11010519491231002X,本地常住,独居老人\n"
    "新一网格,幸福里1号楼,步梯楼,2,3,301,幸福里1号2单元301,自住,赵小明,,,本地常住,\n"
    "新一网格,幸福里1号楼,步梯楼,2,3,302,幸福里1号2单元302,出租,钱小燕,13900139000,,外地暂住,\n"
    "新二网格,幸福里平房,平房片区,1,1,7,幸福里7号,空置,,,,,\n"
)
GOOD = HEADER + ROWS


def _households(app):
    from webapp.models import Household

    return count(app, Household)


def _residents(app):
    from webapp.models import Resident

    return count(app, Resident)


def _import(client, data: bytes, filename="registry.csv", decisions=None):
    preview = upload(client, data, filename)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    page = preview.get_data(as_text=True)
    done = post(client, confirm_path(page), decisions or {})
    assert done.status_code == 303, done.get_data(as_text=True)[:3000]
    return page


def test_the_page_has_a_file_field_a_template_and_documented_columns(login_as):
    client = login_as("secretary")
    page = client.get("/registry/import").get_data(as_text=True)
    assert 'type="file"' in page and "template.xlsx" in page and "template.csv" in page
    for header in ("网格", "楼栋", "门牌", "地址", "身份证号", "类别"):
        assert header in page
    template = client.get("/registry/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    csv = client.get("/registry/import/template.csv")
    assert csv.data.decode("utf-8-sig").startswith("网格,楼栋")


def test_preview_changes_nothing_and_confirm_applies_once(app, login_as):
    client = login_as("secretary")
    before = (_households(app), _residents(app))
    preview = upload(client, GOOD.encode("utf-8"))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'data-count="households-new">3<' in page and 'data-count="residents-new">3<' in page
    assert (_households(app), _residents(app)) == before
    path = confirm_path(page)
    request_id = "confirm-once-1234"
    assert post(client, path, request_id=request_id).status_code == 303
    assert (_households(app), _residents(app)) == (before[0] + 3, before[1] + 3)
    assert post(client, path, request_id=request_id).status_code == 303  # a replay changes nothing
    assert (_households(app), _residents(app)) == (before[0] + 3, before[1] + 3)
    # The same file again: everything unchanged, nothing added.
    again = upload(client, GOOD.encode("utf-8")).get_data(as_text=True)
    assert 'data-count="households-unchanged">3<' in again and 'data-count="residents-unchanged">3<' in again
    assert 'data-count="households-new">0<' in again and 'data-count="residents-new">0<' in again
    assert "Import now" not in again and "立即导入" not in again


def test_a_double_tap_on_import_now_says_imported_once(app, login_as):
    """Both taps reach the server before the page changes: the second is a replay of the first, and its
    answer must not add "this file was already imported" beside "imported" (nothing is imported twice)."""
    from tests.setup.helpers import csrf

    client = login_as("secretary")
    path = confirm_path(upload(client, GOOD.encode("utf-8")).get_data(as_text=True))
    form = {"csrf_token": csrf(client), "request_id": "double-tap-import-1"}
    assert client.post(path, data=form).status_code == 303
    assert client.post(path, data=form).status_code == 303
    shown = client.get("/registry/import").get_data(as_text=True)
    assert shown.count("导入完成") == 1 and "已经导入过" not in shown
    # A replay whose first answer never arrived (its page, and its message, lost) still says what happened.
    assert client.post(path, data=form).status_code == 303
    assert "此文件已经导入过了" in client.get("/registry/import").get_data(as_text=True)


def test_bad_last_row_leaves_the_database_as_it_was(app, login_as):
    client = login_as("secretary")
    before = (_households(app), _residents(app))
    bad = GOOD + "新一网格,幸福里1号楼,城堡,¹,x,303,幸福里1号2单元303,闹鬼,孙某,call me,110105194912310021,外星,vip\n"
    response = upload(client, bad.encode("utf-8"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "/confirm" not in page
    for header in ("类型", "单元", "楼层", "状态", "电话", "身份证号", "类别", "关怀"):
        assert f"<td>6</td><td>{header}</td>" in page, header
    assert (_households(app), _residents(app)) == before


def test_gbk_and_bom_csv_and_xlsx_are_read(app, login_as):
    from openpyxl import Workbook

    client = login_as("secretary")
    before = _households(app)
    _import(client, GOOD.encode("gbk"))
    assert _households(app) == before + 3
    bom = ("\ufeff" + HEADER + "新一网格,幸福里1号楼,步梯楼,2,4,401,幸福里1号2单元401,自住,李四,,,本地常住,\n").encode()
    _import(client, bom)
    assert _households(app) == before + 4
    book = Workbook()
    sheet = book.active
    for line in (HEADER + "新一网格,幸福里1号楼,步梯楼,2,5,501,幸福里1号2单元501,自住,王五,,,本地常住,\n").splitlines():
        sheet.append([int(v) if v.isdigit() else v for v in line.split(",")])
    sheet["N2"] = "=1+1"  # a formula outside the columns
    sheet.merge_cells("A3:B3")  # merged cells below the data
    out = io.BytesIO()
    book.save(out)
    _import(client, out.getvalue(), "registry.xlsx")
    assert _households(app) == before + 5


def test_an_updated_file_updates_by_address_and_id_number(app, login_as):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Household, Resident, StatusChange

    client = login_as("secretary")
    _import(client, GOOD.encode())
    households, residents = _households(app), _residents(app)
    changed = GOOD.replace("幸福里1号2单元302,出租,钱小燕,13900139000", "幸福里1号2单元302,空置,钱小燕,13900139999")
    page = upload(client, changed.encode()).get_data(as_text=True)
    assert 'data-count="households-updated">1<' in page and 'data-count="residents-updated">1<' in page
    post(client, confirm_path(page))
    assert (_households(app), _residents(app)) == (households, residents)
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.address == "幸福里1号2单元302"))
        assert household.status == "vacant"
        assert household.residents[0].phone == "13900139999"
        assert db.session.scalar(select(StatusChange).where(StatusChange.household_id == household.id)) is not None
        assert db.session.scalar(select(Resident).where(Resident.name == "赵和平")).care_tags[0].tag == "elderly_alone"


def test_a_person_twice_is_shown_for_a_decision_not_doubled(app, login_as):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Resident

    client = login_as("secretary")
    _import(client, GOOD.encode())
    twice = HEADER + ("新一网格,幸福里1号楼,步梯楼,2,4,402,幸福里1号2单元402,自住,赵和平,,11010519491231002X,本地常住,\n"
                      "新一网格,幸福里1号楼,步梯楼,2,4,403,幸福里1号2单元403,自住,钱小燕,13900139000,,外地暂住,\n"
                      "新一网格,幸福里1号楼,步梯楼,2,4,404,幸福里1号2单元404,自住,钱小燕,13900139000,,外地暂住,\n")
    residents = _residents(app)
    page = upload(client, twice.encode()).get_data(as_text=True)
    assert 'name="decide-2"' in page and 'name="decide-3"' in page and 'name="decide-4"' in page
    assert 'value="move"' in page
    # Why, in Chinese brackets: 已登记在 幸福里1号2单元301（身份证号相同）, not an ASCII "(".
    assert "（身份证号相同）" in page and "（电话和姓名相同）" in page and "(身份证号相同)" not in page
    # Line 2 moves here, line 3 is kept in both places, line 4 is not added again.
    post(client, confirm_path(page), {"decide-2": "move", "decide-3": "both"})
    assert _residents(app) == residents + 2
    with app.app_context():
        zhao = db.session.scalars(select(Resident).where(Resident.name == "赵和平").order_by(Resident.id)).all()
        assert [r.moved_out for r in zhao] == [True, False]
        assert len(db.session.scalars(select(Resident).where(Resident.name == "钱小燕")).all()) == 2


@pytest.mark.parametrize("data, filename, expected", [
    (b"", "registry.csv", ("空", "empty")),
    (b"PK\x03\x04 not a zip", "registry.xlsx", ("XLSX",)),
    (HEADER.encode() + "新一网格,幸福里1号楼,步梯楼,2,3,301,幸福里1号2单元301,自住,赵\x00和平,,,本地常住,\n".encode(),
     "registry.csv", ("NUL",)),
    ("楼栋,门牌\n1号楼,101\n".encode(), "registry.csv", ("网格", "地址")),
])
def test_bad_files_get_a_message_beside_the_field(app, login_as, data, filename, expected):
    client = login_as("secretary")
    before = _households(app)
    response = upload(client, data, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and any(text in page for text in expected), page[:2000]
    assert _households(app) == before


def test_long_names_and_superscript_entrances_are_row_errors(app, login_as):
    client = login_as("secretary")
    rows = HEADER + ("新一网格,幸福里1号楼,步梯楼,²,3,301,幸福里1号2单元301,自住,赵某,,,本地常住,\n"
                     "新一网格,幸福里1号楼,步梯楼,1,3,302,幸福里1号2单元302,自住," + "赵" * 80 + ",,,本地常住,\n")
    response = upload(client, rows.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>2</td><td>单元</td>" in page and "<td>3</td><td>姓名</td>" in page


def test_a_file_over_the_limit_is_refused_clearly(app, login_as):
    client = login_as("secretary")
    response = upload(client, b"a" * (50 * 1024 * 1024), "huge.csv")
    assert response.status_code == 413
    assert "MB" in response.get_data(as_text=True)


def test_export_is_the_import_format_and_formula_safe(app, login_as):
    client = login_as("secretary")
    _import(client, (HEADER + "新一网格,幸福里1号楼,步梯楼,1,1,101,=HYPERLINK(1),自住,@某,,,本地常住,\n").encode())
    exported = client.get("/registry/export.csv")
    assert exported.status_code == 200
    text = exported.data.decode("utf-8-sig")
    assert text.startswith("网格,楼栋") and "'=HYPERLINK(1)" in text and "'@某" in text
    # Re-importing the export of the whole community changes nothing.
    book = client.get("/registry/export.xlsx")
    page = upload(client, book.data, "export.xlsx").get_data(as_text=True)
    assert 'data-count="households-new">0<' in page and 'data-count="residents-new">0<' in page


def test_outside_the_scope_is_a_404(app, login_as, world):
    client = login_as("volunteer")
    assert client.get("/registry/import").status_code == 404
    assert client.get("/registry/export.csv").status_code == 404
    secretary = login_as("secretary")
    assert secretary.get(f"/registry/import?community={world.second_community}").status_code == 404


def test_only_the_uploader_can_confirm_an_upload(app, client, auth, login_as):
    """Another person's upload is out of scope for everyone else, an admin included: a 404, nothing applied."""
    from tests.conftest import AuthActions

    secretary = login_as("secretary")
    path = confirm_path(upload(secretary, GOOD.encode()).get_data(as_text=True))
    before = _households(app)
    for username in ("admin", "lead", "volunteer", "volunteer2"):
        other = app.test_client()
        assert AuthActions(other).login(username).status_code == 303
        response = post(other, path)
        assert response.status_code == 404, username
        assert "/registry/import" not in response.headers.get("Location", "")
        assert _households(app) == before
    assert post(other, "/registry/import/not-a-real-token-000000000000000/confirm").status_code in (303, 404)
    # The uploader still confirms it (a made-up decision line such as decide-² is no line, not a 500).
    assert post(secretary, path, {"decide-²": "both", "decide-99999999999999": "move"}).status_code == 303
    assert _households(app) == before + 3


def test_a_title_row_above_the_header_and_blank_lines_are_read_with_the_spreadsheet_line_numbers(app, login_as):
    """A registry exported by a police station or a street office starts with a title (often merged across the
    columns) and a blank line above the header, and has blank lines between blocks: the header is found under
    the title, and a bad row is named by the line number the secretary sees in Excel."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["幸福社区人口底册（2026年11月 派出所导出）"])
    sheet.append([])
    sheet.append(HEADER.strip().split(","))
    for line in ROWS.strip().split("\n")[:2]:
        sheet.append(line.split(","))
    sheet.append([])
    sheet.append("新一网格,幸福里1号楼,步梯楼,2,3,302,幸福里1号2单元302,闹鬼,钱小燕,,,外地暂住,".split(","))
    data = io.BytesIO()
    book.save(data)
    client = login_as("secretary")
    response = upload(client, data.getvalue(), "底册.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:3000]
    assert "表头缺少" not in page and "header row lacks" not in page
    # Excel shows the bad row as line 7 (title, blank, header, two rows, blank, the bad row).
    assert "<tr><td>7</td><td>状态</td>" in page, page[page.find("<table"):][:1500]
    # The same rows as a GBK CSV with a title line: read alike.
    text = "幸福社区人口底册\n\n" + HEADER + ROWS
    response = upload(client, text.encode("gbk"), "底册.csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    assert 'data-count="households-new">3<' in response.get_data(as_text=True)


def test_an_id_number_excel_stored_as_a_number_is_named_as_such(app, login_as):
    """Typed into a cell not formatted as text, Excel keeps an ID number as a number of 15 significant digits
    (shown 1.10105E+17): its last digits are gone. The preview says so and how to fix it, in the secretary's
    words, instead of only 'not a valid ID number'; a common care word (残疾 for 残疾人) is understood."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    row = ROWS.strip().split("\n")[0].split(",")
    row[10] = 110105194912310020.0  # what Excel stores for 11010519491231002X typed as a number
    row[12] = "残疾"
    sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    response = upload(login_as("secretary"), data.getvalue(), "底册.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Excel 把身份证号存成了数字" in page and "文本" in page, page[page.find("<table"):][:1500]
    assert "未知的关怀标签" not in page


def test_a_line_repeated_at_the_same_door_is_imported_once_without_asking(app, login_as):
    """A spreadsheet pasted together from two lists holds the same person at the same door twice: that is not
    人户分离 (the same person at another address) and needs no decision; it is imported once, and said so."""
    repeated = HEADER + ROWS + ROWS.split("\n")[0] + "\n"
    client = login_as("secretary")
    before = _residents(app)
    response = upload(client, repeated.encode("utf-8"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-count="residents-new">3<' in page
    preview = page[page.find('id="import-preview"'):page.find("</section>", page.find('id="import-preview"'))]
    assert 'name="decide-' not in preview and "人户分离" not in preview, preview
    assert "第 6 行与第 2 行重复" in page
    assert post(client, confirm_path(page), {}).status_code == 303
    assert _residents(app) == before + 3


def test_a_file_whose_every_row_is_wrong_says_so_instead_of_counting_zeros(app, login_as):
    client = login_as("secretary")
    rows = HEADER + ("新一网格,幸福里1号楼,城堡,1,3,301,幸福里1号2单元301,自住,赵某,,,本地常住,\n"
                     "新一网格,幸福里1号楼,步梯楼,1,x,302,幸福里1号2单元302,自住,钱某,,,本地常住,\n")
    response = upload(client, rows.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "没有一行可以导入" in page
    assert 'data-count="households-new"' not in page  # no table of zeros
    # One good row among bad ones: the table says what the good rows would give, once the file is corrected.
    partial = upload(client, (HEADER + ROWS.splitlines(keepends=True)[2] + rows.splitlines(keepends=True)[1]).encode())
    assert partial.status_code == 422
    page = partial.get_data(as_text=True)
    assert "没有一行可以导入" not in page and "改正后" in page
    assert 'data-count="households-new">1<' in page


def test_full_width_digits_from_a_chinese_keyboard_import_as_the_same_doors(app, login_as):
    """A registry typed with a Chinese IME has full-width digits here and there (２单元３０１, １３８…, Ｘ at the
    end of an ID number): they are the ASCII digits, not row errors, and the door is the same door as the
    ASCII line's; a search for 幸福里1号2单元301 then finds it."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Household, Resident

    wide = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    lines = ROWS.strip().split("\n")
    first = lines[0].split(",")
    for column in (1, 3, 4, 5, 6, 9, 10):  # building, entrance, floor, room, address, phone, ID number
        first[column] = first[column].translate(wide)
    second = lines[1].split(",")
    second[5], second[6] = second[5].translate(wide), second[6].translate(wide)  # the same door as the first
    client = login_as("secretary")
    before = _households(app)
    page = _import(client, (HEADER + "\n".join([",".join(first), ",".join(second), *lines[2:]]) + "\n").encode())
    assert 'data-count="households-new">3<' in page and 'data-count="residents-new">3<' in page
    assert _households(app) == before + 3
    with app.app_context():
        household = db.session.scalars(select(Household).where(Household.address == "幸福里1号2单元301")).one()
        assert (household.entrance, household.floor, household.room) == (2, 3, "301")
        assert household.building.name == "幸福里1号楼"
        zhao = db.session.scalars(select(Resident).where(Resident.name == "赵和平")).one()
        assert (zhao.phone, zhao.id_number) == ("13800138000", "11010519491231002X")
    # The ASCII file now changes nothing: the full-width lines were the same doors and people.
    again = upload(client, GOOD.encode()).get_data(as_text=True)
    assert 'data-count="households-unchanged">3<' in again and 'data-count="residents-unchanged">3<' in again


def test_one_id_number_under_two_names_at_one_door_is_a_problem_not_a_repeated_line(app, login_as):
    """Two lines at one door with one ID number and two names are not a line pasted twice: one name is mistyped,
    and importing the first while calling the second "repeated" would drop a name without a word. The second
    line is a problem naming the first line and its name; the file imports once it is corrected."""
    first = ROWS.split("\n")[0]
    typo = first.replace("赵和平", "赵和萍")
    client = login_as("secretary")
    before = _residents(app)
    response = upload(client, (HEADER + ROWS + typo + "\n").encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:3000]
    assert "<tr><td>6</td><td>姓名</td><td>第 2 行把这个身份证号登记在本户的赵和平名下。</td></tr>" in page, \
        page[page.find("<table"):][:2000]
    assert "第 6 行与第 2 行重复" not in page
    assert _residents(app) == before
    # The same line twice is still a repeated line, imported once without a problem.
    assert upload(client, (HEADER + ROWS + first + "\n").encode()).status_code == 200


def test_an_entrance_and_a_floor_written_with_their_unit_words_are_read_as_numbers(app, login_as):
    """Registries from a street office write 2单元 in the 单元 column and 3层, 第3层 or 3楼 in the 楼层 one: that is
    entrance 2 and floor 3, not a problem on every line."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Household

    worded = HEADER + (
        "新一网格,幸福里1号楼,步梯楼,2单元,3层,301,幸福里1号2单元301,自住,赵和平,,,本地常住,\n"
        "新一网格,幸福里1号楼,步梯楼,第2单元,第4层,401,幸福里1号2单元401,自住,钱小燕,,,外地暂住,\n"
        "新一网格,幸福里1号楼,步梯楼,２单元,５楼,501,幸福里1号2单元501,空置,,,,,\n")
    client = login_as("secretary")
    page = _import(client, worded.encode())
    assert 'data-count="households-new">3<' in page
    with app.app_context():
        doors = db.session.execute(select(Household.entrance, Household.floor, Household.room)
                                   .where(Household.address.like("幸福里1号2单元%")).order_by(Household.room)).all()
        assert [tuple(d) for d in doors] == [(2, 3, "301"), (2, 4, "401"), (2, 5, "501")]
    # A word that is not a number stays a problem beside its line and column.
    response = upload(client, (HEADER + "新一网格,幸福里1号楼,步梯楼,二单元,3层,301,幸福里1号2单元301,自住,赵和平,,,本地常住,\n").encode())
    assert response.status_code == 422 and "<tr><td>2</td><td>单元</td>" in response.get_data(as_text=True)


def _id_number(n: int) -> str:
    body = f"110105{1950 + n % 50}0101{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def test_more_people_elsewhere_than_the_list_shows_are_counted_not_dropped_silently(app, login_as):
    """The preview lists the first 500 people already registered elsewhere; the rest are not added again, and the
    page says how many were not listed and how to decide for them, instead of leaving them out without a word."""
    people = [(f"住户{n}", _id_number(n)) for n in range(503)]
    first = HEADER + "".join(f"新一网格,幸福里1号楼,步梯楼,1,{1 + n // 100},{n},幸福里1号1单元{n},自住,{name},,{idn},本地常住,\n"
                             for n, (name, idn) in enumerate(people))
    client = login_as("secretary")
    _import(client, first.encode())
    elsewhere = HEADER + "".join(f"新一网格,幸福里2号楼,步梯楼,1,{1 + n // 100},{n},幸福里2号1单元{n},自住,{name},,{idn},本地常住,\n"
                                 for n, (name, idn) in enumerate(people))
    page = upload(client, elsewhere.encode()).get_data(as_text=True)
    assert page.count('value="skip" checked') == 500
    assert 'data-count="duplicates-unlisted">……另有 3 人未在此列出：他们不会被重复添加。' in page, page[-3000:]


def test_cells_merged_down_the_lines_of_a_household_read_on_every_line(app, login_as):
    """A registry kept in Excel merges 网格, 楼栋 and 类型 down a building's lines and 门牌, 地址 and 状态 down a
    household's residents: each line reads the merged value (what Excel shows there), not an empty cell that
    makes every line but the first a problem."""
    from openpyxl import Workbook
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Household, Resident

    book = Workbook()
    sheet = book.active
    sheet.append(["幸福社区人口底册"])
    sheet.merge_cells("A1:M1")
    sheet.append(HEADER.strip().split(","))
    for line in ("新一网格,幸福里1号楼,步梯楼,2,3,301,幸福里1号2单元301,自住,赵和平,,,本地常住,",
                 ",,,,,,,,赵小明,,,本地常住,",
                 ",,,,,,,,赵小红,,,本地暂住,",
                 ",,,2,3,302,幸福里1号2单元302,出租,钱小燕,,,外地暂住,"):
        sheet.append(line.split(","))
    for column in "ABC":
        sheet.merge_cells(f"{column}3:{column}6")
    for column in "DEFGH":
        sheet.merge_cells(f"{column}3:{column}5")
    data = io.BytesIO()
    book.save(data)
    client = login_as("secretary")
    page = upload(client, data.getvalue(), "底册.xlsx").get_data(as_text=True)
    assert 'data-count="households-new">2<' in page and 'data-count="residents-new">4<' in page, \
        page[page.find('id="import-preview"'):][:2500]
    post(client, confirm_path(page), {})
    with app.app_context():
        zhao = db.session.scalars(select(Household).where(Household.address == "幸福里1号2单元301")).one()
        assert sorted(db.session.scalars(select(Resident.name).where(Resident.household_id == zhao.id))) == [
            "赵和平", "赵小明", "赵小红"]
        assert zhao.building.name == "幸福里1号楼"
