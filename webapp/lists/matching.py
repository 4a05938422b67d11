"""Matching a pushed list's rows against the registry of the whole community.

First the phone, then the ID tail with the name, then the name with the address's house number,
where the lane or street may be wrong (长庚里96号 → 新塘里96号): the one search (webapp/search.py) is
tolerant of exactly that, so it is reused here over the whole community.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from ..extensions import db
from ..models import Household, Resident
from ..scope import Scope
from ..search import NUMBER
from ..search import search as registry_search

MAX_CANDIDATES = 5
# How strong each kind of match is; a row's candidates are shown strongest first.
STRENGTH = {"phone": 1000, "id_name": 900, "name_address": 500, "name": 200, "address": 100}

# Header names people use for each field (lower case, no spaces).
COLUMNS = {
    "name": ("姓名", "名字", "name", "人员姓名"),
    "phone": ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "phone", "mobile"),
    "id_tail": ("身份证后四位", "身份证尾号", "证件尾号", "身份证后6位", "身份证后六位", "身份证", "身份证号",
                "身份证号码", "证件号码", "id", "idtail", "id_tail"),
    "address": ("地址", "报告地址", "上报地址", "推送地址", "现住址", "住址", "居住地址", "address"),
    "source": ("来源", "推送来源", "数据来源", "source"),
    "note": ("备注", "说明", "note", "notes"),
}


def column_map(header: list[str]) -> dict[str, str]:
    """Which header cell holds each field."""
    found = {}
    for cell in header:
        key = re.sub(r"\s+", "", cell).lower()
        for field_name, names in COLUMNS.items():
            if field_name not in found and key in names:
                found[field_name] = cell
    return found


def digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())[-11:]


def id_tail(value: str) -> str:
    value = value.strip().upper()
    if value.isascii() and value.isdigit() and len(value) < 4:
        value = value.zfill(4)  # 0371 kept by Excel as the number 371
    return value[-6:] if len(value) > 6 else value


def match(community_id: int, *, name: str, phone: str, tail: str, address: str) -> list[dict]:
    """The best candidate doors for one row: [{household_id, resident_id, how, score}], strongest first."""
    in_community = Household.community_id == community_id
    found: dict[int, dict] = {}

    def offer(household_id: int, resident_id: int | None, how: str, score: int):
        score += STRENGTH[how]
        if household_id not in found or found[household_id]["score"] < score:
            found[household_id] = {"household_id": household_id, "resident_id": resident_id, "how": how,
                                   "score": score}

    number = digits(phone)
    if len(number) >= 7:
        for resident_id, household_id in db.session.execute(
                select(Resident.id, Resident.household_id).join(Household)
                .where(in_community, Resident.phone == number).limit(MAX_CANDIDATES)):
            offer(household_id, resident_id, "phone", 0)
    if tail and name and len(tail) >= 4:
        for resident_id, household_id in db.session.execute(
                select(Resident.id, Resident.household_id).join(Household)
                .where(in_community, Resident.name == name, Resident.id_number.like(f"%{tail}"))
                .limit(MAX_CANDIDATES)):
            offer(household_id, resident_id, "id_name", 0)
    # A phone or an ID tail with the name is decisive; only without one is the tolerant search run.
    if not found and (name or address):
        numbers = NUMBER.findall(address)
        whole_community = Scope(community_ids=frozenset({community_id}))
        for hit in registry_search(whole_community, f"{name} {address}", limit=MAX_CANDIDATES * 2):
            person = next((r for r in hit.household.residents if name and r.name == name), None)
            numbers_match = bool(numbers) and all(
                re.search(rf"(?<!\d){n}(?!\d)", hit.household.address) for n in numbers)
            if person is not None and numbers_match:
                how = "name_address"
            elif person is not None:
                how = "name"
            elif numbers_match:
                how = "address"
            else:
                continue
            offer(hit.household.id, person.id if person else None, how, hit.score)
    return sorted(found.values(), key=lambda c: -c["score"])[:MAX_CANDIDATES]
