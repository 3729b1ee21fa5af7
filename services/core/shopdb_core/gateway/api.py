"""The gateway's route source, and core's answer for paths of services the gateway does not route."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.routing import APIRoute
from starlette.routing import Match

from shopdb_contract.deps import DbSession
from shopdb_contract.errors import NotFoundError, ProblemError, ServiceUnavailableError, UnauthorizedError
from shopdb_contract.manifest import RESERVED_NAMES
from shopdb_core.gateway.traefik_config import GATEWAY_TOKEN_HEADER, ROUTE_SOURCE_PATH, dynamic_config
from shopdb_core.registry import service as registry
from shopdb_core.registry.models import REFUSED, STOPPED


def require_gateway_token(
    request: Request,
    token: Annotated[str | None, Header(alias=GATEWAY_TOKEN_HEADER, include_in_schema=False)] = None,
) -> None:
    expected = request.app.state.settings.gateway_token.get_secret_value().encode()
    if token is None or not hmac.compare_digest(token.encode(), expected):
        raise UnauthorizedError(f"the route source needs the gateway token in the {GATEWAY_TOKEN_HEADER} header")


internal_router = APIRouter(tags=["internal"], include_in_schema=False)


@internal_router.get(ROUTE_SOURCE_PATH, dependencies=[Depends(require_gateway_token)])
def traefik_routes(request: Request, session: DbSession) -> dict:
    """Polled by Traefik's HTTP provider: a router per registered, compatible, enabled, healthy service."""
    timeout = request.app.state.settings.heartbeat_timeout
    return dynamic_config(registry.routed_services(session=session, timeout=timeout))


# Mounted last: Traefik sends every /api path no domain router took to core, and core's own
# routers answer theirs first; what is left is a service this site does not route.
fallback_router = APIRouter(include_in_schema=False)
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def unrouted_service(name: str, request: Request, session: DbSession) -> None:
    if name in RESERVED_NAMES:
        raise _core_path_problem(request)
    raise why_not_routed(session=session, name=name, timeout=request.app.state.settings.heartbeat_timeout)


# Collector paths first, or /api/{name}/... would read "collector" as the service's name.
for _path in ("/api/collector/{name}", "/api/collector/{name}/{rest:path}", "/api/{name}", "/api/{name}/{rest:path}"):
    fallback_router.add_api_route(_path, unrouted_service, methods=_METHODS)


def why_not_routed(*, session, name: str, timeout: float) -> ProblemError:
    """The problem that tells a caller why the gateway did not send its request to `name`."""
    row = registry.get(session=session, name=name)
    if row is None:
        return NotFoundError(f"no service {name!r} is installed on this site", service=name)
    if not row.enabled:
        return NotFoundError(
            f"service {name!r} is disabled on this site; an operator enables it with "
            f"POST /api/services/{name}/enable",
            service=name,
        )
    if row.status == REFUSED:
        return ServiceUnavailableError(
            f"service {name!r} was refused by core: {row.refusal_reason}",
            service=name, refusal_type=row.refusal_type,
        )
    if row.status == STOPPED:
        return ServiceUnavailableError(f"service {name!r} has stopped", service=name)
    if not registry.is_healthy(row, timeout=timeout):
        seen = registry.last_seen(row).isoformat(timespec="seconds")
        return ServiceUnavailableError(
            f"service {name!r} is not answering: no heartbeat since {seen}", service=name
        )
    # Healthy and enabled, so Traefik is about to route it; the next poll will.
    return ServiceUnavailableError(
        f"service {name!r} is being added to the gateway; retry in a moment",
        service=name, headers={"Retry-After": "2"},
    )


def _core_path_problem(request: Request) -> ProblemError:
    # A core path in a method core does not serve is 405, not "no such service". Core's own
    # routers are asked (not the app's, whose included-router wrappers are FastAPI internals).
    from shopdb_core.api import routers

    allowed: set[str] = set()
    for router in routers():
        for route in router.routes:
            if isinstance(route, APIRoute) and route.endpoint is not unrouted_service:
                match, _ = route.matches(request.scope)
                if match is Match.PARTIAL:
                    allowed |= route.methods
    if allowed:
        return _MethodNotAllowed(
            f"{request.method} is not allowed on {request.url.path}", headers={"Allow": ", ".join(sorted(allowed))}
        )
    return NotFoundError(f"no such path: {request.url.path}")


class _MethodNotAllowed(ProblemError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"
