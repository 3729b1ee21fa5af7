"""Helpers for tests that run the `shopdb` command as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CORE_DIR = REPO / "services" / "core"

WIDGETS_MIGRATION = '''
"""widgets baseline"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("widget", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(80)))


def downgrade():
    op.drop_table("widget")
'''


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any SHOPDB_ setting of the machine, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDB_")}
    env.update(extra)
    return env


ADMIN_PASSWORD = "stack-admin-password-1"
GENERATED = re.compile(r"created the first admin: username 'admin', password (\S+)")


def login(base_url: str, password: str, username: str = "admin") -> dict[str, str]:
    """Log in through the gateway; the Authorization header for the access token."""
    response = httpx.post(f"{base_url}/api/auth/login", json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def shopdb(*args: str, cwd: Path, env: dict[str, str], input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shopdb_core.cli", *args],
        cwd=cwd, env=env, input=input, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture
def services_dir(tmp_path: Path) -> Path:
    """A services folder holding the real core and a small `widgets` service with one table."""
    root = tmp_path / "services"
    root.mkdir()
    (root / "core").symlink_to(CORE_DIR)
    widgets = root / "widgets"
    (widgets / "migrations" / "versions").mkdir(parents=True)
    (widgets / "manifest.json").write_text(json.dumps({
        "name": "widgets", "version": "0.1.0", "description": "Widgets for tests.",
        "core_version": ">=0.1,<0.2", "api_prefix": "/api/widgets",
    }))
    (widgets / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (widgets / "migrations" / "env.py").write_text(textwrap.dedent("""
        from sqlalchemy import MetaData
        from shopdb_contract.migrations import run_env

        run_env(MetaData())
    """))
    (widgets / "migrations" / "versions" / "0001_baseline.py").write_text(WIDGETS_MIGRATION)
    return root
