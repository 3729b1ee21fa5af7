"""A declared resource's CSV import target (the contract's importer, ADR-005).

Columns: the resource's fields and the core fields it takes, plus its `import_aliases`. Rows
are checked and written by the resource's own `check`, `create` and `update`: the same rules
as `POST` and `PATCH`. A record created by an import gets the resource's `import_defaults`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from shopdb_contract.domainasset import PENDING
from shopdb_contract.importer import Existing, ImportSpec, asset_values
from shopdb_contract.outbox import Actor

if TYPE_CHECKING:
    from shopdb_contract.domain.resource import DomainResource

__all__ = ["DomainImport", "import_spec"]


def import_spec(resource: DomainResource) -> ImportSpec:
    fields = list(dict.fromkeys((resource.identity, *resource.fields, *resource.core_fields)))
    return ImportSpec(identityfield=resource.identity, fields=tuple(fields), aliases=dict(resource.import_aliases))


class DomainImport:
    def __init__(self, resource: DomainResource) -> None:
        self.resource = resource
        self.create_model = resource.create_model
        self.update_model = resource.update_model

    def existing(self, keys: list[str], *, columns: set[str]) -> dict[str, Existing]:
        resource = self.resource
        if not keys:
            return {}
        with resource.database.session() as session:
            rows = list(session.scalars(
                select(resource.model).where(resource.identity_match(keys), resource.model.state != PENDING)
            ))
        core_columns = [name for name in resource.core_fields if name in columns and name not in resource.fields]
        found = {}
        for row in rows:
            values: dict[str, Any] = {name: getattr(row, name) for name in resource.fields}
            if core_columns:
                # Only when the file has core's columns: one read of core per known record.
                values.update(asset_values(resource.core.get_asset(row.id), core_columns))
            found[resource.identity_key_of(row)] = Existing(id=str(row.id), values=values, row=row)
        return found

    def check_create(self, data: dict[str, Any]) -> None:
        with self.resource.database.session() as session:
            self.resource.check(session, data)

    def check_update(self, current: Existing, changes: dict[str, Any]) -> None:
        with self.resource.database.session() as session:
            self.resource.check(session, changes, current=current.row)

    def create(self, data: dict[str, Any], *, actor: Actor) -> str:
        data = {**self.resource.import_defaults, **data}
        created = self.resource.create(data, actor=actor, render=lambda _session, row: {"id": str(row.id)})
        return created.body["id"]

    def update(self, current: Existing, changes: dict[str, Any], *, actor: Actor) -> None:
        with self.resource.database.session() as session:
            row = self.resource.get(session, uuid.UUID(current.id))
            self.resource.update(session, row=row, changes=changes, actor=actor)
