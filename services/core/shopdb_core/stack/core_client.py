"""Talking to a running core: is it up, what does its registry say, enable/disable a service."""

from __future__ import annotations

import json
import os

import httpx

from shopdb_core.stack.layout import Layout, pid_alive


def running_core_url(layout: Layout) -> str | None:
    """SHOPDB_CORE_URL when set, else the core of a `shopdb up` running on this var folder."""
    if os.environ.get("SHOPDB_CORE_URL"):
        return os.environ["SHOPDB_CORE_URL"].rstrip("/")
    try:
        running = json.loads(layout.running_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not pid_alive(int(running.get("pid", 0))):
        return None
    return running.get("core_url")


class CoreClient:
    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=5.0, headers=headers or {})

    @classmethod
    def connect(cls, layout: Layout, database_url: str | None = None) -> CoreClient | None:
        """A client for core if it answers, else None (commands then work offline).

        With core's database URL the client acts as an admin, with a token signed by core's key.
        """
        url = running_core_url(layout)
        if not url:
            return None
        client = cls(url, headers=_admin_headers(database_url) if database_url else None)
        try:
            if client.http.get("/healthz").status_code == 200:
                return client
        except httpx.HTTPError:
            pass
        client.close()
        return None

    def registry(self) -> dict[str, dict]:
        response = self.http.get("/api/services", params={"limit": 1000})
        response.raise_for_status()
        body = response.json()
        items = body.get("results", body.get("items", [])) if isinstance(body, dict) else body
        return {item["name"]: item for item in items}

    def set_enabled(self, name: str, enabled: bool) -> tuple[bool, str]:
        action = "enable" if enabled else "disable"
        response = self.http.post(f"/api/services/{name}/{action}")
        if response.status_code < 300:
            return True, f"core: {name} {action}d"
        if response.status_code == 404:
            # Not registered yet: the local state applies when its process starts and registers.
            return True, f"core: {name} is not registered yet; the local setting applies when it starts"
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        return False, f"core answered {response.status_code} to {action} {name}: {detail}"

    def close(self) -> None:
        self.http.close()


def _admin_headers(database_url: str) -> dict[str, str] | None:
    from shopdb_core.identity.accounts import command_line_token
    from shopdb_core.settings import CoreSettings

    try:
        token = command_line_token(database_url, secret_key=CoreSettings().secret_key.get_secret_value())
    except Exception:  # core's database not there yet: ask core unauthenticated, it will say so
        return None
    return {"Authorization": f"Bearer {token}"}
