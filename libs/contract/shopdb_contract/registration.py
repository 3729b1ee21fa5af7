"""Registration with core, heartbeats, and the refusal policy.

A service sends its manifest and base URL to core when it starts. Core answers with
acceptance or a refusal naming the reason (contract, version, dependency). Policy (ADR-002):
- development and test: registration is awaited at start-up; a refusal, or core unreachable
  for `register_timeout` seconds, fails start-up so the process exits non-zero (fail loud);
- production: registration runs in the background, retrying while core is unreachable; a
  refusal is logged with full context and the service keeps running, unrouted (isolate).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx

from shopdb_contract import __contract_version__
from shopdb_contract.manifest import ServiceManifest
from shopdb_contract.settings import ServiceSettings

log = logging.getLogger("shopdb.registration")

from shopdb_contract.wire import REGISTRATION_SECRET_HEADER as SECRET_HEADER  # noqa: E402

__all__ = ["REGISTER_PATH", "backoff_delays", "CoreUnreachable", "Registration", "ServiceRefused"]
REGISTER_PATH = "/internal/services/register"


class ServiceRefused(Exception):
    """Core refused the service; `problem` is core's problem+json answer."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        super().__init__(f"core refused the service ({problem.get('type')}): {problem.get('detail')}")


class CoreUnreachable(Exception):
    pass


def backoff_delays(first: float = 0.25, cap: float = 10.0):
    """Exponential back-off with jitter, so replicas restarting together do not stampede core."""
    delay = first
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay = min(cap, delay * 2)


class Registration:
    def __init__(self, *, manifest: ServiceManifest, settings: ServiceSettings) -> None:
        self.manifest = manifest
        self.settings = settings
        self.state = "pending"  # pending | registered | refused
        self.refusal: dict[str, Any] | None = None
        self._tasks: list[asyncio.Task] = []
        self._client = httpx.AsyncClient(
            base_url=settings.core_url.rstrip("/"),
            timeout=5.0,
            headers={SECRET_HEADER: settings.registration_secret.get_secret_value()},
        )

    def payload(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest.public(),
            "base_url": self.settings.base_url.rstrip("/"),
            "contract_version": __contract_version__,
        }

    async def register_once(self) -> dict[str, Any]:
        try:
            response = await self._client.post(REGISTER_PATH, json=self.payload())
        except httpx.TransportError as exc:
            raise CoreUnreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise CoreUnreachable(f"core answered {response.status_code}")
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"status": response.status_code, "detail": response.text[:500]}
            raise ServiceRefused(problem)
        return response.json()

    async def register_until_decided(self, timeout: float | None) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        for delay in backoff_delays():
            try:
                accepted = await self.register_once()
            except CoreUnreachable as exc:
                if deadline is not None and loop.time() + delay > deadline:
                    raise CoreUnreachable(
                        f"core at {self.settings.core_url} did not answer within {timeout:.0f}s: {exc}"
                    ) from exc
                log.info("core not reachable yet, retrying", extra={"retry_in_s": round(delay, 2), "error": str(exc)})
                await asyncio.sleep(delay)
                continue
            self.state = "registered"
            log.info("registered with core", extra={"core_url": self.settings.core_url})
            return accepted
        raise AssertionError("unreachable")

    async def start(self) -> None:
        if self.settings.is_production:
            self._tasks.append(asyncio.create_task(self._register_in_background()))
            return
        try:
            await self.register_until_decided(self.settings.register_timeout)
        except ServiceRefused as exc:
            self._refused(exc)
            await self._client.aclose()
            raise
        except CoreUnreachable:
            await self._client.aclose()
            raise
        self._tasks.append(asyncio.create_task(self._heartbeats()))

    def _refused(self, exc: ServiceRefused) -> None:
        self.state = "refused"
        self.refusal = exc.problem
        log.error(
            "core refused this service",
            extra={
                "problem_type": exc.problem.get("type"),
                "reason": exc.problem.get("detail"),
                "manifest_name": self.manifest.name,
                "manifest_version": self.manifest.version,
                "core_version_range": self.manifest.core_version,
                "depends_on": self.manifest.depends_on,
                "core_url": self.settings.core_url,
            },
        )

    async def _register_in_background(self) -> None:
        try:
            await self.register_until_decided(None)
        except ServiceRefused as exc:
            # Isolate: the service stays up but unrouted; the operator reads why in the log
            # and in core's registry.
            self._refused(exc)
            return
        await self._heartbeats()

    async def _heartbeats(self) -> None:
        interval = self.settings.heartbeat_interval
        path = f"/internal/services/{self.manifest.name}/heartbeat"
        while True:
            await asyncio.sleep(interval)
            try:
                response = await self._client.post(path, json={"version": self.manifest.version})
                if response.status_code == 404:
                    # Core lost us (a fresh database, an uninstall): register again.
                    await self.register_once()
                elif response.status_code >= 400:
                    log.warning("heartbeat refused", extra={"status": response.status_code})
            except (httpx.TransportError, CoreUnreachable) as exc:
                log.warning("heartbeat failed", extra={"error": type(exc).__name__})
            except ServiceRefused as exc:
                self._refused(exc)
                return

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        if self.state == "registered":
            # Tell core at once, so the gateway stops routing here before the heartbeat goes stale.
            try:
                await self._client.post(f"/internal/services/{self.manifest.name}/stopping", timeout=2.0)
            except httpx.HTTPError:
                pass
        await self._client.aclose()
