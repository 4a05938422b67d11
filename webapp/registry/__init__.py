"""The registry (底册): communities, grids, buildings, households and users, as scope allows."""
from flask import Blueprint

bp = Blueprint("registry", __name__)

from . import import_views, views  # noqa: E402,F401
