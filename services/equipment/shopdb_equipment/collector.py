"""Equipment's side of the collector push (ADR-006): records keyed by machine number.

A machine not known yet is created through the domain saga (core asset + details, or neither);
a known one gets the sent, unlocked, different fields. A record whose content hash equals the
last push's is unchanged without reading anything else, and writes no audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import func, or_, select

from shopdb_contract.collector import (
    CREATED, UNCHANGED, UPDATED, PushOutcome, PushRecord, changed_fields, collector_router, rejected,
)
from shopdb_contract.coreclient import CoreRefused
from shopdb_contract.db import utcnow
from shopdb_contract.domainasset import ACTIVE, DomainAssets
from shopdb_contract.errors import ProblemError
from shopdb_contract.outbox import Actor, OutboxWriter
from shopdb_equipment.equipment import service
from shopdb_equipment.equipment.models import Equipment
from shopdb_equipment.reference.models import ControllerType, EquipmentType


class EquipmentCollector:
    def __init__(self, domain: DomainAssets, writer: OutboxWriter) -> None:
        self.domain = domain
        self.writer = writer

    def push(self, records: list[PushRecord], *, actor: Actor) -> list[PushOutcome]:
        outcomes: list[PushOutcome] = []
        new: list[PushRecord] = []
        now = utcnow()
        with self.domain.database.transaction() as session:
            types = set(session.scalars(select(EquipmentType.key)))
            controllers = set(session.scalars(select(ControllerType.key)))
            rows = {
                r.machinenumber.casefold(): r
                for r in session.scalars(
                    select(Equipment).where(func.lower(Equipment.machinenumber).in_([rec.key for rec in records]))
                )
            }
            for record in records:
                data = dict(record.data)
                data["machinenumber"] = record.identity
                for name in ("equipmenttype", "controllertype"):
                    if name in data:
                        data[name] = data[name].strip().lower()
                if "equipmenttype" in data and data["equipmenttype"] not in types:
                    outcomes.append(rejected(record, f"no equipment type {data['equipmenttype']!r}", "equipmenttype"))
                    continue
                if "controllertype" in data and data["controllertype"] not in controllers:
                    outcomes.append(rejected(record, f"no controller type {data['controllertype']!r}", "controllertype"))
                    continue
                row = rows.get(record.key)
                if row is None:
                    if "equipmenttype" not in data:
                        outcomes.append(rejected(record, "a new machine needs its equipmenttype", "equipmenttype"))
                    else:
                        new.append(record)
                    continue
                row.last_seen = now
                if row.collectorhash == record.hash:
                    outcomes.append(PushOutcome(record.index, UNCHANGED, identity=record.identity, id=str(row.id)))
                    continue
                current = service.snapshot(session, row)
                changes = changed_fields(current, data, locked=row.locked_fields or [], skip=("machinenumber",))
                row.collectorhash = record.hash
                if not changes:
                    outcomes.append(PushOutcome(record.index, UNCHANGED, identity=record.identity, id=str(row.id)))
                    continue
                for name, value in changes.items():
                    setattr(row, name, value)
                row.updated = now
                session.flush()
                self.writer.audit_log(
                    session, entity_type="equipment", entity_id=row.id, action="update",
                    before=current, after=service.snapshot(session, row), actor=actor,
                )
                outcomes.append(PushOutcome(record.index, UPDATED, identity=record.identity, id=str(row.id),
                                            changed=sorted(changes)))
        for record in new:
            data = {**record.data, "machinenumber": record.identity}
            try:
                created = service.create_equipment(
                    self.domain, data=data, actor=actor, render=lambda _s, row, _a: {"id": str(row.id)},
                    extra={"last_seen": now, "collectorhash": record.hash},
                )
            except (CoreRefused, ProblemError) as exc:
                outcomes.append(rejected(record, exc.detail, exc.extensions.get("field")))
                continue
            outcomes.append(PushOutcome(record.index, CREATED, identity=record.identity, id=created.body["id"]))
        return outcomes

    def stale(self, *, before: datetime, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        with self.domain.database.session() as session:
            condition = (Equipment.state == ACTIVE, or_(Equipment.last_seen.is_(None), Equipment.last_seen < before))
            count = session.scalar(select(func.count()).select_from(Equipment).where(*condition)) or 0
            rows = session.scalars(
                select(Equipment).where(*condition).order_by(Equipment.machinenumber).limit(limit).offset(offset)
            )
            return count, [
                {"id": str(r.id), "machinenumber": r.machinenumber,
                 "last_seen": r.last_seen.isoformat() if r.last_seen else None}
                for r in rows
            ]


def router(manifest):
    def target(request: Request) -> EquipmentCollector:
        return EquipmentCollector(request.app.state.domain, request.app.state.writer)

    return collector_router(manifest=manifest, target=target)
