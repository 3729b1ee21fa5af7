"""Where things are: the service folders, and the data, logs and state under ./var."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shopdb_contract.compat import dependency_order
from shopdb_contract.manifest import ServiceManifest, load_manifest
from shopdb_core.stack.settings import StackSettings


# services/core; not imported from shopdb_core.app, which would load FastAPI for every command.
CORE_DIR = Path(__file__).resolve().parents[2]


class StackError(Exception):
    """Something a person must fix before the command can go on; the message says what."""


@dataclass(frozen=True)
class Service:
    name: str
    directory: Path
    manifest: ServiceManifest


@dataclass(frozen=True)
class Layout:
    services_dir: Path
    var_dir: Path

    @classmethod
    def from_settings(cls, settings: StackSettings) -> Layout:
        services_dir = (settings.services_dir or CORE_DIR.parent).resolve()
        return cls(services_dir=services_dir, var_dir=settings.var_path)

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    @property
    def nats_dir(self) -> Path:
        return self.var_dir / "nats"

    @property
    def gateway_dir(self) -> Path:
        return self.var_dir / "gateway"

    @property
    def state_file(self) -> Path:
        return self.var_dir / "services.json"

    @property
    def running_file(self) -> Path:
        return self.var_dir / "stack.json"

    def prepare(self) -> None:
        for folder in (self.var_dir, self.log_dir, self.nats_dir, self.gateway_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def discover(self) -> dict[str, Service]:
        """Every service folder with a manifest.json, core included."""
        found: dict[str, Service] = {}
        for manifest_path in sorted(self.services_dir.glob("*/manifest.json")):
            directory = manifest_path.parent
            found[directory.name] = Service(directory.name, directory, load_manifest(directory))
        if "core" not in found:
            raise StackError(f"no services/core/manifest.json under {self.services_dir}")
        return found

    def service(self, name: str) -> Service:
        services = self.discover()
        if name not in services:
            known = ", ".join(sorted(services))
            raise StackError(f"unknown service {name!r}: the services here are {known}")
        return services[name]


def start_order(services: dict[str, Service], names: list[str]) -> list[Service]:
    """Core first, then the others so each comes after what it depends on."""
    chosen = {n: services[n].manifest for n in names if n != "core"}
    return [services["core"]] + [services[n] for n in dependency_order(chosen)]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
