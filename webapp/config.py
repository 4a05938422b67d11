"""Settings read from the environment, with safe defaults for a single machine."""
import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else generated once into instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'doorstep.db'}"
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Cookies: HttpOnly always, SameSite=Lax, Secure whenever the request came over https
        # (see webapp.security.SessionInterface) or when forced by the environment.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # Behind exactly one reverse proxy that sets X-Forwarded-For/-Proto/-Host (https deployments):
        # the client's address then comes from X-Forwarded-For. Never set it without a proxy, or
        # anyone could choose the address login throttling counts by.
        "TRUST_PROXY": _env_flag("TRUST_PROXY"),
        # The host printed into sticker QR codes; by default the one the sheet was opened on.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        # Static files are linked with a content hash (static_url), so phones may keep them a year.
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        # WTForms' messages are translated by webapp.forms.BaseForm, with a cached catalogue.
        "WTF_I18N_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DOORSTEP_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": {"zh_CN": "简体中文", "en": "English"},
        # Login throttling (webapp/auth/services.py): growing delays, never a lock. Free failures per
        # (user name, address) pair and per address within the window, then 30 s, 60 s, … per try.
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_ADDRESS_MAX_FAILURES": int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "30")),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("LOGIN_WINDOW_SECONDS", "900")),
        "LOGIN_BASE_DELAY_SECONDS": int(os.environ.get("LOGIN_BASE_DELAY_SECONDS", "30")),
        "LOGIN_MAX_DELAY_SECONDS": int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "900")),
        # Public pages (slips, self-report codes): hits per address and window (seconds).
        "PUBLIC_GET_LIMIT": (int(os.environ.get("PUBLIC_GET_LIMIT", "60")), 600),
        "PUBLIC_POST_LIMIT": (int(os.environ.get("PUBLIC_POST_LIMIT", "10")), 600),
        # Joining through an invite: a company's staff may share one address (office Wi-Fi), so
        # these allow a whole team (an invite takes at most 500) while still stopping a flood.
        "JOIN_GET_LIMIT": (int(os.environ.get("JOIN_GET_LIMIT", "300")), 900),
        "JOIN_POST_LIMIT": (int(os.environ.get("JOIN_POST_LIMIT", "150")), 900),
        # Printed and shown when a slip's community has no callback number of its own.
        "PUBLIC_HOTLINE": os.environ.get("PUBLIC_HOTLINE", "12345"),
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Compression by the app itself (no proxy assumed): brotli where the client accepts it, else gzip,
        # for HTML pages, HTMX fragments, CSS and JS (static files too, streamed). Tiny bodies stay plain.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "image/svg+xml", "text/csv"],
        "COMPRESS_LEVEL": 6,
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 300,
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000")),
    }
