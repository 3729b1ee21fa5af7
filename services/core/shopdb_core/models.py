"""Every core table, imported in one place so Alembic and tests see the whole metadata."""

from shopdb_core.db import Base  # noqa: F401
from shopdb_core.registry import models as _registry  # noqa: F401
