from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from ..clock import local_today
from ..forms import DayField, WriteForm


class SignSummaryForm(WriteForm):
    day = DayField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the street"), validators=[Optional(), Length(
        max=1000, message=_l("Keep it under %(max)d characters.", max=1000))])

    def validate_day(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("You cannot sign a day still to come."))
