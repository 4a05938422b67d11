"""Forms at the door. Every write form carries a request_id (see webapp.idempotency)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import (PHONE_INPUT, ChoiceField, DeviceTime, PhoneField, WriteForm, as_choices, phone_number,
                     read_device_time)
from ..idempotency import valid_request_id
from ..labels import CATEGORY_LABELS, CHANNEL_LABELS, HOUSEHOLD_STATUS_LABELS, OUTCOME_LABELS

NOTE_MAX = 500
SLIP_CODE_MAX = 20


class KnockForm(WriteForm):
    outcome = ChoiceField(_l("Outcome"), choices=as_choices(OUTCOME_LABELS),
                          invalid_message=_l("Choose what happened at the door."),
                          validators=[DataRequired(_l("Choose what happened at the door."))])
    # Optional: a form posted without a channel means a knock at the door.
    channel = ChoiceField(_l("How"), choices=as_choices(CHANNEL_LABELS), default="door", validators=[Optional()],
                          invalid_message=_l("Choose door, phone or someone else."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX, message=_l(
        "Keep the note under %(max)d characters.", max=NOTE_MAX))])
    # When the phone says the knock happened (set by the page; kept if it is sent later).
    device_time = HiddenField()
    clock_offset = HiddenField()  # server minus phone clock, seconds, measured by the page (webapp.forms)
    # A slip left with a knock kept on the phone (bound when the knock arrives; see slips.services).
    slip_code = StringField(validators=[Optional(), Length(max=SLIP_CODE_MAX)])
    # Where to go after a knock without JavaScript: the card, or back to the building walk.
    return_to = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The note is optional except for a wrong address, where it carries the right one.
        if self.outcome.data == "wrong_address" and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, _l("Say what the right address or household is.")]
            return False
        return valid

    def tapped(self) -> DeviceTime:
        return read_device_time(self.device_time.data, self.clock_offset.data)


@dataclass(frozen=True)
class Knock:
    """A valid knock as posted."""

    outcome: str
    channel: str
    note: str | None
    request_id: str
    device_time: datetime | None
    clock_corrected: bool
    slip_code: str
    return_to: str


def posted_knock(data) -> Knock | None:
    """The knock in a POST if it is valid, checked by hand: a knock is the hottest write, and a form
    object costs more than the rest of it. None means "let KnockForm say what is wrong"; the rules
    are KnockForm's (a test posts the same bad input through both)."""
    outcome, channel = data.get("outcome", ""), data.get("channel") or "door"
    note, request_id = data.get("note") or "", data.get("request_id", "")
    slip_code = (data.get("slip_code") or "").strip()
    if (outcome not in OUTCOME_LABELS or channel not in CHANNEL_LABELS or len(note) > NOTE_MAX
            or not valid_request_id(request_id) or (outcome == "wrong_address" and not note.strip())
            or len(slip_code) > SLIP_CODE_MAX):
        return None
    tapped = read_device_time(data.get("device_time"), data.get("clock_offset"))
    return Knock(outcome, channel, note.strip() or None, request_id, tapped.moment, tapped.corrected, slip_code,
                 data.get("return_to", ""))


class ResidentForm(WriteForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=40)])
    category = SelectField(_l("Category"), choices=as_choices(CATEGORY_LABELS))
    phone = PhoneField(_l("Phone (leave empty to keep)"), validators=[Optional(), phone_number],
                        render_kw=PHONE_INPUT)


class NewResidentForm(ResidentForm):
    phone = PhoneField(_l("Phone"), validators=[Optional(), phone_number], render_kw=PHONE_INPUT)


class StatusForm(WriteForm):
    status = SelectField(_l("Status now"), choices=as_choices(HOUSEHOLD_STATUS_LABELS))


class FlagForm(WriteForm):
    found_at = StringField(_l("Where did you find this sticker?"), validators=[
        DataRequired(_l("Write the address of the door the sticker is on.")), Length(max=120)])
