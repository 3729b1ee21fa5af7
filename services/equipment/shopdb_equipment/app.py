"""Build equipment's app: `create_app()` is what `python -m shopdb_contract.serve services/equipment` runs."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from shopdb_contract.app import create_service_app
from shopdb_contract.coreclient import CoreClient
from shopdb_contract.db import Database
from shopdb_contract.manifest import ServiceManifest, load_manifest
from shopdb_equipment.settings import EquipmentSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent


def create_app(
    manifest: ServiceManifest | None = None,
    settings: EquipmentSettings | None = None,
    *,
    core: CoreClient | None = None,
    register: bool = True,
    **factory: object,
) -> FastAPI:
    """`core` lets tests hand in a client over an in-process core; by default core_url is used."""
    manifest = manifest or load_manifest(SERVICE_DIR)
    settings = settings or EquipmentSettings()
    database = Database(settings.database_url_for(manifest.name))

    # Imported here so the manifest is read (and refused) before equipment's own code loads.
    from shopdb_contract.domainasset import background_hooks
    from shopdb_contract.outbox import OutboxWriter
    from shopdb_equipment import api
    from shopdb_equipment.equipment.service import domain_assets
    from shopdb_equipment.models import Idempotency, Outbox

    core_client = core or CoreClient(service=manifest.name, settings=settings)
    computers_http = httpx.Client(timeout=3.0)

    writer = OutboxWriter(service=manifest.name, table=Outbox)
    domain = domain_assets(database=database, core=core_client, writer=writer, idempotency=Idempotency)
    # Mirrors assets retired or restored in core; sweeps creates that never finished.
    start_background, stop_background = background_hooks(service=manifest.name, domain=domain, settings=settings)

    def close_clients(_app: FastAPI) -> None:
        core_client.close()
        computers_http.close()

    app = create_service_app(
        manifest=manifest,
        settings=settings,
        database=database,
        routers=api.routers(manifest),
        on_startup=[start_background],
        on_shutdown=[stop_background, close_clients],
        register=register,
        outbox=Outbox,
        **factory,
    )
    app.state.core = core_client
    app.state.writer = writer
    app.state.domain = domain
    app.state.computers_http = computers_http
    return app
