"""Note slips (留言条): pads printed and issued, slips bound at the door, answers in the inbox."""
from flask import Blueprint

bp = Blueprint("slips", __name__)

from . import views  # noqa: E402,F401
