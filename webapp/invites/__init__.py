"""Invites: a secretary lets temporary helpers join for an afternoon; their access ends by itself."""
from flask import Blueprint

bp = Blueprint("invites", __name__)

from . import views  # noqa: E402,F401
