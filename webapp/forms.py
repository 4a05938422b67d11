"""The base of every form: CSRF from Flask-WTF, WTForms' own messages in the user's language,
a request id on every write form (see webapp.idempotency), and choice fields with useful messages.

Flask-WTF reloads WTForms' catalogue from disk on every request (about a millisecond);
here each language's catalogue is loaded once per process.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from babel import support
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Regexp, StopValidation, ValidationError
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, ListWidget

from .clock import MAX_DAY, MIN_DAY, parse_day
from .hypermedia import MAX_ID, parse_int
from .idempotency import REQUEST_ID, new_request_id
from .models import utcnow


# Phones bring up the right keypad: digits for phone numbers and counts (type=tel / inputmode).
PHONE_INPUT = {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
NUMBER_INPUT = {"inputmode": "numeric"}


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class BaseForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))


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


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (grids, buildings, people); a value not offered, or one
    its coerce cannot read ("zzz" for an id), is refused with invalid_message (default "Choose from the
    list.") beside the field."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message or _l("Choose from the list.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message) from None

    def pre_validate(self, form):
        values = {str(getattr(choice, "value", None) or choice[0]) for choice in self.choices}
        if any(str(value) not in values for value in self.data or ()):
            raise ValidationError(self.invalid_message)


# U+FF01..U+FF5E are the full-width forms of ASCII ! .. ~ (NFKC maps each to its ASCII one); U+3000 a space.
_ASCII_FORMS = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Only their digits and Latin letters: a name or an address keeps its full-width punctuation (（东门）).
_ASCII_DIGITS_AND_LETTERS = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                                 *range(0xFF41, 0xFF5B))}


def as_typed(raw: str | None) -> str:
    """Text a person typed, with the full-width forms a Chinese IME types (１２, －３, ideographic
    space) made ASCII. Only those: NFKC of the whole text would also make "10²" into "102"."""
    return (raw or "").translate(_ASCII_FORMS)


def ascii_digits_and_letters(raw: str | None) -> str:
    """A place's name or address as typed: its full-width digits and letters (桂园路１号Ａ座) made ASCII,
    its punctuation left as written, so 桂园路１号 and 桂园路1号 are one place and a search finds it."""
    return (raw or "").translate(_ASCII_DIGITS_AND_LETTERS)


TYPED_LIMIT = 10**12  # parse_int reads at most 12 digits; NumberRange gives each field its own range


def typed_int(raw: str | None, low: int = -TYPED_LIMIT, high: int = TYPED_LIMIT) -> int | None:
    """A whole number a person typed: ASCII or full-width digits (１２ is 12), within [low, high];
    None for anything else ("²", "٣", "1_000", "1e3", "12.0"). Ids in URLs stay ASCII: hypermedia.parse_int."""
    return parse_int(as_typed(raw), low, high)


class PhoneField(StringField):
    """A phone number a person types: the full-width digits, ＋, － and spaces a Chinese IME types count as
    their ASCII forms (１３９１２３４５６７８ is 13912345678), so its validators see what the person sees."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = as_typed(self.data).strip()


def without_separators(value):
    """A phone number's digits as stored: the spaces and dashes people group it with left out."""
    return value.replace(" ", "").replace("-", "") if isinstance(value, str) else value


_PHONE_SHAPE = re.compile(r"\+?[0-9][0-9 -]*")
_DIALABLE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{9,11}|[2-9][0-9]{6,7}|\+[0-9]{8,15}")


def phone_number(form, field):
    """A phone number as people type one (a resident's, a caller's, a joining volunteer's): digits, an
    optional leading +, spaces and dashes, that someone could dial back. A mobile (1 and 11 digits), a
    landline with its area code (0 and 10 to 12 digits) or without (7 or 8 digits), or an international
    number (+ and 8 to 15 digits): "139123", a mobile cut short, is refused rather than kept undialable."""
    typed = field.data or ""
    if not typed:
        return  # empty: left to the field's DataRequired / Optional
    if not _PHONE_SHAPE.fullmatch(typed):
        raise ValidationError(_l("Enter a phone number of digits."))
    if not _DIALABLE.fullmatch(without_separators(typed)):
        raise ValidationError(_l("Enter a mobile number of 11 digits, or a landline with its area code."))


class WholeNumberField(IntegerField):
    """Every number field a person fills in (a count, a floor, hours): typed_int's rule, so the full-width
    digits a Chinese IME types count everywhere alike and anything else int() would take ("٣", "1_000") is
    refused. Anything but a whole number gets one message, saying the range when the field has one, not
    WTForms' "Not a valid integer value." and the range's message both. Empty is left to its validators
    (InputRequired / DataRequired / Optional)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0]
        if raw is None or as_typed(str(raw)).strip() == "":
            self.data = None
            return
        self.data = typed_int(str(raw))
        if self.data is None:
            raise ValueError("not a whole number")  # pre_validate says it to the person

    def pre_validate(self, form):
        if not self.process_errors:
            return
        self.errors.clear()
        bounds = next((v for v in self.validators if isinstance(v, NumberRange)), None)
        if bounds is not None and bounds.min is not None and bounds.max is not None:
            raise StopValidation(gettext("A whole number from %(min)s to %(max)s.", min=bounds.min, max=bounds.max))
        raise StopValidation(gettext("A whole number, please."))


class IdField(IntegerField):
    """An id a form posts (route_id, patrol_id, household_id …): ASCII digits, 1 … MAX_ID.

    Anything else is a message beside the field (data None), never a database error.
    Whether it may be empty is up to its validators (Optional / DataRequired).
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0]
        if raw is None or str(raw).strip() == "":
            self.data = None
            return
        self.data = parse_int(raw, 1, MAX_ID)
        if self.data is None:
            raise ValueError(self.gettext("Not a valid choice."))


class DayField(DateField):
    """A day (YYYY-MM-DD) within clock.MIN_DAY … MAX_DAY; anything else is a message, never a 500."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = " ".join(valuelist).strip()
        if not raw:
            self.data = None
            return
        self.data = parse_day(raw)
        if self.data is None:
            raise ValueError(_l("Enter a date between %(low)s and %(high)s.", low=MIN_DAY.isoformat(),
                                high=MAX_DAY.isoformat()))


class WriteForm(BaseForm):
    request_id = HiddenField(validators=[DataRequired(_l("This form is missing its request id; reload the page.")),
                                         Regexp(REQUEST_ID, message=_l("This form is damaged; reload the page."))])

    @classmethod
    def blank(cls, prefix: str = "", **data):
        """A form to show on a page: nothing posted yet, and a new request id of its own."""
        form = cls(formdata=None, prefix=prefix, **data)
        form.request_id.data = new_request_id()
        return form


class FieldError(ValueError):
    """Input a service refuses after the form itself passed (a name taken, an address not found):
    str() is the message, `field` the form field it belongs beside."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field

    def show_on(self, form) -> None:
        """Put the message beside its field (or above the form when it has no such field)."""
        field = getattr(form, self.field, None)
        if field is None:
            form.form_errors.append(str(self))
        else:
            field.errors = [*field.errors, str(self)] if isinstance(field.errors, list) else [str(self)]


class _BlankField:
    data = None
    errors: tuple = ()


class BlankForm:
    """What a template needs of an empty write form, without building one: a new request id, and every
    other field empty with no errors. For hot fragments (a knock's) where WTForms costs more than the rest."""

    def __init__(self):
        self.request_id = _BlankField()
        self.request_id.data = new_request_id()
        self.errors = {}

    def __getattr__(self, name):
        return _BlankField()


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


# The page measures the phone's clock against the server's when it loads (clock_offset, in seconds,
# server minus phone) and sends the tap's time already corrected by it.
CLOCK_TOLERANCE = timedelta(minutes=2)
FUTURE_TOLERANCE = timedelta(minutes=1)
MAX_OFFSET = 10 * 365 * 86400


@dataclass(frozen=True)
class DeviceTime:
    moment: datetime | None  # when the tap happened, in server time (naive UTC)
    corrected: bool  # the phone's clock was wrong: the time was corrected, or replaced by the arrival time


def read_device_time(raw_time: str | None, raw_offset: str | None = None) -> DeviceTime:
    """The time of a tap as the page reports it, never trusted blindly.

    A phone clock far off the server's (|offset| over two minutes) is corrected by the page and flagged
    here; a time still in the future is replaced by the arrival time, one older than 30 days is dropped,
    and both are flagged.
    """
    raw = (raw_time or "").strip()
    if not raw:
        return DeviceTime(None, False)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return DeviceTime(None, True)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    corrected = False
    try:
        offset = int((raw_offset or "0").strip() or 0)
    except ValueError:
        offset = 0
    if abs(offset) > MAX_OFFSET:
        offset, corrected = 0, True
    if abs(offset) > CLOCK_TOLERANCE.total_seconds():
        corrected = True
    now = utcnow()
    if moment > now + FUTURE_TOLERANCE:
        return DeviceTime(now, True)
    if moment < now - timedelta(days=30):
        return DeviceTime(None, True)
    return DeviceTime(moment, corrected)
