"""The registration client on its own (against real core it is tested in services/core/tests)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from pydantic import SecretStr

from shopdb_contract import __contract_version__
from shopdb_contract.manifest import parse_manifest
from shopdb_contract.processes import free_port
from shopdb_contract.registration import CoreUnreachable, Registration, backoff_delays
from shopdb_contract.settings import ServiceSettings

MANIFEST = parse_manifest(
    {
        "name": "usb",
        "version": "0.1.0",
        "description": "USB devices",
        "core_version": ">=0.1,<0.2",
        "api_prefix": "/api/usb",
    }
)
STRONG = "e84e6a9d0c55b7e21f4a8c93d6b0e1f3a9c1d27b"


def settings(**values) -> ServiceSettings:
    values.setdefault("core_url", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    return ServiceSettings(_env_file=None, **values)


def test_backoff_grows_and_is_capped():
    delays = list(itertools.islice(backoff_delays(first=0.25, cap=2.0), 8))
    assert 0.2 <= delays[0] <= 0.3
    assert delays[1] > delays[0]
    assert all(d <= 2.0 * 1.2 for d in delays)
    assert delays[-1] >= 2.0 * 0.8


def test_payload_carries_manifest_base_url_and_contract():
    registration = Registration(manifest=MANIFEST, settings=settings(base_url="http://usb:8000/"))
    payload = registration.payload()
    assert payload == {
        "manifest": MANIFEST.public(),
        "base_url": "http://usb:8000",
        "contract_version": __contract_version__,
    }
    asyncio.run(registration._client.aclose())


def test_development_start_fails_when_core_stays_unreachable():
    registration = Registration(manifest=MANIFEST, settings=settings(env="development", register_timeout=0.6))
    started = time.monotonic()
    with pytest.raises(CoreUnreachable) as caught:
        asyncio.run(registration.start())
    assert time.monotonic() - started < 5
    assert registration.settings.core_url in str(caught.value)
    assert registration.state == "pending"


def test_production_start_returns_at_once_and_keeps_retrying_in_background():
    async def scenario() -> tuple[str, bool]:
        registration = Registration(
            manifest=MANIFEST,
            settings=settings(env="production", registration_secret=SecretStr(STRONG), allow_sqlite_in_production=True),
        )
        await asyncio.wait_for(registration.start(), timeout=1)
        await asyncio.sleep(0.6)  # long enough for a few failed attempts
        still_trying = not registration._tasks[0].done()
        await registration.stop()
        return registration.state, still_trying

    state, still_trying = asyncio.run(scenario())
    assert state == "pending"
    assert still_trying
