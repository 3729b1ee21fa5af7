"""Collector push benchmark: 10,000 computers, each with 40 applications and 2 interfaces.

    .venv/bin/python bench/collector.py [--computers 10000] [--batch 1000] [--backend sqlite|mysql|both]

Starts core and the computers service as real uvicorn processes on fresh databases (SQLite
files, or MariaDB/MySQL databases on SHOPDB_TEST_MYSQL_URL), then pushes every computer in
batches to /api/collector/computers with a token limited to computers: first the push that
creates them all (one core call per batch), then the same data again (every record unchanged). The bodies are encoded before the clock
starts (a collector encodes its record on its own PC); the time is the server's answer.
Prints computers/s for both beside the targets. The outbox relays are off (no NATS): the
audit events are still written in each transaction, their publishing is not measured here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "collectors" / "python"))

from shopdb_collect import batches  # noqa: E402
from shopdb_contract.db import Database  # noqa: E402
from shopdb_contract.migrations import upgrade  # noqa: E402
from shopdb_contract.processes import free_port, service_process, wait_http  # noqa: E402
from shopdb_contract.testing.auth import signing_key  # noqa: E402
from shopdb_contract.testing.databases import fresh_database, mysql_available  # noqa: E402

CORE_DIR = REPO / "services" / "core"
COMPUTERS_DIR = REPO / "services" / "computers"
SECRET = "bench-registration-secret-0123456789abcdef"
FIRST_PUSH_TARGET = 2000.0  # computers/s, MariaDB
REPUSH_TARGET = 10000.0  # computers/s, MariaDB

APPS = [("Microsoft Edge", "Microsoft"), ("7-Zip", "Igor Pavlov"), ("Notepad++", "Notepad++ Team"),
        ("Fanuc FOCAS Library", "Fanuc"), ("Siemens SinuTrain", "Siemens"), ("Heidenhain TNCremo", "Heidenhain"),
        ("Adobe Acrobat Reader", "Adobe"), ("Microsoft Office", "Microsoft"), ("VLC media player", "VideoLAN"),
        ("Mastercam", "CNC Software")]


def computers(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        apps = []
        for a in range(40):
            name, publisher = APPS[a % len(APPS)]
            apps.append({"name": f"{name} {a // len(APPS)}", "version": f"{rng.randint(1, 30)}.{rng.randint(0, 99)}", "publisher": publisher})
        out.append({
            "hostname": f"PC-{n:05d}", "serialnumber": f"SN{n:08d}", "osname": "Windows 10 IoT Enterprise LTSC",
            "osversion": "21H2", "osbuild": f"19044.{rng.randint(1000, 5000)}", "domain": "PLANT", "lastuser": f"op{n % 300}",
            "lastboot": "2026-11-20T05:30:00Z", "cpu": "Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz", "memory_mb": 16384,
            "disk_gb": 256, "warrantyend": "2028-03-31", "source": "powershell", "applications": apps,
            "interfaces": [
                {"name": "Ethernet", "mac": f"00:1A:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}:01", "ipaddresses": [f"10.{n >> 8 & 255}.{n & 255}.10"]},
                {"name": "Ethernet 2", "mac": f"00:1A:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}:02", "ipaddresses": []},
            ],
        })
    return out


def encode(records: list[dict], batch: int) -> list[bytes]:
    """The push bodies, encoded before the clock starts: each PC's collector encodes its own
    record on its own machine, so the encoding is not the service's time."""
    return [json.dumps({"records": chunk}).encode("utf-8") for chunk in batches(records, batch)]


def timed_push(client: httpx.Client, bodies: list[bytes], headers: dict) -> tuple[float, dict]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    headers = {**headers, "Content-Type": "application/json"}
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/api/collector/computers", content=body, headers=headers)
        response.raise_for_status()
        answer = response.json()
        for key in counts:
            counts[key] += answer[key]
    return time.perf_counter() - started, counts


def run_backend(backend: str, records: list[dict], batch: int, workdir: Path) -> dict:
    from shopdb_core.seed import seed_reference

    keys = signing_key()
    with fresh_database(backend, workdir, "core") as core_url, fresh_database(backend, workdir, "computers") as url:
        upgrade(CORE_DIR, core_url)
        upgrade(COMPUTERS_DIR, url)
        database = Database(core_url)
        with database.transaction() as session:
            seed_reference(session)
        database.dispose()
        core_port, computers_port = free_port(), free_port()
        common = {
            "SHOPDB_ENV": "development", "SHOPDB_RELAY_ENABLED": "false", "SHOPDB_REGISTRATION_SECRET": SECRET,
            "SHOPDB_CORE_URL": f"http://127.0.0.1:{core_port}", "SHOPDB_LOG_LEVEL": "WARNING",
            "SHOPDB_JWKS_FILE": str(keys.jwks_file()),
        }
        logs = workdir / "logs"
        logs.mkdir(exist_ok=True)
        with contextlib.ExitStack() as stack:
            core = stack.enter_context(service_process(
                CORE_DIR, port=core_port, log_path=logs / f"core-{backend}.log",
                env={**common, "SHOPDB_DATABASE_URL": core_url, "SHOPDB_BASE_URL": f"http://127.0.0.1:{core_port}"},
            ).start())
            wait_http(f"http://127.0.0.1:{core_port}/readyz", process=core, timeout=60)
            service = stack.enter_context(service_process(
                COMPUTERS_DIR, port=computers_port, log_path=logs / f"computers-{backend}.log",
                env={**common, "SHOPDB_DATABASE_URL": url, "SHOPDB_BASE_URL": f"http://127.0.0.1:{computers_port}"},
            ).start())
            wait_http(f"http://127.0.0.1:{computers_port}/readyz", process=service, timeout=60)
            headers = keys.headers("editor", kind="token", name="bench-collector", services=["computers"])
            bodies = encode(records, batch)
            with httpx.Client(base_url=f"http://127.0.0.1:{computers_port}", timeout=600) as client:
                first, first_counts = timed_push(client, bodies, headers)
                again, again_counts = timed_push(client, bodies, headers)
    assert first_counts["created"] == len(records), first_counts
    assert again_counts["unchanged"] == len(records), again_counts
    return {"backend": backend, "first": len(records) / first, "again": len(records) / again,
            "first_s": first, "again_s": again}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--computers", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "mysql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ["sqlite", "mysql"] if args.backend == "both" else [args.backend]
    if "mysql" in backends and not mysql_available():
        print("MariaDB/MySQL not reachable (SHOPDB_TEST_MYSQL_URL): skipping it")
        backends.remove("mysql")
    records = computers(args.computers)
    print(f"{args.computers} computers x 40 applications x 2 interfaces, batches of {args.batch}")
    print(f"{'backend':8} {'first push':>22} {'unchanged re-push':>24}")
    results = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"shopdb-bench-collector-{backend}-") as tmp:
            result = run_backend(backend, records, args.batch, Path(tmp))
        results.append(result)
        print(f"{backend:8} {result['first']:>9.0f} computers/s ({result['first_s']:.1f}s) "
              f"{result['again']:>9.0f} computers/s ({result['again_s']:.1f}s)")
    for result in results:
        if result["backend"] == "mysql":
            print(f"targets (MariaDB): first push >= {FIRST_PUSH_TARGET:.0f}/s: "
                  f"{'met' if result['first'] >= FIRST_PUSH_TARGET else 'MISSED'}; "
                  f"re-push >= {REPUSH_TARGET:.0f}/s: {'met' if result['again'] >= REPUSH_TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
