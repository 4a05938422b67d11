"""Doorstep: door-to-door work for neighbourhood volunteers."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Flask, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_config
from .extensions import babel, compress, csrf, db, htmx, login_manager, migrate


def select_locale() -> str:
    from flask import current_app
    from flask_login import current_user

    if not has_request_context():  # commands (flask create-user …) use the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    from flask import g

    # Loading the user may translate a message (a session that has ended says so), which asks for
    # the locale: while the user is being loaded, the default, rather than loading them again.
    if g.get("loading_user"):
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=16)
def _parsed_locale(code: str) -> Locale:
    return Locale.parse(code)


def babel_locale() -> Locale:
    """The user's locale for Babel, parsed once per process: Locale.parse scans every locale Babel
    knows (about a third of a millisecond), and flask-babel would do it on every request."""
    return _parsed_locale(select_locale())


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates", static_folder="../static")
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    from .security import SessionInterface

    app.session_interface = SessionInterface()
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from . import models  # noqa: F401  (register tables before Alembic looks)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    # Registered first, so its after-request hook runs last, on the finished response.
    compress.init_app(app)
    from .catalogs import compile_stale_catalogs

    compile_stale_catalogs(Path(app.root_path).parent / "translations")
    babel.init_app(app, locale_selector=babel_locale, default_translation_directories="../translations")
    _init_login(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from .database import configure_sqlite

            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from .hypermedia import IdConverter, TokenConverter, reject_nul_bytes, start_timer

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["token"] = TokenConverter
    app.before_request(start_timer)
    app.before_request(reject_nul_bytes)

    from .auth import bp as auth_bp
    from .buildings import bp as buildings_bp
    from .campaigns import bp as campaigns_bp
    from .doors import bp as doors_bp
    from .errors import register_error_handlers
    from .home import bp as home_bp
    from .offline import bp as offline_bp
    from .invites import bp as invites_bp
    from .lists import bp as lists_bp
    from .patrols import bp as patrols_bp
    from .public import bp as public_bp
    from .registry import bp as registry_bp
    from .review import bp as review_bp
    from .setup import bp as setup_bp
    from .slips import bp as slips_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(doors_bp)
    app.register_blueprint(buildings_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(slips_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(patrols_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(invites_bp)
    app.register_blueprint(lists_bp)
    register_error_handlers(app)

    from .hypermedia import finish_response

    app.after_request(finish_response)
    from .security import security_headers

    app.after_request(security_headers)
    from .static_files import compress_static

    # Runs before Flask-Compress (registered first, so it runs last), which leaves what it encoded.
    app.after_request(compress_static)
    # Browsers ask for /favicon.ico on their own: a 200 icon, not a 3 KB 404 page each time.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    _init_templates(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from .auth.sessions import load_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user_once(login_id: str):
        from flask import g

        g.loading_user = True  # see select_locale
        try:
            return load_user(login_id)
        finally:
            g.loading_user = False

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        from .hypermedia import hx_redirect, is_htmx, sent_from

        target = url_for("auth.login", next=sent_from() or request.full_path.rstrip("?"))
        if is_htmx():
            return hx_redirect(target, status=401)
        return redirect(target)


def _init_templates(app: Flask) -> None:
    from .templating import register_template_helpers

    register_template_helpers(app)

    @app.context_processor
    def inject_locale():
        # The code as the user chose it (zh_CN / en); Babel itself names the catalog zh_Hans_CN.
        return {"current_locale": select_locale()}
