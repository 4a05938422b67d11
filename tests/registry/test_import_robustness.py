"""`flask import` on odd files: clear errors, never a traceback, and the same rules on SQLite and PostgreSQL."""
import io

import pytest
from sqlalchemy import func, select

HEADER = ["grid", "building", "kind", "entrance", "floor", "room", "address", "status", "name", "phone",
          "id_number", "category", "care_tags"]
ROW = ["第一网格", "和平里5号楼", "walkup", "1", "3", "301", "和平里5号1单元301", "occupied", "赵和平", "13800138000",
       "11010519491231002X", "local_permanent", "elderly_alone"]


def _csv(*rows, header=HEADER) -> str:
    return "\n".join(",".join(row) for row in [header, *rows]) + "\n"


def _row(**changes):
    row = dict(zip(HEADER, ROW))
    row.update(changes)
    return [row[c] for c in HEADER]


def _import(runner, tmp_path, data: bytes, name="registry.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import", str(path), "--community", "长庚社区"])


def _households(app):
    from webapp.extensions import db
    from webapp.models import Household

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Household))


def _refused(result, *expected):
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception  # a clear message, not a traceback
    assert "Traceback" not in result.output and "nothing was imported" in result.output
    for text in expected:
        assert text in result.output, result.output


def test_a_gbk_file_imports(app, runner, tmp_path):
    before = _households(app)
    result = _import(runner, tmp_path, _csv(_row()).encode("gbk"))
    assert result.exit_code == 0, result.output
    assert _households(app) == before + 1


def test_an_xlsx_file_imports(app, runner, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    book.active.append([int(v) if v.isascii() and v.isdigit() and len(v) < 6 else v for v in _row(room="302")])
    out = io.BytesIO()
    book.save(out)
    before = _households(app)
    result = _import(runner, tmp_path, out.getvalue(), "registry.xlsx")
    assert result.exit_code == 0, result.output
    assert _households(app) == before + 1


@pytest.mark.parametrize("changes, expected", [
    ({"entrance": "²"}, "line 2: entrance"),
    ({"floor": "٣"}, "line 2: floor"),
    ({"grid": "网" * 81}, "line 2: grid: too long"),
    ({"building": "b" * 81}, "line 2: building: too long"),
    ({"name": "赵" * 41}, "line 2: name: too long"),
    ({"address": "a" * 121}, "line 2: address: too long"),
    ({"room": "\x07301"}, "line 2: room: contains a control character"),
])
def test_bad_values_get_a_line_and_a_column(app, runner, tmp_path, changes, expected):
    before = _households(app)
    _refused(_import(runner, tmp_path, _csv(_row(), _row(**{"room": "302", **changes})).encode()), expected.replace("2:", "3:"))
    assert _households(app) == before


def test_a_huge_field_is_refused_clearly(app, runner, tmp_path):
    before = _households(app)
    _refused(_import(runner, tmp_path, _csv(_row(address="x" * 131_073)).encode()), "file:")
    assert _households(app) == before


def test_a_nul_byte_is_refused_clearly(app, runner, tmp_path):
    _refused(_import(runner, tmp_path, _csv(_row(name="赵\x00和平")).encode()), "NUL")
    _refused(_import(runner, tmp_path, _csv(_row(name="赵\x00和平")).encode("gbk")), "NUL")


def test_a_damaged_xlsx_or_binary_file_is_refused_clearly(runner, tmp_path):
    _refused(_import(runner, tmp_path, b"PK\x03\x04 not really a zip", "registry.xlsx"), "XLSX")
    _refused(_import(runner, tmp_path, bytes(range(256)) * 4, "registry.csv"), "file:")
    _refused(_import(runner, tmp_path, b"", "registry.csv"), "empty")


def test_short_rows_and_extra_columns_are_fine(app, runner, tmp_path):
    text = _csv(_row(), header=HEADER) + "第一网格,和平里5号楼,walkup,1,3,303,和平里5号1单元303\n"
    result = _import(runner, tmp_path, text.encode())
    assert result.exit_code == 0, result.output


def test_check_row_is_the_shared_rule():
    from webapp.registry.importer import check_row

    row = dict(zip(HEADER, ROW))
    assert check_row(row) == []
    assert [c for c, _ in check_row({**row, "entrance": "¹"})] == ["entrance"]
    assert check_row({**row, "phone": "１３８００１３８０００"}) == []  # full-width digits are the ASCII ones
    assert [c for c, _ in check_row({**row, "phone": "¹３８００１３８０００"})] == ["phone"]
    assert [c for c, _ in check_row({**row, "grid": "g" * 80})] == []
    assert [c for c, _ in check_row({**row, "grid": "g" * 81})] == ["grid"]
