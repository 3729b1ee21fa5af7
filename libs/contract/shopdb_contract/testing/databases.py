"""Real databases for tests: SQLite always, MariaDB/MySQL where the machine has one.

`SHOPDB_TEST_MYSQL_URL` points at a server whose user may create databases (default: root
with no password on 127.0.0.1:3306, as on the project's CI machines). Each test database gets
a unique name and is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["DEFAULT_MYSQL", "backends", "fresh_database", "mysql_available", "mysql_server_url"]

DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/"


def mysql_server_url() -> str:
    return os.environ.get("SHOPDB_TEST_MYSQL_URL", DEFAULT_MYSQL)


@lru_cache(maxsize=1)
def mysql_available() -> bool:
    if os.environ.get("SHOPDB_TEST_MYSQL", "auto") == "off":
        return False
    try:
        engine = create_engine(mysql_server_url(), connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def backends() -> list[str]:
    """The backends to run database tests against on this machine."""
    return ["sqlite", "mysql"] if mysql_available() else ["sqlite"]


@contextmanager
def fresh_database(backend: str, tmp_path: Path, label: str = "db") -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{(tmp_path / f'{label}.db').as_posix()}"
        return
    if backend != "mysql":
        raise ValueError(f"unknown backend {backend!r}")
    name = f"shopdb_test_{label}_{uuid.uuid4().hex[:10]}"
    server = create_engine(mysql_server_url(), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    try:
        yield make_url(mysql_server_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()
