"""`shopdb services ...` and `shopdb migrate` on real databases, with no stack running."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, inspect

from shopdb_contract.testing.databases import backends, fresh_database

from .conftest import clean_env, shopdb


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_install_migrates_and_enables_and_uninstall_drops_the_data(backend, tmp_path, services_dir):
    with fresh_database(backend, tmp_path, "widgets") as url:
        env = clean_env(
            SHOPDB_SERVICES_DIR=str(services_dir), SHOPDB_VAR_DIR=str(tmp_path / "var"), SHOPDB_WIDGETS_DATABASE_URL=url
        )
        installed = shopdb("services", "install", "widgets", cwd=tmp_path, env=env)
        assert installed.returncode == 0, installed.stderr
        assert "widget" in tables(url)
        state = json.loads((tmp_path / "var" / "services.json").read_text())
        assert state["services"]["widgets"]["enabled"] is True

        listed = shopdb("services", "list", cwd=tmp_path, env=env)
        assert listed.returncode == 0, listed.stderr
        widgets_row = next(line for line in listed.stdout.splitlines() if line.startswith("widgets"))
        assert widgets_row.split()[2:4] == ["yes", "yes"]

        removed = shopdb("services", "uninstall", "widgets", "--yes", cwd=tmp_path, env=env)
        assert removed.returncode == 0, removed.stderr
        assert "widget" not in tables(url)
        assert "widgets" not in json.loads((tmp_path / "var" / "services.json").read_text())["services"]


def test_uninstall_without_a_terminal_or_yes_refuses_and_keeps_the_data(tmp_path, services_dir):
    env = clean_env(SHOPDB_SERVICES_DIR=str(services_dir), SHOPDB_VAR_DIR=str(tmp_path / "var"))
    assert shopdb("services", "install", "widgets", cwd=tmp_path, env=env).returncode == 0
    refused = shopdb("services", "uninstall", "widgets", cwd=tmp_path, env=env, input="widgets\n")
    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    assert (tmp_path / "var" / "widgets.db").exists()


def test_disable_then_enable_records_the_local_state(tmp_path, services_dir):
    env = clean_env(SHOPDB_SERVICES_DIR=str(services_dir), SHOPDB_VAR_DIR=str(tmp_path / "var"))
    state_file = tmp_path / "var" / "services.json"
    assert shopdb("services", "install", "widgets", cwd=tmp_path, env=env).returncode == 0
    assert shopdb("services", "disable", "widgets", cwd=tmp_path, env=env).returncode == 0
    assert json.loads(state_file.read_text())["services"]["widgets"]["enabled"] is False
    assert shopdb("services", "enable", "widgets", cwd=tmp_path, env=env).returncode == 0
    assert json.loads(state_file.read_text())["services"]["widgets"]["enabled"] is True


def test_core_cannot_be_disabled_and_unknown_services_are_named(tmp_path, services_dir):
    env = clean_env(SHOPDB_SERVICES_DIR=str(services_dir), SHOPDB_VAR_DIR=str(tmp_path / "var"))
    core = shopdb("services", "disable", "core", cwd=tmp_path, env=env)
    assert core.returncode == 1 and "core is always on" in core.stderr
    unknown = shopdb("services", "install", "gizmos", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "'gizmos'" in unknown.stderr and "widgets" in unknown.stderr


def test_migrate_refuses_one_shared_database_for_several_services(tmp_path, services_dir):
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    env = clean_env(SHOPDB_SERVICES_DIR=str(services_dir), SHOPDB_VAR_DIR=str(tmp_path / "var"), SHOPDB_DATABASE_URL=shared)
    refused = shopdb("migrate", "core", "widgets", cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert "{service}" in refused.stderr
    assert not (tmp_path / "shared.db").exists()


def test_migrate_one_service_uses_shopdb_database_url(tmp_path, services_dir):
    url = f"sqlite:///{tmp_path / 'container.db'}"
    env = clean_env(SHOPDB_SERVICES_DIR=str(services_dir), SHOPDB_VAR_DIR=str(tmp_path / "var"), SHOPDB_DATABASE_URL=url)
    migrated = shopdb("migrate", "widgets", cwd=tmp_path, env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "widget" in tables(url)
    assert not (tmp_path / "var" / "widgets.db").exists()
