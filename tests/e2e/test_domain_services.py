"""End to end with real processes: NATS, core, computers, equipment and Traefik.

Everything goes through the gateway, logged in as a core user (and, for the collector, with
an API token limited to computers): a machine and the PC that controls it, the PC standing
where the machine stands, a collector batch with its four outcomes and a repeat that changes
nothing and audits nothing, and a machine retired in core mirrored by equipment.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from shopdb_contract.db import Database
from shopdb_contract.migrations import upgrade
from shopdb_contract.processes import ManagedProcess, free_port, nats_process, service_process, traefik_process, wait_http
from shopdb_core.gateway.traefik_config import default_dynamic_dir, dynamic_env, write_static_config
from shopdb_core.identity.testing import add_user, login_headers
from shopdb_core.seed import seed_reference

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
DOMAINS = ("computers", "equipment")


@dataclass
class Site:
    gateway_url: str
    auth: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    def call(self, method: str, path: str, **kw) -> httpx.Response:
        headers = {**self.auth, **kw.pop("headers", {})}
        return httpx.request(method, self.gateway_url + path, timeout=10, headers=headers, **kw)

    def audit_count(self, **params: str) -> int:
        response = self.call("GET", "/api/audit", params={"limit": 1, **params})
        assert response.status_code == 200, response.text
        return response.json()["count"]

    def settled_audit_count(self, *, quiet: float = 2.0, timeout: float = 20) -> int:
        """The audit count once the relays have drained: unchanged for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        count, since = self.audit_count(), time.monotonic()
        while time.monotonic() - since < quiet:
            assert time.monotonic() < deadline, f"audit still moving after {timeout}s ({count})"
            time.sleep(0.25)
            now = self.audit_count()
            if now != count:
                count, since = now, time.monotonic()
        return count


def eventually(check: Callable[[], httpx.Response], accept: Callable[[httpx.Response], bool], *, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = check()
        if accept(response):
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s; last answer {response.status_code}: {response.text[:400]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("domains")
    secret = secrets.token_hex(24)
    gateway_token = secrets.token_hex(24)
    core_port, web_port, ping_port, nats_port = free_port(), free_port(), free_port(), free_port()
    core_url = f"http://127.0.0.1:{core_port}"
    nats_url = f"nats://127.0.0.1:{nats_port}"
    core_db = f"sqlite:///{tmp / 'core.db'}"
    upgrade(SERVICES / "core", core_db)
    database = Database(core_db)
    try:
        with database.transaction() as session:
            seed_reference(session)
    finally:
        database.dispose()
    add_user(core_db, "site-admin")
    for name in DOMAINS:
        upgrade(SERVICES / name, f"sqlite:///{tmp / f'{name}.db'}")

    s = Site(gateway_url=f"http://127.0.0.1:{web_port}")
    common = {
        "SHOPDB_CORE_URL": core_url, "SHOPDB_REGISTRATION_SECRET": secret, "SHOPDB_NATS_URL": nats_url,
        "SHOPDB_HEARTBEAT_INTERVAL": "0.5",
    }
    try:
        s.processes["nats"] = nats_process(port=nats_port, store_dir=tmp / "nats", log_path=tmp / "nats.log").start()
        s.processes["core"] = service_process(
            SERVICES / "core", port=core_port, log_path=tmp / "core.log",
            env={**common, "SHOPDB_ENV": "test", "SHOPDB_DATABASE_URL": core_db, "SHOPDB_BASE_URL": core_url,
                 "SHOPDB_GATEWAY_TOKEN": gateway_token},
        ).start()
        static = write_static_config(
            tmp / "traefik.yml", entry_port=web_port, ping_port=ping_port, core_url=core_url,
            gateway_token=gateway_token, dynamic_dir=default_dynamic_dir(), poll_interval="1s",
            access_log_path=tmp / "access.log",
        )
        s.processes["traefik"] = traefik_process(
            static_config=static, log_path=tmp / "traefik.log", env=dynamic_env(core_url=core_url)
        ).start()
        wait_http(f"{core_url}/readyz", timeout=30, process=s.processes["core"])
        for name in DOMAINS:
            port = free_port()
            s.processes[name] = service_process(
                SERVICES / name, port=port, log_path=tmp / f"{name}.log",
                env={**common, "SHOPDB_ENV": "development", "SHOPDB_BASE_URL": f"http://127.0.0.1:{port}",
                     "SHOPDB_DATABASE_URL": f"sqlite:///{tmp / f'{name}.db'}", "SHOPDB_REGISTER_TIMEOUT": "20"},
            ).start()
        s.auth = login_headers(core_url, "site-admin")
        for name in DOMAINS:
            wait_http(f"{core_url}/api/services/{name}", timeout=30, process=s.processes[name], headers=s.auth)
            eventually(lambda n=name: s.call("GET", f"/api/{n}"), lambda r: r.status_code == 200, timeout=30)
        yield s
    finally:
        for process in reversed(list(s.processes.values())):
            process.stop(timeout=5)


def created(response: httpx.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def test_pc_controlling_a_machine_stands_where_the_machine_stands_and_is_listed_with_it(site):
    machine = created(site.call("POST", "/api/equipment", json={
        "machinenumber": "2001", "equipmenttype": "lathe", "controllertype": "fanuc", "mapx": 120.5, "mapy": 48.0,
    }))
    pc = created(site.call("POST", "/api/computers", json={"hostname": "PC-2001", "computertype": "shopfloor"}))
    link = site.call("POST", "/api/relationships", json={
        "type": "controls", "source": pc["id"], "target": machine["id"], "inheritsposition": True,
    })
    assert link.status_code == 201, link.text

    position = site.call("GET", f"/api/assets/{pc['id']}/position").json()
    assert (position["mapx"], position["mapy"]) == (120.5, 48.0)

    view = site.call("GET", f"/api/equipment/{machine['id']}").json()
    # The PC as core knows it (its asset's name is its hostname): equipment asks no other service.
    assert [(c["id"], c["name"], c["inheritsposition"]) for c in view["controlledby"]] == [(pc["id"], "PC-2001", True)]


def test_collector_batch_gets_four_outcomes_and_a_repeat_changes_nothing_nor_audits(site):
    token = site.call("POST", "/api/auth/tokens", json={"name": "inventory collector", "role": "editor", "services": ["computers"]})
    assert token.status_code == 201, token.text
    collector = {"Authorization": f"Bearer {token.json()['token']}"}

    def pc(hostname: str, **fields) -> dict:
        return {"hostname": hostname, "osname": "Windows 10 IoT Enterprise", "osversion": "21H2", "lastuser": "op1",
                "applications": [{"name": "Fanuc FOCAS", "version": "4.2"}], **fields}

    def push(records: list[dict]) -> dict:
        response = site.call("POST", "/api/collector/computers", json={"records": records}, headers=collector)
        assert response.status_code == 200, response.text
        return response.json()

    push([pc("PC-UPD"), pc("PC-SAME")])
    batch = [pc("PC-NEW"), pc("PC-UPD", osversion="22H2"), pc("PC-SAME"), {"hostname": "PC-BAD", "memory_mb": "lots"}]
    first = push(batch)
    assert [(r["identity"], r["outcome"]) for r in first["results"]] == [
        ("PC-NEW", "created"), ("PC-UPD", "updated"), ("PC-SAME", "unchanged"), ("PC-BAD", "rejected"),
    ]
    assert first["results"][1]["changed"] == ["osversion"] and first["results"][3]["field"] == "memory_mb"

    audited = site.settled_audit_count()
    # The pipeline works: the batch's changes reached core's audit (so "no new events" means something).
    assert site.audit_count(service="computers", entity_id=first["results"][1]["id"], action="update") == 1
    again = push(batch)
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged", "unchanged", "rejected"]
    assert site.settled_audit_count() == audited


def test_machine_retired_in_core_is_reflected_by_equipment(site):
    machine = created(site.call("POST", "/api/equipment", json={"machinenumber": "3001", "equipmenttype": "mill"}))
    retired = site.call("DELETE", f"/api/assets/{machine['id']}")
    assert retired.status_code in (200, 204), retired.text
    mirrored = eventually(
        lambda: site.call("GET", f"/api/equipment/{machine['id']}"), lambda r: r.json().get("state") == "retired"
    )
    assert mirrored.json()["status"] == "retired"
