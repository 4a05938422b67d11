"""A 30-floor tower in the volunteer's grid, and helpers to weigh pages."""
from __future__ import annotations

import gzip
import random

from sqlalchemy import select

SURNAMES = "陈李黄张梁刘林何王吴郑罗杨周谢冯邓曾许蔡郭钟叶苏卢朱潘彭胡徐赵孙马高"
GIVEN = ["秀英", "建国", "丽娟", "志强", "桂芳", "国华", "海燕", "伟", "敏", "俊杰", "美玲", "少华"]


def build_tower(app, floors: int = 30, per_floor: int = 4, username: str = "volunteer") -> int:
    """A tower of `floors` floors with `per_floor` doors each, in a grid of `username`; its id."""
    from webapp.extensions import db
    from webapp.models import Building, Grid, Household, Resident, RoleAssignment, User

    rng = random.Random(7)
    with app.app_context():
        grid_id = db.session.scalars(select(RoleAssignment.grid_id).join(RoleAssignment.user).where(
            User.username == username, RoleAssignment.grid_id.isnot(None)).order_by(RoleAssignment.id)).first()
        grid = db.session.get(Grid, grid_id)
        building = Building(community_id=grid.community_id, grid_id=grid.id, name="测试大厦", kind="tower",
                            entrances=1, floors=floors, sort_key="9-0000")
        db.session.add(building)
        db.session.flush()
        for floor in range(1, floors + 1):
            for door in range(1, per_floor + 1):
                room = f"{floor}{door:02d}"
                household = Household(community_id=grid.community_id, grid_id=grid.id, building_id=building.id,
                                       entrance=1, floor=floor, room=room, address=f"长庚路99号测试大厦{room}")
                db.session.add(household)
                db.session.flush()
                for _ in range(rng.choice((1, 2, 2, 3))):
                    db.session.add(Resident(household_id=household.id, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                                            phone=f"138{rng.randrange(10**8):08d}"))
        db.session.commit()
        return building.id


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))
