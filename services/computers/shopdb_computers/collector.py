"""Computers' side of the collector push (ADR-006): upsert a batch of PCs by hostname.

Built for batches of 1,000 PCs with 40 applications each:
- one SELECT finds every pushed hostname's row, its content hash and its locks;
- a record whose hash equals the stored one is `unchanged`: only `last_seen` moves, for the
  whole batch in one UPDATE, and no audit event is written;
- new PCs are written by the contract's batch saga (`DomainAssets.create_many`): pending rows in one INSERT, their
  core assets in ONE call to core while their applications and interfaces are written (in
  bulk, beside the pending rows, by a second thread), then activation and audit;
- applications and interfaces carry their own hash, so a changed OS does not rewrite 40
  applications, and changed applications are replaced as a set (one row per PC, ADR-010).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from shopdb_contract import listing
from shopdb_contract.collector import (
    CREATED,
    UNCHANGED,
    UPDATED,
    PushOutcome,
    PushRecord,
    content_hash,
    rejected,
)
from shopdb_contract.coreclient import CoreRefused, CoreUnavailable
from shopdb_contract.db import utcnow
from shopdb_contract.domainasset import ACTIVE, PENDING, DomainAssets
from shopdb_contract.manifest import CollectorSpec
from shopdb_contract.outbox import Actor
from shopdb_computers.computers.resource import ASSET_TYPE, ENTITY
from shopdb_computers.computers.models import (
    ApplicationList,
    Computer,
    Interface,
    application_item,
    application_items,
    application_row,
)

# Collected fields stored as columns of `computers`; serialnumber belongs to the core asset.
COLUMNS = ("osname", "osversion", "osbuild", "domain", "lastuser", "lastboot", "cpu", "memory_mb", "disk_gb", "warrantyend", "source")
CORE_FIELDS = ("serialnumber",)
DEFAULT_SOURCE = "collector"
_CHUNK = 1000


def _datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_CONVERT = {"lastboot": _datetime, "warrantyend": date.fromisoformat}


def _value(name: str, raw: Any) -> Any:
    convert = _CONVERT.get(name)
    return convert(raw) if convert is not None else raw


def _apps(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [application_item(a) for a in raw]


def _interfaces(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": i["name"], "mac": i.get("mac", ""), "ipaddresses": list(i.get("ipaddresses", []))} for i in raw]


def _audited(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


class ComputerCollector:
    def __init__(self, *, resource) -> None:
        self.resource = resource
        self.domain: DomainAssets = resource.domain
        self.spec: CollectorSpec = resource.spec

    @property
    def database(self):
        return self.domain.database

    # --- push -------------------------------------------------------------------------------

    def push(self, records: list[PushRecord], *, actor: Actor) -> list[PushOutcome]:
        now = utcnow()
        existing = self._existing([r.key for r in records])
        outcomes: list[PushOutcome] = []
        new, changed, unchanged = [], [], []
        for record in records:
            row = existing.get(record.key)
            if row is None:
                new.append(record)
            elif row.state == PENDING:
                outcomes.append(rejected(record, "this computer is being created right now; push it again shortly", "hostname"))
            elif row.collector_hash == record.hash:
                unchanged.append((record, row))
            else:
                changed.append((record, row))
        if unchanged:
            ids = [row.id for _, row in unchanged]
            with self.database.transaction() as session:
                for start in range(0, len(ids), _CHUNK):
                    session.execute(update(Computer).where(Computer.id.in_(ids[start:start + _CHUNK])).values(last_seen=now))
            outcomes += [PushOutcome(r.index, UNCHANGED, identity=r.identity, id=str(row.id)) for r, row in unchanged]
        if changed:
            outcomes += self._update(changed, actor=actor, now=now)
        if new:
            outcomes += self._create(new, actor=actor, now=now)
        return outcomes

    # --- the unchanged fast path (collector.py asks before validating) ------------------------

    def fingerprints(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        """Stored content hashes by hostname key; a computer being created is left out (its
        push is answered by `push`, which says so)."""
        found: dict[str, tuple[str, str]] = {}
        with self.database.session() as session:
            for start in range(0, len(keys), _CHUNK):
                statement = select(Computer.id, Computer.hostname_key, Computer.collector_hash).where(
                    Computer.hostname_key.in_(keys[start:start + _CHUNK]), Computer.state != PENDING,
                    Computer.collector_hash.is_not(None),
                )
                for row in session.execute(statement):
                    found[row.hostname_key] = (str(row.id), row.collector_hash)
        return found

    def mark_seen(self, ids: list[str]) -> None:
        now = utcnow()
        keys = [uuid.UUID(i) for i in ids]
        with self.database.transaction() as session:
            for start in range(0, len(keys), _CHUNK):
                session.execute(update(Computer).where(Computer.id.in_(keys[start:start + _CHUNK])).values(last_seen=now))

    def _existing(self, keys: list[str]) -> dict[str, Any]:
        columns = [Computer.id, Computer.hostname, Computer.hostname_key, Computer.state, Computer.collector_hash,
                   Computer.applications_hash, Computer.interfaces_hash, Computer.locked_fields,
                   *(getattr(Computer, name) for name in COLUMNS)]
        found = {}
        with self.database.session() as session:
            for start in range(0, len(keys), _CHUNK):
                for row in session.execute(select(*columns).where(Computer.hostname_key.in_(keys[start:start + _CHUNK]))):
                    found[row.hostname_key] = row
        return found

    # --- new computers ---------------------------------------------------------------------

    def _create(self, records: list[PushRecord], *, actor: Actor, now: datetime) -> list[PushOutcome]:
        """New PCs through the contract's batch saga (`DomainAssets.create_many`): pending rows
        in bulk, their core assets in one call while their applications and interfaces are
        written beside the pending rows, then activation and one audit event each."""
        items = []
        for r in records:
            data = r.data
            details = {
                "hostname": r.identity, "hostname_key": r.key, "computertype": None,
                "osname": "", "osversion": "", "osbuild": "", "domain": "", "lastuser": "", "lastboot": None, "cpu": "",
                "memory_mb": None, "disk_gb": None, "warrantyend": None, "source": DEFAULT_SOURCE,
                "locked_fields": [], "collector_hash": r.hash, "last_seen": now,
                "applications_hash": content_hash({"a": data["applications"]}) if "applications" in data else None,
                "interfaces_hash": content_hash({"i": data["interfaces"]}) if "interfaces" in data else None,
            }
            for name in COLUMNS:
                if name in data:
                    details[name] = _value(name, data[name])
            asset = {"assetnumber": r.identity.upper(), "name": r.identity, **{f: data[f] for f in CORE_FIELDS if f in data}}
            items.append({"details": details, "asset": asset, "record": r})
        results = self.domain.create_many(
            items, actor=actor, summary="created by a collector push",
            bulk_children=self._write_children, audit_after=self._created_audit,
        )
        outcomes = []
        for item, result in zip(items, results):
            r = item["record"]
            if result.error is None:
                outcomes.append(PushOutcome(r.index, CREATED, identity=r.identity, id=str(result.asset_id)))
            elif isinstance(result.error, CoreRefused) and result.error.index is None:
                outcomes.append(rejected(r, f"core refused the batch: {result.error.detail}"))
            elif isinstance(result.error, CoreRefused):
                # Core names its own fields; the collector knows the PC by its hostname.
                field = result.field or ""
                field = "hostname" if "assetnumber" in field or "name" in field else (field.rsplit(".", 1)[-1] or None)
                outcomes.append(rejected(r, f"core refused it: {result.error.detail.split(': ', 1)[-1]}", field))
            elif isinstance(result.error, CoreUnavailable):
                outcomes.append(rejected(r, result.error.detail))
            else:
                outcomes.append(rejected(r, "another push created this computer at the same time; push it again", "hostname"))
        return outcomes

    @staticmethod
    def _created_audit(item: dict[str, Any]) -> dict[str, Any]:
        r = item["record"]
        after = {"hostname": r.identity, "state": ACTIVE, **{k: v for k, v in r.data.items() if k not in ("hostname", *CORE_FIELDS)}}
        after.setdefault("source", DEFAULT_SOURCE)
        return after

    def _write_children(self, pending: list[tuple[uuid.UUID, dict[str, Any]]]) -> None:
        apps = [application_row(i, _apps(item["record"].data["applications"]))
                for i, item in pending if item["record"].data.get("applications")]
        nics = [{"computer_id": i, **nic} for i, item in pending for nic in _interfaces(item["record"].data.get("interfaces", []))]
        with self.database.transaction() as session:
            if apps:
                session.execute(insert(ApplicationList.__table__), apps)
            if nics:
                session.execute(insert(Interface.__table__), nics)

    # --- known computers -------------------------------------------------------------------

    def _update(self, pairs: list[tuple[PushRecord, Any]], *, actor: Actor, now: datetime) -> list[PushOutcome]:
        outcomes: list[PushOutcome] = []
        core_changed: dict[uuid.UUID, list[str]] = {}
        # Core first: if it refuses or is away, those records keep their old hash, so the
        # collector's next push tries them again.
        core_items = []
        for record, row in pairs:
            locked = set(row.locked_fields or [])
            fields = {f: record.data[f] for f in CORE_FIELDS if f in record.data and f not in locked}
            if fields:
                core_items.append((record, row, {"id": row.id, **fields}))
        skip: set[int] = set()
        while core_items:
            try:
                answers = self.domain.core.upsert_assets([item for _, _, item in core_items], actor=actor)
                for (_, row, _), answer in zip(core_items, answers):
                    core_changed[row.id] = answer.get("changed", [])
                break
            except CoreRefused as exc:
                if exc.index is None or not 0 <= exc.index < len(core_items):
                    for record, _, _ in core_items:
                        outcomes.append(rejected(record, f"core refused the batch: {exc.detail}"))
                        skip.add(record.index)
                    break
                record, _, _ = core_items.pop(exc.index)
                outcomes.append(rejected(record, f"core refused it: {exc.detail.split(': ', 1)[-1]}", "serialnumber"))
                skip.add(record.index)
            except CoreUnavailable as exc:
                for record, _, _ in core_items:
                    outcomes.append(rejected(record, exc.detail))
                    skip.add(record.index)
                break
        pairs = [(r, row) for r, row in pairs if r.index not in skip]

        app_ids = [row.id for r, row in pairs if self._list_changes(r, row, "applications")]
        nic_ids = [row.id for r, row in pairs if self._list_changes(r, row, "interfaces")]
        app_set, nic_set = set(app_ids), set(nic_ids)
        with self.database.transaction() as session:
            old_apps = self._application_lists(session, app_ids)
            old_nics = self._children(session, Interface, nic_ids, lambda i: {"name": i.name, "mac": i.mac, "ipaddresses": list(i.ipaddresses or [])})
            if app_ids:
                session.execute(delete(ApplicationList).where(ApplicationList.computer_id.in_(app_ids)))
            if nic_ids:
                session.execute(delete(Interface).where(Interface.computer_id.in_(nic_ids)))
            new_apps, new_nics, entries = [], [], []
            for record, row in pairs:
                data = record.data
                locked = set(row.locked_fields or [])
                values: dict[str, Any] = {"collector_hash": record.hash, "last_seen": now}
                before: dict[str, Any] = {}
                after: dict[str, Any] = {}
                if record.identity != row.hostname:
                    values["hostname"] = record.identity
                    before["hostname"], after["hostname"] = row.hostname, record.identity
                for name in COLUMNS:
                    if name in data and name not in locked:
                        value = _value(name, data[name])
                        if getattr(row, name) != value:
                            values[name] = value
                            before[name], after[name] = _audited(getattr(row, name)), _audited(value)
                if row.id in app_set:
                    apps = _apps(data["applications"])
                    if apps:
                        new_apps.append(application_row(row.id, apps))
                    values["applications_hash"] = content_hash({"a": data["applications"]})
                    before["applications"], after["applications"] = old_apps.get(row.id, []), apps
                if row.id in nic_set:
                    nics = _interfaces(data["interfaces"])
                    new_nics += [{"computer_id": row.id, **i} for i in nics]
                    values["interfaces_hash"] = content_hash({"i": data["interfaces"]})
                    before["interfaces"], after["interfaces"] = old_nics.get(row.id, []), nics
                changed = sorted(after) + [f for f in core_changed.get(row.id, []) if f not in after]
                if after:
                    values["updated"] = now
                session.execute(update(Computer).where(Computer.id == row.id).values(**values))
                if after:
                    entries.append({"entity_type": ENTITY, "entity_id": row.id, "action": "update",
                                    "before": before, "after": after, "actor": actor,
                                    "summary": "updated by a collector push"})
                outcome = UPDATED if changed else UNCHANGED
                outcomes.append(PushOutcome(record.index, outcome, identity=record.identity, id=str(row.id),
                                            changed=changed if changed else None))
            self.domain.writer.audit_log_many(session, entries)
            if new_apps:
                session.execute(insert(ApplicationList.__table__), new_apps)
            if new_nics:
                session.execute(insert(Interface.__table__), new_nics)
        return outcomes

    @staticmethod
    def _list_changes(record: PushRecord, row: Any, name: str) -> bool:
        if name not in record.data or name in (row.locked_fields or []):
            return False
        stored = row.applications_hash if name == "applications" else row.interfaces_hash
        return content_hash({name[0]: record.data[name]}) != stored

    @staticmethod
    def _application_lists(session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        found: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in ids}
        for start in range(0, len(ids), _CHUNK):
            statement = select(ApplicationList.computer_id, ApplicationList.document).where(
                ApplicationList.computer_id.in_(ids[start:start + _CHUNK])
            )
            for computer_id, items in session.execute(statement):
                found[computer_id] = application_items(items)
        return found

    @staticmethod
    def _children(session, model, ids: list[uuid.UUID], out) -> dict[uuid.UUID, list[dict[str, Any]]]:
        found: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in ids}
        for start in range(0, len(ids), _CHUNK):
            for child in session.scalars(select(model).where(model.computer_id.in_(ids[start:start + _CHUNK])).order_by(model.id)):
                found[child.computer_id].append(out(child))
        return found

    # --- stale ------------------------------------------------------------------------------

    def stale(self, *, before: datetime, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        with self.database.session() as session:
            count, rows = listing.fetch_page(
                session, select(Computer), count_from=Computer, conditions=self.resource.stale_conditions(before),
                order_by=[Computer.last_seen.asc(), Computer.id], limit=limit, offset=offset,
            )
        return count, [
            {"id": str(r.id), "hostname": r.hostname, "last_seen": _audited(r.last_seen), "source": r.source} for r in rows
        ]
