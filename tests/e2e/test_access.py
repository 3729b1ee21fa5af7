"""Access across real processes: core signs, the test services verify on their own.

Core, alpha and beta run as real processes (no gateway: this is about the services' own
checks). alpha trusts an API token's answer from core for one second, so revocation is seen
within that bound.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import httpx
import pytest

from shopdb_contract.migrations import upgrade
from shopdb_contract.processes import free_port, nats_process, service_process, wait_http
from shopdb_core.identity.testing import TEST_PASSWORD, add_user, login_headers

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = ROOT / "services" / "core"
FIXTURES = ROOT / "tests" / "fixtures"
TOKEN_CACHE_SECONDS = 1.0


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    secret = secrets.token_hex(24)
    core_port, nats_port = free_port(), free_port()
    core_url = f"http://127.0.0.1:{core_port}"
    database_url = f"sqlite:///{tmp / 'core.db'}"
    upgrade(CORE_DIR, database_url)
    add_user(database_url, "access-admin")
    processes = []
    urls = {"core": core_url}
    try:
        processes.append(nats_process(port=nats_port, store_dir=tmp / "nats", log_path=tmp / "nats.log").start())
        common = {
            "SHOPDB_ENV": "test", "SHOPDB_CORE_URL": core_url, "SHOPDB_REGISTRATION_SECRET": secret,
            "SHOPDB_NATS_URL": f"nats://127.0.0.1:{nats_port}", "SHOPDB_HEARTBEAT_INTERVAL": "0.5",
        }
        core = service_process(
            CORE_DIR, port=core_port,
            env={**common, "SHOPDB_DATABASE_URL": database_url, "SHOPDB_BASE_URL": core_url},
            log_path=tmp / "core.log",
        ).start()
        processes.append(core)
        wait_http(f"{core_url}/readyz", timeout=30, process=core)
        for name in ("alpha", "beta"):
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            process = service_process(
                FIXTURES / "services" / name, port=port, log_path=tmp / f"{name}.log",
                env={
                    **common,
                    "PYTHONPATH": os.pathsep.join([str(FIXTURES / "services" / name), str(FIXTURES)]),
                    "SHOPDB_BASE_URL": urls[name], "SHOPDB_DATABASE_URL": f"sqlite:///{tmp / f'{name}.db'}",
                    "SHOPDB_TOKEN_CACHE_SECONDS": str(TOKEN_CACHE_SECONDS),
                },
            ).start()
            processes.append(process)
            wait_http(f"{urls[name]}/readyz", timeout=30, process=process)
        yield {"urls": urls, "admin": login_headers(core_url, "access-admin"), "logs": tmp}
    finally:
        for process in reversed(processes):
            process.stop(timeout=5)


def get(site, service: str, path: str, headers: dict) -> httpx.Response:
    return httpx.get(site["urls"][service] + path, headers=headers, timeout=5)


def push(site, service: str, headers: dict) -> httpx.Response:
    return httpx.post(f"{site['urls'][service]}/api/collector/{service}", json=[{"serial": "S-1"}], headers=headers, timeout=5)


def new_token(site, **body) -> dict:
    response = httpx.post(f"{site['urls']['core']}/api/auth/tokens", json=body, headers=site["admin"], timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_core_signed_login_token_is_verified_by_a_service_without_asking_core(site):
    assert get(site, "alpha", "/api/alpha/hello", {}).status_code == 401
    response = get(site, "alpha", "/api/alpha/hello", site["admin"])
    assert response.status_code == 200, response.text


def test_token_scoped_to_one_service_is_refused_by_the_others(site):
    token = new_token(site, name="alpha collector", role="editor", services=["alpha"])
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert push(site, "alpha", headers).json() == {"service": "alpha", "received": 1}
    refused_by_beta = push(site, "beta", headers)
    assert refused_by_beta.status_code == 403 and refused_by_beta.json()["service"] == "beta"
    refused_by_core = get(site, "core", "/api/assets", headers)
    assert refused_by_core.status_code == 403 and refused_by_core.json()["service"] == "core"


def test_revoked_api_token_stops_working_within_the_cache_time(site):
    token = new_token(site, name="short-lived script", role="editor", services=["alpha"])
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert push(site, "alpha", headers).status_code == 200
    revoked = httpx.delete(f"{site['urls']['core']}/api/auth/tokens/{token['id']}", headers=site["admin"], timeout=5)
    assert revoked.status_code == 204
    revoked_at = time.monotonic()
    while push(site, "alpha", headers).status_code != 401:
        # The documented bound is SHOPDB_TOKEN_CACHE_SECONDS; allow for one request's time.
        assert time.monotonic() - revoked_at < TOKEN_CACHE_SECONDS + 1.0, "revoked token still accepted"
        time.sleep(0.1)


def test_rotated_signing_key_is_picked_up_by_the_services(site):
    old = site["admin"]
    rotated = httpx.post(f"{site['urls']['core']}/api/auth/keys/rotate", headers=old, timeout=10)
    assert rotated.status_code == 200, rotated.text
    fresh = login_headers(site["urls"]["core"], "access-admin")
    # A service refreshes its JWKS on an unknown kid, at most every few seconds.
    deadline = time.monotonic() + 10
    while get(site, "alpha", "/api/alpha/hello", fresh).status_code != 200:
        assert time.monotonic() < deadline, "alpha never accepted a token signed with the new key"
        time.sleep(0.5)
    assert get(site, "alpha", "/api/alpha/hello", old).status_code == 200  # nobody logged out


def test_secrets_never_reach_the_logs(site):
    token = new_token(site, name="log check", role="viewer")
    get(site, "alpha", "/api/alpha/hello", {"Authorization": f"Bearer {token['token']}"})
    secret_part = token["token"].rsplit("_", 1)[1]
    for log in site["logs"].glob("*.log"):
        text = log.read_text(errors="replace")
        assert secret_part not in text, log.name
        assert TEST_PASSWORD not in text, log.name
        assert site["admin"]["Authorization"].split()[1] not in text, log.name
