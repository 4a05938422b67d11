"""The registry import (preview, then confirm) and export pages of a community."""
from __future__ import annotations

from flask import abort, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import audit
from ..database import writing
from ..hypermedia import hx_redirect, page_or_fragment, parse_int
from ..idempotency import already_processed, write_once
from ..scope import chosen_community, community_or_404, managed_communities_or_404
from ..spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES, csv_response, xlsx_response
from . import bp, importer, pending
from .forms import ConfirmImportForm, ImportForm


def _page(community, form, result=None, token=None, confirm=None, status=200, filename=None):
    return page_or_fragment(
        "registry/import.html", "registry/_import_result.html", status=status,
        community=community, communities=managed_communities_or_404(), form=form, result=result, token=token,
        confirm=confirm, filename=filename, columns=importer.TEMPLATE_COLUMNS, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        max_rows=MAX_ROWS)


@bp.get("/registry/import")
@login_required
def import_page():
    community = chosen_community(managed_communities_or_404())
    return _page(community, ImportForm.blank())


@bp.post("/registry/import")
@login_required
def import_upload():
    community = chosen_community(managed_communities_or_404())
    form = ImportForm()
    if request.content_length and request.content_length > MAX_UPLOAD_BYTES + 64 * 1024:
        form.validate()
        form.file.errors = [_("The file is larger than %(mb)d MB; split it into smaller files.",
                              mb=MAX_UPLOAD_BYTES // (1024 * 1024))]
        return _page(community, form, status=413)
    if not form.validate_on_submit():
        return _page(community, form, status=422)
    upload = form.file.data
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    filename = upload.filename or "registry.csv"
    result = importer.preview(community, data, filename)
    file_errors = [p for p in result.errors if p.line == 0]
    if file_errors:
        form.file.errors = [p.message for p in file_errors]
        return _page(community, form, status=422)
    if not result.ok:
        return _page(community, form, result=result, status=422, filename=filename)
    token = pending.store(data, filename, current_user.id, community.id)
    return _page(community, form, result=result, token=token, confirm=ConfirmImportForm.blank(), filename=filename)


@bp.post("/registry/import/<token:token>/confirm")
@login_required
def import_confirm(token: str):
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    if already_processed(form.request_id.data, current_user.id, "import"):
        # A double tap: the first answer's message still waits to be shown, and says it all. Only a replay
        # whose first answer was lost (with its message) needs saying what happened.
        if not session.get("_flashes"):
            flash(_("This file was already imported."))
        return hx_redirect(url_for("registry.import_page"))
    if pending.uploaded_by_another(token, current_user.id):
        abort(404)  # another person's upload is out of scope, like every object of theirs
    stored = pending.load(token, current_user.id)
    if stored is None:
        flash(_("That upload has expired. Choose the file again."))
        return hx_redirect(url_for("registry.import_page"))
    data, filename, community_id = stored
    community = community_or_404(community_id)
    decisions = {}
    for key, value in request.form.items():
        line = parse_int(key[7:], 1) if key.startswith("decide-") else None  # ASCII: "decide-²" is no line
        if line is not None and value in importer.DECISIONS:
            decisions[line] = value
    result = importer.preview(community, data, filename, decisions)
    if not result.ok:  # the community changed since the preview
        return _page(community, ImportForm.blank(), result=result, status=422, filename=filename)
    write_once(form.request_id.data, current_user.id, "import", lambda: importer.apply_and_audit(
        result, current_user.id, community.id, filename))
    pending.discard(token)
    flash(_("Imported: %(h)d new and %(hu)d updated households, %(r)d new and %(ru)d updated residents.",
            h=result.households_new, hu=result.households_updated, r=result.residents_new,
            ru=result.residents_updated))
    return hx_redirect(url_for("registry.import_page", community=community.id))


@bp.get("/registry/import/template.<any(xlsx, csv):kind>")
@login_required
def import_template(kind: str):
    managed_communities_or_404()
    rows = [importer.header_row(), *importer.example_rows()]
    if kind == "csv":
        return csv_response(rows, "registry-template.csv")
    return xlsx_response(rows, "registry-template.xlsx", title="底册", bold_rows=(1,))


@bp.get("/registry/export.<any(xlsx, csv):kind>")
@login_required
def export(kind: str):
    community = chosen_community(managed_communities_or_404())
    with writing():
        audit(current_user.id, "registry_export", "community", community.id, format=kind)
    rows = importer.export_rows(community.id)
    filename = f"registry-{community.id}.{kind}"
    if kind == "csv":
        return csv_response(rows, filename)
    return xlsx_response(rows, filename, title="底册", bold_rows=(1,))
