"""Reading a building in walking order: entrance by entrance, top floor down."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_, or_, select

from ..coverage import active_campaign, door_states
from ..extensions import db
from ..models import Building, Household

FLOORS_PER_BAND = 10  # a tower is walked ten floors at a time, so a page stays light


def walking_order():
    return (Household.entrance, Household.floor.desc(), Household.room)


def households_of(building_id: int, entrance: int | None = None, floors: tuple[int, int] | None = None):
    statement = select(Household).where(Household.building_id == building_id)
    if entrance is not None:
        statement = statement.where(Household.entrance == entrance)
    if floors is not None:
        statement = statement.where(Household.floor.between(*floors))
    return list(db.session.scalars(statement.order_by(*walking_order())))


def entrances_of(building_id: int) -> list[int]:
    return list(db.session.scalars(select(Household.entrance).where(Household.building_id == building_id)
                                   .distinct().order_by(Household.entrance)))


@dataclass(frozen=True)
class Band:
    low: int
    high: int

    @property
    def label(self) -> str:
        return f"{self.high}–{self.low}" if self.high != self.low else str(self.low)

    @property
    def param(self) -> str:
        return f"{self.low}-{self.high}"


def bands_of(building: Building) -> list[Band]:
    """Floor bands, top down."""
    top = building.floors
    if top <= FLOORS_PER_BAND:
        return [Band(1, top)]
    bands, high = [], top
    while high >= 1:
        low = max(1, high - FLOORS_PER_BAND + 1)
        bands.append(Band(low, high))
        high = low - 1
    return bands


def band_for_floor(building: Building, floor: int) -> Band:
    return next(b for b in bands_of(building) if b.low <= floor <= b.high)


def parse_band(building: Building, raw: str | None) -> Band:
    bands = bands_of(building)
    for band in bands:
        if band.param == raw:
            return band
    return bands[0]


def next_household(household: Household) -> Household | None:
    """The next door in walking order within the same building."""
    after = or_(
        Household.entrance > household.entrance,
        and_(Household.entrance == household.entrance, Household.floor < household.floor),
        and_(Household.entrance == household.entrance, Household.floor == household.floor,
             Household.room > household.room),
    )
    return db.session.scalar(select(Household).where(Household.building_id == household.building_id, after)
                             .order_by(*walking_order()).limit(1))


def walk_url(household: Household) -> str:
    band = band_for_floor(household.building, household.floor)
    return url_for("buildings.walk", building_id=household.building_id, entrance=household.entrance,
                   floors=band.param, _anchor=f"h-{household.id}")


def walk_url_after(household: Household) -> str:
    following = next_household(household)
    return walk_url(following or household)


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
    return {"household": household, "state": state, "campaign": campaign, "visit": visit,
            "next_url": walk_url(following) if following else None}
