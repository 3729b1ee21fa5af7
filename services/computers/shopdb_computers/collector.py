"""Computers' side of the collector push (ADR-006): upsert a batch of PCs by hostname.

Built for batches of 1,000 PCs with 40 applications each:
- one SELECT finds every pushed hostname's row, its content hash and its locks;
- a record whose hash equals the stored one is `unchanged`: only `last_seen` moves, for the
  whole batch in one UPDATE, and no audit event is written;
- new PCs are written as the saga says (domainasset.py): pending rows in one INSERT, their
  core assets in ONE call to core while their applications and interfaces are written (in
  bulk, beside the pending rows, by a second thread), then activation and audit;
- applications and interfaces carry their own hash, so a changed OS does not rewrite 40
  applications, and changed applications are replaced as a set (one row per PC, ADR-010).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

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


def _in_background(work: Callable[..., None], *args: Any) -> Callable[[], BaseException | None]:
    """Run `work(*args)` in a thread; the returned function waits for it and gives its error."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work(*args)
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            failure.append(exc)

    thread = threading.Thread(target=run, name="computers-push-children", daemon=True)
    thread.start()

    def wait() -> BaseException | None:
        thread.join()
        return failure[0] if failure else None

    return wait


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
        outcomes: list[PushOutcome] = []
        ids = {r.index: uuid.uuid4() for r in records}
        rows = []
        for r in records:
            data = r.data
            row = {
                "id": ids[r.index], "hostname": r.identity, "hostname_key": r.key, "computertype": None,
                "osname": "", "osversion": "", "osbuild": "", "domain": "", "lastuser": "", "lastboot": None, "cpu": "",
                "memory_mb": None, "disk_gb": None, "warrantyend": None, "source": DEFAULT_SOURCE,
                "locked_fields": [], "collector_hash": r.hash, "last_seen": now,
                "applications_hash": content_hash({"a": data["applications"]}) if "applications" in data else None,
                "interfaces_hash": content_hash({"i": data["interfaces"]}) if "interfaces" in data else None,
                "state": PENDING, "pending_since": now, "created": now, "updated": now,
            }
            for name in COLUMNS:
                if name in data:
                    row[name] = _value(name, data[name])
            rows.append(row)
        try:
            with self.database.transaction() as session:
                session.execute(insert(Computer.__table__), rows)
        except IntegrityError:
            # Another push created one of these hostnames a moment ago: the collector's next
            # push finds it and updates it.
            return [rejected(r, "another push created this computer at the same time; push it again", "hostname") for r in records]

        # The children are written while core creates the assets (core is another process, so
        # the two run side by side): rows of pending computers, invisible like them, and
        # removed with them (ON DELETE CASCADE) when core refuses a record or the create is
        # undone. Nothing else touches these rows until the thread is done.
        children = _in_background(self._write_children, records, ids)
        try:
            pending, forget, undo = self._core_assets(records, ids, outcomes, actor=actor)
        finally:
            failure = children()
        if forget:
            self.domain.forget_pending(forget)
        if undo:
            self.domain.compensate(undo, core_may_have_it=True, actor=actor)
        if failure is not None:
            if pending:
                self.domain.compensate([ids[r.index] for r in pending], core_may_have_it=True, actor=actor)
            raise failure
        if not pending:
            return outcomes

        accepted = [ids[r.index] for r in pending]
        try:
            with self.database.transaction() as session:
                for start in range(0, len(accepted), _CHUNK):
                    session.execute(
                        update(Computer).where(Computer.id.in_(accepted[start:start + _CHUNK]))
                        .values(state=ACTIVE, pending_since=None)
                    )
                entries = []
                for r in pending:
                    after = {"hostname": r.identity, "state": ACTIVE,
                             **{k: v for k, v in r.data.items() if k not in ("hostname", *CORE_FIELDS)}}
                    after.setdefault("source", DEFAULT_SOURCE)
                    entries.append({"entity_type": ENTITY, "entity_id": ids[r.index], "action": "create",
                                    "after": after, "actor": actor, "summary": "created by a collector push"})
                self.domain.writer.audit_log_many(session, entries)
        except BaseException:
            self.domain.compensate(accepted, core_may_have_it=True, actor=actor)
            raise
        outcomes += [PushOutcome(r.index, CREATED, identity=r.identity, id=str(ids[r.index])) for r in pending]
        return outcomes

    def _write_children(self, records: list[PushRecord], ids: dict[int, uuid.UUID]) -> None:
        apps = [application_row(ids[r.index], _apps(r.data["applications"])) for r in records if r.data.get("applications")]
        nics = [{"computer_id": ids[r.index], **i} for r in records for i in _interfaces(r.data.get("interfaces", []))]
        with self.database.transaction() as session:
            if apps:
                session.execute(insert(ApplicationList.__table__), apps)
            if nics:
                session.execute(insert(Interface.__table__), nics)

    def _core_assets(
        self, records: list[PushRecord], ids: dict[int, uuid.UUID], outcomes: list[PushOutcome], *, actor: Actor
    ) -> tuple[list[PushRecord], list[uuid.UUID], list[uuid.UUID]]:
        """The core assets: one call for the batch; a refused item is set aside and the rest
        sent again. Returns (accepted records, pending rows to forget, creates to undo); the
        rejections are added to `outcomes`."""
        pending = list(records)
        forget: list[uuid.UUID] = []
        while pending:
            items = [
                {"id": ids[r.index], "type": ASSET_TYPE, "assetnumber": r.identity.upper(), "name": r.identity,
                 **{f: r.data[f] for f in CORE_FIELDS if f in r.data}}
                for r in pending
            ]
            try:
                self.domain.core.upsert_assets(items, actor=actor)
                break
            except CoreRefused as exc:
                if exc.index is None or not 0 <= exc.index < len(pending):
                    outcomes += [rejected(r, f"core refused the batch: {exc.detail}") for r in pending]
                    return [], forget + [ids[r.index] for r in pending], []
                bad = pending.pop(exc.index)
                field = exc.problem.get("field", "") or ""
                field = "hostname" if "assetnumber" in field or "name" in field else (field.rsplit(".", 1)[-1] or None)
                outcomes.append(rejected(bad, f"core refused it: {exc.detail.split(': ', 1)[-1]}", field))
                forget.append(ids[bad.index])
            except CoreUnavailable as exc:
                outcomes += [rejected(r, f"{exc.detail}") for r in pending]
                return [], forget, [ids[r.index] for r in pending]
        return pending, forget, []

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
