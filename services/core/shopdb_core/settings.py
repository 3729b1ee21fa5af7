"""Core's settings: the service settings plus what only core needs."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shopdb_contract.settings import DEV_GATEWAY_TOKEN, ServiceSettings, secret_problems


class CoreSettings(ServiceSettings):
    # Traefik sends this header when it polls the route source; nobody else knows it.
    gateway_token: SecretStr = SecretStr(DEV_GATEWAY_TOKEN)
    # A service whose last heartbeat is older than this is unhealthy and unrouted.
    heartbeat_timeout: float = Field(default=15.0, gt=0)

    def production_problems(self, service: str) -> list[str]:
        problems = super().production_problems(service)
        problems += secret_problems("SHOPDB_GATEWAY_TOKEN", self.gateway_token, DEV_GATEWAY_TOKEN)
        return problems
