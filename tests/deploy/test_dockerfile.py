"""deploy/Dockerfile: passes hadolint; one image, non-root, a health check; its entry point
runs the service it is told to."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest
from deployfiles import DEPLOY, REPO, run, service_names, tool

DOCKERFILE = DEPLOY / "Dockerfile"


def final_stage() -> str:
    return re.split(r"^FROM ", DOCKERFILE.read_text(), flags=re.M)[-1]


def test_dockerfile_passes_hadolint():
    result = run([tool("hadolint"), str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_and_runs_as_a_numeric_non_root_user():
    assert len(re.findall(r"^FROM ", DOCKERFILE.read_text(), flags=re.M)) >= 2
    users = re.findall(r"^USER (\d+)(?::(\d+))?$", final_stage(), flags=re.M)
    assert users and int(users[-1][0]) > 0


def test_final_image_has_a_health_check_and_no_build_tools_or_secrets():
    stage = final_stage()
    assert re.search(r"^HEALTHCHECK .*health", stage, flags=re.M | re.S)
    assert "pip install" not in stage and "apt-get" not in stage
    assert not re.search(r"(SECRET|TOKEN|PASSWORD)", stage)


def test_build_context_ignore_file_keeps_the_image_small():
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert [line for line in ignore if line and not line.startswith("#")][0] == "**", "start from nothing"
    for needed in ("libs/contract", "services", "gateway", "deploy/entrypoint.py"):
        assert f"!{needed}" in ignore


@pytest.fixture
def image_layout(tmp_path):
    """The image's /app: entrypoint.py next to services/ and gateway/."""
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(DEPLOY / "entrypoint.py", app / "entrypoint.py")
    (app / "services").symlink_to(REPO / "services")
    return app


def entrypoint_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDB_")}
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env.get('PATH', '')}"
    env.update(extra)
    return env


def test_entrypoint_migrates_the_service_it_is_told_to(image_layout, tmp_path):
    database = tmp_path / "core.db"
    env = entrypoint_env(SHOPDB_DATABASE_URL=f"sqlite:///{database}", SHOPDB_SERVICES_DIR=str(image_layout / "services"))
    result = run([sys.executable, str(image_layout / "entrypoint.py"), "migrate", "core"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    import sqlite3

    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()


def test_entrypoint_refuses_a_service_the_image_does_not_have(image_layout):
    result = run([sys.executable, str(image_layout / "entrypoint.py"), "serve", "nosuchservice"], env=entrypoint_env())
    assert result.returncode != 0
    assert "nosuchservice" in result.stderr and ", ".join(service_names()) in result.stderr


def test_entrypoint_migrate_without_a_database_url_says_so(image_layout):
    result = run([sys.executable, str(image_layout / "entrypoint.py"), "migrate", "core"], env=entrypoint_env())
    assert result.returncode != 0 and "SHOPDB_DATABASE_URL" in result.stderr


def test_entrypoint_migrates_under_a_database_lock_on_mysql(image_layout, tmp_path):
    from shopdb_contract.testing.databases import fresh_database, mysql_available
    from sqlalchemy import create_engine, text

    if not mysql_available():
        pytest.skip("needs a MySQL/MariaDB server")
    with fresh_database("mysql", tmp_path, "entrypoint") as url:
        env = entrypoint_env(SHOPDB_DATABASE_URL=url, SHOPDB_SERVICES_DIR=str(image_layout / "services"))
        for _ in range(2):  # the second run finds the schema at head
            result = run([sys.executable, str(image_layout / "entrypoint.py"), "migrate", "core"], env=env, cwd=tmp_path)
            assert result.returncode == 0, result.stdout + result.stderr
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert connection.execute(text("SELECT IS_FREE_LOCK('shopdb_migrate_core')")).scalar() == 1
        engine.dispose()
