"""The service registry: one row per service that registered with this site's core.

Revision ID: 0002_service_registry
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shopdb_contract.db import UTCDateTime

revision = "0002_service_registry"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registered_services",
        sa.Column("name", sa.String(31), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("base_url", sa.String(255), nullable=False),
        sa.Column("contract_version", sa.String(64), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("refusal_type", sa.String(100), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("last_heartbeat", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_registered_services")),
    )


def downgrade() -> None:
    op.drop_table("registered_services")
