"""Errors every service raises, each with a stable RFC 9457 problem type.

A handler in the app factory turns any `ProblemError` into `application/problem+json`, so a
service raises the error that names the situation and never builds a response by hand.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PROBLEM_BASE", "PROBLEM_CONTENT_TYPE", "BadRequestError", "ConflictError", "ContractError",
    "ContractVersionError", "DependencyError", "ForbiddenError", "NotFoundError", "PayloadTooLargeError",
    "PreconditionFailedError", "PreconditionRequiredError", "problem_type", "ProblemError",
    "ServiceUnavailableError", "UnauthorizedError", "UnsupportedMediaTypeError", "ValidationProblem"]

PROBLEM_BASE = "urn:shopdb:problem:"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(slug: str) -> str:
    return f"{PROBLEM_BASE}{slug}"


class ProblemError(Exception):
    """An error a client can act on. Subclasses fix `status`, `slug` and `title`."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def type(self) -> str:
        return problem_type(self.slug)

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class BadRequestError(ProblemError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class ValidationProblem(ProblemError):
    """Input that parsed but breaks a rule; `field` names what to fix."""

    status = 422
    slug = "validation"
    title = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extensions: Any) -> None:
        errors = extensions.pop("errors", None)
        if errors is None and field is not None:
            errors = [{"field": field, "message": detail}]
        if errors is not None:
            extensions["errors"] = errors
        super().__init__(detail, **extensions)


class NotFoundError(ProblemError):
    status = 404
    slug = "not-found"
    title = "Not found"


class ConflictError(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailedError(ProblemError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequiredError(ProblemError):
    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class UnauthorizedError(ProblemError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


class ForbiddenError(ProblemError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class PayloadTooLargeError(ProblemError):
    """A body over a documented byte limit; `limit` says the limit in bytes."""

    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class ServiceUnavailableError(ProblemError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"


class ContractError(ProblemError):
    """A service does not keep the contract: bad manifest, invalid or reserved name."""

    status = 422
    slug = "contract"
    title = "Contract violation"


class ContractVersionError(ContractError):
    """The service's `core_version` range does not admit this core's contract version."""

    status = 409
    slug = "contract-version"
    title = "Incompatible contract version"


class DependencyError(ContractError):
    """A `depends_on` entry is missing, incompatible, or part of a cycle."""

    status = 409
    slug = "dependency"
    title = "Unmet service dependency"
