from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import DayField, WriteForm


class SignSummaryForm(WriteForm):
    day = DayField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the street"), validators=[Optional(), Length(
        max=1000, message=_l("Keep it under %(max)d characters.", max=1000))])
