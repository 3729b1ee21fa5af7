"""`DomainResource`: a domain record (a core asset plus its details) declared once.

A service subclasses it and sets class attributes; the contract builds the REST routes, the
create saga, the collector target, the CSV import and export and the core-events consumer
from them (routes.py, collector.py, importer.py, app.py). What is special to one domain is an
override of one of the methods below; nothing else needs writing.

    class EquipmentResource(DomainResource):
        entity = "equipment"
        model = Equipment
        identity = "machinenumber"
        create_model = EquipmentCreate
        update_model = EquipmentUpdate
        fields = ("machinenumber", "equipmenttype", "controllertype", ...)
        core_fields = CoreFields.MAP
        references = {"equipmenttype": Reference(EquipmentType, label="equipment type", path="/types")}

Reads merge the details with the core asset's fields; while core cannot answer, a read still
shows the details (core's fields null). Writes check the declared rules (reference data, a free
identity) before core is asked for anything, then write core's side and the details together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel
from sqlalchemy import Table, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopdb_contract import listing
from shopdb_contract.assetfields import CORE_ASSET_FIELDS
from shopdb_contract.collector import check_locks
from shopdb_contract.coreclient import CoreClient, CoreUnavailable
from shopdb_contract.db import Database, utcnow
from shopdb_contract.domainasset import ACTIVE, PENDING, STATES, Created, DomainAssets, request_hash
from shopdb_contract.errors import ConflictError, ValidationProblem
from shopdb_contract.manifest import CollectorSpec, ServiceManifest
from shopdb_contract.outbox import SYSTEM, Actor, OutboxWriter

__all__ = ["CORE_ASSET_FIELDS", "DomainResource", "Reference", "iso"]

_TRUE = ("true", "1", "yes")


def iso(value: Any) -> Any:
    """A date or date-time as ISO 8601 text (how every answer and audit event carries them)."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


@dataclass(frozen=True)
class Reference:
    """Reference data a field's value must be one of: rows of `model` keyed by `key`.

    `label` names it in messages ("no equipment type 'x'; known: ..."); with `path` its list
    is served at `<prefix><path>` as `{count, results}` with `columns`; `lower` folds a pushed
    value to lower case before it is looked up (keys are lower case).
    """

    model: type
    label: str
    path: str | None = None
    columns: tuple[str, ...] = ("key", "label")
    order_by: tuple[str, ...] = ("key",)
    key: str = "key"
    lower: bool = True

    def rows(self, session: Session) -> list[Any]:
        order = [getattr(self.model, name) for name in self.order_by]
        return list(session.scalars(select(self.model).order_by(*order)))

    def keys(self, session: Session) -> set[str]:
        return set(session.scalars(select(getattr(self.model, self.key))))

    def out(self, row: Any) -> dict[str, Any]:
        return {name: getattr(row, name) for name in self.columns}

    def require(self, session: Session, value: str, *, field: str) -> Any:
        row = session.get(self.model, value)
        if row is None:
            known = ", ".join(getattr(r, self.key) for r in self.rows(session))
            raise ValidationProblem(f"no {self.label} {value!r}; known: {known}", field=field)
        return row


class DomainResource:
    """One kind of domain record, declared by class attributes; see the module's docstring.

    An instance is bound to a running service (`bind`): its saga, core client and outbox.
    """

    # --- the declaration ---------------------------------------------------------------------
    # Audit entity name and the word for one record in messages ("equipment", "computer").
    entity: ClassVar[str]
    # The details model (a `DomainAssetMixin`, not `@audited`) and its request bodies.
    model: ClassVar[type]
    create_model: ClassVar[type[BaseModel]]
    update_model: ClassVar[type[BaseModel]]
    # The field that identifies a record to people and collectors (unique, case-insensitive).
    identity: ClassVar[str]
    # How messages name the identity ("machine number"); its name by default.
    identity_label: ClassVar[str | None] = None
    # A column holding the identity folded to lower case, when the model keeps one.
    identity_key: ClassVar[str | None] = None
    # The core asset type its records have (`entity` by default).
    asset_type: ClassVar[str | None] = None
    # The details' own fields: columns written from bodies, shown and audited.
    fields: ClassVar[tuple[str, ...]] = ()
    # Core's fields a body may carry (written to the core asset) and the ones a read shows.
    core_fields: ClassVar[tuple[str, ...]] = ()
    shown_core_fields: ClassVar[tuple[str, ...] | None] = None
    # Details also written to the core asset (a machine's serial number is both).
    copied_to_core: ClassVar[tuple[str, ...]] = ()
    # Filters: name -> field (default: id, every field, state, last_seen, created, updated).
    filters: ClassVar[Mapping[str, listing.FilterField] | None] = None
    # Ordering: name -> column (default: every field, created, updated).
    ordering: ClassVar[Mapping[str, Any] | None] = None
    # Query parameters a subclass reads itself in `list_conditions` (beyond `include_retired`).
    extra_params: ClassVar[tuple[str, ...]] = ()
    # The short representation (`brief=true`): id, identity, these, state.
    brief_fields: ClassVar[tuple[str, ...]] = ()
    # field -> reference data its value must be one of.
    references: ClassVar[Mapping[str, Reference]] = {}
    # Header aliases for the CSV import; values a created-by-import record gets by default.
    import_aliases: ClassVar[Mapping[str, str]] = {}
    import_defaults: ClassVar[Mapping[str, Any]] = {}
    # Whether `/{id}/position` is served (where the asset stands, ADR-001).
    position: ClassVar[bool] = True
    # The column keeping the content hash of the last collector push.
    hash_column: ClassVar[str] = "collectorhash"
    # The service's outbox and idempotency tables (declared in its models.py).
    outbox: ClassVar[Table]
    idempotency: ClassVar[Table]

    def __init__(
        self, *, database: Database, core: CoreClient, writer: OutboxWriter, manifest: ServiceManifest, settings: Any
    ) -> None:
        self.database = database
        self.core = core
        self.writer = writer
        self.manifest = manifest
        self.settings = settings
        self.domain = self.saga()
        self.collector = None  # the collector target, once the routes are built
        self._filters: dict[str, listing.FilterField] | None = None

    # --- derived declarations ----------------------------------------------------------------

    @property
    def path(self) -> str:
        return self.manifest.api_prefix

    @property
    def spec(self) -> CollectorSpec | None:
        return self.manifest.collector

    @property
    def type(self) -> str:
        return self.asset_type or self.entity

    @property
    def lockable(self) -> bool:
        return hasattr(self.model, "locked_fields")

    def identity_column(self):
        return getattr(self.model, self.identity)

    def identity_match(self, keys: Sequence[str]):
        """The condition matching records by normalised identities (case-insensitive)."""
        if self.identity_key:
            return getattr(self.model, self.identity_key).in_(keys)
        return func.lower(self.identity_column()).in_(keys)

    def identity_key_of(self, row: Any) -> str:
        return (getattr(row, self.identity_key) if self.identity_key else getattr(row, self.identity)).casefold()

    def filter_fields(self) -> dict[str, listing.FilterField]:
        """The list's filters; a field with reference data or fixed choices (a `Literal` in the
        create body) refuses a value outside them (422 naming the field)."""
        model = self.model
        if self.filters is not None:
            out = dict(self.filters)
        else:
            out = {"id": listing.FilterField(model.id, uuid.UUID)}
            for name in self.fields:
                out[name] = listing.FilterField(getattr(model, name), _python_type(getattr(model, name)))
            out["state"] = listing.FilterField(model.state)
            if hasattr(model, "last_seen"):
                out["last_seen"] = listing.FilterField(model.last_seen, datetime)
            out["created"] = listing.FilterField(model.created, datetime)
            out["updated"] = listing.FilterField(model.updated, datetime)
        for name, spec in out.items():
            if spec.choices is not None:
                continue
            if name in self.references:
                out[name] = replace(spec, choices=self.references[name].keys)
            elif name == "state":
                out[name] = replace(spec, choices=STATES)
            elif (choices := _literal_choices(self.create_model, name)) is not None:
                out[name] = replace(spec, choices=choices)
        return out

    def ordering_columns(self) -> dict[str, Any]:
        if self.ordering is not None:
            return dict(self.ordering)
        out = {name: getattr(self.model, name) for name in self.fields}
        out.update(created=self.model.created, updated=self.model.updated)
        return out

    def list_params(self) -> tuple[str, ...]:
        return ("include_retired", *self.extra_params)

    def saga(self) -> DomainAssets:
        return DomainAssets(
            database=self.database, model=self.model, core=self.core, writer=self.writer, idempotency=self.idempotency,
            asset_types=(self.type,), entity_type=self.entity, snapshot=self.snapshot,
        )

    # --- reads -------------------------------------------------------------------------------

    def snapshot(self, session: Session, row: Any) -> dict[str, Any]:
        """The audited fields of a record (what its audit events compare)."""
        out = {name: getattr(row, name) for name in self.fields}
        out["state"] = row.state
        if self.lockable:
            out["locked_fields"] = row.locked_fields
        return out

    def details_out(self, row: Any) -> dict[str, Any]:
        out = {"id": str(row.id), **{name: iso(getattr(row, name)) for name in self.fields}, "state": row.state}
        if self.lockable:
            out["locked_fields"] = list(row.locked_fields or [])
        if hasattr(row, "last_seen"):
            out["last_seen"] = iso(row.last_seen)
        out["created"] = row.created.isoformat()
        out["updated"] = row.updated.isoformat()
        return out

    def brief_out(self, row: Any) -> dict[str, Any]:
        return {
            "id": str(row.id), self.identity: getattr(row, self.identity),
            **{name: iso(getattr(row, name)) for name in self.brief_fields}, "state": row.state,
        }

    def asset_out(self, asset: Mapping[str, Any] | None) -> dict[str, Any]:
        """The core asset's fields shown with the details (null while core cannot say)."""
        asset = asset or {}
        shown = self.shown_core_fields
        if shown is None:
            shown = tuple(n for n in CORE_ASSET_FIELDS if n in self.core_fields or n == "status")
        out = {name: asset.get(name) for name in shown}
        if isinstance(out.get("location"), str):
            out["location"] = {"id": out["location"]}
        return out

    def view_extras(self, session: Session, row: Any, *, authorization: str | None = None) -> dict[str, Any]:
        """What a service adds to one record's view (not to list items)."""
        return {}

    def item_out(self, session: Session, row: Any, asset: Mapping[str, Any] | None, *, authorization: str | None = None) -> dict[str, Any]:
        return {**self.details_out(row), **self.asset_out(asset), **self.view_extras(session, row, authorization=authorization)}

    def list_item(self, row: Any, asset: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.details_out(row), **self.asset_out(asset)}

    def read_asset(self, asset_id: uuid.UUID) -> dict[str, Any] | None:
        """The core side of a record; a read shows the details even while core is away."""
        try:
            return self.core.get_asset(asset_id)
        except CoreUnavailable:
            return None

    def read_assets(self, ids: Sequence[uuid.UUID]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        try:
            return {a["id"]: a for a in self.core.query_assets(ids=ids, include_retired=True)}
        except CoreUnavailable:  # core away: the list still shows the details
            return {}

    def get(self, session: Session, asset_id: uuid.UUID) -> Any:
        return self.domain.get_visible(session, asset_id)

    def view(self, session: Session, row: Any, *, authorization: str | None = None) -> dict[str, Any]:
        return self.item_out(session, row, self.read_asset(row.id), authorization=authorization)

    # --- list --------------------------------------------------------------------------------

    def list_statement(self, query: listing.ListQuery):
        return select(self.model)

    def list_conditions(self, session: Session, query: listing.ListQuery) -> list[Any]:
        """Conditions of the parameters in `extra_params`; none by default."""
        return []

    def list(self, session: Session, *, query: listing.ListQuery) -> tuple[int, list[Any]]:
        model = self.model
        if self._filters is None:
            self._filters = self.filter_fields()
        conditions = listing.filter_conditions(query, self._filters, session)
        # A create still in progress is nobody's business; retired records are out of the list
        # unless asked for with `state=` or `include_retired=true`.
        conditions.append(model.state != PENDING)
        include_retired = (query.first("include_retired") or "").lower() in _TRUE
        if "state" not in query.names() and not include_retired:
            conditions.append(model.state == ACTIVE)
        conditions += self.list_conditions(session, query)
        columns = self.ordering_columns()
        default = [self.identity] if self.identity in columns else []
        order_by = listing.order_clauses(query.ordering or default, columns, tiebreak=model.id, unique=(self.identity,))
        return listing.fetch_page(
            session, self.list_statement(query), count_from=model, conditions=conditions,
            order_by=order_by, limit=query.limit, offset=query.offset,
        )

    def list_page(self, session: Session, query: listing.ListQuery) -> tuple[int, list[dict[str, Any]]]:
        count, rows = self.list(session, query=query)
        if query.brief:
            return count, [self.brief_out(r) for r in rows]
        assets = self.read_assets([r.id for r in rows])
        return count, [self.list_item(r, assets.get(str(r.id))) for r in rows]

    # --- rules -------------------------------------------------------------------------------

    def check(self, session: Session, data: Mapping[str, Any], *, current: Any = None) -> None:
        """The declared rules, checked before core is asked for anything: reference data and a
        free identity. Raise a problem naming the field."""
        for name, reference in self.references.items():
            if data.get(name) is not None:
                reference.require(session, data[name], field=name)
        value = data.get(self.identity)
        if value is not None and (current is None or value != getattr(current, self.identity)):
            holder = session.scalar(select(self.model.id).where(self.identity_column() == value))
            if holder is not None and (current is None or holder != current.id):
                label = self.identity_label or self.identity
                raise ConflictError(f"{label} {value!r} is taken ({self.entity} {holder})", field=self.identity)

    def check_locks(self, fields: Sequence[str] | None) -> list[str]:
        if self.spec is None:
            raise ValidationProblem(f"{self.entity} takes no collector pushes: nothing to lock", field="locked_fields")
        return check_locks(self.spec, fields or [])

    # --- create ------------------------------------------------------------------------------

    def details_of(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The details' columns of a create body."""
        details = {name: data[name] for name in self.fields if name in data}
        if self.lockable and data.get("locked_fields"):
            details["locked_fields"] = self.check_locks(data["locked_fields"])
        return details

    def asset_defaults(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Core's fields of a new record that the body left out: its identity by default."""
        return {"assetnumber": data[self.identity], "name": data[self.identity]}

    def asset_of(self, data: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
        """The core asset's side of a create or update body (without `id` and `type`)."""
        asset = {name: data[name] for name in (*self.core_fields, *self.copied_to_core) if data.get(name) is not None}
        if new:
            for name, value in self.asset_defaults(data).items():
                asset.setdefault(name, value)
            for name in self.copied_to_core:
                if not asset.get(name):
                    asset.pop(name, None)
        return asset

    def write_children(self, session: Session, row: Any, data: Mapping[str, Any]) -> None:
        """Child rows of a record (applications, interfaces...), written with the record."""

    def create(
        self,
        data: Mapping[str, Any],
        *,
        actor: Actor = SYSTEM,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
        extra: Mapping[str, Any] | None = None,
        render: Callable[[Session, Any], dict[str, Any]] | None = None,
        authorization: str | None = None,
    ) -> Created:
        """Create the core asset and the details, or neither (the contract's domain saga)."""
        data = dict(data)
        details = {**self.details_of(data), **(extra or {})}

        def answer(session: Session, row: Any, _asset: dict[str, Any]) -> dict[str, Any]:
            if render is not None:
                return render(session, row)
            return self.view(session, row, authorization=authorization)

        return self.domain.create(
            details=details, asset=self.asset_of(data, new=True), actor=actor, render=answer,
            check=lambda session: self.check(session, data),
            children=lambda session, row: self.write_children(session, row, data),
            idempotency_key=idempotency_key, fingerprint=fingerprint or request_hash(data),
        )

    # --- update ------------------------------------------------------------------------------

    def apply(self, session: Session, row: Any, changes: Mapping[str, Any]) -> None:
        """Set the details' columns from an update body."""
        for name in self.fields:
            if name in changes:
                setattr(row, name, changes[name])
        if self.lockable and "locked_fields" in changes:
            row.locked_fields = self.check_locks(changes["locked_fields"])

    def update(self, session: Session, *, row: Any, changes: Mapping[str, Any], actor: Actor = SYSTEM) -> Any:
        """Apply the details here and core's fields in core, then commit. Core is written
        before the details commit: if core refuses, the details roll back with the session."""
        changes = dict(changes)
        self.check(session, changes, current=row)
        before = self.snapshot(session, row)
        self.apply(session, row, changes)
        self.write_children(session, row, changes)
        try:
            session.flush()
        except IntegrityError as exc:
            session.rollback()
            label = self.identity_label or self.identity
            raise ConflictError(f"the {label} was taken meanwhile; nothing was changed", field=self.identity) from exc
        after = self.snapshot(session, row)
        if after != before:
            row.updated = utcnow()
        self.writer.audit_log(
            session, entity_type=self.entity, entity_id=row.id, action="update", before=before, after=after, actor=actor
        )
        asset = self.asset_of(changes, new=False)
        if asset:
            self.core.upsert_asset({"id": row.id, **asset}, actor=actor)
        session.commit()
        return row

    # --- collector ---------------------------------------------------------------------------

    def collector_target(self):
        """What takes this resource's collector pushes (manifest `collector`); None for none."""
        if self.spec is None:
            return None
        from shopdb_contract.domain.collector import DomainCollector

        return DomainCollector(self)

    def stale_conditions(self, before: datetime) -> list[Any]:
        return [self.model.state == ACTIVE, or_(self.model.last_seen.is_(None), self.model.last_seen < before)]


def _python_type(column) -> type:
    """The Python type a filter on `column` parses its values as."""
    try:
        python = column.type.python_type
    except (NotImplementedError, AttributeError):
        return str
    if python is date:
        return datetime
    return python if python in (int, float, bool, datetime, uuid.UUID) else str


def _literal_choices(model: type[BaseModel], name: str) -> tuple[Any, ...] | None:
    """The values of a `Literal[...]` field of a request body (inside `X | None` too)."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    pending = [info.annotation]
    while pending:
        annotation = pending.pop()
        if get_origin(annotation) is Literal:
            return get_args(annotation)
        pending.extend(a for a in get_args(annotation) if a is not type(None))
    return None
