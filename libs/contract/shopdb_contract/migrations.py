"""Alembic for every service: each has its own history in its own database.

A service's `migrations/env.py` is two lines that call `run_env(Base.metadata)`; tools and
tests call `upgrade(service_dir, url)`.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from shopdb_contract.db import make_engine

__all__ = ["alembic_config", "downgrade", "run_env", "upgrade"]


def alembic_config(service_dir: str | Path, url: str) -> Config:
    service_dir = Path(service_dir).resolve()
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    # Stored as an attribute, not in the ini: '%' in a password would break ini interpolation.
    config.attributes["database_url"] = url
    return config


def upgrade(service_dir: str | Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service_dir, url), revision)


def downgrade(service_dir: str | Path, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service_dir, url), revision)


def run_env(target_metadata) -> None:
    """The body of every service's migrations/env.py."""
    config = context.config
    url = config.attributes.get("database_url") or os.environ.get("SHOPDB_DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set SHOPDB_DATABASE_URL or call shopdb_contract.migrations.upgrade")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, pooled=False)
    with engine.connect() as connection:
        # Batch mode lets ALTER work on SQLite, which cannot alter most constraints in place.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
