"""The list conventions on their own: parameters parsed and refused, lookups as SQL on a real
SQLite database, choices, ordering that never overlaps pages, ETags and list bodies."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from starlette.datastructures import QueryParams

from shopdb_contract import listing
from shopdb_contract.errors import PreconditionFailedError, ValidationProblem


class Base(DeclarativeBase):
    pass


class Tool(Base):
    __tablename__ = "tools"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    length: Mapped[int] = mapped_column(Integer)


FILTERS = {
    "name": listing.FilterField(Tool.name),
    "kind": listing.FilterField(Tool.kind, choices=("drill", "mill", "tap")),
    "length": listing.FilterField(Tool.length, int),
}


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([
            Tool(id=1, name="Drill 5%", kind="drill", length=80), Tool(id=2, name="drill_6", kind="drill", length=90),
            Tool(id=3, name="End mill", kind="mill", length=75), Tool(id=4, name="Tap M6", kind="tap", length=60),
        ])
        session.commit()
        yield session


def query(raw: str, **kw) -> listing.ListQuery:
    return listing.parse_list_query(QueryParams(raw), filters=FILTERS, ordering=("name", "length"), **kw)


def names(session, raw: str) -> list[str]:
    q = query(raw)
    conditions = listing.filter_conditions(q, FILTERS, session)
    order = listing.order_clauses(q.ordering or ["name"], {"name": Tool.name, "length": Tool.length}, tiebreak=Tool.id)
    return list(session.scalars(select(Tool.name).where(*conditions).order_by(*order)))


def named(exc) -> str:
    """The field a problem names (its `field`, else its first error's)."""
    errors = exc.extensions.get("errors") or [{}]
    return exc.extensions.get("field") or errors[0].get("field")


def test_lookups_become_sql_and_like_wildcards_in_values_are_literal(session):
    assert names(session, "kind=drill") == ["Drill 5%", "drill_6"]
    assert names(session, "kind__n=drill") == ["End mill", "Tap M6"]
    assert names(session, "name__ic=5%") == ["Drill 5%"]
    assert names(session, "name__isw=drill_") == ["drill_6"]
    assert names(session, "length__gte=80&ordering=-length") == ["drill_6", "Drill 5%"]
    assert names(session, "kind=drill,tap&length__lt=85") == ["Drill 5%", "Tap M6"]


def test_a_value_outside_a_fields_choices_is_refused_naming_the_field(session):
    with pytest.raises(ValidationProblem) as refused:
        names(session, "kind=hammer")
    assert named(refused.value) == "query.kind" and "hammer" in refused.value.detail
    with pytest.raises(ValidationProblem):
        names(session, "kind__n=drill,hammer")
    # A text lookup on part of a value is not a choice.
    assert sorted(names(session, "kind__ic=ill")) == ["Drill 5%", "End mill", "drill_6"]


def test_choices_read_from_the_database_need_the_session():
    filters = {"kind": listing.FilterField(Tool.kind, choices=lambda s: {"drill"})}
    q = listing.parse_list_query(QueryParams("kind=hammer"), filters=filters, ordering=())
    listing.check_choices(q, filters)  # no session: left to the caller that has one
    with pytest.raises(ValidationProblem):
        listing.check_choices(q, filters, session=object())


@pytest.mark.parametrize("raw, field", [
    ("limit=0", "query.limit"), ("limit=1001", "query.limit"), ("offset=-1", "query.offset"),
    ("brief=perhaps", "query.brief"), ("ordering=colour", "query.ordering"), ("colour=red", "query.colour"),
    ("name__gt=a", "query.name__gt"), ("length=long", "query.length"),
])
def test_bad_parameters_are_refused_naming_them(raw, field):
    with pytest.raises(ValidationProblem) as refused:
        query(raw)
    assert named(refused.value) == field


def test_declared_extra_parameters_are_kept_raw():
    q = query("q=mill&q=tap", extra=("q",))
    assert q.extra == {"q": ["mill", "tap"]} and q.first("q") == "tap"


def test_ordering_ends_on_a_unique_column_unless_it_already_does():
    columns = {"name": Tool.name, "length": Tool.length}
    assert len(listing.order_clauses(["length"], columns, tiebreak=Tool.id)) == 2
    assert len(listing.order_clauses(["name"], columns, tiebreak=Tool.id, unique=("name",))) == 1


def test_if_match_accepts_the_current_etag_or_star_and_refuses_a_stale_one():
    etag = listing.etag_of({"a": 1})
    listing.check_if_match(None, etag)
    listing.check_if_match("*", etag)
    listing.check_if_match(f'W/{etag}, "other"', etag)
    with pytest.raises(PreconditionFailedError):
        listing.check_if_match(listing.etag_of({"a": 2}), etag)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def test_a_list_body_is_checked_whole_and_bounded():
    items, was_list = listing.parse_items(Item, [{"name": "a"}, {"name": "b"}])
    assert was_list and [i.name for i in items] == ["a", "b"]
    with pytest.raises(ValidationProblem):
        listing.parse_items(Item, [])
    with pytest.raises(ValidationProblem) as too_many:
        listing.parse_items(Item, [{"name": "a"}] * 3, max_items=2)
    assert "at most 2" in too_many.value.detail
