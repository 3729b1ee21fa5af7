"""The container's entry point: which service to run is an argument (ADR-003).

    serve <name>     run services/<name> on 0.0.0.0:8000
    migrate <name>   bring services/<name>'s database to head (SHOPDB_DATABASE_URL)
    health [path]    exit 0 when http://127.0.0.1:8000<path> answers 2xx (default /healthz)

Migrations run in every pod's init container on Kubernetes, so two replicas may start them
at once; on MySQL/MariaDB a named lock serialises them and the second finds the schema at
head. Anything else is run as given (`docker run shopdb:<tag> shopdb seed`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent
PORT = 8000
LOCK_TIMEOUT_SECONDS = 600


def service_dir(name: str) -> Path:
    folder = APP_DIR / "services" / name
    if not (folder / "manifest.json").is_file():
        known = sorted(p.parent.name for p in (APP_DIR / "services").glob("*/manifest.json"))
        sys.exit(f"shopdb: no service {name!r} in this image (it has: {', '.join(known)})")
    return folder


def serve(name: str) -> None:
    folder = service_dir(name)
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "shopdb_contract.serve", str(folder), "--host", "0.0.0.0", "--port", str(PORT)],
    )


def run_migrations(name: str, folder: Path, url: str) -> None:
    # The project's own command when this build has it; the library call otherwise.
    if shutil.which("shopdb"):
        result = subprocess.run(["shopdb", "migrate", name], cwd=APP_DIR)
        if result.returncode != 0:
            sys.exit(result.returncode)
    else:
        from shopdb_contract.migrations import upgrade

        upgrade(folder, url)


def migrate(name: str) -> None:
    folder = service_dir(name)
    url = os.environ.get("SHOPDB_DATABASE_URL")
    if not url:
        sys.exit(f"shopdb: SHOPDB_DATABASE_URL is not set: the {name} migration needs its database")
    if not url.startswith("mysql"):
        run_migrations(name, folder, url)
        return

    from sqlalchemy import create_engine, text

    engine = create_engine(url, pool_pre_ping=True)
    lock = f"shopdb_migrate_{name}"
    with engine.connect() as connection:
        got = connection.execute(text("SELECT GET_LOCK(:lock, :timeout)"), {"lock": lock, "timeout": LOCK_TIMEOUT_SECONDS}).scalar()
        if got != 1:
            sys.exit(f"shopdb: another {name} migration held the lock for {LOCK_TIMEOUT_SECONDS}s; giving up")
        try:
            run_migrations(name, folder, url)
        finally:
            connection.execute(text("SELECT RELEASE_LOCK(:lock)"), {"lock": lock})
    engine.dispose()
    print(f"shopdb: {name} database is at head", file=sys.stderr)


def health(path: str = "/healthz") -> None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=2) as response:
            sys.exit(0 if 200 <= response.status < 300 else 1)
    except OSError as exc:
        print(f"shopdb: {path} did not answer: {exc}", file=sys.stderr)
        sys.exit(1)


def main(argv: list[str]) -> None:
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
    elif argv[:1] == ["migrate"] and len(argv) == 2:
        migrate(argv[1])
    elif argv[:1] == ["health"] and len(argv) <= 2:
        health(*argv[1:])
    elif argv:
        os.execvp(argv[0], argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
