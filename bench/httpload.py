"""A small keep-alive HTTP/1.1 load generator on raw asyncio streams.

A full client (httpx) spends more CPU per request than the server under test; on a 2-core
machine that would measure the client. This one writes prebuilt requests and reads
Content-Length bodies, nothing else, so most of the CPU goes to the servers being measured.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]  # seconds, sorted
    errors: int
    # CPU seconds each server process spent during the run (where the time goes).
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        index = min(len(self.latencies) - 1, int(round(p / 100 * (len(self.latencies) - 1))))
        return self.latencies[index]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _worker(base: str, paths, count: int, latencies: list[float], errors: list[int], extra: str) -> None:
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port or 80
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            path = next(paths)
            request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n{extra}\r\n".encode()
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors[0] += 1
    finally:
        writer.close()


async def _run(base: str, paths: list[str], requests: int, concurrency: int, headers: dict[str, str]) -> Result:
    cycle = itertools.cycle(paths)
    latencies: list[float] = []
    errors = [0]
    share = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    started = time.perf_counter()
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    await asyncio.gather(*(_worker(base, cycle, n, latencies, errors, extra) for n in share))
    seconds = time.perf_counter() - started
    return Result(requests=requests, seconds=seconds, latencies=sorted(latencies), errors=errors[0])


def load(
    base: str, paths: list[str], *, requests: int, concurrency: int, warmup: int = 50, headers: dict[str, str] | None = None
) -> Result:
    """`requests` GETs over `concurrency` keep-alive connections, cycling through `paths`,
    each with `headers` (the access token)."""
    headers = headers or {}
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # uvloop is installed with uvicorn[standard]; plain asyncio still works
        runner = asyncio.run
    if warmup:
        runner(_run(base, paths, min(warmup, requests), concurrency, headers))
    return runner(_run(base, paths, requests, concurrency, headers))
