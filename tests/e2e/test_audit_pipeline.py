"""End to end with real processes: core's changes reach its audit store exactly once.

Core runs as a real process with its relay and its audit store; NATS is a real nats-server that
the test stops and starts. Proves: changes made while NATS is down all arrive once it is back,
and killing core (relay and store) mid-flow and restarting it stores no duplicate and loses
nothing.
"""

from __future__ import annotations

import secrets
import signal
import time
from pathlib import Path

import httpx
import pytest

from shopdb_contract.db import Database
from shopdb_contract.migrations import upgrade
from shopdb_contract.processes import ManagedProcess, free_port, service_process, wait_http
from shopdb_contract.testing.nats import NatsServer
from shopdb_core.identity.testing import add_user, login_headers
from shopdb_core.seed import seed_reference

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = ROOT / "services" / "core"
BATCH = 250


class Core:
    """Core as a process that the test can kill and start again on the same port and data."""

    def __init__(self, tmp: Path, nats_url: str) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{tmp / 'core.db'}"
        upgrade(CORE_DIR, self.database_url)
        database = Database(self.database_url)
        with database.transaction() as session:
            seed_reference(session)
        database.dispose()
        add_user(self.database_url, "audit-admin")
        self.auth: dict[str, str] = {}
        self.nats_url = nats_url
        self.process: ManagedProcess | None = None
        self.starts = 0

    def start(self, **extra: str) -> None:
        env = {
            "SHOPDB_ENV": "test",
            "SHOPDB_DATABASE_URL": self.database_url,
            "SHOPDB_BASE_URL": self.url,
            "SHOPDB_CORE_URL": self.url,
            "SHOPDB_NATS_URL": self.nats_url,
            # A killed relay's lease runs out quickly, so the test need not wait the default 30 s.
            "SHOPDB_RELAY_LEASE_SECONDS": "2",
            "SHOPDB_AUDIT_ACK_WAIT_SECONDS": "2",
            "SHOPDB_REGISTRATION_SECRET": secrets.token_hex(24),
            "SHOPDB_GATEWAY_TOKEN": secrets.token_hex(24),
        }
        self.process = service_process(CORE_DIR, port=self.port, env=env, log_path=self.tmp / f"core-{self.starts}.log").start()
        self.starts += 1
        wait_http(f"{self.url}/readyz", timeout=30, process=self.process)
        self.auth = login_headers(self.url, "audit-admin")

    def kill(self) -> None:
        assert self.process is not None
        self.process.signal(signal.SIGKILL)
        self.process.wait_exit(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def create_assets(self, prefix: str, count: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30, headers=self.auth) as client:
            for start in range(0, count, BATCH):
                batch = [
                    {"assetnumber": f"{prefix}-{n:05d}", "name": f"Asset {n}", "type": "generic"}
                    for n in range(start, min(count, start + BATCH))
                ]
                response = client.post("/api/assets", json=batch)
                assert response.status_code == 201, response.text

    def audit_count(self, **params) -> int:
        response = httpx.get(f"{self.url}/api/audit", params={"limit": 1, **params}, headers=self.auth, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["count"]

    def wait_audit(self, expected: int, *, timeout: float = 60, **params) -> int:
        deadline = time.monotonic() + timeout
        count = self.audit_count(**params)
        while count < expected:
            assert time.monotonic() < deadline, f"{count} of {expected} audit events after {timeout}s"
            time.sleep(0.05)
            count = self.audit_count(**params)
        return count


@pytest.fixture
def pipeline(tmp_path):
    nats = NatsServer(tmp_path)
    core = Core(tmp_path, nats.url)
    try:
        yield core, nats
    finally:
        core.stop()
        nats.stop()


def test_changes_made_while_nats_is_down_all_reach_the_audit_store_exactly_once(pipeline):
    core, nats = pipeline
    core.start()  # NATS is not running: core serves writes all the same
    core.create_assets("DOWN", 1000)
    assert core.audit_count(entity_type="asset") == 0
    nats.start()
    assert core.wait_audit(1000, entity_type="asset", action="create") == 1000
    time.sleep(1.0)  # anything more would be a duplicate
    assert core.audit_count(entity_type="asset", action="create") == 1000


def test_core_killed_mid_flow_and_restarted_loses_nothing_and_stores_no_duplicate(pipeline):
    core, nats = pipeline
    # Small relay batches keep the flow going long enough to be cut in the middle.
    core.start(SHOPDB_RELAY_BATCH_SIZE="20")
    core.create_assets("KILL", 2000)  # pending in the outbox while NATS is down
    nats.start()
    stored = core.wait_audit(1, entity_type="asset", action="create")
    core.kill()  # relay and store die together, mid-batch
    assert stored < 2000 or pytest.skip("the pipeline drained before the kill; nothing was mid-flow")
    core.start()
    core.create_assets("AFTER", 500)  # and events keep flowing after the restart
    assert core.wait_audit(2500, entity_type="asset", action="create") == 2500
    time.sleep(1.0)
    assert core.audit_count(entity_type="asset", action="create") == 2500
