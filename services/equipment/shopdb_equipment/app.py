"""Build equipment's app: `create_app()` is what `python -m shopdb_contract.serve services/equipment` runs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shopdb_contract.coreclient import CoreClient
from shopdb_contract.domain import create_domain_app
from shopdb_contract.manifest import ServiceManifest
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
    return create_domain_app(
        SERVICE_DIR, resource="shopdb_equipment.api:EquipmentResource", settings_class=EquipmentSettings,
        manifest=manifest, settings=settings, core=core, register=register, **factory,
    )
