"""The one search of doors and people, tolerant of a wrong street or building.

A worker looking for two people "at 长庚里96号" found them at "新塘里96号": the numbers in an
address are what people get right, the lane name is what they get wrong. So candidates are
found by name, by the last four digits of a phone, or by the address's numbers, and ranked by
how much else matches.

Every caller passes the user's Scope (nothing outside it is ever read): the secretary's search
(`/search`), the volunteer's find-a-door (`/find`, addresses only) and the doors suggested for a
resident's self-report (narrowed `within` the report's grid).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from .extensions import db
from .forms import as_typed
from .models import Household, Resident
from .scope import Scope

NUMBER = re.compile(r"[0-9]+")  # ASCII: addresses are stored with ASCII digits
HAN = re.compile(r"[\u4e00-\u9fff]+")
ADDRESS_WORDS = {"号", "单元", "室", "楼"}
LIMIT = 30


@dataclass
class Hit:
    household: Household
    residents: list[Resident]
    score: int


def like_pattern(value: str) -> str:
    """`%value%` with LIKE's wildcards escaped; use with `escape="\\\\"`."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(scope: Scope, query: str, *, people: bool = True, name: str | None = None, within=None,
           limit: int = LIMIT) -> list[Hit]:
    """Households in scope matching `query`, best first.

    people: the query's words may be residents' names and a four-digit number a phone's last
    digits (off for an address-only search). name: a full name given apart from the address
    (a self-report's); where that person lives adds to the rank. within: a further condition on
    Household (a grid), never a way out of the scope.
    """
    # The full-width digits a Chinese keyboard types (长庚里２号１０２) are the address's ASCII ones.
    query = as_typed(query).strip()[:60]
    if not query:
        return []
    scope_filter = scope.households() if within is None else and_(scope.households(), within)
    numbers = NUMBER.findall(query)[:4]
    words = [w for w in HAN.findall(query) if w not in ADDRESS_WORDS][:4]
    scores: dict[int, int] = {}
    matched_people: dict[int, set[int]] = {}

    def add(household_id: int, points: int, resident_id: int | None = None):
        scores[household_id] = scores.get(household_id, 0) + points
        if resident_id is not None:
            matched_people.setdefault(household_id, set()).add(resident_id)

    def by_name(word: str):
        # A full name is found through its index; only when nothing matches exactly is it looked
        # for inside names (a slower scan).
        found = select(Resident.id, Resident.household_id).join(Household).where(scope_filter)
        return db.session.execute(found.where(Resident.name == word).limit(200)).all() or \
            db.session.execute(found.where(Resident.name.like(like_pattern(word), escape="\\")).limit(200)).all()

    if people:
        # By name: every run of Chinese characters could be a name.
        for word in words:
            if 1 < len(word) <= 4:
                for resident_id, household_id in by_name(word):
                    add(household_id, 10, resident_id)
            elif len(word) == 1:
                # One character is a surname (叶): the people whose name starts with it.
                for resident_id, household_id in db.session.execute(
                        select(Resident.id, Resident.household_id).join(Household)
                        .where(scope_filter, Resident.name.like(f"{word}%")).limit(200)):
                    add(household_id, 5, resident_id)
        # By the last four digits of a phone.
        for number in numbers:
            if len(number) == 4:
                for resident_id, household_id in db.session.execute(
                        select(Resident.id, Resident.household_id).join(Household)
                        .where(scope_filter, Resident.phone.like(f"%{number}")).limit(200)):
                    add(household_id, 8, resident_id)
    name = as_typed(name).strip()
    if name:
        for resident_id, household_id in by_name(name[:40]):
            add(household_id, 3, resident_id)
    # By address: every number must appear; the words only add to the rank.
    if numbers:
        statement = select(Household.id, Household.address).where(scope_filter)
        for number in numbers:
            statement = statement.where(Household.address.like(like_pattern(number), escape="\\"))
        for household_id, address in db.session.execute(statement.limit(500)):
            points = sum(3 if re.search(rf"(?<!\d){n}(?!\d)", address) else 1 for n in numbers)
            points += sum(2 for word in words if word in address)
            add(household_id, points)
    elif words:
        clauses = [Household.address.like(like_pattern(word), escape="\\") for word in words]
        for household_id, address in db.session.execute(
                select(Household.id, Household.address).where(scope_filter, or_(*clauses)).limit(200)):
            add(household_id, sum(2 for word in words if word in address))
    if not scores:
        return []
    ranked = sorted(scores, key=lambda hid: -scores[hid])[:limit]
    statement = select(Household).where(Household.id.in_(ranked))
    if people or matched_people:  # the hits name who lives there: read with the doors, not one door at a time
        statement = statement.options(selectinload(Household.residents))
    households = {h.id: h for h in db.session.scalars(statement)}
    hits = []
    for household_id in ranked:
        household = households[household_id]
        chosen = matched_people.get(household_id)
        if chosen:
            residents = [r for r in household.residents if r.id in chosen]
        else:  # an address search does not read who lives there
            residents = list(household.residents) if people else []
        hits.append(Hit(household, residents, scores[household_id]))
    return sorted(hits, key=lambda hit: (-hit.score, hit.household.address))
