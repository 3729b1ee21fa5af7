"""Every core table, imported in one place so Alembic and tests see the whole metadata."""

from shopdb_core.db import Base  # noqa: F401
