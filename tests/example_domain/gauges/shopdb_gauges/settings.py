"""The service settings every service reads; nothing of its own."""

from shopdb_contract.settings import ServiceSettings


class GaugesSettings(ServiceSettings):
    pass
