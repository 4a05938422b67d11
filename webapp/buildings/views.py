from flask import abort, render_template
from flask_login import current_user, login_required

from ..coverage import DEFAULT_MAX_ATTEMPTS, active_campaign, door_states
from ..forms import BlankForm
from ..hypermedia import id_arg
from ..scope import building_or_404, current_scope
from . import bp
from ..idempotency import new_request_id
from ..slips.queries import slip_of_visit
from .queries import entrances_of, households_of, knock_in_building
from ..printing import printed_url, qr_svg


@bp.get("/buildings/<id:building_id>")
@login_required
def building(building_id: int):
    building = building_or_404(building_id)
    households = households_of(building.id)
    campaign = active_campaign(building.community_id, building.grid_id)
    states = door_states([h.id for h in households], campaign)
    entrances: dict[int, list] = {}
    for household in households:
        entrances.setdefault(household.entrance, []).append(household)
    return render_template("buildings/building.html", building=building, entrances=entrances,
                           total=len(households), states=states, campaign=campaign)


@bp.get("/buildings/<id:building_id>/walk")
@login_required
def walk(building_id: int):
    """The whole building on one light page, entrance by entrance, top floor down: the unit a volunteer
    takes offline (the service worker keeps it; without one, its scanner finds a door of it locally).
    Old links with ?entrance= or ?floors= land on the same page."""
    building = building_or_404(building_id)
    households = households_of(building.id, with_residents=True)
    campaign = active_campaign(building.community_id, building.grid_id)
    floors: dict[tuple[int, int], list] = {}
    for household in households:
        floors.setdefault((household.entrance, household.floor), []).append(household)
    index: dict[int, list[int]] = {}
    for entrance, floor in floors:
        index.setdefault(entrance, []).append(floor)
    # One random part per page and the door's id: a request id per row that costs a few bytes.
    nonce = new_request_id()[:16]
    return render_template("buildings/walk.html", building=building, floors=floors, index=index, nonce=nonce,
                           campaign=campaign, states=door_states([h.id for h in households], campaign),
                           **_knocked_row(households, building.id))


def _knocked_row(households, building_id: int) -> dict:
    """Without JavaScript a tap on the walk comes back here with ?knocked=<visit>: that door's row confirms
    the knock as the row htmx swaps in does (已记录, 撤销, the slip after 无人在家, 下一户); after its
    undo, ?undone=<visit> says 已撤销 in that row (and that its slip stays, where the household answered it)."""
    undone = knock_in_building(id_arg("undone"), building_id, current_user.id, undone=True)
    knocked = knock_in_building(id_arg("knocked"), building_id, current_user.id, undone=False)
    # ?too_late=<visit>: its undo came too late; the row says so, and offers to knock again to correct it.
    late = knock_in_building(id_arg("too_late"), building_id, current_user.id, undone=False)
    if late is not None:
        return {"knocked": None, "undone_door": None, "kept_slip": None, "late_door": late.household_id}
    if knocked is None:
        # An undone not_home knock whose slip the household answered keeps that slip at the door: the row says so.
        kept = slip_of_visit(undone.id) if undone is not None and undone.outcome == "not_home" else None
        return {"knocked": None, "undone_door": undone.household_id if undone else None, "kept_slip": kept,
                "late_door": None}
    ids = [h.id for h in households]
    at = ids.index(knocked.household_id)
    slip = {"bind_form": BlankForm(), "slip": slip_of_visit(knocked.id)} if knocked.outcome == "not_home" else {}
    return {"knocked": knocked, "knocked_next": f"#h-{ids[at + 1]}" if at + 1 < len(ids) else None,
            "undone_door": None, "kept_slip": None, "late_door": None, **slip}


@bp.get("/buildings/<id:building_id>/stickers")
@login_required
def stickers(building_id: int):
    building = building_or_404(building_id)
    sheet = [(h, qr_svg(printed_url("doors.card", token=h.sticker_token))) for h in households_of(building.id)]
    if not sheet:
        abort(404)
    if current_scope().manages(building.community_id):
        from ..setup.services import note_stickers_printed

        note_stickers_printed(building, current_user.id)  # set-up progress counts printed sheets
    return render_template("buildings/stickers.html", building=building, sheet=sheet)


# More rows of cells than this and the button under the picture is off a 360×640 phone's first screen (the
# legend's notes take a line or two): the walk is offered above the picture too.
TALL_PICTURE = 5
PICTURE_KEYS = ("reached", "not_home", "slip_left", "escalated", "refused", "vacant", "wrong_address", "not_yet")


@bp.get("/buildings/<id:building_id>/floors")
@login_required
def floors(building_id: int):
    """The building as a picture: entrances as columns, floors as rows, a coloured cell per door."""
    building = building_or_404(building_id)
    households = households_of(building.id)
    campaign = active_campaign(building.community_id, building.grid_id)
    states = door_states([h.id for h in households], campaign)
    grid: dict[int, dict[int, list]] = {}
    for household in households:
        grid.setdefault(household.floor, {}).setdefault(household.entrance, []).append(household)
    counts = {key: 0 for key in PICTURE_KEYS}
    for state in states.values():
        counts[state.picture_key] += 1
    entrances = entrances_of(building.id)
    return render_template("buildings/floors.html", building=building, campaign=campaign, states=states,
                           floors=sorted(grid, reverse=True), grid=grid, entrances=entrances,
                           households=households, counts=counts, keys=PICTURE_KEYS,
                           tall=_picture_rows(building, grid, len(entrances)) > TALL_PICTURE,
                           max_attempts=campaign.max_attempts if campaign else DEFAULT_MAX_ATTEMPTS)


def _picture_rows(building, grid: dict[int, dict[int, list]], entrances: int) -> int:
    """How many rows of cells the picture runs to on a phone: a row of houses five to a line; a floor as
    many lines as its widest entrance needs, at most 6 // entrances doors a line (floors.html's rule)."""
    if building.kind in ("bungalow", "courtyard"):
        return -(-sum(len(doors) for floor in grid.values() for doors in floor.values()) // 5)
    widest = max(6 // (entrances or 1), 1)
    return sum(max(-(-len(doors) // widest) for doors in floor.values()) for floor in grid.values())
