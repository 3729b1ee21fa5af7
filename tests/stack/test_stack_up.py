"""`shopdb up` as a site runs it: a real NATS, core and Traefik, stopped with Ctrl-C, data kept."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import httpx
import pytest

from shopdb_contract.processes import ManagedProcess, free_port, wait_http
from shopdb_core.stack.layout import pid_alive

from .conftest import GENERATED, clean_env, login, shopdb

pytestmark = pytest.mark.e2e

SERVICES = Path(__file__).resolve().parents[2] / "services"


def start_stack(tmp_path, env, run: int) -> ManagedProcess:
    stack = ManagedProcess(
        "shopdb-up", [sys.executable, "-m", "shopdb_core.cli", "up"],
        env=env, cwd=tmp_path, log_path=tmp_path / f"up-{run}.log",
    ).start()
    gateway = f"http://127.0.0.1:{env['SHOPDB_GATEWAY_PORT']}"
    try:
        # The JWKS is open: the door answers before anyone has logged in.
        wait_http(f"{gateway}/api/auth/jwks.json", timeout=60, process=stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def stop_with_ctrl_c(stack: ManagedProcess, var_dir) -> None:
    children = json.loads((var_dir / "stack.json").read_text())["processes"]
    assert set(children) >= {"nats", "core", "traefik"}
    stack.signal(signal.SIGINT)
    code = stack.wait_exit(40)
    if code is None:
        stack.stop()
    assert code == 0, stack.log_tail()
    assert [name for name, pid in children.items() if pid_alive(pid)] == []
    assert not (var_dir / "stack.json").exists()


def test_shopdb_up_serves_the_api_through_the_gateway_stops_on_ctrl_c_and_keeps_data(tmp_path):
    env = clean_env(
        SHOPDB_GATEWAY_PORT=str(free_port()),
        SHOPDB_CORE_PORT=str(free_port()),
        SHOPDB_NATS_PORT=str(free_port()),
        SHOPDB_SERVICES_FIRST_PORT=str(free_port()),
    )
    gateway = f"http://127.0.0.1:{env['SHOPDB_GATEWAY_PORT']}"
    var_dir = tmp_path / "var"

    stack = start_stack(tmp_path, env, 1)
    try:
        # A new site gets an admin whose generated password is printed once.
        printed = GENERATED.search(stack.log_tail(200))
        assert printed, stack.log_tail()
        auth = login(gateway, printed.group(1))
        assert httpx.get(f"{gateway}/api/services", timeout=10).status_code == 401
        with httpx.Client(base_url=gateway, timeout=10, headers=auth) as api:
            services = api.get("/api/services").json()
            assert "core" in [s["name"] for s in services["results"]]
            # The first run of a checkout enables every service folder it has, routed by the gateway.
            domain = sorted(p.parent.name for p in SERVICES.glob("*/manifest.json") if p.parent.name != "core")
            for name in domain:
                answer = api.get(f"/api/{name}")
                assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])

            types = api.get("/api/assets/types").json()
            asset_type = (types["results"] if isinstance(types, dict) else types)[0]["name"]
            site = api.post("/api/locations", json={"name": "Plant 1", "kind": "site", "mapx": 12.5, "mapy": 40.0})
            assert site.status_code == 201, site.text
            asset = api.post(
                "/api/assets",
                json={"assetnumber": "A-0001", "name": "Lathe PC", "type": asset_type, "location": site.json()["id"]},
            )
            assert asset.status_code == 201, asset.text
            asset_id = asset.json()["id"]
            position = api.get(f"/api/assets/{asset_id}/position")
            assert position.status_code == 200, position.text
            assert (position.json()["mapx"], position.json()["mapy"]) == (12.5, 40.0)
            assert position.json()["source"] == "location"

        # The other commands find the running core through var/stack.json.
        listed = shopdb("services", "list", cwd=tmp_path, env=env)
        core_row = next(line for line in listed.stdout.splitlines() if line.startswith("core"))
        assert core_row.endswith("registered, routed"), listed.stdout
    finally:
        if stack.alive:
            stop_with_ctrl_c(stack, var_dir)
    assert "stopping" in stack.log_tail()

    # A second run keeps what the first one wrote.
    stack = start_stack(tmp_path, env, 2)
    try:
        assert not GENERATED.search(stack.log_tail(200)), "a second admin was made"
        again = httpx.get(f"{gateway}/api/assets/{asset_id}", timeout=10, headers=login(gateway, printed.group(1)))
        assert again.status_code == 200
        assert again.json()["assetnumber"] == "A-0001"
    finally:
        stop_with_ctrl_c(stack, var_dir)
