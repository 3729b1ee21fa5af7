"""The transactional outbox: audit and domain events written in the same transaction as the change.

A service calls `audit_log(session, ...)` inside the transaction that makes the change. The row
commits with the change or rolls back with it, so a change is never left without its audit
event and an audit event never describes a change that did not happen. A relay (relay.py)
publishes pending rows to NATS JetStream afterwards; NATS being down delays audit, it never
blocks or loses a write.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)
from sqlalchemy.orm import Session

from shopdb_contract.db import UTCDateTime, utcnow
from shopdb_contract.logs import request_id_var

__all__ = ["ACTIONS", "ANONYMOUS", "OUTBOX_TABLE", "REDACTED", "SECRET_FIELD_MARKERS", "SYSTEM", "Actor",
    "diff", "is_secret_field", "outbox_columns", "outbox_table", "OutboxWriter", "request_actor"]

OUTBOX_TABLE = "shopdb_outbox"

from shopdb_contract.wire import AUDIT_SUBJECT, EVENT_SUBJECT  # noqa: E402

# Standard actions; services add domain actions (e.g. "checkout", "push").
ACTIONS = ("create", "update", "delete", "restore")

# Field names whose values never leave the service in an audit event.
SECRET_FIELD_MARKERS = ("password", "secret", "token", "hash", "apikey", "api_key", "private_key")
REDACTED = "[redacted]"


def outbox_columns() -> list[Column]:
    """The outbox's columns; used by the model and by each service's migration alike."""
    return [
        # An integer key gives the publishing order: the order the changes committed in.
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", Uuid(), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("occurred_at", UTCDateTime(), nullable=False),
        Column("sent_at", UTCDateTime(), nullable=True),
        # A relay leases rows while it publishes them; an expired lease frees them again,
        # so a relay killed mid-batch delays its rows but never strands them.
        Column("claimed_by", String(64), nullable=True),
        Column("claimed_until", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    ]


def outbox_table(metadata: MetaData) -> Table:
    """Declare the outbox in a service's own metadata (one outbox per service database)."""
    return Table(
        OUTBOX_TABLE,
        metadata,
        *outbox_columns(),
        Index("ix_shopdb_outbox_pending", "sent_at", "id"),
    )


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user, an API token, a collector, a service, or the system."""

    kind: str = "system"
    id: str | None = None
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name}


SYSTEM = Actor()
ANONYMOUS = Actor("anonymous")


def request_actor(request) -> Actor:
    """The actor of an API request: set on `request.state.actor` by authentication."""
    return getattr(request.state, "actor", None) or ANONYMOUS


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_FIELD_MARKERS)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Field-level changes as {field: {"before": x, "after": y}}; secrets redacted, equal fields left out."""
    before = before or {}
    after = after or {}
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old == new:
            continue
        if is_secret_field(name):
            old = REDACTED if old is not None else None
            new = REDACTED if new is not None else None
        changes[name] = {"before": old, "after": new}
    return changes


@dataclass
class OutboxWriter:
    """Binds a service's outbox table, so callers pass only what changed."""

    service: str
    table: Table

    def audit_log(
        self,
        session: Session,
        *,
        entity_type: str,
        entity_id: Any,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        request_id: str | None = None,
        summary: str | None = None,
    ) -> uuid.UUID | None:
        """Record a change in the outbox, inside the caller's transaction.

        Returns the event id, or None when nothing changed (an update to the same values is
        not an event: a collector re-pushing unchanged data writes no audit).
        """
        row = self._audit_row(
            entity_type=entity_type, entity_id=entity_id, action=action, before=before, after=after,
            actor=actor, request_id=request_id, summary=summary,
        )
        if row is None:
            return None
        session.execute(self.table.insert().values(**row))
        return row["event_id"]

    def audit_log_many(self, session: Session, entries: list[dict[str, Any]]) -> int:
        """`audit_log` for many changes in one INSERT (a batch of 1,000 is one round trip).

        Each entry holds `audit_log`'s keyword arguments; returns how many events were written.
        """
        rows = [row for entry in entries if (row := self._audit_row(**entry)) is not None]
        if rows:
            session.execute(self.table.insert(), rows)
        return len(rows)

    def _audit_row(
        self,
        *,
        entity_type: str,
        entity_id: Any,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        request_id: str | None = None,
        summary: str | None = None,
    ) -> dict[str, Any] | None:
        changes = diff(before, after)
        if action == "update" and not changes:
            return None
        event_id = uuid.uuid4()
        occurred_at = utcnow()
        payload = {
            "event_id": str(event_id),
            "occurred_at": occurred_at.isoformat(),
            "service": self.service,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "action": action,
            "changes": changes,
            "actor": actor.as_dict(),
            "request_id": request_id or request_id_var.get(),
            "summary": summary,
        }
        return {
            "event_id": event_id, "subject": AUDIT_SUBJECT.format(service=self.service), "payload": payload,
            "occurred_at": occurred_at, "attempts": 0,
        }

    def emit_event(self, session: Session, *, name: str, data: dict[str, Any], actor: Actor = SYSTEM) -> uuid.UUID:
        """A domain event (shopdb.events.<service>.<name>), sent through the same outbox."""
        event_id = uuid.uuid4()
        occurred_at = utcnow()
        payload = {
            "event_id": str(event_id),
            "occurred_at": occurred_at.isoformat(),
            "service": self.service,
            "name": name,
            "data": {k: _plain(v) for k, v in data.items()},
            "actor": actor.as_dict(),
            "request_id": request_id_var.get(),
        }
        self._insert(session, event_id, EVENT_SUBJECT.format(service=self.service, name=name), payload, occurred_at)
        return event_id

    def _insert(self, session: Session, event_id: uuid.UUID, subject: str, payload: dict, occurred_at: datetime) -> None:
        session.execute(
            self.table.insert().values(
                event_id=event_id, subject=subject, payload=payload, occurred_at=occurred_at, attempts=0
            )
        )
