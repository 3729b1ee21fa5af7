"""Build computers' app: `create_app()` is what `python -m shopdb_contract.serve services/computers` runs."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi import FastAPI

from shopdb_contract.app import create_service_app
from shopdb_contract.coreclient import CoreClient
from shopdb_contract.db import Database
from shopdb_contract.domainasset import DomainAssets, background_hooks
from shopdb_contract.manifest import ServiceManifest, load_manifest
from shopdb_contract.outbox import OutboxWriter
from shopdb_computers import mysqlescape
from shopdb_computers.settings import ComputersSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent
_frozen = False


def create_app(
    manifest: ServiceManifest | None = None,
    settings: ComputersSettings | None = None,
    *,
    core: CoreClient | None = None,
    register: bool = True,
    **factory: object,
) -> FastAPI:
    """`core` lets tests hand in a client over an in-process core; by default core_url is used."""
    manifest = manifest or load_manifest(SERVICE_DIR)
    settings = settings or ComputersSettings()
    mysqlescape.install()
    database = Database(settings.database_url_for(manifest.name))

    # Imported here so the manifest is read (and refused) before computers' own code loads.
    from shopdb_computers import api
    from shopdb_computers.collector import ComputerCollector
    from shopdb_computers.computers import service
    from shopdb_computers.computers.models import Computer
    from shopdb_computers.models import Idempotency, Outbox

    core_client = core or CoreClient(service=manifest.name, settings=settings)
    writer = OutboxWriter(service=manifest.name, table=Outbox)
    domain = DomainAssets(
        database=database, model=Computer, core=core_client, writer=writer, idempotency=Idempotency,
        asset_types=(service.ASSET_TYPE,), entity_type=service.ENTITY, snapshot=service.snapshot,
    )
    start_background, stop_background = background_hooks(service=manifest.name, domain=domain, settings=settings)

    def close_core(_app: FastAPI) -> None:
        core_client.close()

    def freeze_heap(_app: FastAPI) -> None:
        # What start-up built lives as long as the process: out of the cyclic collector's
        # sight, a push that decodes 40,000 small objects no longer makes it walk them all
        # again (ADR-010). Once per process: a later app (tests build many) must stay collectable.
        global _frozen
        if not _frozen:
            _frozen = True
            gc.collect()
            gc.freeze()

    app = create_service_app(
        manifest=manifest,
        settings=settings,
        database=database,
        routers=api.routers(manifest, settings),
        on_startup=[start_background, freeze_heap],
        on_shutdown=[stop_background, close_core],
        register=register,
        outbox=Outbox,
        **factory,
    )
    app.state.core = core_client
    app.state.domain = domain
    app.state.collector_target = ComputerCollector(domain=domain, spec=manifest.collector)
    return app
