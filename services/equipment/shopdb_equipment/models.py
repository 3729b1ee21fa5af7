"""Every equipment table, imported in one place so Alembic and tests see the whole metadata."""

from shopdb_contract.domainasset import idempotency_table
from shopdb_contract.outbox import outbox_table
from shopdb_equipment.db import Base
from shopdb_equipment.reference import models as _reference  # noqa: F401
from shopdb_equipment.equipment import models as _equipment  # noqa: F401

Outbox = outbox_table(Base.metadata)
Idempotency = idempotency_table(Base.metadata)
