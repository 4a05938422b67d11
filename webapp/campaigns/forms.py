from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..forms import NUMBER_INPUT, DayField, WholeNumberField, WriteForm


class CampaignForm(WriteForm):
    name = StringField(_l("Campaign name"), validators=[DataRequired(_l("Give the campaign a name.")), Length(max=80)])
    community_id = SelectField(_l("Community"), coerce=int)
    grid_id = SelectField(_l("Scope"), coerce=int)
    starts_on = DayField(_l("Starts on"), validators=[DataRequired(_l("Enter a start date."))])
    ends_on = DayField(_l("Ends on"), validators=[DataRequired(_l("Enter an end date."))])
    max_attempts = WholeNumberField(_l("Attempts before escalation"), default=3, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(1, 10, _l("Between 1 and 10."))], render_kw=NUMBER_INPUT)

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end cannot be before the start."))
