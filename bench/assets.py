"""Asset API benchmark: 100,000 assets, the list and get endpoints, via the gateway and direct.

    .venv/bin/python bench/assets.py [--assets 100000] [--requests 4000] [--concurrency 4] [--rounds 4]
                                     [--mysql | --database-url URL]

Starts its own NATS, core and Traefik on free ports with a fresh database (SQLite by default),
bulk-loads the assets through core's models, then measures each endpoint with a few
keep-alive connections and prints requests/s, p50 and p99 beside the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from httpload import Result, load
from shopdb_contract.db import Database
from shopdb_contract.migrations import upgrade
from shopdb_contract.processes import free_port, nats_process, service_process, traefik_process, wait_http
from shopdb_contract.testing.databases import fresh_database

REPO = Path(__file__).resolve().parents[1]
CORE_DIR = REPO / "services" / "core"
GATEWAY_SHARE_TARGET = 0.85  # the gateway may cost at most 15% of direct throughput
LIST_P50_TARGET_MS = 20.0
GATEWAY_TOKEN = "bench-gateway-token-not-a-secret"


def load_assets(url: str, count: int) -> tuple[float, dict]:
    """Bulk insert `count` assets; returns the seconds it took and the values to filter on."""
    from shopdb_core.assets.models import Asset
    from shopdb_core.reference.models import AssetStatus, AssetType
    from shopdb_core.seed import seed_reference

    database = Database(url)
    try:
        with database.transaction() as session:
            seed_reference(session)
        with database.session() as session:
            types = sorted(session.scalars(select(AssetType.name)))
            statuses = sorted(session.scalars(select(AssetStatus.key)))
        started = time.perf_counter()
        ids: list[str] = []
        batch = 5000
        for first in range(0, count, batch):
            rows = []
            for i in range(first, min(first + batch, count)):
                asset_id = uuid.uuid4()
                if i % max(1, count // 500) == 0:
                    ids.append(str(asset_id))
                rows.append(
                    {
                        "id": asset_id,
                        "assetnumber": f"B{i:07d}",
                        "assetnumberkey": f"b{i:07d}",
                        "name": f"Bench asset {i}",
                        "type": types[i % len(types)],
                        "status": statuses[(i // len(types)) % len(statuses)],
                        "serialnumber": f"SN{i:08d}",
                        "mapx": float(i % 1000),
                        "mapy": float(i // 1000),
                        "notes": "",
                    }
                )
            with database.transaction() as session:
                session.execute(insert(Asset), rows)
        seconds = time.perf_counter() - started
    finally:
        database.dispose()
    pick = {"type": types[1 % len(types)], "status": statuses[1 % len(statuses)], "ids": ids}
    return seconds, pick


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def row(label: str, via: str, result: Result) -> str:
    errors = f"  ({result.errors} errors)" if result.errors else ""
    per_request = {name: seconds / result.requests * 1000 for name, seconds in result.cpu.items()}
    return (
        f"{label:<38} {via:<13} {result.rps:>9.0f} {result.percentile(50) * 1000:>8.2f} "
        f"{result.percentile(99) * 1000:>8.2f} {per_request.get('core', 0):>9.2f} {per_request.get('traefik', 0):>9.2f}{errors}"
    )


def measure(
    core_url: str, gateway_url: str, paths: list[str], args, pids: dict[str, int], auth: dict[str, str]
) -> tuple[Result, Result]:
    """Direct and gateway runs interleaved over `args.rounds`, alternating which goes first, so
    a neighbour's burst of CPU or a warming cache does not favour one path."""
    runs: dict[str, list[Result]] = {core_url: [], gateway_url: []}
    per_round = max(1, args.requests // args.rounds)
    for round_ in range(args.rounds):
        order = (core_url, gateway_url) if round_ % 2 == 0 else (gateway_url, core_url)
        for base in order:
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            result = load(base, paths, requests=per_round, concurrency=args.concurrency, headers=auth)
            result.cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            runs[base].append(result)
    return merge(runs[core_url]), merge(runs[gateway_url])


def merge(results: list[Result]) -> Result:
    return Result(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        latencies=sorted(x for r in results for x in r.latencies),
        errors=sum(r.errors for r in results),
        cpu={name: sum(r.cpu.get(name, 0.0) for r in results) for name in results[0].cpu},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=4000, help="requests per endpoint and path, over all rounds")
    parser.add_argument("--concurrency", type=int, default=4, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved direct/gateway rounds")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--database-url", help="an empty database for core (default: a fresh SQLite file)")
    group.add_argument("--mysql", action="store_true", help="a fresh database on the local MariaDB/MySQL")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="shopdb-bench-"))
    processes = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if args.database_url:
            url = args.database_url
        elif args.mysql:
            url = cleanup.enter_context(fresh_database("mysql", workdir, "bench"))
        else:
            url = f"sqlite:///{workdir / 'core.db'}"
        backend = url.split(":", 1)[0]
        print(f"bench: core database {backend}, {args.assets:,} assets, {args.concurrency} connections", flush=True)

        upgrade(CORE_DIR, url)
        seconds, pick = load_assets(url, args.assets)
        print(f"bench: loaded {args.assets:,} assets in {seconds:.1f} s ({args.assets / seconds:,.0f} rows/s)", flush=True)

        try:
            core_url, gateway_url, auth = start_stack(workdir, url, processes)
            pids = {p.name: p.pid for p in processes if p.name in ("core", "traefik")}
            scenarios = [
                ("GET /api/assets?limit=50&type&status", [f"/api/assets?limit=50&type={pick['type']}&status={pick['status']}"]),
                ("GET /api/assets/{id}", [f"/api/assets/{i}" for i in pick["ids"]]),
            ]
            print(f"\n{'endpoint':<38} {'via':<13} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'core cpu':>9} {'gw cpu':>9}")
            print(f"{'':<38} {'':<13} {'':>9} {'':>8} {'':>8} {'ms/req':>9} {'ms/req':>9}")
            summary = []
            for label, paths in scenarios:
                direct, gateway = measure(core_url, gateway_url, paths, args, pids, auth)
                print(row(label, "direct", direct), flush=True)
                print(row(label, "gateway", gateway), flush=True)
                ratio = gateway.rps / direct.rps if direct.rps else 0.0
                verdict = "meets" if ratio >= GATEWAY_SHARE_TARGET else "MISSES"
                print(f"{'':<38} {'ratio':<13} {ratio:>9.2f}   gateway/direct, target >= {GATEWAY_SHARE_TARGET:.2f}: {verdict}")
                summary.append((label, direct, gateway, ratio))
            # With N connections on one server process the p50 above includes queueing behind
            # the other N-1; one client alone shows what a single listing costs.
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            alone = load(gateway_url, scenarios[0][1], requests=max(1, args.requests // 4), concurrency=1, headers=auth)
            alone.cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            print(row(scenarios[0][0], "gw, 1 client", alone))
            for what, result in ((f"{args.concurrency} clients", summary[0][2]), ("1 client", alone)):
                p50 = result.percentile(50) * 1000
                verdict = "meets" if p50 < LIST_P50_TARGET_MS else "MISSES"
                print(
                    f"target: list 50 of {args.assets:,} with a filter through the gateway, {what}: "
                    f"p50 {p50:.2f} ms < {LIST_P50_TARGET_MS:.0f} ms: {verdict}"
                )
            summary.append(("alone", alone, alone, 1.0))
            errors = sum(d.errors + g.errors for _, d, g, _ in summary)
            if errors:
                print(f"bench: {errors} requests did not answer 200; see {workdir}/log", file=sys.stderr)
                return 1
        finally:
            # Nothing to keep: do not wait out the services' graceful drain.
            for process in reversed(processes):
                process.stop(timeout=3)
    return 0


def start_stack(workdir: Path, url: str, processes: list) -> tuple[str, str, dict[str, str]]:
    """NATS, core and Traefik on free ports; returns core's and the gateway's base URLs and a
    viewer's Authorization header (every request verifies its token, as on a site)."""
    from shopdb_core.gateway.traefik_config import default_dynamic_dir, dynamic_env, write_static_config
    from shopdb_core.identity.testing import add_user, login_headers

    add_user(url, "bench-viewer", role="viewer")

    logs = workdir / "log"
    nats_port, core_port, gateway_port, ping_port = (free_port() for _ in range(4))
    nats = nats_process(port=nats_port, store_dir=workdir / "nats", log_path=logs / "nats.log").start()
    processes.append(nats)
    core_url = f"http://127.0.0.1:{core_port}"
    env = {
        "SHOPDB_ENV": "development",
        "SHOPDB_DATABASE_URL": url,
        "SHOPDB_VAR_DIR": str(workdir),
        "SHOPDB_CORE_URL": core_url,
        "SHOPDB_BASE_URL": core_url,
        "SHOPDB_NATS_URL": f"nats://127.0.0.1:{nats_port}",
        "SHOPDB_GATEWAY_TOKEN": GATEWAY_TOKEN,
    }
    core = service_process(CORE_DIR, port=core_port, env=env, log_path=logs / "core.log").start()
    processes.append(core)
    wait_http(f"{core_url}/readyz", timeout=60, process=core)
    auth = login_headers(core_url, "bench-viewer")

    static = write_static_config(
        workdir / "traefik.yml",
        entry_port=gateway_port,
        ping_port=ping_port,
        core_url=core_url,
        gateway_token=GATEWAY_TOKEN,
        dynamic_dir=default_dynamic_dir(),
        access_log_path=logs / "gateway-access.log",
    )
    traefik = traefik_process(static_config=static, log_path=logs / "traefik.log", env=dynamic_env(core_url=core_url)).start()
    processes.append(traefik)
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    wait_http(f"{gateway_url}/api/services", timeout=30, process=traefik, headers=auth)
    return core_url, gateway_url, auth


if __name__ == "__main__":
    sys.exit(main())
