"""Forms at the door. Every write form carries a request_id (see webapp.idempotency)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import ChoiceField, WriteForm, as_choices, parse_device_time
from ..idempotency import valid_request_id
from ..labels import CATEGORY_LABELS, CHANNEL_LABELS, HOUSEHOLD_STATUS_LABELS, OUTCOME_LABELS

NOTE_MAX = 500


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
    # Where to go after a knock without JavaScript: the card, or back to the building walk.
    return_to = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The note is optional except for a wrong address, where it carries the right one.
        if self.outcome.data == "wrong_address" and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, _l("Say what the right address or household is.")]
            return False
        return valid

    def parsed_device_time(self) -> datetime | None:
        return parse_device_time(self.device_time.data)


@dataclass(frozen=True)
class Knock:
    """A valid knock as posted."""

    outcome: str
    channel: str
    note: str | None
    request_id: str
    device_time: datetime | None
    return_to: str


def posted_knock(data) -> Knock | None:
    """The knock in a POST if it is valid, checked by hand: a knock is the hottest write, and a form
    object costs more than the rest of it. None means "let KnockForm say what is wrong"; the rules
    are KnockForm's (a test posts the same bad input through both)."""
    outcome, channel = data.get("outcome", ""), data.get("channel") or "door"
    note, request_id = data.get("note") or "", data.get("request_id", "")
    if (outcome not in OUTCOME_LABELS or channel not in CHANNEL_LABELS or len(note) > NOTE_MAX
            or not valid_request_id(request_id) or (outcome == "wrong_address" and not note.strip())):
        return None
    return Knock(outcome, channel, note.strip() or None, request_id, parse_device_time(data.get("device_time")),
                 data.get("return_to", ""))


class ResidentForm(WriteForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=40)])
    category = SelectField(_l("Category"), choices=as_choices(CATEGORY_LABELS))
    phone = StringField(_l("Phone (leave empty to keep)"), validators=[
        Optional(), Regexp(r"^\+?[0-9][0-9 -]{5,18}$", message=_l("Enter a phone number of digits."))])


class NewResidentForm(ResidentForm):
    phone = StringField(_l("Phone"), validators=[
        Optional(), Regexp(r"^\+?[0-9][0-9 -]{5,18}$", message=_l("Enter a phone number of digits."))])


class StatusForm(WriteForm):
    status = SelectField(_l("Household status"), choices=as_choices(HOUSEHOLD_STATUS_LABELS))


class FlagForm(WriteForm):
    found_at = StringField(_l("Where did you find this sticker?"), validators=[
        DataRequired(_l("Write the address of the door the sticker is on.")), Length(max=120)])
