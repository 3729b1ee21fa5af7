"""Computers: list, read, create (a core asset plus details, or neither), update, retire, restore.

Functions take the session or the `DomainAssets` saga and keyword arguments; the routers in
api.py stay thin.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from shopdb_contract import listing
from shopdb_contract.collector import check_locks
from shopdb_contract.coreclient import CoreClient, CoreUnavailable
from shopdb_contract.db import utcnow
from shopdb_contract.domainasset import ACTIVE, PENDING, Created, DomainAssets
from shopdb_contract.errors import ConflictError, ValidationProblem
from shopdb_contract.manifest import CollectorSpec
from shopdb_contract.outbox import Actor
from shopdb_computers.computers.models import (
    SEPARATOR,
    ApplicationList,
    Computer,
    Interface,
    application_item,
    application_items,
    application_row,
)
from shopdb_computers.reference import service as reference

ENTITY = "computer"
ASSET_TYPE = "computer"

FILTERS = {
    "id": listing.FilterField(Computer.id, uuid.UUID),
    "hostname": listing.FilterField(Computer.hostname),
    "computertype": listing.FilterField(Computer.computertype),
    "osname": listing.FilterField(Computer.osname),
    "osversion": listing.FilterField(Computer.osversion),
    "osbuild": listing.FilterField(Computer.osbuild),
    "domain": listing.FilterField(Computer.domain),
    "lastuser": listing.FilterField(Computer.lastuser),
    "source": listing.FilterField(Computer.source),
    "state": listing.FilterField(Computer.state),
    "last_seen": listing.FilterField(Computer.last_seen, datetime),
    "created": listing.FilterField(Computer.created, datetime),
    "updated": listing.FilterField(Computer.updated, datetime),
}
ORDERING = {
    "hostname": Computer.hostname_key,
    "computertype": Computer.computertype,
    "osname": Computer.osname,
    "lastuser": Computer.lastuser,
    "last_seen": Computer.last_seen,
    "created": Computer.created,
    "updated": Computer.updated,
}
# `application` (installed, by name; `application__ic` for part of it), `location` (core
# location with everything below it), `not_seen_since` (never seen counts), `include_retired`.
EXTRA_PARAMS = ("application", "application__ic", "location", "not_seen_since", "include_retired", "q")

SCALARS = (
    "hostname", "computertype", "osname", "osversion", "osbuild", "domain", "lastuser", "lastboot", "cpu",
    "memory_mb", "disk_gb", "warrantyend", "source",
)
CORE_FIELDS = ("assetnumber", "name", "location", "serialnumber")
# A list shows how many applications a PC has, not which: the count, without the document.
_CHILDREN = (selectinload(Computer.application_list).load_only(ApplicationList.count), selectinload(Computer.interfaces))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def applications_of(session: Session, computer_id: uuid.UUID) -> list[dict[str, Any]]:
    return application_items(session.scalar(select(ApplicationList.document).where(ApplicationList.computer_id == computer_id)))


def interface_out(row: Interface) -> dict[str, Any]:
    return {"name": row.name, "mac": row.mac, "ipaddresses": list(row.ipaddresses or [])}


def snapshot(session: Session, row: Computer) -> dict[str, Any]:
    """The audited view of a computer: its details with applications and interfaces."""
    out = {name: _iso(getattr(row, name)) for name in SCALARS}
    out["state"] = row.state
    out["locked_fields"] = list(row.locked_fields or [])
    out["applications"] = applications_of(session, row.id)
    out["interfaces"] = [interface_out(i) for i in _children(session, row, Interface)]
    return out


def _children(session: Session, row: Computer, model) -> list:
    return list(session.scalars(select(model).where(model.computer_id == row.id).order_by(model.id)))


def _asset_fields(asset: dict[str, Any] | None) -> dict[str, Any]:
    if asset is None:
        return {name: None for name in ("assetnumber", "name", "status", "location", "serialnumber")}
    return {
        "assetnumber": asset.get("assetnumber"),
        "name": asset.get("name"),
        "status": asset.get("status"),
        "location": asset.get("location"),
        "serialnumber": asset.get("serialnumber"),
    }


def computer_out(session: Session, row: Computer, asset: dict[str, Any] | None) -> dict[str, Any]:
    """A computer with its core asset's fields beside its details."""
    return {
        "id": str(row.id),
        **{name: _iso(getattr(row, name)) for name in SCALARS},
        "last_seen": _iso(row.last_seen),
        "locked_fields": list(row.locked_fields or []),
        "state": row.state,
        **_asset_fields(asset),
        "applications": applications_of(session, row.id),
        "interfaces": [interface_out(i) for i in _children(session, row, Interface)],
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def computer_brief(row: Computer) -> dict[str, Any]:
    return {"id": str(row.id), "hostname": row.hostname, "computertype": row.computertype, "state": row.state}


def computer_list_item(row: Computer, asset: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": str(row.id),
        **{name: _iso(getattr(row, name)) for name in SCALARS},
        "last_seen": _iso(row.last_seen),
        "state": row.state,
        "assetnumber": asset.get("assetnumber") if asset else None,
        "status": asset.get("status") if asset else None,
        "applications": row.application_list.count if row.application_list is not None else 0,
        "interfaces": [interface_out(i) for i in row.interfaces],
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def core_asset(core: CoreClient, asset_id: uuid.UUID) -> dict[str, Any] | None:
    """The core side of a computer; a read shows the details even while core is away."""
    try:
        return core.get_asset(asset_id)
    except CoreUnavailable:
        return None


# --- list -----------------------------------------------------------------------------------


def list_computers(session: Session, *, query: listing.ListQuery, core: CoreClient) -> tuple[int, list[Computer]]:
    conditions = listing.filter_conditions(query, FILTERS)
    conditions.append(Computer.state != PENDING)
    include_retired = (query.first("include_retired") or "").lower() in ("true", "1", "yes")
    if "state" not in query.names() and not include_retired:
        conditions.append(Computer.state == ACTIVE)
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
            since = listing._parse_datetime(raw_since)
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
        ids = [uuid.UUID(a["id"]) for a in core.query_assets(type=ASSET_TYPE, location=location_id, include_retired=True)]
        conditions.append(Computer.id.in_(ids))
    text = (query.first("q") or "").strip()
    if text:
        pattern = f"%{listing.escape_like(text)}%"
        conditions.append(or_(*(c.ilike(pattern, escape="\\") for c in (Computer.hostname, Computer.osname, Computer.lastuser, Computer.domain))))
    statement = select(Computer) if query.brief else select(Computer).options(*_CHILDREN)
    return listing.fetch_page(
        session, statement, count_from=Computer, conditions=conditions,
        order_by=listing.order_clauses(query.ordering or ["hostname"], ORDERING, tiebreak=Computer.id, unique=("hostname",)),
        limit=query.limit, offset=query.offset,
    )


# --- create ---------------------------------------------------------------------------------


def _details(data: dict[str, Any], spec: CollectorSpec) -> dict[str, Any]:
    details = {name: data[name] for name in SCALARS if name in data}
    details["hostname_key"] = data["hostname"].casefold()
    details["locked_fields"] = check_locks(spec, data.get("locked_fields") or [])
    return details


def _check_hostname(session: Session, hostname: str, *, exclude: uuid.UUID | None = None) -> None:
    other = session.scalar(select(Computer.id).where(Computer.hostname_key == hostname.casefold()))
    if other is not None and other != exclude:
        raise ConflictError(f"a computer named {hostname!r} exists (computer {other})", field="hostname", existing=str(other))


def _write_children(session: Session, row: Computer, data: dict[str, Any]) -> None:
    if data.get("applications") is not None:
        session.execute(delete(ApplicationList).where(ApplicationList.computer_id == row.id))
        items = [application_item(a) for a in data["applications"]]
        if items:
            session.execute(insert(ApplicationList), [application_row(row.id, items)])
    if data.get("interfaces") is not None:
        session.query(Interface).filter(Interface.computer_id == row.id).delete(synchronize_session=False)
        session.add_all(Interface(computer_id=row.id, **i) for i in data["interfaces"])


def create_computer(
    *, domain: DomainAssets, spec: CollectorSpec, data: dict[str, Any], actor: Actor,
    idempotency_key: str | None, fingerprint: str,
) -> Created:
    details = _details(data, spec)
    asset = {
        "assetnumber": data.get("assetnumber") or data["hostname"].upper(),
        "name": data.get("name") or data["hostname"],
        "serialnumber": data.get("serialnumber") or "",
    }
    if data.get("location") is not None:
        asset["location"] = data["location"]

    def check(session: Session) -> None:
        _check_hostname(session, data["hostname"])
        if details.get("computertype"):
            reference.require_computer_type(session, key=details["computertype"])

    def render(session: Session, row: Computer, _upserted: dict[str, Any]) -> dict[str, Any]:
        return computer_out(session, row, core_asset(domain.core, row.id))

    return domain.create(
        details=details, asset=asset, actor=actor, render=render, check=check,
        children=lambda session, row: _write_children(session, row, data),
        idempotency_key=idempotency_key, fingerprint=fingerprint,
    )


# --- update ---------------------------------------------------------------------------------


def update_computer(
    session: Session, *, domain: DomainAssets, spec: CollectorSpec, row: Computer, changes: dict[str, Any], actor: Actor
) -> Computer:
    """Details and core fields together; the core asset is written before the details commit,
    so a refusal by core leaves both as they were."""
    core_changes = {name: changes.pop(name) for name in CORE_FIELDS if name in changes}
    before = snapshot(session, row)
    if "hostname" in changes and changes["hostname"] is not None:
        _check_hostname(session, changes["hostname"], exclude=row.id)
        row.hostname = changes["hostname"]
        row.hostname_key = changes["hostname"].casefold()
    if changes.get("computertype"):
        reference.require_computer_type(session, key=changes["computertype"])
    if "locked_fields" in changes:
        changes["locked_fields"] = check_locks(spec, changes["locked_fields"] or [])
        row.locked_fields = changes["locked_fields"]
    for name in SCALARS:
        if name != "hostname" and name in changes:
            value = changes[name]
            if value is None and name in ("osname", "osversion", "osbuild", "domain", "lastuser", "cpu", "source"):
                value = ""
            setattr(row, name, value)
    _write_children(session, row, changes)
    session.flush()
    after = snapshot(session, row)
    if after != before:
        row.updated = utcnow()
    if core_changes:
        core_changes = {k: v for k, v in core_changes.items() if v is not None}
        domain.core.upsert_asset({"id": row.id, **core_changes}, actor=actor)
    domain.writer.audit_log(
        session, entity_type=ENTITY, entity_id=row.id, action="update", before=before, after=after, actor=actor
    )
    session.flush()
    return row


def stale_computers(session: Session, *, before: datetime, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    conditions = [
        Computer.state == ACTIVE,
        or_(Computer.last_seen < before, Computer.last_seen.is_(None) & (Computer.created < before)),
    ]
    count, rows = listing.fetch_page(
        session, select(Computer), count_from=Computer, conditions=conditions,
        order_by=[Computer.last_seen.asc(), Computer.id], limit=limit, offset=offset,
    )
    return count, [
        {"id": str(r.id), "hostname": r.hostname, "last_seen": _iso(r.last_seen), "source": r.source} for r in rows
    ]

