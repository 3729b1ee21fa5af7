"""The outbox and its relay against a real nats-server (and MariaDB where present)."""

from __future__ import annotations

import asyncio
import json
import uuid

import nats
import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, select

from shopdb_contract.db import Database
from shopdb_contract.outbox import Actor, OutboxWriter, outbox_table
from shopdb_contract.relay import OutboxRelay, RelayOptions
from shopdb_contract.streams import StreamLimits
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_contract.testing.nats import NatsServer, running_nats


@pytest.fixture(params=backends())
def db(request, tmp_path):
    with fresh_database(request.param, tmp_path, "outbox") as url:
        metadata = MetaData()
        machines = Table("machines", metadata, Column("id", Uuid, primary_key=True), Column("name", String(50)))
        outbox = outbox_table(metadata)
        database = Database(url)
        metadata.create_all(database.engine)
        yield database, machines, OutboxWriter(service="widgets", table=outbox)
        database.dispose()


def write_changes(database, machines, writer, count, *, per_transaction=100):
    for start in range(0, count, per_transaction):
        with database.transaction() as session:
            for n in range(start, min(count, start + per_transaction)):
                machine_id = uuid.uuid4()
                session.execute(machines.insert().values(id=machine_id, name=f"M{n}"))
                writer.audit_log(
                    session, entity_type="machine", entity_id=machine_id, action="create",
                    after={"name": f"M{n}"}, actor=Actor("user", "1", "ops"),
                )


def outbox_rows(database, writer, *, pending=False):
    query = select(func.count()).select_from(writer.table)
    if pending:
        query = query.where(writer.table.c.sent_at.is_(None))
    with database.session() as session:
        return session.execute(query).scalar_one()


async def stream_messages(url: str, stream: str = "AUDIT") -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(stream)
        return info.state.messages
    finally:
        await nc.close()


async def run_relay_until_drained(relay: OutboxRelay, *, timeout: float = 30.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await asyncio.to_thread(relay.pending_count) > 0:
        assert loop.time() < deadline, "relay did not drain the outbox in time"
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=10)


def test_change_rolled_back_leaves_no_audit_event(db):
    database, machines, writer = db
    with pytest.raises(RuntimeError):
        with database.transaction() as session:
            session.execute(machines.insert().values(id=uuid.uuid4(), name="M1"))
            writer.audit_log(session, entity_type="machine", entity_id="x", action="create", after={"name": "M1"})
            raise RuntimeError("the change fails half way")
    assert outbox_rows(database, writer) == 0


def test_update_to_the_same_values_writes_no_event_and_secrets_are_redacted(db):
    database, _machines, writer = db
    with database.transaction() as session:
        assert writer.audit_log(session, entity_type="user", entity_id="1", action="update",
                                before={"name": "a"}, after={"name": "a"}) is None
        writer.audit_log(session, entity_type="user", entity_id="1", action="update",
                         before={"password_hash": "old", "name": "a"}, after={"password_hash": "new", "name": "b"})
    with database.session() as session:
        payload = session.execute(select(writer.table.c.payload)).scalar_one()
    assert payload["changes"] == {
        "name": {"before": "a", "after": "b"},
        "password_hash": {"before": "[redacted]", "after": "[redacted]"},
    }
    assert "old" not in json.dumps(payload) and "new" not in json.dumps(payload["changes"]["password_hash"])


def test_changes_made_while_nats_is_down_are_all_published_once_it_starts(db, tmp_path):
    database, machines, writer = db
    server = NatsServer(tmp_path)  # not started yet: NATS is down
    write_changes(database, machines, writer, 1000)
    relay = OutboxRelay(service="widgets", database=database, table=writer.table, nats_url=server.url,
                        limits=StreamLimits(duplicate_window_seconds=60))

    async def scenario():
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(1.0)  # the relay retries against a dead port meanwhile
        assert await asyncio.to_thread(relay.pending_count) == 1000
        await asyncio.to_thread(server.start)
        try:
            deadline = asyncio.get_running_loop().time() + 30
            while await asyncio.to_thread(relay.pending_count) > 0:
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(task, timeout=10)
            assert await stream_messages(server.url) == 1000
        finally:
            await asyncio.to_thread(server.stop)

    asyncio.run(scenario())


def test_relay_that_dies_after_publishing_leaves_no_duplicate_in_the_stream(db, tmp_path):
    database, machines, writer = db
    write_changes(database, machines, writer, 200)
    with running_nats(tmp_path) as server:
        dying = OutboxRelay(service="widgets", database=database, table=writer.table, nats_url=server.url,
                            options=RelayOptions(lease_seconds=0.5))

        async def publish_then_die():
            # What a relay killed between PubAck and marking the rows sent leaves behind:
            # the messages are in the stream, the rows are still pending under its lease.
            nc = await nats.connect(server.url)
            from shopdb_contract.streams import ensure_streams

            await ensure_streams(nc, StreamLimits(duplicate_window_seconds=60))
            rows = await asyncio.to_thread(dying.claim)
            acked = await dying.publish_batch(nc.jetstream(), rows)
            assert len(acked) == 200
            await nc.close()
            await asyncio.sleep(0.6)  # the dead relay's lease runs out
            successor = OutboxRelay(service="widgets", database=database, table=writer.table, nats_url=server.url)
            await run_relay_until_drained(successor)
            assert successor.published == 200  # it did publish them again ...
            assert await stream_messages(server.url) == 200  # ... and JetStream kept each once

        asyncio.run(publish_then_die())


def test_two_relays_never_publish_the_same_row(db, tmp_path):
    database, machines, writer = db
    write_changes(database, machines, writer, 600)
    with running_nats(tmp_path) as server:
        relays = [
            OutboxRelay(service="widgets", database=database, table=writer.table, nats_url=server.url,
                        options=RelayOptions(batch_size=50))
            for _ in range(2)
        ]

        async def both():
            await asyncio.gather(*(run_relay_until_drained(r) for r in relays))

        asyncio.run(both())
        assert sum(r.published for r in relays) == 600
        assert outbox_rows(database, writer, pending=True) == 0
