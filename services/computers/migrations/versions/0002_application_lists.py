"""Installed applications as one row per computer: the list as a JSON document and its
distinct names for the "application installed" filter (ADR-010).

A collector's first push of 1,000 PCs with 40 applications each wrote 40,000 rows of five
escaped values; it now writes 1,000. The rows are copied over in the order they were stored.

Revision ID: 0002_application_lists
Revises: 0001_baseline
"""

import orjson
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002_application_lists"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")
DOCUMENT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
SEPARATOR = "\x1f"
CHUNK = 500


def _old_columns() -> list:
    return [
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("computer_id", sa.Uuid(), sa.ForeignKey("computers.id", ondelete="CASCADE", name="fk_computer_applications_computer_id_computers"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("publisher", sa.String(200), nullable=False),
    ]


def _new_columns() -> list:
    return [
        sa.Column("computer_id", sa.Uuid(), sa.ForeignKey("computers.id", ondelete="CASCADE", name="fk_computer_applications_computer_id_computers"), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("names", DOCUMENT, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("computer_id", name="pk_computer_applications"),
    ]


def _row(computer_id, items):
    names = dict.fromkeys(i["name"].replace(SEPARATOR, " ") for i in items)
    return {"computer_id": computer_id, "document": orjson.dumps(items).decode("utf-8"),
            "names": SEPARATOR + SEPARATOR.join(names) + SEPARATOR, "count": len(items)}


def upgrade() -> None:
    bind = op.get_bind()
    old = sa.Table("computer_applications", sa.MetaData(), *_old_columns())
    lists: dict = {}
    statement = sa.select(old.c.computer_id, old.c.name, old.c.version, old.c.publisher).order_by(old.c.computer_id, old.c.id)
    for computer_id, name, version, publisher in bind.execute(statement):
        lists.setdefault(computer_id, []).append({"name": name, "version": version, "publisher": publisher})
    op.drop_table("computer_applications")
    new = op.create_table("computer_applications", *_new_columns())
    rows = [_row(computer_id, items) for computer_id, items in lists.items()]
    for start in range(0, len(rows), CHUNK):
        bind.execute(sa.insert(new), rows[start:start + CHUNK])


def downgrade() -> None:
    bind = op.get_bind()
    new = sa.Table("computer_applications", sa.MetaData(), *_new_columns())
    rows = []
    for computer_id, items in bind.execute(sa.select(new.c.computer_id, new.c.document)):
        rows += [{"computer_id": computer_id, **item} for item in orjson.loads(items)]
    op.drop_table("computer_applications")
    old = op.create_table("computer_applications", *_old_columns())
    op.create_index("ix_computer_applications_computer_id", "computer_applications", ["computer_id"])
    op.create_index("ix_computer_applications_name_computer", "computer_applications", ["name", "computer_id"])
    for start in range(0, len(rows), CHUNK * 40):
        bind.execute(sa.insert(old), rows[start:start + CHUNK * 40])
