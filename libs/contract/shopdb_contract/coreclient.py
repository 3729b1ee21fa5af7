"""A domain service's calls to core's internal asset endpoints.

Authenticated with the site registration secret (`X-ShopDB-Registration-Secret`), naming the
calling service (`X-ShopDB-Service`) and the person, token or collector it acts for
(`X-ShopDB-Actor`, JSON), so core's audit of the asset names the real actor.

Every write is safe to repeat: assets are upserted by the UUID the service chose, retire and
restore of an asset already in that state change nothing, and discarding an asset that is
already gone is not an error. A caller that does not know whether a call arrived can send it
again.

Errors: core unreachable (or answering 5xx) raises `CoreUnavailable`, a 503 problem for the
service's own client; a refusal by core raises `CoreRefused`, carrying core's problem (status,
detail, field, and `index` for a batch item) so the service can pass it on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import httpx

from shopdb_contract.errors import ProblemError, ServiceUnavailableError
from shopdb_contract.outbox import SYSTEM, Actor
from shopdb_contract.settings import ServiceSettings

from shopdb_contract.wire import ACTOR_HEADER, SERVICE_HEADER  # noqa: E402
from shopdb_contract.wire import REGISTRATION_SECRET_HEADER as SECRET_HEADER  # noqa: E402

__all__ = ["CoreClient", "CoreRefused", "CoreUnavailable"]


class CoreUnavailable(ServiceUnavailableError):
    """Core did not answer (or failed): the change was not made, or may be retried safely."""


class CoreRefused(ProblemError):
    """Core refused the call; the problem keeps core's status, detail and field names."""

    def __init__(self, problem: dict[str, Any], status: int) -> None:
        extensions = {k: v for k, v in problem.items() if k not in ("type", "title", "status", "detail", "instance")}
        super().__init__(problem.get("detail") or f"core answered {status}", **extensions)
        self.status = status
        self.problem = problem
        self.slug = str(problem.get("type", "")).rsplit(":", 1)[-1] or "bad-request"
        self.title = problem.get("title") or "Refused by core"

    @property
    def index(self) -> int | None:
        index = self.problem.get("index")
        return index if isinstance(index, int) else None


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class CoreClient:
    """Synchronous: the services' handlers run in a thread pool, and so do their writes.

    `http` may be any `httpx.Client` pointed at core (tests hand in a TestClient over an
    in-process core); by default one is made from the settings.
    """

    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings | None = None,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
        secret: str | None = None,
    ) -> None:
        self.service = service
        if secret is None:
            secret = (settings or ServiceSettings()).registration_secret.get_secret_value()
        if http is None:
            base = (settings or ServiceSettings()).core_url.rstrip("/")
            http = httpx.Client(base_url=base, timeout=timeout)
            self._owned = True
        else:
            self._owned = False
        self.http = http
        self._headers = {SECRET_HEADER: secret, SERVICE_HEADER: service}

    def close(self) -> None:
        if self._owned:
            self.http.close()

    # --- plumbing ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, actor: Actor | None = None, json_body: Any = None) -> Any:
        headers = dict(self._headers)
        headers[ACTOR_HEADER] = json.dumps((actor or SYSTEM).as_dict(), ensure_ascii=True)
        try:
            response = self.http.request(method, path, json=json_body, headers=headers)
        except httpx.HTTPError as exc:
            raise CoreUnavailable(
                f"core is not reachable ({type(exc).__name__}); nothing was changed, try again later",
                service="core",
            ) from exc
        if response.status_code >= 500:
            raise CoreUnavailable(f"core failed with {response.status_code}; try again later", service="core")
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:500]}
            if not isinstance(problem, dict):
                problem = {"detail": str(problem)[:500]}
            raise CoreRefused(problem, response.status_code)
        return response.json() if response.content else None

    # --- assets -----------------------------------------------------------------------------

    def upsert_assets(self, items: Sequence[dict[str, Any]], *, actor: Actor | None = None) -> list[dict[str, Any]]:
        """Create or update assets by `id` (a UUID the service chose); one call per batch.

        Answers `[{id, outcome: created|updated|unchanged, changed: [...]}]` in item order.
        All or nothing: a refused item raises `CoreRefused` with its `index`.
        """
        if not items:
            return []
        body = [{k: _plain(v) for k, v in item.items()} for item in items]
        return self._call("PUT", "/internal/assets", actor=actor, json_body=body)

    def upsert_asset(self, item: dict[str, Any], *, actor: Actor | None = None) -> dict[str, Any]:
        return self.upsert_assets([item], actor=actor)[0]

    def get_asset(self, asset_id: uuid.UUID | str, *, actor: Actor | None = None) -> dict[str, Any]:
        return self._call("GET", f"/internal/assets/{asset_id}", actor=actor)

    def get_position(self, asset_id: uuid.UUID | str, *, actor: Actor | None = None) -> dict[str, Any]:
        return self._call("GET", f"/internal/assets/{asset_id}/position", actor=actor)

    def query_assets(
        self,
        *,
        type: str | None = None,
        location: uuid.UUID | str | None = None,
        ids: Iterable[uuid.UUID | str] | None = None,
        include_retired: bool = False,
    ) -> list[dict[str, Any]]:
        """Brief assets by type, location (and everything below it) or ids."""
        body: dict[str, Any] = {"include_retired": include_retired}
        if type is not None:
            body["type"] = type
        if location is not None:
            body["location"] = str(location)
        if ids is not None:
            body["ids"] = [str(i) for i in ids]
        return self._call("POST", "/internal/assets/query", json_body=body)["results"]

    def retire_asset(self, asset_id: uuid.UUID | str, *, actor: Actor | None = None) -> dict[str, Any]:
        return self._call("POST", f"/internal/assets/{asset_id}/retire", actor=actor)

    def restore_asset(self, asset_id: uuid.UUID | str, *, actor: Actor | None = None) -> dict[str, Any]:
        return self._call("POST", f"/internal/assets/{asset_id}/restore", actor=actor)

    def discard_assets(self, ids: Iterable[uuid.UUID | str], *, actor: Actor | None = None) -> list[str]:
        """Hard delete, only to undo a create that failed half way; ids already gone are fine."""
        ids = [str(i) for i in ids]
        if not ids:
            return []
        return self._call("POST", "/internal/assets/discard", actor=actor, json_body={"ids": ids})["discarded"]

    # --- relationships ----------------------------------------------------------------------

    def relationships(
        self, *, target: uuid.UUID | str | None = None, source: uuid.UUID | str | None = None, type: str | None = None
    ) -> list[dict[str, Any]]:
        """Relationships ending at `target` and/or starting at `source`, optionally of one type."""
        params = {k: str(v) for k, v in (("target", target), ("source", source), ("type", type)) if v is not None}
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self._call("GET", f"/internal/relationships?{query}")["results"]

    def create_relationship(
        self,
        *,
        type: str,
        source: uuid.UUID | str,
        target: uuid.UUID | str,
        inheritsposition: bool = False,
        notes: str = "",
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        body = {"type": type, "source": str(source), "target": str(target), "inheritsposition": inheritsposition, "notes": notes}
        return self._call("POST", "/internal/relationships", actor=actor, json_body=body)
