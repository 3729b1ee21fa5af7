"""The gateway's route source and core's answers for unrouted services, on core's real app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import delete

from shopdb_contract import __contract_version__
from shopdb_contract.db import Database, utcnow
from shopdb_contract.migrations import upgrade
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_core.app import SERVICE_DIR, create_app
from shopdb_core.gateway.traefik_config import COMMON_MIDDLEWARES
from shopdb_core.reference.models import AssetType
from shopdb_core.registry.models import RegisteredService
from shopdb_core.settings import CoreSettings
from shopdb_core.identity.testing import act_as

SECRET = "c55b7e21f4a8c93d6b0e1f3a9c1d27be84e6a9d0"
TOKEN = "b0e1f3a9c1d27be84e6a9d0c55b7e21f4a8c93d6"
AUTH = {"X-ShopDB-Registration-Secret": SECRET}
ROUTES = {"X-ShopDB-Gateway-Token": TOKEN}


@pytest.fixture(scope="module", params=backends())
def core_database(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("gateway"), "gateway") as url:
        upgrade(SERVICE_DIR, url)
        yield url


@pytest.fixture
def core(core_database):
    database = Database(core_database)
    with database.transaction() as session:
        session.execute(delete(RegisteredService))
        session.execute(delete(AssetType).where(AssetType.service != "core"))
    database.dispose()
    settings = CoreSettings(
        _env_file=None,
        env="test",
        database_url=core_database,
        registration_secret=SecretStr(SECRET),
        gateway_token=SecretStr(TOKEN),
        heartbeat_timeout=30,
        relay_enabled=False,
    )
    app = create_app(settings=settings)
    with TestClient(app) as client:
        act_as(client, "admin")
        client.app_state = app.state
        yield client


def register(core, name: str, **changes) -> None:
    manifest = {
        "name": name,
        "version": "0.1.0",
        "description": name,
        "core_version": ">=0.1,<0.2",
        "api_prefix": f"/api/{name}",
        **changes,
    }
    body = {"manifest": manifest, "base_url": f"http://{name}:8000", "contract_version": __contract_version__}
    core.post("/internal/services/register", json=body, headers=AUTH)


def make_stale(core, name: str) -> None:
    long_ago = utcnow() - timedelta(seconds=60)
    with core.app_state.database.transaction() as session:
        row = session.get(RegisteredService, name)
        row.registered_at = row.last_heartbeat = long_ago


def routes(core) -> dict:
    response = core.get("/internal/gateway/traefik", headers=ROUTES)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("headers", [{}, {"X-ShopDB-Gateway-Token": "guess"}])
def test_route_source_without_the_gateway_token_is_401(core, headers):
    response = core.get("/internal/gateway/traefik", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_route_source_is_empty_when_no_service_is_registered(core):
    # Core's own route lives in the file provider, never here.
    assert routes(core) == {}


def test_only_registered_enabled_healthy_services_get_routes(core):
    register(core, "computers")
    register(core, "printers")
    core.post("/api/services/printers/disable")
    register(core, "network", core_version=">=0.9")  # refused
    register(core, "usb")
    make_stale(core, "usb")
    register(core, "equipment")
    core.post("/internal/services/equipment/stopping", headers=AUTH)

    config = routes(core)
    assert set(config["http"]["routers"]) == {"svc-computers"}
    router = config["http"]["routers"]["svc-computers"]
    assert router["entryPoints"] == ["web"]
    assert router["middlewares"] == list(COMMON_MIDDLEWARES)
    assert "PathPrefix(`/api/computers/`)" in router["rule"]
    assert "PathPrefix(`/api/collector/computers/`)" in router["rule"]
    backend = config["http"]["services"][router["service"]]["loadBalancer"]
    assert backend["servers"] == [{"url": "http://computers:8000"}]
    assert backend["healthCheck"]["path"] == "/healthz"


def test_enabling_a_service_routes_it_again(core):
    register(core, "printers")
    core.post("/api/services/printers/disable")
    assert routes(core) == {}
    core.post("/api/services/printers/enable")
    assert "svc-printers" in routes(core)["http"]["routers"]


def assert_problem(response, status: int, name: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["service"] == name and name in body["detail"]
    return body


@pytest.mark.parametrize("path", ["/api/printers", "/api/printers/queues/4", "/api/collector/printers"])
def test_path_of_a_service_not_installed_is_404_naming_it(core, path):
    assert_problem(core.get(path), 404, "printers")


def test_path_of_a_disabled_service_is_404_saying_so(core):
    register(core, "printers")
    core.post("/api/services/printers/disable")
    body = assert_problem(core.post("/api/collector/printers", json=[]), 404, "printers")
    assert "disabled" in body["detail"]


def test_path_of_a_refused_service_is_503_with_the_reason(core):
    register(core, "printers", core_version=">=0.9")
    body = assert_problem(core.get("/api/printers/queues"), 503, "printers")
    assert "refused" in body["detail"] and ">=0.9" in body["detail"]
    assert body["refusal_type"] == "urn:shopdb:problem:contract-version"


def test_path_of_a_stopped_service_is_503(core):
    register(core, "printers")
    core.post("/internal/services/printers/stopping", headers=AUTH)
    assert "stopped" in assert_problem(core.get("/api/printers"), 503, "printers")["detail"]


def test_path_of_a_silent_service_is_503(core):
    register(core, "printers")
    make_stale(core, "printers")
    assert "not answering" in assert_problem(core.get("/api/printers/x"), 503, "printers")["detail"]


def test_path_of_a_service_about_to_be_routed_asks_to_retry(core):
    register(core, "printers")
    response = core.get("/api/printers/queues")
    assert_problem(response, 503, "printers")
    assert response.headers["retry-after"] == "2"


def test_core_path_in_a_method_core_lacks_is_405_not_a_service(core):
    response = core.put("/api/services")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "GET" in response.headers["allow"]


def test_unknown_core_path_is_404_no_such_path(core):
    response = core.get("/api/services/printers/nothing/here")
    assert response.status_code == 404
    assert response.json()["detail"] == "no such path: /api/services/printers/nothing/here"
