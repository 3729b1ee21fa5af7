"""Every service folder keeps the contract: the checks below run for each services/*/ with a
manifest, so a new service is covered the moment its folder exists.

Manifest valid and its range admitting the installed contract; the app builds and answers
/healthz and /readyz; its OpenAPI is served under its prefix and lists only its own paths; its
collector schema (when it takes pushes) is a valid JSON Schema keyed by one of its fields; its
migrations go up to head on a fresh database and back down to nothing. The example domain
(tests/example_domain/*/, written only from declarations) is checked the same way.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from shopdb_contract import __contract_version__
from shopdb_contract.collector import batch_schema
from shopdb_contract.manifest import load_manifest
from shopdb_contract.migrations import downgrade, upgrade
from shopdb_contract.testing.databases import backends, fresh_database

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DIRS = sorted(p.parent for p in (REPO / "tests" / "example_domain").glob("*/manifest.json"))
SERVICE_DIRS = sorted(p.parent for p in (REPO / "services").glob("*/manifest.json")) + EXAMPLE_DIRS
for _example in EXAMPLE_DIRS:  # not installed: importable from its folder, as in its own checkout
    if str(_example) not in sys.path:
        sys.path.insert(0, str(_example))
NAMES = [p.name for p in SERVICE_DIRS]


@pytest.fixture(params=SERVICE_DIRS, ids=NAMES)
def service_dir(request) -> Path:
    return request.param


def test_there_are_services_to_check():
    assert "core" in NAMES and len(NAMES) >= 2


def test_manifest_is_valid_and_its_range_admits_the_installed_contract(service_dir):
    manifest = load_manifest(service_dir)
    assert manifest.name == service_dir.name
    assert __contract_version__ in manifest.specifier, (
        f"{service_dir.name} wants contract {manifest.core_version}, installed is {__contract_version__}"
    )


def test_service_has_the_shared_anatomy(service_dir):
    package = service_dir / f"shopdb_{service_dir.name}"
    for part in ("pyproject.toml", "alembic.ini", "migrations/env.py", "tests"):
        assert (service_dir / part).exists(), f"{service_dir.name} has no {part}"
    for part in ("app.py", "settings.py", "db.py", "models.py", "api.py"):
        assert (package / part).is_file(), f"{service_dir.name} has no shopdb_{service_dir.name}/{part}"
    assert list((service_dir / "migrations" / "versions").glob("*.py")), "no migrations"


@pytest.fixture
def app_client(service_dir, tmp_path, monkeypatch):
    """The service's app on a migrated SQLite database, as `serve` builds it.

    The lifespan (registration with core, relay) is not entered: these checks are about the
    app itself; the end-to-end tests run services with core.
    """
    url = f"sqlite:///{(tmp_path / 'service.db').as_posix()}"
    upgrade(service_dir, url)
    for name, value in {
        "SHOPDB_ENV": "test", "SHOPDB_DATABASE_URL": url, "SHOPDB_RELAY_ENABLED": "false",
        "SHOPDB_CORE_URL": "http://127.0.0.1:9", "SHOPDB_VAR_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    manifest = load_manifest(service_dir)
    module = importlib.import_module(f"shopdb_{manifest.name}.app")
    app = module.create_app(manifest=manifest)
    client = TestClient(app)
    yield manifest, client
    app.state.database.dispose()


def test_app_answers_healthz_and_readyz(app_client):
    manifest, client = app_client
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["service"] == manifest.name
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"


def test_openapi_is_served_under_the_prefix_and_lists_only_the_services_paths(app_client):
    manifest, client = app_client
    response = client.get(f"{manifest.api_prefix}/openapi.json")
    assert response.status_code == 200, response.text
    paths = list(response.json()["paths"])
    assert paths, "no operations documented"
    own = (manifest.api_prefix, f"/api/collector/{manifest.name}")
    strays = [p for p in paths if not p.startswith(own)]
    assert strays == [], f"{manifest.name} serves paths outside its prefix: {strays}"


def test_collector_schema_is_a_valid_json_schema_keyed_by_one_of_its_fields(service_dir):
    manifest = load_manifest(service_dir)
    if manifest.collector is None:
        pytest.skip(f"{manifest.name} takes no collector pushes")
    assert manifest.collector.identityfield in manifest.collector.fields
    schema = batch_schema(manifest)
    jsonschema.Draft202012Validator.check_schema(schema)
    for name, field_schema in manifest.collector.fields.items():
        jsonschema.Draft202012Validator.check_schema(field_schema), name


def test_collector_schema_is_served_where_collector_authors_look(app_client):
    manifest, client = app_client
    if manifest.collector is None:
        pytest.skip(f"{manifest.name} takes no collector pushes")
    paths = client.get(f"{manifest.api_prefix}/openapi.json").json()["paths"]
    assert "post" in paths.get(f"/api/collector/{manifest.name}", {}), f"{manifest.name} declares a collector but mounts no push"
    assert "get" in paths.get(f"/api/collector/{manifest.name}/schema", {})


@pytest.mark.parametrize("backend", backends())
def test_migrations_upgrade_to_head_and_downgrade_to_nothing(service_dir, backend, tmp_path):
    with fresh_database(backend, tmp_path, f"compliance_{service_dir.name}") as url:
        upgrade(service_dir, url)
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert "alembic_version" in tables and len(tables) > 1
        assert "shopdb_outbox" in tables, f"{service_dir.name} has no outbox: its changes would go unaudited"
        engine.dispose()
        downgrade(service_dir, url)
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()


def test_a_services_tests_import_no_other_domain_services_package(service_dir):
    """A domain service is tested on its own (with a real core beside it): its tests reaching
    into another domain's package would tie the two together where the site may run only one."""
    import re

    own = f"shopdb_{service_dir.name}"
    others = {f"shopdb_{d.name}" for d in SERVICE_DIRS} - {own, "shopdb_core"}
    found = []
    for path in sorted((service_dir / "tests").rglob("*.py")):
        for name in re.findall(r"\b(?:from|import)\s+(shopdb_[a-z0-9_]+)", path.read_text(encoding="utf-8")):
            if name in others:
                found.append(f"{path.relative_to(service_dir)}: {name}")
    assert found == [], f"{service_dir.name}'s tests import other services: {found}"
