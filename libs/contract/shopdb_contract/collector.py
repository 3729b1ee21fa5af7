"""The collector push every service with a `collector` in its manifest offers (ADR-006).

- `POST /api/collector/<service>` takes `{"records": [...]}`, at most the manifest's
  `collector.max_batch` records (default 1,000; a bigger batch is refused whole with 413).
- Each record is validated against the JSON Schema built from the manifest (`fields`, the
  `identityfield` required, no unknown fields), served at `GET /api/collector/<service>/schema`.
  A null is dropped before validation: null means "not known", never "blank it".
- Records are upserted by the identity field (compared case-insensitively). The answer lists,
  per record in the order sent: `created`, `updated` (with the changed fields), `unchanged`
  or `rejected` (with the reason and the field). A bad record never rejects the good ones.
- A field the collector did not send is left alone; a field a person has locked is never
  overwritten by a collector; re-pushing the same data changes nothing and writes no audit
  event (a content hash per record recognises it without reading its children).
- A record whose content hash equals the one stored for its identity is recognised before
  validation (a target may offer `fingerprints` and `mark_seen`): it was valid when it was
  stored and nothing of it changed, so a repeated push costs a decode, a hash, one SELECT
  and one UPDATE.
- `last_seen` is kept per record; `GET /api/collector/<service>/stale?days=N` lists records
  not seen for N days (never deleted automatically).
- Only a token limited to this service may push (a person's login or an unscoped token is
  refused with 403): a collector's token is handed out to many machines, so it must be able
  to do nothing else.

A service plugs in its storage through `CollectorTarget` (`push`, `stale`); validation,
hashing, duplicate detection and the HTTP surface live here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Protocol

import fastjsonschema
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from shopdb_contract import listing
from shopdb_contract.db import utcnow
from shopdb_contract.errors import ForbiddenError, ProblemError, ValidationProblem
from shopdb_contract.manifest import CollectorSpec, ServiceManifest
from shopdb_contract.outbox import ANONYMOUS, Actor

try:  # Several times faster on a push of a few MB; a service that wants the speed depends on it.
    import orjson
except ImportError:  # pragma: no cover - the standard library gives the same answers, slower
    orjson = None

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, REJECTED)

DEFAULT_STALE_DAYS = 30.0


class BatchTooLarge(ProblemError):
    status = 413
    slug = "batch-too-large"
    title = "Batch too large"


@dataclass
class PushRecord:
    """One valid record of a push: nulls dropped, identity normalised, content hashed."""

    index: int
    identity: str  # as sent (shown back)
    key: str  # normalised: what the upsert matches on
    data: dict[str, Any]
    hash: str


@dataclass
class PushOutcome:
    """One record's outcome; `index` is its place in the batch (a CSV import says "row")."""

    position: ClassVar[str] = "index"
    index: int
    outcome: str
    identity: str | None = None
    id: str | None = None
    changed: list[str] | None = None
    reason: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.position: self.index, "outcome": self.outcome, "identity": self.identity}
        if self.id is not None:
            out["id"] = self.id
        if self.outcome == UPDATED:
            out["changed"] = self.changed or []
        if self.outcome == REJECTED:
            out["reason"] = self.reason
            out["field"] = self.field
        return out


def rejected(record: PushRecord, reason: str, field: str | None = None) -> PushOutcome:
    return PushOutcome(record.index, REJECTED, identity=record.identity, reason=reason, field=field)


class CollectorTarget(Protocol):
    """What a service implements to take pushes."""

    def push(self, records: list[PushRecord], *, actor: Actor) -> list[PushOutcome]:
        """Upsert valid records; one outcome per record (any order)."""

    def stale(self, *, before: datetime, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        """Records last seen before `before` (never seen counts as stale), as a page."""

    # Optional, for the unchanged fast path (both or neither):
    #   fingerprints(keys) -> {key: (id, stored content hash)} of the records a push may find
    #       unchanged (not those still being created);
    #   mark_seen(ids) -> None: last_seen = now for these records, in one statement.


def normalise_identity(value: Any) -> str:
    """Identities compare case-insensitively, without surrounding blanks (hostnames do)."""
    return str(value).strip().casefold()


def drop_nulls(value: Any) -> Any:
    """The value without null members, at any depth (leaves are not visited: it runs per push)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) if isinstance(v, (dict, list)) else v for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS if orjson is not None else 0


def canonical(data: Any) -> bytes:
    """Keys sorted, no blanks, UTF-8: the form a content hash is taken of. orjson and the
    standard library give the same bytes for strings, integers and most floats (not for very
    small ones such as 1e-07); where they differ, a hash stored by one does not match the
    other, and that record takes the validated path once (its fields compared as stored)."""
    if orjson is not None:
        try:
            return orjson.dumps(data, option=_CANONICAL, default=str)
        except (orjson.JSONEncodeError, TypeError):
            pass  # integers beyond 64 bits and the like: the standard library takes them
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def content_hash(data: dict[str, Any]) -> str:
    """A fingerprint of what a collector said about a record: equal hash, nothing to do."""
    return hashlib.sha1(canonical(data)).hexdigest()


def _raw_hash(item: dict[str, Any]) -> tuple[str, bool]:
    """(`content_hash(drop_nulls(item))`, whether the item may hold a null), without walking
    a record that holds none."""
    encoded = canonical(item)
    if b"null" in encoded:  # a null somewhere (or the word inside a string): drop and encode again
        return hashlib.sha1(canonical(drop_nulls(item))).hexdigest(), True
    return hashlib.sha1(encoded).hexdigest(), False


def raw_content_hash(item: dict[str, Any]) -> str:
    """`content_hash(drop_nulls(item))`, without walking a record that holds no null."""
    return _raw_hash(item)[0]


def decode_json(raw: bytes) -> Any:
    """A request body: orjson (several times faster on a 3.5 MB push), the standard library
    for what orjson refuses but JSON allows (integers beyond 64 bits)."""
    if orjson is not None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ValidationProblem(f"the body is not valid JSON: {exc}", field="body") from None


def json_response(body: Any, status_code: int = 200) -> Response:
    if orjson is not None:
        try:
            content = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
            return Response(content, status_code=status_code, media_type="application/json")
        except (orjson.JSONEncodeError, TypeError):
            pass
    return JSONResponse(body, status_code=status_code)


def changed_fields(
    current: dict[str, Any], incoming: dict[str, Any], *, locked: Iterable[str] = (), skip: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields a push would change: sent, not locked, and different from what is stored."""
    locked = set(locked) | set(skip)
    return {k: v for k, v in incoming.items() if k not in locked and current.get(k) != v}


def lockable_fields(spec: CollectorSpec) -> list[str]:
    """A person may lock any collected field except the identity, which finds the record."""
    return sorted(name for name in spec.fields if name != spec.identityfield)


def check_locks(spec: CollectorSpec, fields: Sequence[str], *, field: str = "locked_fields") -> list[str]:
    allowed = set(lockable_fields(spec))
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise ValidationProblem(
            f"cannot lock {', '.join(unknown)}: lockable fields are {', '.join(sorted(allowed))}", field=field
        )
    return sorted(set(fields))


# --- the schema -------------------------------------------------------------------------------


def record_schema(spec: CollectorSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": spec.fields,
        "required": [spec.identityfield],
        "additionalProperties": False,
    }


def batch_schema(manifest: ServiceManifest) -> dict[str, Any]:
    """The JSON Schema of a push, for collector authors (and for validating one whole)."""
    spec = manifest.collector
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:shopdb:collector:{manifest.name}",
        "title": f"ShopDB {manifest.name} collector push",
        "description": (
            f"POST {{records: [...]}} to /api/collector/{manifest.name}: at most {spec.max_batch} records, "
            f"each identified by {spec.identityfield!r} (case-insensitive). A null or missing field is left "
            "as stored; fields locked by a person are kept."
        ),
        "type": "object",
        "properties": {
            "records": {"type": "array", "maxItems": spec.max_batch, "items": {"$ref": "#/$defs/record"}},
        },
        "required": ["records"],
        "additionalProperties": False,
        "$defs": {"record": record_schema(spec)},
        "x-identityfield": spec.identityfield,
        "x-max-batch": spec.max_batch,
    }


_NAME = re.compile(r"^data\.?")


def _field_of(exc: fastjsonschema.JsonSchemaValueException, record: dict[str, Any], spec: CollectorSpec) -> str:
    if exc.rule == "required":
        missing = [f for f in exc.rule_definition if f not in record]
        if missing:
            return missing[0]
    if exc.rule == "additionalProperties":
        unknown = [k for k in record if k not in spec.fields]
        if unknown:
            return unknown[0]
    name = _NAME.sub("", exc.name or "")
    return name or spec.identityfield


class CollectorSchema:
    """The manifest's collector spec, compiled once: validating a record costs microseconds."""

    def __init__(self, manifest: ServiceManifest) -> None:
        if manifest.collector is None:
            raise ValueError(f"service {manifest.name!r} declares no collector in its manifest")
        self.manifest = manifest
        self.spec = manifest.collector
        self.validate = fastjsonschema.compile(record_schema(self.spec))

    def prepare(
        self, body: Any, *, known: Callable[[list[str]], dict[str, tuple[str, str]]] | None = None
    ) -> tuple[list[PushRecord], list[PushOutcome], int]:
        """Split a push into valid records and rejections; returns (records, rejected, count).

        With `known` (keys -> {key: (id, stored hash)}), a record whose hash equals the stored
        one is answered `unchanged` (with its id) among the rejections, without validation: its
        content was valid when it was stored. Everything else (duplicates, order, first
        occurrence wins) is decided exactly as for a record that is validated.
        """
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ValidationProblem('send {"records": [...]}: a JSON object with a list of records', field="records")
        extra = [k for k in body if k != "records"]
        if extra:
            raise ValidationProblem(f"unknown field {extra[0]!r} in the push", field=extra[0])
        raw = body["records"]
        if len(raw) > self.spec.max_batch:
            raise BatchTooLarge(
                f"at most {self.spec.max_batch} records per push, got {len(raw)}: split the batch",
                field="records", max_batch=self.spec.max_batch,
            )
        identityfield = self.spec.identityfield
        records: list[PushRecord] = []
        refused: list[PushOutcome] = []
        first_at: dict[str, int] = {}
        hashes: dict[int, str] = {}
        clean: set[int] = set()  # records known to hold no null: nothing to drop
        stored: dict[str, tuple[str, str]] = {}
        if known is not None:
            keys = {}
            for index, item in enumerate(raw):
                if isinstance(item, dict) and isinstance(item.get(identityfield), str):
                    key = normalise_identity(item[identityfield])
                    if key:
                        hashes[index], nulls = _raw_hash(item)
                        if not nulls:
                            clean.add(index)
                        keys[key] = None
            stored = known(list(keys)) if keys else {}
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                refused.append(PushOutcome(index, REJECTED, reason="a record must be a JSON object", field=None))
                continue
            if stored and index in hashes:
                key = normalise_identity(item[identityfield])
                found = stored.get(key)
                if found is not None and found[1] == hashes[index]:
                    shown = item[identityfield]
                    if key in first_at:
                        refused.append(PushOutcome(
                            index, REJECTED, identity=shown, field=identityfield,
                            reason=f"{identityfield} {shown!r} appears more than once in this push (first at record {first_at[key]})",
                        ))
                    else:
                        first_at[key] = index
                        refused.append(PushOutcome(index, UNCHANGED, identity=shown.strip(), id=found[0]))
                    continue
            data = item if index in clean else drop_nulls(item)
            identity = data.get(identityfield)
            shown = str(identity) if identity is not None else None
            try:
                self.validate(data)
            except fastjsonschema.JsonSchemaValueException as exc:
                name = _field_of(exc, data, self.spec)
                message = exc.message.replace("data.", "").replace("data ", f"{name} ", 1)
                refused.append(PushOutcome(index, REJECTED, identity=shown, reason=message, field=name))
                continue
            key = normalise_identity(identity)
            if not key:
                refused.append(PushOutcome(index, REJECTED, identity=shown, reason=f"{identityfield} is blank", field=identityfield))
                continue
            if key in first_at:
                refused.append(PushOutcome(
                    index, REJECTED, identity=shown, field=identityfield,
                    reason=f"{identityfield} {shown!r} appears more than once in this push (first at record {first_at[key]})",
                ))
                continue
            first_at[key] = index
            digest = hashes.get(index) or content_hash(data)
            records.append(PushRecord(index=index, identity=str(identity).strip(), key=key, data=data, hash=digest))
        return records, refused, len(raw)


def summarise(outcomes: list[PushOutcome], received: int) -> dict[str, Any]:
    ordered = sorted(outcomes, key=lambda o: o.index)
    counts = {name: 0 for name in OUTCOMES}
    for outcome in ordered:
        counts[outcome.outcome] += 1
    return {"received": received, **counts, "results": [o.as_dict() for o in ordered]}


# --- the HTTP surface -------------------------------------------------------------------------


def require_collector_token(service: str):
    """The push needs a token limited to this service; anything broader is refused."""

    def check(request: Request) -> Actor:
        principal = getattr(request.state, "principal", None)
        if principal is None:
            # The app factory authenticates every route; without it (a bare test app) the
            # actor is whoever the request says.
            return getattr(request.state, "actor", None) or ANONYMOUS
        services = getattr(principal, "services", None)
        if not services or service not in services:
            raise ForbiddenError(
                f"pushing to {service!r} needs an API token limited to the {service!r} service; "
                "create one for the collector rather than using a personal or unscoped token",
                service=service,
            )
        return principal.actor()

    return check


def collector_router(
    *,
    manifest: ServiceManifest,
    target: Callable[[Request], CollectorTarget],
    stale_days: float = DEFAULT_STALE_DAYS,
) -> APIRouter:
    """The push, its schema and the stale report at /api/collector/<service>."""
    schema = CollectorSchema(manifest)
    name = manifest.name
    router = APIRouter(prefix=f"/api/collector/{name}", tags=["collector"])
    pusher = require_collector_token(name)

    def handle(request: Request, raw: bytes, actor: Actor) -> Response:
        body = decode_json(raw)
        pushed = target(request)
        fingerprints = getattr(pushed, "fingerprints", None)
        mark_seen = getattr(pushed, "mark_seen", None)
        fast = fingerprints is not None and mark_seen is not None
        records, refused, received = schema.prepare(body, known=fingerprints if fast else None)
        seen = [o.id for o in refused if o.outcome == UNCHANGED]
        if seen:
            mark_seen(seen)
        outcomes = list(refused)
        if records:
            outcomes += pushed.push(records, actor=actor)
        return json_response(summarise(outcomes, received))

    # The body is read as bytes and decoded here (not by FastAPI's JSON body): a push is up
    # to several MB, and orjson decodes it in a fraction of the time.
    @router.post(
        "", summary=f"Push {name} records (at most {schema.spec.max_batch})",
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["records"],
            "properties": {"records": {"type": "array", "maxItems": schema.spec.max_batch, "items": {"type": "object"}}},
            "description": f"see GET /api/collector/{name}/schema for the record schema",
        }}}}},
    )
    async def push(request: Request, actor: Actor = Depends(pusher)):  # noqa: B008 -- a default, not an annotation: `pusher` is local, and annotations are strings here
        raw = await request.body()
        return await run_in_threadpool(handle, request, raw, actor)

    @router.get("/schema", summary="The JSON Schema a push must follow")
    def get_schema():
        return JSONResponse(batch_schema(manifest), media_type="application/schema+json")

    @router.get("/stale", summary="Records not seen by a collector for `days` days")
    def get_stale(
        request: Request,
        days: Annotated[float, Query(ge=0, le=3650)] = stale_days,
        limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = listing.DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0)] = 0,
    ):
        before = utcnow() - timedelta(days=days)
        count, rows = target(request).stale(before=before, limit=limit, offset=offset)
        body = listing.envelope(request.url, count=count, results=rows, limit=limit, offset=offset)
        body["before"] = before.isoformat()
        return JSONResponse(body)

    router.collector_schema = schema  # type: ignore[attr-defined]
    return router


__all__ = [
    "BatchTooLarge", "CollectorSchema", "CollectorTarget", "PushOutcome", "PushRecord", "CREATED", "UPDATED",
    "UNCHANGED", "REJECTED", "batch_schema", "changed_fields", "check_locks", "collector_router", "content_hash",
    "drop_nulls", "lockable_fields", "normalise_identity", "raw_content_hash", "record_schema", "rejected", "require_collector_token",
    "summarise",
]
