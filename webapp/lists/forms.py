from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import NUMBER_INPUT, CheckboxesField, ChoiceField, WholeNumberField, WriteForm, as_choices
from ..labels import CHECK_METHOD_LABELS, TASK_RESULT_LABELS


class UploadForm(WriteForm):
    title = StringField(_l("Name of the list"), validators=[Optional(), Length(max=120)])
    file = FileField(_l("List file (CSV or XLSX)"), validators=[FileRequired(_l("Choose the file to upload."))])


class MatchForm(WriteForm):
    # The index of one of the row's candidates, or "none" to leave it open.
    choice = StringField(validators=[DataRequired(_l("Choose a household or none."))])


class ConfirmExactForm(WriteForm):
    """Confirm every row matched by phone or by ID tail and name."""


ROW_CHOICES = {
    "open": _l("Every open row"),
    "matched": _l("Rows with a confirmed door"),
    "unmatched": _l("Rows without a door"),
}
MODE_CHOICES = {
    "by_grid": _l("Whoever looks after the door: its building lead, else its grid's volunteers"),
    "round_robin": _l("In turn among the people chosen below"),
}


class AssignForm(WriteForm):
    method = ChoiceField(_l("Check by"), choices=as_choices(CHECK_METHOD_LABELS), default="phone",
                         validators=[DataRequired(_l("Choose how to check."))],
                         invalid_message=_l("Choose how to check."))
    rows = ChoiceField(_l("Which rows"), choices=as_choices(ROW_CHOICES), default="open",
                       validators=[DataRequired(_l("Choose which rows."))], invalid_message=_l("Choose which rows."))
    mode = ChoiceField(_l("Assign to"), choices=as_choices(MODE_CHOICES), default="by_grid",
                       validators=[DataRequired(_l("Choose how to assign."))],
                       invalid_message=_l("Choose how to assign."))
    people = CheckboxesField(_l("People"), coerce=int, choices=[])
    hours = WholeNumberField(_l("Due within (hours)"), default=4, render_kw=NUMBER_INPUT, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(1, 168, _l("Between 1 and 168."))])
    hand_on = BooleanField(_l("Also hand on overdue checks to these people"))

    def validate_people(self, field):
        if self.mode.data == "round_robin" and not field.data:
            raise ValidationError(_l("Choose at least one person."))


class ResultForm(WriteForm):
    result = ChoiceField(_l("Result"), choices=as_choices(TASK_RESULT_LABELS),
                         validators=[DataRequired(_l("Choose the result."))], invalid_message=_l("Choose the result."))
    moved_to = StringField(_l("Moved to (address)"), validators=[Optional(), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])
