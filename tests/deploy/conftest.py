"""Fixtures for the deployment checks; the helpers live in deployfiles.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

# --import-mode=importlib keeps test folders off sys.path; the checks share one helper module.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from deployfiles import COMPOSE_FILE, K8S, render  # noqa: E402


@pytest.fixture(scope="session")
def compose_text() -> str:
    return COMPOSE_FILE.read_text()


@pytest.fixture(scope="session")
def compose(compose_text: str) -> dict:
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="session")
def example_site() -> list[dict]:
    return render(K8S / "overlays" / "example-site")
