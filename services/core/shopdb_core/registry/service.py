"""Registry rules as plain functions: register, heartbeat, stop, enable/disable, health.

Routers in registry/api.py and the gateway's route source call these; tests call them directly.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb_contract import __contract_version__
from shopdb_contract.compat import check_contract, check_registration
from shopdb_contract.db import utcnow
from shopdb_contract.errors import ConflictError, ContractError, NotFoundError, ProblemError
from shopdb_contract.manifest import ManifestError, ServiceManifest, parse_manifest
from shopdb_core.registry.models import REFUSED, REGISTERED, STOPPED, RegisteredService

log = logging.getLogger("shopdb.registry")

CORE = "core"


def get(*, session: Session, name: str) -> RegisteredService | None:
    return session.get(RegisteredService, name)


def get_or_404(*, session: Session, name: str) -> RegisteredService:
    row = get(session=session, name=name)
    if row is None:
        raise NotFoundError(f"no service {name!r} is registered on this site", service=name)
    return row


def list_all(*, session: Session) -> list[RegisteredService]:
    rows = session.scalars(select(RegisteredService).order_by(RegisteredService.name)).all()
    # Core first: it is the one every site has.
    return sorted(rows, key=lambda row: (row.name != CORE, row.name))


def last_seen(row: RegisteredService) -> datetime:
    # Registering is a sign of life too, so a service is routed before its first heartbeat.
    if row.last_heartbeat is None:
        return row.registered_at
    return max(row.last_heartbeat, row.registered_at)


def is_healthy(row: RegisteredService, *, timeout: float, now: datetime | None = None) -> bool:
    if row.name == CORE:
        return True  # core answers this very question, so it is up
    if row.status != REGISTERED:
        return False
    now = now or utcnow()
    return now - last_seen(row) <= timedelta(seconds=timeout)


def is_routed(row: RegisteredService, *, timeout: float, now: datetime | None = None) -> bool:
    return row.status == REGISTERED and row.enabled and is_healthy(row, timeout=timeout, now=now)


def routed_services(*, session: Session, timeout: float, now: datetime | None = None) -> list[RegisteredService]:
    """Domain services the gateway sends traffic to (core routes itself through the file provider)."""
    now = now or utcnow()
    return [
        row for row in list_all(session=session)
        if row.name != CORE and is_routed(row, timeout=timeout, now=now)
    ]


def compatible_versions(*, session: Session, exclude: str) -> dict[str, str]:
    """Versions of the registered, compatible services a new service's depends_on is checked against."""
    rows = session.scalars(select(RegisteredService).where(RegisteredService.status != REFUSED)).all()
    return {row.name: row.version for row in rows if row.name != exclude}


def _parse(manifest_data: dict[str, Any]) -> ServiceManifest:
    try:
        return parse_manifest(manifest_data, source="manifest")
    except ManifestError as exc:
        errors = [{"field": f"manifest.{_field_of(p)}", "message": p} for p in exc.problems]
        raise ContractError(
            "the manifest does not keep the contract: " + "; ".join(exc.problems), errors=errors
        ) from exc


def _field_of(problem: str) -> str:
    # parse_manifest phrases each problem as "field 'x.y': message".
    if problem.startswith("field '"):
        return problem[len("field '"):].split("'", 1)[0]
    return "(root)"


def register(
    *,
    session: Session,
    manifest_data: dict[str, Any],
    base_url: str,
    contract_version: str,
    core_contract: str = __contract_version__,
) -> RegisteredService:
    """Accept a service or refuse it; a refusal is stored (so the registry shows why) and raised."""
    manifest = _parse(manifest_data)
    if manifest.name == CORE:
        # Never stored: that would overwrite core's own row.
        raise ContractError(
            "the name 'core' belongs to this site's core; a service must choose another name",
            service=CORE, errors=[{"field": "manifest.name", "message": "reserved for core"}],
        )
    try:
        check_registration(
            manifest, compatible_versions(session=session, exclude=manifest.name), core_contract
        )
        row = _store(session, manifest, base_url=base_url, contract_version=contract_version, status=REGISTERED)
        _sync_asset_types(session, manifest)
        session.commit()
    except ProblemError as exc:
        session.rollback()
        _store_refusal(session, manifest, exc, base_url=base_url, contract_version=contract_version)
        raise
    except Exception:
        session.rollback()
        raise
    log.info("service registered", extra={"service": manifest.name, "version": manifest.version, "base_url": base_url})
    return row


def _sync_asset_types(session: Session, manifest: ServiceManifest) -> None:
    # Imported here: the reference-data module is core's, and the registry only hands it the list.
    from shopdb_core.reference.service import sync_asset_types

    sync_asset_types(session, service=manifest.name, asset_types=list(manifest.asset_types))


def _store(
    session: Session,
    manifest: ServiceManifest,
    *,
    base_url: str,
    contract_version: str,
    status: str,
    refusal_type: str | None = None,
    refusal_reason: str | None = None,
) -> RegisteredService:
    row = get(session=session, name=manifest.name)
    if row is None:
        # New services start enabled; a later re-registration keeps what the operator chose.
        row = RegisteredService(name=manifest.name, enabled=True)
        session.add(row)
    row.version = manifest.version
    row.base_url = base_url
    row.contract_version = contract_version
    row.manifest = manifest.public()
    row.status = status
    row.refusal_type = refusal_type
    row.refusal_reason = refusal_reason
    row.registered_at = utcnow()
    row.last_heartbeat = None
    session.flush()
    return row


def _store_refusal(
    session: Session, manifest: ServiceManifest, exc: ProblemError, *, base_url: str, contract_version: str
) -> None:
    _store(
        session, manifest, base_url=base_url, contract_version=contract_version, status=REFUSED,
        refusal_type=exc.type, refusal_reason=exc.detail,
    )
    session.commit()
    log.warning(
        "service refused",
        extra={"service": manifest.name, "version": manifest.version, "problem_type": exc.type, "reason": exc.detail},
    )


def heartbeat(*, session: Session, name: str, version: str | None = None) -> RegisteredService:
    """Record a sign of life. Unknown, stopped or changed services get 404 and register again."""
    row = get(session=session, name=name)
    if row is None or row.status == STOPPED or (version is not None and version != row.version):
        raise NotFoundError(
            f"service {name!r} is not registered as running here; register again", service=name
        )
    if row.status == REFUSED:
        raise ConflictError(
            f"service {name!r} was refused: {row.refusal_reason}", service=name, refusal_type=row.refusal_type
        )
    row.last_heartbeat = utcnow()
    session.commit()
    return row


def mark_stopping(*, session: Session, name: str) -> RegisteredService:
    row = get_or_404(session=session, name=name)
    if row.status == REGISTERED:
        row.status = STOPPED
        session.commit()
        log.info("service stopping", extra={"service": name})
    return row


def set_enabled(*, session: Session, name: str, enabled: bool) -> RegisteredService:
    row = get_or_404(session=session, name=name)
    if row.name == CORE and not enabled:
        raise ConflictError("core cannot be disabled: every other service depends on it", service=CORE)
    row.enabled = enabled
    session.commit()
    log.info("service enabled" if enabled else "service disabled", extra={"service": name})
    return row


def record_core(*, session: Session, manifest: ServiceManifest, base_url: str) -> RegisteredService:
    """Core's own row: always registered, enabled and (while it runs) healthy."""
    row = _store(
        session, manifest, base_url=base_url.rstrip("/"), contract_version=__contract_version__, status=REGISTERED
    )
    row.enabled = True
    session.commit()
    return row


def record_core_on_startup(app: FastAPI) -> None:
    """Start-up hook: core records itself in its own registry.

    Core holds itself to the rule it applies to others: its manifest's range must admit the
    contract it runs on, or it does not start.
    """
    check_contract(app.state.manifest, __contract_version__)
    with app.state.database.session() as session:
        record_core(session=session, manifest=app.state.manifest, base_url=app.state.settings.base_url)
