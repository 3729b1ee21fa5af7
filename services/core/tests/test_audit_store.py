"""Core's audit store against a real nats-server: every event stored exactly once."""

from __future__ import annotations

import asyncio
import json
import uuid

import nats
import pytest
from sqlalchemy import func, select

from shopdb_contract.db import Database
from shopdb_contract.outbox import Actor, OutboxWriter
from shopdb_contract.relay import OutboxRelay
from shopdb_contract.streams import StreamLimits, ensure_streams
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_contract.testing.nats import running_nats
from shopdb_core.audit import store as store_module
from shopdb_core.audit.models import AuditDeadLetter, AuditEvent, Outbox
from shopdb_core.audit.store import AuditStore

LIMITS = StreamLimits(duplicate_window_seconds=60)


@pytest.fixture(params=backends())
def database(request, tmp_path):
    with fresh_database(request.param, tmp_path, "audit") as url:
        database = Database(url)
        tables = [Outbox, AuditEvent.__table__, AuditDeadLetter.__table__]
        Outbox.metadata.create_all(database.engine, tables=tables)
        yield database
        database.dispose()


def write_changes(database, count, *, service="widgets"):
    writer = OutboxWriter(service=service, table=Outbox)
    ids = []
    with database.transaction() as session:
        for n in range(count):
            ids.append(writer.audit_log(
                session, entity_type="machine", entity_id=uuid.uuid4(), action="update",
                before={"name": f"M{n}"}, after={"name": f"M{n}-renamed"}, actor=Actor("user", "7", "ops"),
            ))
    return ids


def stored(database, model=AuditEvent) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


async def until(predicate, timeout=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await asyncio.to_thread(predicate):
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def test_events_published_while_core_is_stopped_are_all_stored_once_it_returns(database, tmp_path):
    with running_nats(tmp_path) as server:
        relay = OutboxRelay(service="widgets", database=database, table=Outbox, nats_url=server.url, limits=LIMITS)

        async def scenario():
            relay_stop = asyncio.Event()
            relay_task = asyncio.create_task(relay.run(relay_stop))
            first = AuditStore(database=database, nats_url=server.url, limits=LIMITS, batch=50)
            store_stop = asyncio.Event()
            store_task = asyncio.create_task(first.run(store_stop))
            await asyncio.to_thread(write_changes, database, 300)
            await until(lambda: stored(database) >= 50)
            store_stop.set()  # core goes away while events keep flowing
            await store_task
            await asyncio.to_thread(write_changes, database, 300)
            await until(lambda: relay.pending_count() == 0)
            assert stored(database) < 600
            second = AuditStore(database=database, nats_url=server.url, limits=LIMITS)
            store_stop = asyncio.Event()
            store_task = asyncio.create_task(second.run(store_stop))
            await until(lambda: stored(database) == 600)
            await asyncio.sleep(0.5)  # nothing more arrives: no duplicates
            assert stored(database) == 600
            store_stop.set()
            relay_stop.set()
            await asyncio.gather(store_task, relay_task)

        asyncio.run(scenario())


def test_a_redelivered_event_is_stored_once(database, tmp_path):
    with running_nats(tmp_path) as server:
        async def scenario():
            nc = await nats.connect(server.url)
            await ensure_streams(nc, LIMITS)
            js = nc.jetstream()
            event = {
                "event_id": str(uuid.uuid4()), "occurred_at": "2026-01-02T03:04:05+00:00", "service": "widgets",
                "entity_type": "machine", "entity_id": "m1", "action": "create", "changes": {},
                "actor": {"kind": "system", "id": None, "name": None}, "request_id": None, "summary": None,
            }
            # Published twice past JetStream's de-duplication (no Nats-Msg-Id): the store must hold one.
            for _ in range(2):
                await js.publish("shopdb.audit.widgets", json.dumps(event).encode())
            await nc.close()
            store = AuditStore(database=database, nats_url=server.url, limits=LIMITS)
            stop = asyncio.Event()
            task = asyncio.create_task(store.run(stop))
            await until(lambda: store.stored >= 2)
            stop.set()
            await task

        asyncio.run(scenario())
        assert stored(database) == 1


def test_a_message_that_cannot_be_stored_is_parked_with_the_reason(database, tmp_path, monkeypatch):
    # Fewer tries keep the test short; the bound itself is what is being proved.
    monkeypatch.setattr(store_module, "MAX_TRIES", 2)
    with running_nats(tmp_path) as server:
        async def scenario():
            nc = await nats.connect(server.url)
            await ensure_streams(nc, LIMITS)
            await nc.jetstream().publish("shopdb.audit.widgets", b"{not json")
            await nc.close()
            await asyncio.to_thread(write_changes, database, 0)
            store = AuditStore(database=database, nats_url=server.url, limits=LIMITS)
            stop = asyncio.Event()
            task = asyncio.create_task(store.run(stop))
            await until(lambda: stored(database, AuditDeadLetter) == 1, timeout=20)
            stop.set()
            await task

        asyncio.run(scenario())
        with database.session() as session:
            parked = session.execute(select(AuditDeadLetter)).scalar_one()
        assert "not a valid audit event" in parked.reason
        assert parked.data == "{not json"
        assert stored(database) == 0
