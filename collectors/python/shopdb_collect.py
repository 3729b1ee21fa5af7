"""A small Python collector: gathers this machine's inventory and pushes it to ShopDB.

    python shopdb_collect.py --url https://shopdb.example/api/collector/computers --token-file token.txt

The token is an API token limited to the `computers` service. `push()` is also what tests and
scripts use to send records they built themselves, in batches the service accepts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

DEFAULT_BATCH = 1000


def batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def push(
    records: Iterable[dict[str, Any]],
    *,
    url: str,
    token: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    http: httpx.Client | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Push records in batches; returns the summed counts and every record's outcome."""
    own = http is None
    http = http or httpx.Client(timeout=120)
    sent_headers = dict(headers or {})
    if token:
        sent_headers["Authorization"] = f"Bearer {token}"
    total: dict[str, Any] = {"received": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "results": []}
    try:
        offset = 0
        for batch in batches(records, batch_size):
            response = http.post(url, json={"records": batch}, headers=sent_headers)
            response.raise_for_status()
            answer = response.json()
            for key in ("received", "created", "updated", "unchanged", "rejected"):
                total[key] += answer[key]
            total["results"] += [{**r, "index": r["index"] + offset} for r in answer["results"]]
            offset += len(batch)
    finally:
        if own:
            http.close()
    return total


def collect_local() -> dict[str, Any]:
    """What can be read portably about this machine (the PowerShell script reads much more)."""
    mac = uuid.getnode()
    record: dict[str, Any] = {
        "hostname": socket.gethostname().split(".")[0],
        "osname": platform.system(),
        "osversion": platform.release(),
        "osbuild": platform.version()[:50],
        "cpu": (platform.processor() or platform.machine())[:200],
        "lastuser": os.environ.get("USERNAME") or os.environ.get("USER"),
        "source": "python-collector",
        "interfaces": [{"name": "primary", "mac": ":".join(f"{(mac >> s) & 0xff:02X}" for s in range(40, -1, -8))}],
    }
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        record["memory_mb"] = int(pages / 1024 / 1024)
    except (ValueError, OSError, AttributeError):
        pass
    return {k: v for k, v in record.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the push URL, e.g. https://host/api/collector/computers")
    parser.add_argument("--token-file", help="file holding the API token (else SHOPDB_TOKEN)")
    parser.add_argument("--dry-run", action="store_true", help="print the record instead of pushing it")
    args = parser.parse_args(argv)
    record = collect_local()
    if args.dry_run:
        print(json.dumps(record, indent=2))
        return 0
    token = open(args.token_file).read().strip() if args.token_file else os.environ.get("SHOPDB_TOKEN")
    answer = push([record], url=args.url, token=token)
    print(json.dumps(answer["results"], indent=2))
    return 0 if answer["rejected"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
