from flask import abort, render_template, request
from flask_login import login_required

from ..coverage import active_campaign, door_states
from ..hypermedia import int_type
from ..scope import building_or_404
from . import bp
from .queries import bands_of, entrances_of, households_of, parse_band
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
    building = building_or_404(building_id)
    entrances = entrances_of(building.id) or [1]
    entrance = request.args.get("entrance", type=int_type(1, 200))
    if entrance not in entrances:
        entrance = entrances[0]
    band = parse_band(building, request.args.get("floors"))
    households = households_of(building.id, entrance, (band.low, band.high))
    campaign = active_campaign(building.community_id, building.grid_id)
    floors: dict[int, list] = {}
    for household in households:
        floors.setdefault(household.floor, []).append(household)
    return render_template("buildings/walk.html", building=building, entrances=entrances, entrance=entrance,
                           bands=bands_of(building), band=band, floors=floors, campaign=campaign,
                           states=door_states([h.id for h in households], campaign))


@bp.get("/buildings/<id:building_id>/stickers")
@login_required
def stickers(building_id: int):
    building = building_or_404(building_id)
    sheet = [(h, qr_svg(printed_url("doors.card", token=h.sticker_token))) for h in households_of(building.id)]
    if not sheet:
        abort(404)
    return render_template("buildings/stickers.html", building=building, sheet=sheet)


PICTURE_KEYS = ("reached", "not_home", "slip_left", "refused", "vacant", "wrong_address", "not_yet")


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
    return render_template("buildings/floors.html", building=building, campaign=campaign, states=states,
                           floors=sorted(grid, reverse=True), grid=grid, entrances=entrances_of(building.id),
                           households=households, counts=counts, keys=PICTURE_KEYS)
