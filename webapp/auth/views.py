"""Log in, log out, choose the language."""
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..database import writing
from ..hypermedia import hx_redirect
from . import bp
from .forms import LanguageForm, LoginForm
from .sessions import end_all_sessions
from .services import authenticate, may_hold_session, record_attempt, safe_next, seconds_until_unlocked


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method in ("GET", "HEAD"):
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method in ("GET", "HEAD"):
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422

    username, address = form.username.data.strip(), _client_address()
    wait = seconds_until_unlocked(username, address)
    if wait:
        form.password.errors.append(
            _("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=max(1, (wait + 59) // 60))
        )
        return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}

    user = authenticate(username, form.password.data)
    if user is None:
        with writing():
            record_attempt(username, address, succeeded=False)
        form.password.errors.append(_("User name or password is not right."))
        return render_template("auth/login.html", form=form), 422
    if not may_hold_session(user):
        form.username.errors.append(_("Your access has ended or not begun yet. Ask your community office."))
        return render_template("auth/login.html", form=form), 403

    with writing():
        record_attempt(username, address, succeeded=True)
    if user.locale in current_app.config["LANGUAGES"]:
        session["lang"] = user.locale
    login_user(user)
    session.permanent = True
    return hx_redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.get("/logout")
def logout_page():
    """A typed or bookmarked /logout: the button that logs out (a GET changes nothing; the POST has CSRF)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")


@bp.post("/logout")
@login_required
def logout():
    # Logging out ends every session of this user, on every device (a copied cookie too).
    with writing():
        end_all_sessions(current_user.record())
    logout_user()
    return hx_redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("home.index")
    if not form.validate_on_submit() or form.lang.data not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        with writing():
            current_user.record().locale = form.lang.data
    return hx_redirect(target)
