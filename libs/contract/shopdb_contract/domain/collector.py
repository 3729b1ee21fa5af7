"""A declared resource's side of the collector push (ADR-006), with the unchanged fast path.

- `fingerprints` and `mark_seen` let the contract's push answer a record whose content hash
  equals the stored one before validating it: one SELECT and one UPDATE for a whole batch;
- a known record gets the sent, unlocked, different fields, and one audit event;
- unknown records are created through the domain saga (core asset and details, or neither),
  the whole batch in one call to core (`DomainAssets.create_many`).
A record whose reference data is unknown (`references`) is rejected naming the field.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from shopdb_contract.collector import (
    CREATED, UNCHANGED, UPDATED, PushOutcome, PushRecord, changed_fields, normalise_identity, rejected,
)
from shopdb_contract.db import utcnow
from shopdb_contract.domainasset import PENDING
from shopdb_contract.outbox import Actor

if TYPE_CHECKING:
    from shopdb_contract.domain.resource import DomainResource

__all__ = ["DomainCollector"]

CHUNK = 1000


class DomainCollector:
    def __init__(self, resource: DomainResource) -> None:
        self.resource = resource
        self.model = resource.model
        self.database = resource.database

    @property
    def _hash(self):
        return getattr(self.model, self.resource.hash_column)

    # --- the unchanged fast path ---------------------------------------------------------------

    def fingerprints(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        """Stored content hashes by normalised identity; records being created are left out."""
        resource = self.resource
        found: dict[str, tuple[str, str]] = {}
        identity = resource.identity_column()
        with self.database.session() as session:
            for start in range(0, len(keys), CHUNK):
                statement = select(self.model.id, identity, self._hash).where(
                    resource.identity_match(keys[start:start + CHUNK]), self.model.state != PENDING,
                    self._hash.is_not(None),
                )
                for row_id, value, digest in session.execute(statement):
                    found[normalise_identity(value)] = (str(row_id), digest)
        return found

    def mark_seen(self, ids: list[str]) -> None:
        now = utcnow()
        keys = [uuid.UUID(i) for i in ids]
        with self.database.transaction() as session:
            for start in range(0, len(keys), CHUNK):
                session.execute(update(self.model).where(self.model.id.in_(keys[start:start + CHUNK])).values(last_seen=now))

    # --- push ----------------------------------------------------------------------------------

    def push(self, records: list[PushRecord], *, actor: Actor) -> list[PushOutcome]:
        resource = self.resource
        outcomes: list[PushOutcome] = []
        new: list[tuple[PushRecord, dict[str, Any]]] = []
        now = utcnow()
        hash_column = resource.hash_column
        with self.database.transaction() as session:
            known = {name: ref.keys(session) for name, ref in resource.references.items()}
            rows = {
                resource.identity_key_of(r): r
                for r in session.scalars(select(self.model).where(resource.identity_match([rec.key for rec in records])))
            }
            for record in records:
                data = dict(record.data)
                data[resource.identity] = record.identity
                refused = None
                for name, reference in resource.references.items():
                    if name in data:
                        if reference.lower and isinstance(data[name], str):
                            data[name] = data[name].strip().lower()
                        if data[name] not in known[name]:
                            refused = rejected(record, f"no {reference.label} {data[name]!r}", name)
                            break
                if refused is not None:
                    outcomes.append(refused)
                    continue
                row = rows.get(record.key)
                if row is None:
                    missing = self.missing_for_create(data)
                    if missing:
                        outcomes.append(rejected(record, f"a new {resource.entity} needs its {missing}", missing))
                    else:
                        new.append((record, data))
                    continue
                if row.state == PENDING:
                    outcomes.append(rejected(
                        record, f"this {resource.entity} is being created right now; push it again shortly", resource.identity,
                    ))
                    continue
                row.last_seen = now
                if getattr(row, hash_column) == record.hash:
                    outcomes.append(PushOutcome(record.index, UNCHANGED, identity=record.identity, id=str(row.id)))
                    continue
                current = resource.snapshot(session, row)
                locked = (row.locked_fields or []) if resource.lockable else []
                pushed = {k: v for k, v in data.items() if k in resource.fields}
                changes = changed_fields(current, pushed, locked=locked, skip=(resource.identity,))
                setattr(row, hash_column, record.hash)
                if not changes:
                    outcomes.append(PushOutcome(record.index, UNCHANGED, identity=record.identity, id=str(row.id)))
                    continue
                for name, value in changes.items():
                    setattr(row, name, value)
                row.updated = now
                session.flush()
                resource.writer.audit_log(
                    session, entity_type=resource.entity, entity_id=row.id, action="update",
                    before=current, after=resource.snapshot(session, row), actor=actor,
                    summary="updated by a collector push",
                )
                outcomes.append(PushOutcome(record.index, UPDATED, identity=record.identity, id=str(row.id),
                                            changed=sorted(changes)))
        if new:
            outcomes += self._create(new, actor=actor, now=now)
        return outcomes

    def missing_for_create(self, data: dict[str, Any]) -> str | None:
        """The first field a new record needs that the push did not send (required in the create body)."""
        model = self.resource.create_model
        for name, info in model.model_fields.items():
            if info.is_required() and name not in data:
                return name
        return None

    def _create(self, new: list[tuple[PushRecord, dict[str, Any]]], *, actor: Actor, now: datetime) -> list[PushOutcome]:
        resource = self.resource
        items = []
        for record, data in new:
            details = {k: v for k, v in data.items() if k in resource.fields}
            details.update({"last_seen": now, resource.hash_column: record.hash})
            items.append({"details": details, "asset": resource.asset_of(data, new=True), "data": data})
        results = resource.domain.create_many(
            items, actor=actor, summary="created by a collector push",
            check=lambda session, item: resource.check(session, item["data"]),
            children=lambda session, row, item: resource.write_children(session, row, item["data"]),
        )
        outcomes = []
        for (record, _), result in zip(new, results):
            if result.error is not None:
                outcomes.append(rejected(record, result.error.detail, result.field))
            else:
                outcomes.append(PushOutcome(record.index, CREATED, identity=record.identity, id=str(result.asset_id)))
        return outcomes

    # --- stale ---------------------------------------------------------------------------------

    def stale(self, *, before: datetime, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        resource = self.resource
        model = self.model
        identity = resource.identity
        with self.database.session() as session:
            condition = resource.stale_conditions(before)
            count = session.scalar(select(func.count()).select_from(model).where(*condition)) or 0
            rows = session.scalars(
                select(model).where(*condition).order_by(resource.identity_column(), model.id).limit(limit).offset(offset)
            )
            return count, [
                {"id": str(r.id), identity: getattr(r, identity), "last_seen": r.last_seen.isoformat() if r.last_seen else None}
                for r in rows
            ]
