"""Forms at the door. Every write form carries a request_id (see webapp.idempotency)."""
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..forms import BaseForm
from ..idempotency import REQUEST_ID, new_request_id
from ..labels import CATEGORY_LABELS, CHANNEL_LABELS, HOUSEHOLD_STATUS_LABELS, OUTCOME_LABELS
from ..models import utcnow

NOTE_MAX = 500


def as_choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs or a label mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class ChoiceField(RadioField):
    """A radio field whose "not a valid choice" message says what to do."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data is None or self.data == "":
            return  # the field's own validators say whether it is required
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(self.invalid_message or self.gettext("Not a valid choice."))


class WriteForm(BaseForm):
    request_id = HiddenField(validators=[DataRequired(_l("This form is missing its request id; reload the page.")),
                                         Regexp(REQUEST_ID, message=_l("This form is damaged; reload the page."))])

    @classmethod
    def blank(cls, prefix: str = "", **data):
        """A form to show on a page: nothing posted yet, and a new request id of its own."""
        form = cls(formdata=None, prefix=prefix, **data)
        form.request_id.data = new_request_id()
        return form


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


def parse_device_time(raw: str | None) -> datetime | None:
    """A plausible phone time as naive UTC, else None (a wrong phone clock is not an error)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    now = utcnow()
    if not now - timedelta(days=30) <= moment <= now + timedelta(minutes=10):
        return None
    return moment


class UndoForm(WriteForm):
    pass


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
