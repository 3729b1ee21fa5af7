"""The example domain on a real, migrated database, with a real core in-process beside it.

The service folder is not installed: its folder goes on the path here, as a service author's
own checkout would be. Core runs in the same process (behind a TestClient) and the gauges talk
to it through the contract's CoreClient, the calls they make over HTTP in production.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

GAUGES_DIR = Path(__file__).resolve().parent.parent
if str(GAUGES_DIR) not in sys.path:
    sys.path.insert(0, str(GAUGES_DIR))

from shopdb_contract import __contract_version__  # noqa: E402
from shopdb_contract.coreclient import CoreClient  # noqa: E402
from shopdb_contract.manifest import load_manifest  # noqa: E402
from shopdb_contract.migrations import upgrade  # noqa: E402
from shopdb_contract.testing.auth import signing_key  # noqa: E402
from shopdb_contract.testing.databases import backends, fresh_database  # noqa: E402
from shopdb_core.app import create_app as create_core_app  # noqa: E402
from shopdb_core.assets.models import Asset  # noqa: E402
from shopdb_core.relationships.models import Relationship  # noqa: E402
from shopdb_core.settings import CoreSettings  # noqa: E402

CORE_DIR = GAUGES_DIR.parents[2] / "services" / "core"
SECRET = "gauges-tests-registration-secret-0123456789"


@pytest.fixture(scope="session", params=backends())
def database_urls(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"gauges-{request.param}")
    with fresh_database(request.param, tmp, "core") as core_url, fresh_database(request.param, tmp, "gauges") as url:
        upgrade(CORE_DIR, core_url)
        upgrade(GAUGES_DIR, url)
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
                "manifest": load_manifest(GAUGES_DIR).public(),
                "base_url": "http://gauges.invalid",
                "contract_version": __contract_version__,
            },
        )
        assert registered.status_code in (200, 201), registered.text
        yield client


@pytest.fixture(scope="session")
def gauges_app_client(database_urls, core_client):
    from shopdb_gauges.app import create_app
    from shopdb_gauges.settings import GaugesSettings

    settings = GaugesSettings(
        database_url=database_urls[1], env="test", relay_enabled=False,
        registration_secret=SECRET, jwks_file=signing_key().jwks_file(),
    )
    core = CoreClient(service="gauges", http=core_client, secret=SECRET)
    with TestClient(create_app(settings=settings, core=core, register=False), headers=signing_key().headers("editor")) as client:
        yield client


@pytest.fixture
def client(gauges_app_client, core_client):
    from shopdb_gauges.models import Gauge, Idempotency, Outbox

    with gauges_app_client.app.state.database.transaction() as session:
        session.execute(delete(Gauge))
        session.execute(Outbox.delete())
        session.execute(Idempotency.delete())
    with core_client.app.state.database.transaction() as session:
        session.execute(delete(Relationship))
        session.execute(delete(Asset))
    return gauges_app_client


@pytest.fixture
def core(client, core_client):
    core_client.headers.update(signing_key().headers("editor"))
    return core_client


@pytest.fixture
def push_headers():
    return signing_key().headers("editor", kind="token", name="gauge-collector", services=["gauges"])
