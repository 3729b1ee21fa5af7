"""Computers' own Alembic history keeps what it stored: application rows become one list per computer and back."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shopdb_contract.migrations import downgrade, upgrade
from shopdb_contract.testing.databases import backends, fresh_database

COMPUTERS_DIR = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("backend", backends())
def test_application_rows_become_one_list_per_computer_and_back(backend, tmp_path):
    with fresh_database(backend, tmp_path, "computers") as url:
        upgrade(COMPUTERS_DIR, url, "0001_baseline")
        engine = create_engine(url)
        computer = uuid.uuid4().hex
        try:
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO computers (id, hostname, hostname_key, osname, osversion, osbuild, domain, lastuser, cpu,"
                    " source, locked_fields, state, created, updated) VALUES (:id, 'PC-1', 'pc-1', '', '', '', '', '', '',"
                    " 'manual', '[]', 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ), {"id": computer})
                connection.execute(text(
                    "INSERT INTO computer_applications (computer_id, name, version, publisher)"
                    " VALUES (:id, 'Fanuc FOCAS', '4.2', 'Fanuc'), (:id, '7-Zip', '23.01', '')"
                ), {"id": computer})
            upgrade(COMPUTERS_DIR, url)
            with engine.begin() as connection:
                document, names, count = connection.execute(text("SELECT document, names, count FROM computer_applications")).one()
            assert count == 2 and names == "\x1fFanuc FOCAS\x1f7-Zip\x1f"
            assert document == '[{"name":"Fanuc FOCAS","version":"4.2","publisher":"Fanuc"},{"name":"7-Zip","version":"23.01","publisher":""}]'
            downgrade(COMPUTERS_DIR, url, "0001_baseline")
            with engine.begin() as connection:
                rows = connection.execute(text("SELECT name, version, publisher FROM computer_applications ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [("Fanuc FOCAS", "4.2", "Fanuc"), ("7-Zip", "23.01", "")]
        finally:
            engine.dispose()
