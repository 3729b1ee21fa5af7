"""Equipment's routers, in the order they are mounted (fixed paths before /{id})."""

from __future__ import annotations

from fastapi import APIRouter

from shopdb_contract.manifest import ServiceManifest


def routers(manifest: ServiceManifest) -> list[APIRouter]:
    from shopdb_equipment.collector import router as collector
    from shopdb_equipment.equipment.api import router as equipment
    from shopdb_equipment.equipment.importer import router as importer
    from shopdb_equipment.reference.api import router as reference

    return [reference, collector(manifest), importer(), equipment]
