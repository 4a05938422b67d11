"""The secretary's invites (create, poster, who joined, end, keep) and the public join page."""
from __future__ import annotations

from dataclasses import replace

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from ..auth.services import hash_password, username_taken
from ..database import reads_then_writes, writing
from ..extensions import db
from ..hypermedia import ask_first, hx_redirect, is_htmx, page_or_fragment
from ..models import Building, Grid, Invite, utcnow
from ..paging import page_number
from ..printing import printed_url, qr_svg
from ..public.ratelimit import limit
from ..scope import chosen_community, managed_communities_or_404
from . import bp
from .forms import ActionForm, CodeForm, InviteForm, JoinForm
from .queries import activity_of, invite_or_404, invites_of, person_or_404
from .services import create_invite, end_invite, end_person, join, join_count, keep_person, normalize_code


def _invite_form(community, form: InviteForm | None = None) -> InviteForm:
    form = form or InviteForm.fresh()
    form.grids.choices = [(g.id, g.name) for g in db.session.scalars(
        select(Grid).where(Grid.community_id == community.id).order_by(Grid.id))]
    form.buildings.choices = [(b.id, f"{b.grid.name} · {b.name}") for b in db.session.scalars(
        select(Building).where(Building.community_id == community.id).order_by(Building.grid_id, Building.sort_key))]
    return form


def _index_page(community, communities, form: InviteForm | None, status: int = 200):
    """The invites, newest first, a page at a time (htmx's "show more" gets the next rows alone), and the
    form for a new one."""
    page = invites_of(community.id, page_number())
    now = utcnow()
    invites = replace(page, rows=[(invite, joined, invite.state(now, joined)) for invite, joined in page.rows])
    if form is None:
        return page_or_fragment("invites/index.html", "invites/_invite_rows.html", status, community=community,
                                communities=communities, form=None if is_htmx() else _invite_form(community),
                                invites=invites)
    return render_template("invites/index.html", community=community, communities=communities, form=form,
                           invites=invites), status


@bp.route("/invites", methods=["GET", "POST"])
@login_required
def index():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    if request.method in ("GET", "HEAD"):
        return _index_page(community, communities, None)
    form = _invite_form(community, InviteForm())
    if not form.validate_on_submit():
        return _index_page(community, communities, form, 422)
    valid_from, valid_until = form.window()
    with writing():
        invite = create_invite(community.id, current_user.id, form.request_id.data, title=form.title.data,
                               role=form.role.data, grid_ids=form.grids.data or [],
                               building_ids=form.buildings.data or [], valid_from=valid_from,
                               valid_until=valid_until, max_joins=form.max_joins.data)
    return redirect(url_for("invites.detail", invite_id=invite.id), code=303)


@bp.get("/invites/<id:invite_id>")
@login_required
def detail(invite_id: int):
    invite = invite_or_404(invite_id)
    people = list(invite.joins)
    return render_template("invites/detail.html", invite=invite, people=people, state=invite.state(),
                           activity=activity_of([p.user_id for p in people]), now=utcnow(),
                           url=printed_url("invites.join_page", token=invite.token), form=ActionForm.blank())


@bp.get("/invites/<id:invite_id>/poster")
@login_required
def poster(invite_id: int):
    invite = invite_or_404(invite_id)
    url = printed_url("invites.join_page", token=invite.token)
    return render_template("invites/poster.html", invite=invite, url=url, svg=qr_svg(url, invite.title),
                           code_url=printed_url("invites.by_code"))


def _action(invite_id: int):
    invite = invite_or_404(invite_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return invite, None
    return invite, form.request_id.data


@bp.post("/invites/<id:invite_id>/end")
@login_required
def end(invite_id: int):
    invite, request_id = _action(invite_id)
    if request_id is None:
        return _bad_action(invite)
    asked = ask_first(_("End this invite and the access of everyone who joined through it?"),
                      back=url_for("invites.detail", invite_id=invite.id))
    if asked:
        return asked
    with writing():
        end_invite(invite, current_user.id, request_id)
    return hx_redirect(url_for("invites.detail", invite_id=invite.id))


@bp.post("/invites/<id:invite_id>/people/<id:join_id>/<any(end, keep):action>")
@login_required
def person(invite_id: int, join_id: int, action: str):
    invite, request_id = _action(invite_id)
    someone = person_or_404(invite, join_id)
    if request_id is None:
        return _bad_action(invite)
    if action == "end":
        asked = ask_first(_("End the access of %(name)s now?", name=someone.user.display_name),
                          back=url_for("invites.detail", invite_id=invite.id) + f"#person-{someone.id}")
        if asked:
            return asked
    with writing():
        if action == "end":
            end_person(someone, current_user.id, request_id)
        else:
            keep_person(someone, current_user.id, request_id)
    return hx_redirect(url_for("invites.detail", invite_id=invite.id) + f"#person-{someone.id}")


def _bad_action(invite: Invite):
    db.session.rollback()
    people = list(invite.joins)
    return render_template("invites/detail.html", invite=invite, people=people, state=invite.state(),
                           activity=activity_of([p.user_id for p in people]), now=utcnow(),
                           url=printed_url("invites.join_page", token=invite.token), form=ActionForm.blank(),
                           problem=_("This form is damaged; reload the page.")), 400


# --- public ----------------------------------------------------------------------------------


def _closed(invite: Invite | None, state: str):
    """An unknown token looks exactly like an expired invite."""
    shown = "expired" if invite is None else state
    return render_template("invites/closed.html", state=shown, invite=invite if invite and shown == "not_yet" else None), 410 if shown != "not_yet" else 200


def _join_limits():
    get_limit = current_app.config["JOIN_GET_LIMIT"]
    post_limit = current_app.config["JOIN_POST_LIMIT"]
    if request.method == "POST":
        limit("join-post", *post_limit)
    else:
        limit("join", *get_limit)


@bp.route("/join/<token:token>", methods=["GET", "POST"])
@reads_then_writes
def join_page(token: str):
    _join_limits()
    invite = db.session.scalar(select(Invite).where(Invite.token == token))
    state = invite.state(joined=join_count(invite.id)) if invite is not None else "expired"
    if request.method in ("GET", "HEAD"):
        if state != "open":
            return _closed(invite, state)
        return render_template("invites/join.html", invite=invite, form=JoinForm.blank())
    form = JoinForm()
    if invite is None:
        return _closed(None, state)
    if not form.validate_on_submit():
        if form.username.data and not form.username.errors and username_taken(form.username.data):
            # Said with the other mistakes, not after they are mended. A valid form leaves it to join(),
            # which checks under the lock and knows a replay of this very join.
            form.username.errors.append(_("This user name is taken; choose another."))
        db.session.rollback()
        if state != "open":
            return _closed(invite, state)
        return render_template("invites/join.html", invite=invite, form=form), 422
    password_hash = hash_password(form.password.data)  # slow on purpose: before the write lock
    with writing():
        locked = db.session.scalar(select(Invite).where(Invite.id == invite.id).with_for_update())
        result = join(locked, form.request_id.data, username=form.username.data, name=form.name.data,
                      phone=form.phone.data, password=form.password.data, password_hash=password_hash)
    if result.problem == "closed":
        return _closed(invite, invite.state(joined=join_count(invite.id)))
    if result.problem == "username":
        form.username.errors.append(_("This user name is taken; choose another."))
        return render_template("invites/join.html", invite=invite, form=form), 422
    if result.problem == "replay":
        form.request_id.errors.append(_("This form was already sent; reload the page."))
        return render_template("invites/join.html", invite=invite, form=form), 422
    login_user(result.user)
    session.permanent = True
    return redirect(url_for("home.index"), code=303)


@bp.route("/join", methods=["GET", "POST"])
@reads_then_writes
def by_code():
    """Typing the short code from the poster instead of scanning it."""
    _join_limits()
    form = CodeForm()
    if request.method in ("GET", "HEAD") or not form.validate_on_submit():
        status = 200 if request.method in ("GET", "HEAD") else 422
        return render_template("invites/code.html", form=form), status
    invite = db.session.scalar(select(Invite).where(Invite.code == normalize_code(form.code.data)))
    if invite is None:
        form.code.errors.append(_("No open invite has this code. Check it on the poster."))
        return render_template("invites/code.html", form=form), 422
    return redirect(url_for("invites.join_page", token=invite.token), code=303)
