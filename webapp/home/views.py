from flask import render_template
from flask_login import current_user, login_required

from ..lists.queries import open_task_count
from ..models import Building, Community, Grid, Household
from ..registry.queries import (
    buildings_with_counts,
    communities_with_counts,
    grids_with_counts,
    resident_count,
)
from ..scope import current_scope, users_in_communities
from ..slips.queries import inbox_count
from . import bp


@bp.get("/")
@login_required
def index():
    scope = current_scope()
    sections = {}
    if scope.everything:
        sections["admin"] = {
            "communities": communities_with_counts(Community.id.isnot(None)),
            "users": users_in_communities(None),
        }
    if scope.managed_community_ids:
        runs = scope.managed_community_ids
        sections["secretary"] = {
            "communities": communities_with_counts(Community.id.in_(runs)),
            "grids": grids_with_counts(Grid.community_id.in_(runs)),
            "buildings": buildings_with_counts(Building.community_id.in_(runs)),
            "residents": resident_count(Household.community_id.in_(runs)),
            "users": users_in_communities(runs),
        }
    if scope.lead_building_ids:
        sections["lead"] = {"buildings": buildings_with_counts(Building.id.in_(scope.lead_building_ids))}
    if scope.grid_ids or scope.volunteer_building_ids:
        sections["volunteer"] = {
            "grids": grids_with_counts(Grid.id.in_(scope.grid_ids)),
            "buildings": buildings_with_counts(
                Building.grid_id.in_(scope.grid_ids) | Building.id.in_(scope.volunteer_building_ids)
            ),
        }
    # A list check handed to someone in the field shows on their 名单核查 button until it is done.
    open_checks = open_task_count(current_user.id) if "volunteer" in sections or "lead" in sections else 0
    return render_template("home/index.html", sections=sections, access_ends=scope.access_ends,
                           open_checks=open_checks, in_inbox=inbox_count(scope) if sections else 0)
