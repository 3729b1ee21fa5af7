"""The audit walk every service's tests use: perform each write, read back the events it wrote.

A service's test describes one write per operation of its OpenAPI; `write_operations(app)`
lists them all, so an operation left out of the walk fails the coverage check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, select

__all__ = ["WRITE_METHODS", "AuditWalk", "check_event", "write_operations"]

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def write_operations(app) -> set[tuple[str, str]]:
    """Every (METHOD, path template) of `app`'s OpenAPI that writes."""
    return {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in WRITE_METHODS
    }


def check_event(
    events: list[dict], *, service: str, entity: str, entity_id: Any, action: str, changes: dict, what: str,
    require_actor: bool = True,
) -> dict:
    """The single event about `entity_id` (any of `entity`'s when None) among `events`."""
    found = [e for e in events if e.get("entity_type") == entity and (entity_id is None or e["entity_id"] == str(entity_id))]
    assert len(found) == 1, f"{what}: expected one {entity} event for {entity_id}, got {found}"
    event = found[0]
    assert event["service"] == service, (what, event)
    assert event["action"] == action, (what, event)
    for field, (before, after) in changes.items():
        assert event["changes"].get(field) == {"before": before, "after": after}, (what, field, event["changes"])
    if require_actor:
        assert event["actor"]["kind"] not in ("anonymous", "system"), (what, event["actor"])
    return event


class AuditWalk:
    """Writes through a service's API and reads back the outbox events each write left."""

    def __init__(self, client, outbox: Table, service: str) -> None:
        self.client = client
        self.outbox = outbox
        self.service = service
        self.database = client.app.state.database
        with self.database.transaction() as session:
            session.execute(delete(outbox))
            self.reset(session)
        self.seen = 0

    def reset(self, session) -> None:
        """Remove what an earlier walk left beyond the outbox (override per service)."""

    def events(self) -> list[dict]:
        t = self.outbox
        with self.database.session() as session:
            rows = session.execute(select(t.c.id, t.c.payload).where(t.c.id > self.seen).order_by(t.c.id)).all()
        if rows:
            self.seen = rows[-1].id
        return [row.payload for row in rows]

    def write(self, method: str, path: str, **kw) -> dict:
        response = self.client.request(method, path, **kw)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else {}

    def expect(self, method: str, path: str, *, entity: str, action: str, changes: dict, entity_id=None, **kw) -> dict:
        """The write, and the one event it wrote about `entity_id` (a value, or a function of the answer)."""
        body = self.write(method, path, **kw)
        wanted = entity_id(body) if callable(entity_id) else entity_id
        self.check(self.events(), entity=entity, entity_id=wanted, action=action, changes=changes, what=f"{method} {path}")
        return body

    def check(self, events: list[dict], **kw) -> dict:
        return check_event(events, service=self.service, **kw)
