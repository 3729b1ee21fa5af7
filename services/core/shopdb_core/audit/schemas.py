"""How audit events are shown."""

from __future__ import annotations

from typing import Any

from shopdb_core.audit.models import AuditDeadLetter, AuditEvent


def event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "event_id": str(event.event_id),
        "occurred_at": event.occurred_at.isoformat(),
        "service": event.service,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "action": event.action,
        "changes": event.changes,
        "actor": {"kind": event.actor_kind, "id": event.actor_id, "name": event.actor_name},
        "request_id": event.request_id,
        "summary": event.summary,
    }


def deadletter_out(row: AuditDeadLetter) -> dict[str, Any]:
    return {
        "id": row.id,
        "stream_sequence": row.stream_sequence,
        "subject": row.subject,
        "reason": row.reason,
        "deliveries": row.deliveries,
        "parked_at": row.parked_at.isoformat(),
        "data": row.data,
    }
