"""CSV import every domain service offers at `POST /api/<service>/import` (ADR-005).

- The body is the CSV file itself, `Content-Type: text/csv` (`; charset=...` honoured, UTF-8
  by default, a byte-order mark tolerated); comma, semicolon or tab separated (sniffed from
  the header). A spreadsheet's "Save as CSV" is sent as it is; no multipart upload.
- The first line names the columns. A header is the field's name, compared without case,
  blanks, `_` or `-` (`Machine Number` is `machinenumber`, `Memory MB` is `memory_mb`), or one
  of the service's documented aliases. A column nobody knows refuses the whole file (422
  naming the column): a typo in a header must not silently drop a column of data.
- An empty cell means "not given": the stored value is kept (as a collector's null is).
- Each row is upserted by the service's identity field (hostname, machinenumber; compared
  without case) and checked with the same rules as the service's create or update: its
  request schema first, then the service's own rules (reference data, uniqueness).
- The answer lists, per row (`row` = the spreadsheet's row number, the header being row 1):
  `created`, `updated` (with the changed fields), `unchanged` or `rejected` (with the reason
  and the field). A row whose identity appears earlier in the file is rejected.
- `dry_run=true` (the default) writes nothing and answers what a real run would do.
- A real run is per row: every valid row is written, each one whole (core asset and details,
  or neither, through the service's own create and update), and rejected rows are skipped.
  Re-running the same file is safe: written rows come back `unchanged`, nothing is duplicated.
  Core becoming unreachable stops the run with 503; the rows written before it stay written,
  and the next run picks up the rest.
- Rules core enforces itself (a free asset number, an existing location) are met only by the
  real run: the dry run cannot promise them and says so in its answer.

A service plugs in through `ImportTarget`; parsing, mapping, comparing and the HTTP surface
live here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from shopdb_contract.collector import (
    CREATED,
    OUTCOMES,
    REJECTED,
    UNCHANGED,
    UPDATED,
    PushOutcome,
    normalise_identity,
)
from shopdb_contract.errors import ProblemError, ServiceUnavailableError, ValidationProblem
from shopdb_contract.outbox import Actor, request_actor

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
CSV_MEDIA_TYPE = "text/csv"
DELIMITERS = ",;\t"
# Core checks these when the asset is written; a dry run cannot see them.
CORE_CHECKS_NOTE = "a real run also needs core to accept each asset (asset number free, location known)"


class UnsupportedMediaType(ProblemError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class FileTooLarge(ProblemError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


@dataclass
class Existing:
    """A stored record as the import compares it: its id and its importable fields (JSON values)."""

    id: str
    values: dict[str, Any]
    row: Any = None  # whatever the target needs to update it


class ImportTarget(Protocol):
    """What a service implements to take imports. `data` is the validated row, `model_dump`ed."""

    create_model: type[BaseModel]
    update_model: type[BaseModel]

    def existing(self, keys: list[str], *, columns: set[str]) -> dict[str, Existing]:
        """The stored records with these normalised identities; `columns` the fields the file has."""

    def check_create(self, data: dict[str, Any]) -> None:
        """The service's own rules for a new record; raise a `ProblemError` naming the field."""

    def check_update(self, current: Existing, changes: dict[str, Any]) -> None:
        """The service's own rules for these changes to a stored record."""

    def create(self, data: dict[str, Any], *, actor: Actor) -> str:
        """Write a new record whole (or nothing); its id."""

    def update(self, current: Existing, changes: dict[str, Any], *, actor: Actor) -> None:
        """Write the changes whole (or nothing)."""


@dataclass
class ImportSpec:
    """A service's importable columns: `fields` (identity first) and extra header `aliases`."""

    identityfield: str
    fields: Sequence[str]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def lookup(self) -> dict[str, str]:
        names = {_fold(name): name for name in self.fields}
        names.update({_fold(alias): name for alias, name in self.aliases.items()})
        return names


class RowOutcome(PushOutcome):
    """A CSV row's outcome, numbered as in the spreadsheet."""

    position: ClassVar[str] = "row"


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).casefold()


def asset_values(asset: Mapping[str, Any] | None, names: Sequence[str]) -> dict[str, Any]:
    """A core asset's importable fields as a file would give them (a location by its id)."""
    asset = asset or {}
    out = {}
    for name in names:
        value = asset.get(name)
        if isinstance(value, Mapping):
            value = value.get("id")
        out[name] = value
    return out


# --- reading the file -------------------------------------------------------------------------


def decode(body: bytes, content_type: str | None) -> str:
    """The CSV text of a request body; 415 for anything but text/csv."""
    media, _, params = (content_type or "").partition(";")
    if media.strip().lower() != CSV_MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"send the CSV file itself with Content-Type: {CSV_MEDIA_TYPE} (got {media.strip() or 'none'!r})",
            field="Content-Type",
        )
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise UnsupportedMediaType(f"unknown charset {charset!r}", field="Content-Type") from None
    if codec.name == "utf-8":
        charset = "utf-8-sig"  # spreadsheets like to start UTF-8 with a byte-order mark
    try:
        return body.decode(charset)
    except UnicodeDecodeError as exc:
        raise ValidationProblem(
            f"the file is not {codec.name} (byte {exc.start}); save it as UTF-8 or name its charset in Content-Type",
            field="body",
        ) from None


def read_rows(text: str, spec: ImportSpec, *, max_rows: int = MAX_ROWS) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(header → field, rows as {field: cell}) with empty cells left out; the file is refused
    whole if its columns are not understood."""
    if not text.strip():
        raise ValidationProblem("the file is empty: the first line names the columns", field="body")
    first_line = text.lstrip("\r\n").splitlines()[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ValidationProblem(f"the header line cannot be read: {exc}", field="body") from None
    names = spec.lookup()
    columns: dict[str, str] = {}
    mapping: list[str | None] = []
    for heading in header:
        if not heading.strip():
            mapping.append(None)  # an unnamed column (a spreadsheet's trailing separator)
            continue
        name = names.get(_fold(heading))
        if name is None:
            raise ValidationProblem(
                f"unknown column {heading!r}: columns are {', '.join(spec.fields)}", field=heading,
            )
        if name in columns.values():
            raise ValidationProblem(f"column {heading!r} repeats {name!r}", field=heading)
        columns[heading] = name
        mapping.append(name)
    if spec.identityfield not in columns.values():
        raise ValidationProblem(
            f"the file needs a {spec.identityfield!r} column: rows are matched on it", field=spec.identityfield,
        )
    rows: list[dict[str, str]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                rows.append({})  # a blank line keeps its row number, and is skipped
                continue
            if len(rows) >= max_rows:
                raise FileTooLarge(f"at most {max_rows} rows per import: split the file", field="body", max_rows=max_rows)
            extra = [c for c in cells[len(mapping):] if c.strip()]
            if extra:
                raise ValidationProblem(
                    f"row {len(rows) + 2} has more cells than the header has columns", field="body", row=len(rows) + 2,
                )
            rows.append({
                name: cell.strip() for name, cell in zip(mapping, cells) if name is not None and cell.strip()
            })
    except csv.Error as exc:
        raise ValidationProblem(f"row {len(rows) + 2} cannot be read: {exc}", field="body", row=len(rows) + 2) from None
    return columns, rows


# --- running an import ------------------------------------------------------------------------


def _problem_field(exc: ProblemError) -> str | None:
    """The field a problem names: its `field`, else its first error's (as ValidationProblem keeps it)."""
    name = exc.extensions.get("field")
    if not name:
        errors = exc.extensions.get("errors") or []
        name = errors[0].get("field") if errors else None
    # Core names a field of its batch body ("body[0].assetnumber"); the row's column is the rest.
    return re.sub(r"^body(\[\d+\])?\.", "", name) if name else None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    name = ".".join(str(p) for p in err.get("loc", ())) or None
    message = err.get("msg", "invalid")
    if err.get("type") == "extra_forbidden":
        message = "this column cannot be imported"
    return name, f"{name}: {message}" if name else message


def _validate(model: type[BaseModel], cells: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row through the service's request schema: (Python values, JSON values) of the cells given."""
    parsed = model.model_validate(cells)
    return parsed.model_dump(exclude_unset=True), parsed.model_dump(exclude_unset=True, mode="json")


def _as_sent(model: type[BaseModel], values: dict[str, Any], names) -> dict[str, Any]:
    """Stored values in the form the schema gives a sent one (a datetime's offset, a key's case),
    so only a real difference counts as a change."""
    out = {}
    for name in names:
        value = values.get(name)
        if value is None:
            out[name] = None
            continue
        try:
            out[name] = model.model_validate({name: value}).model_dump(mode="json", exclude_unset=True)[name]
        except (ValidationError, KeyError):
            out[name] = value  # a stored value today's rules refuse: any sent value differs
    return out


def run_import(
    text: str, *, spec: ImportSpec, target: ImportTarget, dry_run: bool, actor: Actor, max_rows: int = MAX_ROWS
) -> dict[str, Any]:
    columns, rows = read_rows(text, spec, max_rows=max_rows)
    identityfield = spec.identityfield
    keys = sorted({normalise_identity(r[identityfield]) for r in rows if r.get(identityfield)})
    existing = target.existing(keys, columns=set(columns.values()))
    outcomes: list[RowOutcome] = []
    first_at: dict[str, int] = {}
    for offset, cells in enumerate(rows):
        number = offset + 2
        if not cells:
            continue
        identity = cells.get(identityfield)
        if identity is None:
            outcomes.append(RowOutcome(number, REJECTED, reason=f"{identityfield} is empty", field=identityfield))
            continue
        key = normalise_identity(identity)
        if key in first_at:
            outcomes.append(RowOutcome(
                number, REJECTED, identity=identity, field=identityfield,
                reason=f"{identityfield} {identity!r} appears earlier in the file (row {first_at[key]})",
            ))
            continue
        first_at[key] = number
        current = existing.get(key)
        try:
            if current is None:
                data, _ = _validate(target.create_model, cells)
                target.check_create(data)
                new_id = None if dry_run else target.create(data, actor=actor)
                outcomes.append(RowOutcome(number, CREATED, identity=identity, id=new_id))
                continue
            data, shown = _validate(target.update_model, {k: v for k, v in cells.items() if k != identityfield})
            stored = _as_sent(target.update_model, current.values, shown)
            changes = {name: data[name] for name, value in shown.items() if stored.get(name) != value}
            if not changes:
                outcomes.append(RowOutcome(number, UNCHANGED, identity=identity, id=current.id))
                continue
            target.check_update(current, changes)
            changed = sorted(changes)
            if not dry_run:
                target.update(current, dict(changes), actor=actor)  # a copy: update functions may consume it
            outcomes.append(RowOutcome(number, UPDATED, identity=identity, id=current.id, changed=changed))
        except ValidationError as exc:
            name, reason = _first_error(exc)
            outcomes.append(RowOutcome(number, REJECTED, identity=identity, reason=reason, field=name))
        except ServiceUnavailableError:
            raise  # core away: stop here; what was written is whole, and a re-run continues
        except ProblemError as exc:
            name = _problem_field(exc)
            outcomes.append(RowOutcome(number, REJECTED, identity=identity, reason=exc.detail, field=name))
    counts = {name: 0 for name in OUTCOMES}
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    body: dict[str, Any] = {
        "dry_run": dry_run,
        "received": sum(1 for r in rows if r),
        **counts,
        "columns": columns,
        "results": [o.as_dict() for o in outcomes],
    }
    if dry_run:
        body["note"] = CORE_CHECKS_NOTE
    return body


def _dry_run(request: Request) -> bool:
    raw = request.query_params.get("dry_run")
    if raw is None:
        return True
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationProblem(f"dry_run must be true or false, not {raw!r}", field="query.dry_run")


def import_router(
    *, prefix: str, spec: ImportSpec, target: Callable[[Request], ImportTarget], max_rows: int = MAX_ROWS
) -> APIRouter:
    """`POST <prefix>/import`; mount it before the resource's `/{id}` routes."""
    router = APIRouter(prefix=prefix, tags=["import"])
    columns = ", ".join(spec.fields)

    @router.post(
        "/import",
        summary=f"Import a CSV file of records, upserted by {spec.identityfield}",
        description=(
            f"Body: the CSV file, Content-Type: {CSV_MEDIA_TYPE}. Columns: {columns}. "
            f"`dry_run=true` (the default) writes nothing; `dry_run=false` writes every valid row. "
            f"At most {max_rows} rows."
        ),
        openapi_extra={"requestBody": {"required": True, "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
    )
    async def import_csv(request: Request):
        dry_run = _dry_run(request)
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BYTES:
            raise FileTooLarge(f"at most {MAX_BYTES} bytes per import: split the file", field="body")
        body = await request.body()
        if len(body) > MAX_BYTES:
            raise FileTooLarge(f"at most {MAX_BYTES} bytes per import: split the file", field="body")
        text = decode(body, request.headers.get("content-type"))
        result = await run_in_threadpool(
            run_import, text, spec=spec, target=target(request), dry_run=dry_run, actor=request_actor(request),
            max_rows=max_rows,
        )
        return JSONResponse(result)

    return router


__all__ = [
    "CSV_MEDIA_TYPE", "Existing", "asset_values", "ImportSpec", "ImportTarget", "MAX_ROWS", "RowOutcome", "decode", "import_router",
    "read_rows", "run_import",
]
