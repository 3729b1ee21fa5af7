"""Core's baseline: reference data, locations, assets, relationships and site settings.

Revision ID: 0001_baseline
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql


def UTCDateTime():  # noqa: N802  (reads like the model's column type)
    # Microseconds on MariaDB too: a timestamp read back must equal the one written, or the
    # ETag of a fresh read would differ from the one handed out by the write.
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asset_statuses',
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=50), nullable=False),
    sa.Column('sortorder', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_asset_statuses'))
    )
    op.create_table('asset_types',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('service', sa.String(length=31), nullable=False),
    sa.Column('created', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_asset_types'))
    )
    op.create_index(op.f('ix_asset_types_service'), 'asset_types', ['service'], unique=False)
    op.create_table('locations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('mapx', sa.Double(), nullable=True),
    sa.Column('mapy', sa.Double(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created', UTCDateTime(), nullable=False),
    sa.Column('updated', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['locations.id'], name=op.f('fk_locations_parent_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('parent_id', 'name', name='uq_locations_parent_id_name')
    )
    op.create_index(op.f('ix_locations_kind'), 'locations', ['kind'], unique=False)
    op.create_index(op.f('ix_locations_name'), 'locations', ['name'], unique=False)
    op.create_index(op.f('ix_locations_parent_id'), 'locations', ['parent_id'], unique=False)
    op.create_table('relationship_types',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('inverselabel', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_relationship_types'))
    )
    op.create_table('site_settings',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updatedby', sa.String(length=31), nullable=False),
    sa.Column('updated', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )
    op.create_table('vendors',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created', UTCDateTime(), nullable=False),
    sa.Column('updated', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendors')),
    sa.UniqueConstraint('name', name=op.f('uq_vendors_name'))
    )
    op.create_table('asset_models',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('vendor_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created', UTCDateTime(), nullable=False),
    sa.Column('updated', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_asset_models_vendor_id_vendors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_models')),
    sa.UniqueConstraint('vendor_id', 'name', name='uq_asset_models_vendor_id_name')
    )
    op.create_index(op.f('ix_asset_models_vendor_id'), 'asset_models', ['vendor_id'], unique=False)
    op.create_table('assets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('assetnumber', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('vendor_id', sa.Uuid(), nullable=True),
    sa.Column('model_id', sa.Uuid(), nullable=True),
    sa.Column('serialnumber', sa.String(length=100), nullable=False),
    sa.Column('mapx', sa.Double(), nullable=True),
    sa.Column('mapy', sa.Double(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('retiredfrom', sa.String(length=20), nullable=True),
    sa.Column('created', UTCDateTime(), nullable=False),
    sa.Column('updated', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_assets_location_id_locations')),
    sa.ForeignKeyConstraint(['model_id'], ['asset_models.id'], name=op.f('fk_assets_model_id_asset_models')),
    sa.ForeignKeyConstraint(['status'], ['asset_statuses.key'], name=op.f('fk_assets_status_asset_statuses')),
    sa.ForeignKeyConstraint(['type'], ['asset_types.name'], name=op.f('fk_assets_type_asset_types')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_assets_vendor_id_vendors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('assetnumber', name=op.f('uq_assets_assetnumber'))
    )
    op.create_index(op.f('ix_assets_created'), 'assets', ['created'], unique=False)
    op.create_index('ix_assets_location_id_assetnumber_status', 'assets', ['location_id', 'assetnumber', 'status'], unique=False)
    op.create_index(op.f('ix_assets_model_id'), 'assets', ['model_id'], unique=False)
    op.create_index(op.f('ix_assets_name'), 'assets', ['name'], unique=False)
    op.create_index(op.f('ix_assets_serialnumber'), 'assets', ['serialnumber'], unique=False)
    op.create_index('ix_assets_status_assetnumber', 'assets', ['status', 'assetnumber'], unique=False)
    op.create_index('ix_assets_type_assetnumber_status', 'assets', ['type', 'assetnumber', 'status'], unique=False)
    op.create_index(op.f('ix_assets_updated'), 'assets', ['updated'], unique=False)
    op.create_index(op.f('ix_assets_vendor_id'), 'assets', ['vendor_id'], unique=False)
    op.create_table('relationships',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('inheritsposition', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created', UTCDateTime(), nullable=False),
    sa.Column('updated', UTCDateTime(), nullable=False),
    sa.CheckConstraint('source_id <> target_id', name=op.f('ck_relationships_not_self')),
    sa.ForeignKeyConstraint(['source_id'], ['assets.id'], name=op.f('fk_relationships_source_id_assets')),
    sa.ForeignKeyConstraint(['target_id'], ['assets.id'], name=op.f('fk_relationships_target_id_assets')),
    sa.ForeignKeyConstraint(['type'], ['relationship_types.name'], name=op.f('fk_relationships_type_relationship_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relationships')),
    sa.UniqueConstraint('source_id', 'target_id', 'type', name='uq_relationships_source_target_type')
    )
    op.create_index('ix_relationships_source_id_inheritsposition', 'relationships', ['source_id', 'inheritsposition'], unique=False)
    op.create_index(op.f('ix_relationships_target_id'), 'relationships', ['target_id'], unique=False)
    op.create_index(op.f('ix_relationships_type'), 'relationships', ['type'], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop one a foreign key needs first.
    op.drop_table('relationships')
    op.drop_table('assets')
    op.drop_table('asset_models')
    op.drop_table('vendors')
    op.drop_table('site_settings')
    op.drop_table('relationship_types')
    op.drop_table('locations')
    op.drop_table('asset_types')
    op.drop_table('asset_statuses')
