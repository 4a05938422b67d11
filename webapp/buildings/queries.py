"""Reading a building in walking order: entrance by entrance, top floor down."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm import selectinload

from ..coverage import active_campaign, door_states
from ..extensions import db
from ..models import Household, Visit


def walking_order(door=Household):
    """Entrance by entrance, top floor down, rooms in order (`door`: Household or an alias of it)."""
    return (door.entrance, door.floor.desc(), door.room)


def _comes_after(later, door):
    """`later` is walked after `door` in its building. Each side is Household, an alias of it, or a
    loaded household (its values), so the rule reads the same in a query and in a correlated column."""
    return and_(later.building_id == door.building_id, or_(
        later.entrance > door.entrance,
        and_(later.entrance == door.entrance, later.floor < door.floor),
        and_(later.entrance == door.entrance, later.floor == door.floor, later.room > door.room)))


def households_of(building_id: int, entrance: int | None = None, floors: tuple[int, int] | None = None,
                  with_residents: bool = False):
    statement = select(Household).where(Household.building_id == building_id)
    if with_residents:
        statement = statement.options(selectinload(Household.residents))
    if entrance is not None:
        statement = statement.where(Household.entrance == entrance)
    if floors is not None:
        statement = statement.where(Household.floor.between(*floors))
    return list(db.session.scalars(statement.order_by(*walking_order())))


def entrances_of(building_id: int) -> list[int]:
    return list(db.session.scalars(select(Household.entrance).where(Household.building_id == building_id)
                                   .distinct().order_by(Household.entrance)))


def next_household(household: Household) -> Household | None:
    """The next door in walking order within the same building."""
    return db.session.scalar(select(Household).where(_comes_after(Household, household))
                             .order_by(*walking_order()).limit(1))


@dataclass(frozen=True)
class NextDoor:
    id: int
    sticker_token: str
    room: str
    entrance: int


@lru_cache(maxsize=1)
def next_door_columns():
    """The next door's id, token, room and entrance as four columns of a query over Household (correlated), so
    a card or a knock reads its door and the next one in one statement. Built once: making the alias
    and its subqueries costs more than running them."""
    after = aliased(Household)
    following = select(after.id).where(_comes_after(after, Household)).order_by(*walking_order(after)).limit(1)
    return (following.scalar_subquery().label("next_id"),
            following.with_only_columns(after.sticker_token).scalar_subquery().label("next_token"),
            following.with_only_columns(after.room).scalar_subquery().label("next_room"),
            following.with_only_columns(after.entrance).scalar_subquery().label("next_entrance"))


def walk_url(household: Household) -> str:
    """The building's walk (the whole building on one page) at this door's row."""
    return url_for("buildings.walk", building_id=household.building_id, _anchor=f"h-{household.id}")


def walk_url_knocked(household: Household, visit_id: int, undone: bool = False, too_late: bool = False) -> str:
    """Without JavaScript, after a tap on the walk (or its undo): the walk at that door, its row confirming
    it as the row htmx swaps in does (已记录, 撤销, the slip, 下一户; or 已撤销; or, for an undo too late,
    why not)."""
    name = "too_late" if too_late else "undone" if undone else "knocked"
    return url_for("buildings.walk", building_id=household.building_id, **{name: visit_id},
                   _anchor=f"h-{household.id}")


def knock_in_building(visit_id: int | None, building_id: int, user_id: int, undone: bool) -> Visit | None:
    """The knock ?knocked= (or ?undone=) names, if it is this user's, at a door of this building, and
    still counts (or was undone)."""
    if visit_id is None:
        return None
    return db.session.scalar(select(Visit).join(Household, Household.id == Visit.household_id).where(
        Visit.id == visit_id, Visit.user_id == user_id, Household.building_id == building_id,
        Visit.undone_at.isnot(None) if undone else Visit.undone_at.is_(None)))


_UNSET = object()


def walk_row_context(household: Household, visit=None, *, campaign=_UNSET, state=None, following=_UNSET) -> dict:
    """What one door's row in the building walk needs (also the fragment after a tap); a caller that
    already has the campaign, the door's state or the next door passes them in."""
    if campaign is _UNSET:
        campaign = active_campaign(household.community_id, household.grid_id)
    if following is _UNSET:
        following = next_household(household)
    if state is None:
        state = door_states([household.id], campaign)[household.id]
    # The walk page holds the whole building: the next door is an anchor on the same page.
    return {"household": household, "state": state, "campaign": campaign, "visit": visit, "request_id": None,
            "next_url": f"#h-{following.id}" if following else None}
