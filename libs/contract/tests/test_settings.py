"""Settings: read from SHOPDB_* variables; production refuses unsafe ones, listing them all at once."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from shopdb_contract.settings import DEV_REGISTRATION_SECRET, ServiceSettings, SettingsError

STRONG = "f3a9c1d27be84e6a9d0c55b7e21f4a8c93d6b0e1"


def settings(**values) -> ServiceSettings:
    return ServiceSettings(_env_file=None, **values)


def test_development_defaults_start():
    s = settings()
    assert s.env == "development"
    s.validate_for_start("computers")
    assert s.database_url_for("computers").endswith("var/computers.db")


def test_settings_are_read_from_shopdb_environment(monkeypatch):
    monkeypatch.setenv("SHOPDB_ENV", "test")
    monkeypatch.setenv("SHOPDB_HEARTBEAT_INTERVAL", "0.5")
    monkeypatch.setenv("SHOPDB_CORS_ORIGINS", "https://shopdb.site.example, https://ops.site.example")
    s = settings()
    assert s.env == "test"
    assert s.heartbeat_interval == 0.5
    assert s.cors_origins == ["https://shopdb.site.example", "https://ops.site.example"]


def test_production_lists_every_problem_at_once():
    s = settings(
        env="production",
        registration_secret=SecretStr(DEV_REGISTRATION_SECRET),
        debug=True,
        cors_origins=["*"],
    )
    with pytest.raises(SettingsError) as caught:
        s.validate_for_start("computers")
    problems = caught.value.problems
    assert len(problems) == 4
    joined = "\n".join(problems)
    assert "SHOPDB_REGISTRATION_SECRET is the development default" in joined
    assert "SHOPDB_DEBUG is on" in joined
    assert "SHOPDB_CORS_ORIGINS contains '*'" in joined
    assert "SHOPDB_DATABASE_URL is SQLite" in joined
    assert str(caught.value).startswith("refusing to start in production:")


@pytest.mark.parametrize(
    "secret, problem",
    [("", "is missing"), ("short-secret", "is weak"), ("a" * 40, "is weak")],
)
def test_production_refuses_missing_or_weak_secret_without_quoting_it(secret, problem):
    s = settings(env="production", registration_secret=SecretStr(secret), database_url="mysql+pymysql://u:p@db/x")
    with pytest.raises(SettingsError) as caught:
        s.validate_for_start("computers")
    assert problem in str(caught.value)
    if secret:
        assert secret not in str(caught.value)


def test_production_starts_with_strong_secret_and_mysql():
    s = settings(env="production", registration_secret=SecretStr(STRONG), database_url="mysql+pymysql://u:p@db/x")
    s.validate_for_start("computers")


def test_sqlite_in_production_only_when_explicitly_allowed():
    s = settings(env="production", registration_secret=SecretStr(STRONG), allow_sqlite_in_production=True)
    s.validate_for_start("computers")


def test_secret_is_hidden_in_repr():
    s = settings(registration_secret=SecretStr(STRONG))
    assert STRONG not in repr(s)
    assert STRONG not in str(s.model_dump())
