"""Version keys sort as dpkg sorts versions: checked against dpkg itself on the versions of a
real inventory (tests/data/agents) and the forms that trip simple comparisons."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from shopdb_computers.agents.versions import KEY_LENGTH, version_key

DATA = Path(__file__).resolve().parent / "data" / "agents"
TRICKY = ["1.0~rc1", "1.0", "1.0-0", "1.0-1", "1.0.1", "1.0a", "1.0+dfsg", "1.9", "1.10", "1:0.5", "2.6-3", "1:2.6-3",
          "3.0.2", "3.0.14-1", "3.0.15", "3.0.15-1~deb12u1", "3.0.15-1", "3.0.16"]


def test_the_forms_in_order():
    # As `dpkg --compare-versions` orders them.
    ordered = ["1.0~rc1", "1.0", "1.0-1", "1.0a", "1.0+dfsg", "1.0.1", "1.9", "1.10", "3.0.14-1", "3.0.15-1~deb12u1", "1:0.5"]
    assert sorted(ordered, key=version_key) == ordered
    assert version_key("1.0") == version_key("1.0-0") == version_key("1.00")
    assert version_key("") == version_key(None) == "" < version_key("0")
    assert len(version_key("1." * 500)) == KEY_LENGTH


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg (Debian's package tool) is not installed")
def test_keys_agree_with_dpkg_on_real_versions():
    content = json.loads((DATA / "glpi-agent-1.12-dev.json").read_text())["content"]
    versions = sorted({s["version"] for s in content["softwares"] if s.get("version")}) + TRICKY
    rng = random.Random(11)
    pairs = [tuple(rng.sample(versions, 2)) for _ in range(200)] + [(a, b) for a in TRICKY for b in TRICKY[:3]]
    for a, b in pairs:
        less = subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0
        more = subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0
        assert (version_key(a) < version_key(b), version_key(a) > version_key(b)) == (less, more), (a, b)
