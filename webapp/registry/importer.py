"""Importing a registry (底册) file: checked whole first, then applied in one transaction, or not at all.

The file is CSV (UTF-8, a BOM is fine), one row per resident, with a header row:
grid, building, kind, entrance, floor, room, address, status, name, phone, id_number, category, care_tags.
A row with an empty name registers a door with nobody in it. Grids and buildings are created when
the community does not have them yet; a door already registered gets only the people it lacks.
"""
from __future__ import annotations

import csv
import io
import re
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

COLUMNS = ("grid", "building", "kind", "entrance", "floor", "room", "address", "status", "name", "phone",
           "id_number", "category", "care_tags")
PHONE = re.compile(r"^\+?[0-9]{6,15}$")
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number_valid(value: str) -> bool:
    """Mainland resident ID: 17 digits and a check character (GB 11643)."""
    if not ID_NUMBER.match(value):
        return False
    return "10X98765432"[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS)) % 11] == value[17]


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    households: int = 0
    residents: int = 0


def _rows(text: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"header: missing columns {', '.join(missing)}"]
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader], []


def check(rows: list[dict]) -> list[str]:
    errors = []
    for line, row in enumerate(rows, start=2):
        def bad(column, message):
            errors.append(f"line {line}: {column}: {message}")

        for column in ("grid", "building", "room", "address"):
            if not row[column]:
                bad(column, "required")
        if row["kind"] and row["kind"] not in BUILDING_KINDS:
            bad("kind", f"one of {', '.join(BUILDING_KINDS)}")
        for column in ("entrance", "floor"):
            if row[column] and not (row[column].isdigit() and 1 <= int(row[column]) <= 200):
                bad(column, "a whole number from 1 to 200")
        if row["status"] and row["status"] not in HOUSEHOLD_STATUSES:
            bad("status", f"one of {', '.join(HOUSEHOLD_STATUSES)}")
        if len(row["address"]) > 120 or len(row["room"]) > 16 or len(row["name"]) > 40:
            bad("address/room/name", "too long")
        if row["name"]:
            if row["category"] not in RESIDENT_CATEGORIES:
                bad("category", f"one of {', '.join(RESIDENT_CATEGORIES)}")
            if row["phone"] and not PHONE.match(row["phone"].replace(" ", "").replace("-", "")):
                bad("phone", "digits only")
            if row["id_number"] and not id_number_valid(row["id_number"].upper()):
                bad("id_number", "not a valid 18-character ID number")
            for tag in filter(None, (t.strip() for t in row["care_tags"].split(";"))):
                if tag not in CARE_TAGS:
                    bad("care_tags", f"unknown tag {tag!r}")
        elif row["phone"] or row["id_number"] or row["category"]:
            bad("name", "required when a person's details are given")
    return errors


def import_registry(community: Community, text: str) -> Report:
    """Check everything, then apply everything; on any error nothing is written."""
    rows, errors = _rows(text)
    errors = errors or check(rows)
    if errors:
        return Report(errors=errors)
    report = Report()
    grids = {g.name: g for g in db.session.scalars(select(Grid).where(Grid.community_id == community.id))}
    buildings = {b.name: b for b in db.session.scalars(select(Building).where(Building.community_id == community.id))}
    doors: dict[tuple, Household] = {}
    with db.session.begin_nested():
        for line, row in enumerate(rows, start=2):
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
