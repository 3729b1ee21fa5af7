"""Traefik for the local stack: its static config (written by core's gateway module) and command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shopdb_contract.processes import venv_binary


@dataclass(frozen=True)
class GatewayConfig:
    directory: Path
    gateway_port: int
    ping_port: int
    core_url: str
    gateway_token: str
    log_dir: Path
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class GatewayFiles:
    static_config: Path
    ping_url: str
    env: dict[str, str]

    @property
    def command(self) -> list[str]:
        return [venv_binary("traefik"), f"--configFile={self.static_config}"]


def write_gateway_config(config: GatewayConfig) -> GatewayFiles:
    from shopdb_core.gateway.traefik_config import default_dynamic_dir, dynamic_env, write_static_config

    static = write_static_config(
        config.directory / "traefik.yml",
        entry_port=config.gateway_port,
        ping_port=config.ping_port,
        core_url=config.core_url,
        gateway_token=config.gateway_token,
        dynamic_dir=default_dynamic_dir(),
        access_log_path=config.log_dir / "gateway-access.log",
        host=config.host,
    )
    return GatewayFiles(
        static_config=static,
        ping_url=f"http://{config.host}:{config.ping_port}/ping",
        # The file provider's templates read these (core's own route, the body limit).
        env=dynamic_env(core_url=config.core_url),
    )
