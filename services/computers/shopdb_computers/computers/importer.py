"""CSV import of PCs, upserted by hostname (the contract's importer, ADR-005).

Columns: the scalar fields of a computer's create body (applications and interfaces are the
collectors' to report). Aliases for the headers legacy lists use: `host`/`computername`
(hostname), `type` (computertype), `os` (osname), `user` (lastuser), `serial` (serialnumber).
A PC created by an import without a `source` column has source `import`. Rows are checked and
written by the same functions as `POST` and `PATCH /api/computers`.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy import select

from shopdb_contract.domainasset import PENDING, DomainAssets, request_hash
from shopdb_contract.importer import Existing, ImportSpec, asset_values, import_router
from shopdb_contract.manifest import CollectorSpec
from shopdb_contract.outbox import Actor
from shopdb_computers.computers import service
from shopdb_computers.computers.models import Computer
from shopdb_computers.computers.schemas import ComputerCreate, ComputerUpdate
from shopdb_computers.reference import service as reference

SPEC = ImportSpec(
    identityfield="hostname",
    fields=(*service.SCALARS, *service.CORE_FIELDS),
    aliases={"host": "hostname", "computername": "hostname", "type": "computertype", "os": "osname",
             "user": "lastuser", "serial": "serialnumber"},
)
IMPORT_SOURCE = "import"


class ComputerImport:
    create_model = ComputerCreate
    update_model = ComputerUpdate

    def __init__(self, domain: DomainAssets, spec: CollectorSpec) -> None:
        self.domain = domain
        self.spec = spec

    def existing(self, keys: list[str], *, columns: set[str]) -> dict[str, Existing]:
        if not keys:
            return {}
        with self.domain.database.session() as session:
            rows = list(session.scalars(
                select(Computer).where(Computer.hostname_key.in_(keys), Computer.state != PENDING)
            ))
        core_columns = [name for name in service.CORE_FIELDS if name in columns]
        found = {}
        for row in rows:
            values: dict[str, Any] = {name: getattr(row, name) for name in service.SCALARS}
            if core_columns:
                # Only when the file has core's columns: one read of core per known PC.
                values.update(asset_values(self.domain.core.get_asset(row.id), core_columns))
            found[row.hostname_key] = Existing(id=str(row.id), values=values)
        return found

    def check_create(self, data: dict[str, Any]) -> None:
        self._check_type(data)

    def check_update(self, current: Existing, changes: dict[str, Any]) -> None:
        self._check_type(changes)

    def _check_type(self, data: dict[str, Any]) -> None:
        if data.get("computertype"):
            with self.domain.database.session() as session:
                reference.require_computer_type(session, key=data["computertype"])

    def create(self, data: dict[str, Any], *, actor: Actor) -> str:
        data = {"source": IMPORT_SOURCE, **data}
        created = service.create_computer(
            domain=self.domain, spec=self.spec, data=data, actor=actor,
            idempotency_key=None, fingerprint=request_hash(data),
        )
        return created.body["id"]

    def update(self, current: Existing, changes: dict[str, Any], *, actor: Actor) -> None:
        with self.domain.database.session() as session:
            row = self.domain.get_visible(session, uuid.UUID(current.id))
            service.update_computer(session, domain=self.domain, spec=self.spec, row=row, changes=changes, actor=actor)
            session.commit()


def router(manifest):
    def target(request: Request) -> ComputerImport:
        return ComputerImport(request.app.state.domain, manifest.collector)

    return import_router(prefix="/api/computers", spec=SPEC, target=target)
