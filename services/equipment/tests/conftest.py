"""Equipment's app on a real, migrated database, with a real core in-process beside it.

Core runs in the same process (its app behind a TestClient) and equipment talks to it through
the contract's CoreClient over that client, the same calls it makes over HTTP in production.
Equipment registers with core as it would on start, so core knows it owns type `equipment`.
Tokens come from the contract's test signing key, trusted by both apps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from shopdb_contract import __contract_version__
from shopdb_contract.coreclient import CoreClient
from shopdb_contract.manifest import load_manifest
from shopdb_contract.migrations import upgrade
from shopdb_contract.domainasset import IDEMPOTENCY_TABLE
from shopdb_contract.outbox import OUTBOX_TABLE
from shopdb_contract.testing.auth import signing_key
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_core.app import create_app as create_core_app
from shopdb_core.assets.models import Asset
from shopdb_core.relationships.models import Relationship
from shopdb_core.settings import CoreSettings
from shopdb_equipment.app import create_app
from shopdb_equipment.equipment.models import Equipment
from shopdb_equipment.settings import EquipmentSettings

EQUIPMENT_DIR = Path(__file__).resolve().parent.parent
CORE_DIR = EQUIPMENT_DIR.parent / "core"
SECRET = "equipment-tests-registration-secret-0123456789"


@pytest.fixture(scope="session", params=backends())
def database_urls(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"equipment-{request.param}")
    with fresh_database(request.param, tmp, "core") as core_url, fresh_database(request.param, tmp, "equipment") as url:
        upgrade(CORE_DIR, core_url)
        upgrade(EQUIPMENT_DIR, url)
        yield core_url, url


@pytest.fixture(scope="session")
def core_client(database_urls):
    settings = CoreSettings(
        database_url=database_urls[0], env="test", relay_enabled=False,
        registration_secret=SECRET, jwks_file=signing_key().jwks_file(),
    )
    with TestClient(create_core_app(settings=settings)) as client:
        from shopdb_core.seed import seed_reference

        with client.app.state.database.transaction() as session:
            seed_reference(session)
        registered = client.post(
            "/internal/services/register",
            headers={"X-ShopDB-Registration-Secret": SECRET},
            json={
                "manifest": load_manifest(EQUIPMENT_DIR).public(),
                "base_url": "http://equipment.invalid",
                "contract_version": __contract_version__,
            },
        )
        assert registered.status_code in (200, 201), registered.text
        yield client


@pytest.fixture(scope="session")
def equipment_app_client(database_urls, core_client):
    settings = EquipmentSettings(
        database_url=database_urls[1], env="test", relay_enabled=False,
        registration_secret=SECRET, jwks_file=signing_key().jwks_file(),
    )
    core = CoreClient(service="equipment", http=core_client, secret=SECRET)
    app = create_app(settings=settings, core=core, register=False)
    with TestClient(app, headers=signing_key().headers("editor")) as client:
        yield client


def empty_tables(equipment_db, core_db) -> None:
    with equipment_db.transaction() as session:
        session.execute(delete(Equipment))
        session.execute(Equipment.metadata.tables[OUTBOX_TABLE].delete())
        session.execute(Equipment.metadata.tables[IDEMPOTENCY_TABLE].delete())
    with core_db.transaction() as session:
        session.execute(delete(Relationship))
        session.execute(delete(Asset))


@pytest.fixture
def client(equipment_app_client, core_client):
    empty_tables(equipment_app_client.app.state.database, core_client.app.state.database)
    return equipment_app_client


@pytest.fixture
def core(client, core_client):
    """Core's API as an editor, to look at (and change) the core side of equipment."""
    core_client.headers.update(signing_key().headers("editor"))
    return core_client
