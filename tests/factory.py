"""Build a small world for a test in one line: a community with grids, a walk-up, a tower taller
than one walk page (ten floors), a campaign in force, and a user for every role.

    built = make_world()                    # fixture in tests/conftest.py, for the `app` under test
    built = build_world_in(live_server.app)  # the same for a browser test's live server

It goes into whatever database the app uses (the demo street is already there), under names of
its own, so any number of worlds can live side by side. Every user's password is PASSWORD.
"""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.conftest import PASSWORD

_serial = itertools.count(1)


@dataclass
class BuiltWorld:
    community_id: int
    grid_ids: list[int]
    walkup_id: int  # in grid_ids[0], the volunteer's
    tower_id: int  # in grid_ids[1], the building lead's
    tower_floors: int
    doors_per_floor: int
    campaign_id: int
    users: dict[str, str]  # role → username: admin, secretary, lead, volunteer
    tower_tokens: dict[tuple[int, str], str] = field(default_factory=dict)  # (floor, room) → sticker token
    walkup_tokens: list[str] = field(default_factory=list)  # in walking order
    password: str = PASSWORD

    def tower_token(self, floor: int, door: int = 1) -> str:
        return self.tower_tokens[(floor, f"{floor}{door:02d}")]


def build_world_in(app, *, tower_floors: int = 25, doors_per_floor: int = 4, grids: int = 2,
                   walkup_floors: int = 6, walkup_entrances: int = 2) -> BuiltWorld:
    """Insert a fresh community into the app's database and return what a test needs of it."""
    from webapp.auth.services import hash_password
    from webapp.extensions import db
    from webapp.models import (
        Building,
        Campaign,
        Community,
        Grid,
        Household,
        Resident,
        RoleAssignment,
        Street,
        User,
        utcnow,
    )

    assert grids >= 2, "the volunteer and the building lead each hold a grid"
    serial = f"{next(_serial)}{secrets.token_hex(2)}"
    with app.app_context():
        street = Street(name=f"试验街道{serial}")
        db.session.add(street)
        db.session.flush()
        community = Community(street_id=street.id, name=f"试验社区{serial}", callback_phone="020-8000 0000")
        db.session.add(community)
        db.session.flush()
        grid_rows = [Grid(community_id=community.id, name=f"第{n + 1}网格") for n in range(grids)]
        db.session.add_all(grid_rows)
        db.session.flush()
        lane = f"试验{serial}里"
        walkup = Building(community_id=community.id, grid_id=grid_rows[0].id, name=f"{lane}1号楼", kind="walkup",
                          entrances=walkup_entrances, floors=walkup_floors, sort_key="1-0001")
        tower = Building(community_id=community.id, grid_id=grid_rows[1].id, name=f"{lane}大厦", kind="tower",
                         entrances=1, floors=tower_floors, sort_key="2-0001")
        db.session.add_all([walkup, tower])
        db.session.flush()

        walkup_doors = [Household(community_id=community.id, grid_id=walkup.grid_id, building_id=walkup.id,
                                  entrance=e, floor=f, room=f"{f}0{d}", address=f"{lane}1号{e}单元{f}0{d}")
                        for e in range(1, walkup_entrances + 1) for f in range(walkup_floors, 0, -1) for d in (1, 2)]
        tower_doors = [Household(community_id=community.id, grid_id=tower.grid_id, building_id=tower.id,
                                 entrance=1, floor=f, room=f"{f}{d:02d}", address=f"{lane}88号大厦{f}{d:02d}")
                       for f in range(tower_floors, 0, -1) for d in range(1, doors_per_floor + 1)]
        db.session.add_all(walkup_doors + tower_doors)
        db.session.flush()
        db.session.add_all([Resident(household_id=h.id, name=f"住户{h.id}", phone=f"139{h.id:08d}",
                                     category="local_permanent") for h in walkup_doors + tower_doors])

        password_hash = hash_password(PASSWORD)
        roles = {"admin": "管理员", "secretary": "书记", "lead": "楼长", "volunteer": "网格员"}
        users = {role: User(username=f"t{serial}-{role}", display_name=f"试验{title}", password_hash=password_hash)
                 for role, title in roles.items()}
        db.session.add_all(users.values())
        db.session.flush()
        until = utcnow() + timedelta(days=30)
        db.session.add_all([
            RoleAssignment(user_id=users["admin"].id, role="admin"),
            RoleAssignment(user_id=users["secretary"].id, role="secretary", community_id=community.id),
            RoleAssignment(user_id=users["lead"].id, role="lead", building_id=tower.id),
            RoleAssignment(user_id=users["volunteer"].id, role="volunteer", grid_id=grid_rows[0].id,
                           valid_until=until),
        ])
        today = date.today()
        campaign = Campaign(community_id=community.id, name="试验走访", starts_on=today - timedelta(days=1),
                            ends_on=today + timedelta(days=30), max_attempts=3, created_by_id=users["admin"].id)
        db.session.add(campaign)
        db.session.commit()
        built = BuiltWorld(
            community_id=community.id, grid_ids=[g.id for g in grid_rows], walkup_id=walkup.id, tower_id=tower.id,
            tower_floors=tower_floors, doors_per_floor=doors_per_floor, campaign_id=campaign.id,
            users={role: user.username for role, user in users.items()},
            tower_tokens={(h.floor, h.room): h.sticker_token for h in tower_doors},
            walkup_tokens=[h.sticker_token for h in sorted(walkup_doors, key=lambda h: (h.entrance, -h.floor, h.room))],
        )
        db.session.remove()
    return built
