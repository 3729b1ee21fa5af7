"""A domain record is a core asset plus its details: both exist, or neither does.

The details live in the service's database, keyed by the core asset's UUID (no foreign key
crosses services). Creating one is a short saga, chosen so that a failure at any step leaves
nothing a user can see and a retry never duplicates:

1. In one local transaction: claim the `Idempotency-Key` (if given) and write the details
   with `state = "pending"` and a UUID the service chooses. Lists and reads never show
   pending rows; the row holds the record's unique keys (hostname, machinenumber) so two
   creates of the same thing collide here, before core is touched.
2. Upsert the core asset by that UUID (`CoreClient.upsert_assets`): repeating it never makes
   a second asset.
3. In one local transaction: write the children, set `state = "active"`, write the `create`
   audit event (entity id = the asset's UUID, so core's asset history shows it) and store the
   answer under the idempotency key.

If step 2 or 3 fails, the core asset is discarded (hard delete, only ever of an asset nobody
has seen) and the pending row and the key's claim are removed; the client gets the error and
may retry with the same key. If even the discard fails (core down), the pending row stays,
invisible, and the sweeper (`sweep_pending`, run periodically) discards the asset and the row
once they are older than `pending_timeout`.

A retried create with the same key answers the first answer again (`Idempotent-Replayed:
true`); the same key with a different body is refused (422), and one still being processed
answers 409.

Delete = retire the core asset, then mark the details `retired` (they stay, restorable). An
asset retired or restored in core directly is mirrored by a durable JetStream consumer of
core's `shopdb.events.core.asset_retired` / `asset_restored` events (`CoreAssetEvents`); it
also heals a delete whose local half failed after core had retired the asset.

Details models are not `@audited`: their audit events are written here and by the service's
update functions with entity id = the core asset's UUID, so a pending row (which may never
become visible) writes no audit event.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Uuid, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from shopdb_contract.coreclient import CoreClient, CoreRefused, CoreUnavailable
from shopdb_contract.db import Database, UTCDateTime, utcnow
from shopdb_contract.errors import ConflictError, NotFoundError, ProblemError, ValidationProblem
from shopdb_contract.outbox import SYSTEM, Actor, OutboxWriter
from shopdb_contract.streams import pause

log = logging.getLogger("shopdb.domainasset")

PENDING = "pending"
ACTIVE = "active"
RETIRED = "retired"
STATES = (PENDING, ACTIVE, RETIRED)

IDEMPOTENCY_TABLE = "shopdb_idempotency"
from shopdb_contract.wire import IDEMPOTENCY_HEADER, REPLAYED_HEADER  # noqa: E402
MAX_KEY_LENGTH = 200

RETIRED_EVENT = "asset_retired"
RESTORED_EVENT = "asset_restored"
from shopdb_contract.wire import CORE_EVENTS_SUBJECT  # noqa: E402


class DomainAssetMixin:
    """The columns every domain record carries: the core asset's UUID and the record's state."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default=ACTIVE, index=True)
    # When the row went pending: the sweeper discards a create that never finished.
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def idempotency_columns() -> list[Column]:
    """The idempotency table's columns; used by the model and by each service's migration."""
    return [
        # The operation the key belongs to ("computer.create"), so one key may serve two.
        Column("scope", String(60), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("asset_id", Uuid(), nullable=True, index=True),
        # NULL while the request is being processed; then the answer to replay.
        Column("status_code", Integer, nullable=True),
        Column("body", JSON, nullable=True),
        Column("created", UTCDateTime(), nullable=False),
    ]


def idempotency_table(metadata: MetaData) -> Table:
    """Declare the idempotency table in a service's own metadata (like `outbox_table`)."""
    return Table(IDEMPOTENCY_TABLE, metadata, *idempotency_columns())


def request_hash(body: Any) -> str:
    """A fingerprint of a request body: the same key with another body is a client bug."""
    encoded = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationProblem(
            f"{IDEMPOTENCY_HEADER} must be 1-{MAX_KEY_LENGTH} printable characters", field=IDEMPOTENCY_HEADER
        )
    return key


@dataclass
class Created:
    """The answer of a create; `replayed` when it is the stored answer of an earlier request."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False
    asset_id: uuid.UUID | None = None


@dataclass
class BatchCreated:
    """One item's result in `DomainAssets.create_many`: its new id, or the problem that refused it."""

    asset_id: uuid.UUID | None = None
    error: ProblemError | None = None
    field: str | None = None


@dataclass
class DomainAssets:
    """The saga of one kind of domain record (computers, equipment...).

    - `model`: the details model (a `DomainAssetMixin`), not `@audited`;
    - `asset_types`: the core asset types its records have (the first is used on create);
    - `entity_type`: the audit entity name ("computer");
    - `snapshot(session, row)`: the record's audited fields as a dict (children included).
    """

    database: Database
    model: type
    core: CoreClient
    writer: OutboxWriter
    idempotency: Table
    asset_types: tuple[str, ...]
    entity_type: str
    snapshot: Callable[[Session, Any], dict[str, Any]]
    pending_timeout: timedelta = field(default_factory=lambda: timedelta(minutes=10))

    @property
    def scope(self) -> str:
        return f"{self.entity_type}.create"

    # --- create ----------------------------------------------------------------------------

    def create(
        self,
        *,
        details: dict[str, Any],
        asset: dict[str, Any],
        actor: Actor = SYSTEM,
        render: Callable[[Session, Any, dict[str, Any]], dict[str, Any]],
        children: Callable[[Session, Any], None] | None = None,
        check: Callable[[Session], None] | None = None,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> Created:
        """Create the details and the core asset, or neither (see the module's saga).

        `check(session)` raises a problem for a rule broken before anything is written (a
        taken hostname); `render(session, row, core_asset)` builds the answer; `children`
        writes child rows (applications...) in the activating transaction.
        """
        key = check_key(idempotency_key)
        fingerprint = fingerprint or request_hash({"details": details, "asset": asset})
        asset_id = uuid.uuid4()
        with self.database.transaction() as session:
            if key is not None:
                replay = self._claim(session, key, fingerprint, asset_id)
                if replay is not None:
                    return replay
            if check is not None:
                check(session)
            session.add(self.model(id=asset_id, state=PENDING, pending_since=utcnow(), **details))
            try:
                session.flush()
            except IntegrityError as exc:
                raise ConflictError(f"this {self.entity_type} already exists") from exc

        core_may_have_it = True
        try:
            try:
                core_asset = self.core.upsert_assets(
                    [{"id": asset_id, "type": self.asset_types[0], **asset}], actor=actor
                )[0]
            except CoreRefused:
                core_may_have_it = False  # all or nothing in core: a refusal wrote nothing
                raise
            except CoreUnavailable as exc:
                core_may_have_it = not _never_sent(exc)
                raise
            with self.database.transaction() as session:
                row = session.get(self.model, asset_id)
                row.state = ACTIVE
                row.pending_since = None
                if children is not None:
                    children(session, row)
                session.flush()
                body = render(session, row, core_asset)
                self.writer.audit_log(
                    session, entity_type=self.entity_type, entity_id=asset_id, action="create",
                    after=self.snapshot(session, row), actor=actor,
                )
                if key is not None:
                    session.execute(
                        update(self.idempotency)
                        .where(self.idempotency.c.scope == self.scope, self.idempotency.c.key == key)
                        .values(status_code=201, body=body)
                    )
        except BaseException:
            self.compensate([asset_id], core_may_have_it=core_may_have_it, actor=actor)
            raise
        return Created(201, body, asset_id=asset_id)

    def _claim(self, session: Session, key: str, fingerprint: str, asset_id: uuid.UUID) -> Created | None:
        table = self.idempotency
        row = session.execute(
            select(table).where(table.c.scope == self.scope, table.c.key == key)
        ).first()
        if row is None:
            # A concurrent request with the same key fails this insert on the primary key:
            # it answers 409 and the client's retry then gets the stored answer.
            try:
                session.execute(
                    insert(table).values(
                        scope=self.scope, key=key, request_hash=fingerprint, asset_id=asset_id, created=utcnow()
                    )
                )
                session.flush()
            except IntegrityError:
                raise ConflictError(
                    f"a request with this {IDEMPOTENCY_HEADER} is being processed; retry shortly",
                    field=IDEMPOTENCY_HEADER,
                ) from None
            return None
        if row.request_hash != fingerprint:
            raise ValidationProblem(
                f"this {IDEMPOTENCY_HEADER} was used for a different request; use a new key for a new request",
                field=IDEMPOTENCY_HEADER,
            )
        if row.status_code is None:
            raise ConflictError(
                f"a request with this {IDEMPOTENCY_HEADER} is still being processed; retry shortly",
                field=IDEMPOTENCY_HEADER,
            )
        return Created(row.status_code, row.body, replayed=True, asset_id=row.asset_id)

    def create_many(
        self,
        items: list[dict[str, Any]],
        *,
        actor: Actor = SYSTEM,
        summary: str | None = None,
        check: Callable[[Session, dict[str, Any]], None] | None = None,
        children: Callable[[Session, Any, dict[str, Any]], None] | None = None,
        bulk_children: Callable[[list[tuple[uuid.UUID, dict[str, Any]]]], None] | None = None,
        audit_after: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> list[BatchCreated]:
        """The saga for a batch (a collector's push): each item `{"details": ..., "asset": ...}`
        is created whole or not at all, and one refused item never refuses the others.

        1. One transaction writes every pending row (`check(session, item)` first: an item
           breaking a rule is set aside with its problem), in bulk.
        2. One call to core upserts the core assets; an item core refuses is set aside (its
           pending row removed) and the rest sent again. Meanwhile `bulk_children([(id,
           item)])`, when given, writes child rows of the pending records in another thread
           (core is another process: the two run side by side); they go with their pending
           rows (ON DELETE CASCADE, or `delete_children`).
        3. One transaction activates the accepted records, writes `children(session, row,
           item)` when given, and one `create` audit event each (`audit_after(item)`, or the
           snapshot of the row).
        A failure after step 1 undoes what it must (`compensate`). One result per item, in order.
        """
        results = [BatchCreated() for _ in items]
        accepted: list[int] = []
        now = utcnow()
        rows: list[dict[str, Any]] = []
        with self.database.transaction() as session:
            for index, item in enumerate(items):
                if check is not None:
                    try:
                        check(session, item)
                    except ProblemError as exc:
                        results[index] = BatchCreated(error=exc, field=_field_of(exc))
                        continue
                asset_id = uuid.uuid4()
                results[index] = BatchCreated(asset_id=asset_id)
                accepted.append(index)
                rows.append({**item["details"], "id": asset_id, "state": PENDING, "pending_since": now,
                             "created": now, "updated": now})
            try:
                _insert_rows(session, self.model.__table__, rows)
            except IntegrityError:
                session.rollback()
                raced = ConflictError(f"another request created this {self.entity_type} at the same time; send it again")
                return [r if r.error is not None else BatchCreated(error=raced) for r in results]
        if not accepted:
            return results

        wait_children = None
        if bulk_children is not None:
            wait_children = _in_background(bulk_children, [(results[i].asset_id, items[i]) for i in accepted])
        pending, forget, undo = list(accepted), [], []
        try:
            while pending:
                batch = [{"id": results[i].asset_id, "type": self.asset_types[0], **items[i]["asset"]} for i in pending]
                try:
                    self.core.upsert_assets(batch, actor=actor)
                    break
                except CoreRefused as exc:
                    if exc.index is None or not 0 <= exc.index < len(pending):
                        for i in pending:
                            forget.append(results[i].asset_id)
                            results[i] = BatchCreated(error=exc, field=_field_of(exc))
                        pending = []
                        break
                    bad = pending.pop(exc.index)
                    forget.append(results[bad].asset_id)
                    results[bad] = BatchCreated(error=exc, field=_field_of(exc))
                except CoreUnavailable as exc:
                    for i in pending:
                        undo.append(results[i].asset_id)
                        results[i] = BatchCreated(error=exc, field=None)
                    pending = []
        finally:
            failure = wait_children() if wait_children is not None else None
        if forget:
            self.forget_pending(forget)
        if undo:
            self.compensate(undo, core_may_have_it=True, actor=actor)
        ids = [results[i].asset_id for i in pending]
        if failure is not None:
            if ids:
                self.compensate(ids, core_may_have_it=True, actor=actor)
            raise failure
        if not ids:
            return results

        try:
            with self.database.transaction() as session:
                for start in range(0, len(ids), _CHUNK):
                    session.execute(
                        update(self.model).where(self.model.id.in_(ids[start:start + _CHUNK]))
                        .values(state=ACTIVE, pending_since=None)
                    )
                loaded: dict[uuid.UUID, Any] = {}
                if children is not None or audit_after is None:
                    for start in range(0, len(ids), _CHUNK):
                        chunk = ids[start:start + _CHUNK]
                        loaded.update((r.id, r) for r in session.scalars(
                            select(self.model).where(self.model.id.in_(chunk)).execution_options(populate_existing=True)
                        ))
                if children is not None:
                    for i in pending:
                        children(session, loaded[results[i].asset_id], items[i])
                    session.flush()
                entries = []
                for i in pending:
                    asset_id = results[i].asset_id
                    after = audit_after(items[i]) if audit_after is not None else self.snapshot(session, loaded[asset_id])
                    entries.append({"entity_type": self.entity_type, "entity_id": asset_id, "action": "create",
                                    "after": after, "actor": actor, "summary": summary})
                self.writer.audit_log_many(session, entries)
        except BaseException:
            self.compensate(ids, core_may_have_it=True, actor=actor)
            raise
        return results

    def compensate(self, ids: list[uuid.UUID], *, core_may_have_it: bool, actor: Actor = SYSTEM) -> None:
        """Undo creates that failed half way: discard their core assets (hard delete, only
        ever of assets nobody has seen), then their pending rows and unanswered claims. What
        cannot be undone now (core away) is left to the sweeper."""
        if core_may_have_it:
            try:
                self.core.discard_assets(ids, actor=actor)
            except Exception:
                log.warning("could not discard core assets of a failed create; the sweeper will",
                            extra={"asset_ids": [str(i) for i in ids]})
                return
        self.forget_pending(ids)

    def forget_pending(self, ids: list[uuid.UUID]) -> None:
        """Remove pending rows (never seen by anyone) and their unanswered idempotency claims."""
        with self.database.transaction() as session:
            self.delete_children(session, ids)
            session.execute(delete(self.model).where(self.model.id.in_(ids), self.model.state == PENDING))
            session.execute(
                delete(self.idempotency).where(
                    self.idempotency.c.asset_id.in_(ids), self.idempotency.c.status_code.is_(None)
                )
            )

    def delete_children(self, session: Session, ids: list[uuid.UUID]) -> None:
        """Override point for child tables without ON DELETE CASCADE (none by default)."""

    def sweep_pending(self, *, older_than: timedelta | None = None) -> int:
        """Discard creates that never finished: their core assets, pending rows and claims."""
        cutoff = utcnow() - (older_than if older_than is not None else self.pending_timeout)
        with self.database.session() as session:
            ids = list(session.scalars(
                select(self.model.id).where(self.model.state == PENDING, self.model.pending_since < cutoff).limit(1000)
            ))
        if not ids:
            return 0
        self.core.discard_assets(ids)
        self.forget_pending(ids)
        log.info("swept unfinished creates", extra={"count": len(ids)})
        return len(ids)

    # --- read ------------------------------------------------------------------------------

    def get_visible(self, session: Session, asset_id: uuid.UUID, *, options=()) -> Any:
        row = session.scalar(
            select(self.model).options(*options).where(self.model.id == asset_id, self.model.state != PENDING)
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise NotFoundError(f"no {self.entity_type} with id {asset_id}")
        return row

    # --- retire and restore ----------------------------------------------------------------

    def retire(self, *, asset_id: uuid.UUID, actor: Actor = SYSTEM, if_match: Callable[[Session, Any], None] | None = None) -> None:
        """Delete = retire the core asset, then mark the details retired (both restorable)."""
        with self.database.session() as session:
            row = self.get_visible(session, asset_id)
            if if_match is not None:
                if_match(session, row)
        self.core.retire_asset(asset_id, actor=actor)
        self._set_state(asset_id, RETIRED, action="delete", actor=actor)

    def restore(self, *, asset_id: uuid.UUID, actor: Actor = SYSTEM) -> None:
        with self.database.session() as session:
            self.get_visible(session, asset_id)
        self.core.restore_asset(asset_id, actor=actor)
        self._set_state(asset_id, ACTIVE, action="restore", actor=actor)

    def _set_state(self, asset_id: uuid.UUID, state: str, *, action: str, actor: Actor, summary: str | None = None) -> bool:
        with self.database.transaction() as session:
            row = session.get(self.model, asset_id, with_for_update=True)
            if row is None or row.state == PENDING or row.state == state:
                return False
            before = self.snapshot(session, row)
            row.state = state
            row.updated = utcnow()
            session.flush()
            self.writer.audit_log(
                session, entity_type=self.entity_type, entity_id=asset_id, action=action,
                before=before, after=self.snapshot(session, row), actor=actor, summary=summary,
            )
        return True

    def apply_core_event(self, name: str, data: dict[str, Any], actor: Actor = SYSTEM) -> bool:
        """Mirror an asset retired or restored in core; True when the details changed."""
        if data.get("type") not in self.asset_types:
            return False
        try:
            asset_id = uuid.UUID(str(data.get("id")))
        except ValueError:
            return False
        if name == RETIRED_EVENT:
            return self._set_state(asset_id, RETIRED, action="delete", actor=actor, summary="retired in core")
        if name == RESTORED_EVENT:
            return self._set_state(asset_id, ACTIVE, action="restore", actor=actor, summary="restored in core")
        return False


_CHUNK = 1000


def _insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows in bulk; rows naming other columns go in their own statement (the columns
    a row leaves out take their defaults)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        for start in range(0, len(group), _CHUNK):
            session.execute(insert(table), group[start:start + _CHUNK])


def _in_background(work: Callable[..., None], *args: Any) -> Callable[[], BaseException | None]:
    """Run `work(*args)` in a thread; the returned function waits for it and gives its error."""
    import threading

    failure: list[BaseException] = []

    def run() -> None:
        try:
            work(*args)
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            failure.append(exc)

    thread = threading.Thread(target=run, name="domain-create-children", daemon=True)
    thread.start()

    def wait() -> BaseException | None:
        thread.join()
        return failure[0] if failure else None

    return wait


def _field_of(exc: ProblemError) -> str | None:
    """The field a problem names, without the index of core's batch body (`body[3].assetnumber`)."""
    import re

    name = exc.extensions.get("field")
    if not name:
        errors = exc.extensions.get("errors") or []
        name = errors[0].get("field") if errors else None
    return re.sub(r"^body(\[\d+\])?\.", "", name) if name else None


def _never_sent(exc: CoreUnavailable) -> bool:
    """Whether the request certainly never reached core (so core cannot have acted on it)."""
    import httpx

    return isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))


# --- the consumer of core's asset events ---------------------------------------------------


class CoreAssetEvents:
    """A durable JetStream consumer of core's asset events, handing them to `domain`.

    Durable per service (`<service>-core-assets`), so events published while the service was
    down are delivered when it starts; acknowledged only after the details were updated.
    """

    def __init__(self, *, service: str, domain: DomainAssets, nats_url: str, limits=None, batch: int = 50) -> None:
        self.service = service
        self.domain = domain
        self.nats_url = nats_url
        self.limits = limits
        self.batch = batch
        self.handled = 0

    @property
    def durable(self) -> str:
        return f"{self.service}-core-assets"

    async def run(self, stop: asyncio.Event) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        from shopdb_contract.streams import StreamLimits, connect_with_retry, ensure_streams

        nc = await connect_with_retry(self.nats_url, name=self.durable, stop=stop)
        if nc is None:
            return
        try:
            await ensure_streams(nc, self.limits or StreamLimits())
            js = nc.jetstream()
            subscription = await js.pull_subscribe(CORE_EVENTS_SUBJECT, durable=self.durable, stream="EVENTS")
            while not stop.is_set():
                try:
                    messages = await subscription.fetch(self.batch, timeout=0.5)
                except NatsTimeout:
                    continue
                except Exception as exc:  # connection trouble: nats-py reconnects; wait a little
                    log.info("event fetch failed", extra={"error": type(exc).__name__})
                    await asyncio.sleep(0.5)
                    continue
                for message in messages:
                    await self._handle(message)
        finally:
            await nc.close()

    async def _handle(self, message) -> None:
        try:
            payload = json.loads(message.data)
            name = payload.get("name")
            if name in (RETIRED_EVENT, RESTORED_EVENT):
                actor_data = payload.get("actor") or {}
                actor = Actor(actor_data.get("kind") or "system", actor_data.get("id"), actor_data.get("name"))
                await asyncio.to_thread(self.domain.apply_core_event, name, payload.get("data") or {}, actor)
            await message.ack()
            self.handled += 1
        except Exception:
            log.exception("core asset event not applied; it will be redelivered")
            await message.nak(delay=2)


def background_hooks(*, service: str, domain: DomainAssets, settings, sweep_every: float = 60.0):
    """Start-up and shut-down hooks running the event consumer and the pending sweeper.

    The consumer runs when the service relays its outbox (NATS in use); the sweeper always.
    """
    state: dict[str, Any] = {}

    async def start(app) -> None:
        stop = asyncio.Event()
        state["stop"] = stop
        tasks = [asyncio.create_task(_sweep_loop(domain, stop, sweep_every), name=f"{service}-sweeper")]
        if settings.relay_enabled:
            consumer = CoreAssetEvents(
                service=service, domain=domain, nats_url=settings.nats_url, limits=settings.stream_limits()
            )
            app.state.core_events = consumer
            tasks.append(asyncio.create_task(consumer.run(stop), name=f"{service}-core-events"))
        state["tasks"] = tasks

    async def stop(app) -> None:
        if "stop" not in state:
            return
        state["stop"].set()
        for task in state["tasks"]:
            try:
                await asyncio.wait_for(task, timeout=5)
            except (asyncio.TimeoutError, Exception):
                task.cancel()

    return start, stop


async def _sweep_loop(domain: DomainAssets, stop: asyncio.Event, every: float) -> None:
    while not await pause(stop, every):
        try:
            await asyncio.to_thread(domain.sweep_pending)
        except Exception as exc:  # core down: the next round tries again
            log.info("pending sweep skipped", extra={"error": type(exc).__name__})


__all__ = [
    "ACTIVE", "PENDING", "RETIRED", "STATES", "IDEMPOTENCY_HEADER", "IDEMPOTENCY_TABLE", "REPLAYED_HEADER",
    "BatchCreated", "CoreAssetEvents", "Created", "DomainAssetMixin", "DomainAssets", "background_hooks",
    "check_key", "idempotency_columns", "idempotency_table", "request_hash",
]
