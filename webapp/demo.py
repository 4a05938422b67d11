"""A demo street that looks real: two communities of walk-ups, a tower and bungalows.

Deterministic for a given size (seeded), and quick for thousands of households because
rows go in as bulk inserts.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from .clock import local_now, utc_from_local
from .extensions import db
from .idempotency import new_request_id
from .models import (
    Building,
    Campaign,
    CareTag,
    Community,
    Grid,
    Household,
    Resident,
    RoleAssignment,
    Street,
    User,
    new_token,
    utcnow,
)

DEMO_STREET = "东湖街道"
SURNAMES = "陈李黄张梁刘林何王吴郑罗杨周谢冯邓曾许蔡郭钟叶苏卢朱潘彭胡徐赵孙马高冼麦莫区欧"
GIVEN = (
    "建华 伟强 丽娟 秀英 志明 国华 美玲 俊杰 晓燕 嘉怡 子轩 浩然 淑芬 桂英 金凤 锦鸿 家豪 佩珊 永强 雪梅 "
    "文辉 海燕 振华 少芳 炳坤 惠珍 雅婷 梓涵 宇航 思琪 德明 玉兰 润生 翠萍 志刚 丽华 明辉 婉婷 天佑 凤仪"
).split()
MOBILE_PREFIXES = "138 139 135 136 137 150 151 152 158 159 186 187 188 189 133 177 180 199".split()
LOCAL_REGION = "440111"  # 广州市白云区
OTHER_REGIONS = ["430521", "452123", "360731", "510922", "441522", "412726"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


@dataclass
class CommunityPlan:
    name: str
    lane: str
    road: str
    callback: str
    grids: list[str]
    tower_share: float
    bungalow_share: float
    walkup_prefix: str
    tower_name: str | None = None
    buildings: list[dict] = field(default_factory=list)


PLANS = [
    CommunityPlan("长庚社区", "长庚里", "长庚路", "020-8666 1234", ["第一网格", "第二网格", "第三网格", "第四网格"],
                  tower_share=0.30, bungalow_share=0.15, walkup_prefix="长庚里", tower_name="长庚大厦"),
    CommunityPlan("新塘社区", "新塘里", "新塘路", "020-8666 5678", ["第一网格", "第二网格"],
                  tower_share=0.0, bungalow_share=0.25, walkup_prefix="新塘里"),
]
DEMO_USERS = [
    ("admin", "街道管理员", "admin"),
    ("secretary", "陈书记", "secretary"),
    ("lead", "黄楼长", "lead"),
    ("volunteer", "李志愿", "volunteer"),
    ("volunteer2", "王志愿", "volunteer"),
]


def is_empty() -> bool:
    return db.session.scalar(select(Street.id).limit(1)) is None


def only_demo_data() -> bool:
    names = set(db.session.scalars(select(Street.name)))
    return names <= {DEMO_STREET}


def wipe() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())


class _Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.today = date.today()

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def id_number(self, region: str, born: date) -> str:
        body = f"{region}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]

    def birth_date(self, min_age: int, max_age: int) -> date:
        age_days = self.rng.randint(min_age * 365 + 1, max_age * 365 + 300)
        return self.today - timedelta(days=age_days)

    def person(self, household_id: int, min_age: int, max_age: int, category: str, *, adult=True, moved_out=False) -> dict:
        born = self.birth_date(min_age, max_age)
        local = category.startswith("local")
        region = LOCAL_REGION if local else self.rng.choice(OTHER_REGIONS)
        return {
            "household_id": household_id,
            "name": self.name(),
            "phone": self.phone() if adult and self.rng.random() < 0.95 else None,
            "id_number": self.id_number(region, born),
            "birth_date": born,
            "category": category,
            "moved_out": moved_out,
            "moved_out_at": utcnow() - timedelta(days=self.rng.randint(30, 400)) if moved_out else None,
        }

    def household_people(self, household_id: int, status: str) -> list[tuple[dict, list[str]]]:
        """(resident row, care tags) for one household."""
        rng = self.rng
        if status == "vacant":
            return []
        if status == "moved_out":
            return [(self.person(household_id, 25, 70, "local_permanent", moved_out=True), [])
                    for _ in range(rng.randint(1, 2))]
        if status == "registered_elsewhere":
            return [(self.person(household_id, 20, 60, "local_permanent"), []) for _ in range(rng.randint(1, 2))]
        if status == "rented_out":
            category = rng.choices(["nonlocal_temporary", "local_temporary", "nonlocal_permanent"], [70, 15, 15])[0]
            return [(self.person(household_id, 19, 45, category), []) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.10:  # an elderly person living alone
            return [(self.person(household_id, 70, 92, "local_permanent"), ["elderly_alone"])]
        category = rng.choices(["local_permanent", "nonlocal_permanent"], [82, 18])[0]
        people = [(self.person(household_id, 30, 65, category), [])]
        if rng.random() < 0.8:
            people.append((self.person(household_id, 28, 63, category), []))
        for _ in range(rng.choices([0, 1, 2], [35, 45, 20])[0]):
            young = rng.random() < 0.1
            people.append((self.person(household_id, 0 if young else 3, 2 if young else 25, category, adult=False),
                           ["infant"] if young else []))
        if rng.random() < 0.2:
            people.append((self.person(household_id, 78, 95, category), ["elderly"]))
        return people


def _split(total: int, plan: CommunityPlan) -> tuple[int, int, int]:
    towers = int(total * plan.tower_share)
    bungalows = int(total * plan.bungalow_share)
    return total - towers - bungalows, towers, bungalows


def _walkup_doors(count: int, plan: CommunityPlan, start_number: int):
    """Walk-ups: 6 floors, 3 entrances (单元), 2 doors per floor: 36 doors a block."""
    per_block, number = 36, start_number
    while count > 0:
        take = min(count, per_block)
        name = f"{plan.walkup_prefix}{number}号楼"
        doors = []
        for index in range(take):
            entrance, rest = divmod(index, 12)
            floor, door = divmod(rest, 2)
            doors.append((entrance + 1, floor + 1, f"{floor + 1}0{door + 1}",
                          f"{plan.walkup_prefix}{number}号{entrance + 1}单元{floor + 1}0{door + 1}"))
        yield {"name": name, "kind": "walkup", "entrances": max(d[0] for d in doors), "floors": 6,
               "sort_key": f"1-{number:04d}"}, doors
        count -= take
        number += 2


def _tower_doors(count: int, plan: CommunityPlan):
    """Towers: one entrance, 8 doors a floor, at most 32 floors each."""
    per_tower, letter = 32 * 8, 0
    while count > 0:
        take = min(count, per_tower)
        wing = "ABCDEFGH"[letter] if letter < 8 else str(letter + 1)
        name = f"{plan.tower_name}{wing}座"
        doors = []
        for index in range(take):
            floor, door = divmod(index, 8)
            room = f"{floor + 1}{door + 1:02d}"
            doors.append((1, floor + 1, room, f"{plan.road}88号{name}{room}"))
        yield {"name": name, "kind": "tower", "entrances": 1, "floors": math.ceil(take / 8),
               "sort_key": f"2-{letter:04d}"}, doors
        count -= take
        letter += 1


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n >= 100:
        return str(n)
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"


def _bungalow_doors(count: int, plan: CommunityPlan):
    """A row of bungalows along the lane, numbered like street addresses (…里80号, 81号 …)."""
    per_row, row, number = 30, 0, 80
    while count > 0:
        take = min(count, per_row)
        name = f"{plan.lane}平房{_chinese_number(row + 1)}片"
        doors = [(1, 1, f"{number + i}", f"{plan.lane}{number + i}号") for i in range(take)]
        yield {"name": name, "kind": "bungalow", "entrances": 1, "floors": 1, "sort_key": f"3-{row:04d}"}, doors
        count -= take
        row += 1
        number += take


def load_demo(households: int, password_hash: str, seed: int = 7, activity: bool = False) -> dict:
    """Build the demo street; returns a summary for the command to print."""
    gen = _Generator(seed)
    street = Street(name=DEMO_STREET)
    db.session.add(street)
    db.session.flush()
    first_share = max(1, round(households * 0.6)) if households > 1 else households
    totals = [first_share, households - first_share]
    communities, grid_ids, building_ids = [], [], []
    for plan, total in zip(PLANS, totals):
        community = Community(street_id=street.id, name=plan.name, callback_phone=plan.callback)
        db.session.add(community)
        db.session.flush()
        grids = [Grid(community_id=community.id, name=name) for name in plan.grids]
        db.session.add_all(grids)
        db.session.flush()
        walkups, towers, bungalows = _split(total, plan)
        blocks = list(_walkup_doors(walkups, plan, 2)) + list(_tower_doors(towers, plan)) + list(
            _bungalow_doors(bungalows, plan))
        community_buildings = []
        for index, (spec, doors) in enumerate(blocks):
            grid = grids[index % len(grids)]
            building = Building(community_id=community.id, grid_id=grid.id, **spec)
            db.session.add(building)
            db.session.flush()
            community_buildings.append(building)
            _insert_households(gen, building, doors)
        communities.append(community)
        grid_ids.append([g.id for g in grids])
        building_ids.append(community_buildings)

    users = {}
    for username, display, _role in DEMO_USERS:
        users[username] = User(username=username, display_name=display, password_hash=password_hash,
                               phone=gen.phone())
    db.session.add_all(users.values())
    db.session.flush()
    first, second = communities[0], communities[1]
    lead_buildings = [b for b in building_ids[0] if b.kind in ("walkup", "tower")][:1] + [
        b for b in building_ids[0] if b.kind == "tower"][:1]
    assignments = [
        RoleAssignment(user_id=users["admin"].id, role="admin"),
        RoleAssignment(user_id=users["secretary"].id, role="secretary", community_id=first.id),
        *[RoleAssignment(user_id=users["lead"].id, role="lead", building_id=b.id)
          for b in dict.fromkeys(lead_buildings or building_ids[0][:1])],
        # The volunteer holds some of the first community's grids, not all.
        *[RoleAssignment(user_id=users["volunteer"].id, role="volunteer", grid_id=g,
                         valid_until=utcnow() + timedelta(days=180)) for g in grid_ids[0][:2]],
        RoleAssignment(user_id=users["volunteer2"].id, role="volunteer", grid_id=grid_ids[1][0],
                       valid_until=utcnow() + timedelta(days=180)),
    ]
    db.session.add_all(assignments)
    today = date.today()
    db.session.add_all([
        Campaign(community_id=c.id, name="冬季入户走访", starts_on=today - timedelta(days=3),
                 ends_on=today + timedelta(days=27), max_attempts=3, created_by_id=users["admin"].id)
        for c in communities
    ])
    db.session.flush()
    from .slips.services import create_pad

    create_pad(new_request_id(), first.id, 16, users["volunteer"].id, users["secretary"].id)
    create_pad(new_request_id(), second.id, 8, users["volunteer2"].id, users["admin"].id)
    _demo_patrols(first, second, users)
    if activity:
        _demo_activity(gen, first, users)
    return {"street": street.name, "communities": [c.name for c in communities], "users": list(users)}


def _insert_households(gen: _Generator, building: Building, doors) -> None:
    rng = gen.rng
    rows = []
    for entrance, floor, room, address in doors:
        status = rng.choices(
            ["occupied", "rented_out", "vacant", "registered_elsewhere", "moved_out"], [74, 13, 8, 3, 2])[0]
        rows.append({
            "community_id": building.community_id, "grid_id": building.grid_id, "building_id": building.id,
            "entrance": entrance, "floor": floor, "room": room, "address": address,
            "sticker_token": new_token(), "status": status, "created_at": utcnow(),
        })
    if not rows:
        return
    ids = db.session.scalars(insert(Household).returning(Household.id, sort_by_parameter_order=True), rows).all()
    people, tags = [], []
    for household_id, row in zip(ids, rows):
        for person, care in gen.household_people(household_id, row["status"]):
            # Registered some time ago, so today's "new arrivals" start at zero.
            person["created_at"] = utcnow() - timedelta(days=rng.randint(30, 2000))
            people.append(person)
            tags.append(care)
    if not people:
        return
    resident_ids = db.session.scalars(insert(Resident).returning(Resident.id, sort_by_parameter_order=True),
                                      people).all()
    care_rows = [{"resident_id": rid, "tag": tag} for rid, care in zip(resident_ids, tags) for tag in care]
    if care_rows:
        db.session.execute(insert(CareTag), care_rows)


def _demo_patrols(first: Community, second: Community, users: dict) -> None:
    """一日三巡 in both communities: checkpoints, a route each, work groups."""
    from datetime import time

    from .patrols.services import create_checkpoint, create_group, create_route

    three_rounds = [(time(8), time(10)), (time(14), time(16)), (time(19), time(21))]
    sealed = db.session.scalar(select(Household).where(Household.community_id == first.id,
                                                       Household.status == "occupied").order_by(Household.id.desc()))
    points = [
        create_checkpoint(first.id, "东门岗亭", "sentry", None),
        create_checkpoint(first.id, "长庚里巷口", "lane", None),
        create_checkpoint(first.id, "长庚里2号楼入口", "entrance", None),
        create_checkpoint(first.id, f"{sealed.address}门前" if sealed else "长庚里门前", "sealed_door",
                          sealed.id if sealed else None),
        create_checkpoint(first.id, "北门岗亭", "sentry", None),
    ]
    create_route(first.id, "长庚里一日三巡", three_rounds, list(zip([p.id for p in points], [0, 3, 2, 4, 3])),
                 [users["volunteer"].id])
    create_group(first.id, "防控组", [users["secretary"].id, users["lead"].id])
    create_group(first.id, "后勤保障组", [users["secretary"].id])
    create_group(first.id, "医疗组", [users["secretary"].id])
    second_points = [create_checkpoint(second.id, "新塘东门", "sentry", None),
                     create_checkpoint(second.id, "新塘里巷口", "lane", None)]
    create_route(second.id, "新塘里一日三巡", three_rounds, [(second_points[0].id, 0), (second_points[1].id, 4)],
                 [users["volunteer2"].id])
    create_group(second.id, "防控组", [users["volunteer2"].id])


def _knocking_time(rng: random.Random, now: datetime) -> datetime:
    """When a volunteer really knocks: 9:00–20:30 local time on one of the last three days, never
    later than now (naive local `now`; the answer is naive UTC, as visits are stored)."""
    while True:
        day = now.date() - timedelta(days=rng.randint(0, 2))
        moment = datetime.combine(day, time(9)) + timedelta(minutes=rng.randint(0, 11 * 60 + 30))
        if moment <= now:
            return utc_from_local(moment)


def _demo_activity(gen: _Generator, community: Community, users: dict) -> None:
    """Two days of knocks in the first community, so the dashboard and floor pictures have colour."""
    from .models import Visit

    rng = gen.rng
    campaign = db.session.scalar(select(Campaign).where(Campaign.community_id == community.id))
    volunteer_grids = [a.grid_id for a in users["volunteer"].assignments if a.grid_id]
    lead_buildings = [a.building_id for a in users["lead"].assignments if a.building_id]
    doors = db.session.execute(select(Household.id, Household.status, Household.grid_id, Household.building_id)
                               .where(Household.community_id == community.id)).all()
    rows, now = [], local_now()
    for household_id, status, grid_id, building_id in doors:
        if grid_id in volunteer_grids:
            user = users["volunteer"]
        elif building_id in lead_buildings:
            user = users["lead"]
        else:
            continue
        if rng.random() > 0.45:
            continue
        outcome = "vacant" if status == "vacant" else rng.choices(
            ["verified", "not_home", "refused"], [70, 25, 5])[0]
        when = _knocking_time(rng, now)
        rows.append({"request_id": new_token(), "household_id": household_id, "campaign_id": campaign.id,
                     "user_id": user.id, "channel": "door", "outcome": outcome, "visited_at": when})
    if rows:
        db.session.execute(insert(Visit), rows)
