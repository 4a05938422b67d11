"""The people page (/users): a secretary adds volunteers and building leads in her community,
changes what they hold, resets a password to a one-time code, and ends anyone's access at once;
an admin does the same for everyone, secretaries included. And the page where a person holding
a one-time code chooses their own password."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..audit import audit
from ..auth.services import safe_next, username_taken
from ..clock import end_of_local_day, last_local_day
from ..extensions import db
from ..forms import as_choices
from ..hypermedia import ask_first, hx_redirect, is_htmx
from ..idempotency import write_once
from ..models import Building, Grid, User
from ..scope import (
    chosen_community,
    current_scope,
    ended_users_in_communities,
    managed_communities_or_404,
    or_404,
    users_in_communities,
)
from . import bp
from .forms import AssignForm, OwnPasswordForm, PersonActionForm, PersonForm
from .people import (
    assign,
    assignment_problems,
    create_person,
    end_access,
    reset_password,
    set_own_password,
)
from .services import SetupError


def _roles() -> list[str]:
    return ["volunteer", "lead", "secretary"] if current_scope().everything else ["volunteer", "lead"]


def _within():
    """The communities whose assignments this user may change (None: all, for an admin)."""
    scope = current_scope()
    return None if scope.everything else scope.managed_community_ids


def _person_or_404(user_id: int) -> User:
    scope = current_scope()
    person = or_404(db.session.get(User, user_id))
    if person.id == current_user.id or "admin" in person.roles():
        abort(404)  # one's own access and an administrator's are not changed from this page
    if scope.everything:
        return person
    if person not in users_in_communities(scope.managed_community_ids) and not ended_users_in_communities(
            scope.managed_community_ids, _roles(), user_id=person.id):
        abort(404)
    if not person.roles() <= {"volunteer", "lead"}:
        abort(404)  # a secretary manages volunteers and leads; an admin manages secretaries
    return person


def _places(form, community) -> None:
    form.community.choices = as_choices([(c.id, c.name) for c in managed_communities_or_404()])
    if form.community.data is None:
        form.community.data = community.id
    form.grids.choices = as_choices(db.session.execute(
        db.select(Grid.id, Grid.name).where(Grid.community_id == community.id).order_by(Grid.id)).all())
    form.buildings.choices = as_choices(db.session.execute(
        db.select(Building.id, Building.name).where(Building.community_id == community.id)
        .order_by(Building.sort_key, Building.name)).all())
    form.set_roles(_roles())


def _access_end(assignments) -> datetime | None:
    """When what a person holds now ends: the latest end of their assignments; None when one has no end."""
    ends = [a.valid_until for a in assignments]
    return None if not ends or None in ends else max(ends)


def _assign_kwargs(form, community, kept_end: datetime | None = None) -> dict:
    """What to assign, from the form. kept_end: the person's current access end, kept to the minute while the
    form shows its day unchanged (an end set by an invite or in bulk need not fall at midnight)."""
    role = form.role.data
    community_id = form.community.data if role == "secretary" else None
    if community_id not in {c.id for c in managed_communities_or_404()}:
        community_id = None  # not one of hers: assignment_problems() asks to choose the community
    return {"community_id": community_id,
            "grid_ids": list(form.grids.data or ()) if role == "volunteer" else [],
            "building_ids": list(form.buildings.data or ()) if role in ("volunteer", "lead") else [],
            "valid_until": _chosen_end(form.valid_until.data, kept_end)}


def _chosen_end(day, kept_end: datetime | None) -> datetime | None:
    if day is None:
        return None
    if kept_end is not None and day == last_local_day(kept_end):
        return kept_end
    return end_of_local_day(day)


# Those whose access ended, listed under the people working now: the latest this many.
ENDED_SHOWN = 50


def _people_page(community, form=None, status=200):
    scope = current_scope()
    people = users_in_communities(None if scope.everything else scope.managed_community_ids)
    # An administrator's list holds everyone, ended or not; a secretary's, those working now, and
    # below them those whose access here has ended.
    ended = [] if scope.everything else ended_users_in_communities(scope.managed_community_ids, _roles(),
                                                                   limit=ENDED_SHOWN)
    if form is None:
        form = PersonForm.blank(role="volunteer")
    _places(form, community)
    return render_template("setup/people.html", people=people, ended=ended, ended_shown=ENDED_SHOWN, form=form,
                           community=community, communities=managed_communities_or_404()), status


def _valid_with_every_problem(form, community, new_person: bool = False) -> bool:
    """The form's own checks, a taken user name and what the role needs, all shown at once (not one per try)."""
    valid = form.validate_on_submit()
    problems = assignment_problems(form.role.data, **_assign_kwargs(form, community)) \
        if form.role.data and not form.role.errors else []
    # A taken user name is said beside the other mistakes. Alone, it is left to create_person(), after
    # write_once() has recognised a form sent twice (that is "already added", not "taken").
    if (problems or not valid) and new_person and form.username.data and not form.username.errors \
            and username_taken(form.username.data):
        problems.append(SetupError("username", _("That user name is taken; choose another.")))
    for problem in problems:
        problem.show_on(form)
    return valid and not problems


@bp.get("/users")
@login_required
def users():
    return _people_page(chosen_community(managed_communities_or_404()))


@bp.post("/users")
@login_required
def person_create():
    community = chosen_community(managed_communities_or_404())
    form = PersonForm()
    _places(form, community)
    if not _valid_with_every_problem(form, community, new_person=True):
        return _people_page(community, form, status=422)
    try:
        def add():
            user, code = create_person(form.username.data.strip(), form.name.data.strip(), form.phone.data,
                                       form.role.data, created_by_id=current_user.id, **_assign_kwargs(form, community))
            audit(current_user.id, "person_added", "user", user.id, name=user.display_name, role=form.role.data)
            return user, code

        made = write_once(form.request_id.data, current_user.id, "person", add)
    except SetupError as error:
        error.show_on(form)
        return _people_page(community, form, status=422)
    if made is None:
        flash(_("That person was already added."))
        return hx_redirect(url_for("setup.users", community=community.id))
    person, code = made
    return render_template("setup/code.html", person=person, code=code, new=True)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int):
    person = _person_or_404(user_id)
    community = chosen_community(managed_communities_or_404())
    current = person.current_assignments()
    if request.method in ("GET", "HEAD"):
        # Someone whose access has ended: the form offers what they last held, to give it back.
        shown = current or _last_held(person)
        form = AssignForm.blank(
            role=shown[0].role if shown else "volunteer", grids=[a.grid_id for a in shown if a.grid_id],
            buildings=[a.building_id for a in shown if a.building_id],
            community=next((a.community_id for a in shown if a.community_id), None),
            valid_until=last_local_day(ends) if current and (ends := _access_end(current)) else None)
        _places(form, community)
        return _person_page(person, form, community)
    form = AssignForm()
    _places(form, community)
    if _valid_with_every_problem(form, community):
        try:
            write_once(form.request_id.data, current_user.id, "assign", lambda: assign(
                person, form.role.data, created_by_id=current_user.id, within=_within(),
                **_assign_kwargs(form, community, kept_end=_access_end(current))))
            flash(_("%(name)s now holds what you chose.", name=person.display_name))
            return hx_redirect(url_for("setup.users", community=community.id))
        except SetupError as error:
            error.show_on(form)
    return _person_page(person, form, community, status=422)


def _last_held(person: User) -> list:
    """The assignments that ended last (their access ended all at once, by hand, by day or with an invite)."""
    ended = [a for a in person.assignments if a.valid_until is not None and a.role in _roles()]
    last = max((a.valid_until for a in ended), default=None)
    return [a for a in ended if a.valid_until == last]


def _person_page(person, form, community, status=200):
    ended = None if person.current_assignments() else max(
        (a.valid_until for a in person.assignments if a.valid_until is not None), default=None)
    return render_template("setup/person.html", person=person, form=form, community=community, ended=ended,
                           action=PersonActionForm.blank()), status


@bp.post("/users/<id:user_id>/reset")
@login_required
def person_reset(user_id: int):
    person = _person_or_404(user_id)
    form = PersonActionForm()
    if not form.validate_on_submit():
        abort(400)
    asked = ask_first(_("Reset the password of %(name)s? Their old password stops working and they are logged out.",
                        name=person.display_name), back=url_for("setup.person", user_id=person.id))
    if asked:
        return asked

    def reset():
        audit(current_user.id, "password_reset", "user", person.id, name=person.display_name)
        return reset_password(person)

    code = write_once(form.request_id.data, current_user.id, "reset", reset)
    if code is None:
        flash(_("That reset was already done; reset again for a new code."))
        return hx_redirect(url_for("setup.person", user_id=person.id))
    return render_template("setup/code.html", person=person, code=code, new=False)


@bp.post("/users/<id:user_id>/end")
@login_required
def person_end(user_id: int):
    person = _person_or_404(user_id)
    form = PersonActionForm()
    if not form.validate_on_submit():
        abort(400)
    asked = ask_first(_("End the access of %(name)s now?", name=person.display_name),
                      back=url_for("setup.person", user_id=person.id))
    if asked:
        return asked

    def end():
        audit(current_user.id, "access_ended", "user", person.id, name=person.display_name)
        end_access(person, within=_within())

    write_once(form.request_id.data, current_user.id, "end_access", end)
    flash(_("%(name)s's access has ended; they are logged out everywhere.", name=person.display_name))
    return hx_redirect(url_for("setup.users"))


# --- choosing one's own password after a one-time code --------------------------------------

ALLOWED_WITH_CODE = {"setup.own_password", "auth.logout", "auth.language", "static"}


@bp.before_app_request
def must_choose_password():
    if (current_user.is_authenticated and getattr(current_user, "must_change_password", False)
            and request.endpoint not in ALLOWED_WITH_CODE):
        # A sticker scanned before the first login (/h/… → /login → here) is where the person is going: the
        # password page takes them there once the password is chosen, not to the home page.
        going = request.full_path.rstrip("?") if request.method == "GET" and not is_htmx() else None
        target = url_for("setup.own_password", next=going if going and request.endpoint != "home.index" else None)
        return hx_redirect(target) if is_htmx() else redirect(target)
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def own_password():
    form = OwnPasswordForm() if request.method == "POST" else OwnPasswordForm.blank()
    form.username_value = current_user.username
    if request.method == "POST":
        if form.validate_on_submit():
            user = current_user.record()
            # The same form sent twice (a double tap, a resend) sets the password once.
            write_once(form.request_id.data, user.id, "own_password",
                       lambda: set_own_password(user, form.password.data))
            login_user(user)  # this session goes on; every other one has ended
            flash(_("Your password is set."))
            return hx_redirect(safe_next(request.args.get("next")) or url_for("home.index"))
        return render_template("setup/password.html", form=form, next=safe_next(request.args.get("next"))), 422
    return render_template("setup/password.html", form=form, next=safe_next(request.args.get("next")))
