"""The service registry over HTTP against core's real app on a migrated database (SQLite, MariaDB)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import delete, select

from shopdb_contract import __contract_version__
from shopdb_contract.db import Database, utcnow
from shopdb_contract.migrations import upgrade
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_core.app import SERVICE_DIR, create_app
from shopdb_core.reference.models import AssetType
from shopdb_core.registry.models import RegisteredService
from shopdb_core.settings import CoreSettings
from shopdb_core.identity.testing import act_as

SECRET = "7be84e6a9d0c55b7e21f4a8c93d6b0e1f3a9c1d2"
AUTH = {"X-ShopDB-Registration-Secret": SECRET}


def manifest(name: str = "computers", **changes) -> dict:
    data = {
        "name": name,
        "version": "0.1.0",
        "description": f"{name} of the site",
        "core_version": ">=0.1,<0.2",
        "depends_on": {},
        "api_prefix": f"/api/{name}",
        "asset_types": [{"name": f"{name}_unit", "label": f"{name.title()} unit"}],
        "collector": {"identityfield": "hostname", "fields": {"hostname": {"type": "string"}}},
        "navigation": [{"label": name.title(), "path": f"/{name}"}],
    }
    data.update(changes)
    return data


def registration(name: str = "computers", base_url: str | None = None, **changes) -> dict:
    return {
        "manifest": manifest(name, **changes),
        "base_url": base_url or f"http://{name}:8000",
        "contract_version": __contract_version__,
    }


@pytest.fixture(scope="module", params=backends())
def core_database(request, tmp_path_factory):
    # Migrated once per backend; each test starts from an empty registry (see `core`).
    with fresh_database(request.param, tmp_path_factory.mktemp("registry"), "registry") as url:
        upgrade(SERVICE_DIR, url)
        yield url


def empty_registry(url: str) -> None:
    database = Database(url)
    with database.transaction() as session:
        session.execute(delete(RegisteredService))
        session.execute(delete(AssetType).where(AssetType.service != "core"))
    database.dispose()


@pytest.fixture
def core(core_database):
    empty_registry(core_database)
    settings = CoreSettings(
        _env_file=None,
        env="test",
        database_url=core_database,
        base_url="http://core.test:8001",
        registration_secret=SecretStr(SECRET),
        heartbeat_timeout=30,
        relay_enabled=False,  # no audit traffic here; NATS is the e2e test's business
    )
    app = create_app(settings=settings)
    with TestClient(app) as client:
        act_as(client, "admin")
        client.app_state = app.state
        yield client


def register(core, name="computers", **changes):
    return core.post("/internal/services/register", json=registration(name, **changes), headers=AUTH)


def listed(core) -> dict[str, dict]:
    return {s["name"]: s for s in core.get("/api/services").json()["results"]}


def test_core_records_itself_at_startup(core):
    services = core.get("/api/services").json()
    assert services["results"][0]["name"] == "core"
    row = services["results"][0]
    assert row["healthy"] is True and row["enabled"] is True and row["status"] == "registered"
    assert row["base_url"] == "http://core.test:8001"
    assert row["contract_version"] == __contract_version__


@pytest.mark.parametrize("headers", [{}, {"X-ShopDB-Registration-Secret": "guess"}])
def test_registration_without_the_site_secret_is_401(core, headers):
    response = core.post("/internal/services/register", json=registration(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-ShopDB-Registration-Secret" in response.json()["detail"]
    assert "computers" not in listed(core)


def test_compatible_service_is_registered_with_its_manifest(core):
    response = register(core)
    assert response.status_code == 200, response.text
    detail = core.get("/api/services/computers").json()
    assert detail["status"] == "registered"
    assert detail["enabled"] is True and detail["healthy"] is True and detail["routed"] is True
    assert detail["base_url"] == "http://computers:8000"
    assert detail["last_heartbeat"] is None
    assert detail["refusal"] is None
    assert detail["manifest"]["asset_types"] == [{"name": "computers_unit", "label": "Computers unit"}]
    assert detail["manifest"]["collector"]["identityfield"] == "hostname"
    assert detail["manifest"]["navigation"] == [{"label": "Computers", "path": "/computers"}]
    with core.app_state.database.session() as session:
        owned = session.scalars(select(AssetType).where(AssetType.service == "computers")).all()
        assert [t.name for t in owned] == ["computers_unit"]


def test_incompatible_contract_is_refused_with_reason_and_shown(core):
    response = register(core, core_version=">=0.2,<0.3")
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:shopdb:problem:contract-version"
    assert ">=0.2,<0.3" in problem["detail"] and __contract_version__ in problem["detail"]
    row = listed(core)["computers"]
    assert row["status"] == "refused" and row["routed"] is False and row["healthy"] is False
    assert row["refusal"] == {"type": "urn:shopdb:problem:contract-version", "reason": problem["detail"]}
    with core.app_state.database.session() as session:
        # Refused services own nothing: their asset types are not created.
        assert session.scalars(select(AssetType).where(AssetType.service == "computers")).all() == []


def test_fixed_service_registers_again_and_the_refusal_is_cleared(core):
    register(core, core_version=">=0.2,<0.3")
    assert register(core).status_code == 200
    row = listed(core)["computers"]
    assert row["status"] == "registered" and row["refusal"] is None


def test_unmet_dependency_is_refused_until_the_dependency_registers(core):
    response = register(core, "equipment", depends_on={"computers": ">=0.1,<0.2"})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:shopdb:problem:dependency"
    assert "computers (>=0.1,<0.2) is not registered" in response.json()["detail"]
    assert listed(core)["equipment"]["status"] == "refused"
    assert register(core).status_code == 200
    assert register(core, "equipment", depends_on={"computers": ">=0.1,<0.2"}).status_code == 200


def test_name_core_is_refused_and_core_row_untouched(core):
    response = register(core, "core", api_prefix="/api")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "manifest.name"
    row = listed(core)["core"]
    assert row["base_url"] == "http://core.test:8001" and row["status"] == "registered"


def test_reserved_name_is_refused_as_contract_violation(core):
    response = register(core, "assets")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:shopdb:problem:contract"
    assert "reserved" in response.json()["detail"]
    assert listed(core)["assets"]["status"] == "refused"


def test_invalid_manifest_names_each_field(core):
    body = registration()
    body["manifest"]["version"] = "one point oh"
    del body["manifest"]["core_version"]
    response = core.post("/internal/services/register", json=body, headers=AUTH)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"manifest.version", "manifest.core_version"}
    assert "computers" not in listed(core)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"colour": "red"}, "body.colour"),
        ({"base_url": "ftp://computers"}, "body.base_url"),
        ({"contract_version": "latest"}, "body.contract_version"),
    ],
)
def test_bad_registration_body_is_422_naming_the_field(core, change, field):
    body = {**registration(), **change}
    response = core.post("/internal/services/register", json=body, headers=AUTH)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}


def test_asset_type_owned_by_another_service_is_refused_and_nothing_half_written(core):
    assert register(core, "computers").status_code == 200
    clash = manifest("network")
    clash["asset_types"] = [{"name": "switch", "label": "Switch"}, {"name": "computers_unit", "label": "Mine"}]
    body = {"manifest": clash, "base_url": "http://network:8000", "contract_version": __contract_version__}
    response = core.post("/internal/services/register", json=body, headers=AUTH)
    assert response.status_code == 409
    assert "computers_unit" in response.json()["detail"]
    assert listed(core)["network"]["status"] == "refused"
    with core.app_state.database.session() as session:
        types = {t.name: t.service for t in session.scalars(select(AssetType)).all()}
    assert types["computers_unit"] == "computers"
    assert "switch" not in types


def test_reregistration_after_restart_keeps_the_operator_choice(core):
    register(core)
    assert core.post("/api/services/computers/disable").status_code == 200
    response = register(core, base_url="http://computers-2:8000", version="0.1.1")
    assert response.status_code == 200
    row = listed(core)["computers"]
    assert row["enabled"] is False and row["routed"] is False
    assert row["version"] == "0.1.1" and row["base_url"] == "http://computers-2:8000"


def test_heartbeat_records_sign_of_life(core):
    register(core)
    response = core.post("/internal/services/computers/heartbeat", json={"version": "0.1.0"}, headers=AUTH)
    assert response.status_code == 200
    assert listed(core)["computers"]["last_heartbeat"] is not None


def test_heartbeat_of_unknown_or_changed_service_is_404_so_it_registers_again(core):
    unknown = core.post("/internal/services/printers/heartbeat", json={}, headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["service"] == "printers"
    register(core)
    changed = core.post("/internal/services/computers/heartbeat", json={"version": "0.9.0"}, headers=AUTH)
    assert changed.status_code == 404


def test_heartbeat_needs_the_secret(core):
    register(core)
    assert core.post("/internal/services/computers/heartbeat", json={}).status_code == 401


def test_heartbeat_of_refused_service_is_409(core):
    register(core, core_version=">=5")
    response = core.post("/internal/services/computers/heartbeat", json={}, headers=AUTH)
    assert response.status_code == 409


def test_stopping_service_is_unhealthy_at_once_and_must_register_again(core):
    register(core)
    assert core.post("/internal/services/computers/stopping", headers=AUTH).status_code == 200
    row = listed(core)["computers"]
    assert row["status"] == "stopped" and row["healthy"] is False and row["routed"] is False
    assert core.post("/internal/services/computers/heartbeat", json={}, headers=AUTH).status_code == 404
    register(core)
    assert listed(core)["computers"]["routed"] is True


def test_stale_heartbeat_marks_service_unhealthy(core):
    register(core)
    long_ago = utcnow() - timedelta(seconds=31)
    with core.app_state.database.transaction() as session:
        row = session.get(RegisteredService, "computers")
        row.registered_at = long_ago
        row.last_heartbeat = long_ago
    row = listed(core)["computers"]
    assert row["healthy"] is False and row["routed"] is False and row["status"] == "registered"
    core.post("/internal/services/computers/heartbeat", json={}, headers=AUTH)
    assert listed(core)["computers"]["healthy"] is True


def test_disable_and_enable_a_service(core):
    register(core)
    disabled = core.post("/api/services/computers/disable")
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert listed(core)["computers"]["routed"] is False
    enabled = core.post("/api/services/computers/enable")
    assert enabled.json()["enabled"] is True and enabled.json()["routed"] is True


def test_core_cannot_be_disabled(core):
    response = core.post("/api/services/core/disable")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert listed(core)["core"]["enabled"] is True


def test_unknown_service_is_404_naming_it(core):
    for response in (core.get("/api/services/printers"), core.post("/api/services/printers/enable")):
        assert response.status_code == 404
        assert response.json()["service"] == "printers"


def test_list_is_core_first_then_by_name(core):
    for name in ("usb", "computers", "network"):
        register(core, name)
    body = core.get("/api/services").json()
    assert [s["name"] for s in body["results"]] == ["core", "computers", "network", "usb"]
    assert body["count"] == 4


def test_failed_registration_leaves_previous_acceptance_visible_as_refusal(core):
    register(core)
    newer = copy.deepcopy(registration(version="0.3.0", core_version=">=0.3"))
    response = core.post("/internal/services/register", json=newer, headers=AUTH)
    assert response.status_code == 409
    row = listed(core)["computers"]
    # The running version was replaced by one core cannot serve: not routed, and it says why.
    assert row["status"] == "refused" and row["version"] == "0.3.0" and row["routed"] is False
