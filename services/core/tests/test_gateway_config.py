"""Traefik configuration as data: route rules, the local static config, the gateway/ files."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from shopdb_core.gateway.traefik_config import (
    COMMON_MIDDLEWARES,
    default_dynamic_dir,
    dynamic_config,
    dynamic_env,
    render_static_config,
    service_rule,
    write_static_config,
)

GATEWAY = Path(__file__).resolve().parents[3] / "gateway"
TEMPLATE_CALL = re.compile(r'\{\{\s*env\s+"(\w+)"\s*\|\s*default\s+"([^"]*)"\s*\}\}')


def render_template(text: str, env: dict[str, str]) -> dict:
    """The subset of Traefik's Go templating gateway/dynamic uses: env "X" | default "Y"."""
    return yaml.safe_load(TEMPLATE_CALL.sub(lambda m: env.get(m.group(1)) or m.group(2), text))


class Row:
    def __init__(self, name: str, base_url: str) -> None:
        self.name, self.base_url = name, base_url


def test_rule_does_not_let_a_short_name_take_a_longer_ones_paths():
    rule = service_rule("print")
    assert "PathPrefix(`/api/print/`)" in rule and "Path(`/api/print`)" in rule
    assert "PathPrefix(`/api/print`)" not in rule
    assert "PathPrefix(`/api/collector/print/`)" in rule


def test_dynamic_config_routes_each_service_to_its_base_url():
    config = dynamic_config([Row("usb", "http://usb:8000/"), Row("computers", "http://computers:8000")])
    routers = config["http"]["routers"]
    assert list(routers) == ["svc-computers", "svc-usb"]
    assert config["http"]["services"]["svc-usb"]["loadBalancer"]["servers"] == [{"url": "http://usb:8000"}]
    assert all(r["middlewares"] == list(COMMON_MIDDLEWARES) for r in routers.values())
    assert dynamic_config([]) == {}


def static(tmp_path: Path, **kw) -> dict:
    values = dict(
        entry_port=8080, ping_port=8082, core_url="http://127.0.0.1:8001/", gateway_token="t0ken",
        dynamic_dir=tmp_path, poll_interval="1s",
    )
    values.update(kw)
    return render_static_config(**values)


def test_static_config_has_entrypoint_ping_json_access_log_metrics_and_both_providers(tmp_path):
    config = static(tmp_path, access_log_path=tmp_path / "access.log")
    assert config["entryPoints"]["web"]["address"] == "127.0.0.1:8080"
    assert config["ping"] == {"entryPoint": "traefik"}
    assert config["accessLog"] == {"format": "json", "filePath": str(tmp_path / "access.log")}
    assert config["metrics"]["prometheus"]["entryPoint"] == "traefik"
    http = config["providers"]["http"]
    assert http["endpoint"] == "http://127.0.0.1:8001/internal/gateway/traefik"
    assert http["headers"] == {"X-ShopDB-Gateway-Token": "t0ken"}
    assert http["pollInterval"] == "1s"
    assert config["providers"]["file"] == {"directory": str(tmp_path.resolve()), "watch": True}


def test_static_config_without_metrics(tmp_path):
    assert "metrics" not in static(tmp_path, metrics=False)


def test_written_static_config_is_yaml_readable_only_by_its_owner(tmp_path):
    path = write_static_config(tmp_path / "gw" / "traefik.yml", **static_args(tmp_path))
    assert yaml.safe_load(path.read_text()) == json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_static_config_refuses_a_suffix_traefik_cannot_read(tmp_path):
    with pytest.raises(ValueError, match="yml"):
        write_static_config(tmp_path / "traefik.json", **static_args(tmp_path))


def static_args(tmp_path: Path) -> dict:
    return dict(entry_port=1, ping_port=2, core_url="http://c", gateway_token="t", dynamic_dir=tmp_path)


def test_file_provider_routes_only_api_to_core_at_lowest_priority():
    config = render_template((default_dynamic_dir() / "core.yml").read_text(), dynamic_env(core_url="http://core:8001"))
    router = config["http"]["routers"]["core"]
    assert router["rule"] == "Path(`/api`) || PathPrefix(`/api/`)"
    assert router["priority"] == 1
    assert "internal" not in router["rule"]
    assert config["http"]["services"]["core"]["loadBalancer"]["servers"] == [{"url": "http://core:8001"}]


def test_login_path_has_its_own_rate_limited_router_to_core():
    core = render_template((default_dynamic_dir() / "core.yml").read_text(), dynamic_env(core_url="http://core:8001"))
    middlewares = render_template((default_dynamic_dir() / "middlewares.yml").read_text(), dynamic_env(core_url="x"))
    login = core["http"]["routers"]["core-login"]
    assert login["rule"] == "Path(`/api/auth/login`)" and login["service"] == "core"
    assert login["priority"] > core["http"]["routers"]["core"]["priority"]
    assert "login-rate-limit" in login["middlewares"]
    limit = middlewares["http"]["middlewares"]["login-rate-limit"]["rateLimit"]
    assert limit["average"] > 0 and limit["burst"] > 0


def test_file_provider_defines_the_middlewares_domain_routes_reference():
    config = render_template((default_dynamic_dir() / "middlewares.yml").read_text(), dynamic_env(core_url="x", body_limit=2048))
    middlewares = config["http"]["middlewares"]
    assert {m.removesuffix("@file") for m in COMMON_MIDDLEWARES} <= set(middlewares)
    assert middlewares["body-limit"]["buffering"]["maxRequestBodyBytes"] == 2048
    assert middlewares["security-headers"]["headers"]["contentTypeNosniff"] is True


def test_deployment_entrypoint_refuses_to_start_without_the_token(tmp_path):
    env = {"PATH": os.environ["PATH"], "TRAEFIK_STATIC_CONFIG": str(tmp_path / "t.yml")}
    result = subprocess.run(["sh", str(GATEWAY / "entrypoint.sh")], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SHOPDB_GATEWAY_TOKEN" in result.stderr
    assert not (tmp_path / "t.yml").exists()


def test_deployment_entrypoint_fills_in_the_static_config(tmp_path):
    # `traefik` here is /bin/true: this checks the file the script hands to Traefik.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "traefik").symlink_to("/bin/true")
    out = tmp_path / "traefik.yml"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TRAEFIK_STATIC_CONFIG": str(out),
        "SHOPDB_GATEWAY_TOKEN": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
    }
    result = subprocess.run(["sh", str(GATEWAY / "entrypoint.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(out.read_text())
    http = config["providers"]["http"]
    assert http["endpoint"] == "http://core:8001/internal/gateway/traefik"
    assert http["headers"] == {"X-ShopDB-Gateway-Token": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}
    assert config["providers"]["file"]["directory"] == f"{GATEWAY}/dynamic"
    assert config["entryPoints"]["web"]["address"] == ":8080"
    assert config["accessLog"]["format"] == "json" and "prometheus" in config["metrics"]
    assert config["ping"]["entryPoint"] == "traefik"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
