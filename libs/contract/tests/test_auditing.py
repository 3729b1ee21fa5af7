"""Audited models write their own audit events on flush, in the same transaction."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shopdb_contract import auditing
from shopdb_contract.db import Database
from shopdb_contract.outbox import Actor, OutboxWriter, outbox_table
from shopdb_contract.testing.databases import backends, fresh_database


class Base(DeclarativeBase):
    metadata = MetaData()


Outbox = outbox_table(Base.metadata)


@auditing.audited("machine", exclude=("last_seen",))
class Machine(Base):
    __tablename__ = "machines"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    machinenumber: Mapped[str] = mapped_column(String(20))
    controller: Mapped[str | None] = mapped_column(String(40), nullable=True)
    password: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_seen: Mapped[str | None] = mapped_column(String(40), nullable=True)


@pytest.fixture(params=backends())
def database(request, tmp_path):
    with fresh_database(request.param, tmp_path, "auditing") as url:
        database = Database(url)
        Base.metadata.create_all(database.engine)
        auditing.install(database.sessions, OutboxWriter(service="equipment", table=Outbox))
        yield database
        database.dispose()


def events(database):
    with database.session() as session:
        return [row.payload for row in session.execute(select(Outbox.c.payload).order_by(Outbox.c.id))]


def test_create_update_delete_each_write_one_event_with_before_and_after(database):
    with database.session() as session:
        session.info["actor"] = Actor("user", "42", "mia")
        machine = Machine(machinenumber="2001", controller="Fanuc")
        session.add(machine)
        session.commit()
        machine.controller = "Siemens"
        session.commit()
        session.delete(machine)
        session.commit()
    create, update, delete = events(database)
    assert create["action"] == "create" and create["entity_id"] == str(machine.id)
    assert create["changes"]["machinenumber"] == {"before": None, "after": "2001"}
    assert update["action"] == "update"
    assert update["changes"] == {"controller": {"before": "Fanuc", "after": "Siemens"}}
    assert delete["action"] == "delete" and delete["changes"]["controller"] == {"before": "Siemens", "after": None}
    assert {e["actor"]["name"] for e in (create, update, delete)} == {"mia"}


def test_excluded_fields_alone_write_no_event_and_secrets_are_redacted(database):
    with database.session() as session:
        machine = Machine(machinenumber="2002", password="hunter2")
        session.add(machine)
        session.commit()
        machine.last_seen = "today"
        session.commit()
    (create,) = events(database)
    assert create["changes"]["password"] == {"before": None, "after": "[redacted]"}
    assert "hunter2" not in str(create)


def test_a_named_action_and_a_rolled_back_change(database):
    with database.session() as session:
        machine = Machine(machinenumber="2003")
        session.add(machine)
        session.commit()
        machine.controller = "Heidenhain"
        auditing.set_action(session, machine, "retrofit")
        session.commit()
        machine.controller = "Fanuc"
        session.flush()
        session.rollback()
    actions = [e["action"] for e in events(database)]
    assert actions == ["create", "retrofit"]
