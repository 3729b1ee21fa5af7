"""Automatic audit of audited models: every flush writes its changes to the outbox.

A model opts in with `@audited("asset")`. When a session flushes, each new, changed or deleted
audited object gets one outbox event with its field-level before/after values, in the same
transaction. No write path can forget its audit, and none can write one for a change that
rolled back.

The actor and action come from the session: `get_session` puts the request on `session.info`
(authentication leaves the actor on `request.state.actor`), tools set `session.info["actor"]`,
and a service names a domain action for one object with `set_action(session, obj, "retire")`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from shopdb_contract.outbox import SYSTEM, Actor, OutboxWriter, request_actor

__all__ = ["audited", "install", "session_actor", "set_action"]

_ACTIONS_KEY = "shopdb_audit_actions"


def audited(entity_type: str, *, exclude: tuple[str, ...] = ()):
    """Class decorator: audit this model as `entity_type`, leaving out `exclude`d fields.

    Leave out what changes without anyone changing the thing: heartbeats, `updated` stamps.
    """

    def mark(cls):
        cls.__audit_entity__ = entity_type
        cls.__audit_exclude__ = frozenset(exclude) | {"updated"}
        return cls

    return mark


def set_action(session: Session, obj: Any, action: str) -> None:
    """Name the action of `obj`'s next audit event (default: create, update or delete)."""
    session.info.setdefault(_ACTIONS_KEY, {})[id(obj)] = action


def session_actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    if actor is not None:
        return actor
    request = session.info.get("request")
    return request_actor(request) if request is not None else SYSTEM


def _columns(obj: Any) -> list[str]:
    mapper = inspect(obj).mapper
    return [attr.key for attr in mapper.column_attrs if attr.key not in obj.__audit_exclude__]


def _values(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in _columns(obj)}


def _before(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    before = {}
    for name in _columns(obj):
        history = state.attrs[name].history
        if history.deleted:
            before[name] = history.deleted[0]
        elif history.unchanged:
            before[name] = history.unchanged[0]
        else:
            before[name] = getattr(obj, name) if not history.added else None
    return before


def _entity_id(obj: Any) -> str:
    identity = inspect(obj).identity or inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in identity)


def install(factory: sessionmaker, writer: OutboxWriter) -> None:
    """Audit every audited model flushed by sessions from `factory` into `writer`'s outbox."""

    @event.listens_for(factory, "after_flush")
    def _record(session: Session, _context) -> None:
        actions = session.info.get(_ACTIONS_KEY, {})
        actor = session_actor(session)
        events = []
        for obj in session.new:
            if hasattr(obj, "__audit_entity__"):
                events.append((obj, actions.pop(id(obj), "create"), None, _values(obj)))
        for obj in session.dirty:
            if hasattr(obj, "__audit_entity__") and session.is_modified(obj, include_collections=False):
                events.append((obj, actions.pop(id(obj), "update"), _before(obj), _values(obj)))
        for obj in session.deleted:
            if hasattr(obj, "__audit_entity__"):
                events.append((obj, actions.pop(id(obj), "delete"), _before(obj), None))
        # One INSERT for the flush's events: a bulk write of 1,000 rows is one round trip.
        writer.audit_log_many(session, [
            {"entity_type": obj.__audit_entity__, "entity_id": _entity_id(obj), "action": action,
             "before": before, "after": after, "actor": actor}
            for obj, action, before, after in events
        ])
