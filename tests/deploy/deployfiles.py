"""Helpers the deployment checks share: the repository, its services and the parsed files.

The service list comes from the services/*/manifest.json folders, so every check keeps
covering the deployment files as services are added.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
K8S = DEPLOY / "k8s"
# A version the bundled kubernetes-validate schemas include; the oldest still widely run.
KUBERNETES_VERSION = "1.30.0"

# ${NAME}, ${NAME:-default}, ${NAME:?message}, ${NAME-x}, ${NAME?x}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def tool(name: str) -> str:
    """A tool installed in the same environment as the test runner."""
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: it comes with the workspace's dev tools (pyproject.toml)")
    return path


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


def service_names() -> list[str]:
    return sorted(p.parent.name for p in (REPO / "services").glob("*/manifest.json"))


def domain_services() -> list[str]:
    return [name for name in service_names() if name != "core"]


def load_all(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def render(kustomization_dir: Path) -> list[dict]:
    result = run([tool("kubectl"), "kustomize", str(kustomization_dir)])
    assert result.returncode == 0, f"kubectl kustomize {kustomization_dir} failed:\n{result.stderr}"
    return load_all(result.stdout)


def strings(node):
    """Every string value in a parsed YAML document (where compose interpolates)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node
