from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..forms import (NUMBER_INPUT, PHONE_INPUT, CheckboxesField, ChoiceField, DayField, PhoneField, WholeNumberField,
                     WriteForm, as_choices, as_typed, ascii_digits_and_letters, phone_number, without_separators)
from ..labels import BUILDING_KIND_LABELS, HOUSEHOLD_STATUS_LABELS, ROLE_LABELS
from ..passwords import StrongPassword

NAME = [DataRequired(_l("Required.")), Length(max=80, message=_l("At most %(max)d characters."))]
ENTRANCES = NumberRange(1, 50, message=_l("A number from %(min)s to %(max)s."))
FLOORS = NumberRange(1, 120, message=_l("A number from %(min)s to %(max)s."))


def _place(value):
    """A place's name or address as the registry import keeps it: 桂园路３号 is 桂园路3号 (the same door, found by
    a search for 3号), its full-width punctuation as typed."""
    return ascii_digits_and_letters(value).strip() if isinstance(value, str) else value


def _door(value):
    """A door number as the import keeps it: ３０３ typed on a Chinese keyboard is 303."""
    return as_typed(value).strip() if isinstance(value, str) else value


def no_control_characters(form, field):
    if field.data and any(ord(c) < 32 for c in str(field.data)):
        raise ValidationError(_l("Contains a control character; type it again."))


class GridForm(WriteForm):
    name = StringField(_l("Grid name"), filters=[_place], validators=[*NAME, no_control_characters])


class BuildingForm(WriteForm):
    """The generator: a block (entrances × floors × doors), a row of bungalows or a courtyard."""

    name = StringField(_l("Building name"), filters=[_place], validators=[*NAME, no_control_characters])
    grid = SelectField(_l("Grid"), coerce=int, validate_choice=True)
    kind = ChoiceField(_l("Kind"), choices=as_choices(BUILDING_KIND_LABELS), default="walkup",
                       validators=[DataRequired(_l("Choose the kind."))])
    address_prefix = StringField(_l("Address before the door number"), filters=[_place], validators=[
        DataRequired(_l("Required.")), Length(max=90, message=_l("At most %(max)d characters.")), no_control_characters],
        description=_l("e.g. 和平里5号 gives 和平里5号2单元301; 和平里 gives 和平里80号 for bungalows."))
    entrances = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("Entrances (单元)"), default=1, validators=[Optional(), ENTRANCES])
    floors = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("Floors"), default=6, validators=[Optional(), FLOORS])
    per_floor = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("Doors per floor"), default=2, validators=[Optional(), NumberRange(1, 30, message=_l(
        "A number from %(min)s to %(max)s."))])
    skip = StringField(_l("Floor numbers not used (optional)"), validators=[Optional(), Regexp(
        r"^[0-9]{1,3}([ ,，、/]+[0-9]{1,3})*$", message=_l("Floor numbers separated by commas, e.g. 4, 13, 14."))],
        description=_l("e.g. 4, 13, 14: the floor above 3 is numbered 5."))
    count = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("Number of doors (bungalows, courtyard)"), default=10, validators=[
        Optional(), NumberRange(1, 500, message=_l("A number from %(min)s to %(max)s."))])
    start = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("First door number"), default=1, validators=[
        Optional(), NumberRange(1, 99999, message=_l("A number from %(min)s to %(max)s."))])

    def skipped(self) -> set[int]:
        import re

        return {int(n) for n in re.findall(r"[0-9]+", self.skip.data or "")}


class BuildingEditForm(WriteForm):
    name = StringField(_l("Building name"), filters=[_place], validators=[*NAME, no_control_characters])
    grid = SelectField(_l("Grid"), coerce=int, validate_choice=True)


class HouseholdForm(WriteForm):
    entrance = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("Entrance number"), default=1, validators=[DataRequired(_l("Required.")), ENTRANCES])
    floor = WholeNumberField(render_kw=NUMBER_INPUT, label=_l("Floor"), default=1, validators=[DataRequired(_l("Required.")), FLOORS])
    room = StringField(_l("Door number"), filters=[_door], validators=[DataRequired(_l("Required.")), Length(
        max=16, message=_l("At most %(max)d characters.")), no_control_characters])
    address = StringField(_l("Address"), filters=[_place], validators=[DataRequired(_l("Required.")), Length(
        max=120, message=_l("At most %(max)d characters.")), no_control_characters])
    status = ChoiceField(_l("Status"), choices=as_choices(HOUSEHOLD_STATUS_LABELS), default="occupied",
                         validators=[DataRequired(_l("Choose the status."))])


class MergeForm(WriteForm):
    target = SelectField(_l("The same door as"), coerce=int, validate_choice=True)


class RemoveForm(WriteForm):
    pass


class AssignForm(WriteForm):
    """What a person may do, and where: a role on a community, grids or buildings, maybe until a day."""

    role = ChoiceField(_l("Role"), validators=[DataRequired(_l("Choose a role."))])
    community = SelectField(_l("Community"), coerce=int, validate_choice=False)
    grids = CheckboxesField(_l("Grids"), coerce=int)
    buildings = CheckboxesField(_l("Buildings"), coerce=int)
    valid_until = DayField(_l("Access ends after (optional)"), validators=[Optional()])

    def set_roles(self, roles):
        self.role.choices = as_choices([(role, ROLE_LABELS[role]) for role in roles])


class PersonForm(AssignForm):
    """A new person: who they are, and their first assignment."""

    username = StringField(_l("User name (for logging in)"), validators=[
        DataRequired(_l("Required.")), Length(max=40, message=_l("At most %(max)d characters.")),
        Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("Letters, digits and _ . @ - only, without spaces."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Required.")), Length(
        max=40, message=_l("At most %(max)d characters.")), no_control_characters])
    phone = PhoneField(_l("Mobile phone"), filters=[without_separators], validators=[Optional(), phone_number],
                       render_kw=PHONE_INPUT)


class PersonActionForm(WriteForm):
    pass


class OwnPasswordForm(WriteForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Required.")), StrongPassword(username=lambda form: form.username_value)])
    again = PasswordField(_l("The new password again"), validators=[DataRequired(_l("Required."))])
    username_value = None

    def validate_again(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class StreetForm(WriteForm):
    name = StringField(_l("Street name"), id="street-name", validators=[*NAME, no_control_characters])


class CommunityForm(WriteForm):
    name = StringField(_l("Community name"), validators=[*NAME, no_control_characters])
    street = SelectField(_l("Street"), coerce=int, validate_choice=True)
    callback_phone = PhoneField(_l("Callback number printed on note slips"), validators=[Optional(), Length(
        max=32, message=_l("At most %(max)d characters.")), Regexp(r"^[0-9 +()-]{3,32}$", message=_l(
            "Digits, spaces and - only."))], render_kw=PHONE_INPUT)
