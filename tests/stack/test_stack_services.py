"""`shopdb up --services ...` with the test services of tests/fixtures: started in dependency
order and routed, or, when core refuses one, the whole stack stops with a non-zero exit."""

from __future__ import annotations

import json
import os
import signal
import sys

import httpx
import pytest

from shopdb_contract.processes import ManagedProcess, free_port, wait_http
from shopdb_core.stack.layout import pid_alive

from .conftest import ADMIN_PASSWORD, CORE_DIR, REPO, clean_env, login

pytestmark = pytest.mark.e2e

FIXTURES = REPO / "tests" / "fixtures"


def stack_env(tmp_path) -> dict[str, str]:
    services = tmp_path / "services"
    services.mkdir()
    (services / "core").symlink_to(CORE_DIR)
    paths = [str(FIXTURES)]
    for name in ("alpha", "beta", "gamma"):
        (services / name).symlink_to(FIXTURES / "services" / name)
        paths.append(str(FIXTURES / "services" / name))
    return clean_env(
        SHOPDB_SERVICES_DIR=str(services),
        SHOPDB_GATEWAY_PORT=str(free_port()),
        SHOPDB_CORE_PORT=str(free_port()),
        SHOPDB_NATS_PORT=str(free_port()),
        SHOPDB_SERVICES_FIRST_PORT=str(free_port()),
        SHOPDB_HEARTBEAT_INTERVAL="1",
        SHOPDB_ADMIN_PASSWORD=ADMIN_PASSWORD,
        PYTHONPATH=os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")]),
    )


def test_up_starts_domain_services_after_their_dependencies_and_routes_them(tmp_path):
    env = stack_env(tmp_path)
    gateway = f"http://127.0.0.1:{env['SHOPDB_GATEWAY_PORT']}"
    stack = ManagedProcess(
        "shopdb-up", [sys.executable, "-m", "shopdb_core.cli", "up", "--services", "beta,alpha"],
        env=env, cwd=tmp_path, log_path=tmp_path / "up.log",
    ).start()
    try:
        wait_http(f"{gateway}/api/auth/jwks.json", timeout=60, process=stack)
        log = stack.log_tail(200)
        assert log.index("starting alpha") < log.index("starting beta")
        assert "with the password from SHOPDB_ADMIN_PASSWORD" in log and ADMIN_PASSWORD not in log
        auth = login(gateway, ADMIN_PASSWORD)
        # Routes follow the registry on Traefik's next poll of core.
        for name in ("alpha", "beta"):
            hello = wait_http(f"{gateway}/api/{name}/hello", timeout=20, process=stack, headers=auth)
            assert hello.json()["service"] == name
        registry = httpx.get(f"{gateway}/api/services", timeout=5, headers=auth).json()
        assert {s["name"]: s["routed"] for s in registry["results"]} == {"core": True, "alpha": True, "beta": True}
        children = json.loads((tmp_path / "var" / "stack.json").read_text())["processes"]
    finally:
        stack.signal(signal.SIGINT)
        code = stack.wait_exit(60)
        if code is None:
            stack.stop()
    assert code == 0, stack.log_tail()
    assert [name for name, pid in children.items() if pid_alive(pid)] == []


def test_up_stops_everything_and_fails_when_core_refuses_a_service(tmp_path):
    env = stack_env(tmp_path)
    stack = ManagedProcess(
        "shopdb-up", [sys.executable, "-m", "shopdb_core.cli", "up", "--services", "gamma"],
        env=env, cwd=tmp_path, log_path=tmp_path / "up.log",
    ).start()
    code = stack.wait_exit(60)
    if code is None:
        stack.stop()
    assert code == 1, stack.log_tail()
    log = stack.log_tail(200)
    assert "gamma" in log and ">=9.0,<10" in log
    assert "stopped core" in log and "stopped nats" in log
    assert not (tmp_path / "var" / "stack.json").exists()
