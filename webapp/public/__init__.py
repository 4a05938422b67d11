"""Public pages for residents, no login: a note slip (/s/<code>) and a grid's self-report code (/g/<token>)."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import views  # noqa: E402,F401
