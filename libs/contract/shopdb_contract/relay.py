"""The outbox relay: publishes a service's pending outbox rows to JetStream, in order.

Guarantees (ADR-008):
- at least once to JetStream: a row is marked sent only after its PubAck;
- no duplicate stored: each message carries `Nats-Msg-Id` = event id, so JetStream drops a
  republish inside its duplicate window, and core stores each event id once whatever the window;
- safe with several replicas: rows are leased (claimed) in a short transaction that uses
  `FOR UPDATE SKIP LOCKED` on MySQL/MariaDB, so two relays never publish the same row at the same
  time; a relay that dies leaves a lease that expires, and another relay takes the rows over;
- never blocks a write: the relay runs beside the API and only reads committed rows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table, delete, or_, select, update

from shopdb_contract.db import Database, utcnow
from shopdb_contract.streams import StreamLimits, connect_with_retry, ensure_streams, pause, safe_url

__all__ = ["OutboxRelay", "RelayOptions"]

log = logging.getLogger("shopdb.relay")


@dataclass
class RelayOptions:
    batch_size: int = 500
    lease_seconds: float = 30.0
    idle_interval: float = 0.1
    retention_hours: float = 24.0
    publish_timeout: float = 5.0


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        database: Database,
        table: Table,
        nats_url: str,
        limits: StreamLimits | None = None,
        options: RelayOptions | None = None,
    ) -> None:
        self.service = service
        self.database = database
        self.table = table
        self.nats_url = nats_url
        self.limits = limits or StreamLimits()
        self.options = options or RelayOptions()
        self.instance = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.published = 0

    # --- database side (sync; run in a worker thread) ---

    def claim(self) -> list[tuple[int, str, str, dict]]:
        """Lease the oldest pending rows to this relay and return them in order."""
        t = self.table
        now = utcnow()
        with self.database.transaction() as session:
            ids = list(
                session.execute(
                    select(t.c.id)
                    .where(t.c.sent_at.is_(None), or_(t.c.claimed_until.is_(None), t.c.claimed_until < now))
                    .order_by(t.c.id)
                    .limit(self.options.batch_size)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            if not ids:
                return []
            # The lease condition is repeated here: where the database cannot skip locked
            # rows (SQLite), two relays may pick the same ids, and only one may win them.
            free = or_(t.c.claimed_until.is_(None), t.c.claimed_until < now)
            session.execute(
                update(t)
                .where(t.c.id.in_(ids), t.c.sent_at.is_(None), free)
                .values(
                    claimed_by=self.instance,
                    claimed_until=now + timedelta(seconds=self.options.lease_seconds),
                    attempts=t.c.attempts + 1,
                )
            )
            rows = session.execute(
                select(t.c.id, t.c.event_id, t.c.subject, t.c.payload)
                .where(t.c.id.in_(ids), t.c.claimed_by == self.instance)
                .order_by(t.c.id)
            ).all()
        return [(row.id, str(row.event_id), row.subject, row.payload) for row in rows]

    def mark_sent(self, ids: list[int]) -> None:
        if not ids:
            return
        t = self.table
        with self.database.transaction() as session:
            session.execute(
                update(t)
                .where(t.c.id.in_(ids), t.c.claimed_by == self.instance)
                .values(sent_at=utcnow(), claimed_by=None, claimed_until=None)
            )

    def release(self, ids: list[int]) -> None:
        """Give back rows this relay could not publish, so they go first next time."""
        if not ids:
            return
        t = self.table
        with self.database.transaction() as session:
            session.execute(
                update(t).where(t.c.id.in_(ids), t.c.claimed_by == self.instance).values(claimed_by=None, claimed_until=None)
            )

    def prune(self) -> int:
        """Delete rows sent longer ago than the retention; pending rows are never pruned."""
        t = self.table
        cutoff = utcnow() - timedelta(hours=self.options.retention_hours)
        with self.database.transaction() as session:
            result = session.execute(delete(t).where(t.c.sent_at.is_not(None), t.c.sent_at < cutoff))
        return result.rowcount or 0

    def pending_count(self) -> int:
        from sqlalchemy import func

        with self.database.session() as session:
            return session.execute(select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))).scalar_one()

    # --- NATS side ---

    async def publish_batch(self, js, rows) -> list[int]:
        """Publish in order; returns the ids acknowledged, a prefix of `rows`."""
        futures = []
        for row_id, event_id, subject, payload in rows:
            data = json.dumps(payload, separators=(",", ":")).encode()
            futures.append((row_id, await js.publish_async(subject, data, headers={"Nats-Msg-Id": event_id})))
        acked: list[int] = []
        failed = False
        for row_id, future in futures:
            if failed:
                future.cancel()
                continue
            try:
                await asyncio.wait_for(future, timeout=self.options.publish_timeout)
                acked.append(row_id)
            except Exception as exc:  # timeout, no responders, disconnect: all mean "not stored yet"
                failed = True
                log.warning("publish failed; will retry", extra={"error": type(exc).__name__})
        return acked

    async def run(self, stop: asyncio.Event) -> None:
        nc = await connect_with_retry(self.nats_url, name=f"{self.service}-relay", stop=stop)
        if nc is None:
            return
        try:
            await self._ensure_streams(nc, stop)
            js = nc.jetstream()
            backoff = 0.25
            last_prune = 0.0
            loop = asyncio.get_running_loop()
            while not stop.is_set():
                if loop.time() - last_prune > 60:
                    last_prune = loop.time()
                    await asyncio.to_thread(self.prune)
                rows = await asyncio.to_thread(self.claim)
                if not rows:
                    await pause(stop, self.options.idle_interval)
                    continue
                acked = await self.publish_batch(js, rows)
                await asyncio.to_thread(self.mark_sent, acked)
                self.published += len(acked)
                if len(acked) < len(rows):
                    await asyncio.to_thread(self.release, [r[0] for r in rows[len(acked):]])
                    await pause(stop, backoff)
                    backoff = min(5.0, backoff * 2)
                else:
                    backoff = 0.25
        finally:
            # close, not drain: every publish was already acked or given back, and draining
            # the reply subscription of async publishes would wait out its whole timeout.
            await nc.close()

    async def _ensure_streams(self, nc, stop: asyncio.Event) -> None:
        delay = 0.25
        while not stop.is_set():
            try:
                await ensure_streams(nc, self.limits)
                return
            except Exception as exc:
                log.warning(
                    "could not ensure streams; retrying",
                    extra={"nats_url": safe_url(self.nats_url), "error": f"{type(exc).__name__}: {exc}"},
                )
                await pause(stop, delay)
                delay = min(5.0, delay * 2)
