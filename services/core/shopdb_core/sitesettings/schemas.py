"""Request bodies for site settings."""

from __future__ import annotations

from typing import Any

from shopdb_core.reference.schemas import Body


class SettingWrite(Body):
    value: Any
