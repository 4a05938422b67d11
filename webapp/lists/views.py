"""The secretary's pushed lists (upload, match, assign, progress, export) and a volunteer's tasks."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit import audit
from ..database import reads_then_writes, writing
from ..extensions import db
from ..hypermedia import MAX_ID, hx_redirect, int_type, is_htmx, page_or_fragment
from ..forms import parse_device_time
from ..labels import person_label
from ..models import ListTask, utcnow
from ..paging import list_asked_for, page_number
from ..scope import Scope, chosen_community, current_scope, helpers_in_communities, managed_communities_or_404
from ..search import search
from ..spreadsheets import TableError, csv_response, read_table, xlsx_response
from . import bp
from .forms import AssignForm, ConfirmExactForm, MatchForm, ResultForm, UploadForm
from .queries import (
    export_rows,
    households_of,
    list_or_404,
    lists_of,
    my_open_tasks,
    my_tasks_done_today,
    open_task_count,
    progress,
    row_or_404,
    rows_of,
    task_or_404,
)
from .services import (
    candidates_of,
    check_table,
    confirm,
    confirm_exact,
    is_list_header,
    make_tasks,
    prepared_rows,
    record_result,
    row_is_open,
    store_list,
)


def _index_page(community, communities, form: UploadForm, status: int = 200):
    """The upload form and the lists, newest first, a page at a time (htmx's "show more" gets the next rows
    alone)."""
    return page_or_fragment("lists/index.html", "lists/_list_rows.html", status, community=community,
                            communities=communities, form=form, lists=lists_of(community.id, page_number()))


@bp.route("/lists", methods=["GET", "POST"])
@reads_then_writes
@login_required
def index():
    communities = managed_communities_or_404()
    community = chosen_community(communities)
    if request.method in ("GET", "HEAD"):
        return _index_page(community, communities, UploadForm.blank())
    form = UploadForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _index_page(community, communities, form, 422)
    upload = form.file.data
    try:
        table = read_table(upload.read(), upload.filename or "", is_header=is_list_header)
        columns = check_table(table)
    except TableError as error:
        db.session.rollback()
        form.file.errors.append(str(error))
        return _index_page(community, communities, form, 422)
    rows = prepared_rows(community.id, table, columns)
    if not rows:
        db.session.rollback()
        form.file.errors.append(_("No row names anyone: each needs a name, a phone, an ID tail or an address."))
        return _index_page(community, communities, form, 422)
    title = (form.title.data or "").strip() or (upload.filename or _("Pushed list"))[:120]
    with writing():
        pushed = store_list(community.id, current_user.id, form.request_id.data, title=title, header=table.header,
                            rows=rows)
    left_out = len(table.rows) - len(rows)
    return redirect(url_for("lists.detail", list_id=pushed.id, **({"left_out": left_out} if left_out else {})),
                    code=303)


def _people_choices(community_id: int) -> list[tuple[int, str]]:
    return [(u.id, person_label(u)) for u in helpers_in_communities([community_id])]


def _assign_form(pushed, form: AssignForm | None = None) -> AssignForm:
    form = form or AssignForm.blank()
    form.people.choices = _people_choices(pushed.community_id)
    return form


ROW_FILTERS = ("all", "to_confirm", "confirmed", "no_door", "open")


def _shown(rows, show: str):
    if show == "to_confirm":
        return [r for r in rows if r.confirmed_at is None]
    if show == "confirmed":
        return [r for r in rows if r.household_id is not None]
    if show == "no_door":
        return [r for r in rows if r.household_id is None]
    if show == "open":
        return [r for r in rows if row_is_open(r)]
    return rows


def _detail_page(pushed, status: int = 200, **extra):
    every = rows_of(pushed)
    show = request.args.get("show", "all")
    if show not in ROW_FILTERS:
        show = "all"
    rows = _shown(every, show)
    candidates = {row.id: candidates_of(row) for row in rows}
    context = {"pushed": pushed, "rows": rows, "candidates": candidates, "households": households_of(rows, candidates),
               "progress": progress(every), "now": utcnow(), "show": show, "filters": ROW_FILTERS,
               "assign_form": extra.pop("assign_form", None) or _assign_form(pushed),
               "exact_form": ConfirmExactForm.blank(), "made": request.args.get("made", type=int_type(0, MAX_ID)),
               "skipped": request.args.get("skipped", type=int_type(0, MAX_ID)),
               "left_out": request.args.get("left_out", type=int_type(0, MAX_ID)), **extra}
    return render_template("lists/detail.html", **context), status


@bp.get("/lists/<id:list_id>")
@login_required
def detail(list_id: int):
    return _detail_page(list_or_404(list_id))


def _row_answer(pushed, row, status: int = 200, error: str | None = None):
    """htmx swaps just the row; a plain form post gets the whole page (at the row on success)."""
    if is_htmx():
        candidates = {row.id: candidates_of(row)}
        return render_template("lists/_row.html", pushed=pushed, row=row, candidates=candidates,
                               households=households_of([row], candidates), now=utcnow(),
                               row_error=(row.id, error) if error else None), status
    if error:
        return _detail_page(pushed, status, row_error=(row.id, error))
    return redirect(url_for("lists.detail", list_id=pushed.id) + f"#row-{row.id}", code=303)


@bp.post("/lists/<id:list_id>/rows/<id:row_id>")
@login_required
def match(list_id: int, row_id: int):
    pushed = list_or_404(list_id)
    row = row_or_404(pushed, row_id)
    form = MatchForm()
    if not form.validate_on_submit():
        db.session.rollback()
        errors = form.choice.errors + form.request_id.errors
        return _row_answer(pushed, row, 422, " ".join(map(str, errors)) or _("This form is damaged; reload the page."))
    with writing():
        done = confirm(row, current_user.id, form.request_id.data, form.choice.data)
    if not done:
        return _row_answer(pushed, row, 422, _("Choose one of the households shown."))
    return _row_answer(pushed, row)


@bp.get("/lists/<id:list_id>/rows/<id:row_id>/find")
@login_required
def find(list_id: int, row_id: int):
    """Look for another door for a row anywhere in the list's community (name, phone tail, address)."""
    pushed = list_or_404(list_id)
    row = row_or_404(pushed, row_id)
    query = (request.args.get("q") or "").strip()[:60]
    whole_community = Scope(community_ids=frozenset({pushed.community_id}))
    hits = search(whole_community, query, limit=10) if query else []
    return page_or_fragment("lists/find.html", "lists/_find.html", pushed=pushed, row=row, query=query, hits=hits)


@bp.post("/lists/<id:list_id>/confirm")
@login_required
def confirm_all(list_id: int):
    pushed = list_or_404(list_id)
    form = ConfirmExactForm()
    if not form.validate_on_submit():
        abort(400)
    with writing():
        confirm_exact(pushed, current_user.id, form.request_id.data)
    return hx_redirect(url_for("lists.detail", list_id=pushed.id))


@bp.post("/lists/<id:list_id>/tasks")
@login_required
def assign(list_id: int):
    pushed = list_or_404(list_id)
    form = _assign_form(pushed, AssignForm())
    if not form.validate_on_submit():
        db.session.rollback()
        return _detail_page(pushed, 422, assign_form=form)
    with writing():
        made, skipped = make_tasks(pushed, current_user.id, form.request_id.data, method=form.method.data,
                                   which=form.rows.data, mode=form.mode.data, people=form.people.data or [],
                                   hours=form.hours.data, hand_on_overdue=form.hand_on.data)
    return hx_redirect(url_for("lists.detail", list_id=pushed.id, made=made, skipped=skipped) + "#assign")


@bp.get("/lists/<id:list_id>.<any(csv, xlsx):kind>")
@login_required
def export(list_id: int, kind: str):
    pushed = list_or_404(list_id)
    rows = export_rows(pushed)
    with writing():  # the people on it leave the app: written to the audit log
        audit(current_user.id, "list_exported", "pushed_list", pushed.id, title=pushed.title, kind=kind)
    filename, fallback = f"{pushed.title}.{kind}", f"pushed-list-{pushed.id}-results.{kind}"
    return (csv_response(rows, filename, fallback) if kind == "csv"
            else xlsx_response(rows, filename, fallback, bold_rows=(1,)))


# --- the volunteer's side ---------------------------------------------------------------------


@bp.get("/tasks")
@login_required
def mine():
    """The volunteer's list checks: open ones and those done today, each list a page at a time."""
    shown = list_asked_for(("open_page", "done_page"))
    if shown == "open_page":
        return render_template("lists/_open_task_rows.html", tasks=my_open_tasks(
            current_user.id, page_number(shown), total=open_task_count(current_user.id)), now=utcnow())
    if shown == "done_page":
        return render_template("lists/_done_task_rows.html", tasks=my_tasks_done_today(current_user.id,
                                                                                         page_number(shown)))
    return render_template("lists/mine.html", now=utcnow(),
                           open_tasks=my_open_tasks(current_user.id, page_number("open_page"),
                                                    total=open_task_count(current_user.id)),
                           done=my_tasks_done_today(current_user.id, page_number("done_page")))


def _task_page(task: ListTask, form: ResultForm | None = None, status: int = 200):
    household = task.row.household
    in_scope = household is not None and db.session.scalar(
        select(household.__class__.id).where(household.__class__.id == household.id, current_scope().households())
    ) is not None
    return render_template("lists/task.html", task=task, form=form or ResultForm.blank(), now=utcnow(),
                           card_link=in_scope), status


@bp.route("/tasks/<id:task_id>", methods=["GET", "POST"])
@reads_then_writes
@login_required
def task(task_id: int):
    found = task_or_404(task_id, current_user)
    if request.method in ("GET", "HEAD"):
        return _task_page(found)
    form = ResultForm()
    if found.assignee_id != current_user.id:
        abort(404)  # a secretary may look, the assignee records
    if not form.validate_on_submit():
        db.session.rollback()
        return _task_page(found, form, 422)
    if form.result.data == "moved" and not (form.moved_to.data or "").strip() and not (form.note.data or "").strip():
        db.session.rollback()
        form.moved_to.errors.append(_("Say where they moved, or add a note."))
        return _task_page(found, form, 422)
    with writing():
        locked = db.session.scalar(select(ListTask).where(ListTask.id == found.id).with_for_update())
        record_result(locked, current_user.id, form.request_id.data, result=form.result.data,
                      moved_to=form.moved_to.data, note=form.note.data,
                      device_time=parse_device_time(request.form.get("device_time")))
    return hx_redirect(url_for("lists.mine") + f"#task-{found.id}")
