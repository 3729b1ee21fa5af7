"""The audit store: a durable JetStream pull consumer that stores each audit event once.

- Each event id is stored once: inserts ignore an id already present, so a redelivery (after a
  crash between commit and ack, or a relay republishing) changes nothing.
- A message is acked only after the transaction holding it commits.
- A message that cannot be stored (not JSON, missing fields) is retried a bounded number of
  times and then parked in `audit_deadletters` with the reason, and acked, so one bad message
  never stops the stream.
- The database being down is not the message's fault: those messages are nak'ed and retried
  without counting towards parking.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js import api
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from shopdb_contract.db import Database, utcnow
from shopdb_contract.streams import StreamLimits, connect_with_retry, ensure_streams, pause
from shopdb_contract.wire import AUDIT_SUBJECTS
from shopdb_core.audit.models import AuditDeadLetter, AuditEvent

log = logging.getLogger("shopdb.audit.store")

DURABLE = "core-audit-store"
MAX_TRIES = 5


class ActorIn(BaseModel):
    kind: str = Field(max_length=20)
    id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)


class AuditEventIn(BaseModel):
    """The wire form written by shopdb_contract.outbox.OutboxWriter.audit_log."""

    model_config = ConfigDict(extra="ignore")
    event_id: uuid.UUID
    occurred_at: datetime
    service: str = Field(max_length=40)
    entity_type: str = Field(max_length=60)
    entity_id: str = Field(max_length=64)
    action: str = Field(max_length=40)
    changes: dict[str, Any] = Field(default_factory=dict)
    actor: ActorIn
    request_id: str | None = Field(default=None, max_length=128)
    summary: str | None = Field(default=None, max_length=500)

    def row(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
            "received_at": utcnow(),
            "service": self.service,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "action": self.action,
            "changes": self.changes,
            "actor_kind": self.actor.kind,
            "actor_id": self.actor.id,
            "actor_name": self.actor.name,
            "request_id": self.request_id,
            "summary": self.summary,
        }


def parse(data: bytes) -> AuditEventIn:
    return AuditEventIn.model_validate_json(data)


def insert_ignoring_duplicates(database: Database, table=AuditEvent.__table__, key: str = "event_id"):
    """An INSERT that skips a row whose unique `key` is already stored, on each backend."""
    if database.backend == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=[key])
    return insert(table).prefix_with("IGNORE")


class AuditStore:
    def __init__(
        self, *, database: Database, nats_url: str, limits: StreamLimits, batch: int = 500, ack_wait: float = 30.0
    ) -> None:
        self.database = database
        self.ack_wait = ack_wait
        self.nats_url = nats_url
        self.limits = limits
        self.batch = batch
        self.stored = 0
        self.parked = 0

    def store(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self.database.transaction() as session:
                session.execute(insert_ignoring_duplicates(self.database), rows)
            self.stored += len(rows)

    def park(self, *, sequence: int, subject: str, data: bytes, reason: str, deliveries: int) -> None:
        with self.database.transaction() as session:
            session.execute(
                insert_ignoring_duplicates(self.database, AuditDeadLetter.__table__, "stream_sequence"),
                [{
                    "stream_sequence": sequence,
                    "subject": subject,
                    "data": data.decode("utf-8", errors="replace")[:60000],
                    "reason": reason[:1000],
                    "deliveries": deliveries,
                    "parked_at": utcnow(),
                }],
            )
        self.parked += 1
        log.error("audit message parked", extra={"stream_sequence": sequence, "subject": subject, "reason": reason[:300]})

    async def handle(self, msgs) -> None:
        good: list[tuple[Any, dict[str, Any]]] = []
        for msg in msgs:
            try:
                good.append((msg, parse(msg.data).row()))
            except (ValidationError, ValueError) as exc:
                await self._reject(msg, f"not a valid audit event: {_short(exc)}")
        if not good:
            return
        try:
            await asyncio.to_thread(self.store, [row for _msg, row in good])
        except OperationalError as exc:
            # The database is away: nothing is wrong with the messages; retry them later.
            log.warning("audit store database unavailable", extra={"error": _short(exc)})
            for msg, _row in good:
                await msg.nak(delay=1.0)
            return
        except Exception:
            # One row broke the batch: store one by one so only the bad one is retried.
            for msg, row in good:
                try:
                    await asyncio.to_thread(self.store, [row])
                except Exception as exc:  # noqa: BLE001 - the reason is parked with the message
                    await self._reject(msg, f"could not store: {_short(exc)}")
                    continue
                await msg.ack()
            return
        for msg, _row in good:
            await msg.ack()

    async def _reject(self, msg, reason: str) -> None:
        deliveries = msg.metadata.num_delivered
        if deliveries >= MAX_TRIES:
            await asyncio.to_thread(
                self.park, sequence=msg.metadata.sequence.stream, subject=msg.subject, data=msg.data,
                reason=reason, deliveries=deliveries,
            )
            await msg.ack()
        else:
            await msg.nak(delay=min(5.0, 0.2 * 2**deliveries))

    async def run(self, stop: asyncio.Event) -> None:
        nc = await connect_with_retry(self.nats_url, name="core-audit-store", stop=stop)
        if nc is None:
            return
        try:
            js = nc.jetstream()
            sub = None
            while not stop.is_set() and sub is None:
                try:
                    await ensure_streams(nc, self.limits)
                    sub = await js.pull_subscribe(
                        AUDIT_SUBJECTS,
                        durable=DURABLE,
                        stream="AUDIT",
                        config=api.ConsumerConfig(
                            ack_policy=api.AckPolicy.EXPLICIT, ack_wait=self.ack_wait, max_ack_pending=20000
                        ),
                    )
                except Exception as exc:
                    log.warning("audit consumer not ready; retrying", extra={"error": _short(exc)})
                    await pause(stop, 1.0)
            while not stop.is_set():
                try:
                    msgs = await sub.fetch(self.batch, timeout=0.5)
                except NatsTimeout:
                    continue
                except Exception as exc:  # disconnected: nats-py reconnects; we wait
                    log.warning("audit fetch failed", extra={"error": _short(exc)})
                    await pause(stop, 0.5)
                    continue
                await self.handle(msgs)
        finally:
            # close, not drain: draining a pull subscription waits out its full timeout, and
            # anything fetched but not acked is simply redelivered to the next store.
            await nc.close()


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def start_store_task(app) -> None:
    """Core start-up hook: run the store beside the API for as long as core runs."""
    settings = app.state.settings
    if not settings.relay_enabled:
        return
    store = AuditStore(
        database=app.state.database,
        nats_url=settings.nats_url,
        limits=settings.stream_limits(),
        ack_wait=settings.audit_ack_wait_seconds,
    )
    stop = asyncio.Event()
    app.state.audit_store = store
    app.state.audit_store_stop = stop
    app.state.audit_store_task = asyncio.create_task(store.run(stop), name="core-audit-store")


async def stop_store_task(app) -> None:
    task = getattr(app.state, "audit_store_task", None)
    if task is None:
        return
    app.state.audit_store_stop.set()
    try:
        await asyncio.wait_for(task, timeout=10)
    except (asyncio.TimeoutError, Exception):
        task.cancel()
