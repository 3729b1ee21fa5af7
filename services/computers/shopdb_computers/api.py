"""Computers' routers, in the order they are mounted (fixed paths before /{id})."""

from __future__ import annotations

from fastapi import APIRouter

from shopdb_contract.manifest import ServiceManifest


def routers(manifest: ServiceManifest, settings) -> list[APIRouter]:
    from shopdb_computers.collector import router as collector_router
    from shopdb_computers.computers.api import router as computers
    from shopdb_computers.computers.importer import router as importer
    from shopdb_computers.reference.api import router as reference

    return [reference, collector_router(manifest, settings), importer(manifest), computers]
