"""Settings routes: `/api/settings` for administrators, `/internal/settings` for services
(authenticated with the site's registration secret, the service named in a header)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from shopdb_contract import listing
from shopdb_contract.auth import require_role
from shopdb_contract.deps import DbSession
from shopdb_contract.wire import SERVICE_HEADER
from shopdb_contract.errors import UnauthorizedError
from shopdb_contract.registration import SECRET_HEADER
from shopdb_core.sitesettings import service
from shopdb_core.sitesettings.schemas import SettingWrite

router = APIRouter(tags=["settings"])
ADMIN_ONLY = require_role("admin")

IfMatch = Annotated[str | None, Header(alias="If-Match")]


@router.get("/api/settings", dependencies=[ADMIN_ONLY])
def list_settings(
    request: Request,
    session: DbSession,
    prefix: str = "",
    limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = listing.DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    count, rows = service.list_settings(session, prefix=prefix, limit=limit, offset=offset)
    results = [service.setting_out(r) for r in rows]
    return listing.envelope(request.url, count=count, results=results, limit=limit, offset=offset)


@router.get("/api/settings/{key}", dependencies=[ADMIN_ONLY])
def get_setting(key: str, session: DbSession):
    return listing.etag_response(service.setting_out(service.get_setting(session, key=key)))


@router.put("/api/settings/{key}", dependencies=[ADMIN_ONLY])
def put_setting(key: str, body: SettingWrite, session: DbSession, if_match: IfMatch = None):
    current = session.get(service.SiteSetting, key)
    if current is not None:
        listing.check_if_match(if_match, listing.etag_of(service.setting_out(current)), what="setting")
    row = service.write_setting(session, key=key, value=body.value, writer=service.ADMIN)
    session.commit()
    return listing.etag_response(service.setting_out(row))


@router.delete("/api/settings/{key}", status_code=204, dependencies=[ADMIN_ONLY])
def delete_setting(key: str, session: DbSession, if_match: IfMatch = None) -> Response:
    row = service.get_setting(session, key=key)
    listing.check_if_match(if_match, listing.etag_of(service.setting_out(row)), what="setting")
    service.delete_setting(session, key=key, writer=service.ADMIN)
    session.commit()
    return Response(status_code=204)


def _authenticated_service(request: Request, secret: str | None, name: str | None) -> str:
    expected = request.app.state.settings.registration_secret.get_secret_value().encode()
    if secret is None or not hmac.compare_digest(secret.encode(), expected):
        raise UnauthorizedError(f"a valid {SECRET_HEADER} header is required")
    if not name:
        raise UnauthorizedError("the X-ShopDB-Service header must name the service writing")
    return name


@router.put("/internal/settings/{key}", include_in_schema=False)
def put_service_setting(
    key: str,
    body: SettingWrite,
    request: Request,
    session: DbSession,
    secret: Annotated[str | None, Header(alias=SECRET_HEADER)] = None,
    writer: Annotated[str | None, Header(alias=SERVICE_HEADER)] = None,
):
    writer = _authenticated_service(request, secret, writer)
    row = service.write_setting(session, key=key, value=body.value, writer=writer)
    session.commit()
    return listing.etag_response(service.setting_out(row))
