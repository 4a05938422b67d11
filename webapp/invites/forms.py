from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp, ValidationError

from ..clock import local_now, local_today, utc_from_local
from ..forms import (NUMBER_INPUT, PHONE_INPUT, BaseForm, CheckboxesField, ChoiceField, DayField, PhoneField,
                     WholeNumberField, WriteForm, as_choices, phone_number)
from ..labels import INVITE_ROLE_LABELS
from ..passwords import StrongPassword

USERNAME = r"^[A-Za-z0-9_.-]{3,40}$"

class InviteForm(WriteForm):
    title = StringField(_l("What for"), validators=[
        DataRequired(_l("Say what the invite is for, e.g. the company lending the staff.")), Length(max=80)])
    role = ChoiceField(_l("Role"), choices=as_choices(INVITE_ROLE_LABELS), default="volunteer",
                       validators=[DataRequired(_l("Choose a role."))], invalid_message=_l("Choose a role."))
    grids = CheckboxesField(_l("Grids"), coerce=int, choices=[])
    buildings = CheckboxesField(_l("Buildings"), coerce=int, choices=[])
    day = DayField(_l("Day"), validators=[InputRequired(_l("Choose the day."))])
    starts = TimeField(_l("From"), default=time(14, 0), validators=[InputRequired(_l("Enter a time."))])
    ends = TimeField(_l("Until"), default=time(20, 0), validators=[InputRequired(_l("Enter a time."))])
    max_joins = WholeNumberField(_l("How many people may join"), default=20, render_kw=NUMBER_INPUT, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(1, 500, _l("Between 1 and 500."))])

    def validate_day(self, field):
        if field.data and not -1 <= (field.data - local_today()).days <= 60:
            raise ValidationError(_l("Choose a day from yesterday to two months ahead."))

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The window must end after it starts."))

    def validate_buildings(self, field):
        if self.role.data == "lead" and self.grids.data:
            raise ValidationError(_l("A building lead is invited to buildings, not grids."))
        if not self.grids.data and not field.data:
            raise ValidationError(_l("Choose at least one grid or building."))

    def window(self) -> tuple[datetime, datetime]:
        """The window as naive UTC."""
        return (utc_from_local(datetime.combine(self.day.data, self.starts.data)),
                utc_from_local(datetime.combine(self.day.data, self.ends.data)))

    def validate_starts(self, field):
        if self.day.data and field.data and self.ends.data and self.ends.data > field.data:
            ends = utc_from_local(datetime.combine(self.day.data, self.ends.data))
            from ..models import utcnow

            if ends <= utcnow():
                raise ValidationError(_l("This window is already over."))

    @classmethod
    def fresh(cls, **data):
        """A new invite opens at once: today, from the hour now until six hours later (at most 23:59), so
        the link made and handed out right away lets people join at once (the secretary may change it)."""
        form = cls.blank(**data)
        now = local_now()
        opens = now.replace(minute=0, second=0, microsecond=0)
        form.day.data = now.date()
        form.starts.data = opens.time()
        form.ends.data = min(opens + timedelta(hours=6), datetime.combine(now.date(), time(23, 59))).time()
        return form


class JoinForm(WriteForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=40)])
    phone = PhoneField(_l("Phone"), render_kw=PHONE_INPUT,
                        validators=[DataRequired(_l("Enter your phone number.")), phone_number])
    username = StringField(_l("User name"), validators=[
        DataRequired(_l("Choose a user name.")),
        Regexp(USERNAME, message=_l("3 to 40 letters, digits, dots, dashes or underscores."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password.")), StrongPassword()])


class CodeForm(BaseForm):
    code = StringField(_l("Code on the poster"), validators=[
        DataRequired(_l("Type the code printed on the poster.")), Length(max=20)])


class ActionForm(WriteForm):
    """End a person or an invite, or keep a person: nothing but CSRF and the request id."""

