"""Every computers table, imported in one place so Alembic and tests see the whole metadata."""

from shopdb_contract.domainasset import idempotency_table
from shopdb_contract.outbox import outbox_table
from shopdb_computers.db import Base
from shopdb_computers.reference import models as _reference  # noqa: F401
from shopdb_computers.computers import models as _computers  # noqa: F401

Outbox = outbox_table(Base.metadata)
Idempotency = idempotency_table(Base.metadata)
