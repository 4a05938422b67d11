from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import local_today
from ..extensions import db
from ..forms import WriteForm, as_choices
from ..database import writing
from ..paging import list_asked_for, page_number
from ..models import Campaign, Community, Grid
from ..scope import current_scope, managed_communities_or_404, managed_or_404, or_404
from ..coverage import coverage, coverages, escalations, taken_over
from . import bp
from .forms import CampaignForm
from .queries import flag_in_scope, open_sticker_flags
from . import services


def _form(communities: list[Community], formdata=True) -> CampaignForm:
    form = CampaignForm() if formdata else CampaignForm.blank(starts_on=local_today())
    form.community_id.choices = as_choices((c.id, c.name) for c in communities)
    grids = db.session.scalars(select(Grid).where(Grid.community_id.in_([c.id for c in communities]))
                               .order_by(Grid.community_id, Grid.id)).all()
    form.grid_id.choices = as_choices([(0, _("The whole community"))] + [(g.id, f"{g.community.name} · {g.name}")
                                                                          for g in grids])
    return form


@bp.route("/campaigns", methods=["GET", "POST"])
@login_required
def index():
    communities = managed_communities_or_404()
    in_scope = None if current_scope().everything else [c.id for c in communities]
    if request.method == "GET" and list_asked_for(("flags_page",)):
        return render_template("campaigns/_flag_rows.html", flags=open_sticker_flags(in_scope, page_number("flags_page")))
    form = _form(communities, formdata=request.method == "POST")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            grid = db.session.get(Grid, form.grid_id.data) if form.grid_id.data else None
            if grid is not None and grid.community_id != form.community_id.data:
                form.grid_id.errors.append(_("This grid is not in the chosen community."))
            else:
                with writing():
                    services.start_campaign(form.request_id.data, current_user.id, form.community_id.data,
                                   grid.id if grid else None, form.name.data, form.starts_on.data, form.ends_on.data,
                                   form.max_attempts.data)
                return redirect(url_for("campaigns.index"), code=303)
        db.session.rollback()
        status = 422
    campaigns = db.session.scalars(select(Campaign).where(Campaign.community_id.in_([c.id for c in communities]))
                                   .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
                                   .options(selectinload(Campaign.grid))).all()
    figures = coverages(campaigns)
    rows = [(c, figures[c.id]) for c in campaigns]
    flags = open_sticker_flags(in_scope, page_number("flags_page"))
    return render_template("campaigns/index.html", form=form, rows=rows, today=local_today(), flags=flags,
                           taken=taken_over(campaigns, local_today())), status


@bp.get("/campaigns/<id:campaign_id>")
@login_required
def detail(campaign_id: int):
    campaign = managed_or_404(Campaign, campaign_id)
    today = local_today()
    in_force = db.session.scalars(select(Campaign).where(
        Campaign.community_id == campaign.community_id, Campaign.starts_on <= today, Campaign.ends_on >= today)
        .options(selectinload(Campaign.grid))).all()
    return render_template("campaigns/detail.html", campaign=campaign, figures=coverage(campaign),
                           escalated=escalations(campaign),
                           taken_over=taken_over(in_force, today).get(campaign.id, []))


@bp.post("/stickers/flags/<id:flag_id>/resolve")
@login_required
def resolve_flag(flag_id: int):
    """The office checked a sticker reported on the wrong door (and reissued or moved it)."""
    flag = or_404(flag_in_scope(flag_id, current_scope()))
    form = WriteForm()
    if not form.validate_on_submit():
        abort(400)
    with writing():
        services.resolve_flag(flag, form.request_id.data, current_user.id)
    return redirect(url_for("campaigns.index"), code=303)
