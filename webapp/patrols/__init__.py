"""Patrols (一日三巡): setup for the secretary, rounds for volunteers, cases for work groups, the day's log."""
from flask import Blueprint

bp = Blueprint("patrols", __name__)

from . import views  # noqa: E402,F401
