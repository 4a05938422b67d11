from flask import render_template
from flask_login import login_required

from ..scope import household_by_token_or_404
from . import bp


@bp.get("/h/<token:token>")
@login_required
def card(token: str):
    household = household_by_token_or_404(token)
    return render_template("doors/card.html", household=household)
