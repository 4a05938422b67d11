"""At the door: a household's card, opened by scanning its sticker."""
from flask import Blueprint

bp = Blueprint("doors", __name__)

from . import views  # noqa: E402,F401
