"""Registry writes."""
from __future__ import annotations

from ..audit import audit
from ..idempotency import claim
from ..models import Resident


def reveal_field(resident: Resident, field: str, user_id: int, request_id: str) -> str | None:
    """One resident's full phone or ID number; showing it is written to the audit log once per request."""
    value = getattr(resident, field)
    if value and claim(request_id, user_id, "reveal"):
        audit(user_id, f"reveal_{field}", "resident", resident.id, name=resident.name,
              address=resident.household.address)
    return value
