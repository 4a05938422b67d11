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


@bp.get("/grids/<id:grid_id>/poster")
@login_required
def poster(grid_id: int):
    """The grid's self-report code (报备码), to print for building entrances."""
    from flask import current_app, request, url_for

    from ..buildings.stickers import qr_svg

    grid = grid_or_404(grid_id)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    url = base + url_for("public.self_report", token=grid.report_token)
    return render_template("registry/poster.html", grid=grid, svg=qr_svg(url), url=url)
