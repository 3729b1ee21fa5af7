"""Baseline: reference data (seeded), equipment details, the outbox and idempotency keys.

Revision ID: 0001_baseline
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shopdb_contract.db import UTCDateTime
from shopdb_contract.domainasset import IDEMPOTENCY_TABLE, idempotency_columns
from shopdb_contract.outbox import OUTBOX_TABLE, outbox_columns
from shopdb_equipment.reference.seed import controller_type_rows, equipment_type_rows

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    equipment_types = op.create_table(
        "equipment_types",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("sortorder", sa.Integer(), nullable=False),
    )
    controller_types = op.create_table(
        "controller_types",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("vendor", sa.String(100), nullable=False),
    )
    op.bulk_insert(equipment_types, equipment_type_rows())
    op.bulk_insert(controller_types, controller_type_rows())

    op.create_table(
        "equipment",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("machinenumber", sa.String(32), nullable=False),
        sa.Column("equipmenttype", sa.String(40), sa.ForeignKey("equipment_types.key", name="fk_equipment_equipmenttype_equipment_types"), nullable=False),
        sa.Column("controllertype", sa.String(40), sa.ForeignKey("controller_types.key", name="fk_equipment_controllertype_controller_types"), nullable=True),
        sa.Column("controllerversion", sa.String(50), nullable=False),
        sa.Column("serialnumber", sa.String(100), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("criticality", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("pending_since", UTCDateTime(), nullable=True),
        sa.Column("last_seen", UTCDateTime(), nullable=True),
        sa.Column("collectorhash", sa.String(40), nullable=True),
        sa.Column("locked_fields", sa.JSON(), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("machinenumber", name="uq_equipment_machinenumber"),
    )
    for column in ("equipmenttype", "controllertype", "serialnumber", "department", "criticality", "state", "last_seen", "updated"):
        op.create_index(f"ix_equipment_{column}", "equipment", [column])

    op.create_table(OUTBOX_TABLE, *outbox_columns())
    op.create_index("ix_shopdb_outbox_pending", OUTBOX_TABLE, ["sent_at", "id"])

    op.create_table(IDEMPOTENCY_TABLE, *idempotency_columns())


def downgrade() -> None:
    op.drop_table(IDEMPOTENCY_TABLE)
    op.drop_index("ix_shopdb_outbox_pending", table_name=OUTBOX_TABLE)
    op.drop_table(OUTBOX_TABLE)
    op.drop_table("equipment")
    op.drop_table("controller_types")
    op.drop_table("equipment_types")
