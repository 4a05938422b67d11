from flask import render_template
from flask_login import current_user, login_required

from ..models import Building, Community, Grid, Household, utcnow
from ..registry.queries import (
    buildings_with_counts,
    communities_with_counts,
    grids_with_counts,
    resident_count,
)
from ..scope import users_in_communities
from . import bp


@bp.get("/")
@login_required
def index():
    assignments = current_user.current_assignments(utcnow())
    roles = {a.role for a in assignments}
    sections = {}
    if "admin" in roles:
        sections["admin"] = {
            "communities": communities_with_counts(Community.id.isnot(None)),
            "users": users_in_communities(None),
        }
    secretary_of = [a.community_id for a in assignments if a.role == "secretary"]
    if secretary_of:
        sections["secretary"] = {
            "communities": communities_with_counts(Community.id.in_(secretary_of)),
            "grids": grids_with_counts(Grid.community_id.in_(secretary_of)),
            "buildings": buildings_with_counts(Building.community_id.in_(secretary_of)),
            "residents": resident_count(Household.community_id.in_(secretary_of)),
            "users": users_in_communities(frozenset(secretary_of)),
        }
    lead_of = [a.building_id for a in assignments if a.role == "lead"]
    if lead_of:
        sections["lead"] = {"buildings": buildings_with_counts(Building.id.in_(lead_of))}
    volunteer_grids = [a.grid_id for a in assignments if a.role == "volunteer" and a.grid_id]
    volunteer_buildings = [a.building_id for a in assignments if a.role == "volunteer" and a.building_id]
    if volunteer_grids or volunteer_buildings:
        sections["volunteer"] = {
            "grids": grids_with_counts(Grid.id.in_(volunteer_grids)),
            "buildings": buildings_with_counts(
                Building.grid_id.in_(volunteer_grids) | Building.id.in_(volunteer_buildings)
            ),
        }
    ends = [a.valid_until for a in assignments if a.valid_until]
    return render_template("home/index.html", sections=sections, access_ends=min(ends) if ends else None)
