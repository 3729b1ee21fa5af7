"""Traefik configuration as data: the routes core serves, and the static config of a local run.

Pure functions, so the rules are tested without a Traefik and the same code feeds the route
source (gateway/api.py), `shopdb up` and the end-to-end tests.

Local run: `write_static_config(path, ...)` then `traefik --configFile=path` with the
environment from `dynamic_env(...)`. The file provider's dynamic config (gateway/dynamic/*.yml)
is a Go template and reads:
- SHOPDB_CORE_URL: where the gateway reaches core (default http://127.0.0.1:8001);
- SHOPDB_GATEWAY_BODY_LIMIT: the largest request body in bytes (default 10485760, 10 MiB).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

ENTRYPOINT = "web"
# Internal entrypoint for /ping and /metrics; never carries API traffic.
INTERNAL_ENTRYPOINT = "traefik"
# Defined in gateway/dynamic/middlewares.yml; referenced across providers with "@file".
COMMON_MIDDLEWARES = ("security-headers@file", "body-limit@file")
ROUTE_SOURCE_PATH = "/internal/gateway/traefik"
from shopdb_contract.wire import GATEWAY_TOKEN_HEADER  # noqa: E402
DEFAULT_BODY_LIMIT = 10 * 1024 * 1024


class RoutedService(Protocol):
    name: str
    base_url: str


def service_rule(name: str) -> str:
    """The paths a domain service owns.

    Path + PathPrefix with a trailing slash, not a bare PathPrefix: `/api/print` must not take
    `/api/printers/...` from a service called printers.
    """
    return (
        f"Path(`/api/{name}`) || PathPrefix(`/api/{name}/`) || "
        f"Path(`/api/collector/{name}`) || PathPrefix(`/api/collector/{name}/`)"
    )


def router_name(name: str) -> str:
    return f"svc-{name}"


def dynamic_config(services: Iterable[RoutedService], *, health_interval: str = "5s") -> dict[str, Any]:
    """Traefik's dynamic configuration (HTTP provider) for the services to route.

    The caller decides which services qualify (registered, compatible, enabled, healthy).
    """
    routers: dict[str, Any] = {}
    backends: dict[str, Any] = {}
    for svc in sorted(services, key=lambda s: s.name):
        key = router_name(svc.name)
        routers[key] = {
            "rule": service_rule(svc.name),
            "entryPoints": [ENTRYPOINT],
            "middlewares": list(COMMON_MIDDLEWARES),
            "service": key,
        }
        backends[key] = {
            "loadBalancer": {
                "servers": [{"url": svc.base_url.rstrip("/")}],
                "passHostHeader": True,
                "healthCheck": {"path": "/healthz", "interval": health_interval, "timeout": "2s"},
            }
        }
    if not routers:
        # Traefik accepts an empty configuration; it simply routes nothing from this provider.
        return {}
    return {"http": {"routers": routers, "services": backends}}


def render_static_config(
    *,
    entry_port: int,
    ping_port: int,
    core_url: str,
    gateway_token: str,
    dynamic_dir: str | Path,
    poll_interval: str = "2s",
    access_log_path: str | Path | None = None,
    metrics: bool = True,
    host: str = "127.0.0.1",
    log_level: str = "INFO",
) -> dict[str, Any]:
    """Traefik's static configuration for a local run (deployments use gateway/traefik.yml.tmpl).

    `host` is where the entrypoints listen; "" listens on every interface.
    """
    config: dict[str, Any] = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {
            # No `http.aliasHeadersStrategy` (Traefik >= 3.7 warns without it): Traefik refuses
            # unknown static keys and the supported range starts at 3.3; our ASGI services do not
            # read X_Auth_User as X-Auth-User, which is what that option guards against.
            ENTRYPOINT: {"address": f"{host}:{entry_port}"},
            INTERNAL_ENTRYPOINT: {"address": f"{host}:{ping_port}"},
        },
        "ping": {"entryPoint": INTERNAL_ENTRYPOINT},
        "log": {"level": log_level.upper(), "format": "json"},
        # Headers are dropped from access lines by default; tokens never reach the log.
        "accessLog": {"format": "json"},
        "providers": {
            # New routes apply as soon as they are polled, not up to 2 s later.
            "providersThrottleDuration": poll_interval,
            "http": {
                "endpoint": core_url.rstrip("/") + ROUTE_SOURCE_PATH,
                "pollInterval": poll_interval,
                "pollTimeout": "5s",
                "headers": {GATEWAY_TOKEN_HEADER: gateway_token},
            },
            "file": {"directory": str(Path(dynamic_dir).resolve()), "watch": True},
        },
    }
    if access_log_path is not None:
        config["accessLog"]["filePath"] = str(access_log_path)
    if metrics:
        config["metrics"] = {
            "prometheus": {"entryPoint": INTERNAL_ENTRYPOINT, "addRoutersLabels": True, "addServicesLabels": True}
        }
    return config


def write_static_config(path: str | Path, **kw: Any) -> Path:
    """Write `render_static_config(**kw)` to `path` (.yml or .yaml: Traefik picks the parser by suffix).

    JSON is written, which is valid YAML, so no YAML library is needed. The file holds the
    gateway token: it is created readable by its owner only.
    """
    path = Path(path)
    if path.suffix not in (".yml", ".yaml"):
        raise ValueError(f"{path}: Traefik reads static configuration from .yml/.yaml (or .toml) files")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(render_static_config(**kw), indent=2) + "\n"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")
    return path


def dynamic_env(*, core_url: str, body_limit: int = DEFAULT_BODY_LIMIT) -> dict[str, str]:
    """The environment the templated file-provider config (gateway/dynamic/) reads."""
    return {"SHOPDB_CORE_URL": core_url.rstrip("/"), "SHOPDB_GATEWAY_BODY_LIMIT": str(body_limit)}


def default_dynamic_dir() -> Path:
    """gateway/dynamic in a source checkout (the repository root holds both services/ and gateway/)."""
    return Path(__file__).resolve().parents[4] / "gateway" / "dynamic"
