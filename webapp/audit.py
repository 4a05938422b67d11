"""Writing to the audit log."""
import json

from flask import has_request_context, request

from .extensions import db
from .models import AuditLog


def audit(user_id: int | None, action: str, obj_type: str, obj_id, **detail) -> None:
    db.session.add(AuditLog(
        user_id=user_id, action=action, object_type=obj_type, object_id=str(obj_id),
        detail=json.dumps(detail, ensure_ascii=False) if detail else None,
        address=(request.remote_addr if has_request_context() else None),
    ))
