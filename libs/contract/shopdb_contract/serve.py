"""Run a service: `python -m shopdb_contract.serve services/<name> --port 8101`.

The manifest is read and checked before any of the service's code is imported, so a service
whose manifest is broken stops here with a message naming the file and the field. Whether its
contract range fits is core's decision, made at registration against core's contract version
(ADR-002): core records the refusal and its reason, and the refusal policy applies (fail loud
in development and test, isolate in production).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from shopdb_contract.compat import check_name
from shopdb_contract.errors import ContractError
from shopdb_contract.manifest import ManifestError, load_manifest

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopdb-serve", description=__doc__)
    parser.add_argument("service_dir", type=Path, help="the service folder holding manifest.json")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)

    try:
        manifest = load_manifest(args.service_dir)
        check_name(manifest)
    except ManifestError as exc:
        print(f"shopdb: invalid manifest: {exc}", file=sys.stderr)
        return 2
    except ContractError as exc:
        print(f"shopdb: {exc.detail}", file=sys.stderr)
        return 2

    import uvicorn

    module = importlib.import_module(f"shopdb_{manifest.name}.app")
    app = module.create_app(manifest=manifest)
    # uvloop + httptools: see docs/architecture.md "Running it" for why not plain asyncio/h11.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0  # uvicorn exits 3 itself when start-up (registration included) fails


if __name__ == "__main__":
    sys.exit(main())
