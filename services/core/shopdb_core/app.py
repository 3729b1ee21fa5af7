"""Build core's app: `create_app()` is what `python -m shopdb_contract.serve services/core` runs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shopdb_contract.app import create_service_app
from shopdb_contract.db import Database
from shopdb_contract.manifest import ServiceManifest, load_manifest
from shopdb_core.settings import CoreSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent


def create_app(manifest: ServiceManifest | None = None, settings: CoreSettings | None = None) -> FastAPI:
    manifest = manifest or load_manifest(SERVICE_DIR)
    settings = settings or CoreSettings()
    database = Database(settings.database_url_for(manifest.name))

    # Imported here so the manifest is read (and refused) before core's own code loads.
    from shopdb_core import api
    from shopdb_core.audit.models import Outbox
    from shopdb_core.identity.api import PUBLIC_PATHS
    from shopdb_core.identity.authn import build_authenticator

    return create_service_app(
        manifest=manifest,
        settings=settings,
        database=database,
        routers=api.routers(),
        on_startup=api.startup_hooks(),
        on_shutdown=api.shutdown_hooks(),
        # Core does not register with itself over HTTP; it records itself at start-up.
        register=False,
        outbox=Outbox,
        authenticator=build_authenticator(database, settings),
        public_paths=PUBLIC_PATHS,
    )
