"""Computers declared as a domain resource: a PC is a core asset of type `computer` plus its
details here (hostname, OS, hardware, last user) with its installed applications and network
interfaces as children.

Routes, the create saga, the CSV import and export and the core-events consumer come from the
declaration. What is special here: hostnames are unique without case (`hostname_key`), the
children are written and audited with the PC, a list shows how many applications a PC has
(not which), the list filters by installed application, core location and last sighting, and
the collector push has its own bulk path for 1,000 PCs at a time (collector.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from shopdb_contract import listing
from shopdb_contract.domain import DomainResource, Reference, iso
from shopdb_contract.errors import ConflictError, ValidationProblem
from shopdb_computers.computers.models import (
    SEPARATOR, ApplicationList, Computer, Interface, application_item, application_items, application_row,
)
from shopdb_computers.computers.schemas import ComputerCreate, ComputerUpdate
from shopdb_computers.models import Idempotency, Outbox
from shopdb_computers.reference.models import ComputerType

ENTITY = "computer"
ASSET_TYPE = "computer"
SCALARS = (
    "hostname", "computertype", "osname", "osversion", "osbuild", "domain", "lastuser", "lastboot", "cpu",
    "memory_mb", "disk_gb", "warrantyend", "source",
)
CORE_FIELDS = ("assetnumber", "name", "location", "serialnumber")
# Text fields a PATCH may clear with null: stored blank.
_BLANKABLE = ("osname", "osversion", "osbuild", "domain", "lastuser", "cpu", "source")
# A list shows how many applications a PC has, not which: the count, without the document.
_CHILDREN = (selectinload(Computer.application_list).load_only(ApplicationList.count), selectinload(Computer.interfaces))


def applications_of(session: Session, computer_id: uuid.UUID) -> list[dict[str, Any]]:
    return application_items(session.scalar(select(ApplicationList.document).where(ApplicationList.computer_id == computer_id)))


def interfaces_of(session: Session, computer_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.scalars(select(Interface).where(Interface.computer_id == computer_id).order_by(Interface.id))
    return [interface_out(i) for i in rows]


def interface_out(row: Interface) -> dict[str, Any]:
    return {"name": row.name, "mac": row.mac, "ipaddresses": list(row.ipaddresses or [])}


class ComputerResource(DomainResource):
    entity = ENTITY
    asset_type = ASSET_TYPE
    model = Computer
    create_model = ComputerCreate
    update_model = ComputerUpdate
    identity = "hostname"
    identity_key = "hostname_key"
    fields = SCALARS
    core_fields = CORE_FIELDS
    shown_core_fields = ("assetnumber", "name", "status", "location", "serialnumber")
    brief_fields = ("computertype",)
    hash_column = "collector_hash"
    references = {
        "computertype": Reference(
            ComputerType, label="computer type", path="/types", columns=("key", "label", "sortorder"),
            order_by=("sortorder", "key"), lower=False,
        ),
    }
    filters = {
        "id": listing.FilterField(Computer.id, uuid.UUID),
        **{name: listing.FilterField(getattr(Computer, name)) for name in (
            "hostname", "computertype", "osname", "osversion", "osbuild", "domain", "lastuser", "source", "state",
        )},
        "last_seen": listing.FilterField(Computer.last_seen, datetime),
        "created": listing.FilterField(Computer.created, datetime),
        "updated": listing.FilterField(Computer.updated, datetime),
    }
    ordering = {
        "hostname": Computer.hostname_key, "computertype": Computer.computertype, "osname": Computer.osname,
        "lastuser": Computer.lastuser, "last_seen": Computer.last_seen, "created": Computer.created,
        "updated": Computer.updated,
    }
    # `application` (installed, by name; `application__ic` for part of it), `location` (core
    # location with everything below it), `not_seen_since` (never seen counts), `q` (text).
    extra_params = ("application", "application__ic", "location", "not_seen_since", "q")
    import_aliases = {
        "host": "hostname", "computername": "hostname", "type": "computertype", "os": "osname",
        "user": "lastuser", "serial": "serialnumber",
    }
    import_defaults = {"source": "import"}
    outbox = Outbox
    idempotency = Idempotency

    # --- reads ---------------------------------------------------------------------------------

    def snapshot(self, session: Session, row: Computer) -> dict[str, Any]:
        """The audited view of a computer: its details with applications and interfaces."""
        out = {name: iso(getattr(row, name)) for name in SCALARS}
        out["state"] = row.state
        out["locked_fields"] = list(row.locked_fields or [])
        out["applications"] = applications_of(session, row.id)
        out["interfaces"] = interfaces_of(session, row.id)
        return out

    def item_out(self, session: Session, row: Computer, asset, *, authorization: str | None = None) -> dict[str, Any]:
        return {
            "id": str(row.id),
            **{name: iso(getattr(row, name)) for name in SCALARS},
            "last_seen": iso(row.last_seen),
            "locked_fields": list(row.locked_fields or []),
            "state": row.state,
            **self.asset_out(asset),
            "applications": applications_of(session, row.id),
            "interfaces": interfaces_of(session, row.id),
            "created": row.created.isoformat(),
            "updated": row.updated.isoformat(),
        }

    def list_item(self, row: Computer, asset) -> dict[str, Any]:
        return {
            "id": str(row.id),
            **{name: iso(getattr(row, name)) for name in SCALARS},
            "last_seen": iso(row.last_seen),
            "state": row.state,
            "assetnumber": asset.get("assetnumber") if asset else None,
            "status": asset.get("status") if asset else None,
            "applications": row.application_list.count if row.application_list is not None else 0,
            "interfaces": [interface_out(i) for i in row.interfaces],
            "created": row.created.isoformat(),
            "updated": row.updated.isoformat(),
        }

    def list_statement(self, query: listing.ListQuery):
        return select(Computer) if query.brief else select(Computer).options(*_CHILDREN)

    def list_conditions(self, session: Session, query: listing.ListQuery) -> list[Any]:
        conditions = []
        for param, ic in (("application", False), ("application__ic", True)):
            for name in query.extra.get(param, []):
                if ic:
                    match = ApplicationList.names.ilike(f"%{listing.escape_like(name)}%", escape="\\")
                else:
                    match = func.instr(ApplicationList.names, SEPARATOR + name.replace(SEPARATOR, " ") + SEPARATOR) > 0
                conditions.append(exists().where(ApplicationList.computer_id == Computer.id, match))
        raw_since = query.first("not_seen_since")
        if raw_since:
            try:
                since = datetime.fromisoformat(raw_since.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationProblem(f"not_seen_since: {raw_since!r} is not a date-time", field="query.not_seen_since") from None
            conditions.append(or_(Computer.last_seen.is_(None), Computer.last_seen < since))
        location = query.first("location")
        if location:
            try:
                location_id = uuid.UUID(location)
            except ValueError:
                raise ValidationProblem(f"location: {location!r} is not a location id", field="query.location") from None
            # Where a PC stands is core's to say: ask it which computers are there.
            assets = self.core.query_assets(type=ASSET_TYPE, location=location_id, include_retired=True)
            conditions.append(Computer.id.in_([uuid.UUID(a["id"]) for a in assets]))
        text = (query.first("q") or "").strip()
        if text:
            pattern = f"%{listing.escape_like(text)}%"
            columns = (Computer.hostname, Computer.osname, Computer.lastuser, Computer.domain)
            conditions.append(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
        return conditions

    # --- rules ---------------------------------------------------------------------------------

    def check(self, session: Session, data, *, current: Computer | None = None) -> None:
        hostname = data.get("hostname")
        if hostname is not None:
            other = session.scalar(select(Computer.id).where(Computer.hostname_key == hostname.casefold()))
            if other is not None and (current is None or other != current.id):
                raise ConflictError(
                    f"a computer named {hostname!r} exists (computer {other})", field="hostname", existing=str(other),
                )
        if data.get("computertype"):
            self.references["computertype"].require(session, data["computertype"], field="computertype")

    # --- writes --------------------------------------------------------------------------------

    def details_of(self, data) -> dict[str, Any]:
        details = {name: data[name] for name in SCALARS if name in data}
        details["hostname_key"] = data["hostname"].casefold()
        details["locked_fields"] = self.check_locks(data.get("locked_fields") or [])
        return details

    def asset_defaults(self, data) -> dict[str, Any]:
        return {"assetnumber": data["hostname"].upper(), "name": data["hostname"], "serialnumber": ""}

    def apply(self, session: Session, row: Computer, changes) -> None:
        if changes.get("hostname") is not None:
            row.hostname = changes["hostname"]
            row.hostname_key = changes["hostname"].casefold()
        if "locked_fields" in changes:
            row.locked_fields = self.check_locks(changes["locked_fields"] or [])
        for name in SCALARS:
            if name != "hostname" and name in changes:
                value = changes[name]
                setattr(row, name, "" if value is None and name in _BLANKABLE else value)

    def write_children(self, session: Session, row: Computer, data) -> None:
        if data.get("applications") is not None:
            session.execute(delete(ApplicationList).where(ApplicationList.computer_id == row.id))
            items = [application_item(a) for a in data["applications"]]
            if items:
                session.execute(insert(ApplicationList), [application_row(row.id, items)])
        if data.get("interfaces") is not None:
            session.query(Interface).filter(Interface.computer_id == row.id).delete(synchronize_session=False)
            session.add_all(Interface(computer_id=row.id, **i) for i in data["interfaces"])

    # --- collector -----------------------------------------------------------------------------

    def collector_target(self):
        from shopdb_computers.collector import ComputerCollector

        return ComputerCollector(resource=self)

    def stale_conditions(self, before: datetime) -> list[Any]:
        return [
            Computer.state == "active",
            or_(Computer.last_seen < before, Computer.last_seen.is_(None) & (Computer.created < before)),
        ]
