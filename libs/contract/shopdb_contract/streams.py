"""JetStream streams and connections shared by every service.

Streams are created or updated idempotently by whoever starts first, from the same settings,
so a service never publishes into a stream that does not exist yet.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NATS
from nats.js import api
from nats.js.errors import NotFoundError

from shopdb_contract.wire import AUDIT_SUBJECTS, EVENT_SUBJECTS

__all__ = ["connect", "connect_with_retry", "ensure_streams", "pause", "safe_url", "stream_configs",
    "StreamLimits"]

log = logging.getLogger("shopdb.streams")


@dataclass(frozen=True)
class StreamLimits:
    """Retention of the streams; see ADR-008 for how these were chosen."""

    audit_max_age_days: float = 30.0
    events_max_age_days: float = 7.0
    duplicate_window_seconds: float = 600.0
    max_bytes: int = -1  # unlimited; a site with little disk sets a cap


def stream_configs(limits: StreamLimits) -> list[api.StreamConfig]:
    day = 86400.0
    common = dict(
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
        discard=api.DiscardPolicy.OLD,
        duplicate_window=limits.duplicate_window_seconds,
        max_bytes=limits.max_bytes,
    )
    return [
        api.StreamConfig(
            name="AUDIT",
            description="Audit events of every ShopDB service; core stores each once.",
            subjects=[AUDIT_SUBJECTS],
            max_age=limits.audit_max_age_days * day,
            **common,
        ),
        api.StreamConfig(
            name="EVENTS",
            description="Domain events of every ShopDB service.",
            subjects=[EVENT_SUBJECTS],
            max_age=limits.events_max_age_days * day,
            **common,
        ),
    ]


async def ensure_streams(nc: NATS, limits: StreamLimits) -> None:
    js = nc.jetstream()
    for config in stream_configs(limits):
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream created", extra={"stream": config.name})
        else:
            await js.update_stream(config)


def safe_url(url: str) -> str:
    """The URL without credentials, for logs."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


async def connect(url: str, *, name: str) -> NATS:
    """Connect once; callers retry. Reconnects after a later outage are handled by nats-py."""
    return await nats.connect(
        url,
        name=name,
        connect_timeout=2,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
    )


async def connect_with_retry(url: str, *, name: str, stop: asyncio.Event) -> NATS | None:
    """Connected client, or None once `stop` is set first.

    nats-py keeps retrying an unreachable server by itself (reconnects are unlimited), so one
    attempt is raced against `stop`: a service shutting down while NATS is away stops at once.
    """
    attempt = asyncio.ensure_future(connect(url, name=name))
    stopped = asyncio.ensure_future(stop.wait())
    log.info("connecting to NATS", extra={"nats_url": safe_url(url)})
    done, _ = await asyncio.wait({attempt, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if attempt in done:
        return attempt.result()
    attempt.cancel()
    try:
        await attempt
    except BaseException:  # cancelled, or failed as it was cancelled: either way not connected
        pass
    return None


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`, waking early when `stop` is set; True when stopped."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        return False
    return True
