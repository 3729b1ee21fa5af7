"""A computer is its core asset plus its details: both or neither, whatever fails, however often retried."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from shopdb_contract.db import utcnow
from shopdb_contract.migrations import upgrade
from shopdb_contract.processes import free_port
from shopdb_contract.testing.auth import signing_key
from shopdb_contract.testing.resource import assert_problem
from shopdb_contract.testing.databases import fresh_database
from shopdb_computers.app import create_app
from shopdb_computers.computers.models import Computer
from shopdb_computers.models import Outbox

from pathlib import Path

COMPUTERS_DIR = Path(__file__).resolve().parent.parent


def core_computers(core_client) -> list[dict]:
    return core_client.app.state.test_core.query_assets(type="computer", include_retired=True)


def rows(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Computer))


def test_create_while_core_is_unreachable_is_503_and_leaves_nothing(client, database_urls, core_client, make_settings, core_for):
    closed = httpx.Client(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    app = create_app(settings=make_settings(database_urls[1]), core=core_for(closed), register=False)
    with TestClient(app, headers=signing_key().headers("editor")) as away:
        assert_problem(away.post("/api/computers", json={"hostname": "PC-1"}, headers={"Idempotency-Key": "k1"}), 503)
    closed.close()
    assert rows(client.app.state.database) == 0  # not even an invisible pending row
    assert core_computers(core_client) == []
    # The same key works once core is back: the failed attempt left no claim behind.
    retry = client.post("/api/computers", json={"hostname": "PC-1"}, headers={"Idempotency-Key": "k1"})
    assert retry.status_code == 201, retry.text


@pytest.fixture
def broken_details(tmp_path, core_client, client, make_settings, core_for):
    """Computers on a database whose applications table is gone: the detail insert fails for real."""
    with fresh_database("sqlite", tmp_path, "broken") as url:
        upgrade(COMPUTERS_DIR, url)
        app = create_app(settings=make_settings(url), core=core_for(core_client), register=False)
        with app.state.database.transaction() as session:
            session.execute(text("DROP TABLE computer_applications"))
        with TestClient(app, headers=signing_key().headers("editor"), raise_server_exceptions=False) as broken:
            yield broken


def test_create_whose_detail_insert_fails_discards_the_core_asset(broken_details, core_client):
    response = broken_details.post("/api/computers", json={"hostname": "PC-1", "applications": [{"name": "CAD"}]})
    assert response.status_code == 500
    assert core_computers(core_client) == []
    assert rows(broken_details.app.state.database) == 0
    assert broken_details.get("/api/computers").json()["count"] == 0


def test_retried_create_with_the_same_key_answers_the_first_answer(client, core_client, database):
    body = {"hostname": "PC-1", "osname": "Windows 11"}
    first = client.post("/api/computers", json=body, headers={"Idempotency-Key": "abc"})
    again = client.post("/api/computers", json=body, headers={"Idempotency-Key": "abc"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(core_computers(core_client)) == 1 and rows(database) == 1
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Outbox)) == 1  # one create event
    other = client.post("/api/computers", json={**body, "osname": "Linux"}, headers={"Idempotency-Key": "abc"})
    assert_problem(other, 422, field="Idempotency-Key")


def test_sweeper_discards_a_create_that_never_finished(client, core_client, database):
    domain = client.app.state.domain
    asset_id = uuid.uuid4()
    # A create that died between writing core and activating its details: both halves exist.
    with database.transaction() as session:
        session.add(Computer(id=asset_id, hostname="PC-1", hostname_key="pc-1", state="pending",
                             pending_since=utcnow() - timedelta(hours=1), locked_fields=[]))
    domain.core.upsert_asset({"id": asset_id, "type": "computer", "assetnumber": "PC-1", "name": "PC-1"})
    assert client.get("/api/computers").json()["count"] == 0  # invisible meanwhile
    assert domain.sweep_pending() == 1
    assert core_computers(core_client) == [] and rows(database) == 0
    assert client.post("/api/computers", json={"hostname": "PC-1"}).status_code == 201


def test_asset_retired_in_core_is_retired_in_computers(client, core):
    created = client.post("/api/computers", json={"hostname": "PC-1"}).json()
    assert core.delete(f"/api/assets/{created['id']}").status_code == 204
    # The event as core's outbox wrote it, handed to the consumer's handler.
    from shopdb_core.audit.models import Outbox as CoreOutbox

    with core.app.state.database.session() as session:
        events = [r.payload for r in session.execute(select(CoreOutbox).where(CoreOutbox.c.subject == "shopdb.events.core.asset_retired"))]
    events = [e for e in events if e["data"]["id"] == created["id"]]
    assert len(events) == 1
    domain = client.app.state.domain
    assert domain.apply_core_event(events[0]["name"], events[0]["data"]) is True
    assert client.get(f"/api/computers/{created['id']}").json()["state"] == "retired"
    assert domain.apply_core_event(events[0]["name"], events[0]["data"]) is False  # a redelivery changes nothing


def test_core_events_reach_computers_through_jetstream(client, core, tmp_path):
    """Real NATS: core's relay publishes asset_retired, computers' durable consumer applies it."""
    import asyncio

    from shopdb_contract.domainasset import CoreAssetEvents
    from shopdb_contract.relay import OutboxRelay
    from shopdb_contract.testing.nats import running_nats
    from shopdb_core.audit.models import Outbox as CoreOutbox

    created = client.post("/api/computers", json={"hostname": "PC-1"}).json()
    assert core.delete(f"/api/assets/{created['id']}").status_code == 204
    with running_nats(tmp_path) as nats:
        async def run() -> None:
            stop = asyncio.Event()
            relay = OutboxRelay(service="core", database=core.app.state.database, table=CoreOutbox, nats_url=nats.url)
            consumer = CoreAssetEvents(service="computers", domain=client.app.state.domain, nats_url=nats.url)
            tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                state = await asyncio.to_thread(lambda: client.get(f"/api/computers/{created['id']}").json()["state"])
                if state == "retired":
                    break
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run(run())
    assert client.get(f"/api/computers/{created['id']}").json()["state"] == "retired"


def test_collector_push_whose_children_insert_fails_leaves_nothing(broken_details, core_client):
    """The applications are written beside the core call; their failure undoes the whole create."""
    headers = signing_key().headers("editor", kind="token", name="inventory-collector", services=["computers"])
    response = broken_details.post("/api/collector/computers", headers=headers, json={"records": [
        {"hostname": "PC-1", "applications": [{"name": "CAD"}]}, {"hostname": "PC-2", "applications": [{"name": "CAM"}]},
    ]})
    assert response.status_code == 500
    assert core_computers(core_client) == []
    assert rows(broken_details.app.state.database) == 0
