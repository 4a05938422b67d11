"""Spreadsheets in and out: one home for reading uploaded tables and writing exports.

Reading: CSV in UTF-8 (with or without a BOM) or GBK/GB18030 as Excel saves it in China, and
XLSX (values, not formulas; merged cells read as their top-left value). A bad file raises
TableError with a message for the person who uploaded it; it never raises anything else.

Writing: every cell Doorstep writes that starts with = + - @ (or a tab/CR) is written as
text, never as a live formula: an apostrophe in CSV, a string cell in XLSX.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 60_000
MAX_CELL_CHARS = 2_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # full-width too: an IME may type them
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableError(ValueError):
    """A file that cannot be read as a table; str(error) is the message to show beside the field."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number as the person sees it, {column: text})


# How far down a file the header row may sit: under a title (often merged across the columns), a date line or
# a blank line, as the registries exported by a police station or a street office have it.
HEADER_SEARCH_ROWS = 10


def read_table(data: bytes, filename: str, max_rows: int = MAX_ROWS,
               is_header: Callable[[list[str]], bool] | None = None) -> Table:
    """Read an uploaded CSV or XLSX file into stripped text cells keyed by the header row.

    The header is the first non-blank row, or, with is_header, the first of the first HEADER_SEARCH_ROWS
    non-blank rows it accepts (a title above the header is skipped). Blank rows are left out, and every row
    keeps the line number the person sees in Excel or a text editor."""
    if not data:
        raise TableError(_("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise TableError(_("The file is larger than %(mb)d MB; split it into smaller files.",
                           mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    is_xlsx = data[:2] == b"PK" or (filename or "").lower().endswith((".xlsx", ".xlsm"))
    grid = _xlsx_grid(data) if is_xlsx else _csv_grid(data)
    lines = [(line, row) for line, row in enumerate(grid or (), start=1) if any(cell.strip() for cell in row)]
    if not lines:
        raise TableError(_("The file has no header row."))
    at = 0
    if is_header is not None:
        at = next((index for index, (_line, row) in enumerate(lines[:HEADER_SEARCH_ROWS])
                   if is_header([cell.strip().lstrip("\ufeff") for cell in row])), 0)
    header = [cell.strip().lstrip("\ufeff") for cell in lines[at][1]]
    body = lines[at + 1:]
    if len(body) > max_rows:
        raise TableError(_("The file has %(rows)d rows; at most %(max)d can be read at once. Split it.",
                           rows=len(body), max=max_rows))
    rows = []
    for line, cells in body:
        row = {}
        for column, cell in zip(header, cells):
            if column:
                row[column] = cell.strip()
        rows.append((line, row))
    return Table(header=header, rows=rows)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError(_("The file is not text in UTF-8 or GBK; save it as CSV (UTF-8) or XLSX.")) from None


def _csv_grid(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise TableError(_("The file contains a NUL character; save it again as CSV (UTF-8) or XLSX."))
    try:
        return [_checked_cells(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise TableError(_("The file is not a readable CSV table (%(detail)s).", detail=str(error))) from None


def _xlsx_grid(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(_("The file is not a readable XLSX workbook; save it again as XLSX or CSV.")) from None
    try:
        sheet = book.worksheets[0]
        grid = []
        for row in sheet.iter_rows(values_only=True):
            grid.append(_checked_cells([_cell_text(value) for value in row]))
            if len(grid) > MAX_ROWS + 1:
                raise TableError(_("The file has more than %(max)d rows; split it.", max=MAX_ROWS))
        _fill_merged_down(grid, _merged_ranges(book, sheet))
        return grid
    except TableError:
        raise
    except Exception:
        raise TableError(_("The file is not a readable XLSX workbook; save it again as XLSX or CSV.")) from None
    finally:
        book.close()


# <mergeCell ref="A2:A5"/> in a sheet's XML (after its rows); a registry merges 网格, 楼栋 and 地址 down the lines of
# one household, and the lines under the first must read that value, not an empty cell.
_MERGE_REF = re.compile(rb'<(?:[A-Za-z]\w*:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}[0-9]{1,7})"')


def _merged_ranges(book, sheet) -> set[tuple[int, int, int, int]]:
    """The merged ranges (first column, first row, last column, last row; 1-based) of a read-only sheet, which
    openpyxl does not give in read-only mode: read from the sheet's XML in chunks, never the whole at once."""
    archive, path = getattr(book, "_archive", None), getattr(sheet, "_worksheet_path", None)
    if archive is None or not path:
        return set()
    from openpyxl.utils.cell import range_boundaries

    found, tail = set(), b""
    with archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            text = tail + chunk
            if b"mergeCell" in text:
                found.update(range_boundaries(ref.decode()) for ref in _MERGE_REF.findall(text))
            tail = text[-256:]  # a reference cut by the chunk's end is whole in the next read
    return found


def _fill_merged_down(grid: list[list[str]], ranges) -> None:
    """Each cell under the top of a merged range reads the value above it (what Excel shows there); a merge
    across columns only (a title over the table) adds nothing: the other columns' top cells are empty."""
    for first_column, first_row, last_column, last_row in ranges:
        if last_row <= first_row or first_row > len(grid):
            continue
        top = grid[first_row - 1]
        for column in range(first_column - 1, last_column):
            value = top[column] if column < len(top) else ""
            if not value:
                continue
            for row in grid[first_row:min(last_row, len(grid))]:
                if column < len(row):
                    row[column] = row[column] or value
                else:
                    row.extend([""] * (column - len(row)) + [value])


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # Past 15 significant digits Excel has already dropped the last ones (an ID number typed as a number):
        # the text is what Excel shows, 1.10105E+17, never made-up digits that look like a real number.
        return f"{value:.5E}" if abs(value) >= 1e15 else str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _checked_cells(cells: list[str]) -> list[str]:
    for cell in cells:
        if "\x00" in cell:
            raise TableError(_("The file contains a NUL character; save it again as CSV (UTF-8) or XLSX."))
        if len(cell) > MAX_CELL_CHARS:
            raise TableError(_("A cell holds more than %(max)d characters; is this the right file?",
                               max=MAX_CELL_CHARS))
    return cells


# --- writing ---------------------------------------------------------------------------------


def safe_text(value):
    """A cell value that no spreadsheet will run: text that would start a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, (int, float, date)):
        return value
    return str(value)  # lazy strings and markup become plain text


def csv_bytes(rows) -> bytes:
    """UTF-8 with a byte-order mark so Excel opens the Chinese text as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_text(_plain(value)) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


WIDTH_SAMPLE_ROWS = 500
MAX_COLUMN_WIDTH = 60


def _display_width(text: str) -> int:
    """Columns of a fixed-width font the text takes: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def xlsx_bytes(rows, title: str = "Sheet1", bold_rows: tuple[int, ...] = (), widths: dict[str, int] | None = None) -> bytes:
    """An XLSX workbook whose text cells are always strings, never formulas.

    Each column is as wide as its longest value among the first WIDTH_SAMPLE_ROWS rows (a Chinese character
    counts two), at most MAX_COLUMN_WIDTH, so headers like 新增本地常住 read whole in Excel; widths overrides."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Sheet1"
    wanted: dict[int, int] = {}
    for row_number, row in enumerate(rows, start=1):
        for column_number, value in enumerate(row, start=1):
            value = _plain(value)
            cell = sheet.cell(row=row_number, column=column_number)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
            if row_number in bold_rows:
                cell.font = Font(bold=True)
            if row_number <= WIDTH_SAMPLE_ROWS and value is not None:
                wanted[column_number] = max(wanted.get(column_number, 0), _display_width(str(value)))
    for column_number, width in wanted.items():
        sheet.column_dimensions[get_column_letter(column_number)].width = min(width + 2, MAX_COLUMN_WIDTH)
    for column, width in (widths or {}).items():
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_NOT_IN_FILENAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def _attachment(filename: str, fallback: str | None = None) -> dict:
    """Save as `filename`; a name in Chinese (长庚社区-每日汇总-2026-11-25.xlsx, so the street can tell twenty
    communities' files apart) goes in filename* (RFC 6266) with the ASCII `fallback` beside it for old clients."""
    name = _NOT_IN_FILENAMES.sub("_", filename).strip() or "export"
    if name.isascii():
        return {"Content-Disposition": f'attachment; filename="{name}"'}
    plain = _NOT_IN_FILENAMES.sub("_", fallback or name.encode("ascii", "ignore").decode()).strip() or "export"
    return {"Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"}


def csv_response(rows, filename: str, fallback: str | None = None) -> Response:
    response = Response(csv_bytes(rows), headers=_attachment(filename, fallback))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


def xlsx_response(rows, filename: str, fallback: str | None = None, **options) -> Response:
    return Response(xlsx_bytes(rows, **options), mimetype=XLSX_MIMETYPE, headers=_attachment(filename, fallback))
