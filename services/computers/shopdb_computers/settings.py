"""Computers' settings: the service settings plus how long a PC may go unseen."""

from __future__ import annotations

from pydantic import Field

from shopdb_contract.settings import ServiceSettings


class ComputersSettings(ServiceSettings):
    # A PC no collector has reported for this many days is listed as stale (never deleted).
    stale_days: float = Field(default=30.0, gt=0)
