"""The app factory every service is built with, so every service looks the same from outside.

It gives: `/healthz` (the process is up), `/readyz` (its database answers), OpenAPI and docs
under the service's prefix, RFC 9457 problem+json for every error, `X-Request-Id` accepted or
generated and echoed, JSON logs carrying it, the auth policy on every route, and registration
with core.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import Table
from starlette.exceptions import HTTPException as StarletteHTTPException

from shopdb_contract import __contract_version__
from shopdb_contract import auditing
from shopdb_contract.auth import Authenticator, AuthPolicy
from shopdb_contract.db import Database
from shopdb_contract.errors import PROBLEM_CONTENT_TYPE, ProblemError, problem_type
from shopdb_contract.logs import configure_logging, request_id_var
from shopdb_contract.manifest import ServiceManifest
from shopdb_contract.outbox import OutboxWriter
from shopdb_contract.registration import Registration
from shopdb_contract.relay import OutboxRelay, RelayOptions
from shopdb_contract.settings import ServiceSettings
from shopdb_contract.wire import ETAG_HEADER, REQUEST_ID_HEADER

__all__ = ["create_service_app", "error_response", "Hook", "install_problem_handlers", "problem_response",
    "RequestContextMiddleware", "validation_errors"]

log = logging.getLogger("shopdb.app")

Hook = Callable[[FastAPI], Awaitable[None] | None]

# A client-supplied request id is echoed only if it is short and plain, so it is safe in logs.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_STATUS_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation", "Invalid input"),
    429: ("too-many-requests", "Too many requests"),
    503: ("service-unavailable", "Service unavailable"),
}


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    default_slug, default_title = _STATUS_TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": problem_type(slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _field_path(loc: Sequence[Any]) -> str:
    # ("body", 0, "name") -> "body[0].name": the path a person finds in their request.
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        # pydantic reports a failed union member by its type name; it tells a user nothing.
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        message = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        elif err.get("type") == "missing":
            message = "required field is missing"
        errors.append({"field": _field_path(loc), "message": message, "type": err.get("type")})
    return errors


def error_response(exc: ProblemError, instance: str | None = None) -> JSONResponse:
    body = exc.to_problem(instance=instance)
    headers = body.pop("headers", None)
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_CONTENT_TYPE, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:10])
        return problem_response(422, detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such path: {request.url.path}"
        return problem_response(exc.status_code, detail, instance=request.url.path, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            500, "an unexpected error occurred; the request id finds it in the logs",
            slug="internal", title="Internal error", instance=request.url.path,
        )


class RequestContextMiddleware:
    """Accepts or makes `X-Request-Id`, echoes it, and writes one access log line.

    Plain ASGI rather than BaseHTTPMiddleware: it sits on every request, so it stays cheap.
    """

    def __init__(self, app, *, logger: logging.Logger) -> None:
        self.app = app
        self.log = logger

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _REQUEST_ID.match(candidate):
                    request_id = candidate
                break
        request_id = request_id or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = list(message.get("headers", [])) + [header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if path not in ("/healthz", "/readyz") and self.log.isEnabledFor(logging.INFO):
                self.log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status_holder["status"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def create_service_app(
    *,
    manifest: ServiceManifest,
    settings: ServiceSettings,
    database: Database,
    routers: Sequence[APIRouter] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    register: bool = True,
    outbox: Table | None = None,
    authenticator: Authenticator | None = None,
    public_paths: Sequence[str] = (),
) -> FastAPI:
    """Build a service's app. Production settings are checked here, before anything runs.

    Every route is behind the auth policy (auth.py); `public_paths` are the exact paths this
    service serves without a principal, beyond health, readiness and its OpenAPI and docs.
    """
    settings.validate_for_start(manifest.name)
    configure_logging(manifest.name, settings.log_level)
    prefix = manifest.api_prefix

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        for hook in on_startup:
            result = hook(app)
            if result is not None:
                await result
        relay_task = None
        relay_stop = asyncio.Event()
        if outbox is not None and settings.relay_enabled:
            relay = OutboxRelay(
                service=manifest.name,
                database=database,
                table=outbox,
                nats_url=settings.nats_url,
                limits=settings.stream_limits(),
                options=RelayOptions(
                    batch_size=settings.relay_batch_size,
                    lease_seconds=settings.relay_lease_seconds,
                    retention_hours=settings.outbox_retention_hours,
                ),
            )
            app.state.relay = relay
            relay_task = asyncio.create_task(relay.run(relay_stop), name=f"{manifest.name}-relay")
        registration = None
        if register:
            registration = Registration(manifest=manifest, settings=settings)
            app.state.registration = registration
            await registration.start()
        log.info("service started", extra={"version": manifest.version, "contract": __contract_version__})
        try:
            yield
        finally:
            if registration is not None:
                await registration.stop()
            if relay_task is not None:
                relay_stop.set()
                try:
                    await asyncio.wait_for(relay_task, timeout=10)
                except (asyncio.TimeoutError, Exception):
                    relay_task.cancel()
            for hook in on_shutdown:
                result = hook(app)
                if result is not None:
                    await result
            database.dispose()

    app = FastAPI(
        title=f"ShopDB {manifest.name}",
        description=manifest.description,
        version=manifest.version,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.manifest = manifest
    app.state.settings = settings
    app.state.database = database
    app.state.registration = None
    app.state.relay = None
    app.state.outbox = outbox
    if outbox is not None:
        auditing.install(database.sessions, OutboxWriter(service=manifest.name, table=outbox))

    install_problem_handlers(app)
    authenticator = authenticator or Authenticator.from_settings(settings)
    app.state.authenticator = authenticator
    # Innermost, so CORS answers preflights and decorates refusals, and refusals carry request ids.
    app.add_middleware(
        AuthPolicy,
        service=manifest.name,
        authenticator=authenticator,
        public_paths=[
            "/healthz", "/readyz", f"{prefix}/openapi.json", f"{prefix}/docs", "/docs/oauth2-redirect",
            *public_paths,
        ],
        secure_cookies=settings.secure_cookies,
        error_response=error_response,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[ETAG_HEADER, REQUEST_ID_HEADER],
        )
    app.add_middleware(RequestContextMiddleware, logger=logging.getLogger("shopdb.access"))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": manifest.name, "version": manifest.version}

    @app.get("/readyz", include_in_schema=False)
    def readyz():
        try:
            database.ping()
        except Exception as exc:  # any driver error means not ready
            log.warning("database not reachable", extra={"error": type(exc).__name__})
            return problem_response(
                503, f"service {manifest.name!r} cannot reach its database", slug="not-ready",
                title="Not ready", service=manifest.name,
            )
        return {"status": "ready", "service": manifest.name, "database": database.backend}

    for router in routers:
        app.include_router(router)
    return app
