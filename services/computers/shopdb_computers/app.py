"""Build computers' app: `create_app()` is what `python -m shopdb_contract.serve services/computers` runs."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi import FastAPI

from shopdb_contract.coreclient import CoreClient
from shopdb_contract.domain import create_domain_app
from shopdb_contract.manifest import ServiceManifest
from shopdb_computers import mysqlescape
from shopdb_computers.settings import ComputersSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent
_frozen = False


def freeze_heap(_app: FastAPI) -> None:
    # What start-up built lives as long as the process: out of the cyclic collector's
    # sight, a push that decodes 40,000 small objects no longer makes it walk them all
    # again (ADR-010). Once per process: a later app (tests build many) must stay collectable.
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def create_app(
    manifest: ServiceManifest | None = None,
    settings: ComputersSettings | None = None,
    *,
    core: CoreClient | None = None,
    register: bool = True,
    **factory: object,
) -> FastAPI:
    """`core` lets tests hand in a client over an in-process core; by default core_url is used."""
    mysqlescape.install()
    return create_domain_app(
        SERVICE_DIR, resource="shopdb_computers.api:ComputerResource", settings_class=ComputersSettings,
        manifest=manifest, settings=settings, core=core, register=register,
        routers=lambda _resource: [_computer_types()], on_startup=[freeze_heap], **factory,
    )


def _computer_types():
    from shopdb_computers.reference.api import router

    return router
