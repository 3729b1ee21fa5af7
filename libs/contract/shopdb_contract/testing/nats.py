"""A real nats-server with JetStream for tests, from the bundled binary, on a free port."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shopdb_contract.processes import ManagedProcess, free_port, nats_process

__all__ = ["NatsServer", "running_nats", "wait_tcp"]


def wait_tcp(host: str, port: int, *, timeout: float = 10.0, process: ManagedProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if process is not None and not process.alive:
                raise RuntimeError(f"{process.describe()}\n{process.log_tail()}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            time.sleep(0.05)


class NatsServer:
    """Start, stop and restart one nats-server keeping its port and its JetStream data."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: ManagedProcess | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.process = nats_process(
            port=self.port, store_dir=self.workdir / "jetstream", log_path=self.workdir / f"nats-{self.restarts}.log"
        ).start()
        self.restarts += 1
        wait_tcp("127.0.0.1", self.port, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


@contextmanager
def running_nats(workdir: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir).start()
    try:
        yield server
    finally:
        server.stop()
