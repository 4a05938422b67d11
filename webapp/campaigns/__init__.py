"""Campaigns (排查行动): the secretary starts a drive, watches coverage and escalations."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from . import views  # noqa: E402,F401
