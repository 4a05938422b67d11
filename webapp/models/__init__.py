"""Domain models, one module per domain; imported here so Alembic sees every table."""
from .accounts import ROLES, LoginAttempt, RoleAssignment, User
from .audit import AuditLog
from .base import new_token, utcnow
from .invites import INVITE_ROLES, Invite, InviteJoin, InvitePlace
from .lists import CHECK_METHODS, MATCH_KINDS, SETTLING_RESULTS, TASK_RESULTS, ListRow, ListTask, PushedList
from .patrols import (
    CASE_STATES,
    CHECKPOINT_KINDS,
    FINDING_KINDS,
    Case,
    CaseEvent,
    Checkpoint,
    Patrol,
    PatrolScan,
    PatrolSignoff,
    Route,
    RoutePatroller,
    RouteStop,
    RouteWindow,
    WorkGroup,
    WorkGroupMember,
)
from .tallies import CampaignTally, GridCount
from .people import CARE_TAGS, RESIDENT_CATEGORIES, CareTag, Resident
from .places import (
    BUILDING_KINDS,
    HOUSEHOLD_STATUSES,
    Building,
    Community,
    Grid,
    Household,
    RetiredSticker,
    StickerFlag,
    Street,
)
from .review import DailySummary
from .slips import REPLY_KINDS, NoteSlip, RateEvent, SelfReport, SlipPad, SlipReply
from .visits import (
    CHANNELS,
    OUTCOMES,
    REACHED_OUTCOMES,
    Campaign,
    ProcessedRequest,
    ResidentChange,
    StatusChange,
    Visit,
)

__all__ = [
    "ROLES", "LoginAttempt", "RoleAssignment", "User", "AuditLog", "new_token", "utcnow",
    "CARE_TAGS", "RESIDENT_CATEGORIES", "CareTag", "Resident", "BUILDING_KINDS",
    "HOUSEHOLD_STATUSES", "Building", "Community", "Grid", "Household", "Street", "Campaign",
    "RetiredSticker", "StickerFlag", "CHANNELS", "OUTCOMES", "REACHED_OUTCOMES", "ProcessedRequest",
    "ResidentChange", "StatusChange", "Visit", "REPLY_KINDS", "NoteSlip", "RateEvent", "SelfReport", "SlipPad",
    "SlipReply", "CASE_STATES", "CHECKPOINT_KINDS", "FINDING_KINDS", "Case", "CaseEvent", "Checkpoint", "Patrol",
    "PatrolScan", "PatrolSignoff", "Route", "RoutePatroller", "RouteStop", "RouteWindow", "WorkGroup",
    "WorkGroupMember", "DailySummary", "INVITE_ROLES", "Invite", "InviteJoin", "InvitePlace", "CHECK_METHODS",
    "MATCH_KINDS", "SETTLING_RESULTS", "TASK_RESULTS", "ListRow", "ListTask", "PushedList", "CampaignTally",
    "GridCount",
]
