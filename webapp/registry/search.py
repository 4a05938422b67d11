"""Search across a user's whole scope, tolerant of a wrong street or building.

A worker looking for two people "at 长庚里96号" found them at "新塘里96号": the numbers in an
address are what people get right, the lane name is what they get wrong. So candidates are
found by name, by the last four digits of a phone, or by the address's numbers, and ranked by
how much else matches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Household, Resident

NUMBER = re.compile(r"\d+")
HAN = re.compile(r"[\u4e00-\u9fff]+")
LIMIT = 30


@dataclass
class Hit:
    household: Household
    residents: list[Resident]
    score: int


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(scope_filter, query: str) -> list[Hit]:
    query = query.strip()[:60]
    if not query:
        return []
    numbers = NUMBER.findall(query)[:4]
    words = [w for w in HAN.findall(query) if w not in {"号", "单元", "室", "楼"}][:4]
    scores: dict[int, int] = {}
    matched_people: dict[int, set[int]] = {}

    def add(household_id: int, points: int, resident_id: int | None = None):
        scores[household_id] = scores.get(household_id, 0) + points
        if resident_id is not None:
            matched_people.setdefault(household_id, set()).add(resident_id)

    # By name: every run of Chinese characters could be a name. A full name is found through its
    # index; only when nothing matches exactly is it looked for inside names (a slower scan).
    for word in words:
        if 1 < len(word) <= 4:
            people = select(Resident.id, Resident.household_id).join(Household).where(scope_filter)
            found = db.session.execute(people.where(Resident.name == word).limit(200)).all() or \
                db.session.execute(people.where(Resident.name.like(_like(word), escape="\\")).limit(200)).all()
            for resident_id, household_id in found:
                add(household_id, 10, resident_id)
    # By the last four digits of a phone.
    for number in numbers:
        if len(number) == 4:
            for resident_id, household_id in db.session.execute(
                    select(Resident.id, Resident.household_id).join(Household)
                    .where(scope_filter, Resident.phone.like(f"%{number}")).limit(200)):
                add(household_id, 8, resident_id)
    # By address: every number must appear; the words only add to the rank.
    if numbers:
        statement = select(Household.id, Household.address).where(scope_filter)
        for number in numbers:
            statement = statement.where(Household.address.like(_like(number), escape="\\"))
        for household_id, address in db.session.execute(statement.limit(500)):
            points = sum(3 if re.search(rf"(?<!\d){n}(?!\d)", address) else 1 for n in numbers)
            points += sum(2 for word in words if word in address)
            add(household_id, points)
    elif words:
        clauses = [Household.address.like(_like(word), escape="\\") for word in words]
        for household_id, address in db.session.execute(
                select(Household.id, Household.address).where(scope_filter, or_(*clauses)).limit(200)):
            add(household_id, sum(2 for word in words if word in address))
    if not scores:
        return []
    ranked = sorted(scores, key=lambda hid: -scores[hid])[:LIMIT]
    households = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ranked)))}
    hits = []
    for household_id in ranked:
        household = households[household_id]
        chosen = matched_people.get(household_id)
        people = [r for r in household.residents if not chosen or r.id in chosen]
        hits.append(Hit(household, people, scores[household_id]))
    return sorted(hits, key=lambda hit: (-hit.score, hit.household.address))
