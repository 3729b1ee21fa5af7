"""Computers' app on a real, migrated database, with a real core in-process beside it.

Core runs in the same process (its app behind a TestClient) and computers talks to it through
the contract's CoreClient over that client: the same calls it makes over HTTP in production.
Computers registers with core as it would on start, so core knows it owns type `computer`.
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
from shopdb_contract.outbox import OUTBOX_TABLE
from shopdb_contract.domainasset import IDEMPOTENCY_TABLE
from shopdb_contract.testing.auth import signing_key
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_core.app import create_app as create_core_app
from shopdb_core.assets.models import Asset
from shopdb_core.relationships.models import Relationship
from shopdb_core.settings import CoreSettings
from shopdb_computers.app import create_app
from shopdb_computers.computers.models import ApplicationList, Computer, Interface
from shopdb_computers.settings import ComputersSettings

COMPUTERS_DIR = Path(__file__).resolve().parent.parent
CORE_DIR = COMPUTERS_DIR.parent / "core"
SECRET = "computers-tests-registration-secret-0123456789"


def register(core_client: TestClient, service_dir: Path) -> None:
    registered = core_client.post(
        "/internal/services/register",
        headers={"X-ShopDB-Registration-Secret": SECRET},
        json={
            "manifest": load_manifest(service_dir).public(),
            "base_url": f"http://{service_dir.name}.invalid",
            "contract_version": __contract_version__,
        },
    )
    assert registered.status_code in (200, 201), registered.text


def core_settings(url: str) -> CoreSettings:
    return CoreSettings(
        database_url=url, env="test", relay_enabled=False, registration_secret=SECRET,
        jwks_file=signing_key().jwks_file(),
    )


def computers_settings(url: str, **extra) -> ComputersSettings:
    return ComputersSettings(
        database_url=url, env="test", relay_enabled=False, registration_secret=SECRET,
        jwks_file=signing_key().jwks_file(), **extra,
    )


@pytest.fixture(scope="session", params=backends())
def database_urls(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"computers-{request.param}")
    with fresh_database(request.param, tmp, "core") as core_url, fresh_database(request.param, tmp, "computers") as url:
        upgrade(CORE_DIR, core_url)
        upgrade(COMPUTERS_DIR, url)
        yield core_url, url


@pytest.fixture(scope="session")
def core_client(database_urls):
    with TestClient(create_core_app(settings=core_settings(database_urls[0]))) as client:
        from shopdb_core.seed import seed_reference

        with client.app.state.database.transaction() as session:
            seed_reference(session)
        register(client, COMPUTERS_DIR)
        client.app.state.test_core = CoreClient(service="computers", http=client, secret=SECRET)
        yield client


@pytest.fixture(scope="session")
def computers_app_client(database_urls, core_client):
    core = CoreClient(service="computers", http=core_client, secret=SECRET)
    app = create_app(settings=computers_settings(database_urls[1]), core=core, register=False)
    with TestClient(app, headers=signing_key().headers("editor")) as client:
        yield client


def empty_tables(computers_db, core_db) -> None:
    with computers_db.transaction() as session:
        session.execute(delete(ApplicationList))
        session.execute(delete(Interface))
        session.execute(delete(Computer))
        session.execute(Computer.metadata.tables[OUTBOX_TABLE].delete())
        session.execute(Computer.metadata.tables[IDEMPOTENCY_TABLE].delete())
    with core_db.transaction() as session:
        session.execute(delete(Relationship))
        session.execute(delete(Asset))


@pytest.fixture
def client(computers_app_client, core_client):
    empty_tables(computers_app_client.app.state.database, core_client.app.state.database)
    return computers_app_client


@pytest.fixture
def database(client):
    return client.app.state.database


@pytest.fixture
def core(client, core_client):
    """Core's API as an admin (core-signed token), to look at and change the core side of computers."""
    from shopdb_core.identity.testing import act_as

    return act_as(core_client, "admin")


@pytest.fixture
def push_headers():
    """A collector's token: limited to the computers service."""
    return signing_key().headers("editor", kind="token", name="inventory-collector", services=["computers"])


@pytest.fixture
def make_settings():
    """Settings for a second computers app in a test (another database, another core)."""
    return computers_settings


@pytest.fixture
def core_for():
    """A CoreClient of the computers service over any httpx client pointed at core."""
    return lambda http: CoreClient(service="computers", http=http, secret=SECRET)
