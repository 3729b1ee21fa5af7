"""Audit pipeline benchmark: outbox -> relay -> JetStream -> core's audit store.

    .venv/bin/python bench/audit.py [--events 20000] [--rate 500] [--seconds 10] [--database-url URL]

Two figures, printed beside their targets:
1. throughput: N changes are committed to the outbox first, then the relay and the store are
   started and timed until every event is stored (events/s through the whole pipeline);
2. lag at a fixed rate: changes are committed one per transaction at --rate per second for
   --seconds; lag = stored (received_at) - committed (occurred_at), p50 and p99.
The relay and the store share this process and its event loop (in a site they run in the
service and in core); NATS is the bundled nats-server with file storage, on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from shopdb_contract.db import Database
from shopdb_contract.outbox import Actor, OutboxWriter
from shopdb_contract.relay import OutboxRelay
from shopdb_contract.streams import StreamLimits
from shopdb_contract.testing.nats import running_nats
from shopdb_core.audit.models import AuditDeadLetter, AuditEvent, Outbox
from shopdb_core.audit.store import AuditStore

TARGET_THROUGHPUT = 2000.0
TARGET_P99_LAG_MS = 1000.0


def write(database: Database, writer: OutboxWriter, count: int, per_transaction: int = 500) -> None:
    actor = Actor("collector", "bench", "bench")
    for start in range(0, count, per_transaction):
        with database.transaction() as session:
            for n in range(start, min(count, start + per_transaction)):
                writer.audit_log(
                    session, entity_type="computer", entity_id=uuid.uuid4(), action="update",
                    before={"os": "Windows 10", "n": n}, after={"os": "Windows 11", "n": n}, actor=actor,
                )


def stored(database: Database) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


async def wait_stored(database: Database, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(stored, database) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {stored(database)} of {count} events stored after {timeout}s")
        await asyncio.sleep(0.02)


async def pipeline(database: Database, url: str):
    limits = StreamLimits(duplicate_window_seconds=120)
    relay = OutboxRelay(service="bench", database=database, table=Outbox, nats_url=url, limits=limits)
    store = AuditStore(database=database, nats_url=url, limits=limits)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(store.run(stop))]
    return stop, tasks


async def measure_throughput(database: Database, url: str, events: int) -> float:
    writer = OutboxWriter(service="bench", table=Outbox)
    await asyncio.to_thread(write, database, writer, events)
    started = time.perf_counter()
    stop, tasks = await pipeline(database, url)
    await wait_stored(database, events, timeout=600)
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*tasks)
    return events / elapsed


async def measure_lag(database: Database, url: str, rate: float, seconds: float) -> list[float]:
    writer = OutboxWriter(service="bench", table=Outbox)
    before = await asyncio.to_thread(stored, database)
    stop, tasks = await pipeline(database, url)
    await asyncio.sleep(1.0)  # connected and subscribed before the clock starts
    total = int(rate * seconds)

    def paced_writer() -> None:
        interval = 1.0 / rate
        start = time.perf_counter()
        for n in range(total):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            write(database, writer, 1)

    thread = threading.Thread(target=paced_writer)
    thread.start()
    await asyncio.to_thread(thread.join)
    await wait_stored(database, before + total, timeout=120)
    stop.set()
    await asyncio.gather(*tasks)
    with database.session() as session:
        rows = session.execute(
            select(AuditEvent.occurred_at, AuditEvent.received_at).order_by(AuditEvent.id.desc()).limit(total)
        ).all()
    return sorted((r.received_at - r.occurred_at).total_seconds() * 1000 for r in rows)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="shopdb-bench-audit-") as tmp:
        tmp_path = Path(tmp)
        url = args.database_url or f"sqlite:///{tmp_path / 'core.db'}"
        database = Database(url)
        tables = [Outbox, AuditEvent.__table__, AuditDeadLetter.__table__]
        Outbox.metadata.drop_all(database.engine, tables=tables)
        Outbox.metadata.create_all(database.engine, tables=tables)
        with running_nats(tmp_path) as nats:
            throughput = asyncio.run(measure_throughput(database, nats.url, args.events))
            lags = asyncio.run(measure_lag(database, nats.url, args.rate, args.seconds))
        database.dispose()

    backend = url.split(":", 1)[0]
    p50, p99 = statistics.median(lags), percentile(lags, 99)
    print(f"audit pipeline on {backend} ({args.events} events; lag at {args.rate:.0f}/s for {args.seconds:.0f}s)")
    print(f"{'figure':<28}{'measured':>14}{'target':>14}  verdict")
    print(f"{'throughput (events/s)':<28}{throughput:>14.0f}{'>= 2000':>14}  {'met' if throughput >= TARGET_THROUGHPUT else 'MISSED'}")
    print(f"{'lag p50 (ms)':<28}{p50:>14.1f}{'':>14}")
    print(f"{'lag p99 (ms)':<28}{p99:>14.1f}{'< 1000':>14}  {'met' if p99 < TARGET_P99_LAG_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
