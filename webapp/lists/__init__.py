"""Pushed lists (推送名单) checked four ways (一摸四查): upload, match, assign, check, report back."""
from flask import Blueprint

bp = Blueprint("lists", __name__)

from . import views  # noqa: E402,F401
