"""Working without signal: the service worker, the offline page, and what the outbox asks before it sends."""
from flask import Blueprint

bp = Blueprint("offline", __name__)

from . import views  # noqa: E402,F401
