"""Core's app on a real, migrated database: SQLite always, MariaDB where the machine has one.

Each backend is migrated once per session; before each test the tables of assets,
locations, relationships, vendors, models and settings are emptied and the reference data
seeded again, which is much faster than a new MariaDB database per test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from shopdb_contract.migrations import upgrade
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_core.app import create_app
from shopdb_core.identity.testing import core_headers, ensure_role_users
from shopdb_core.assets.models import Asset
from shopdb_core.locations.models import Location
from shopdb_core.reference.models import AssetModel, AssetType, Vendor
from shopdb_core.relationships.models import Relationship
from shopdb_core.seed import seed_reference
from shopdb_core.settings import CoreSettings
from shopdb_core.sitesettings.models import SiteSetting

CORE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", params=backends())
def core_database_url(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp(f"core-{request.param}"), "core") as url:
        upgrade(CORE_DIR, url)
        yield url


@pytest.fixture(scope="session")
def core_app_client(core_database_url):
    # relay_enabled=False: these tests reach no NATS server (the audit tests start their own).
    settings = CoreSettings(database_url=core_database_url, env="test", relay_enabled=False)
    app = create_app(settings=settings)
    with TestClient(app) as client:
        client.app.state.test_users = ensure_role_users(client.app)
        # The generic resource tests act as an admin; tests of access pass other headers.
        client.headers.update(core_headers(client.app, "admin"))
        yield client


@pytest.fixture
def auth_headers(core_app_client):
    """Headers of core-signed access tokens by role: auth_headers("viewer")."""
    return lambda role: core_headers(core_app_client.app, role)


def empty_core_tables(database) -> None:
    with database.transaction() as session:
        session.execute(delete(Relationship))
        session.execute(delete(Asset))
        session.execute(delete(AssetModel))
        session.execute(delete(Vendor))
        # Detach children first: MariaDB checks the self-reference row by row.
        session.execute(update(Location).values(parent_id=None))
        session.execute(delete(Location))
        session.execute(delete(SiteSetting))
        session.execute(delete(AssetType).where(AssetType.service != "core"))
        seed_reference(session)


@pytest.fixture
def client(core_app_client):
    empty_core_tables(core_app_client.app.state.database)
    return core_app_client


@pytest.fixture
def database(client):
    """The app's database, for checks that read the tables directly."""
    return client.app.state.database
