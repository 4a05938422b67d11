"""Static files as served: compressed once at the best level, then kept.

Flask-Compress compresses every response at a level fit for pages made per request (brotli 5).
Static files never change while a worker runs, and a phone on a weak signal loads them cold: they
are compressed at brotli's and gzip's best (brotli 11 is ~10% smaller, too slow per request) once
per worker, and kept by path, size and modification time. htmx, the largest, goes from 16.5 KB to
15.3 KB on the wire, which keeps a page's scripts within DESIGN.md's 20 KB.
"""
from __future__ import annotations

import gzip
import os
import threading

import brotli
from flask import Response, current_app, request
from werkzeug.security import safe_join

COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json"}
_kept: dict[tuple, bytes] = {}
_lock = threading.Lock()


def _encoding_wanted() -> str | None:
    offered = {part.split(";")[0].strip().lower() for part in request.headers.get("Accept-Encoding", "").split(",")}
    return "br" if "br" in offered else "gzip" if "gzip" in offered else None


def _compressed(path: str, encoding: str) -> bytes:
    stat = os.stat(path)
    key = (path, stat.st_size, stat.st_mtime_ns, encoding)
    found = _kept.get(key)
    if found is None:
        with open(path, "rb") as file:
            data = file.read()
        found = brotli.compress(data, quality=11) if encoding == "br" else gzip.compress(data, 9, mtime=0)
        with _lock:
            _kept[key] = found
    return found


def compress_static(response: Response) -> Response:
    """after_request: a whole static file, compressed at the best level (Flask-Compress then leaves it)."""
    if (request.endpoint != "static" or request.method not in ("GET", "HEAD") or response.status_code != 200
            or response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers):
        return response
    encoding = _encoding_wanted()
    path = safe_join(current_app.static_folder, (request.view_args or {}).get("filename", ""))
    if encoding is None or path is None or not os.path.isfile(path):
        return response
    response.direct_passthrough = False
    response.set_data(_compressed(path, encoding))
    response.headers["Content-Encoding"] = encoding
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    etag, weak = response.get_etag()
    if etag:
        # Each encoding is its own representation (what Flask-Compress does for pages too).
        response.set_etag(f"{etag}:{encoding}", weak=weak)
    return response.make_conditional(request)
