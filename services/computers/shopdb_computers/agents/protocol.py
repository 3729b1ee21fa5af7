"""The agents' side of the conversation: a request's bytes and headers in, the records to store
and the exact answer out. No I/O here; the route only passes bytes through.

What the agents send and expect (seen with the real agents, tests/data/agents/README.md):
- FusionInventory and OCS POST a zlib-compressed XML PROLOG (`<QUERY>PROLOG</QUERY>`), want
  `<REPLY><PROLOG_FREQ>h</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>` back, then POST the
  INVENTORY (`<REQUEST><CONTENT>…`) and take any `<REPLY>`.
- GLPI Agent sends the same PROLOG with a `GLPI-Agent-ID` header; a JSON answer switches it to its
  own protocol: JSON `{"action": "contact"}` and `{"action": "inventory", "content": …}`
  (later ones partial), each answered `{"status": "ok", "expiration": h}`.
- A refusal is problem+json, with a `message` member too: that is what GLPI Agent logs.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from shopdb_computers.agents import decode, normalize, values
from shopdb_contract.errors import ValidationProblem

PROLOG = "prolog"
CONTACT = "contact"
INVENTORY = "inventory"

XML_ZLIB = "application/x-compress-zlib"
XML_PLAIN = "application/xml"
JSON = "application/json"
AGENT_ID_HEADER = "glpi-agent-id"
# How often an agent should come back, in hours (PROLOG_FREQ, GLPI's expiration).
DEFAULT_HOURS = 24


@dataclass(frozen=True)
class AgentReply:
    """What to answer (`status`, `content_type`, `body`) and what to store (`records`)."""

    kind: str
    status: int
    content_type: str
    body: bytes
    records: tuple[dict[str, Any], ...] = field(default=())


def _refuse(detail: str, field_name: str) -> ValidationProblem:
    return ValidationProblem(detail, field=field_name, message=detail)


def _xml_reply(inner: str, compressed: bool) -> tuple[str, bytes]:
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<REPLY>{inner}</REPLY>\n'.encode()
    # The agents read the answer the way they wrote the request (they sniff zlib's header).
    return (XML_ZLIB, zlib.compress(text)) if compressed else (XML_PLAIN, text)


def _json_reply(kind: str, answer: dict[str, Any], records: tuple[dict[str, Any], ...] = ()) -> AgentReply:
    return AgentReply(kind, 200, JSON, orjson.dumps(answer), records)


def _xml(request: dict[str, Any], headers: Mapping[str, str], compressed: bool, hours: int) -> AgentReply:
    query = str(request.get("query") or "").strip().upper()
    if query == "PROLOG":
        if values.hardware_uuid(headers.get(AGENT_ID_HEADER)):
            # GLPI Agent: a JSON answer with an expiration makes it send its JSON inventory now.
            return _json_reply(PROLOG, {"status": "ok", "expiration": hours})
        content_type, body = _xml_reply(f"<PROLOG_FREQ>{hours}</PROLOG_FREQ><RESPONSE>SEND</RESPONSE>", compressed)
        return AgentReply(PROLOG, 200, content_type, body)
    if query == "INVENTORY":
        agent = headers.get("user-agent")
        record = normalize.normalize(
            request, source=normalize.xml_source(request, agent), agent=agent, agent_id=headers.get(AGENT_ID_HEADER),
        )
        content_type, body = _xml_reply("<RESPONSE>no_account_update</RESPONSE>", compressed)
        return AgentReply(INVENTORY, 200, content_type, body, (record,))
    raise _refuse(f"QUERY {query[:40]!r} is not taken here: only PROLOG and INVENTORY (of computers)", "QUERY")


def _json(message: dict[str, Any], headers: Mapping[str, str], hours: int) -> AgentReply:
    action = message.get("action") or (INVENTORY if "content" in message else None)
    if action == CONTACT:
        enabled = message.get("enabled-tasks")
        others = sorted({str(t) for t in enabled if t != INVENTORY}) if isinstance(enabled, list) else []
        answer: dict[str, Any] = {"status": "ok", "expiration": hours, "tasks": {INVENTORY: {"server": "glpi", "version": "1.0"}}}
        if others:
            answer["disabled"] = others  # only inventory is served here: the agent skips the rest
        return _json_reply(CONTACT, answer)
    if action == INVENTORY:
        itemtype = message.get("itemtype") or "Computer"
        if itemtype != "Computer":
            raise _refuse(f"itemtype {str(itemtype)[:40]!r} is not taken here: only Computer", "itemtype")
        record = normalize.normalize(
            message, source=normalize.GLPI_JSON, agent=headers.get("user-agent"), agent_id=headers.get(AGENT_ID_HEADER),
        )
        return _json_reply(INVENTORY, {"status": "ok", "expiration": hours}, (record,))
    raise _refuse(f"action {str(action)[:40]!r} is not taken here: only contact and inventory", "action")


def handle(body: bytes, headers: Mapping[str, str], *, hours: int = DEFAULT_HOURS) -> AgentReply:
    """Answer one agent request. Raises a ProblemError (413, 415, 400, 422) for a refusal."""
    lowered = {k.lower(): v for k, v in headers.items()}
    document = decode.parse(body)
    if document.kind == decode.JSON:
        if not isinstance(document.data, dict):
            raise _refuse("the JSON message must be an object", "action")
        return _json(document.data, lowered, hours)
    request = document.data.get("request")
    if not isinstance(request, dict):
        raise _refuse("the XML must be a <REQUEST> with a <QUERY>", "REQUEST")
    return _xml(request, lowered, document.compression != decode.PLAIN, hours)
