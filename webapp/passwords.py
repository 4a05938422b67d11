"""The password policy, one for every place a password is chosen (CLI, invites, resets, changes).

At least 8 characters (at most 200, what the login form takes), not a common password from
a small bundled list (common_passwords.txt, compared without case), nothing made of one or
two characters repeated, and not the user name.

    problem = password_problem("12345678", username="volunteer")   # a translated message or None
    password = PasswordField(_l("Password"), validators=[DataRequired(), StrongPassword()])
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

from flask_babel import gettext as _
from wtforms.validators import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 200


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """What is wrong with this password, as a message for the user; None when it will do."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)d characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)d characters.", count=MAX_LENGTH)
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) <= 2:
        return _("This password is too common; choose one that is harder to guess.")
    name = (username or "").strip().lower()
    if name and (folded == name or (len(name) >= 4 and name in folded) or folded == name[::-1]):
        return _("The password must not contain the user name.")
    return None


class StrongPassword:
    """WTForms validator using password_problem().

    The user name is read from the form's `username_field` (default "username") when the form
    has one, or from `username(form)` when given (e.g. a reset form for someone else).
    """

    def __init__(self, username_field: str | None = "username",
                 username: Callable[[object], str | None] | None = None):
        self.username_field = username_field
        self.username = username

    def __call__(self, form, field) -> None:
        name = None
        if self.username is not None:
            name = self.username(form)
        elif self.username_field and self.username_field in form:
            name = form[self.username_field].data
        problem = password_problem(field.data or "", name)
        if problem:
            raise ValidationError(problem)
