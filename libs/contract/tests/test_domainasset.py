"""The saga's own rules, without a core: idempotency keys, request fingerprints, the field a
core refusal names, bulk inserts of rows naming different columns. The saga itself runs against
a real core in every domain service's tests and in the example domain's."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shopdb_contract.domainasset import _field_of, _insert_rows, check_key, request_hash
from shopdb_contract.errors import ConflictError, ValidationProblem


def named(exc) -> str:
    """The field a problem names (its `field`, else its first error's)."""
    errors = exc.extensions.get("errors") or [{}]
    return exc.extensions.get("field") or errors[0].get("field")


def test_an_idempotency_key_is_printable_bounded_and_trimmed():
    assert check_key(None) is None
    assert check_key("  import-2001 ") == "import-2001"
    for bad in ("", "   ", "x" * 201, "tab\there"):
        with pytest.raises(ValidationProblem) as refused:
            check_key(bad)
        assert named(refused.value) == "Idempotency-Key"


def test_the_fingerprint_of_a_body_ignores_key_order_and_follows_every_value():
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": 2})


def test_a_refusal_names_the_field_without_cores_batch_index():
    assert _field_of(ConflictError("taken", field="body[3].assetnumber")) == "assetnumber"
    assert _field_of(ValidationProblem("bad", errors=[{"field": "body[0].model", "message": "x"}])) == "model"
    assert _field_of(ConflictError("clash")) is None


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(20), default="-")


def test_rows_naming_different_columns_go_in_bulk_and_the_rest_take_their_defaults():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        _insert_rows(session, Row.__table__, [{"id": 1, "name": "a"}, {"id": 2, "name": "b", "note": "x"}, {"id": 3, "name": "c"}])
        session.commit()
        assert list(session.execute(select(Row.id, Row.note).order_by(Row.id))) == [(1, "-"), (2, "x"), (3, "-")]
