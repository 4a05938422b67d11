"""Places: grids, buildings made by a generator, households added, edited, merged and removed;
streets and communities for an admin. Every function writes inside the caller's transaction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from ..database import taken
from ..extensions import db
from ..forms import FieldError
from ..models import (
    Building,
    CareTag,
    Community,
    Grid,
    Household,
    Resident,
    RetiredSticker,
    StatusChange,
    Street,
    new_token,
    utcnow,
)


class SetupError(FieldError):
    """Bad input for a set-up action: `field` names the form field, str() is the message."""


# --- grids ------------------------------------------------------------------------------------


def create_grid(community: Community, name: str) -> Grid:
    from flask_babel import gettext as _

    if taken(Grid, Grid.community_id == community.id, Grid.name == name):
        raise SetupError("name", _("This community already has a grid with that name."))
    grid = Grid(community_id=community.id, name=name, report_token=new_token())
    db.session.add(grid)
    db.session.flush()
    return grid


def rename_grid(grid: Grid, name: str) -> None:
    from flask_babel import gettext as _

    if taken(Grid, Grid.community_id == grid.community_id, Grid.name == name, except_id=grid.id):
        raise SetupError("name", _("This community already has a grid with that name."))
    grid.name = name


# --- buildings --------------------------------------------------------------------------------


@dataclass
class Door:
    entrance: int
    floor: int
    room: str
    address: str


def floor_labels(floors: int, skip: set[int]) -> list[int]:
    """The numbers written on the floors: the first `floors` numbers that are not skipped (4, 13, 14…)."""
    labels, number = [], 0
    while len(labels) < floors:
        number += 1
        if number not in skip:
            labels.append(number)
    return labels


def generate_doors(kind: str, prefix: str, *, entrances: int = 1, floors: int = 1, per_floor: int = 1,
                   skip: set[int] | None = None, count: int = 0, start: int = 1) -> list[Door]:
    """Door numbers the usual way: 2单元301 in a block (floor, then the door on that floor as two
    digits), 1203 in a one-entrance tower, and 80号, 81号 … along a row of bungalows or in a courtyard."""
    if kind in ("bungalow", "courtyard"):
        return [Door(1, 1, str(number), f"{prefix}{number}号") for number in range(start, start + count)]
    doors = []
    labels = floor_labels(floors, skip or set())
    for entrance in range(1, entrances + 1):
        for floor in labels:
            for door in range(1, per_floor + 1):
                room = f"{floor}{door:02d}"
                where = f"{entrance}单元{room}" if entrances > 1 or kind == "walkup" else room
                doors.append(Door(entrance, floor, room, f"{prefix}{where}"))
    return doors


def building_name_problem(community_id: int, name: str, except_id: int | None = None) -> SetupError | None:
    """A building's name must be its community's only one of that name."""
    from flask_babel import gettext as _

    if taken(Building, Building.community_id == community_id, Building.name == name, except_id=except_id):
        return SetupError("name", _("This community already has a building with that name."))
    return None


def create_building(community: Community, grid: Grid, name: str, kind: str, doors: list[Door]) -> Building:
    from flask_babel import gettext as _

    problem = building_name_problem(community.id, name)
    if problem:
        raise problem
    addresses = [door.address for door in doors]
    registered = _addresses_taken(community.id, addresses)
    if registered:
        raise SetupError("address_prefix", _("Already registered in this community: %(addresses)s.",
                                             addresses="、".join(registered[:3])))
    building = Building(community_id=community.id, grid_id=grid.id, name=name, kind=kind,
                        entrances=max((d.entrance for d in doors), default=1),
                        floors=max((d.floor for d in doors), default=1), sort_key=name[:40])
    db.session.add(building)
    db.session.flush()
    if doors:
        now = utcnow()
        db.session.execute(insert(Household), [
            {"community_id": community.id, "grid_id": grid.id, "building_id": building.id, "entrance": d.entrance,
             "floor": d.floor, "room": d.room, "address": d.address, "status": "occupied",
             "sticker_token": new_token(), "created_at": now} for d in doors])
    return building


def _addresses_taken(community_id: int, addresses: list[str]) -> list[str]:
    taken = []
    for start in range(0, len(addresses), 500):
        taken += db.session.scalars(select(Household.address).where(
            Household.community_id == community_id, Household.address.in_(addresses[start:start + 500]))).all()
    return taken


def update_building(building: Building, name: str, grid: Grid) -> None:
    problem = building_name_problem(building.community_id, name, except_id=building.id)
    if problem:
        raise problem
    building.name = name
    if building.grid_id != grid.id:
        building.grid_id = grid.id
        db.session.execute(update(Household).where(Household.building_id == building.id)
                           .values(grid_id=grid.id).execution_options(synchronize_session=False))


# --- households -------------------------------------------------------------------------------


def _check_door(building: Building, entrance: int, room: str, address: str, except_id: int | None = None) -> None:
    from flask_babel import gettext as _

    if taken(Household, Household.building_id == building.id, Household.entrance == entrance,
             Household.room == room, except_id=except_id):
        raise SetupError("room", _("This entrance already has a door with that number."))
    if taken(Household, Household.community_id == building.community_id, Household.address == address,
             except_id=except_id):
        raise SetupError("address", _("This address is already registered in the community."))


def add_household(building: Building, entrance: int, floor: int, room: str, address: str, status: str) -> Household:
    _check_door(building, entrance, room, address)
    household = Household(community_id=building.community_id, grid_id=building.grid_id, building_id=building.id,
                          entrance=entrance, floor=floor, room=room, address=address, status=status,
                          sticker_token=new_token())
    db.session.add(household)
    building.entrances, building.floors = max(building.entrances, entrance), max(building.floors, floor)
    db.session.flush()
    return household


def edit_household(household: Household, user_id: int, *, entrance: int, floor: int, room: str, address: str,
                   status: str) -> None:
    _check_door(household.building, entrance, room, address, household.id)
    if status != household.status:
        db.session.add(StatusChange(household_id=household.id, user_id=user_id, old_status=household.status,
                                    new_status=status))
    household.entrance, household.floor, household.room, household.address, household.status = (
        entrance, floor, room, address, status)
    building = household.building
    building.entrances, building.floors = max(building.entrances, entrance), max(building.floors, floor)


def _referencing_columns(exclude=("residents",)):
    """Every column of another table that points at households.id (visits, slips, history …)."""
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "households" and table.name not in exclude:
                yield table, fk.parent


def has_history(household_id: int) -> bool:
    for table, column in _referencing_columns():
        if db.session.execute(select(column).where(column == household_id).limit(1)).first():
            return True
    return False


def remove_household(household: Household, user_id: int) -> str:
    """'deleted' for a door registered by mistake; 'kept' (marked moved out) for one with any history."""
    if has_history(household.id):
        if household.status != "moved_out":
            db.session.add(StatusChange(household_id=household.id, user_id=user_id, old_status=household.status,
                                        new_status="moved_out"))
            household.status = "moved_out"
        db.session.execute(update(Resident).where(Resident.household_id == household.id,
                                                  Resident.moved_out.is_(False))
                           .values(moved_out=True, moved_out_at=utcnow()).execution_options(synchronize_session=False))
        return "kept"
    resident_ids = select(Resident.id).where(Resident.household_id == household.id)
    db.session.execute(delete(CareTag).where(CareTag.resident_id.in_(resident_ids)).execution_options(
        synchronize_session=False))
    db.session.execute(delete(Resident).where(Resident.household_id == household.id).execution_options(
        synchronize_session=False))
    db.session.delete(household)
    db.session.flush()
    return "deleted"


def merge_households(source: Household, target: Household, user_id: int) -> None:
    """The same door registered twice: everything of `source` moves to `target`; the source's sticker
    answers "replaced" from now on, and the source row goes."""
    from flask_babel import gettext as _

    if source.id == target.id or source.community_id != target.community_id:
        raise SetupError("target", _("Choose another household of the same community."))
    for table, column in [*_referencing_columns(exclude=()), ]:
        if table.name == "retired_stickers":
            continue
        db.session.execute(update(table).where(column == source.id).values({column.name: target.id}))
    db.session.execute(update(RetiredSticker).where(RetiredSticker.household_id == source.id)
                       .values(household_id=target.id))
    db.session.add(RetiredSticker(token=source.sticker_token, household_id=target.id, reason="replaced",
                                  retired_by_id=user_id))
    db.session.flush()
    db.session.expire_all()
    db.session.execute(delete(Household).where(Household.id == source.id))


# --- streets and communities (admin) ----------------------------------------------------------


def create_street(name: str) -> Street:
    from flask_babel import gettext as _

    if taken(Street, Street.name == name):
        raise SetupError("name", _("A street with that name exists already."))
    street = Street(name=name)
    db.session.add(street)
    db.session.flush()
    return street


def save_community(community: Community | None, street: Street, name: str, callback_phone: str | None) -> Community:
    from flask_babel import gettext as _

    if taken(Community, Community.street_id == street.id, Community.name == name,
             except_id=community.id if community is not None else None):
        raise SetupError("name", _("This street already has a community with that name."))
    if community is None:
        community = Community(street_id=street.id, name=name)
        db.session.add(community)
    community.street_id, community.name, community.callback_phone = street.id, name, callback_phone or None
    db.session.flush()
    return community


def note_stickers_printed(building: Building, user_id: int) -> None:
    """The sheet of this building was opened by its secretary: once is enough for the progress figure."""
    from ..audit import audit
    from ..database import writing
    from ..models import AuditLog

    seen = db.session.scalar(select(AuditLog.id).where(AuditLog.action == "stickers_printed",
                                                       AuditLog.object_type == "building",
                                                       AuditLog.object_id == str(building.id)).limit(1))
    if seen is None:
        with writing():
            audit(user_id, "stickers_printed", "building", building.id, name=building.name)


def setup_progress(communities) -> dict[int, dict]:
    """Per community, from its rows of registry.queries.communities_with_counts (which count its
    households, grids and buildings): those counts, the households whose building's stickers were
    printed, and the people working there."""
    from ..models import AuditLog, RoleAssignment

    ids = [row.obj.id for row in communities]
    progress = {row.obj.id: {"households": row.households, "grids": row.grids, "buildings": row.buildings,
                             "stickers": 0, "people": 0} for row in communities}
    if not ids:
        return progress
    printed = [int(value) for value in db.session.scalars(select(AuditLog.object_id).distinct().where(
        AuditLog.action == "stickers_printed", AuditLog.object_type == "building")) if value.isdigit()]
    for cid, n in db.session.execute(select(Household.community_id, func.count()).where(
            Household.community_id.in_(ids), Household.building_id.in_(printed)).group_by(Household.community_id)):
        progress[cid]["stickers"] = n
    now = utcnow()
    current = (RoleAssignment.valid_from <= now) & (RoleAssignment.valid_until.is_(None)
                                                    | (RoleAssignment.valid_until > now))
    for cid, n in db.session.execute(
            select(Grid.community_id, func.count(RoleAssignment.user_id.distinct())).join(
                RoleAssignment, RoleAssignment.grid_id == Grid.id).where(Grid.community_id.in_(ids), current)
            .group_by(Grid.community_id)):
        progress[cid]["people"] += n
    for cid, n in db.session.execute(
            select(Building.community_id, func.count(RoleAssignment.user_id.distinct())).join(
                RoleAssignment, RoleAssignment.building_id == Building.id).where(Building.community_id.in_(ids),
                                                                                 current)
            .group_by(Building.community_id)):
        progress[cid]["people"] += n
    return progress
