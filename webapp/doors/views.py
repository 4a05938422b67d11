"""At the door: open a household's card, log a knock in one tap, correct residents, undo."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..buildings.queries import (
    NextDoor,
    next_household,
    walk_row_context,
    walk_url_knocked,
)
from ..coverage import active_campaign, door_states
from ..database import reads_then_writes, writing
from ..extensions import db
from ..forms import BlankForm, WriteForm
from ..hypermedia import ask_first, hx_redirect, is_htmx, page_or_fragment
from ..models import Household, RetiredSticker, Visit
from ..paging import page_number
from ..patrols.queries import seal_checks_of
from ..scope import current_scope, or_404
from ..slips.forms import BindSlipForm
from ..slips import codes
from ..slips.queries import open_answers_at, slip_of_visit
from . import bp
from .forms import FlagForm, KnockForm, NewResidentForm, ResidentForm, StatusForm, posted_knock
from .queries import (
    find_households,
    card_visits,
    household_by_sticker,
    household_history,
    resident_of,
    revisit_list,
)
from .services import (
    add_resident,
    change_status,
    STATUS_AFTER_OUTCOME,
    correct_resident,
    flag_sticker,
    insert_knock,
    record_knock,
    retire_sticker,
    set_moved_out,
    undo_knock,
)


def _household(token: str, residents: str | None = None, with_next: bool = False, with_building: bool = True):
    """The household behind a sticker in the user's scope (with its building, and `residents` as
    RESIDENTS_LOADED names them); a retired sticker explains itself. with_next: (household, the next door in
    walking order or None), from the same statement."""
    scope = current_scope()
    statement = household_by_sticker(scope, residents, with_next, with_building)
    found = db.session.execute(statement, {"token": token}).unique().first()
    if found is not None:
        if with_next:
            household, next_id, next_token, next_room, next_entrance = found
            return household, NextDoor(next_id, next_token, next_room, next_entrance) if next_id else None
        return found[0]
    retired = db.session.scalar(select(RetiredSticker).join(RetiredSticker.household).where(
        RetiredSticker.token == token, scope.households()))
    if retired is not None:
        abort(_retired_response(retired))
    abort(404)


def _retired_response(retired: RetiredSticker):
    # 410 Gone: this sticker existed and will never work again.
    return make_response(render_template("doors/retired.html", retired=retired), 410)


def _door_state(household: Household):
    """The campaign in force at this door and the door's standing in it."""
    campaign = active_campaign(household.community_id, household.grid_id)
    return campaign, door_states([household.id], campaign)[household.id]


def _card_context(household: Household, knock_form: KnockForm | None = None, next_door=False, **extra) -> dict:
    campaign = active_campaign(household.community_id, household.grid_id)
    seen = card_visits(household.id, campaign, current_user.id)
    # "again": the volunteer wants to log another outcome now (the door opened after all).
    undoable = None if request.args.get("again") else seen.undoable
    return {
        **_slip_context(undoable, slip=seen.undoable_slip),
        "household": household,
        "campaign": campaign,
        "state": seen.state,
        "open_answer": seen.open_answer,
        "knock_form": knock_form or KnockForm.blank(),
        "undoable": undoable,
        "undo_form": WriteForm.blank(),
        **_door_record_context(household, seen.recent),
        **_resident_forms(),
        "flag_form": FlagForm.blank(),
        "manages": current_scope().manages(household.community_id),
        # A reopened card always offers the next door in walking order.
        "next_door": next_household(household) if next_door is False else next_door,
        **extra,
    }


OFFLINE_COPY_HEADER = "X-Doorstep-Offline-Copy"


def _offline_card_context(household: Household) -> dict:
    """What a door needs offline: its state, residents (masked), the knock form and the next door."""
    campaign, state = _door_state(household)
    return {"household": household, "campaign": campaign, "state": state, "knock_form": KnockForm.blank(),
            "undoable": None, "next_door": next_household(household), "lite": True, "bind_form": None,
            "slip": None}


@bp.route("/h/<token:token>", methods=["GET", "POST"])
@reads_then_writes
@login_required
def card(token: str):
    if request.method in ("GET", "HEAD"):
        if request.headers.get(OFFLINE_COPY_HEADER):
            # The service worker keeps a light copy of each door of a building taken offline.
            return render_template("doors/card.html", **_offline_card_context(_household(token)))
        household, following = _household(token, "card", with_next=True)
        return render_template("doors/card.html", **_card_context(household, next_door=following))
    # What the knock's answer shows is loaded with the door: from the walk (htmx) its row, which names who
    # lives there; without JavaScript the whole card. The next door in walking order comes in the same
    # statement; the knock's answers never name the building.
    walking = request.form.get("return_to") == "walk"
    if is_htmx():
        residents = "names" if walking else None
    else:
        residents = None if walking else "card"
    household, following = _household(token, residents, with_next=True, with_building=False)
    knock = posted_knock(request.form)
    if knock is None:
        return _knock_refused(household, following)
    campaign = active_campaign(household.community_id, household.grid_id)
    if knock.outcome in STATUS_AFTER_OUTCOME or knock.slip_code:
        # Side effects (the household changes, or a slip left with a knock that waited on the phone):
        # the knock and its effects are written together, or not at all.
        return _knock_with_effects(household, knock, campaign, following)
    # The common knock: what the fragment shows is read first, then one write statement in its own
    # transaction, and the fragment is built from what the request has (no reading back).
    state = door_states([household.id], campaign)[household.id]
    with writing():
        visit, created = insert_knock(household, current_user.id, campaign.id if campaign else None, knock)
    if visit.household_id != household.id:
        abort(409)
    if created:
        state.count(visit.outcome, visit.device_time or visit.visited_at)
    return _after_knock(household, knock, visit, campaign, state, following, fresh=created)


@bp.get("/h/<token:token>/record")
@login_required
def record(token: str):
    """The card's record (last visits, seal checks, status), reloaded after a knock or an undo on it."""
    household = _household(token)
    if not is_htmx():
        return redirect(url_for("doors.card", token=household.sticker_token) + "#door-record", code=303)
    campaign = active_campaign(household.community_id, household.grid_id)
    recent = card_visits(household.id, campaign, current_user.id).recent
    return render_template("doors/_door_record.html", household=household, **_door_record_context(household, recent))


def _door_record_context(household: Household, recent_visits) -> dict:
    """What the card's record (doors/_door_record.html) shows below the knock."""
    return {"visits": recent_visits, "history": household_history(household.id),
            "seal_checks": seal_checks_of(household.id), "status_form": StatusForm.blank(status=household.status)}


def _record_changed(response, residents: bool = False):
    """A card's knock or undo changed the door's record below: tell the card to reload it; `residents`: it
    also changed who is shown living there (moved out, or that undone), so that list reloads too."""
    response = make_response(response)
    response.headers["HX-Trigger"] = "door-changed, residents-changed" if residents else "door-changed"
    return response


@bp.get("/h/<token:token>/residents")
@login_required
def residents(token: str):
    """The card's list of residents, reloaded after a knock that moved them out or its undo."""
    household = _household(token, "card", with_building=False)
    if not is_htmx():
        return redirect(url_for("doors.card", token=household.sticker_token) + "#residents", code=303)
    return render_template("doors/_residents.html", household=household, **_resident_forms())


def _resident_forms() -> dict:
    return {"new_resident_form": NewResidentForm.blank(prefix="new"),
            "resident_form": lambda r: ResidentForm.blank(prefix=f"r{r.id}", name=r.name, category=r.category)}


@dataclass(frozen=True)
class RefusedSlip:
    """A slip number sent with a knock that the knock was kept without: what was typed, and why not."""
    code: str
    reason: str


# The header that tells the phone's outbox a knock it sent was kept but its slip refused (the reason,
# percent-encoded): the outbox lists it under "needs attention", so the slip never vanishes silently.
SLIP_REFUSED_HEADER = "X-Doorstep-Slip-Refused"


def _knock_with_effects(household: Household, knock, campaign, following):
    # slips.services builds on doors.services: imported here, not at module level (no import cycle).
    from ..slips.services import SlipError, bind_slip

    refused_slip = None
    with writing():
        visit = record_knock(household, current_user.id, request_id=knock.request_id, outcome=knock.outcome,
                             channel=knock.channel, note=knock.note, device_time=knock.device_time,
                             clock_corrected=knock.clock_corrected)
        if visit.household_id != household.id:
            abort(409)
        if knock.slip_code and knock.outcome == "not_home":
            # A slip typed at a door whose knock waited on the phone. A wrong or used number must not cost
            # the knock: the knock is kept, and the slip is refused on its own, beside its field.
            try:
                with db.session.begin_nested():
                    bind_slip(visit, knock.slip_code, current_user.id, f"{knock.request_id[:58]}-slip")
            except SlipError as error:
                refused_slip = RefusedSlip(knock.slip_code, str(error))
    return _after_knock(household, knock, visit, campaign, following=following, refused_slip=refused_slip)


def _knock_refused(household: Household, following):
    """Bad input: KnockForm says what is wrong, beside the field; nothing is written."""
    form = KnockForm()
    form.validate_on_submit()
    db.session.rollback()
    return _knock_form_again(household, form, following)


def _knock_form_again(household: Household, form: KnockForm, following):
    # `following`: the next door in walking order, still offered beside the message.
    if is_htmx() and form.return_to.data == "walk":
        # The walk swaps the door's row: its answer is that row with the message, not the card's form.
        errors = [message for field in form for message in field.errors]
        return render_template("buildings/_walk_row.html", **walk_row_context(household, None),
                               **_slip_context(None), error=" ".join(map(str, errors))), 422
    if is_htmx():
        return render_template("doors/_knock_form.html", household=household, knock_form=form,
                               state=_door_state(household)[1], next_door=following), 422
    return render_template("doors/card.html", **_card_context(household, knock_form=form, next_door=following)), 422


def _after_knock(household: Household, knock, visit: Visit, campaign, state=None, following=None,
                 fresh: bool = False, refused_slip: RefusedSlip | None = None):
    if refused_slip is None:
        return _knock_answer(household, knock, visit, campaign, state, following, fresh)
    if not is_htmx():
        flash(_("The knock is saved, but the slip was not left: %(reason)s", reason=refused_slip.reason), "error")
    response = make_response(_knock_answer(household, knock, visit, campaign, state, following, fresh,
                                           refused_slip=refused_slip))
    response.headers[SLIP_REFUSED_HEADER] = quote(refused_slip.reason)
    return response


def _knock_answer(household: Household, knock, visit: Visit, campaign, state=None, following=None,
                  fresh: bool = False, refused_slip: RefusedSlip | None = None):
    walking = knock.return_to == "walk"
    if not is_htmx():
        if walking:
            return redirect(walk_url_knocked(household, visit.id), code=303)
        # Without JavaScript the answer is the card itself, confirming the knock, at the card's own URL:
        # one round trip on a weak signal, not a redirect and a second one. A reload posts the same
        # request id again, which answers the same.
        return render_template("doors/card.html", **_card_context(household, next_door=following))
    if state is None:
        state = door_states([household.id], campaign)[household.id]
    slip_context = _slip_context(visit, slip=None) if fresh or refused_slip else _slip_context(visit)
    if refused_slip and slip_context["bind_form"] is not None:  # the number as typed, and why not, beside it
        slip_context["bind_form"] = BindSlipForm.blank(slip_code=refused_slip.code)
        slip_context["bind_form"].slip_code.errors = [refused_slip.reason]
    if walking:
        return render_template("buildings/_walk_row.html", **walk_row_context(household, visit, campaign=campaign,
                                                                              state=state, following=following),
                               **slip_context)
    # The door's status and campaign state sit above the swapped panel: update them out of band; the
    # record below reloads itself.
    return _record_changed(render_template(
        "doors/_knocked.html", household=household, visit=visit, undo_form=BlankForm(),
        undoable=visit.undone_at is None, next_door=following, oob=True, campaign=campaign, state=state,
        **slip_context), residents=visit.outcome == "moved_out")


_LOOK_UP = object()


def _slip_context(visit: Visit | None, slip=_LOOK_UP) -> dict:
    """After a not_home knock the card, the panel or the walk row offers to leave a slip (field
    slip_code). `slip`: the slip bound to the knock when the caller knows it already (None for a
    knock just written); otherwise it is looked up."""
    if visit is None or visit.outcome != "not_home" or visit.undone_at is not None:
        return {"bind_form": None, "slip": None}
    return {"bind_form": BlankForm(), "slip": slip_of_visit(visit.id) if slip is _LOOK_UP else slip}


def _walk_row(household: Household, visit: Visit | None = None, **said):
    """A door's row on the walk after a tap on it; `said`: what its answer says besides (undone_door,
    released_slip, kept_slip)."""
    return render_template("buildings/_walk_row.html", **walk_row_context(household, visit), **_slip_context(visit),
                           **said)


def kept_slip_message(slip) -> str:
    """An undone not_home knock whose slip the household has answered: the slip stays with this door (its
    answer needs this door to be handled), so it is not back on the pad. slips/_released.html says the same."""
    return _("Slip %(code)s stays with this door: the household has already answered it, so it cannot be left "
             "at another door.", code=codes.display(slip.code))


@bp.post("/h/<token:token>/undo/<id:visit_id>")
@login_required
def undo(token: str, visit_id: int):
    household = _household(token)
    visit = db.session.scalar(select(Visit).where(Visit.id == visit_id, Visit.household_id == household.id,
                                                  Visit.user_id == current_user.id))
    if visit is None:
        abort(404)
    form = WriteForm()
    if not form.validate_on_submit():
        abort(400)
    with writing():
        slip = slip_of_visit(visit.id) if visit.outcome == "not_home" else None
        undone = undo_knock(visit, current_user.id, form.request_id.data)
        # A slip left with the knock went back to the pad: say so, never silently (it may hang on the door).
        released = slip.code if undone and slip is not None and slip.visit_id is None else None
        # One the household has answered stays with this door (its answer is in the inbox): say that too.
        kept = slip if undone and slip is not None and slip.visit_id is not None else None
    walking = request.form.get("return_to") == "walk"
    if is_htmx() and walking:
        if not undone:  # the knock still counts: the row says why, and offers to knock again to correct it
            return _walk_row(household, None, error=_("Too late to undo; knock again to correct it.")), 422
        return _walk_row(household, None, undone_door=household.id, released_slip=released, kept_slip=kept)
    if is_htmx():
        if not undone:
            return render_template("doors/_knocked.html", household=household, visit=visit, undo_form=None,
                                   undoable=False, too_late=True, next_door=None), 422
        campaign, state = _door_state(household)
        return _record_changed(render_template(
            "doors/_knock_form.html", household=household, knock_form=KnockForm.blank(), state=state,
            campaign=campaign, undone=True, oob=True, next_door=next_household(household), released_slip=released,
            kept_slip=kept), residents=visit.outcome == "moved_out")
    if not walking:
        flash(_("Undone: that knock no longer counts. The history keeps it, marked undone.") if undone
              else _("Too late to undo; knock again to correct it."), "success" if undone else "error")
    if released:
        flash(_("Slip %(code)s no longer counts for this door. If it is on the door, take it down; it can be "
                "left at another door.", code=codes.display(released)), "success")
    if kept is not None and not walking:  # the walk's row says it (?undone= finds the slip still at the door)
        flash(kept_slip_message(kept), "success")
    if walking:
        return redirect(walk_url_knocked(household, visit.id, undone=undone, too_late=not undone), code=303)
    return redirect(url_for("doors.card", token=household.sticker_token), code=303)


def _after_resident_change(household: Household, status: int = 200, **forms):
    if status >= 400:
        db.session.rollback()  # nothing was written: end the read transaction
    if is_htmx():
        db.session.refresh(household)
        context = _card_context(household)
        context.update(forms)
        return render_template("doors/_residents.html", **context), status
    if status >= 400:
        context = _card_context(household)
        context.update(forms)
        return render_template("doors/card.html", **context), status
    return redirect(url_for("doors.card", token=household.sticker_token) + "#residents", code=303)


@bp.post("/h/<token:token>/residents")
@login_required
def add_person(token: str):
    household = _household(token)
    form = NewResidentForm(prefix="new")
    if not form.validate_on_submit():
        return _after_resident_change(household, 422, new_resident_form=form)
    with writing():
        add_resident(household, current_user.id, form.request_id.data, name=form.name.data,
                     category=form.category.data, phone=form.phone.data)
    return _after_resident_change(household)


@bp.post("/h/<token:token>/residents/<id:resident_id>")
@login_required
def correct_person(token: str, resident_id: int):
    household = _household(token)
    resident = or_404(resident_of(household, resident_id))
    form = ResidentForm(prefix=f"r{resident.id}")
    if not form.validate_on_submit():
        return _after_resident_change(household, 422, resident_forms={resident.id: form})
    with writing():
        correct_resident(resident, current_user.id, form.request_id.data, name=form.name.data,
                         category=form.category.data, phone=form.phone.data)
    return _after_resident_change(household)


@bp.post("/h/<token:token>/residents/<id:resident_id>/moved-out")
@login_required
def person_moved_out(token: str, resident_id: int):
    household = _household(token)
    resident = or_404(resident_of(household, resident_id))
    form = WriteForm()
    if not form.validate_on_submit() or request.form.get("moved_out") not in ("0", "1"):
        abort(400)
    with writing():
        set_moved_out(resident, current_user.id, form.request_id.data, request.form["moved_out"] == "1")
    return _after_resident_change(household)


@bp.post("/h/<token:token>/status")
@login_required
def status(token: str):
    household = _household(token)
    form = StatusForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template("doors/card.html", **_card_context(household, status_form=form)), 422
    with writing():
        change_status(household, form.status.data, current_user.id, form.request_id.data)
    return hx_redirect(url_for("doors.card", token=household.sticker_token))


@bp.post("/h/<token:token>/flag")
@login_required
def flag(token: str):
    household = _household(token)
    form = FlagForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return render_template("doors/card.html", **_card_context(household, flag_form=form)), 422
    with writing():
        flag_sticker(household, current_user.id, form.request_id.data, form.found_at.data)
    return hx_redirect(url_for("doors.card", token=household.sticker_token, flagged=1))


@bp.post("/h/<token:token>/sticker/<any(reissue, revoke):action>")
@login_required
def sticker(token: str, action: str):
    household = _household(token)
    if not current_scope().manages(household.community_id):
        abort(404)
    form = WriteForm()
    if not form.validate_on_submit():
        abort(400)
    asked = ask_first(_("Issue a new sticker? The old one will stop working.") if action == "reissue"
                      else _("Revoke this sticker? Scanning it will no longer open this card."),
                      back=url_for("doors.card", token=household.sticker_token))
    if asked:
        return asked
    with writing():
        retire_sticker(household, current_user.id, form.request_id.data,
                       "replaced" if action == "reissue" else "revoked")
    return hx_redirect(url_for("doors.card", token=household.sticker_token, sticker=action))


@bp.get("/revisits")
@login_required
def revisits():
    doors = revisit_list(current_scope().households(), page_number())
    return page_or_fragment("doors/revisits.html", "doors/_revisit_rows.html", doors=doors,
                            answered=open_answers_at(household.id for household, _state in doors.rows))


@bp.get("/find")
@login_required
def find():
    query = (request.args.get("q") or "").strip()[:60]
    results = find_households(current_scope(), query) if query else []
    return page_or_fragment("doors/find.html", "doors/_find_results.html", query=query, results=results)


@bp.get("/scan")
@login_required
def scan():
    return render_template("doors/scan.html")
