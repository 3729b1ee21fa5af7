"""Baseline: computer types (seeded), computer details, applications, interfaces, the outbox
and idempotency keys.

Revision ID: 0001_baseline
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shopdb_contract.db import UTCDateTime
from shopdb_contract.domainasset import IDEMPOTENCY_TABLE, idempotency_columns
from shopdb_contract.outbox import OUTBOX_TABLE, outbox_columns
from shopdb_computers.reference.models import computer_type_rows

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    types = op.create_table(
        "computer_types",
        sa.Column("key", sa.String(30), primary_key=True),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("sortorder", sa.Integer(), nullable=False),
    )
    op.bulk_insert(types, computer_type_rows())

    op.create_table(
        "computers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("hostname", sa.String(63), nullable=False),
        sa.Column("hostname_key", sa.String(63), nullable=False),
        sa.Column("computertype", sa.String(30), sa.ForeignKey("computer_types.key", name="fk_computers_computertype_computer_types"), nullable=True),
        sa.Column("osname", sa.String(100), nullable=False),
        sa.Column("osversion", sa.String(50), nullable=False),
        sa.Column("osbuild", sa.String(50), nullable=False),
        sa.Column("domain", sa.String(100), nullable=False),
        sa.Column("lastuser", sa.String(100), nullable=False),
        sa.Column("lastboot", UTCDateTime(), nullable=True),
        sa.Column("cpu", sa.String(200), nullable=False),
        sa.Column("memory_mb", sa.Integer(), nullable=True),
        sa.Column("disk_gb", sa.Integer(), nullable=True),
        sa.Column("warrantyend", sa.Date(), nullable=True),
        sa.Column("last_seen", UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("locked_fields", sa.JSON(), nullable=False),
        sa.Column("collector_hash", sa.String(40), nullable=True),
        sa.Column("applications_hash", sa.String(40), nullable=True),
        sa.Column("interfaces_hash", sa.String(40), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("pending_since", UTCDateTime(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("hostname_key", name="uq_computers_hostname_key"),
    )
    for column in ("computertype", "osname", "last_seen", "state", "updated"):
        op.create_index(f"ix_computers_{column}", "computers", [column])

    op.create_table(
        "computer_applications",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("computer_id", sa.Uuid(), sa.ForeignKey("computers.id", ondelete="CASCADE", name="fk_computer_applications_computer_id_computers"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("publisher", sa.String(200), nullable=False),
    )
    op.create_index("ix_computer_applications_computer_id", "computer_applications", ["computer_id"])
    op.create_index("ix_computer_applications_name_computer", "computer_applications", ["name", "computer_id"])

    op.create_table(
        "computer_interfaces",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("computer_id", sa.Uuid(), sa.ForeignKey("computers.id", ondelete="CASCADE", name="fk_computer_interfaces_computer_id_computers"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("mac", sa.String(17), nullable=False),
        sa.Column("ipaddresses", sa.JSON(), nullable=False),
    )
    op.create_index("ix_computer_interfaces_computer_id", "computer_interfaces", ["computer_id"])
    op.create_index("ix_computer_interfaces_mac", "computer_interfaces", ["mac"])

    op.create_table(OUTBOX_TABLE, *outbox_columns())
    op.create_index("ix_shopdb_outbox_pending", OUTBOX_TABLE, ["sent_at", "id"])
    op.create_table(IDEMPOTENCY_TABLE, *idempotency_columns())


def downgrade() -> None:
    op.drop_table(IDEMPOTENCY_TABLE)
    op.drop_table(OUTBOX_TABLE)
    op.drop_table("computer_interfaces")
    op.drop_table("computer_applications")
    op.drop_table("computers")
    op.drop_table("computer_types")
