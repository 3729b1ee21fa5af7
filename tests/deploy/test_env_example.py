"""deploy/.env.example is the complete inventory: exactly what the code and compose read.

Settings are found by importing every module under libs/ and services/ that defines a
pydantic-settings class and reading the classes' fields, so a setting added later is missed
by .env.example only until this check runs.
"""

from __future__ import annotations

import importlib
import re
import sys

import yaml
from deployfiles import COMPOSE_FILE, DEPLOY, INTERPOLATION, REPO, strings
from pydantic_settings import BaseSettings

ENV_EXAMPLE = DEPLOY / ".env.example"
SETTINGS_CLASS = re.compile(r"^class \w+\([^)]*Settings[^)]*\):", re.M)
VARIABLE_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=", re.M)
GATEWAY_VARIABLE = re.compile(r"\bSHOPDB_[A-Z0-9_]*[A-Z0-9]\b")


def settings_classes() -> list[type[BaseSettings]]:
    found: dict[str, type[BaseSettings]] = {}
    for path in sorted([*REPO.glob("libs/*/shopdb_*/**/*.py"), *REPO.glob("services/*/shopdb_*/**/*.py")]):
        if not SETTINGS_CLASS.search(path.read_text()):
            continue
        # The top package folder (shopdb_<name>), whose parent is what goes on sys.path.
        package_dir = next(p for p in path.parents if p.name.startswith("shopdb_") and not p.parent.name.startswith("shopdb_"))
        if str(package_dir.parent) not in sys.path:
            sys.path.append(str(package_dir.parent))
        module_name = ".".join(path.relative_to(package_dir.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def variables_the_code_reads() -> set[str]:
    names = set()
    for cls in settings_classes():
        prefix = cls.model_config.get("env_prefix", "")
        for field_name, field in cls.model_fields.items():
            alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
            names.add((alias or f"{prefix}{field_name}").upper())
    return names


def variables_the_gateway_reads() -> set[str]:
    gateway = REPO / "gateway"
    texts = [p.read_text() for p in sorted(gateway.rglob("*")) if p.is_file()]
    return {name for text in texts for name in GATEWAY_VARIABLE.findall(text)}


def variables_the_compose_file_reads() -> set[str]:
    # From the parsed values, not the text: compose does not interpolate comments.
    return {m.group(1) for text in strings(yaml.safe_load(COMPOSE_FILE.read_text())) for m in INTERPOLATION.finditer(text)}


def documented() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    for chunk in ENV_EXAMPLE.read_text().split("# ==== SECTION: ")[1:]:
        title, _, body = chunk.partition("\n")
        sections[title.split(" ====")[0].strip()] = set(VARIABLE_LINE.findall(body))
    return sections


def test_settings_classes_are_found_in_libs_and_services():
    names = {cls.__name__ for cls in settings_classes()}
    assert {"ServiceSettings", "CoreSettings"} <= names


def test_env_example_lists_exactly_the_settings_the_code_reads():
    listed = documented()["service settings"]
    code = variables_the_code_reads()
    assert sorted(code - listed) == [], "read by the code but missing from .env.example"
    assert sorted(listed - code) == [], "in .env.example but no settings class reads it"


def test_env_example_lists_exactly_what_the_gateway_reads_beyond_the_settings():
    listed = documented()["gateway settings"]
    gateway = variables_the_gateway_reads() - variables_the_code_reads()
    assert sorted(gateway - listed) == []
    assert sorted(listed - gateway) == []


def test_env_example_lists_exactly_the_compose_only_variables():
    listed = documented()["compose only"]
    compose_only = variables_the_compose_file_reads() - variables_the_code_reads() - variables_the_gateway_reads()
    assert sorted(compose_only - listed) == [], "docker-compose.yml reads it but .env.example does not say so"
    assert sorted(listed - compose_only - {"COMPOSE_PROFILES"}) == [], "listed but docker-compose.yml never reads it"
    assert "COMPOSE_PROFILES" in listed


def test_compose_passes_containers_only_settings_that_exist(compose):
    known = variables_the_code_reads() | variables_the_gateway_reads()
    unknown = sorted(
        f"{service}: {key}"
        for service, container in compose["services"].items()
        for key in (container.get("environment") or {})
        if key.startswith("SHOPDB_") and key not in known
    )
    assert unknown == []


def test_required_values_are_left_blank_in_the_example():
    filled = [
        line
        for line in ENV_EXAMPLE.read_text().splitlines()
        if re.match(r"^[A-Z][A-Z0-9_]*(PASSWORD|SECRET|TOKEN)=.", line)
    ]
    assert filled == [], "an example secret would be copied into a site's .env unchanged"
