"""Baseline: every table of the declaration, and the gauge kinds.

Revision ID: 0001_baseline
Revises:
"""

from alembic import op

from shopdb_gauges.models import KINDS, Base

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    Base.metadata.create_all(op.get_bind())
    op.bulk_insert(Base.metadata.tables["gauge_kinds"], [{"key": k, "label": label} for k, label in KINDS])


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind())
