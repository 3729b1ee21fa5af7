"""Reference data: asset types (core's and those services declare), statuses, relationship
types, vendors and models."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopdb_contract.errors import ConflictError, NotFoundError, ValidationProblem
from shopdb_contract.manifest import AssetTypeSpec
from shopdb_core.reference.models import AssetModel, AssetStatus, AssetType, RelationshipType, Vendor

# Statuses whose assets are gone from the floor; the default asset list leaves them out.
RETIRED = "retired"
GONE_STATUSES = ("retired", "disposed")


# --- representations ----------------------------------------------------------------------


def asset_type_out(row: AssetType) -> dict[str, Any]:
    return {"name": row.name, "label": row.label, "service": row.service}


def status_out(row: AssetStatus) -> dict[str, Any]:
    return {"key": row.key, "label": row.label}


def relationship_type_out(row: RelationshipType) -> dict[str, Any]:
    return {"name": row.name, "label": row.label, "inverselabel": row.inverselabel}


def vendor_out(row: Vendor) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def model_out(row: AssetModel) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "vendor": {"id": str(row.vendor.id), "name": row.vendor.name},
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


# --- asset types, statuses, relationship types ---------------------------------------------


def list_asset_types(session: Session) -> list[AssetType]:
    return list(session.scalars(select(AssetType).order_by(AssetType.name)))


def get_asset_type(session: Session, *, name: str) -> AssetType:
    row = session.get(AssetType, name)
    if row is None:
        raise NotFoundError(f"no asset type {name!r}")
    return row


def require_asset_type(session: Session, *, name: str, field: str = "type") -> AssetType:
    row = session.get(AssetType, name)
    if row is None:
        known = ", ".join(t.name for t in list_asset_types(session))
        raise ValidationProblem(f"{name!r} is not a registered asset type; known: {known}", field=field)
    return row


def sync_asset_types(session: Session, *, service: str, asset_types: Iterable[AssetTypeSpec]) -> list[AssetType]:
    """Make the asset types a service owns match its manifest.

    Called when a service registers. New types are added and labels updated; a type another
    service owns is refused; a type the manifest dropped is removed unless assets still use
    it (they keep their type until someone changes them). Flushes, does not commit.
    """
    from shopdb_core.assets.models import Asset  # assets depend on reference, not the reverse

    wanted = {spec.name: spec for spec in asset_types}
    existing = {row.name: row for row in session.scalars(select(AssetType).where(AssetType.name.in_(wanted)))}
    for name, row in existing.items():
        if row.service != service:
            raise ConflictError(
                f"asset type {name!r} belongs to service {row.service!r}; {service!r} cannot declare it",
                field="asset_types",
            )
    result = []
    for name, spec in wanted.items():
        row = existing.get(name)
        if row is None:
            row = AssetType(name=name, label=spec.label, service=service)
            session.add(row)
        else:
            row.label = spec.label
        result.append(row)
    dropped = session.scalars(
        select(AssetType).where(AssetType.service == service, AssetType.name.not_in(wanted))
    ).all()
    for row in dropped:
        in_use = session.scalar(select(func.count()).select_from(Asset).where(Asset.type == row.name))
        if not in_use:
            session.delete(row)
    session.flush()
    return result


def list_statuses(session: Session) -> list[AssetStatus]:
    return list(session.scalars(select(AssetStatus).order_by(AssetStatus.sortorder, AssetStatus.key)))


def require_status(session: Session, *, key: str, field: str = "status") -> AssetStatus:
    row = session.get(AssetStatus, key)
    if row is None:
        known = ", ".join(s.key for s in list_statuses(session))
        raise ValidationProblem(f"{key!r} is not a status; known: {known}", field=field)
    return row


def list_relationship_types(session: Session) -> list[RelationshipType]:
    return list(session.scalars(select(RelationshipType).order_by(RelationshipType.name)))


def require_relationship_type(session: Session, *, name: str, field: str = "type") -> RelationshipType:
    row = session.get(RelationshipType, name)
    if row is None:
        known = ", ".join(t.name for t in list_relationship_types(session))
        raise ValidationProblem(f"{name!r} is not a relationship type; known: {known}", field=field)
    return row


# --- vendors ----------------------------------------------------------------------------------


def get_vendor(session: Session, *, vendor_id: uuid.UUID) -> Vendor:
    row = session.get(Vendor, vendor_id)
    if row is None:
        raise NotFoundError(f"no vendor with id {vendor_id}")
    return row


def require_vendor(session: Session, *, vendor_id: uuid.UUID, field: str = "vendor") -> Vendor:
    row = session.get(Vendor, vendor_id)
    if row is None:
        raise ValidationProblem(f"no vendor with id {vendor_id}", field=field)
    return row


def _check_vendor_name(session: Session, name: str, *, exclude: uuid.UUID | None = None) -> None:
    other = session.scalar(select(Vendor).where(Vendor.name == name))
    if other is not None and other.id != exclude:
        raise ConflictError(f"a vendor named {name!r} exists already (id {other.id})", field="name")


def create_vendor(session: Session, *, name: str) -> Vendor:
    _check_vendor_name(session, name)
    row = Vendor(name=name)
    session.add(row)
    session.flush()
    return row


def update_vendor(session: Session, *, vendor: Vendor, changes: dict[str, Any]) -> Vendor:
    if "name" in changes and changes["name"] != vendor.name:
        _check_vendor_name(session, changes["name"], exclude=vendor.id)
        vendor.name = changes["name"]
    session.flush()
    return vendor


def delete_vendor(session: Session, *, vendor: Vendor) -> None:
    from shopdb_core.assets.models import Asset

    models = session.scalar(select(func.count()).select_from(AssetModel).where(AssetModel.vendor_id == vendor.id))
    assets = session.scalar(select(func.count()).select_from(Asset).where(Asset.vendor_id == vendor.id))
    if models or assets:
        raise ConflictError(
            f"vendor {vendor.name!r} is still used by {models} model(s) and {assets} asset(s)",
            models=models, assets=assets,
        )
    session.delete(vendor)
    session.flush()


# --- models -----------------------------------------------------------------------------------


def get_model(session: Session, *, model_id: uuid.UUID) -> AssetModel:
    row = session.get(AssetModel, model_id)
    if row is None:
        raise NotFoundError(f"no model with id {model_id}")
    return row


def require_model(session: Session, *, model_id: uuid.UUID, field: str = "model") -> AssetModel:
    row = session.get(AssetModel, model_id)
    if row is None:
        raise ValidationProblem(f"no model with id {model_id}", field=field)
    return row


def _check_model_name(session: Session, vendor_id: uuid.UUID, name: str, *, exclude: uuid.UUID | None = None) -> None:
    other = session.scalar(select(AssetModel).where(AssetModel.vendor_id == vendor_id, AssetModel.name == name))
    if other is not None and other.id != exclude:
        raise ConflictError(f"the vendor has a model named {name!r} already (id {other.id})", field="name")


def create_model(session: Session, *, vendor_id: uuid.UUID, name: str) -> AssetModel:
    vendor = require_vendor(session, vendor_id=vendor_id)
    _check_model_name(session, vendor.id, name)
    row = AssetModel(vendor=vendor, name=name)
    session.add(row)
    session.flush()
    return row


def update_model(session: Session, *, model: AssetModel, changes: dict[str, Any]) -> AssetModel:
    vendor_id = model.vendor_id
    if "vendor" in changes:
        vendor_id = require_vendor(session, vendor_id=changes["vendor"]).id
    name = changes.get("name", model.name)
    if vendor_id != model.vendor_id or name != model.name:
        _check_model_name(session, vendor_id, name, exclude=model.id)
    if vendor_id != model.vendor_id:
        model.vendor = session.get(Vendor, vendor_id)
    model.name = name
    session.flush()
    return model


def delete_model(session: Session, *, model: AssetModel) -> None:
    from shopdb_core.assets.models import Asset

    assets = session.scalar(select(func.count()).select_from(Asset).where(Asset.model_id == model.id))
    if assets:
        raise ConflictError(f"model {model.name!r} is still used by {assets} asset(s)", assets=assets)
    session.delete(model)
    session.flush()
