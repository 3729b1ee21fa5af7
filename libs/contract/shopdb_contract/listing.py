"""REST list conventions every service shares (NetBox's, so people's habits carry over).

- `limit`/`offset` (default 50, at most 1000) answered as `{count, next, previous, results}`;
- `ordering=-name,assetnumber` checked against the fields a resource allows;
- lookup filters: `name=x` (repeat for any of several), `name__n`, `name__ic`, `name__nic`,
  `name__isw`, `name__iew`, `name__ie`, and `__lt/__lte/__gt/__gte` on numbers and dates;
- `brief=true` for a short representation;
- an `ETag` per representation and `If-Match` checking (412 when stale);
- list bodies for bulk writes, whose errors name the item's index and field.

A query parameter nobody declared is refused rather than ignored: a typo in a filter would
otherwise return everything and look like an answer.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, func, not_, or_, select
from sqlalchemy.orm import Session
from starlette.datastructures import URL
from starlette.responses import JSONResponse

from shopdb_contract.errors import PreconditionFailedError, ProblemError, ValidationProblem

__all__ = ["DEFAULT_LIMIT", "EXACT_LOOKUPS", "MAX_LIMIT", "PAGING_PARAMS", "RANGE_LOOKUPS", "STRING_LOOKUPS",
    "check_choices", "check_if_match", "envelope", "escape_like", "etag_of", "etag_response", "fetch_page",
    "filter_conditions", "FilterField", "item_errors", "ListQuery", "lookup_condition", "order_clauses",
    "parse_items", "parse_list_query", "parse_ordering"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
PAGING_PARAMS = frozenset({"limit", "offset", "ordering", "brief"})

STRING_LOOKUPS = frozenset({"", "n", "ic", "nic", "isw", "iew", "ie"})
RANGE_LOOKUPS = frozenset({"", "n", "lt", "lte", "gt", "gte"})
EXACT_LOOKUPS = frozenset({"", "n"})


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValueError("expected true or false")


def _parse_datetime(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: _parse_bool,
    uuid.UUID: uuid.UUID,
    datetime: _parse_datetime,
}


@dataclass(frozen=True)
class FilterField:
    """A filterable field: the column it reads and the type its values parse as.

    `choices` are the values a field with fixed choices or reference data may hold (or a
    function of the session giving them): an exact filter on any other value is refused with
    422 naming the field, as NetBox does, rather than answering an empty list.
    """

    column: Any
    type: type = str
    choices: Collection[Any] | Callable[[Session], Collection[Any]] | None = None

    @property
    def lookups(self) -> frozenset[str]:
        if self.type is str:
            return STRING_LOOKUPS
        if self.type in (int, float, datetime):
            return RANGE_LOOKUPS
        return EXACT_LOOKUPS


@dataclass
class ListQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    ordering: list[str] = field(default_factory=list)
    brief: bool = False
    # (name, lookup, values) for each lookup filter given, values already parsed
    filters: list[tuple[str, str, list[Any]]] = field(default_factory=list)
    # parameters the resource declared itself (e.g. `q`), raw
    extra: dict[str, list[str]] = field(default_factory=dict)

    def names(self) -> set[str]:
        return {name for name, _, _ in self.filters}

    def first(self, name: str) -> str | None:
        values = self.extra.get(name)
        return values[-1] if values else None


def _int_param(params: Mapping[str, Any], name: str, default: int, *, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationProblem(f"{name} must be a whole number, not {raw!r}", field=f"query.{name}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValidationProblem(f"{name} must be {bound}, not {value}", field=f"query.{name}")
    return value


def parse_list_query(
    query_params,
    *,
    filters: Mapping[str, FilterField],
    ordering: Iterable[str],
    extra: Iterable[str] = (),
) -> ListQuery:
    """Read paging, ordering, brief and filters from a request's query parameters.

    `query_params` is Starlette's multi-dict (repeated keys give several values).
    """
    extra = set(extra)
    result = ListQuery(
        limit=_int_param(query_params, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT),
        offset=_int_param(query_params, "offset", 0, low=0, high=None),
    )
    raw_brief = query_params.get("brief")
    if raw_brief:
        try:
            result.brief = _parse_bool(raw_brief)
        except ValueError:
            raise ValidationProblem("brief must be true or false", field="query.brief") from None
    result.ordering = parse_ordering(query_params.get("ordering"), allowed=ordering)

    grouped: dict[str, list[str]] = {}
    for key, value in query_params.multi_items():
        grouped.setdefault(key, []).append(value)
    for key, values in grouped.items():
        if key in PAGING_PARAMS:
            continue
        if key in extra:
            result.extra[key] = values
            continue
        name, _, lookup = key.partition("__")
        spec = filters.get(name)
        if spec is None:
            known = sorted(set(filters) | extra | PAGING_PARAMS)
            raise ValidationProblem(
                f"unknown query parameter {key!r}; known: {', '.join(known)}", field=f"query.{key}"
            )
        if lookup not in spec.lookups:
            allowed = ", ".join(sorted(f"{name}__{lk}" if lk else name for lk in spec.lookups))
            raise ValidationProblem(f"unknown lookup {key!r}; use one of {allowed}", field=f"query.{key}")
        parsed = []
        for value in values:
            for part in value.split(",") if lookup in ("", "n") else [value]:
                try:
                    parsed.append(_PARSERS[spec.type](part.strip() if spec.type is not str else part))
                except ValueError:
                    raise ValidationProblem(
                        f"{key}: {part!r} is not a valid {spec.type.__name__}", field=f"query.{key}"
                    ) from None
        result.filters.append((name, lookup, parsed))
    return result


def parse_ordering(raw: str | None, *, allowed: Iterable[str]) -> list[str]:
    if not raw:
        return []
    allowed = set(allowed)
    fields = [part.strip() for part in raw.split(",") if part.strip()]
    for name in fields:
        if name.lstrip("-") not in allowed:
            raise ValidationProblem(
                f"cannot order by {name.lstrip('-')!r}; allowed: {', '.join(sorted(allowed))}",
                field="query.ordering",
            )
    return fields


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def lookup_condition(column, lookup: str, values: list[Any]):
    """The SQL condition of one lookup filter; several values mean any of them."""
    if lookup == "":
        return column.in_(values) if len(values) > 1 else column == values[0]
    if lookup == "n":
        return not_(column.in_(values)) if len(values) > 1 else column != values[0]
    if lookup in ("lt", "lte", "gt", "gte"):
        op = {"lt": "__lt__", "lte": "__le__", "gt": "__gt__", "gte": "__ge__"}[lookup]
        return getattr(column, op)(values[-1])
    patterns = {
        "ic": lambda v: f"%{escape_like(v)}%",
        "nic": lambda v: f"%{escape_like(v)}%",
        "isw": lambda v: f"{escape_like(v)}%",
        "iew": lambda v: f"%{escape_like(v)}",
        "ie": escape_like,
    }
    condition = or_(*(column.ilike(patterns[lookup](v), escape="\\") for v in values))
    return not_(condition) if lookup == "nic" else condition


def check_choices(query: ListQuery, filters: Mapping[str, FilterField], session: Session | None = None) -> None:
    """Refuse an exact filter (`name=`, `name__n=`) on a value outside the field's choices;
    choices read from the database are checked when a session is given."""
    for name, lookup, values in query.filters:
        choices = filters[name].choices
        if choices is None or lookup not in ("", "n"):
            continue
        if callable(choices):
            if session is None:
                continue
            choices = choices(session)
        unknown = [v for v in values if v not in choices]
        if unknown:
            known = ", ".join(sorted(str(c) for c in choices))
            key = f"{name}__{lookup}" if lookup else name
            raise ValidationProblem(f"{key}: {unknown[0]!r} is not one of {known}", field=f"query.{key}")


def filter_conditions(query: ListQuery, filters: Mapping[str, FilterField], session: Session | None = None) -> list:
    """The SQL conditions of a query's filters (its values checked against `choices` first)."""
    check_choices(query, filters, session)
    return [lookup_condition(filters[name].column, lookup, values) for name, lookup, values in query.filters]


def order_clauses(ordering: Sequence[str], columns: Mapping[str, Any], *, tiebreak, unique: Iterable[str] = ()) -> list:
    """ORDER BY clauses, ending with a unique column so pages never overlap or skip.

    When the ordering already ends on a field in `unique`, no tiebreak is added: an extra
    column would stop the database from reading the rows in an index's order.
    """
    clauses = []
    for name in ordering:
        column = columns[name.lstrip("-")]
        clauses.append(column.desc() if name.startswith("-") else column.asc())
    if not ordering or ordering[-1].lstrip("-") not in set(unique):
        clauses.append(tiebreak)
    return clauses


def fetch_page(
    session: Session,
    statement: Select,
    *,
    count_from,
    conditions: Sequence[Any],
    order_by: Sequence[Any],
    limit: int,
    offset: int,
) -> tuple[int, list[Any]]:
    """One page of rows and the total count.

    The count is a plain `SELECT count(*) FROM <table> WHERE ...` without joins or ordering, so
    an index on the filtered columns answers it.
    """
    count = session.scalar(select(func.count()).select_from(count_from).where(*conditions)) or 0
    rows = []
    if offset < count:
        rows = list(session.scalars(statement.where(*conditions).order_by(*order_by).limit(limit).offset(offset)).unique())
    return count, rows


def envelope(url: URL | str, *, count: int, results: list[Any], limit: int, offset: int) -> dict[str, Any]:
    """The list answer: count, links to the next and previous pages, and the results."""
    url = URL(str(url))
    next_url = None
    previous_url = None
    if offset + limit < count:
        next_url = str(url.include_query_params(limit=limit, offset=offset + limit))
    if offset > 0:
        previous_offset = max(0, min(offset - limit, count - limit if count > 0 else 0))
        previous_url = str(url.include_query_params(limit=limit, offset=previous_offset))
        if previous_offset == 0:
            previous_url = str(URL(previous_url).remove_query_params("offset"))
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}


# --- ETag and If-Match -------------------------------------------------------------------


def etag_of(representation: Any) -> str:
    """A strong ETag of a JSON representation: it changes whenever any field does."""
    encoded = json.dumps(representation, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32] + '"'


def check_if_match(if_match: str | None, current_etag: str, *, what: str = "resource") -> None:
    """Refuse a write made against a version of the resource that is no longer current.

    No header means the client did not ask for the check; `*` matches any current version.
    """
    if if_match is None:
        return
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",") if tag.strip()]
    if "*" in tags or current_etag in tags:
        return
    raise PreconditionFailedError(
        f"the {what} changed since it was read: If-Match {if_match} is not the current ETag "
        f"{current_etag}; read it again and reapply the change",
        field="If-Match",
        current_etag=current_etag,
    )


def etag_response(representation: Any, *, status_code: int = 200) -> JSONResponse:
    """A JSON answer carrying the representation's ETag, for a later If-Match."""
    return JSONResponse(representation, status_code=status_code, headers={"ETag": etag_of(representation)})


# --- request bodies: one item or a list of items -------------------------------------------


def _prefixed(loc: Sequence[Any], prefix: str) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _validation_errors(exc: ValidationError, prefix: str) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "required field is missing"
        errors.append({"field": _prefixed(err["loc"], prefix), "message": message, "type": err["type"]})
    return errors


def parse_items(model: type[BaseModel], body: Any, *, max_items: int = MAX_LIMIT) -> tuple[list[BaseModel], bool]:
    """Validate a body that is one object or a list of them; returns (items, was_a_list).

    Every item is checked before anything is written, and every problem is reported with its
    index, so a collector can fix its batch in one pass.
    """
    is_list = isinstance(body, list)
    raw_items = body if is_list else [body]
    if is_list and not raw_items:
        raise ValidationProblem("the list is empty: send at least one item", field="body")
    if len(raw_items) > max_items:
        raise ValidationProblem(f"at most {max_items} items per request, got {len(raw_items)}", field="body")
    items, errors = [], []
    for index, raw in enumerate(raw_items):
        prefix = f"body[{index}]" if is_list else "body"
        if not isinstance(raw, dict):
            errors.append({"field": prefix, "message": "expected a JSON object", "type": "model_type"})
            continue
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            errors.extend({**e, **({"index": index} if is_list else {})} for e in _validation_errors(exc, prefix))
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:10])
        raise ValidationProblem(detail, errors=errors)
    return items, is_list


@contextmanager
def item_errors(index: int | None) -> Iterator[None]:
    """Point a rule error raised for one item of a body at that item: `body[3].type`."""
    try:
        yield
    except ProblemError as exc:
        prefix = "body" if index is None else f"body[{index}]"
        errors = exc.extensions.get("errors")
        if errors:
            exc.extensions["errors"] = [
                {**e, "field": f"{prefix}.{e['field']}" if e.get("field") else prefix,
                 **({"index": index} if index is not None else {})}
                for e in errors
            ]
        if exc.extensions.get("field"):
            exc.extensions["field"] = f"{prefix}.{exc.extensions['field']}"
        if index is not None:
            exc.extensions["index"] = index
            exc.detail = f"item {index}: {exc.detail}"
        raise
