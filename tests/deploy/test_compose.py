"""docker-compose.yml: valid Compose, one block per service folder, fails loud on secrets."""

from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest
import yaml
from deployfiles import (
    COMPOSE_FILE,
    DEPLOY,
    INTERPOLATION,
    REPO,
    domain_services,
    run,
    service_names,
    strings,
    tool,
)

SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PWD)$")
INIT_SCRIPT = DEPLOY / "mysql" / "create-service-database.sh"


def shopdb_command(container: dict) -> tuple[str, str] | None:
    command = container.get("command")
    if isinstance(command, list) and len(command) == 2 and command[0] in ("serve", "migrate"):
        return command[0], command[1]
    return None


def secret_problems(compose: dict) -> list[str]:
    """Secrets that would not fail loud when missing; empty when every one does."""
    problems: list[str] = []
    always = {n: c for n, c in compose["services"].items() if not c.get("profiles")}
    required = {
        m.group(1)
        for container in always.values()
        for text in strings(container)
        for m in INTERPOLATION.finditer(text)
        if SECRET_NAME.search(m.group(1))
    }
    for name, container in compose["services"].items():
        profiles = container.get("profiles") or []
        for text in strings(container):
            for m in INTERPOLATION.finditer(text):
                var, operator, message = m.groups()
                if not SECRET_NAME.search(var):
                    continue
                if var in required:
                    if operator != ":?" or not message.strip():
                        problems.append(f"{name}: ${{{var}}} must be written ${{{var}:?message}}")
                elif len(profiles) == 1 and var == f"{profiles[0].upper()}_DB_PASSWORD":
                    # Compose interpolates every service whatever the profiles, so a profile's
                    # own password cannot be :? here; its <name>-database step refuses it empty.
                    step = compose["services"].get(f"{profiles[0]}-database", {})
                    if var not in (step.get("environment") or {}):
                        problems.append(f"{name}: {var} is not checked by {profiles[0]}-database")
                else:
                    problems.append(f"{name}: secret {var} is neither required nor its profile's own password")
    return problems


def block_problems(compose: dict, name: str) -> list[str]:
    """What is missing from one service's three-entry block."""
    services = compose["services"]
    problems = []
    expected_profiles = [] if name == "core" else [name]
    for entry in (f"{name}-database", f"{name}-migrate", name):
        if entry not in services:
            problems.append(f"no compose service {entry!r}")
        elif (services[entry].get("profiles") or []) != expected_profiles:
            problems.append(f"{entry}: profiles should be {expected_profiles}")
    if problems:
        return problems
    database, migrate, serve = services[f"{name}-database"], services[f"{name}-migrate"], services[name]
    if database["environment"].get("SERVICE") != name:
        problems.append(f"{name}-database creates the database of {database['environment'].get('SERVICE')!r}")
    if shopdb_command(migrate) != ("migrate", name):
        problems.append(f"{name}-migrate does not run `migrate {name}`")
    if shopdb_command(serve) != ("serve", name):
        problems.append(f"{name} does not run `serve {name}`")
    if migrate["depends_on"].get(f"{name}-database", {}).get("condition") != "service_completed_successfully":
        problems.append(f"{name}-migrate does not wait for {name}-database")
    if serve["depends_on"].get(f"{name}-migrate", {}).get("condition") != "service_completed_successfully":
        problems.append(f"{name} does not wait for its migrations")
    if name != "core" and serve["depends_on"].get("core", {}).get("condition") != "service_healthy":
        problems.append(f"{name} does not wait for a healthy core (it registers there)")
    own_url = f"mysql+pymysql://shopdb_{name}:"
    for entry in (migrate, serve):
        url = entry["environment"].get("SHOPDB_DATABASE_URL", "")
        if not url.startswith(own_url) or not url.endswith(f"@mysql:3306/shopdb_{name}"):
            problems.append(f"{name}: SHOPDB_DATABASE_URL is not its own database and user: {url}")
    if serve["environment"].get("SHOPDB_BASE_URL") != f"http://{name}:8000":
        problems.append(f"{name}: SHOPDB_BASE_URL should be http://{name}:8000")
    return problems


def documented_block() -> str:
    text = (REPO / "docs" / "DEPLOY.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    found = [b for b in blocks if "computers-database:" in b]
    assert found, "docs/DEPLOY.md shows no compose block for a domain service"
    return found[0]


def test_compose_file_validates_against_the_compose_specification():
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_folder_has_a_compose_block_with_its_own_profile(compose):
    problems = [p for name in service_names() for p in block_problems(compose, name)]
    assert problems == []


def test_every_service_the_compose_file_runs_exists(compose):
    named = set()
    for container in compose["services"].values():
        if shopdb_command(container):
            named.add(shopdb_command(container)[1])
        if "SERVICE" in (container.get("environment") or {}):
            named.add(container["environment"]["SERVICE"])
    missing = sorted(n for n in named if not (REPO / "services" / n / "manifest.json").is_file())
    assert missing == []


def test_only_domain_services_sit_behind_profiles(compose):
    profiles = {p for c in compose["services"].values() for p in c.get("profiles") or []}
    assert profiles <= set(domain_services())
    for always in ("mysql", "nats", "gateway", "core"):
        assert not compose["services"][always].get("profiles"), f"{always} must always run"


def test_every_shopdb_container_runs_in_production_mode(compose):
    not_production = [
        name
        for name, container in compose["services"].items()
        if shopdb_command(container) and container["environment"].get("SHOPDB_ENV") != "production"
    ]
    assert not_production == []


def test_start_up_is_gated_on_health_checks(compose):
    services = compose["services"]
    waited_on = {
        dependency
        for container in services.values()
        for dependency, rule in (container.get("depends_on") or {}).items()
        if rule.get("condition") == "service_healthy"
    }
    assert {"mysql", "nats", "core"} <= waited_on
    without_check = sorted(n for n in waited_on | {"gateway"} if not services[n].get("healthcheck", {}).get("test"))
    assert without_check == []
    assert services["core"]["healthcheck"]["test"][-1] == "/readyz"
    assert services["gateway"]["depends_on"]["core"]["condition"] == "service_healthy"


def test_nats_runs_jetstream_on_a_persistent_volume(compose):
    nats = compose["services"]["nats"]
    assert "--jetstream" in nats["command"]
    store = nats["command"][nats["command"].index("--store_dir") + 1]
    volumes = {v.split(":")[1]: v.split(":")[0] for v in nats["volumes"]}
    assert volumes.get(store) in compose["volumes"], "the JetStream store is not on a named volume"


def test_every_required_secret_fails_loud_when_missing(compose):
    assert secret_problems(compose) == []
    required = {m.group(1) for text in strings(compose) for m in INTERPOLATION.finditer(text) if m.group(2) == ":?"}
    assert {"SHOPDB_REGISTRATION_SECRET", "SHOPDB_GATEWAY_TOKEN", "MYSQL_ROOT_PASSWORD", "CORE_DB_PASSWORD"} <= required


def test_gateway_polls_cores_route_source_with_the_token(compose):
    gateway = compose["services"]["gateway"]
    environment = gateway["environment"]
    assert environment["SHOPDB_CORE_URL"] == compose["services"]["core"]["environment"]["SHOPDB_BASE_URL"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in gateway["volumes"]}
    gateway_dir = (DEPLOY / mounted[environment["SHOPDB_GATEWAY_DIR"]]).resolve()
    assert gateway_dir == REPO / "gateway"
    assert gateway["entrypoint"][-1] == f"{environment['SHOPDB_GATEWAY_DIR']}/entrypoint.sh"
    static = yaml.safe_load((gateway_dir / "traefik.yml.tmpl").read_text())
    http = static["providers"]["http"]
    assert http["endpoint"] == "${SHOPDB_CORE_URL}/internal/gateway/traefik"
    assert http["headers"] == {"X-ShopDB-Gateway-Token": "${SHOPDB_GATEWAY_TOKEN}"}
    assert static["entryPoints"]["web"]["address"] == ":" + gateway["ports"][0].rsplit(":", 1)[1]


def without_service_blocks(text: str, name: str) -> str:
    """The compose text without the top-level entries `<name>`, `<name>-database`, `<name>-migrate`."""
    keep, skipping = [], False
    heads = {f"  {name}:", f"  {name}-database:", f"  {name}-migrate:"}
    for line in text.splitlines(keepends=True):
        if line.rstrip() in heads:
            skipping = True
            continue
        if skipping and line.startswith("  ") and not line.startswith("   ") and line.strip():
            skipping = False
        if not skipping:
            keep.append(line)
    return "".join(keep)


def test_documented_block_enables_a_service_with_one_profile_word(compose, tmp_path):
    block = yaml.safe_load(
        "x: &service-database {}\ny: &service-migrate {}\nz: &service {}\nw: &service-environment {}\n"
        "services:\n" + documented_block()
    )["services"]
    extended = dict(compose, services={**compose["services"], **block})
    assert block_problems(extended, "computers") == []
    assert secret_problems(extended) == []
    # Spliced into the real file, so the anchors resolve, the result is still valid Compose.
    # The documented example is computers, which the real file already runs: take its blocks out first.
    text = without_service_blocks(COMPOSE_FILE.read_text(), "computers")
    marker = "  # ---- domain services"
    assert marker in text
    spliced = tmp_path / "docker-compose.yml"
    spliced.write_text(text.replace(marker, documented_block().rstrip("\n") + "\n" + marker, 1))
    assert block_problems(yaml.safe_load(spliced.read_text()), "computers") == []
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(spliced)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("password", "complaint"),
    [("", "is empty"), ("abc", "is weak"), ("pass@word/with:url-chars", "only letters")],
)
def test_database_step_refuses_a_bad_password_naming_it(password, complaint):
    env = {"PATH": os.environ["PATH"], "SERVICE": "computers", "COMPUTERS_DB_PASSWORD": password}
    result = run(["sh", str(INIT_SCRIPT)], env=env)
    assert result.returncode != 0
    assert "COMPUTERS_DB_PASSWORD" in result.stderr and complaint in result.stderr


def test_each_database_user_is_granted_only_its_own_database():
    from shopdb_contract.testing.databases import mysql_available, mysql_server_url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not mysql_available() or not shutil.which("mysql"):
        pytest.skip("needs a MySQL/MariaDB server and the mysql client")
    server = make_url(mysql_server_url())
    tag = uuid.uuid4().hex[:8]
    first, second = f"zzdeploy{tag}a", f"zzdeploy{tag}b"
    passwords = {first: f"first-{tag}-password-0123", second: f"second-{tag}-password-0123"}
    base_env = {
        "PATH": os.environ["PATH"],
        "MYSQL_HOST": server.host or "127.0.0.1",
        "MYSQL_TCP_PORT": str(server.port or 3306),
        "MYSQL_ADMIN_USER": server.username or "root",
        "MYSQL_PWD": server.password or "",
    }
    admin = create_engine(mysql_server_url(), isolation_level="AUTOCOMMIT")
    try:
        for name in (first, second, first):  # twice: a second run changes nothing and succeeds
            env = dict(base_env, SERVICE=name, **{f"{name.upper()}_DB_PASSWORD": passwords[name]})
            result = run(["sh", str(INIT_SCRIPT)], env=env)
            assert result.returncode == 0, result.stderr
        url = server.set(username=f"shopdb_{first}", password=passwords[first], database=None)
        engine = create_engine(url.render_as_string(hide_password=False))
        with engine.connect() as connection:
            visible = {row[0] for row in connection.execute(text("SHOW DATABASES"))}
            connection.execute(text(f"CREATE TABLE `shopdb_{first}`.probe (id INT)"))
        engine.dispose()
        assert f"shopdb_{first}" in visible
        assert f"shopdb_{second}" not in visible
        assert not {d for d in visible if d.startswith("shopdb_") and d != f"shopdb_{first}"}
    finally:
        with admin.connect() as connection:
            for name in (first, second):
                connection.execute(text(f"DROP DATABASE IF EXISTS `shopdb_{name}`"))
                connection.execute(text(f"DROP USER IF EXISTS 'shopdb_{name}'@'%'"))
        admin.dispose()
