"""Asset numbers unique regardless of case: `assets.assetnumberkey`, the folded number, unique.

Revision ID: 0005_assetnumber_key
Revises: 0004_identity

A database holding two asset numbers that differ only in case (`g-0001` beside `G-0001`,
possible on SQLite before this revision) is refused with both named: a person decides which
keeps the number, renames the other, and runs the upgrade again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_assetnumber_key"
down_revision = "0004_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("assetnumberkey", sa.String(64), nullable=True))
    bind = op.get_bind()
    assets = sa.table("assets", sa.column("id", sa.Uuid()), sa.column("assetnumber"), sa.column("assetnumberkey"))
    seen: dict[str, str] = {}
    clashes = []
    rows = bind.execute(sa.select(assets.c.id, assets.c.assetnumber)).all()
    for row in rows:
        key = row.assetnumber.casefold()
        if key in seen:
            clashes.append(f"{seen[key]!r} and {row.assetnumber!r}")
        seen[key] = row.assetnumber
    if clashes:
        raise RuntimeError(
            "asset numbers that differ only in case: " + "; ".join(clashes)
            + ". Rename one of each pair, then upgrade again."
        )
    for row in rows:
        bind.execute(assets.update().where(assets.c.id == row.id).values(assetnumberkey=row.assetnumber.casefold()))
    with op.batch_alter_table("assets") as batch:
        batch.alter_column("assetnumberkey", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_assets_assetnumberkey", ["assetnumberkey"])


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_constraint("uq_assets_assetnumberkey", type_="unique")
        batch.drop_column("assetnumberkey")
