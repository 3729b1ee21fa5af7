"""End to end with real processes: NATS, core, Traefik and small test services.

Proves the foundation's routing promise: a compatible service is routed through the gateway;
an incompatible one is refused with a reason, never routed, and exits non-zero in development
(but keeps running, isolated, in production); a disabled or stopped service stops being routed
and its path answers a problem+json naming it; /internal/* never passes the gateway.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from shopdb_contract.migrations import upgrade
from shopdb_contract.processes import (
    ManagedProcess,
    free_port,
    nats_process,
    service_process,
    traefik_process,
    wait_http,
)
from shopdb_core.identity.testing import add_user, login_headers
from shopdb_core.gateway.traefik_config import default_dynamic_dir, dynamic_env, write_static_config

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = ROOT / "services" / "core"
FIXTURES = ROOT / "tests" / "fixtures"
HEARTBEAT_TIMEOUT = 2.0


@dataclass
class Stack:
    tmp: Path
    secret: str
    core_url: str
    gateway_url: str
    processes: list[ManagedProcess] = field(default_factory=list)
    # An admin's access token, sent with every request unless a test gives its own headers.
    auth: dict[str, str] = field(default_factory=dict)

    def start_service(self, name: str, *, label: str | None = None, **env: str) -> tuple[ManagedProcess, str]:
        label = label or name
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        service_env = {
            "PYTHONPATH": os.pathsep.join([str(FIXTURES / "services" / name), str(FIXTURES)]),
            "SHOPDB_ENV": "development",
            "SHOPDB_CORE_URL": self.core_url,
            "SHOPDB_BASE_URL": base_url,
            "SHOPDB_REGISTRATION_SECRET": self.secret,
            "SHOPDB_HEARTBEAT_INTERVAL": "0.5",
            "SHOPDB_REGISTER_TIMEOUT": "20",
            "SHOPDB_DATABASE_URL": f"sqlite:///{self.tmp / f'{label}.db'}",
            **env,
        }
        process = service_process(
            FIXTURES / "services" / name, port=port, env=service_env, log_path=self.tmp / f"{label}.log"
        ).start()
        self.processes.append(process)
        return process, base_url

    def gateway(self, method: str, path: str, **kw) -> httpx.Response:
        headers = {**self.auth, **kw.pop("headers", {})}
        return httpx.request(method, self.gateway_url + path, timeout=5, headers=headers, **kw)


def eventually(check: Callable[[], httpx.Response], accept: Callable[[httpx.Response], bool], *, timeout: float = 15) -> httpx.Response:
    """Poll the gateway until `accept` holds: routes change on Traefik's next poll, not at once."""
    deadline = time.monotonic() + timeout
    while True:
        response = check()
        if accept(response):
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s; last answer {response.status_code}: {response.text[:400]}")
        time.sleep(0.2)


def is_problem(status: int, name: str) -> Callable[[httpx.Response], bool]:
    def accept(response: httpx.Response) -> bool:
        return (
            response.status_code == status
            and response.headers.get("content-type", "").startswith("application/problem+json")
            and response.json().get("service") == name
        )
    return accept


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    secret = secrets.token_hex(24)
    gateway_token = secrets.token_hex(24)
    core_port, web_port, ping_port, nats_port = free_port(), free_port(), free_port(), free_port()
    core_url = f"http://127.0.0.1:{core_port}"
    database_url = f"sqlite:///{tmp / 'core.db'}"
    upgrade(CORE_DIR, database_url)
    add_user(database_url, "e2e-admin")

    s = Stack(tmp=tmp, secret=secret, core_url=core_url, gateway_url=f"http://127.0.0.1:{web_port}")
    try:
        nats = nats_process(port=nats_port, store_dir=tmp / "nats", log_path=tmp / "nats.log").start()
        s.processes.append(nats)
        core = service_process(
            CORE_DIR,
            port=core_port,
            env={
                "SHOPDB_ENV": "test",
                "SHOPDB_DATABASE_URL": database_url,
                "SHOPDB_BASE_URL": core_url,
                "SHOPDB_CORE_URL": core_url,
                "SHOPDB_REGISTRATION_SECRET": secret,
                "SHOPDB_GATEWAY_TOKEN": gateway_token,
                "SHOPDB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
                "SHOPDB_NATS_URL": f"nats://127.0.0.1:{nats_port}",
            },
            log_path=tmp / "core.log",
        ).start()
        s.processes.append(core)
        static = write_static_config(
            tmp / "traefik.yml",
            entry_port=web_port,
            ping_port=ping_port,
            core_url=core_url,
            gateway_token=gateway_token,
            dynamic_dir=default_dynamic_dir(),
            poll_interval="1s",
            access_log_path=tmp / "access.log",
        )
        traefik = traefik_process(
            static_config=static, log_path=tmp / "traefik.log", env=dynamic_env(core_url=core_url)
        ).start()
        s.processes.append(traefik)
        wait_http(f"{core_url}/readyz", timeout=30, process=core)
        s.auth = login_headers(core_url, "e2e-admin")
        wait_http(f"http://127.0.0.1:{ping_port}/ping", timeout=30, process=traefik)
        wait_http(f"{s.gateway_url}/api/services", timeout=30, process=traefik, headers=s.auth)
        yield s
    finally:
        for process in reversed(s.processes):
            process.stop(timeout=5)


@pytest.fixture(scope="module")
def running(stack):
    """alpha and beta (which depends on alpha) running; gamma started in development mode."""
    alpha, _ = stack.start_service("alpha")
    gamma, _ = stack.start_service("gamma")
    wait_http(f"{stack.core_url}/api/services/alpha", timeout=30, process=alpha, headers=stack.auth)
    beta, _ = stack.start_service("beta")
    wait_http(f"{stack.core_url}/api/services/beta", timeout=30, process=beta, headers=stack.auth)
    return {"alpha": alpha, "beta": beta, "gamma": gamma}


def test_compatible_service_is_routed_through_the_gateway(stack, running):
    for name in ("alpha", "beta"):
        response = eventually(lambda n=name: stack.gateway("GET", f"/api/{n}/hello"), lambda r: r.status_code == 200)
        assert response.json()["service"] == name
        # The gateway's common middlewares apply to domain routes too.
        assert response.headers["x-content-type-options"] == "nosniff"
    pushed = stack.gateway("POST", "/api/collector/alpha", json=[{"serial": "G-1"}, {"serial": "G-2"}])
    assert pushed.status_code == 200
    assert pushed.json() == {"service": "alpha", "received": 2}


def test_incompatible_service_is_refused_unrouted_and_exits_nonzero(stack, running):
    gamma = running["gamma"]
    code = gamma.wait_exit(30)
    assert code is not None and code != 0, gamma.log_tail()
    assert "core refused this service" in gamma.log_tail(200)

    listed = {s["name"]: s for s in stack.gateway("GET", "/api/services").json()["results"]}
    assert listed["gamma"]["status"] == "refused"
    assert listed["gamma"]["routed"] is False
    assert listed["gamma"]["refusal"]["type"] == "urn:shopdb:problem:contract-version"
    assert ">=9.0,<10" in listed["gamma"]["refusal"]["reason"]

    response = stack.gateway("GET", "/api/gamma/hello")
    assert is_problem(503, "gamma")(response), response.text
    assert "refused" in response.json()["detail"]


def test_services_list_through_gateway_shows_core_and_internal_is_not_reachable(stack, running):
    response = stack.gateway("GET", "/api/services")
    assert response.status_code == 200
    listed = {s["name"]: s for s in response.json()["results"]}
    assert listed["core"]["healthy"] is True and listed["core"]["status"] == "registered"
    assert listed["alpha"]["routed"] is True

    for path in ("/internal/gateway/traefik", "/internal/services/register", "/internal/services/alpha/heartbeat"):
        for method in ("GET", "POST"):
            blocked = stack.gateway(method, path, headers={"X-ShopDB-Registration-Secret": stack.secret})
            # Traefik's own 404: no router matches, so the request never reaches core.
            assert blocked.status_code == 404, (method, path, blocked.text)
            assert not blocked.headers.get("content-type", "").startswith("application/problem+json")


def test_unknown_service_path_answers_problem_404_naming_it(stack, running):
    response = stack.gateway("GET", "/api/printers/queues")
    assert is_problem(404, "printers")(response), response.text
    assert "printers" in response.json()["detail"]


def test_disabled_service_is_not_routed_and_answers_404_naming_it(stack, running):
    assert stack.gateway("POST", "/api/services/alpha/disable").status_code == 200
    response = eventually(lambda: stack.gateway("GET", "/api/alpha/hello"), is_problem(404, "alpha"))
    assert "disabled" in response.json()["detail"]
    collector = stack.gateway("POST", "/api/collector/alpha", json=[])
    assert is_problem(404, "alpha")(collector), collector.text

    assert stack.gateway("POST", "/api/services/alpha/enable").status_code == 200
    eventually(lambda: stack.gateway("GET", "/api/alpha/hello"), lambda r: r.status_code == 200)


def test_stopped_service_is_not_routed_and_answers_503_naming_it(stack, running):
    beta = running["beta"]
    eventually(lambda: stack.gateway("GET", "/api/beta/hello"), lambda r: r.status_code == 200)
    beta.signal(signal.SIGKILL)  # no goodbye: only the missing heartbeats tell core
    beta.wait_exit(5)
    response = eventually(
        lambda: stack.gateway("GET", "/api/beta/hello"), is_problem(503, "beta"), timeout=HEARTBEAT_TIMEOUT + 10
    )
    assert "not answering" in response.json()["detail"]
    listed = {s["name"]: s for s in stack.gateway("GET", "/api/services").json()["results"]}
    assert listed["beta"]["healthy"] is False


def test_refused_service_in_production_keeps_running_isolated(stack, running):
    gamma, base_url = stack.start_service(
        "gamma",
        label="gamma-production",
        SHOPDB_ENV="production",
        SHOPDB_ALLOW_SQLITE_IN_PRODUCTION="true",
    )
    wait_http(f"{base_url}/healthz", timeout=30, process=gamma)
    deadline = time.monotonic() + 15
    while "core refused this service" not in gamma.log_tail(200):
        assert time.monotonic() < deadline, gamma.log_tail()
        time.sleep(0.2)
    time.sleep(1)
    assert gamma.alive, gamma.log_tail()
    assert httpx.get(f"{base_url}/api/gamma/hello", headers=stack.auth).status_code == 200  # up, just not routed
    response = stack.gateway("GET", "/api/gamma/hello")
    assert is_problem(503, "gamma")(response), response.text
    refusal_line = next(line for line in gamma.log_tail(200).splitlines() if "core refused this service" in line)
    assert "contract-version" in refusal_line and ">=9.0,<10" in refusal_line
    assert stack.secret not in gamma.log_tail(500)


def test_gateway_rate_limits_logins_per_client(stack, running):
    # Different unknown names each time, so core's per-account back-off is not what answers.
    answers = [
        stack.gateway("POST", "/api/auth/login", json={"username": f"guess-{i}", "password": "guessed-password"}).status_code
        for i in range(25)
    ]
    assert answers[0] == 401
    assert 429 in answers, answers
    # Other paths are not limited by the login's budget.
    assert stack.gateway("GET", "/api/services").status_code == 200
