"""Each service's database: its URL, migrations, reference data, and dropping it on uninstall."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url

from shopdb_contract.db import Database, make_engine
from shopdb_contract.migrations import upgrade
from shopdb_core.stack.layout import Layout, Service, StackError
from shopdb_core.stack.settings import StackSettings


def database_url(name: str, settings: StackSettings, layout: Layout) -> str:
    """SHOPDB_<NAME>_DATABASE_URL, else SHOPDB_DATABASE_URL ("{service}" filled in), else SQLite."""
    own = os.environ.get(f"SHOPDB_{name.upper()}_DATABASE_URL")
    if own:
        return own
    if settings.database_url:
        return settings.database_url.replace("{service}", name)
    return f"sqlite:///{(layout.var_dir / f'{name}.db').as_posix()}"


def check_separate_databases(names: list[str], settings: StackSettings) -> None:
    """Refuse one shared database for several services: each owns its own (DESIGN.md)."""
    shared = settings.database_url and "{service}" not in settings.database_url
    without_own = [n for n in names if not os.environ.get(f"SHOPDB_{n.upper()}_DATABASE_URL")]
    if shared and len(without_own) > 1:
        raise StackError(
            "SHOPDB_DATABASE_URL names one database but several services would share it "
            f"({', '.join(without_own)}): put '{{service}}' in it (e.g. "
            "mysql+pymysql://user:pw@host/shopdb_{service}) or set SHOPDB_<NAME>_DATABASE_URL per service"
        )


def has_migrations(service: Service) -> bool:
    return (service.directory / "alembic.ini").is_file()


def migrate(service: Service, url: str) -> bool:
    """Apply the service's migrations; False when it keeps no tables (no alembic.ini)."""
    if not has_migrations(service):
        return False
    ensure_database(url)
    upgrade(service.directory, url)
    return True


def ensure_database(url: str) -> None:
    """On MySQL/MariaDB, create the service's database when the account may; SQLite makes its file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "mysql" or not parsed.database:
        return
    engine = make_engine(parsed.set(database="").render_as_string(hide_password=False), pooled=False)
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"), {"name": parsed.database}
            ).first()
            if exists is None:
                connection.execute(
                    text(f"CREATE DATABASE `{parsed.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                )
    except Exception as exc:
        raise StackError(
            f"database {parsed.database!r} on {parsed.host} does not exist and could not be created "
            f"({type(exc).__name__}: {exc}); create it, or give a URL to an existing one"
        ) from exc
    finally:
        engine.dispose()


def seed(url: str, *, demo: bool = False) -> None:
    """Core's reference data (idempotent), and with `demo` a small site placed on the map."""
    from shopdb_core.seed import seed_demo, seed_reference

    database = Database(url)
    try:
        with database.transaction() as session:
            seed_reference(session)
            if demo:
                seed_demo(session)
    finally:
        database.dispose()


def drop_data(url: str) -> str:
    """Remove a service's data: its SQLite file, or every table of its MySQL database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"removed {path}"
    engine = make_engine(url, pooled=False)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            if parsed.get_backend_name() == "mysql":
                # Reflection order ignores cycles; foreign keys are checked per statement.
                connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            metadata.drop_all(connection)
            if parsed.get_backend_name() == "mysql":
                connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        return f"dropped {len(metadata.tables)} tables of {parsed.render_as_string(hide_password=True)}"
    finally:
        engine.dispose()
