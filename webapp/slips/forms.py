from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import (NUMBER_INPUT, PHONE_INPUT, ChoiceField, IdField, PhoneField, WholeNumberField, WriteForm,
                     as_choices,
                     phone_number)
from ..labels import CATEGORY_LABELS


class BindSlipForm(WriteForm):
    slip_code = StringField(_l("Slip number"), validators=[
        DataRequired(_l("Type the number printed on the slip, or scan it.")), Length(max=20)])


class PadForm(WriteForm):
    count = WholeNumberField(_l("Slips"), default=16, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(8, 200, _l("Between 8 and 200."))], render_kw=NUMBER_INPUT)
    issued_to = SelectField(_l("Issue to"), coerce=int)


class ConfirmReplyForm(WriteForm):
    outcome = ChoiceField(_l("What did you learn on the phone?"), choices=as_choices({
        "verified": _l("Reached: residents confirmed"),
        "moved_out": _l("They have moved out"),
        "vacant": _l("Nobody lives there"),
    }), default="verified", validators=[DataRequired()], invalid_message=_l("Choose what you learned."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class ConfirmReportForm(WriteForm):
    household_id = IdField(_l("Household"), validators=[Optional()])
    building_id = IdField(_l("Building"), validators=[Optional()])
    room = StringField(_l("Room (new household)"), validators=[Optional(), Length(max=16)])


class SelfReportForm(WriteForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=40)])
    phone = PhoneField(_l("Phone"), validators=[DataRequired(_l("Enter a phone number we can call.")), phone_number],
                        render_kw=PHONE_INPUT)
    address_text = StringField(_l("Address"), validators=[
        DataRequired(_l("Enter where you live (building, entrance, room).")),
        Length(max=120, message=_l("Keep it under %(max)d characters.", max=120))])
    category = ChoiceField(_l("You are"), choices=as_choices(CATEGORY_LABELS), validators=[
        DataRequired(_l("Choose one."))], invalid_message=_l("Choose one."))
    arrived_from = StringField(_l("Arrived from (if you came recently)"), validators=[Optional(), Length(
        max=80, message=_l("Keep it under %(max)d characters.", max=80))])
    note = TextAreaField(_l("Anything else"), validators=[Optional(), Length(
        max=500, message=_l("Keep it under %(max)d characters.", max=500))])


class SlipReplyForm(WriteForm):
    kind = ChoiceField(_l("Your answer"), choices=as_choices({
        "home_at": _l("We are home at"),
        "call_me": _l("Call us at"),
        "moved": _l("We have moved / nobody lives here"),
        "message": _l("Just a message"),
    }), validators=[DataRequired(_l("Choose an answer."))], invalid_message=_l("Choose an answer."))
    home_slot = ChoiceField(_l("When"), choices=as_choices({
        "weekday_evening": _l("Weekday evenings"),
        "weekday_daytime": _l("Weekday daytime"),
        "weekend_morning": _l("Weekend mornings"),
        "weekend_afternoon": _l("Weekend afternoons"),
    }), validators=[Optional()], invalid_message=_l("Choose a time."))
    phone = PhoneField(_l("Phone"), validators=[Optional(), phone_number], render_kw=PHONE_INPUT)
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=500, message=_l(
        "Keep it under %(max)d characters.", max=500))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == "home_at" and not self.home_slot.data:
            self.home_slot.errors = [*self.home_slot.errors, _l("Choose when you are home.")]
            valid = False
        if self.kind.data == "call_me" and not self.phone.data:
            self.phone.errors = [*self.phone.errors, _l("Enter the number to call.")]
            valid = False
        if self.kind.data == "message" and not (self.message.data or "").strip():
            self.message.errors = [*self.message.errors, _l("Write your message.")]
            valid = False
        return valid
