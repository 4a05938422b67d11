"""The password policy (webapp/passwords.py): the rule, the form validator, and create-user."""
import pytest
from sqlalchemy import select


@pytest.mark.parametrize("password, username, problem", [
    ("1", None, "至少"),
    ("abc1234", None, "至少"),
    ("x" * 201, None, "最多"),
    ("12345678", None, "常见"),
    ("PassWord123", None, "常见"),
    ("woaini1314", None, "常见"),
    ("abababababab", None, "常见"),
    ("volunteer", "volunteer", "用户名"),
    ("Volunteer-2026", "volunteer", "用户名"),
    ("correct-horse-7", "volunteer", None),
    ("长庚里巡查很认真", "volunteer", None),
])
def test_password_problem(app, password, username, problem):
    from webapp.passwords import password_problem

    with app.test_request_context("/"):
        found = password_problem(password, username)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found, found


def test_messages_follow_the_language(app):
    from flask_babel import force_locale

    from webapp.passwords import password_problem

    with app.test_request_context("/"), force_locale("en"):
        assert password_problem("1") == "Use at least 8 characters."


def test_strong_password_validator_reads_the_user_name_from_the_form(app):
    from wtforms import Form, PasswordField, StringField
    from werkzeug.datastructures import MultiDict

    from webapp.passwords import StrongPassword

    class JoinForm(Form):
        username = StringField()
        password = PasswordField(validators=[StrongPassword()])

    class ResetForm(Form):
        password = PasswordField(validators=[StrongPassword(username=lambda form: "zhangsan")])

    with app.test_request_context("/"):
        form = JoinForm(MultiDict({"username": "wangfang", "password": "wangfang88"}))
        assert not form.validate() and "用户名" in form.password.errors[0]
        assert JoinForm(MultiDict({"username": "wangfang", "password": "晚上七点巡查"})).validate() is False
        assert JoinForm(MultiDict({"username": "wangfang", "password": "green-lantern-42"})).validate()
        reset = ResetForm(MultiDict({"password": "zhangsan2026"}))
        assert not reset.validate() and "用户名" in reset.password.errors[0]


def test_create_user_refuses_a_weak_password(app, runner):
    from webapp.extensions import db
    from webapp.models import User

    result = runner.invoke(args=["create-user", "newadmin", "--role", "admin", "--password", "1"])
    assert result.exit_code != 0
    assert "Use at least 8 characters." in result.output
    result = runner.invoke(args=["create-user", "newadmin", "--role", "admin", "--password", "password123"])
    assert result.exit_code != 0 and "too common" in result.output
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "newadmin")) is None
    result = runner.invoke(args=["create-user", "newadmin", "--role", "admin", "--password", "quiet-river-77"])
    assert result.exit_code == 0, result.output


def test_create_user_refuses_a_name_that_differs_only_in_case(runner):
    result = runner.invoke(args=["create-user", "Admin", "--role", "admin", "--password", "quiet-river-77"])
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["create-user", "x" * 41, "--role", "admin", "--password", "quiet-river-77"])
    assert result.exit_code != 0 and "1 to 40" in result.output
