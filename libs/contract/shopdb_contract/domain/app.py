"""`create_domain_app()`: a domain service's whole app from its declaration.

    def create_app(manifest=None, settings=None, *, core=None, register=True, **factory):
        return create_domain_app(
            SERVICE_DIR, resource="shopdb_equipment.equipment.resource:EquipmentResource",
            settings_class=EquipmentSettings, manifest=manifest, settings=settings, core=core,
            register=register, **factory,
        )

The manifest is read (and refused) before the resource's module is imported, so a broken
manifest stops a service before any of its own code loads. The app gets the resource's
routes (routes.py), the collector push when the manifest declares one, the CSV import and
export, the core-events consumer (assets retired or restored in core mirrored here) and the
sweeper of creates that never finished. `routers` are a service's own routers (mounted
before the resource's `/{id}` routes); `on_startup`/`on_shutdown` its own hooks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI

from shopdb_contract.app import create_service_app
from shopdb_contract.coreclient import CoreClient
from shopdb_contract.db import Database
from shopdb_contract.manifest import ServiceManifest, load_manifest
from shopdb_contract.settings import ServiceSettings

__all__ = ["create_domain_app", "load_resource"]


def load_resource(spec: str | type) -> type:
    """A resource class from `"package.module:ClassName"` (or the class itself)."""
    if not isinstance(spec, str):
        return spec
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def create_domain_app(
    service_dir: Path,
    *,
    resource: str | type,
    settings_class: type[ServiceSettings] = ServiceSettings,
    manifest: ServiceManifest | None = None,
    settings: ServiceSettings | None = None,
    core: CoreClient | None = None,
    register: bool = True,
    routers: Sequence[APIRouter] | Callable[[Any], Sequence[APIRouter]] = (),
    on_startup: Sequence[Callable] = (),
    on_shutdown: Sequence[Callable] = (),
    **factory: Any,
) -> FastAPI:
    """`core` lets tests hand in a client over an in-process core; by default `core_url` is used.
    `routers` may be a function of the bound resource (for routers that need it)."""
    from shopdb_contract.domain.routes import domain_routers
    from shopdb_contract.domainasset import background_hooks
    from shopdb_contract.outbox import OutboxWriter

    manifest = manifest or load_manifest(service_dir)
    settings = settings or settings_class()
    database = Database(settings.database_url_for(manifest.name))
    resource_class = load_resource(resource)

    core_client = core or CoreClient(service=manifest.name, settings=settings)
    writer = OutboxWriter(service=manifest.name, table=resource_class.outbox)
    bound = resource_class(database=database, core=core_client, writer=writer, manifest=manifest, settings=settings)
    # Mirrors assets retired or restored in core; sweeps creates that never finished.
    start_background, stop_background = background_hooks(service=manifest.name, domain=bound.domain, settings=settings)

    def close_core(_app: FastAPI) -> None:
        core_client.close()

    extra = routers(bound) if callable(routers) else routers
    app = create_service_app(
        manifest=manifest,
        settings=settings,
        database=database,
        routers=domain_routers(bound, extra=extra),
        on_startup=[start_background, *on_startup],
        on_shutdown=[stop_background, *on_shutdown, close_core],
        register=register,
        outbox=resource_class.outbox,
        **factory,
    )
    app.state.core = core_client
    app.state.writer = writer
    app.state.resource = bound
    app.state.domain = bound.domain
    app.state.collector_target = bound.collector
    return app
