"""Places: a secretary creates grids and buildings, and keeps households right; an admin creates
streets and communities and sees every community's set-up progress."""
from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..forms import as_choices
from ..hypermedia import ask_first, hx_redirect, int_type
from ..idempotency import write_once
from ..models import Building, Community, Grid, Household, Street
from ..registry.queries import buildings_with_counts, communities_with_counts, grids_with_counts
from ..scope import chosen_community, current_scope, managed_communities_or_404, managed_or_404, or_404
from . import bp
from .forms import (
    BuildingEditForm,
    BuildingForm,
    CommunityForm,
    GridForm,
    HouseholdForm,
    MergeForm,
    RemoveForm,
    StreetForm,
)
from .services import (
    SetupError,
    add_household,
    building_name_problem,
    create_building,
    create_grid,
    create_street,
    edit_household,
    generate_doors,
    merge_households,
    remove_household,
    rename_grid,
    save_community,
    setup_progress,
    update_building,
)


def _admin_or_404() -> None:
    if not current_scope().everything:
        abort(404)


def _grid_choices(community_id: int):
    return as_choices([(g.id, g.name) for g in db.session.scalars(select(Grid).where(Grid.community_id == community_id)
                                                         .order_by(Grid.id))])


def _done(kind: str, form, action) -> bool:
    """Run one write under its request id: False (with the message beside the field) on bad input."""
    try:
        write_once(form.request_id.data, current_user.id, kind, action)
    except SetupError as error:
        error.show_on(form)
        return False
    return True


# --- the places of a community ----------------------------------------------------------------


def _places_page(community, grid_form=None, failed=None, status=200):
    progress = setup_progress(communities_with_counts(Community.id == community.id))[community.id]
    return render_template(
        "setup/places.html", community=community, communities=managed_communities_or_404(), progress=progress,
        grids=grids_with_counts(Grid.community_id == community.id),
        buildings=buildings_with_counts(Building.community_id == community.id),
        grid_form=grid_form or GridForm.blank(), rename=GridForm.blank,
        failed_grid_id=failed[0] if failed else None, failed_grid=failed[1] if failed else None), status


@bp.get("/setup")
@login_required
def places():
    return _places_page(chosen_community(managed_communities_or_404()))


@bp.post("/setup/grids")
@login_required
def grid_create():
    community = chosen_community(managed_communities_or_404())
    form = GridForm()
    if form.validate_on_submit() and _done("grid", form, lambda: create_grid(community, form.name.data.strip())):
        flash(_("Grid %(name)s created.", name=form.name.data.strip()))
        return hx_redirect(url_for("setup.places", community=community.id))
    return _places_page(community, grid_form=form, status=422)


@bp.post("/setup/grids/<id:grid_id>")
@login_required
def grid_rename(grid_id: int):
    grid = managed_or_404(Grid, grid_id)
    form = GridForm()
    if form.validate_on_submit() and _done("grid", form, lambda: rename_grid(grid, form.name.data.strip())):
        return hx_redirect(url_for("setup.places", community=grid.community_id))
    return _places_page(grid.community, failed=(grid.id, form), status=422)


# --- buildings --------------------------------------------------------------------------------


@bp.route("/setup/buildings/new", methods=["GET", "POST"])
@login_required
def building_new():
    community = chosen_community(managed_communities_or_404())
    form = BuildingForm() if request.method == "POST" else BuildingForm.blank()
    form.grid.choices = _grid_choices(community.id)
    wanted_grid = request.args.get("grid", type=int_type())  # "add a building" from a grid's row
    if request.method in ("GET", "HEAD") and wanted_grid in {c.value for c in form.grid.choices}:
        form.grid.data = wanted_grid
    doors = []
    if request.method == "POST" and form.validate_on_submit():
        kind = form.kind.data
        if kind in ("bungalow", "courtyard"):
            doors = generate_doors(kind, form.address_prefix.data.strip(), count=form.count.data or 1,
                                   start=form.start.data or 1)
        else:
            doors = generate_doors(kind, form.address_prefix.data.strip(), entrances=form.entrances.data or 1,
                                   floors=form.floors.data or 1, per_floor=form.per_floor.data or 1,
                                   skip=form.skipped())
        if len(doors) > 5000:
            form.floors.errors = [_("That makes %(num)d doors; at most 5000 at once.", num=len(doors))]
        else:
            grid = db.session.get(Grid, form.grid.data)
            made = {}

            def action():
                made["building"] = create_building(community, grid, form.name.data.strip(), kind, doors)

            if _done("building", form, action):
                building = made.get("building") or db.session.scalar(select(Building).where(
                    Building.community_id == community.id, Building.name == form.name.data.strip()))
                flash(_("%(name)s created with %(num)d doors; its stickers are ready to print.",
                        name=form.name.data.strip(), num=len(doors)))
                return hx_redirect(url_for("setup.building", building_id=building.id))
    elif request.method == "POST" and form.name.data and not form.name.errors:
        # A name already used is said beside the other mistakes, not after they are mended.
        problem = building_name_problem(community.id, form.name.data.strip())
        if problem:
            problem.show_on(form)
    status = 422 if request.method == "POST" else 200
    if not form.grid.choices:
        flash(_("Create a grid first: every building belongs to a grid."), "info")
    return render_template("setup/building_new.html", community=community, form=form), status


@bp.route("/setup/buildings/<id:building_id>", methods=["GET", "POST"])
@login_required
def building(building_id: int):
    building = managed_or_404(Building, building_id)
    form = BuildingEditForm() if request.method == "POST" else BuildingEditForm.blank(
        name=building.name, grid=building.grid_id)
    form.grid.choices = _grid_choices(building.community_id)
    if request.method == "POST":
        if form.validate_on_submit() and _done("building", form, lambda: update_building(
                building, form.name.data.strip(), db.session.get(Grid, form.grid.data))):
            flash(_("Saved."))
            return hx_redirect(url_for("setup.building", building_id=building.id))
        return _building_page(building, form, status=422)
    return _building_page(building, form)


def _building_page(building, form, household_form=None, status=200):
    households = db.session.scalars(select(Household).where(Household.building_id == building.id).order_by(
        Household.entrance, Household.floor, Household.room)).all()
    return render_template("setup/building.html", building=building, form=form, households=households,
                           household_form=household_form or HouseholdForm.blank(entrance=1, floor=1)), status


@bp.post("/setup/buildings/<id:building_id>/households")
@login_required
def household_add(building_id: int):
    building = managed_or_404(Building, building_id)
    form = HouseholdForm()
    if form.validate_on_submit() and _done("household", form, lambda: add_household(
            building, form.entrance.data, form.floor.data, form.room.data.strip(), form.address.data.strip(),
            form.status.data)):
        flash(_("Household %(address)s added; its sticker is on the sheet.", address=form.address.data.strip()))
        return hx_redirect(url_for("setup.building", building_id=building.id))
    edit = BuildingEditForm.blank(name=building.name, grid=building.grid_id)
    edit.grid.choices = _grid_choices(building.community_id)
    return _building_page(building, edit, household_form=form, status=422)


# --- households -------------------------------------------------------------------------------


def _household_page(household, form=None, merge=None, status=200):
    merge = merge or MergeForm.blank()
    merge.target.choices = as_choices([(h.id, h.address) for h in db.session.scalars(
        select(Household).where(Household.building_id == household.building_id, Household.id != household.id)
        .order_by(Household.entrance, Household.floor, Household.room))])
    form = form or HouseholdForm.blank(entrance=household.entrance, floor=household.floor, room=household.room,
                                       address=household.address, status=household.status)
    return render_template("setup/household.html", household=household, form=form, merge=merge,
                           remove=RemoveForm.blank()), status


@bp.route("/setup/households/<id:household_id>", methods=["GET", "POST"])
@login_required
def household(household_id: int):
    household = managed_or_404(Household, household_id)
    if request.method in ("GET", "HEAD"):
        return _household_page(household)
    form = HouseholdForm()
    if form.validate_on_submit() and _done("household", form, lambda: edit_household(
            household, current_user.id, entrance=form.entrance.data, floor=form.floor.data,
            room=form.room.data.strip(), address=form.address.data.strip(), status=form.status.data)):
        flash(_("Saved."))
        return hx_redirect(url_for("setup.building", building_id=household.building_id))
    return _household_page(household, form=form, status=422)


@bp.post("/setup/households/<id:household_id>/remove")
@login_required
def household_remove(household_id: int):
    household = managed_or_404(Household, household_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    asked = ask_first(_("Remove %(address)s?", address=household.address),
                      back=url_for("setup.household", household_id=household.id))
    if asked:
        return asked
    building_id, address, outcome = household.building_id, household.address, {}

    def action():
        outcome["result"] = remove_household(household, current_user.id)

    _done("household_remove", form, action)
    if outcome.get("result") == "kept":
        flash(_("%(address)s has visits on record, so it is kept and marked as moved out.", address=address))
    else:
        flash(_("%(address)s removed.", address=address))
    return hx_redirect(url_for("setup.building", building_id=building_id))


@bp.post("/setup/households/<id:household_id>/merge")
@login_required
def household_merge(household_id: int):
    household = managed_or_404(Household, household_id)
    form = MergeForm()
    form.target.choices = as_choices([(h.id, h.address) for h in db.session.scalars(
        select(Household).where(Household.building_id == household.building_id, Household.id != household.id))])
    if form.validate_on_submit():
        target = managed_or_404(Household, form.target.data)
        building_id, address = household.building_id, household.address
        if _done("household_merge", form, lambda: merge_households(household, target, current_user.id)):
            flash(_("%(address)s merged into %(target)s; its old sticker now says it was replaced.",
                    address=address, target=target.address))
            return hx_redirect(url_for("setup.building", building_id=building_id))
    return _household_page(household, merge=form, status=422)


# --- streets and communities (admin) ----------------------------------------------------------


def _admin_page(street_form=None, community_form=None, status=200, failed_edit=None):
    """`failed_edit` is (community id, form) of an edit sent back with its messages beside its fields."""
    streets = db.session.scalars(select(Street).order_by(Street.name)).all()
    community_form = community_form or CommunityForm.blank()
    community_form.street.choices = as_choices([(s.id, s.name) for s in streets])
    rows = communities_with_counts(Community.id.isnot(None))

    def edit_form(community):
        if failed_edit and failed_edit[0] == community.id:
            form = failed_edit[1]
        else:
            form = CommunityForm.blank(name=community.name, street=community.street_id,
                                       callback_phone=community.callback_phone)
        form.street.choices = community_form.street.choices
        for field in (form.name, form.street, form.callback_phone):  # one page, many forms: ids stay unique
            field.id = f"c{community.id}-{field.id}"
        return form

    return render_template("setup/admin.html", streets=streets, rows=rows,
                           progress=setup_progress(rows),
                           street_form=street_form or StreetForm.blank(), community_form=community_form,
                           edit_form=edit_form), status


@bp.get("/setup/communities")
@login_required
def communities():
    _admin_or_404()
    return _admin_page()


@bp.post("/setup/streets")
@login_required
def street_create():
    _admin_or_404()
    form = StreetForm()
    if form.validate_on_submit() and _done("street", form, lambda: create_street(form.name.data.strip())):
        flash(_("Street %(name)s created.", name=form.name.data.strip()))
        return hx_redirect(url_for("setup.communities"))
    return _admin_page(street_form=form, status=422)


@bp.post("/setup/communities")
@login_required
def community_create():
    _admin_or_404()
    form = CommunityForm()
    form.street.choices = as_choices([(s.id, s.name) for s in db.session.scalars(select(Street))])
    if form.validate_on_submit() and _done("community", form, lambda: save_community(
            None, db.session.get(Street, form.street.data), form.name.data.strip(), form.callback_phone.data)):
        name = form.name.data.strip()
        created = db.session.scalar(select(Community.id).where(Community.street_id == form.street.data,
                                                              Community.name == name))
        # The next step is a person: the message takes the admin there, to the new community's people page.
        flash(Markup('%s <a class="button" href="%s">%s</a>') % (_("Community %(name)s created.", name=name),
                                                  url_for("setup.users", community=created, _anchor="add-person"),
                                                  _("Appoint its secretary")))
        return hx_redirect(url_for("setup.communities"))
    return _admin_page(community_form=form, status=422)


@bp.post("/setup/communities/<id:community_id>")
@login_required
def community_edit(community_id: int):
    _admin_or_404()
    community = or_404(db.session.get(Community, community_id))
    form = CommunityForm()
    form.street.choices = as_choices([(s.id, s.name) for s in db.session.scalars(select(Street))])
    if form.validate_on_submit() and _done("community", form, lambda: save_community(
            community, db.session.get(Street, form.street.data), form.name.data.strip(), form.callback_phone.data)):
        flash(_("Saved."))
        return hx_redirect(url_for("setup.communities"))
    return _admin_page(status=422, failed_edit=(community.id, form))
