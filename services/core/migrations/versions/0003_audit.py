"""Audit: core's outbox, the audit store and its dead letters.

Revision ID: 0003_audit
Revises: 0002_service_registry
"""

import sqlalchemy as sa
from alembic import op

from shopdb_contract.db import UTCDateTime
from shopdb_contract.outbox import OUTBOX_TABLE, outbox_columns

revision = "0003_audit"
down_revision = "0002_service_registry"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(OUTBOX_TABLE, *outbox_columns())
    op.create_index("ix_shopdb_outbox_pending", OUTBOX_TABLE, ["sent_at", "id"])

    op.create_table(
        "audit_events",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("entity_type", sa.String(60), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("summary", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.UniqueConstraint("event_id", name="uq_audit_events_event_id"),
    )
    op.create_index("ix_audit_events_entity", "audit_events", ["entity_id", "occurred_at"])
    op.create_index("ix_audit_events_service_time", "audit_events", ["service", "occurred_at"])
    op.create_index("ix_audit_events_occurred", "audit_events", ["occurred_at"])
    op.create_index("ix_audit_events_actor", "audit_events", ["actor_id", "occurred_at"])

    op.create_table(
        "audit_deadletters",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("stream_sequence", BIGINT, nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("parked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_deadletters"),
        sa.UniqueConstraint("stream_sequence", name="uq_audit_deadletters_stream_sequence"),
    )


def downgrade() -> None:
    op.drop_table("audit_deadletters")
    op.drop_table("audit_events")
    op.drop_table(OUTBOX_TABLE)
