from flask_babel import lazy_gettext as _l
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import WriteForm


class SignSummaryForm(WriteForm):
    day = DateField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the street"), validators=[Optional(), Length(
        max=1000, message=_l("Keep it under %(max)d characters.", max=1000))])
