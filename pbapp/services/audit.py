"""Recording audit events. Events are only ever added, never edited or deleted."""

from __future__ import annotations

from typing import Any

from pbapp.extensions import db
from pbapp.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session and return it."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def record_changes(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any],
    after: dict[str, Any],
) -> AuditEvent | None:
    """Record only the keys whose value changed; nothing at all when none did."""
    changed = sorted(k for k in before if before[k] != after.get(k))
    if not changed:
        return None
    return record(
        actor,
        action,
        object_type,
        object_id,
        before={k: before[k] for k in changed},
        after={k: after.get(k) for k in changed},
    )
