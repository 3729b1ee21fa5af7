"""The computers that control a machine, for the equipment view.

Relationships of type `controls` whose target is the machine come from core's internal
endpoint (service to service, with the registration secret); each computer's hostname comes
from the computers service, found through core's registry (its `base_url`, only while it is
routed: registered, enabled, healthy). Those two reads are made on behalf of the caller: their
`Authorization` is passed on, so a person sees only what they could read themselves.

Computers not enabled at this site, or not answering, is not an error: the computers are still
listed from core's side (asset number, name) with `hostname` null, and `computers` says why.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from shopdb_contract.coreclient import CoreClient

log = logging.getLogger("shopdb.equipment.controllers")

CONTROLS = "controls"
COMPUTERS = "computers"


def _get(http: httpx.Client, url: str, headers: dict[str, str], **params: Any) -> httpx.Response | None:
    try:
        response = http.get(url, params=params, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("read failed", extra={"url": url, "error": type(exc).__name__})
        return None
    return response if response.status_code == 200 else None


def controlling_computers(
    core: CoreClient, *, machine_id: str, authorization: str | None, computers_http: httpx.Client
) -> dict[str, Any]:
    headers = {"Authorization": authorization} if authorization else {}
    links = core.relationships(target=machine_id, type=CONTROLS)
    found = [
        {
            "id": link["source"]["id"],
            "assetnumber": link["source"]["assetnumber"],
            "name": link["source"]["name"],
            "hostname": None,
            "inheritsposition": link["inheritsposition"],
            "relationship": link["id"],
        }
        for link in links
    ]
    if not found:
        return {"controlledby": [], "computers": "available"}
    registered = _get(core.http, f"/api/services/{COMPUTERS}", headers)
    if registered is None or not registered.json().get("routed"):
        return {"controlledby": found, "computers": "computers service is not enabled at this site"}
    base_url = registered.json()["base_url"].rstrip("/")
    ids = ",".join(item["id"] for item in found)
    answer = _get(computers_http, f"{base_url}/api/computers", headers, id=ids, brief="true", limit=1000)
    if answer is None:
        return {"controlledby": found, "computers": "computers service did not answer"}
    hostnames = {c["id"]: c.get("hostname") for c in answer.json().get("results", [])}
    for item in found:
        item["hostname"] = hostnames.get(item["id"])
    return {"controlledby": found, "computers": "available"}
