"""Core's routers, in the order they are mounted (the catch-all for unknown services last)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from shopdb_core.assets.api import router as assets
    from shopdb_core.assets.internal_api import relationships_router as relationships_internal, router as assets_internal
    from shopdb_core.audit.api import router as audit
    from shopdb_core.gateway.api import fallback_router, internal_router as gateway_internal
    from shopdb_core.identity.api import internal_router as identity_internal
    from shopdb_core.identity.api import router as identity
    from shopdb_core.identity.api import tokens, users
    from shopdb_core.locations.api import router as locations
    from shopdb_core.reference.api import router as reference
    from shopdb_core.registry.api import internal_router as registry_internal
    from shopdb_core.registry.api import router as registry
    from shopdb_core.relationships.api import router as relationships
    from shopdb_core.sitesettings.api import router as sitesettings

    return [
        identity,
        tokens,
        users,
        reference,  # /api/assets/types etc. before /api/assets/{id}
        assets,
        locations,
        relationships,
        audit,
        sitesettings,
        registry,
        registry_internal,
        gateway_internal,
        identity_internal,
        assets_internal,
        relationships_internal,
        fallback_router,  # must stay last: it answers every /api path nobody else took
    ]


def startup_hooks():
    from shopdb_core.audit.store import start_store_task
    from shopdb_core.identity.startup import ensure_signing_key
    from shopdb_core.registry.service import record_core_on_startup

    return [ensure_signing_key, record_core_on_startup, start_store_task]


def shutdown_hooks():
    from shopdb_core.audit.store import stop_store_task

    return [stop_store_task]
