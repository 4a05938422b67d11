"""A building: its doors, walking it door by door, and its sticker sheet."""
from flask import Blueprint

bp = Blueprint("buildings", __name__)

from . import views  # noqa: E402,F401
