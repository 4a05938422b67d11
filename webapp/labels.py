"""Human names for stored enumeration values, translated through Babel."""
import json

from flask_babel import gettext as _, lazy_gettext as _l, ngettext

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "secretary": _l("Community secretary"),
    "lead": _l("Building lead"),
    "volunteer": _l("Volunteer"),
}
CATEGORY_LABELS = {
    "local_permanent": _l("Local, permanent"),
    "nonlocal_permanent": _l("Non-local, permanent"),
    "local_temporary": _l("Local, temporary"),
    "nonlocal_temporary": _l("Non-local, temporary"),
}
HOUSEHOLD_STATUS_LABELS = {
    "occupied": _l("Occupied"),
    "vacant": _l("Vacant"),
    "rented_out": _l("Rented out"),
    "registered_elsewhere": _l("Registered here, lives elsewhere"),
    "moved_out": _l("Moved out"),
}
BUILDING_KIND_LABELS = {
    "walkup": _l("Walk-up block"),
    "tower": _l("Tower"),
    "bungalow": _l("Bungalow row"),
    "courtyard": _l("Courtyard"),
}
CARE_TAG_LABELS = {
    "elderly_alone": _l("Elderly, living alone"),
    "elderly": _l("Elderly"),
    "disabled": _l("Disabled"),
    "chronic_illness": _l("Chronic illness"),
    "pregnant": _l("Pregnant"),
    "infant": _l("Infant"),
}
OUTCOME_LABELS = {
    "verified": _l("Verified"),
    "not_home": _l("Nobody home"),
    "refused": _l("Refused"),
    "vacant": _l("Vacant"),
    "moved_out": _l("Moved out"),
    "wrong_address": _l("Wrong address"),
}
CHANNEL_LABELS = {
    "door": _l("At the door"),
    "phone": _l("By phone"),
    "proxy": _l("Through someone else"),
}
SLOT_LABELS = {
    "morning": _l("morning"),
    "afternoon": _l("afternoon"),
    "evening": _l("evening"),
}
STATE_LABELS = {
    "reached": _l("Reached"),
    "not_home": _l("Nobody home"),
    "refused": _l("Refused"),
    "vacant": _l("Vacant"),
    "moved_out": _l("Moved out"),
    "wrong_address": _l("Wrong address"),
    "not_yet": _l("Not yet visited"),
}
CHANGE_LABELS = {
    "name": _l("name"),
    "category": _l("category"),
    "phone": _l("phone"),
    "moved_out": _l("moved out / back"),
    "added": _l("added"),
}
# The building walk's row of buttons: the same words as the card (one set of outcome words).
OUTCOME_SHORT_LABELS = {value: OUTCOME_LABELS[value] for value in ("verified", "not_home", "refused", "vacant")}
REPLY_LABELS = {
    "home_at": _l("Home at"),
    "call_me": _l("Call back"),
    "moved": _l("Moved / nobody lives here"),
    "message": _l("Message"),
}
SLOT_REPLY_LABELS = {
    "weekday_evening": _l("Weekday evenings"),
    "weekday_daytime": _l("Weekday daytime"),
    "weekend_morning": _l("Weekend mornings"),
    "weekend_afternoon": _l("Weekend afternoons"),
}
CHECKPOINT_KIND_LABELS = {
    "sentry": _l("Sentry post"),
    "lane": _l("Lane"),
    "entrance": _l("Entrance"),
    "sealed_door": _l("Sealed door"),
}
SCAN_RESULT_LABELS = {
    "normal": _l("All normal"),
    "finding": _l("A finding"),
}
RESOLUTION_LABELS = {
    "solved": _l("Solved on the spot"),
    "handed": _l("Hand to a work group"),
}
FINDING_LABELS = {
    "seal_broken": _l("Seal broken"),
    "gathering": _l("People gathering"),
    "unregistered_arrival": _l("Unregistered arrival"),
    "other": _l("Other"),
}
ROUND_STATE_LABELS = {
    "on_time": _l("On time"),
    "late": _l("Late"),
    "incomplete": _l("Incomplete"),
    "missed": _l("Missed"),
    "in_progress": _l("In progress"),
    "due": _l("Due now"),
    "pending": _l("Not yet due"),
}
CASE_STATE_LABELS = {
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "solved": _l("Solved"),
}
PICTURE_LABELS = {
    "reached": _l("Reached"),
    "not_home": _l("Nobody home"),
    "slip_left": _l("Slip left"),
    "escalated": _l("Escalated"),
    "refused": _l("Refused"),
    "vacant": _l("Vacant / moved out"),
    "wrong_address": _l("Wrong address"),
    "not_yet": _l("Not yet visited"),
}
AUDIT_LABELS = {
    "sticker_replaced": _l("Sticker reissued"),
    "sticker_revoked": _l("Sticker revoked"),
    "reveal_phone": _l("Full phone number revealed"),
    "reveal_id_number": _l("Full ID number revealed"),
    "registry_import": _l("Registry imported"),
    "registry_export": _l("Registry exported"),
    "stickers_printed": _l("Sticker sheet printed"),
    "person_added": _l("Person added"),
    "password_reset": _l("Password reset"),
    "access_ended": _l("Access ended"),
    "invite_created": _l("Invite created"),
    "invite_ended": _l("Invite ended"),
    "invite_person_ended": _l("Temporary access ended"),
    "invite_person_kept": _l("Made a regular volunteer"),
    "list_uploaded": _l("Pushed list uploaded"),
    "list_exported": _l("Pushed list results exported"),
}
INVITE_ROLE_LABELS = {
    "volunteer": _l("Volunteer"),
    "lead": _l("Building lead"),
}
INVITE_STATE_LABELS = {
    "open": _l("Open to join"),
    "not_yet": _l("Not open yet"),
    "expired": _l("Expired"),
    "ended": _l("Ended"),
    "full": _l("Used up"),
}
CHECK_METHOD_LABELS = {
    "phone": _l("Phone check"),
    "employer": _l("Employer check"),
    "door": _l("Door-to-door"),
    "tipoff": _l("Tip-off follow-up"),
}
MATCH_KIND_LABELS = {
    "phone": _l("Same phone"),
    "id_name": _l("ID tail and name"),
    "name_address": _l("Name and house number"),
    "name": _l("Same name"),
    "address": _l("House number only"),
    "picked": _l("Picked by hand"),
}
TASK_RESULT_LABELS = {
    "found": _l("Found, confirmed here"),
    "moved": _l("Not here / moved"),
    "wrong_person": _l("Wrong person"),
    "unreachable": _l("Could not reach"),
}


# What an audit entry's detail values count or name (webapp/audit.py stores them as JSON).
_AUDIT_DETAIL = {
    "role": lambda value: ROLE_LABELS.get(value, value),
    "max_joins": lambda n: ngettext("up to %(num)d people", "up to %(num)d people", int(n)),
    "rows": lambda n: ngettext("%(num)d row", "%(num)d rows", int(n)),
    "households": lambda n: ngettext("%(num)d new household", "%(num)d new households", int(n)),
    "residents": lambda n: ngettext("%(num)d new resident", "%(num)d new residents", int(n)),
    "kind": lambda value: str(value).upper(),
    "format": lambda value: str(value).upper(),
}


def audit_detail(detail: str | None) -> str:
    """An audit entry's details for a reader: roles named, numbers said with what they count."""
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return detail or ""
    if not isinstance(data, dict):
        return str(data)
    return " · ".join(str(_AUDIT_DETAIL.get(key, str)(value)) for key, value in data.items() if value is not None)


def person_label(user) -> str:
    """A person in a list of choices: their name, and their user name to tell two 李志愿 apart."""
    return _("%(text)s (%(note)s)", text=user.display_name, note=user.username)


def dealt_with(scan) -> str:
    """How a patrol finding was dealt with, the same words on the patrol log, the daily summary and its file:
    a finding handed on names the work group its case went to (转交工作小组：防控组)."""
    if scan.resolution == "solved":
        return _("solved on the spot")
    if scan.case:
        return _("handed to the work group %(group)s", group=scan.case.group.name)
    return _("handed to a work group")
