"""Namespaced site settings: `core.<key>` for core, `service.<name>.<key>` for a service.

An administrator may write any key; a service only keys under its own `service.<name>.`, so
one service can never change how another behaves.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopdb_contract.db import utcnow
from shopdb_contract.errors import ForbiddenError, NotFoundError, ValidationProblem
from shopdb_contract.manifest import SERVICE_NAME
from shopdb_core.sitesettings.models import SiteSetting  # noqa: F401  (api reads it from here)

ADMIN = "admin"
KEY = re.compile(r"^(core|service\.[a-z][a-z0-9_]{1,30})\.[a-z0-9_][a-z0-9_.-]{0,150}$")
MAX_VALUE_BYTES = 64 * 1024


def setting_out(row: SiteSetting) -> dict[str, Any]:
    return {"key": row.key, "value": row.value, "updatedby": row.updatedby, "updated": row.updated.isoformat()}


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise ValidationProblem(
            f"{key!r} is not a setting key: use 'core.<name>' or 'service.<service>.<name>' "
            "(lowercase letters, digits, '_', '-', '.')",
            field="key",
        )
    return key


def list_settings(session: Session, *, prefix: str = "", limit: int, offset: int) -> tuple[int, list[SiteSetting]]:
    conditions = [SiteSetting.key.startswith(prefix, autoescape=True)] if prefix else []
    count = session.scalar(select(func.count()).select_from(SiteSetting).where(*conditions)) or 0
    rows = session.scalars(select(SiteSetting).where(*conditions).order_by(SiteSetting.key).limit(limit).offset(offset))
    return count, list(rows)


def get_setting(session: Session, *, key: str) -> SiteSetting:
    row = session.get(SiteSetting, key)
    if row is None:
        raise NotFoundError(f"no setting {key!r}")
    return row


def _check_writer(key: str, writer: str) -> None:
    if writer == ADMIN:
        return
    if not SERVICE_NAME.match(writer):
        raise ValidationProblem(f"{writer!r} is not a service name", field="writer")
    if not key.startswith(f"service.{writer}."):
        raise ForbiddenError(
            f"service {writer!r} may write only keys under 'service.{writer}.', not {key!r}", field="key"
        )


def write_setting(session: Session, *, key: str, value: Any, writer: str) -> SiteSetting:
    """Create or replace a setting; `writer` is "admin" or the name of the service writing."""
    check_key(key)
    _check_writer(key, writer)
    if len(json.dumps(value)) > MAX_VALUE_BYTES:
        raise ValidationProblem(f"the value is larger than {MAX_VALUE_BYTES} bytes of JSON", field="value")
    row = session.get(SiteSetting, key)
    if row is None:
        row = SiteSetting(key=key, value=value, updatedby=writer)
        session.add(row)
    else:
        row.value = value
        row.updatedby = writer
        row.updated = utcnow()
    session.flush()
    return row


def delete_setting(session: Session, *, key: str, writer: str) -> None:
    _check_writer(key, writer)
    session.delete(get_setting(session, key=key))
    session.flush()
