"""The secretary's review: dashboard, daily summary (一汇总、一上报), care list, audit log."""
from flask import Blueprint

bp = Blueprint("review", __name__)

from . import views  # noqa: E402,F401
