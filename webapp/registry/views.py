"""Browse the registry within one's scope."""
from flask import abort, render_template
from flask_login import login_required

from ..models import Building, Grid, Household
from ..scope import community_or_404, current_scope, grid_or_404
from . import bp
from .queries import buildings_with_counts, grids_with_counts, resident_count, users_in_communities


@bp.get("/communities/<id:community_id>")
@login_required
def community(community_id: int):
    community = community_or_404(community_id)
    return render_template(
        "registry/community.html",
        community=community,
        grids=grids_with_counts(Grid.community_id == community.id),
        buildings=buildings_with_counts(Building.community_id == community.id),
        residents=resident_count(Household.community_id == community.id),
    )


@bp.get("/grids/<id:grid_id>")
@login_required
def grid(grid_id: int):
    grid = grid_or_404(grid_id)
    return render_template("registry/grid.html", grid=grid, buildings=buildings_with_counts(Building.grid_id == grid.id))


@bp.get("/users")
@login_required
def users():
    scope = current_scope()
    if not scope.everything and not scope.managed_community_ids:
        abort(404)
    people = users_in_communities(None if scope.everything else scope.managed_community_ids)
    return render_template("registry/users.html", users=people)
