"""Importing a registry (底册) file: checked whole first, shown as a preview, then applied in one
transaction, or not at all. The browser (registry/import) and `flask import` both use this module.

A file is CSV (UTF-8, UTF-8 with a BOM, GBK/GB18030) or XLSX, one row per resident, with a header
row in Chinese (see TEMPLATE_COLUMNS) or the English column keys. A row with an empty name
registers a door with nobody in it. Grids and buildings are created when the community does not
have them yet.

Matching, so that importing the same file twice changes nothing:
- a household by its address within the community, else by its door (building, entrance, room);
- a resident within the household by ID number, else by name.
A new resident who is already somewhere else (same ID number, or same phone and name), in the
file or elsewhere in the community, is a *duplicate*: it is shown for a decision (skip it, keep
both: registered here and living there, or move the person here) instead of being doubled.

Checking and applying are plain bulk statements: a few SELECTs that load the community once, then
INSERT … RETURNING and UPDATE … executemany, never an ORM object per row.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, text, update

from ..audit import audit
from ..extensions import db
from ..forms import as_typed, ascii_digits_and_letters
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
    StatusChange,
    new_token,
    utcnow,
)
from ..spreadsheets import TableError, read_table

# (key, header in the template, what the page says about it)
TEMPLATE_COLUMNS = (
    ("grid", "网格", _l("Grid name. Required. A new name creates the grid.")),
    ("building", "楼栋", _l("Building, bungalow row or courtyard name. Required. A new name creates it.")),
    ("kind", "类型", _l("步梯楼, 高层, 平房片区 or 院落. Empty: 步梯楼.")),
    ("entrance", "单元", _l("Entrance number, 1 to 200. Empty: 1.")),
    ("floor", "楼层", _l("Floor, 1 to 200. Empty: 1.")),
    ("room", "门牌", _l("Door or room number within the entrance, e.g. 301. Required.")),
    ("address", "地址", _l("Full address as printed on the sticker. Required; one household per address.")),
    ("status", "状态", _l("自住, 出租, 空置, 人户分离 or 已搬离. Empty: 自住.")),
    ("name", "姓名", _l("Resident's name. Empty: a door with nobody registered.")),
    ("phone", "电话", _l("Mobile or landline, digits only.")),
    ("id_number", "身份证号", _l("18-character resident ID number; checked.")),
    ("category", "类别", _l("本地常住, 外地常住, 本地暂住 or 外地暂住. Required with a name.")),
    ("care_tags", "关怀", _l("Any of 独居老人, 高龄老人, 残疾人, 慢性病, 孕妇, 婴幼儿, separated by 、 or ;")),
)
COLUMNS = tuple(key for key, _header, _doc in TEMPLATE_COLUMNS)
HEADERS = {key: header for key, header, _doc in TEMPLATE_COLUMNS}
HEADER_ALIASES = {
    **{key: key for key in COLUMNS},
    **{header: key for key, header in HEADERS.items()},
    "房号": "room", "门牌号": "room", "户号": "room", "楼栋名称": "building", "楼号": "building", "网格名称": "grid",
    "手机": "phone", "手机号": "phone", "联系电话": "phone", "电话号码": "phone", "身份证": "id_number",
    "证件号码": "id_number", "公民身份号码": "id_number", "人员类别": "category", "关怀标签": "care_tags",
    "房屋状态": "status", "住户状态": "status", "楼栋类型": "kind", "详细地址": "address", "门牌地址": "address",
}
REQUIRED_HEADERS = ("grid", "building", "room", "address")

KIND_WORDS = {"步梯楼": "walkup", "多层": "walkup", "多层楼": "walkup", "楼房": "walkup", "高层": "tower",
              "电梯楼": "tower", "平房": "bungalow", "平房片区": "bungalow", "院落": "courtyard", "大院": "courtyard"}
STATUS_WORDS = {"自住": "occupied", "在住": "occupied", "出租": "rented_out", "空置": "vacant", "空房": "vacant",
                "人户分离": "registered_elsewhere", "寄挂户": "registered_elsewhere", "空挂户": "registered_elsewhere",
                "已搬离": "moved_out", "搬离": "moved_out"}
CATEGORY_WORDS = {"本地常住": "local_permanent", "外地常住": "nonlocal_permanent", "本地暂住": "local_temporary",
                  "外地暂住": "nonlocal_temporary"}
CARE_WORDS = {"独居老人": "elderly_alone", "独居": "elderly_alone", "高龄老人": "elderly", "老人": "elderly",
              "残疾人": "disabled", "残疾": "disabled",
              "慢性病": "chronic_illness", "孕妇": "pregnant", "婴幼儿": "infant"}
KIND_NAMES = {"walkup": "步梯楼", "tower": "高层", "bungalow": "平房片区", "courtyard": "院落"}
STATUS_NAMES = {"occupied": "自住", "rented_out": "出租", "vacant": "空置", "registered_elsewhere": "人户分离",
                "moved_out": "已搬离"}
CATEGORY_NAMES = {value: word for word, value in CATEGORY_WORDS.items()}
CARE_NAMES = {"elderly_alone": "独居老人", "elderly": "高龄老人", "disabled": "残疾人",
              "chronic_illness": "慢性病", "pregnant": "孕妇", "infant": "婴幼儿"}

# The longest text each column may hold: the database column's size, on every database.
MAX_LENGTHS = {"grid": 80, "building": 80, "room": 16, "address": 120, "name": 40, "phone": 20,
               "id_number": 18, "care_tags": 200, "kind": 16, "status": 24, "category": 24}
PHONE = re.compile(r"^\+?[0-9]{6,15}$", re.ASCII)
EXCEL_NUMBER = re.compile(r"^[0-9](\.[0-9]+)?E\+?[0-9]+$", re.ASCII)  # 1.10105E+17: spreadsheets.read_table
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$", re.ASCII)
WHOLE_NUMBER = re.compile(r"[0-9]{1,3}", re.ASCII)  # not str.isdigit(): that accepts "²" and "٣"
# How registries write an entrance and a floor (2单元, 第3层, 3楼): the number is what counts.
ENTRANCE_WORDS = re.compile(r"第?([0-9]{1,3})单元", re.ASCII)
FLOOR_WORDS = re.compile(r"第?([0-9]{1,3})[层楼]", re.ASCII)
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CARE_SPLIT = re.compile(r"[;；,，、/\s]+")
DECISIONS = ("skip", "both", "move")


def whole_number(value: str, low: int = 1, high: int = 200) -> int | None:
    """ASCII digits only, within [low, high]; None otherwise."""
    if not WHOLE_NUMBER.fullmatch(value or ""):
        return None
    number = int(value)
    return number if low <= number <= high else None


# Unicode categories Cc (control characters) and Cs (unpaired surrogates), as one compiled pattern.
BAD_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def has_bad_characters(value: str) -> bool:
    """Control characters (NUL, tabs, line breaks …) and unpaired surrogates have no place in a field."""
    return BAD_CHARACTERS.search(value) is not None


def id_number_valid(value: str) -> bool:
    """Mainland resident ID: 17 digits and a check character (GB 11643)."""
    if not ID_NUMBER.match(value):
        return False
    return "10X98765432"[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS)) % 11] == value[17]


@dataclass
class Problem:
    line: int
    column: str  # a key of COLUMNS, or "" for the whole file / row
    message: str

    @property
    def header(self) -> str:
        return HEADERS.get(self.column, self.column)

    def __str__(self) -> str:
        return f"line {self.line}: {self.column or 'row'}: {self.message}"


@dataclass
class Duplicate:
    """A new resident who already appears elsewhere: the secretary decides what to do."""

    line: int
    name: str
    address: str
    other: str  # where else: an address in the community, or "line N" of the file
    other_line: int | None  # the file's other line, when the other copy is in the file
    existing_id: int | None  # the resident already in the database, when that is the other copy
    why: str  # "id_number" or "phone_name"

    @property
    def can_move(self) -> bool:
        return self.existing_id is not None


@dataclass
class Preview:
    """What importing the file would do; `errors` non-empty means it cannot be applied."""

    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    # (line, earlier line): the same person at the same door again, imported once without a decision
    repeated: list[tuple[int, int]] = field(default_factory=list)
    grids_new: int = 0
    buildings_new: int = 0
    buildings_updated: int = 0
    households_new: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    residents_new: int = 0
    residents_updated: int = 0
    residents_unchanged: int = 0
    residents_moved: int = 0
    # the plan applied on confirm
    _plan: object = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return (self.grids_new + self.buildings_new + self.buildings_updated + self.households_new
                + self.households_updated + self.residents_new + self.residents_updated + self.residents_moved)


@dataclass(slots=True)
class _Row:
    line: int
    grid: str
    building: str
    kind: str
    entrance: int
    floor: int
    room: str
    address: str
    status: str
    name: str
    phone: str
    id_number: str
    category: str
    care: tuple[str, ...]
    kind_given: bool
    status_given: bool


class FileProblem(ValueError):
    """The file as a whole cannot be read (not a table, no such columns): str() is the message."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()):
        super().__init__(message)
        self.missing = missing


# --- reading and checking each row -----------------------------------------------------------


def _column_key(header: str) -> str | None:
    return HEADER_ALIASES.get(header.strip().lower()) or HEADER_ALIASES.get(header.strip())


def _is_header(cells: list[str]) -> bool:
    """The header row, not a title above it: it names at least two of the required columns."""
    return len({_column_key(cell) for cell in cells} & set(REQUIRED_HEADERS)) >= 2


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """The file's rows keyed by column key; FileProblem for an unreadable file or missing columns."""
    try:
        table = read_table(data, filename, is_header=_is_header)
    except TableError as error:
        raise FileProblem(str(error)) from None
    mapping = {}
    for header in table.header:
        key = _column_key(header)
        if key and key not in mapping.values():
            mapping[header] = key
    missing = [key for key in REQUIRED_HEADERS if key not in mapping.values()]
    if missing:
        raise FileProblem(_("The header row lacks the columns %(columns)s. Start from the template.",
                            columns="、".join(HEADERS[key] for key in missing)), tuple(missing))
    rows = []
    for line, cells in table.rows:
        row = {key: "" for key in COLUMNS}
        for header, value in cells.items():
            if header in mapping:
                row[mapping[header]] = value
        rows.append((line, row))
    return rows


def _code(value: str, words: dict[str, str], codes) -> str | None:
    """A stored value from its code (walkup) or its Chinese word (步梯楼); None if neither."""
    if value in codes:
        return value
    return words.get(value)


def _care_tags(value: str) -> tuple[list[str], list[str]]:
    tags, unknown = [], []
    for word in filter(None, CARE_SPLIT.split(value)):
        tag = _code(word, CARE_WORDS, CARE_TAGS)
        if tag is None:
            unknown.append(word)
        elif tag not in tags:
            tags.append(tag)
    return tags, unknown


def check_row(row: dict) -> list[tuple[str, str]]:
    """Every problem of one row as (column, message); [] when the row can be imported.

    The one validation of a row, for the browser and the command line: the same lengths and
    characters on SQLite and PostgreSQL (SQLite would store a 200-character name that PostgreSQL
    refuses), checked before anything reaches the database.
    """
    return _examine(row)[0]


LIMITS = tuple((column, MAX_LENGTHS.get(column, 200)) for column in COLUMNS)
SHORTEST_LIMIT = min(limit for _column, limit in LIMITS)
SEPARATOR = "\u2028"  # not a control character: joins a row's cells for one search
NO_DIGITS = re.compile(r"[ \-()]")


def _examine(row: dict) -> tuple[list[tuple[str, str]], tuple | None]:
    """(problems, parsed values): one pass over a row, kept quick because a file has 50,000 of them."""
    problems = []
    values = [row.get(column) or "" for column in COLUMNS]
    if BAD_CHARACTERS.search(SEPARATOR.join(values)) or (
            max(map(len, values)) > SHORTEST_LIMIT and any(len(v) > limit for v, (_c, limit) in zip(values, LIMITS))):
        for value, (column, limit) in zip(values, LIMITS):
            if has_bad_characters(value):
                problems.append((column, _("contains a control character (such as NUL or a line break)")))
            elif len(value) > limit:
                problems.append((column, _("too long (at most %(max)d characters)", max=limit)))
        return problems, None
    grid, building, kind, entrance, floor, room, address, status, name, phone, id_number, category, care = values
    # Full-width digits a Chinese IME typed into the police station's sheet (３单元３０１, １３８…) are the
    # ASCII ones: the same door, the same phone; 桂园路１号 and 桂园路1号 one building and one address.
    grid, building, address = (ascii_digits_and_letters(v) for v in (grid, building, address))
    entrance, floor, room, phone, id_number = (as_typed(v).strip() for v in (entrance, floor, room, phone, id_number))
    if entrance and not entrance.isascii():
        entrance = ENTRANCE_WORDS.sub(r"\1", entrance) if ENTRANCE_WORDS.fullmatch(entrance) else entrance
    if floor and not floor.isascii():
        floor = FLOOR_WORDS.sub(r"\1", floor) if FLOOR_WORDS.fullmatch(floor) else floor
    for column, value in (("grid", grid), ("building", building), ("room", room), ("address", address)):
        if not value:
            problems.append((column, _("required")))
    kind_code = _code(kind, KIND_WORDS, BUILDING_KINDS) if kind else "walkup"
    if kind_code is None:
        problems.append(("kind", _("one of: %(allowed)s", allowed="步梯楼、高层、平房片区、院落")))
    entrance_number = whole_number(entrance) if entrance else 1
    if entrance_number is None:
        problems.append(("entrance", _("a whole number from 1 to 200, in ordinary digits")))
    floor_number = whole_number(floor) if floor else 1
    if floor_number is None:
        problems.append(("floor", _("a whole number from 1 to 200, in ordinary digits")))
    status_code = _code(status, STATUS_WORDS, HOUSEHOLD_STATUSES) if status else "occupied"
    if status_code is None:
        problems.append(("status", _("one of: %(allowed)s", allowed="自住、出租、空置、人户分离、已搬离")))
    category_code, tags = "", ()
    if name:
        category_code = _code(category, CATEGORY_WORDS, RESIDENT_CATEGORIES)
        if category_code is None:
            problems.append(("category", _("one of: %(allowed)s", allowed="本地常住、外地常住、本地暂住、外地暂住")))
        phone = NO_DIGITS.sub("", phone) if phone else ""
        if phone and not PHONE.match(phone):
            problems.append(("phone", _("digits only, 6 to 15 of them")))
        id_number = id_number.upper()
        if id_number and EXCEL_NUMBER.match(id_number):
            problems.append(("id_number", _("Excel stored the ID number as a number and dropped its last digits: "
                                            "format the column as Text and type the numbers again")))
        elif id_number and not id_number_valid(id_number):
            problems.append(("id_number", _("not a valid 18-character ID number")))
        if care:
            known, unknown = _care_tags(care)
            for word in unknown:
                problems.append(("care_tags", _("unknown tag “%(tag)s”", tag=word[:24])))
            tags = tuple(sorted(known))
    elif phone or id_number or category or care:
        problems.append(("name", _("required when a person's details are given")))
        phone = id_number = ""
    if problems:
        return problems, None
    return problems, (grid, building, kind_code, entrance_number, floor_number, room, address, status_code, name,
                      phone, id_number, category_code or "", tags, bool(kind), bool(status))


def _phone(value: str) -> str:
    return NO_DIGITS.sub("", value)


def parse_row(line: int, row: dict[str, str], problems: list[Problem]) -> _Row | None:
    """The row's values, or None after adding its problems."""
    found, values = _examine(row)
    if found:
        problems.extend(Problem(line, column, message) for column, message in found)
        return None
    return _Row(line, *values)


# --- comparing with the community -------------------------------------------------------------


@dataclass
class _Plan:
    community_id: int
    new_grids: list[str] = field(default_factory=list)
    new_buildings: dict[str, dict] = field(default_factory=dict)  # name -> row (grid by name)
    building_updates: dict[int, dict] = field(default_factory=dict)  # id -> changed values
    new_households: dict[str, dict] = field(default_factory=dict)  # address -> row (building by name)
    household_updates: dict[int, dict] = field(default_factory=dict)
    status_changes: list[tuple[int, str, str]] = field(default_factory=list)
    new_residents: list[tuple[object, dict, tuple]] = field(default_factory=list)  # (household key, row, tags)
    resident_updates: dict[int, dict] = field(default_factory=dict)
    tag_changes: dict[int, tuple] = field(default_factory=dict)
    moves: list[int] = field(default_factory=list)  # residents marked moved out (moved here)


def preview(community: Community, data: bytes, filename: str, decisions: dict[int, str] | None = None) -> Preview:
    """Check the whole file against the community; nothing is written."""
    result = Preview()
    try:
        raw = read_rows(data, filename)
    except FileProblem as problem:
        result.errors.append(Problem(0, "header" if problem.missing else "", str(problem)))
        return result
    return plan_rows(community, raw, decisions or {}, result)


def plan_rows(community: Community, raw: list[tuple[int, dict]], decisions: dict[int, str],
              result: Preview | None = None) -> Preview:
    result = result or Preview()
    result.rows = len(raw)
    problems = result.errors
    rows = [r for r in (parse_row(line, row, problems) for line, row in raw) if r is not None]
    if not raw:
        problems.append(Problem(0, "", _("The file has a header row but no rows under it.")))
    cid = community.id
    s = db.session
    grids = dict(s.execute(select(Grid.name, Grid.id).where(Grid.community_id == cid)).all())
    buildings = {name: (bid, gid, kind, ent, fl) for bid, name, gid, kind, ent, fl in s.execute(
        select(Building.id, Building.name, Building.grid_id, Building.kind, Building.entrances, Building.floors)
        .where(Building.community_id == cid))}
    grid_names = {gid: name for name, gid in grids.items()}
    households = {}  # id -> (address, building_id, entrance, floor, room, status)
    by_address, by_door = {}, {}
    for hid, address, bid, ent, fl, room, status in s.execute(
            select(Household.id, Household.address, Household.building_id, Household.entrance, Household.floor,
                   Household.room, Household.status).where(Household.community_id == cid)):
        households[hid] = (address, bid, ent, fl, room, status)
        by_address[address] = hid
        by_door[(bid, ent, room)] = hid
    residents_of = defaultdict(list)  # household id -> [resident tuple]
    by_id_number, by_phone_name = defaultdict(list), defaultdict(list)
    residents = {}
    for rid, hid, name, phone, idn, category, moved_out in s.execute(
            select(Resident.id, Resident.household_id, Resident.name, Resident.phone, Resident.id_number,
                   Resident.category, Resident.moved_out)
            .join(Household, Household.id == Resident.household_id).where(Household.community_id == cid)):
        residents[rid] = (hid, name, phone, idn, category, moved_out)
        residents_of[hid].append(rid)
        if not moved_out:
            if idn:
                by_id_number[idn].append(rid)
            if phone:
                by_phone_name[(phone, name)].append(rid)
    tags_of = defaultdict(list)
    for rid, tag in s.execute(select(CareTag.resident_id, CareTag.tag).join(Resident).join(Household)
                              .where(Household.community_id == cid)):
        tags_of[rid].append(tag)

    plan = _Plan(community_id=cid)
    seen_building_grid, seen_household, seen_door = {}, {}, {}
    building_bounds = {}
    for row in rows:
        # grid and building
        if row.grid not in grids and row.grid not in plan.new_grids:
            plan.new_grids.append(row.grid)
        first = seen_building_grid.setdefault(row.building, (row.grid, row.line))
        if first[0] != row.grid:
            problems.append(Problem(row.line, "grid", _("Line %(line)d puts building %(building)s in grid %(grid)s.",
                                                         line=first[1], building=row.building, grid=first[0])))
            continue
        bounds = building_bounds.setdefault(row.building, [row.kind, row.kind_given, 1, 1])
        bounds[2], bounds[3] = max(bounds[2], row.entrance), max(bounds[3], row.floor)
        if row.kind_given and not bounds[1]:
            bounds[0], bounds[1] = row.kind, True
        # household: the same address and door on every line of one household
        door_key = (row.building, row.entrance, row.room)
        earlier = seen_household.get(row.address)
        if earlier is not None:
            if earlier[0] != door_key:
                problems.append(Problem(row.line, "address", _(
                    "Line %(line)d gives this address another building, entrance or room.", line=earlier[1])))
                continue
            if row.status_given and earlier[2] != row.status:
                problems.append(Problem(row.line, "status", _(
                    "Line %(line)d gives this household another status.", line=earlier[1])))
                continue
        else:
            other = seen_door.get(door_key)
            if other is not None and other[0] != row.address:
                problems.append(Problem(row.line, "room", _(
                    "Line %(line)d has the same building, entrance and room with the address %(address)s.",
                    line=other[1], address=other[0])))
                continue
            seen_household[row.address] = (door_key, row.line, row.status, row.floor, row.status_given)
            seen_door[door_key] = (row.address, row.line)

    # buildings: new ones, and what an existing one gains (more entrances/floors, another grid)
    for name, (kind, _given, entrances, floors) in building_bounds.items():
        grid_name = seen_building_grid[name][0]
        if name not in buildings:
            plan.new_buildings[name] = {"name": name, "grid": grid_name, "kind": kind, "entrances": entrances,
                                        "floors": floors}
            continue
        bid, gid, old_kind, old_entrances, old_floors = buildings[name]
        changes = {}
        if entrances > old_entrances:
            changes["entrances"] = entrances
        if floors > old_floors:
            changes["floors"] = floors
        if grid_names.get(gid) != grid_name:
            changes["grid"] = grid_name
        if changes:
            plan.building_updates[bid] = changes

    # households
    household_key = {}  # address -> existing id or ("new", address)
    claimed_doors = {}
    for address, (door_key, line, status, floor, status_given) in seen_household.items():
        building_name, entrance, room = door_key
        building = buildings.get(building_name)
        hid = by_address.get(address)
        if hid is None and building is not None:
            hid = by_door.get((building[0], entrance, room))
        if hid is None:
            plan.new_households[address] = {"building": building_name, "entrance": entrance, "floor": floor,
                                            "room": room, "address": address, "status": status}
            household_key[address] = ("new", address)
            continue
        household_key[address] = hid
        old_address, old_bid, old_entrance, old_floor, old_room, old_status = households[hid]
        changes = {}
        if building is None or building[0] != old_bid or entrance != old_entrance or room != old_room:
            target = by_door.get((building[0], entrance, room)) if building is not None else None
            if target is not None and target != hid:
                problems.append(Problem(line, "room", _(
                    "This building, entrance and room already belong to %(address)s.",
                    address=households[target][0])))
                continue
            changes.update(building=building_name, entrance=entrance, room=room)
        if floor != old_floor:
            changes["floor"] = floor
        if address != old_address:
            changes["address"] = address
        if status_given and status != old_status:
            changes["status"] = status
            plan.status_changes.append((hid, old_status, status))
        if claimed_doors.setdefault(hid, address) != address:
            problems.append(Problem(line, "address", _("Line with the address %(address)s is the same door.",
                                                       address=claimed_doors[hid])))
            continue
        if changes:
            plan.household_updates[hid] = changes
            result.households_updated += 1
        else:
            result.households_unchanged += 1
    result.households_new = len(plan.new_households)

    # residents
    file_id_numbers, file_phone_names = {}, {}
    matched = set()
    for row in rows:
        if not row.name or row.address not in household_key:
            continue
        key = household_key[row.address]
        found = None
        if not isinstance(key, tuple):
            candidates = [rid for rid in residents_of.get(key, ()) if rid not in matched]
            if row.id_number:
                found = next((rid for rid in candidates if residents[rid][3] == row.id_number), None)
            if found is None:
                found = next((rid for rid in candidates if residents[rid][1] == row.name
                              and (not row.id_number or not residents[rid][3])), None)
        if found is not None:
            matched.add(found)
            _hid, name, phone, idn, category, moved_out = residents[found]
            changes = {}
            if row.phone and row.phone != phone:
                changes["phone"] = row.phone
            if row.id_number and row.id_number != idn:
                changes["id_number"] = row.id_number
            if row.category != category:
                changes["category"] = row.category
            if moved_out:
                changes["moved_out"] = False
            if tuple(sorted(tags_of.get(found, ()))) != row.care:
                plan.tag_changes[found] = row.care
            if changes:
                plan.resident_updates[found] = changes
            if changes or found in plan.tag_changes:
                result.residents_updated += 1
            else:
                result.residents_unchanged += 1
            _remember(row, file_id_numbers, file_phone_names, key)
            continue
        # the same person at the same door earlier in the file: a repeated line, not someone living elsewhere
        earlier = ((row.id_number and file_id_numbers.get(row.id_number))
                   or (row.phone and file_phone_names.get((row.phone, row.name))))
        if earlier and earlier[0] == key:
            if earlier[3] != row.name:  # one ID number, two names at one door: one of them is mistyped
                problems.append(Problem(row.line, "name", _(
                    "Line %(line)d gives this ID number at this door to %(name)s.", line=earlier[1], name=earlier[3])))
                continue
            result.repeated.append((row.line, earlier[1]))
            continue
        # a new resident: is the person already somewhere else?
        duplicate = _duplicate_of(row, key, file_id_numbers, file_phone_names, by_id_number, by_phone_name,
                                  residents, households)
        if duplicate is not None:
            result.duplicates.append(duplicate)
            decision = decisions.get(row.line, "skip")
            if decision == "move" and duplicate.existing_id is None:
                decision = "skip"
            if decision == "skip":
                continue
            if decision == "move":
                plan.moves.append(duplicate.existing_id)
                result.residents_moved += 1
        _remember(row, file_id_numbers, file_phone_names, key)
        plan.new_residents.append((key, {"name": row.name, "phone": row.phone or None,
                                         "id_number": row.id_number or None, "category": row.category}, row.care))
    result.residents_new = len(plan.new_residents)
    result.grids_new = len(plan.new_grids)
    result.buildings_new = len(plan.new_buildings)
    result.buildings_updated = len(plan.building_updates)
    result.errors.sort(key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
    result._plan = plan
    return result


def _remember(row, file_id_numbers, file_phone_names, key) -> None:
    if row.id_number:
        file_id_numbers.setdefault(row.id_number, (key, row.line, row.address, row.name))
    if row.phone:
        file_phone_names.setdefault((row.phone, row.name), (key, row.line, row.address, row.name))


def _duplicate_of(row, key, file_id_numbers, file_phone_names, by_id_number, by_phone_name, residents,
                  households) -> Duplicate | None:
    checks = []
    if row.id_number:
        checks.append(("id_number", file_id_numbers, by_id_number, row.id_number))
    if row.phone:
        checks.append(("phone_name", file_phone_names, by_phone_name, (row.phone, row.name)))
    for why, seen, index, value in checks:
        earlier = seen.get(value)
        if earlier is not None:
            return Duplicate(row.line, row.name, row.address, earlier[2], earlier[1], None, why)
        for rid in index.get(value, ()):
            if residents[rid][0] != key:
                return Duplicate(row.line, row.name, row.address, households[residents[rid][0]][0], None, rid, why)
    return None


# --- applying ---------------------------------------------------------------------------------


def apply_and_audit(preview_result: Preview, user_id: int, community_id: int, filename: str) -> None:
    """Apply a checked file from the browser and write who imported what to the audit log."""
    apply(preview_result, user_id)
    audit(user_id, "registry_import", "community", community_id, file=filename,
          households=preview_result.households_new, residents=preview_result.residents_new)


def apply(preview_result: Preview, user_id: int | None = None) -> None:
    """Write the checked plan with bulk statements, inside the caller's transaction."""
    if preview_result.errors:
        raise ValueError("a file with errors is never applied")
    plan: _Plan = preview_result._plan
    s = db.session
    cid = plan.community_id
    now = utcnow()
    if plan.new_grids:
        s.execute(insert(Grid), [{"community_id": cid, "name": name, "report_token": new_token()}
                                 for name in plan.new_grids])
    grids = dict(s.execute(select(Grid.name, Grid.id).where(Grid.community_id == cid)).all())
    if plan.new_buildings:
        s.execute(insert(Building), [
            {"community_id": cid, "grid_id": grids[b["grid"]], "name": b["name"], "kind": b["kind"],
             "entrances": b["entrances"], "floors": b["floors"], "sort_key": b["name"][:40]}
            for b in plan.new_buildings.values()])
    if plan.building_updates:
        rows = []
        for bid, changes in plan.building_updates.items():
            values = {"id": bid, **{k: v for k, v in changes.items() if k != "grid"}}
            if "grid" in changes:
                values["grid_id"] = grids[changes["grid"]]
            rows.append(values)
        for keys, group in _by_keys(rows).items():
            s.execute(update(Building), group)
        moved = [(grids[c["grid"]], bid) for bid, c in plan.building_updates.items() if "grid" in c]
        for grid_id, bid in moved:
            s.execute(update(Household).where(Household.building_id == bid).values(grid_id=grid_id)
                      .execution_options(synchronize_session=False))
    buildings = {name: (bid, gid) for name, bid, gid in s.execute(
        select(Building.name, Building.id, Building.grid_id).where(Building.community_id == cid))}
    new_ids = {}
    if plan.new_households:
        rows = []
        for h in plan.new_households.values():
            bid, gid = buildings[h["building"]]
            rows.append({"community_id": cid, "grid_id": gid, "building_id": bid, "entrance": h["entrance"],
                         "floor": h["floor"], "room": h["room"], "address": h["address"], "status": h["status"],
                         "sticker_token": new_token(), "created_at": now})
        for hid, row in zip(_reserve_ids(Household, len(rows)), rows):
            row["id"] = hid
        _bulk_insert(Household, rows)
        new_ids = {row["address"]: row["id"] for row in rows}
    if plan.household_updates:
        rows = []
        for hid, changes in plan.household_updates.items():
            values = {"id": hid, **{k: v for k, v in changes.items() if k != "building"}}
            if "building" in changes:
                values["building_id"], values["grid_id"] = buildings[changes["building"]]
            rows.append(values)
        for group in _by_keys(rows).values():
            s.execute(update(Household).execution_options(synchronize_session=False), group)
    if plan.status_changes and user_id is not None:
        s.execute(insert(StatusChange), [{"household_id": hid, "user_id": user_id, "old_status": old,
                                          "new_status": new, "at": now} for hid, old, new in plan.status_changes])
    if plan.moves:
        s.execute(update(Resident).where(Resident.id.in_(plan.moves))
                  .values(moved_out=True, moved_out_at=now).execution_options(synchronize_session=False))
    if plan.resident_updates:
        rows = [{"id": rid, **changes} for rid, changes in plan.resident_updates.items()]
        for row in rows:
            if row.get("moved_out") is False:
                row["moved_out_at"] = None
        for group in _by_keys(rows).values():
            s.execute(update(Resident).execution_options(synchronize_session=False), group)
    tags = []
    if plan.tag_changes:
        changed = list(plan.tag_changes)
        for start in range(0, len(changed), 500):
            s.execute(delete(CareTag).where(CareTag.resident_id.in_(changed[start:start + 500]))
                      .execution_options(synchronize_session=False))
        tags += [{"resident_id": rid, "tag": tag} for rid, care in plan.tag_changes.items() for tag in care]
    if plan.new_residents:
        rows = []
        for key, person, _care in plan.new_residents:
            hid = new_ids[key[1]] if isinstance(key, tuple) else key
            rows.append({"household_id": hid, **person, "moved_out": False, "created_at": now})
        ids = _reserve_ids(Resident, len(rows))
        for rid, row in zip(ids, rows):
            row["id"] = rid
        _bulk_insert(Resident, rows)
        tags += [{"resident_id": rid, "tag": tag} for rid, (_k, _p, care) in zip(ids, plan.new_residents)
                 for tag in care]
    if tags:
        _bulk_insert(CareTag, tags)
    s.expire_all()


def _bulk_insert(model, rows: list[dict]) -> None:
    """Many rows: SQLite's executemany is quick as it is; PostgreSQL gets COPY (one stream instead of
    a statement per row), inside the same transaction."""
    if not rows:
        return
    table = model.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def _reserve_ids(model, count: int) -> list[int]:
    """Ids for rows about to be inserted in bulk, so their children can point at them without an
    INSERT … RETURNING per row. PostgreSQL hands them out from the table's sequence; on SQLite the
    write transaction (BEGIN IMMEDIATE) holds the only write lock, so max(id) + 1 … is free."""
    if count == 0:
        return []
    table = model.__table__.name
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(text(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"), {"n": count}))
    start = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(start, start + count))


def _by_keys(rows: list[dict]) -> dict[tuple, list[dict]]:
    """executemany needs the same columns in every row: group the updates by their columns."""
    groups = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return groups


# --- the file format, both ways ---------------------------------------------------------------


def header_row() -> list[str]:
    return [HEADERS[key] for key in COLUMNS]


def example_rows() -> list[list[str]]:
    return [
        ["第一网格", "和平里5号楼", "步梯楼", "2", "3", "301", "和平里5号2单元301", "自住", "赵和平", "13800138000",
         "11010519491231002X", "本地常住", "独居老人"],
        ["第一网格", "和平里5号楼", "步梯楼", "2", "3", "302", "和平里5号2单元302", "出租", "钱小燕", "13900139000",
         "", "外地暂住", ""],
        ["第二网格", "和平里平房", "平房片区", "1", "1", "7", "和平里7号", "空置", "", "", "", "", ""],
    ]


def export_rows(community_id: int):
    """The community's registry in the import format: importing it back changes nothing."""
    yield header_row()
    tags_of = defaultdict(list)
    for rid, tag in db.session.execute(
            select(CareTag.resident_id, CareTag.tag).join(Resident).join(Household)
            .where(Household.community_id == community_id).order_by(CareTag.tag)):
        tags_of[rid].append(CARE_NAMES.get(tag, tag))
    statement = (
        select(Grid.name, Building.name, Building.kind, Household.entrance, Household.floor, Household.room,
               Household.address, Household.status, Resident.id, Resident.name, Resident.phone, Resident.id_number,
               Resident.category)
        .select_from(Household)
        .join(Building, Building.id == Household.building_id)
        .join(Grid, Grid.id == Household.grid_id)
        .outerjoin(Resident, (Resident.household_id == Household.id) & Resident.moved_out.is_(False))
        .where(Household.community_id == community_id)
        .order_by(Building.sort_key, Building.name, Household.entrance, Household.floor, Household.room, Resident.id)
    )
    for (grid, building, kind, entrance, floor, room, address, status, rid, name, phone, idn,
         category) in db.session.execute(statement):
        yield [grid, building, KIND_NAMES.get(kind, kind), entrance, floor, room, address,
               STATUS_NAMES.get(status, status), name or "", phone or "", idn or "",
               CATEGORY_NAMES.get(category, category) if name else "", "、".join(tags_of.get(rid, ()))]


# --- the command line -------------------------------------------------------------------------


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    households: int = 0
    residents: int = 0


def import_file(community: Community, data: bytes, filename: str, user_id: int | None = None) -> Report:
    """Check everything, then apply everything (duplicates skipped); on any error nothing is written."""
    result = preview(community, data, filename)
    if result.errors:
        return Report(errors=[_cli_line(problem) for problem in result.errors])
    apply(result, user_id)
    return Report(households=result.households_new, residents=result.residents_new)


def import_registry(community: Community, text: str) -> Report:
    """CSV text: see import_file."""
    return import_file(community, text.encode("utf-8"), "registry.csv")


def _cli_line(problem: Problem) -> str:
    if problem.column == "header":
        return f"header: missing columns ({problem.message})"
    if problem.line == 0:
        return f"file: {problem.message}"
    return str(problem)
