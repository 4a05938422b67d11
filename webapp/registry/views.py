"""Browse the registry within one's scope, search it, and reveal a number when it is needed."""
from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from ..printing import printed_url, qr_svg
from ..database import writing
from ..extensions import db
from ..hypermedia import page_or_fragment
from ..idempotency import valid_request_id
from ..models import Building, Grid, Household, Resident
from ..scope import community_or_404, current_scope, grid_or_404, or_404
from . import bp
from .services import reveal_field
from .queries import buildings_with_counts, grids_with_counts, resident_count
from ..search import LIMIT as SEARCH_LIMIT, search as run_search


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


@bp.get("/grids/<id:grid_id>/poster")
@login_required
def poster(grid_id: int):
    """The grid's self-report code (报备码), to print for building entrances."""
    grid = grid_or_404(grid_id)
    url = printed_url("public.self_report", token=grid.report_token)
    return render_template("registry/poster.html", grid=grid, svg=qr_svg(url), url=url)


@bp.get("/search")
@login_required
def search():
    """Name, last four digits of a phone, or address fragments, across the user's whole scope."""
    query = (request.args.get("q") or "").strip()[:60]
    # One more than is shown: past SEARCH_LIMIT the page says so and asks for more of the query, rather than
    # counting the first hits as if they were all.
    found = run_search(current_scope(), query, limit=SEARCH_LIMIT + 1) if query else []
    return page_or_fragment("registry/search.html", "registry/_search_results.html", query=query,
                            hits=found[:SEARCH_LIMIT], more=len(found) > SEARCH_LIMIT, limit=SEARCH_LIMIT)


@bp.post("/residents/<id:resident_id>/reveal")
@login_required
def reveal(resident_id: int):
    """Show one full phone or ID number: a deliberate act, written to the audit log."""
    resident = or_404(db.session.scalar(select(Resident).join(Household).where(
        Resident.id == resident_id, current_scope().households())))
    what = request.form.get("field")
    request_id = request.form.get("request_id")
    if what not in ("phone", "id_number") or not valid_request_id(request_id):
        abort(400)
    with writing():
        value = reveal_field(resident, what, current_user.id, request_id)
    return page_or_fragment("registry/revealed.html", "registry/_revealed.html", resident=resident, field=what,
                            value=value)
