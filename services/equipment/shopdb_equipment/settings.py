"""Equipment's settings: the service settings every service reads; nothing of its own yet."""

from __future__ import annotations

from shopdb_contract.settings import ServiceSettings


class EquipmentSettings(ServiceSettings):
    pass
