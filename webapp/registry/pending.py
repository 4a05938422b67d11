"""An uploaded registry file kept between its preview and the confirm step.

Stored in instance/imports/ under a random token, with the uploader and the community beside it,
so any gunicorn worker can pick it up; only the person who uploaded it can confirm it. Files older
than a day are removed when the next one is stored.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEEP_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(data: bytes, filename: str, user_id: int, community_id: int) -> str:
    folder = _folder()
    _prune(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": filename[:120], "user_id": user_id, "community_id": community_id, "at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _meta(token: str) -> dict | None:
    if not TOKEN.match(token or ""):
        return None
    try:
        meta = json.loads((_folder() / f"{token}.json").read_text(encoding="utf-8"))
        return meta if isinstance(meta, dict) else None
    except (OSError, ValueError):
        return None


def uploaded_by_another(token: str, user_id: int) -> bool:
    """Whether this pending file is someone else's (for them it is out of scope: a 404)."""
    meta = _meta(token)
    return meta is not None and meta.get("user_id") != user_id


def load(token: str, user_id: int) -> tuple[bytes, str, int] | None:
    """(data, filename, community id) of the user's own pending file, else None."""
    meta = _meta(token)
    try:
        if meta is None or meta["user_id"] != user_id or time.time() - meta["at"] > KEEP_SECONDS:
            return None
        return (_folder() / f"{token}.bin").read_bytes(), meta["filename"], meta["community_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def discard(token: str) -> None:
    if not TOKEN.match(token or ""):
        return
    for suffix in (".bin", ".json"):
        try:
            (_folder() / f"{token}{suffix}").unlink()
        except OSError:
            pass


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                os.unlink(path)
        except OSError:
            pass
