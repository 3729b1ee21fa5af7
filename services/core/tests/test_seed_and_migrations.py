"""Seeding is idempotent; the baseline migration runs up and down on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select

from shopdb_contract.migrations import downgrade, upgrade
from shopdb_contract.testing.databases import backends, fresh_database
from shopdb_core.assets.models import Asset
from shopdb_core.assets.position import resolve_position
from shopdb_core.locations.models import Location
from shopdb_core.reference.models import AssetModel, AssetStatus, AssetType, RelationshipType, Vendor
from shopdb_core.relationships.models import Relationship
from shopdb_core.seed import seed_demo, seed_reference

CORE_DIR = Path(__file__).resolve().parent.parent
MODELS = (AssetStatus, AssetType, RelationshipType, Vendor, AssetModel, Location, Asset, Relationship)


def counts(database) -> dict[str, int]:
    with database.session() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_seeding_reference_data_twice_changes_nothing(database):
    before = counts(database)
    with database.transaction() as session:
        seed_reference(session)
    assert counts(database) == before
    assert before["AssetStatus"] == 5 and before["RelationshipType"] >= 3


def test_demo_site_has_about_thirty_placed_assets_and_a_second_run_changes_nothing(database):
    with database.transaction() as session:
        seed_demo(session)
    first = counts(database)
    with database.transaction() as session:
        seed_demo(session)
    assert counts(database) == first
    assert 25 <= first["Asset"] <= 40 and first["Location"] >= 8
    with database.session() as session:
        kinds = set(session.scalars(select(Location.kind)))
        assert {"site", "building", "area", "cell"} <= kinds
        sensor = session.scalar(select(Asset).where(Asset.assetnumber == "S-0001"))
        assert resolve_position(session, asset=sensor)["source"] == "related_asset"
        placed = [resolve_position(session, asset=a)["source"] for a in session.scalars(select(Asset))]
        assert placed.count("none") == 0


@pytest.mark.parametrize("backend", backends())
def test_baseline_migration_creates_and_drops_core_tables(backend, tmp_path):
    with fresh_database(backend, tmp_path, "baseline") as url:
        upgrade(CORE_DIR, url, "0001_baseline")
        engine = create_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
            assert {"assets", "locations", "relationships", "vendors", "asset_models", "site_settings"} <= tables
            downgrade(CORE_DIR, url, "base")
            assert not {"assets", "locations"} & set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
