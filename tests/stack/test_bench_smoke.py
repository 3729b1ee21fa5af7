"""The benchmark runs end to end on a tiny data set and prints its table (figures are not judged here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO, clean_env

pytestmark = pytest.mark.e2e


def test_asset_benchmark_prints_figures_for_both_paths_and_the_targets():
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "assets.py"), "--assets", "200", "--requests", "40", "--concurrency", "2", "--rounds", "2"],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=90,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "loaded 200 assets" in run.stdout
    for line in ("direct", "gateway", "ratio", "target: list 50 of 200"):
        assert line in run.stdout
    assert run.stdout.count("gateway/direct") == 2
