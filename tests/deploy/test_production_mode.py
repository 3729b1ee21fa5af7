"""The secrets docker-compose.yml demands are the ones production mode refuses to start without.

No container engine runs here, so core's settings are built as the compose file would build
them (SHOPDB_ENV=production, a MySQL URL) with one required secret left out at a time.
"""

from __future__ import annotations

import os

import pytest
from deployfiles import INTERPOLATION, strings
from shopdb_contract.settings import SettingsError
from shopdb_core.settings import CoreSettings

STRONG = "0123456789abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def no_site_environment(monkeypatch):
    # Only what each test passes counts: no SHOPDB_* from the shell, no .env file.
    for name in list(os.environ):
        if name.startswith("SHOPDB_"):
            monkeypatch.delenv(name)


def required_settings(compose: dict) -> list[str]:
    """The SHOPDB_* secrets the compose file requires with ${VAR:?message}."""
    return sorted(
        {
            m.group(1)
            for text in strings(compose["services"]["core"]["environment"])
            for m in INTERPOLATION.finditer(text)
            if m.group(2) == ":?" and m.group(1).startswith("SHOPDB_")
        }
    )


def core_settings(compose: dict, **values: str) -> CoreSettings:
    environment = compose["services"]["core"]["environment"]
    fields = {"env": environment["SHOPDB_ENV"], "database_url": "mysql+pymysql://shopdb_core:pw@mysql:3306/shopdb_core"}
    fields.update({name.removeprefix("SHOPDB_").lower(): value for name, value in values.items()})
    return CoreSettings(_env_file=None, **fields)


def test_compose_requires_the_registration_secret_gateway_token_and_secret_key(compose):
    assert required_settings(compose) == ["SHOPDB_GATEWAY_TOKEN", "SHOPDB_REGISTRATION_SECRET", "SHOPDB_SECRET_KEY"]


def test_core_starts_in_production_with_what_the_compose_file_provides(compose):
    settings = core_settings(compose, **{name: STRONG for name in required_settings(compose)})
    assert settings.is_production
    assert settings.production_problems("core") == []
    settings.validate_for_start("core")


@pytest.mark.parametrize("missing", ["SHOPDB_GATEWAY_TOKEN", "SHOPDB_REGISTRATION_SECRET", "SHOPDB_SECRET_KEY"])
def test_production_mode_without_a_required_secret_refuses_to_start_naming_it(compose, missing):
    assert missing in required_settings(compose)
    values = {name: STRONG for name in required_settings(compose) if name != missing}
    values[missing] = ""
    settings = core_settings(compose, **values)
    assert any(missing in problem and "missing" in problem for problem in settings.production_problems("core"))
    with pytest.raises(SettingsError) as refused:
        settings.validate_for_start("core")
    assert missing in str(refused.value)
    assert [p for p in refused.value.problems if missing not in p] == []


@pytest.mark.parametrize("weak", ["SHOPDB_GATEWAY_TOKEN", "SHOPDB_REGISTRATION_SECRET", "SHOPDB_SECRET_KEY"])
def test_production_mode_refuses_a_weak_required_secret_without_quoting_it(compose, weak):
    values = {name: STRONG for name in required_settings(compose)}
    values[weak] = "changeme"
    problems = core_settings(compose, **values).production_problems("core")
    assert any(weak in problem and "weak" in problem for problem in problems)
    assert not any("changeme" in problem for problem in problems)


def test_production_mode_with_weak_secret_wildcard_cors_and_insecure_cookies_names_every_problem(compose):
    values = {name: STRONG for name in required_settings(compose)}
    values["SHOPDB_SECRET_KEY"] = "secret"
    settings = core_settings(compose, **values, SHOPDB_CORS_ORIGINS="*", SHOPDB_COOKIE_SECURE="false")
    with pytest.raises(SettingsError) as refused:
        settings.validate_for_start("core")
    problems = refused.value.problems
    assert any("SHOPDB_SECRET_KEY" in p and "weak" in p for p in problems)
    assert any("SHOPDB_CORS_ORIGINS" in p and "'*'" in p for p in problems)
    assert any("SHOPDB_COOKIE_SECURE" in p for p in problems)
    assert len(problems) == 3, problems


def test_core_refuses_to_start_in_production_naming_every_problem(compose, tmp_path):
    """The real app factory, not only the settings: nothing of core starts."""
    from shopdb_core.app import create_app

    settings = core_settings(compose, SHOPDB_CORS_ORIGINS="https://shopdb.example.com,*")
    with pytest.raises(SettingsError) as refused:
        create_app(settings=settings)
    for name in ("SHOPDB_GATEWAY_TOKEN", "SHOPDB_REGISTRATION_SECRET", "SHOPDB_SECRET_KEY", "SHOPDB_CORS_ORIGINS"):
        assert name in str(refused.value)


def test_production_cookies_are_secure_with_the_host_prefix(compose):
    from shopdb_contract.auth import access_cookie_name

    settings = core_settings(compose, **{name: STRONG for name in required_settings(compose)})
    assert settings.secure_cookies and access_cookie_name(settings.secure_cookies) == "__Host-shopdb_access"
