from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import CheckboxesField, ChoiceField, DayField, IdField, WriteForm, as_choices, typed_int
from ..labels import CASE_STATE_LABELS, CHECKPOINT_KIND_LABELS, FINDING_LABELS, RESOLUTION_LABELS, SCAN_RESULT_LABELS

NOTE = [Optional(), Length(max=500, message=_l("Keep it under %(max)d characters.", max=500))]


class StartRoundForm(WriteForm):
    route_id = IdField(validators=[DataRequired()])
    checkpoint = HiddenField()  # the sticker the round was started from: its scan form comes next


class ScanForm(WriteForm):
    patrol_id = IdField(validators=[DataRequired()])
    result = ChoiceField(_l("Result"), choices=as_choices(SCAN_RESULT_LABELS),
                         validators=[DataRequired(_l("Choose all normal or a finding."))],
                         invalid_message=_l("Choose all normal or a finding."))
    finding_kind = ChoiceField(_l("What did you find?"), choices=as_choices(FINDING_LABELS), validators=[Optional()],
                               invalid_message=_l("Choose what you found."))
    note = TextAreaField(_l("Note"), validators=NOTE)
    resolution = ChoiceField(_l("Then"), choices=as_choices(RESOLUTION_LABELS),
                             validators=[Optional()], invalid_message=_l("Choose solved or handed on."))
    work_group_id = IdField(_l("Work group"), validators=[Optional()])
    device_time = HiddenField()
    clock_offset = HiddenField()  # server minus phone clock, seconds, measured by the page (webapp.forms)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.result.data == "finding":
            if not self.finding_kind.data:
                self.finding_kind.errors = [*self.finding_kind.errors, _l("Choose what you found.")]
                valid = False
            if not self.resolution.data:
                self.resolution.errors = [*self.resolution.errors, _l("Choose solved or handed on.")]
                valid = False
            if self.resolution.data == "handed" and not self.work_group_id.data:
                self.work_group_id.errors = [*self.work_group_id.errors, _l("Choose the work group.")]
                valid = False
            if self.finding_kind.data == "other" and not (self.note.data or "").strip():
                self.note.errors = [*self.note.errors, _l("Say what you found.")]
                valid = False
        return valid


class EndRoundForm(WriteForm):
    reason = TextAreaField(_l("Why were some checkpoints not scanned?"), validators=NOTE)


class CaseForm(WriteForm):
    status = ChoiceField(_l("Status"), choices=as_choices(CASE_STATE_LABELS), validators=[DataRequired()],
                         invalid_message=_l("Choose a status."))
    note = TextAreaField(_l("Note (to mark it solved, say what was done)"), validators=NOTE)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.status.data == "solved" and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, _l("Say what was done to solve it.")]
            valid = False
        return valid


class SignoffForm(WriteForm):
    day = DayField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=NOTE)


class CheckpointForm(WriteForm):
    name_warning = False  # set when the name says who lives there (see printing.category_words_in)
    name = StringField(_l("Checkpoint name"), id="checkpoint-name", validators=[DataRequired(_l("Give the checkpoint a name.")), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=as_choices(CHECKPOINT_KIND_LABELS))
    household_address = StringField(_l("Address of the sealed door"), validators=[Optional(), Length(max=120)])


MAX_POSITION = 999  # the walking order typed beside a checkpoint (stop-<id>)
MAX_WALK = 600  # minutes from the previous checkpoint (walk-<id>)
PEOPLE_SHOWN = _l("Choose from the people shown.")


class RouteForm(WriteForm):
    """A route: its name, time windows, patrollers, and beside each of the community's checkpoints (set
    checkpoint_ids and patroller.choices before validating) its walking order and minutes."""

    name = StringField(_l("Route name"), id="route-name", validators=[DataRequired(_l("Give the route a name.")), Length(max=80)])
    windows = StringField(_l("Time windows, one per round"), default="08:00-10:00, 14:00-16:00, 19:00-21:00",
                          validators=[DataRequired(_l("Give at least one time window."))])
    patroller = CheckboxesField(_l("Patrollers"), coerce=int, choices=[], invalid_message=PEOPLE_SHOWN)
    checkpoint_ids: list[int] = []
    stops: list[tuple[int, int, int]] = []
    stop_errors: dict[str, str] = {}  # the message beside a checkpoint's order or minutes, by input name

    def validate(self, extra_validators=None):
        self.stops, self.stop_errors = read_stops(request.form, self.checkpoint_ids)
        return super().validate(extra_validators) and not self.stop_errors


def read_stops(formdata, checkpoint_ids) -> tuple[list[tuple[int, int, int]], dict[str, str]]:
    """(position, checkpoint id, walking minutes) of each checkpoint given a walking order, and the message
    for each order or minutes that is not a whole number in range, by its input's name (stop-<id>, walk-<id>).
    Empty order: not on the route; empty minutes: 0. Full-width digits count (forms.typed_int)."""
    stops, errors = [], {}
    for checkpoint_id in checkpoint_ids:
        stop, walk = f"stop-{checkpoint_id}", f"walk-{checkpoint_id}"
        raw_position, raw_walk = (formdata.get(stop) or "").strip(), (formdata.get(walk) or "").strip()
        position = typed_int(raw_position, 1, MAX_POSITION) if raw_position else None
        minutes = typed_int(raw_walk, 0, MAX_WALK) if raw_walk else 0
        if raw_position and position is None:
            errors[stop] = _("Order: a whole number from 1 to %(max)d.", max=MAX_POSITION)
        if minutes is None:
            errors[walk] = _("Minutes: a whole number from 0 to %(max)d.", max=MAX_WALK)
        if position is not None and minutes is not None:
            stops.append((position, checkpoint_id, minutes))
    return stops, errors


class GroupForm(WriteForm):
    name = StringField(_l("Group name"), id="group-name", validators=[DataRequired(_l("Give the group a name.")), Length(max=40)])
    member = CheckboxesField(_l("Members"), coerce=int, choices=[], invalid_message=PEOPLE_SHOWN)
