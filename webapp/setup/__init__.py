"""Setting a community up in the browser: places (grids, buildings, households), people, and
for an admin the streets and communities themselves."""
from flask import Blueprint

bp = Blueprint("setup", __name__)

from . import people_views, views  # noqa: E402,F401
