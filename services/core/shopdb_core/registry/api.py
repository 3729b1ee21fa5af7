"""Registry endpoints: the public list at /api/services, the services' own calls at /internal/services."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from shopdb_contract.auth import require_role
from shopdb_contract.deps import DbSession
from shopdb_contract.errors import UnauthorizedError
from shopdb_core.registry import service
from shopdb_core.registry.models import RegisteredService
from shopdb_core.registry.schemas import (
    HeartbeatRequest,
    RegisterRequest,
    Refusal,
    ServiceDetail,
    ServiceList,
    ServiceRead,
)

from shopdb_contract.wire import REGISTRATION_SECRET_HEADER as SECRET_HEADER  # noqa: E402


def require_registration_secret(
    request: Request,
    secret: Annotated[str | None, Header(alias=SECRET_HEADER, include_in_schema=False)] = None,
) -> None:
    expected = request.app.state.settings.registration_secret.get_secret_value().encode()
    if secret is None or not hmac.compare_digest(secret.encode(), expected):
        raise UnauthorizedError(
            f"registration needs the site's registration secret in the {SECRET_HEADER} header",
            headers={"WWW-Authenticate": SECRET_HEADER},
        )


def _timeout(request: Request) -> float:
    return request.app.state.settings.heartbeat_timeout


def to_read(row: RegisteredService, timeout: float, model: type[ServiceRead] = ServiceRead) -> ServiceRead:
    extra = {"manifest": row.manifest} if model is ServiceDetail else {}
    return model(
        name=row.name,
        version=row.version,
        description=row.manifest.get("description", ""),
        status=row.status,
        enabled=row.enabled,
        healthy=service.is_healthy(row, timeout=timeout),
        routed=service.is_routed(row, timeout=timeout),
        base_url=row.base_url,
        contract_version=row.contract_version,
        core_version=row.manifest.get("core_version", ""),
        refusal=Refusal(type=row.refusal_type, reason=row.refusal_reason or "") if row.refusal_type else None,
        registered_at=row.registered_at,
        last_heartbeat=row.last_heartbeat,
        **extra,
    )


router = APIRouter(prefix="/api/services", tags=["services"])


@router.get("", response_model=ServiceList)
def list_services(request: Request, session: DbSession) -> ServiceList:
    rows = service.list_all(session=session)
    return ServiceList(count=len(rows), results=[to_read(row, _timeout(request)) for row in rows])


@router.get("/{name}", response_model=ServiceDetail)
def get_service(name: str, request: Request, session: DbSession) -> ServiceRead:
    return to_read(service.get_or_404(session=session, name=name), _timeout(request), ServiceDetail)


@router.post("/{name}/enable", response_model=ServiceDetail, dependencies=[require_role("admin")])
def enable_service(name: str, request: Request, session: DbSession) -> ServiceRead:
    row = service.set_enabled(session=session, name=name, enabled=True)
    return to_read(row, _timeout(request), ServiceDetail)


@router.post("/{name}/disable", response_model=ServiceDetail, dependencies=[require_role("admin")])
def disable_service(name: str, request: Request, session: DbSession) -> ServiceRead:
    row = service.set_enabled(session=session, name=name, enabled=False)
    return to_read(row, _timeout(request), ServiceDetail)


# Never routed by the gateway (its file route covers /api only); services call core directly.
internal_router = APIRouter(
    prefix="/internal/services",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_registration_secret)],
)


@internal_router.post("/register", response_model=ServiceDetail)
def register_service(body: RegisterRequest, request: Request, session: DbSession) -> ServiceRead:
    row = service.register(
        session=session,
        manifest_data=body.manifest,
        base_url=body.base_url,
        contract_version=body.contract_version,
    )
    return to_read(row, _timeout(request), ServiceDetail)


@internal_router.post("/{name}/heartbeat", response_model=ServiceRead)
def heartbeat(name: str, request: Request, session: DbSession, body: HeartbeatRequest | None = None) -> ServiceRead:
    row = service.heartbeat(session=session, name=name, version=body.version if body else None)
    return to_read(row, _timeout(request))


@internal_router.post("/{name}/stopping", response_model=ServiceRead)
def stopping(name: str, request: Request, session: DbSession) -> ServiceRead:
    return to_read(service.mark_stopping(session=session, name=name), _timeout(request))
