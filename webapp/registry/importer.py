"""Importing a registry (底册) file: checked whole first, then applied in one transaction, or not at all.

The file is CSV (UTF-8, a BOM is fine, or GBK as Excel saves it in China) or XLSX, one row per
resident, with a header row:
grid, building, kind, entrance, floor, room, address, status, name, phone, id_number, category, care_tags.
A row with an empty name registers a door with nobody in it. Grids and buildings are created when
the community does not have them yet; a door already registered gets only the people it lacks.

Reading goes through webapp.spreadsheets.read_table (encodings, XLSX, NUL bytes, huge cells).
check_row() is the one validation of a row: the same lengths and characters on SQLite and
PostgreSQL (SQLite would store a 200-character name that PostgreSQL refuses), checked before
anything reaches the database. The browser import uses it too.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import (
    BUILDING_KINDS,
    CARE_TAGS,
    HOUSEHOLD_STATUSES,
    RESIDENT_CATEGORIES,
    Building,
    CareTag,
    Community,
    Grid,
    Household,
    Resident,
    new_token,
)
from ..spreadsheets import Table, TableError, read_table

COLUMNS = ("grid", "building", "kind", "entrance", "floor", "room", "address", "status", "name", "phone",
           "id_number", "category", "care_tags")
# The longest text each column may hold: the database column's size, on every database.
MAX_LENGTHS = {"grid": 80, "building": 80, "room": 16, "address": 120, "name": 40, "phone": 20,
               "id_number": 18, "care_tags": 200, "kind": 16, "status": 24, "category": 24}
PHONE = re.compile(r"^\+?[0-9]{6,15}$", re.ASCII)
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$", re.ASCII)
WHOLE_NUMBER = re.compile(r"[0-9]{1,3}", re.ASCII)  # not str.isdigit(): that accepts "²" and "٣"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number_valid(value: str) -> bool:
    """Mainland resident ID: 17 digits and a check character (GB 11643)."""
    if not ID_NUMBER.match(value):
        return False
    return "10X98765432"[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS)) % 11] == value[17]


def whole_number(value: str, low: int = 1, high: int = 200) -> int | None:
    """ASCII digits only, within [low, high]; None otherwise."""
    if not WHOLE_NUMBER.fullmatch(value or ""):
        return None
    number = int(value)
    return number if low <= number <= high else None


def has_bad_characters(value: str) -> bool:
    """Control characters (NUL, tabs, line breaks …) and unpaired surrogates have no place in a field."""
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in value)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    households: int = 0
    residents: int = 0


def rows_from_table(table: Table) -> tuple[list[dict], list[str]]:
    """Rows with every column present (empty when the file has no such cell), and header errors."""
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        return [], [f"header: missing columns {', '.join(missing)}"]
    rows = []
    for line, cells in table.rows:
        row = {column: cells.get(column, "") for column in COLUMNS}
        row["_line"] = line
        rows.append(row)
    return rows, []


def _rows(text: str) -> tuple[list[dict], list[str]]:
    try:
        table = read_table(text.encode("utf-8"), "registry.csv")
    except TableError as error:
        return [], [f"file: {error}"]
    return rows_from_table(table)


def check_row(row: dict) -> list[tuple[str, str]]:
    """Every problem of one row as (column, message); [] when the row can be imported."""
    problems = []

    def bad(column, message):
        problems.append((column, message))

    for column in COLUMNS:
        value = row.get(column) or ""
        if has_bad_characters(value):
            bad(column, "contains a control character (such as NUL or a line break)")
        elif len(value) > MAX_LENGTHS.get(column, 200):
            bad(column, f"too long (at most {MAX_LENGTHS.get(column, 200)} characters)")
    if problems:
        return problems
    for column in ("grid", "building", "room", "address"):
        if not row[column]:
            bad(column, "required")
    if row["kind"] and row["kind"] not in BUILDING_KINDS:
        bad("kind", f"one of {', '.join(BUILDING_KINDS)}")
    for column in ("entrance", "floor"):
        if row[column] and whole_number(row[column]) is None:
            bad(column, "a whole number from 1 to 200")
    if row["status"] and row["status"] not in HOUSEHOLD_STATUSES:
        bad("status", f"one of {', '.join(HOUSEHOLD_STATUSES)}")
    if row["name"]:
        if row["category"] not in RESIDENT_CATEGORIES:
            bad("category", f"one of {', '.join(RESIDENT_CATEGORIES)}")
        if row["phone"] and not PHONE.match(row["phone"].replace(" ", "").replace("-", "")):
            bad("phone", "digits only")
        if row["id_number"] and not id_number_valid(row["id_number"].upper()):
            bad("id_number", "not a valid 18-character ID number")
        for tag in filter(None, (t.strip() for t in row["care_tags"].split(";"))):
            if tag not in CARE_TAGS:
                bad("care_tags", f"unknown tag {tag[:24]!r}")
    elif row["phone"] or row["id_number"] or row["category"]:
        bad("name", "required when a person's details are given")
    return problems


def check(rows: list[dict]) -> list[str]:
    """Every problem of every row, as "line N: column: message"."""
    errors = []
    for number, row in enumerate(rows, start=2):
        line = row.get("_line", number)
        errors.extend(f"line {line}: {column}: {message}" for column, message in check_row(row))
    return errors


def import_file(community: Community, data: bytes, filename: str) -> Report:
    """An uploaded or local file (CSV in UTF-8/GBK, or XLSX): read, check, apply; see import_registry."""
    try:
        table = read_table(data, filename)
    except TableError as error:
        return Report(errors=[f"file: {error}"])
    return import_registry(community, table)


def import_registry(community: Community, source: str | Table) -> Report:
    """Check everything, then apply everything; on any error nothing is written.

    `source` is CSV text or a Table from read_table().
    """
    rows, errors = _rows(source) if isinstance(source, str) else rows_from_table(source)
    errors = errors or check(rows)
    if errors:
        return Report(errors=errors)
    report = Report()
    grids = {g.name: g for g in db.session.scalars(select(Grid).where(Grid.community_id == community.id))}
    buildings = {b.name: b for b in db.session.scalars(select(Building).where(Building.community_id == community.id))}
    doors: dict[tuple, Household] = {}
    with db.session.begin_nested():
        for row in rows:
            grid = grids.get(row["grid"])
            if grid is None:
                grid = grids[row["grid"]] = Grid(community_id=community.id, name=row["grid"])
                db.session.add(grid)
                db.session.flush()
            building = buildings.get(row["building"])
            if building is None:
                building = buildings[row["building"]] = Building(
                    community_id=community.id, grid_id=grid.id, name=row["building"], kind=row["kind"] or "walkup",
                    entrances=1, floors=1, sort_key=row["building"][:40])
                db.session.add(building)
                db.session.flush()
            entrance, floor = int(row["entrance"] or 1), int(row["floor"] or 1)
            building.entrances, building.floors = max(building.entrances, entrance), max(building.floors, floor)
            key = (building.id, entrance, row["room"])
            household = doors.get(key) or db.session.scalar(select(Household).where(
                Household.building_id == building.id, Household.entrance == entrance, Household.room == row["room"]))
            if household is None:
                household = Household(community_id=community.id, grid_id=building.grid_id, building_id=building.id,
                                      entrance=entrance, floor=floor, room=row["room"], address=row["address"],
                                      status=row["status"] or "occupied", sticker_token=new_token())
                db.session.add(household)
                db.session.flush()
                report.households += 1
            doors[key] = household
            if row["name"] and row["name"] not in {r.name for r in household.residents}:
                resident = Resident(household_id=household.id, name=row["name"], category=row["category"],
                                    phone=row["phone"].replace(" ", "").replace("-", "") or None,
                                    id_number=row["id_number"].upper() or None)
                db.session.add(resident)
                db.session.flush()
                household.residents.append(resident)
                for tag in dict.fromkeys(filter(None, (t.strip() for t in row["care_tags"].split(";")))):
                    db.session.add(CareTag(resident_id=resident.id, tag=tag))
                report.residents += 1
    return report
